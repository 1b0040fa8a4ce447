"""tests.support.longest_first: the pool's modules go out longest first, each kept whole."""

from __future__ import annotations

from dataclasses import dataclass

from tests.support.longest_first import module_of, sort_longest_first


@dataclass
class _Test:
    nodeid: str


def test_modules_go_longest_first_and_keep_their_tests_in_order() -> None:
    tests = [
        _Test("tests/integration/test_a.py::test_one"),
        _Test("tests/integration/test_a.py::test_two"),
        _Test("tests/e2e/test_b.py::test_one[x]"),
        _Test("tests/e2e/test_b.py::Case::test_two"),
        _Test("tests/integration/test_c.py::test_one"),
    ]
    seconds = {"tests.integration.test_a": 5.0, "tests.e2e.test_b": 200.0}

    sort_longest_first(tests, seconds)

    assert [t.nodeid for t in tests] == [
        "tests/e2e/test_b.py::test_one[x]",
        "tests/e2e/test_b.py::Case::test_two",
        # not recorded: an average module (102.5 s)
        "tests/integration/test_c.py::test_one",
        "tests/integration/test_a.py::test_one",
        "tests/integration/test_a.py::test_two",
    ]


def test_a_module_is_named_as_test_times_names_it() -> None:
    assert module_of("tests/e2e/test_restarts.py::test_x[a-b]") == "tests.e2e.test_restarts"
