"""The domain's values against the contract: every field of the policy, its settings and its
channels is carried from tenancy's message and back, so a field added to tenancy.proto cannot be
forgotten in the gateway; every enumeration matches the contract's, number for number."""

from __future__ import annotations

from datetime import UTC
from enum import IntEnum
from typing import Any, TypeVar

import pytest
from google.protobuf.descriptor import Descriptor, EnumDescriptor, FieldDescriptor
from google.protobuf.message import Message

from gmbot.gateway.clients.tenancy import policy_from
from gmbot.gateway.clients.wire import fill, from_message
from gmbot.gateway.domain.actions import ActionKind, ActionRecord, ActionState
from gmbot.gateway.domain.choices import ChannelRights, EnforcementAction, GroupMode, UnknownPolicy
from gmbot.gateway.domain.policy import Owner
from gmbot.gateway.domain.settings import SCHEMA, GroupSettings, change
from gmbot.v1 import enforcement_pb2 as enforcement
from gmbot.v1 import tenancy_pb2 as tenancy

M = TypeVar("M", bound=Message)


def _everything(message: M) -> M:
    """`message` with every field set to a value other than its zero, each field its own."""
    fields: list[Any] = list(message.DESCRIPTOR.fields)
    for number, field in enumerate(fields, start=1):
        target = getattr(message, field.name)
        if field.message_type is not None and field.message_type.full_name.startswith("google"):
            target.FromMicroseconds(1_700_000_000_123_456 + number)  # a Timestamp
        elif field.message_type is not None:
            items = [target.add(), target.add()] if _repeated(field) else [target]
            for item in items:
                _everything(item)
        elif _repeated(field):
            target.extend([_value(field, number), _value(field, number + 1)])
        else:
            setattr(message, field.name, _value(field, number))
    return message


def _repeated(field: FieldDescriptor) -> bool:
    return bool(field.is_repeated)


def _value(field: FieldDescriptor, number: int) -> Any:
    if field.type == FieldDescriptor.TYPE_ENUM:
        assert field.enum_type is not None
        return field.enum_type.values[-1].number  # not UNSPECIFIED
    if field.type == FieldDescriptor.TYPE_BOOL:
        return True
    if field.type == FieldDescriptor.TYPE_STRING:
        return f"{field.name} {number}"
    return 1000 + number


def _names(descriptor: Descriptor) -> set[str]:
    return set(descriptor.fields_by_name)


def test_every_field_of_the_policy_goes_to_the_domain_and_back() -> None:
    sent = _everything(tenancy.GroupPolicy())

    kept = policy_from(sent)

    assert fill(tenancy.GroupPolicy(), kept) == sent
    assert len(kept.channels) == len(kept.settings.exempt_user_ids) == 2


def test_the_domain_has_exactly_the_contracts_fields() -> None:
    domain = policy_from(tenancy.GroupPolicy())

    assert set(vars(domain)) == _names(tenancy.GroupPolicy.DESCRIPTOR)
    assert set(vars(domain.settings)) == _names(tenancy.GroupSettings.DESCRIPTOR)
    assert set(SCHEMA) == _names(tenancy.GroupSettings.DESCRIPTOR)
    assert set(vars(Owner())) == _names(tenancy.Owner.DESCRIPTOR)


def test_a_change_carries_only_its_setting() -> None:
    message = fill(tenancy.GroupSettings(), change({"mode": GroupMode.OBSERVE}))

    assert message == tenancy.GroupSettings(mode=tenancy.GROUP_MODE_OBSERVE)
    assert fill(tenancy.GroupSettings(), GroupSettings()) == tenancy.GroupSettings()


@pytest.mark.parametrize(
    ("value", "refused"),
    [
        ({"kick_after_minutes": -1}, True),
        ({"kick_after_minutes": 2**32}, True),
        ({"kick_after_minutes": True}, True),
        ({"check_on_join": 1}, True),
        ({"action": 9}, True),
        ({"exempt_user_ids": [2**63]}, True),
        ({"no_such_setting": 1}, True),
        ({"action": 2}, False),
        ({"exempt_user_ids": [5, 6]}, False),
    ],
)
def test_a_change_refuses_what_the_contract_cannot_carry(
    value: dict[str, object], refused: bool
) -> None:
    if refused:
        with pytest.raises(ValueError, match=next(iter(value))):
            change(value)
    else:
        fill(tenancy.GroupSettings(), change(value))


@pytest.mark.parametrize(
    ("domain", "contract", "prefix"),
    [
        (ChannelRights, tenancy.ChannelRights.DESCRIPTOR, "CHANNEL_RIGHTS_"),
        (EnforcementAction, tenancy.EnforcementAction.DESCRIPTOR, "ENFORCEMENT_ACTION_"),
        (UnknownPolicy, tenancy.UnknownPolicy.DESCRIPTOR, "UNKNOWN_POLICY_"),
        (GroupMode, tenancy.GroupMode.DESCRIPTOR, "GROUP_MODE_"),
        (ActionKind, enforcement.ActionKind.DESCRIPTOR, "ACTION_KIND_"),
        (ActionState, enforcement.ActionState.DESCRIPTOR, "ACTION_STATE_"),
    ],
)
def test_every_enumeration_is_the_contracts(
    domain: type[IntEnum], contract: EnumDescriptor, prefix: str
) -> None:
    assert {(m.name, m.value) for m in domain} == {
        (v.name.removeprefix(prefix), v.number) for v in contract.values
    }


def test_a_number_newer_than_the_gateway_reads_as_unspecified() -> None:
    message = tenancy.GroupPolicy()
    message.settings.action = 99  # type: ignore[assignment]

    assert policy_from(message).settings.action is EnforcementAction.UNSPECIFIED


def test_the_ledgers_line_keeps_what_the_board_reads() -> None:
    sent = _everything(enforcement.ActionRecord())

    record = from_message(ActionRecord, sent)

    assert (record.action_id, record.user_id) == (sent.action_id, sent.user_id)
    assert (int(record.kind), int(record.state)) == (sent.kind, sent.state)
    assert record.created_at == sent.created_at.ToDatetime(tzinfo=UTC)
