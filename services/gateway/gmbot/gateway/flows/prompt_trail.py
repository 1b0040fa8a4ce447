"""What the settings panel's prompts leave behind (issue 23), in a group or in private: a
prompt (a ForceReply) goes once its answer is taken, and is heard no more; of GMBot's answers to
the values typed in reply only the last stays (a refusal goes when the next answer comes); a
person's unanswered prompt goes when they are asked again; the people picker's message goes
once people are picked. What is still there in a group when the panel expires goes with it (the
router asks panel_expiry). Each function says which of GMBot's messages to delete now; the
telegram layer deletes them."""

from __future__ import annotations

from gmbot.gateway.flows.context import FlowContext
from gmbot.gateway.flows.panel_data import Asked

# A prompt's record once its answer is taken: a later reply to it is not heard.
_ANSWERED = ""


def _waiting(chat_id: int, prompt_id: int) -> str:
    return f"p:{chat_id}:{prompt_id}"


def _last_answer(chat_id: int, prompt_id: int) -> str:
    return f"a:{chat_id}:{prompt_id}"


def _last_prompt(chat_id: int, user_id: int) -> str:
    return f"q:{chat_id}:{user_id}"


def _picker(user_id: int) -> str:
    return f"xm:{user_id}"


async def _ids(ctx: FlowContext, *keys: str) -> list[int]:
    found = [await ctx.panel_drafts.get(key) for key in keys]
    return [int(value) for value in found if value]


async def asked(ctx: FlowContext, chat_id: int, prompt_id: int, who: Asked) -> list[int]:
    """The prompt `prompt_id` in `chat_id` waits for the answer of whoever pressed (and nobody
    else's), for the group the press was for. Returns what goes now: the presser's earlier
    prompt there, with GMBot's last answer to it, when it was never answered."""
    earlier = await ctx.panel_drafts.get(_last_prompt(chat_id, who.user_id))
    gone: list[int] = []
    if earlier and await ctx.panel_drafts.get(_waiting(chat_id, int(earlier))):
        gone = [int(earlier), *await _ids(ctx, _last_answer(chat_id, int(earlier)))]
        await ctx.panel_drafts.put(_waiting(chat_id, int(earlier)), _ANSWERED)
    await ctx.panel_drafts.put(_last_prompt(chat_id, who.user_id), str(prompt_id))
    record = f"{who.user_id}:{who.group_id}:{int(who.in_private)}"
    await ctx.panel_drafts.put(_waiting(chat_id, prompt_id), record)
    return gone


async def waiting(ctx: FlowContext, chat_id: int, prompt_id: int) -> Asked | None:
    """Who the prompt waits for, and for which group; None once answered, or unknown."""
    record = await ctx.panel_drafts.get(_waiting(chat_id, prompt_id))
    if not record:
        return None
    user_id, group_id, in_private = (int(part) for part in record.split(":"))
    return Asked(user_id, group_id, in_private=bool(in_private))


async def answered(
    ctx: FlowContext, chat_id: int, prompt_id: int, answer_id: int | None, *, taken: bool
) -> list[int]:
    """GMBot answered a value typed in reply to the prompt with `answer_id` (None: the answer
    could not be sent); `taken`: the value was taken (a preview, a confirmation, a change), so
    the prompt is done with. Returns what goes now: GMBot's previous answer to the prompt, and
    the prompt itself once taken."""
    gone = await _ids(ctx, _last_answer(chat_id, prompt_id))
    if answer_id is not None:
        await ctx.panel_drafts.put(_last_answer(chat_id, prompt_id), str(answer_id))
    if taken:
        await ctx.panel_drafts.put(_waiting(chat_id, prompt_id), _ANSWERED)
        gone.append(prompt_id)
    return gone


async def picker_sent(ctx: FlowContext, user_id: int, message_id: int) -> list[int]:
    """The people picker sent to `user_id` in private; returns their earlier one, which goes."""
    earlier = await _ids(ctx, _picker(user_id))
    await ctx.panel_drafts.put(_picker(user_id), str(message_id))
    return earlier


async def people_picked(ctx: FlowContext, user_id: int) -> list[int]:
    """People picked with the picker: its message goes (the answer says who was exempted)."""
    gone = await _ids(ctx, _picker(user_id))
    await ctx.panel_drafts.put(_picker(user_id), "")
    return gone
