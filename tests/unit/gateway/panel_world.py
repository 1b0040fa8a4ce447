"""A group whose settings panel an administrator uses: its policy, its administrators, and what
tenancy answers a change with (the settings panel's unit tests share it)."""

from __future__ import annotations

from gmbot.gateway.clients.tenancy import policy_from
from gmbot.v1 import tenancy_pb2 as tenancy
from tests.unit.gateway import world
from tests.unit.gateway.fakes import Fakes


def calm() -> tenancy.GroupPolicy:
    """The world's group, removing nobody: members are muted, never kicked."""
    policy = world.policy()
    policy.settings.kick_after_minutes = 0
    return policy


def admin_world() -> Fakes:
    fakes = Fakes()
    fakes.ctx.policies.remember(world.GROUP, policy_from(calm()))
    fakes.membership.answer("GetChatAdministrators", world.admins())
    return fakes


def changed(fakes: Fakes, **settings: object) -> None:
    """Tenancy answers a change with the world's policy at version 4, `settings` set."""
    now = world.policy()
    now.version = 4
    for name, value in settings.items():
        setattr(now.settings, name, value)
    fakes.tenancy.answer("UpdateGroupSettings", tenancy.UpdateGroupSettingsResponse(policy=now))
