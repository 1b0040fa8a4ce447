"""The observe digest's "Go live" (enforcement sends the digest in private): one tap by an
administrator of the group makes it enforce from then on."""

from __future__ import annotations

from gmbot.gateway.domain.choices import GroupMode
from gmbot.gateway.domain.settings import GroupSettings
from gmbot.gateway.flows.context import FlowContext
from gmbot.gateway.flows.muted import title_of
from gmbot.gateway.flows.verdicts import is_admin
from gmbot.gateway.texts import say
from gmbot.runtime.callbacks import go_live_group


async def press(ctx: FlowContext, data: str, user_id: int, language: str) -> str | None:
    """The observe digest's "Go live", pressed in private: the group enforces from now on.
    None when the data is not that button's or the presser does not administer the group."""
    group_id = go_live_group(data)
    if group_id is None or not await is_admin(ctx, group_id, user_id):
        return None
    policy = await ctx.clients.tenancy.update_settings(
        group_id, GroupSettings(mode=GroupMode.ENFORCE), ["mode"]
    )
    await ctx.policies.changed(group_id, policy)
    return say(language, "went_live", title=title_of(policy, group_id))
