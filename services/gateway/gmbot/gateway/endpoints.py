"""The gateway's two HTTP faces. The webhook, on HTTP_PORT: the only one Telegram (through the
proxy or Ingress) ever reaches. The operators' port, ADMIN_PORT, never published: liveness,
readiness, Prometheus metrics and the dead letters (for the shared AUTH_TOKEN, or a caller whose
scopes include them, as the `operator` scope does)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass

from aiogram import Bot
from aiogram.types import Update
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from gmbot.gateway.intake.dead_letters import DeadLetters
from gmbot.gateway.intake.pipeline import Result, UpdatePipeline
from gmbot.gateway.intake.webhook import WEBHOOK_PATH, Handler
from gmbot.runtime.callers import DEAD_LETTERS_LIST, DEAD_LETTERS_REPLAY, Callers

DEAD_LETTERS_PATH = "/admin/dead-letters"


@dataclass(frozen=True)
class DeadLetterDesk:
    """What the operators' endpoints need: the letters, and the pipeline to hand one back to."""

    letters: DeadLetters
    pipeline: UpdatePipeline
    bot: Bot
    callers: Callers

    def refusal(self, request: web.Request, method: str) -> web.Response | None:
        """Why the request may not call `method`, or None when it may."""
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        # Every token GMBot issues is ASCII; anything else is no token (and never an error).
        caller = self.callers.identify(token if scheme == "Bearer" and token.isascii() else None)
        if caller is None:
            return web.Response(status=401, text="missing or wrong bearer token")
        if not caller.may_call(method):
            return web.Response(status=403, text=f"caller {caller.name!r} may not call {method}")
        return None

    async def list(self, request: web.Request) -> web.Response:
        if refused := self.refusal(request, DEAD_LETTERS_LIST):
            return refused
        return web.json_response([asdict(letter) for letter in await self.letters.all()])

    async def replay(self, request: web.Request) -> web.Response:
        if refused := self.refusal(request, DEAD_LETTERS_REPLAY):
            return refused
        letter_id = request.match_info["letter_id"]
        letter = next((x for x in await self.letters.all() if x.id == letter_id), None)
        if letter is None:
            return web.Response(status=404, text="no such dead letter")
        update = Update.model_validate(letter.update, context={"bot": self.bot})
        if await self.pipeline.handle(update, replay=True) is not Result.CONFIRM:
            return web.Response(status=503, text="its back end still fails; kept for later")
        await self.letters.remove(letter_id)
        return web.json_response({"replayed": letter_id})


def admin_app(
    ready: Callable[[], Awaitable[dict[str, bool]]], desk: DeadLetterDesk | None = None
) -> web.Application:
    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"status": "alive"})

    async def readyz(_request: web.Request) -> web.Response:
        checks = await ready()
        status = 200 if all(checks.values()) else 503
        return web.json_response({"ready": status == 200, "checks": checks}, status=status)

    async def metrics(_request: web.Request) -> web.Response:
        response = web.Response(body=generate_latest())
        response.content_type = CONTENT_TYPE_LATEST.split(";")[0]
        return response

    app = web.Application(client_max_size=1024 * 1024)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
    if desk is not None:
        app.router.add_get(DEAD_LETTERS_PATH, desk.list)
        app.router.add_post(DEAD_LETTERS_PATH + "/{letter_id}/replay", desk.replay)
    return app


def webhook_app(webhook: Handler) -> web.Application:
    app = web.Application(client_max_size=1024 * 1024)
    app.router.add_post(WEBHOOK_PATH, webhook)
    return app
