"""Magic filters resolved on the event loop.

aiogram calls a synchronous filter through `asyncio.to_thread`, and a magic filter (`F.chat.type
== ...`) resolves synchronously: every router a message passes would cost a hop to a worker
thread and back. Resolving one is a few attribute reads, so `on_loop(F....)` does it in place."""

from __future__ import annotations

from aiogram.enums import ChatType
from aiogram.filters import Filter
from aiogram.types import TelegramObject
from aiogram.utils.magic_filter import MagicFilter

# Both kinds of group chat: a basic group is answered (how to upgrade it), never protected.
GROUPS = frozenset({ChatType.GROUP, ChatType.SUPERGROUP})


class on_loop(Filter):  # noqa: N801 - reads as a function around F: on_loop(F.chat_shared)
    def __init__(self, magic: MagicFilter) -> None:
        self._magic = magic

    async def __call__(self, event: TelegramObject) -> bool:
        return bool(self._magic.resolve(event))
