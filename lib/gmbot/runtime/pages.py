"""Paged listings, checked the same way by every service: the page a request's `page_size` and
`page_token` ask for. A token is the last key of the page before, written by `token_after`; one
the service did not write (not a whole number, or not a key of the listing's kind, such as a
number beyond int64) is refused before it reaches storage."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from gmbot.runtime.errors import InvalidArgument

# At most int64's digits: a longer one was never written, and is not parsed.
_TOKEN = re.compile(r"-?[0-9]{1,19}")


@dataclass(frozen=True)
class Page:
    size: int
    # The last key of the page before; None for the first page.
    after: int | None


def page_asked(
    page_size: int, page_token: str, *, default: int, most: int, is_key: Callable[[int], bool]
) -> Page:
    """The page asked for: `default` keys for a size of 0, INVALID_ARGUMENT for a size over
    `most` or a token that is no key of the listing (`is_key`)."""
    if page_size > most:
        raise InvalidArgument(f"page_size is at most {most}", field="page_size")
    size = page_size or default
    if not page_token:
        return Page(size, None)
    if _TOKEN.fullmatch(page_token) is None or not is_key(int(page_token)):
        raise InvalidArgument("page_token was not issued by this listing", field="page_token")
    return Page(size, int(page_token))


def token_after(last_key: int) -> str:
    """The token of the page after the one that ended with `last_key`."""
    return str(last_key)
