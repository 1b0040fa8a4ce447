"""Telegram's chat member statuses and the contracts' ChatMemberStatus: one mapping, both ways
(the gateway tells membership what Telegram said; membership reads it back)."""

from __future__ import annotations

from gmbot.v1 import membership_pb2 as pb

# Every status Telegram's ChatMember can have.
TELEGRAM_STATUSES = ("creator", "administrator", "member", "restricted", "left", "kicked")
# "member" -> CHAT_MEMBER_STATUS_MEMBER, ...
STATUS_NUMBERS: dict[str, pb.ChatMemberStatus.ValueType] = {
    name: pb.ChatMemberStatus.Value(f"CHAT_MEMBER_STATUS_{name.upper()}")
    for name in TELEGRAM_STATUSES
}
STATUS_NAMES: dict[pb.ChatMemberStatus.ValueType, str] = {
    number: name for name, number in STATUS_NUMBERS.items()
}
