"""The changelog rule: the workspace's version has a dated section, or is the next one and
[Unreleased] stands for it; a release wants its dated section."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from scripts.changelog import (
    CHANGELOG,
    ChangelogError,
    check_development,
    check_release,
    parse,
    workspace_version,
)

RELEASED_ONLY = "# Changelog\n\n## [0.1.0] - 2026-12-02\n\n### Added\n- everything\n"
WITH_UNRELEASED = "# Changelog\n\n## [Unreleased]\n\n- more\n\n" + RELEASED_ONLY[13:]


def test_sections_are_read_with_their_dates() -> None:
    changelog = parse(WITH_UNRELEASED)
    assert changelog.unreleased
    assert changelog.released == {"0.1.0": date(2026, 12, 2)}


def test_a_released_version_is_covered() -> None:
    assert "released" in check_development("0.1.0", parse(RELEASED_ONLY))


def test_the_next_version_is_covered_by_unreleased() -> None:
    assert "under development" in check_development("0.2.0", parse(WITH_UNRELEASED))


def test_the_next_version_without_unreleased_is_refused() -> None:
    with pytest.raises(ChangelogError, match=r"no section for 0\.2\.0"):
        check_development("0.2.0", parse(RELEASED_ONLY))


def test_an_older_unlisted_version_is_refused_even_with_unreleased() -> None:
    text = WITH_UNRELEASED.replace("0.1.0", "0.3.0")
    with pytest.raises(ChangelogError, match=r"older than the released 0\.3\.0"):
        check_development("0.2.0", parse(text))


def test_a_release_wants_its_dated_section_not_unreleased() -> None:
    assert check_release("0.1.0", parse(WITH_UNRELEASED))
    with pytest.raises(ChangelogError, match=r"no `## \[0\.2\.0\] - YYYY-MM-DD` section"):
        check_release("0.2.0", parse(WITH_UNRELEASED))


def test_a_version_not_of_the_form_x_y_z_is_refused() -> None:
    with pytest.raises(ChangelogError, match="not a version"):
        check_release("v1", parse(RELEASED_ONLY))


def test_two_sections_for_one_version_are_refused() -> None:
    with pytest.raises(ChangelogError, match="two sections"):
        parse(RELEASED_ONLY + RELEASED_ONLY[13:])


def test_members_that_disagree_are_named(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.uv.workspace]\nmembers = ["a", "b"]\n')
    for member, version in (("a", "0.1.0"), ("b", "0.2.0")):
        (tmp_path / member).mkdir()
        (tmp_path / member / "pyproject.toml").write_text(f'[project]\nversion = "{version}"\n')
    with pytest.raises(ChangelogError, match=r"a=0\.1\.0, b=0\.2\.0"):
        workspace_version(tmp_path)


def test_this_repository_passes_its_own_check() -> None:
    check_development(workspace_version(), parse(CHANGELOG.read_text()))
