"""Reading what bots did (the journal, counters, their pending updates), and setting the
limits, faults and clock they meet."""

from __future__ import annotations

from dataclasses import asdict

from aiohttp import web

from gmbot.sandbox.control.base import PREFIX, ControlPart, read_body, respond
from gmbot.sandbox.limits import FaultConfig, LimitConfig


class ObserveControl(ControlPart):
    async def journal(self, request: web.Request) -> web.Response:
        """The calls after `since` (of one `method`, one `bot_id`); with `wait` (seconds), the
        answer is held until there is one, or for that long (then it is empty)."""
        query = request.query
        method = query.get("method")
        bot_id = int(query["bot_id"]) if "bot_id" in query else None
        since = int(query.get("since", 0))
        journal, wait = self.telegram.journal, float(query.get("wait", 0))
        entries = (
            await journal.awaited(wait, method=method, bot_id=bot_id, since=since)
            if wait > 0
            else journal.entries(method=method, bot_id=bot_id, since=since)
        )
        return respond([e.as_json() for e in entries])

    async def clear_journal(self, _request: web.Request) -> web.Response:
        self.telegram.journal.clear()
        return respond({"ok": True})

    async def counters(self, request: web.Request) -> web.Response:
        """Calls by method and errors by code: every bot's, or one bot's with `bot_id`."""
        journal = self.telegram.journal
        bot_id = int(request.query["bot_id"]) if "bot_id" in request.query else None
        methods = journal.counters if bot_id is None else journal.bot_counters.get(bot_id)
        return respond(
            {
                "methods": dict(methods or {}),
                "errors": {str(code): n for code, n in journal.errors(bot_id).items()},
                "last_seq": journal.last_seq(),
                "rejected": self.telegram.limits.rejected,
            }
        )

    async def bot_updates(self, request: web.Request) -> web.Response:
        bot = self.telegram.bot_by_id(int(request.match_info["bot_id"]))
        if bot is None:
            raise web.HTTPNotFound(text="no such bot")
        return respond(
            {"delivered": bot.queue.delivered, "pending": [p.update for p in bot.queue.pending]}
        )

    # -- limits, faults, time
    async def set_limits(self, request: web.Request) -> web.Response:
        config = LimitConfig(**await read_body(request))
        self.telegram.limits.config = config
        return respond(asdict(config))

    async def set_faults(self, request: web.Request) -> web.Response:
        body = await read_body(request)
        storm_seconds = float(body.pop("storm_seconds", 0))
        methods = set(body.pop("storm_methods", []))
        faults = FaultConfig(**body, storm_methods=methods)
        if storm_seconds:
            faults.storm_until = self.world.clock.now() + storm_seconds
        self.telegram.limits.set_faults(faults)
        return respond({"ok": True})

    async def advance_clock(self, request: web.Request) -> web.Response:
        self.world.clock.offset += float((await read_body(request))["seconds"])
        return respond({"now": self.world.clock.now()})

    def routes(self) -> list[web.RouteDef]:
        p = PREFIX
        return [
            web.get(f"{p}/bots/{{bot_id}}/updates", self.bot_updates),
            web.get(f"{p}/journal", self.journal),
            web.delete(f"{p}/journal", self.clear_journal),
            web.get(f"{p}/counters", self.counters),
            web.put(f"{p}/limits", self.set_limits),
            web.put(f"{p}/faults", self.set_faults),
            web.post(f"{p}/clock", self.advance_clock),
        ]
