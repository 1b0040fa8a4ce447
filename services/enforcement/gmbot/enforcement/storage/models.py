"""Enforcement's ledger. The schema comes from the Alembic migrations beside this module.

Every action is a row from the moment it is accepted; the queue only says "look at this row".
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Dialect,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeEngine

from gmbot.runtime.database import NAMING_CONVENTION, UtcDateTime


class _Json(TypeDecorator[Any]):
    """JSON, and JSONB on PostgreSQL, as the migrations made the column. Not
    `JSON().with_variant(JSONB(), "postgresql")`: naming JSONB up front would load PostgreSQL's
    dialect (about 2 MiB) into a ledger kept in SQLite; here it comes from the package the
    engine in use loaded already."""

    impl = JSON
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import JSONB

            return dialect.type_descriptor(JSONB())
        return dialect.type_descriptor(JSON())


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class ActionRow(Base):
    """One action: accepted (pending), claimed by a worker (running), then finished."""

    __tablename__ = "enforcement_actions"

    action_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16))
    group_id: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(32))
    request: Mapped[dict[str, Any]] = mapped_column(_Json())
    warning_message_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Not before this time (follow-ups such as a warning's removal wait for their moment).
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # A worker holds the action until then; past it, another may take it over.
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # Bot API calls the action made so far (each retry counts): /stats adds them up.
    telegram_calls: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    __table_args__ = (
        Index("ix_enforcement_actions_group_created", "group_id", "created_at"),
        Index("ix_enforcement_actions_state_due", "state", "due_at"),
        # Retention deletes what finished long ago, oldest first.
        Index("ix_enforcement_actions_finished", "finished_at"),
    )


class RestrictionRow(Base):
    """A restriction GMBot imposed: only these are ever lifted by GMBot."""

    __tablename__ = "enforcement_restrictions"

    group_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    active: Mapped[bool] = mapped_column(Boolean)
    until_date: Mapped[int] = mapped_column(BigInteger)
    # Why and since when GMBot restricts the member: kept by renewals, new after a release.
    reason: Mapped[str] = mapped_column(String(32))
    imposed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    released_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # The member's name as GMBot knew it when it restricted them, for the owners' /muted.
    display_name: Mapped[str] = mapped_column(String(128), default="", server_default="")

    __table_args__ = (
        Index("ix_enforcement_restrictions_user_active", "user_id", "active"),
        Index("ix_enforcement_restrictions_released", "released_at"),
        Index("ix_enforcement_restrictions_group_active", "group_id", "active"),
    )


class ReleaseRow(Base):
    """When GMBot last let go of a member (user_id) or of a whole group (user_id 0): an action
    decided before then is not carried out after it."""

    __tablename__ = "enforcement_releases"

    group_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    released_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (Index("ix_enforcement_releases_released", "released_at"),)


class ActivityRow(Base):
    """What the gateway checked in a group during one hour (the /stats figures that are not
    actions)."""

    __tablename__ = "enforcement_group_activity"

    group_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    # Unix seconds // 3600.
    hour: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    messages_checked: Mapped[int] = mapped_column(BigInteger, default=0)
    joins_checked: Mapped[int] = mapped_column(BigInteger, default=0)
    bot_api_calls: Mapped[int] = mapped_column(BigInteger, default=0)

    __table_args__ = (Index("ix_enforcement_group_activity_hour", "hour"),)


class ChannelJoinRow(Base):
    """A member who joined a channel by the invite link GMBot made for a group: a join GMBot's
    buttons brought. The latest such join per (group, channel, member), and whether (after how
    long) the member left the channel since."""

    __tablename__ = "enforcement_channel_joins"

    group_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    channel_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    joined_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # How long the member followed the channel before leaving it; None while they still do.
    followed_seconds: Mapped[int | None] = mapped_column(BigInteger, nullable=True)

    __table_args__ = (
        Index("ix_enforcement_channel_joins_joined", "joined_at"),
        Index("ix_enforcement_channel_joins_member", "channel_id", "user_id"),
    )


class ChannelWarningRow(Base):
    """A member warned in a group while lacking a required channel whose join button GMBot's
    own link backs: the funnel's first step per channel. The latest such warning per (group,
    channel, member), so a window counts each member once."""

    __tablename__ = "enforcement_channel_warnings"

    group_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    channel_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    warned_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (Index("ix_enforcement_channel_warnings_warned", "warned_at"),)


class WarningRow(Base):
    """The live warning of a member in a group (one message may warn several members)."""

    __tablename__ = "enforcement_warnings"

    group_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    message_id: Mapped[int] = mapped_column(BigInteger)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)


class JoinRequestRow(Base):
    """A join request waiting on channels (approved when the requester joins them)."""

    __tablename__ = "enforcement_join_requests"

    group_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    state: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (Index("ix_enforcement_join_requests_user_state", "user_id", "state"),)


class InviteLinkRow(Base):
    """The invite link GMBot made for a channel, per group: the one its join buttons use now."""

    __tablename__ = "enforcement_invite_links"

    channel_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    group_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    invite_link: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # The link asks the channel's admins to approve each join (creates_join_request).
    creates_join_request: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # When Telegram last said the link was not revoked; None: never asked.
    checked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class ChannelRequestRow(Base):
    """A join request pending in a channel GMBot administers, until approved, declined, joined
    or expired (Telegram keeps one a day)."""

    __tablename__ = "enforcement_channel_requests"

    channel_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    # The group whose GMBot link the request came by; 0 for any other way.
    group_id: Mapped[int] = mapped_column(BigInteger)
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (Index("ix_enforcement_channel_requests_user", "user_id"),)


class ApprovingChannelRow(Base):
    """A channel seen taking join requests: GMBot's links to it ask for approval too."""

    __tablename__ = "enforcement_approving_channels"

    channel_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    seen_at: Mapped[datetime] = mapped_column(UtcDateTime)


class JoinConsentRow(Base):
    """A channel administrator's consent that GMBot approves the channel's join requests of
    members in good standing of a group that requires it; kept when withdrawn, to say by whom."""

    __tablename__ = "enforcement_join_consents"

    channel_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(BigInteger)
    consented_at: Mapped[datetime] = mapped_column(UtcDateTime)
    withdrawn_by: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
