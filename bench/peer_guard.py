"""doffskiii/channel-guard-bot, a checkout of it, run unmodified as bench.gateway_polling's peer:

    git clone https://github.com/doffskiii/channel-guard-bot ~/channel-guard-bot
    .venv/bin/python -m bench.gateway_polling \\
        --peer ".venv/bin/python -m bench.peer_guard $HOME/channel-guard-bot"

The guard needs two things bench.peer's environment does not give it by itself: its
`Bot(token=...)` talks to api.telegram.org, and it knows who may write from its own SQLite file
(`data/guard.db` next to its code, table `verified`), loaded at start. So this gives aiogram's
Bot, when built without a session, one for $TELEGRAM_API_URL; replaces that file with one where
every subscribed member of $BENCH_WORLD is verified in each of its groups (its cache warm, as
owners run it); and runs the checkout's bot.py as its `__main__`. Nothing of the guard is
changed or kept here: name its commit next to the figures.
"""

from __future__ import annotations

import json
import os
import runpy
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import BaseSession
from aiogram.client.telegram import TelegramAPIServer


def warm(checkout: Path, world: Path) -> None:
    """The guard's store, written afresh: its members verified, as after they passed its check."""
    spec = json.loads(world.read_text())
    store = checkout / "data" / "guard.db"
    store.parent.mkdir(exist_ok=True)
    store.unlink(missing_ok=True)
    rows = [(int(g), int(u), time.time()) for g in spec["groups"] for u in spec["subscribed"]]
    with sqlite3.connect(store) as db:
        db.execute(
            "CREATE TABLE verified (chat_id INTEGER NOT NULL, user_id INTEGER NOT NULL,"
            " verified_at REAL NOT NULL, PRIMARY KEY (chat_id, user_id))"
        )
        db.executemany("INSERT INTO verified VALUES (?, ?, ?)", rows)
    db.close()


def aim_at(api_url: str) -> None:
    """aiogram's Bot built without a session gets one for `api_url`, not api.telegram.org."""
    built = Bot.__init__

    def init(self: Bot, token: str, session: BaseSession | None = None, **rest: Any) -> None:
        server = TelegramAPIServer.from_base(api_url)
        built(self, token, session=session or AiohttpSession(api=server), **rest)

    Bot.__init__ = init  # type: ignore[method-assign,assignment]


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit("usage: python -m bench.peer_guard CHECKOUT")
    checkout = Path(sys.argv[1]).resolve()
    warm(checkout, Path(os.environ["BENCH_WORLD"]))
    aim_at(os.environ["TELEGRAM_API_URL"])
    sys.path.insert(0, str(checkout))
    sys.argv = [str(checkout / "bot.py")]
    runpy.run_path(str(checkout / "bot.py"), run_name="__main__")


if __name__ == "__main__":
    main()
