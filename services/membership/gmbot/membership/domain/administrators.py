"""A chat's administrators as membership keeps them: who, and what each may do."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Admin:
    user_id: int
    is_bot: bool
    is_owner: bool
    can_restrict_members: bool
    can_delete_messages: bool
    can_invite_users: bool
    is_anonymous: bool


@dataclass(frozen=True)
class AdminList:
    admins: tuple[Admin, ...]
    fetched_at: float
