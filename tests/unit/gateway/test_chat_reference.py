"""What /protect accepts as a channel."""

from __future__ import annotations

import pytest

from gmbot.gateway.telegram.lookup import chat_reference


@pytest.mark.parametrize(
    ("text", "reference"),
    [
        ("@news_channel", "@news_channel"),
        ("news_channel", "@news_channel"),
        ("https://t.me/news_channel", "@news_channel"),
        ("t.me/news_channel/", "@news_channel"),
        ("-1001234567890", -1001234567890),
    ],
)
def test_channel_references(text: str, reference: str | int) -> None:
    assert chat_reference(text) == reference


@pytest.mark.parametrize("text", ["@a", "https://example.com/x", "hello world", "12"])
def test_not_a_channel_reference(text: str) -> None:
    assert chat_reference(text) is None
