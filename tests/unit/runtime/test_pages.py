"""A listing's page as asked: the default and the cap of page_size, and only tokens the service
wrote (the last key of a page) accepted."""

from __future__ import annotations

import pytest

from gmbot.runtime.errors import InvalidArgument
from gmbot.runtime.ids import is_supergroup_id, is_user_id
from gmbot.runtime.pages import Page, page_asked, token_after

GROUP = -1001000000001


def _groups(size: int, token: str) -> Page:
    return page_asked(size, token, default=100, most=500, is_key=is_supergroup_id)


def test_a_first_page_of_size_zero_is_the_default() -> None:
    assert _groups(0, "") == Page(100, None)
    assert _groups(500, "") == Page(500, None)


def test_a_token_written_for_a_page_asks_for_the_page_after_it() -> None:
    assert _groups(2, token_after(GROUP)) == Page(2, GROUP)
    users = page_asked(10, token_after(42), default=100, most=1000, is_key=is_user_id)
    assert users == Page(10, 42)


def test_a_page_over_the_cap_is_refused_naming_page_size() -> None:
    with pytest.raises(InvalidArgument) as refused:
        _groups(501, "")

    assert refused.value.field == "page_size"


@pytest.mark.parametrize(
    "token",
    [
        "abc",
        "-" + "9" * 19,  # beyond int64
        "9" * 40,
        "42",  # a user id where group ids are listed
        "١٢٣٤٥",  # digits int() reads, in another script
        " -1001000000001",
        "-1001000000001\n",
        "-1_001_000_000_001",
    ],
)
def test_a_token_the_listing_did_not_write_is_refused_naming_page_token(token: str) -> None:
    with pytest.raises(InvalidArgument) as refused:
        _groups(0, token)

    assert refused.value.field == "page_token"
