"""The warnings' "I have joined" buttons (flows/verify.py): last of the routers, it takes every
press no other router took, and answers one that is not GMBot's in silence."""

from __future__ import annotations

import time

from aiogram import Router
from aiogram.types import CallbackQuery

from gmbot.gateway.flows import verify
from gmbot.gateway.flows.context import FlowContext
from gmbot.gateway.telegram.answers import decided, unless_refused
from gmbot.gateway.telegram.facts import person
from gmbot.runtime.budget.core import Priority
from gmbot.runtime.budget.telegram import priority
from gmbot.runtime.error_kinds import ErrorKind


def verify_buttons(signing_key: bytes) -> Router:
    router = Router(name="verify-buttons")

    @router.callback_query()
    async def on_press(query: CallbackQuery, flow_context: FlowContext) -> None:
        started = time.perf_counter()
        answer = await verify.on_verify_pressed(
            flow_context, signing_key, query.data or "", person(query.from_user), query.id
        )
        # A member's press: answered behind enforcement, never ahead of it; too late (a
        # redelivery), or a query Telegram does not have, is no failure.
        with (
            unless_refused("callback query not answered", ErrorKind.QUERY_TOO_OLD),
            priority(Priority.LATER),
        ):
            if answer is None:
                await query.answer()
            else:
                await query.answer(answer.text, show_alert=answer.alert)
        decided("verify", "foreign" if answer is None else "answered", started)

    return router
