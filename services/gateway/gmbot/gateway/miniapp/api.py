"""The Mini App's HTTP face, on MINIAPP_PORT: the page and its assets, and the API it calls.

Every API call carries Telegram's launch data (`Authorization: tma <initData>`): no cookie, no
session. A call without valid data gets 401 and does nothing; a viewer who does not administer
the group gets 403. Reads trust the cached administrator list; every write asks Telegram again.
A settings change that removes people is saved only when the request says it was confirmed (428
with the question otherwise), as the panel asks before it."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Awaitable, Callable
from importlib.resources import files
from typing import Any

import structlog
from aiohttp import web

from gmbot.gateway.clients.backends import BackendError, BackendRefused, Conflict, InvalidArgument
from gmbot.gateway.flows import undo
from gmbot.gateway.flows.context import FlowContext
from gmbot.gateway.flows.verdicts import is_admin
from gmbot.gateway.miniapp import board
from gmbot.gateway.miniapp.texts import page_texts
from gmbot.gateway.miniapp.viewer import administers_now, groups_of
from gmbot.gateway.texts import language_of
from gmbot.runtime.webapp import InitDataRefused, Viewer, check_init_data

log = structlog.get_logger("gmbot.gateway.miniapp")

STATIC = files("gmbot.gateway.miniapp") / "static"
# Only the page's own origin; Telegram's frame is allowed to hold it.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors https://web.telegram.org https://*.telegram.org"
)
_ASSETS = {"app.js": "text/javascript", "app.css": "text/css"}
# A click's own id, so a retried request is one action (the flows' idempotency keys).
_REQUEST_ID = re.compile(r"\A[A-Za-z0-9-]{8,64}\Z")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class MiniApp:
    def __init__(self, ctx: FlowContext, bot_token: str, max_age: float) -> None:
        self._ctx = ctx
        self._token = bot_token
        self._max_age = max_age

    def viewer(self, request: web.Request) -> Viewer:
        scheme, _, init_data = request.headers.get("Authorization", "").partition(" ")
        if scheme != "tma":
            raise web.HTTPUnauthorized(text="no Telegram launch data")
        try:
            return check_init_data(init_data, self._token, time.time(), self._max_age)
        except InitDataRefused as refused:
            raise web.HTTPUnauthorized(text=str(refused)) from None

    async def _group(self, request: web.Request, viewer: Viewer, *, write: bool) -> int:
        """The group the path names, once the viewer is found to administer it."""
        try:
            group_id = int(request.match_info["group_id"])
        except ValueError:
            raise web.HTTPNotFound(text="no such group") from None
        check = administers_now if write else is_admin
        admin = await check(self._ctx, group_id, viewer.user_id)
        if admin is None:
            raise web.HTTPServiceUnavailable(text="Telegram cannot tell who administers it now")
        if not admin or await self._ctx.policies.get(group_id) is None:
            raise web.HTTPForbidden(text="only the group's administrators")
        return group_id

    async def groups(self, request: web.Request) -> web.Response:
        viewer = self.viewer(request)
        language = language_of(viewer.language_code)
        found = await groups_of(self._ctx, viewer.user_id)
        return web.json_response(
            {
                "viewer": viewer.user_id,
                **page_texts(language),
                "groups": [{"group_id": p.group_id, "title": p.title} for p in found],
            }
        )

    async def group(self, request: web.Request) -> web.Response:
        viewer = self.viewer(request)
        group_id = await self._group(request, viewer, write=False)
        policy = await self._ctx.policies.get(group_id)
        assert policy is not None  # noqa: S101 - _group found it
        language = language_of(viewer.language_code)
        return web.json_response(await board.group_board(self._ctx, policy, language))

    async def _write(self, request: web.Request) -> tuple[Viewer, int, str, dict[str, Any]]:
        """Who writes, to which group, under which idempotency key, what."""
        viewer = self.viewer(request)
        group_id = await self._group(request, viewer, write=True)
        try:
            body = await request.json()
        except ValueError:
            raise web.HTTPBadRequest(text="the body is no JSON") from None
        if not isinstance(body, dict):
            raise web.HTTPBadRequest(text="the body is no JSON object")
        request_id = body.get("request_id")
        if not isinstance(request_id, str) or not _REQUEST_ID.match(request_id):
            request_id = uuid.uuid4().hex
        return viewer, group_id, f"app:{viewer.user_id}:{request_id}", body

    async def unmute(self, request: web.Request) -> web.Response:
        _, group_id, key, body = await self._write(request)
        await board.unmute(self._ctx, key, group_id, _user_id(body))
        return web.json_response({"done": True})

    async def exempt(self, request: web.Request) -> web.Response:
        _, group_id, key, body = await self._write(request)
        try:
            await undo.exempt(self._ctx, key, group_id, _user_id(body))
        except InvalidArgument as refused:  # the exempt list is full
            raise web.HTTPUnprocessableEntity(text=refused.message) from None
        return web.json_response({"done": True})

    async def undo(self, request: web.Request) -> web.Response:
        _, group_id, key, body = await self._write(request)
        action_id = body.get("action_id")
        if not isinstance(action_id, str) or not await board.undo_action(
            self._ctx, key, group_id, action_id
        ):
            raise web.HTTPConflict(text="nothing to undo")
        return web.json_response({"done": True})

    async def settings(self, request: web.Request) -> web.Response:
        viewer, group_id, _, body = await self._write(request)
        values, version = body.get("values"), body.get("version")
        if not isinstance(values, dict) or type(version) is not int or version <= 0:
            raise web.HTTPBadRequest(text="values and version, please")
        language = language_of(viewer.language_code)
        try:
            # The page asks before a change that removes people; nothing trusts that it did.
            if body.get("confirmed") is not True:
                asked = await board.unconfirmed(self._ctx, group_id, values, version, language)
                if asked is not None:
                    return web.json_response(asked, status=428)
            policy = await board.save_settings(self._ctx, group_id, values, version)
        except Conflict:
            # Someone else saved first: the form is shown again with what is true now.
            fresh = await self._ctx.policies.fresh(group_id)
            form = None if fresh is None else board.settings_form(language, fresh)
            return web.json_response({"conflict": True, "settings": form}, status=409)
        except (ValueError, InvalidArgument) as bad:
            raise web.HTTPBadRequest(text=str(bad)) from None
        return web.json_response({"settings": board.settings_form(language, policy)})


def _user_id(body: dict[str, Any]) -> int:
    user_id = body.get("user_id")
    if type(user_id) is not int or user_id <= 0:
        raise web.HTTPBadRequest(text="user_id, please")
    return user_id


_SECURITY = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


@web.middleware
async def _guarded(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every answer under the strict CSP; a back end that fails is a 503, never a trace."""
    try:
        response = await handler(request)
    except web.HTTPException as refused:
        refused.headers.update(_SECURITY)
        raise
    except BackendRefused as refused:
        log.warning("a back end refused the Mini App's call", error=str(refused))
        raise web.HTTPBadRequest(text=refused.message, headers=_SECURITY) from None
    except BackendError as failed:
        log.warning("a back end failed the Mini App's call", error=str(failed))
        raise web.HTTPServiceUnavailable(text="try again", headers=_SECURITY) from None
    response.headers.update(_SECURITY)
    return response


async def _page(_request: web.Request) -> web.Response:
    return web.Response(body=(STATIC / "index.html").read_bytes(), content_type="text/html")


async def _asset(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    if name not in _ASSETS:
        raise web.HTTPNotFound()
    return web.Response(body=(STATIC / name).read_bytes(), content_type=_ASSETS[name])


def miniapp_app(ctx: FlowContext, bot_token: str, max_age: float) -> web.Application:
    api = MiniApp(ctx, bot_token, max_age)
    app = web.Application(middlewares=[_guarded], client_max_size=64 * 1024)
    app.router.add_get("/", _page)
    app.router.add_get("/static/{name}", _asset)
    app.router.add_get("/api/groups", api.groups)
    app.router.add_get("/api/groups/{group_id}", api.group)
    app.router.add_post("/api/groups/{group_id}/unmute", api.unmute)
    app.router.add_post("/api/groups/{group_id}/exempt", api.exempt)
    app.router.add_post("/api/groups/{group_id}/undo", api.undo)
    app.router.add_post("/api/groups/{group_id}/settings", api.settings)
    return app
