"""The warning text, written from the settings panel: a prompt asks for it (a ForceReply), the
text typed in reply is checked as tenancy would check it and shown as members would read it,
with "Save"; the built-in text is one choice away (settings_panel's choices). What was typed
waits for "Save" in the panel's drafts, keyed by the message it was typed in."""

from __future__ import annotations

from html import escape

from gmbot.gateway.domain.policy import GroupPolicy
from gmbot.gateway.flows.admin_checks import GroupCommand
from gmbot.gateway.flows.context import FlowContext
from gmbot.gateway.flows.muted import title_of
from gmbot.gateway.flows.panel_data import BACK, SAVE, Panel, PressAnswer, TypedAnswer, data
from gmbot.gateway.flows.replies import mention
from gmbot.gateway.texts import Html, button_text, say
from gmbot.runtime import warning_template

NAME = "warning_text"
PLACEHOLDERS = ", ".join(f"{{{name}}}" for name in warning_template.PLACEHOLDERS)


def current(policy: GroupPolicy) -> str:
    """The warning text as it is now: the owners' own, or a word that it is the built-in one."""
    language = policy.settings.language or "en"
    written = policy.settings.warning_text
    if not written:
        return say(language, "warning_text_builtin", placeholders=PLACEHOLDERS)
    return say(language, "warning_text_current", text=written)


def prompt(language: str, user: Html) -> str:
    """What asks for the text; it names the setting as "(warning_text)" (settings_panel.typed)."""
    return say(
        language,
        "warning_text_prompt",
        user=user,
        code=NAME,
        limit=warning_template.MAX_LENGTH,
        placeholders=PLACEHOLDERS,
    )


def _refusal(language: str, text: str) -> str | None:
    """Why `text` cannot be the warning, in words, or None."""
    if not text.strip():
        return say(language, "warning_text_empty")
    problem = warning_template.problem(text)
    if problem is None:
        return None
    if problem.kind == warning_template.TOO_LONG:
        return say(
            language,
            "warning_text_too_long",
            length=problem.detail,
            limit=warning_template.MAX_LENGTH,
        )
    if problem.kind == warning_template.UNKNOWN:
        return say(
            language,
            "warning_text_unknown",
            name=f"{{{problem.detail}}}",
            placeholders=PLACEHOLDERS,
        )
    return say(language, "warning_text_unbalanced", placeholders=PLACEHOLDERS)


def _key(chat_id: int, message_id: int) -> str:
    return f"t:{chat_id}:{message_id}"


async def draft(ctx: FlowContext, chat_id: int, message_id: int) -> str | None:
    """The text typed in `message_id` in `chat_id`, while it waits for "Save"."""
    return await ctx.panel_drafts.get(_key(chat_id, message_id))


async def preview(
    ctx: FlowContext,
    command: GroupCommand,
    policy: GroupPolicy,
    answer: TypedAnswer,
    where: str,
) -> PressAnswer:
    """The text typed, as members would read it (the writer standing in for the member), with
    "Save" and Back; or what is wrong with it."""
    language = policy.settings.language or "en"
    refused = _refusal(language, answer.text)
    if refused is not None:
        return PressAnswer(refused, None, by_admin=True)
    await ctx.panel_drafts.put(_key(answer.chat_id, answer.message_id), answer.text)
    issuer = command.issuer
    member = mention(issuer.user_id, issuer.display_name) if issuer else "@member"
    read = warning_template.fill(
        escape(answer.text),
        member,
        escape(title_of(policy, policy.group_id)),
        # As the warning names them: by their join buttons' texts (flows/verdicts.py).
        escape(", ".join(button_text(c.title, c.username) for c in policy.channels) or "—"),
    )
    rows = [
        [
            (
                say(language, "button_save"),
                data(where, NAME, policy.version, SAVE + str(answer.message_id)),
            )
        ],
        [(say(language, "button_back"), data(where, BACK, policy.version))],
    ]
    return PressAnswer("", Panel(say(language, "warning_text_preview") + "\n\n" + read, rows), True)
