"""A channel's primary invite link, remembered when the bot is made its administrator, so a
private channel may be named in /protect by its t.me/+ link."""

from __future__ import annotations

from gmbot.gateway.flows.bot_status import BotStatus
from gmbot.gateway.flows.channel_invite_links import on_bot_channel_status
from tests.unit.gateway.fakes import Fakes

CHANNEL = -1001234
LINK = "https://t.me/+AbCdEfGh1234"
ADMIN = BotStatus("administrator", frozenset({"can_invite_users"}))


class Channel:
    """getChat's answer for the channel: its link, or None (no link, or not readable)."""

    def __init__(self, link: str | None) -> None:
        self.link = link
        self.asked: list[int] = []

    async def primary_invite_link(self, chat_id: int) -> str | None:
        self.asked.append(chat_id)
        return self.link


async def test_made_an_administrator_the_bot_remembers_the_channels_link() -> None:
    fakes = Fakes()
    channel = Channel(LINK)

    await on_bot_channel_status(fakes.ctx, channel, CHANNEL, ADMIN)

    assert channel.asked == [CHANNEL]
    assert await fakes.ctx.invite_links.chat_of(LINK) == CHANNEL


async def test_as_a_plain_member_the_bot_does_not_ask_for_the_link() -> None:
    fakes = Fakes()
    channel = Channel(LINK)

    await on_bot_channel_status(fakes.ctx, channel, CHANNEL, BotStatus("member", frozenset()))

    assert channel.asked == []
    assert await fakes.ctx.invite_links.chat_of(LINK) is None


async def test_a_channel_whose_link_cannot_be_read_leaves_nothing_remembered() -> None:
    fakes = Fakes()

    await on_bot_channel_status(fakes.ctx, Channel(None), CHANNEL, ADMIN)

    assert await fakes.ctx.invite_links.chat_of(LINK) is None
