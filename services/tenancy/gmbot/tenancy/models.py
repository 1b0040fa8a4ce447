"""Tenancy's tables. The schema itself comes from the Alembic migrations beside this module."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from gmbot.runtime.database import NAMING_CONVENTION, UtcDateTime
from gmbot.tenancy.policy import (
    MAX_INVITE_LINK_LENGTH,
    MAX_OWNER_NAME_LENGTH,
    MAX_TITLE_LENGTH,
    MAX_USERNAME_LENGTH,
)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class OwnerRow(Base):
    __tablename__ = "owners"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    username: Mapped[str] = mapped_column(String(MAX_OWNER_NAME_LENGTH), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class PersonRow(Base):
    """Someone who opened GMBot in private (so GMBot may write to them), and whether they want
    its alerts about the groups they administer."""

    __tablename__ = "people"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    alerts: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    # One of GMBot's languages, from their Telegram; "" when never told.
    language: Mapped[str] = mapped_column(String(8), default="", server_default="")
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class GroupRow(Base):
    __tablename__ = "protected_groups"

    group_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    title: Mapped[str] = mapped_column(String(MAX_TITLE_LENGTH), default="")
    owner_user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("owners.user_id"))
    enabled: Mapped[bool] = mapped_column(Boolean)
    suspended_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON().with_variant(JSONB(), "postgresql"))
    version: Mapped[int] = mapped_column(BigInteger)
    # The group's linked channel (getChat(group).linked_chat_id), as last seen; None for none.
    linked_chat_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (Index("ix_protected_groups_owner_user_id", "owner_user_id"),)


class ChannelRow(Base):
    __tablename__ = "channels"

    channel_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    title: Mapped[str] = mapped_column(String(MAX_TITLE_LENGTH), default="")
    username: Mapped[str] = mapped_column(String(MAX_USERNAME_LENGTH), default="")
    invite_link: Mapped[str] = mapped_column(String(MAX_INVITE_LINK_LENGTH), default="")
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # What the bot may do there (policy.ChannelRights), from its own my_chat_member updates.
    bot_rights: Mapped[str] = mapped_column(String(16), default="ok", server_default="ok")


class LinkRow(Base):
    __tablename__ = "group_channels"

    group_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("protected_groups.group_id", ondelete="CASCADE"), primary_key=True
    )
    channel_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("channels.channel_id"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer)

    __table_args__ = (Index("ix_group_channels_channel_id", "channel_id"),)
