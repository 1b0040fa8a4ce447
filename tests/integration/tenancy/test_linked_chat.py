"""The group's linked channel (issue 21): recorded by /protect and whenever the gateway sees it
again, kept with the policy. On SQLite and PostgreSQL."""

from __future__ import annotations

from typing import TYPE_CHECKING

import grpc

from gmbot.v1 import tenancy_pb2 as pb
from tests.integration.tenancy.calls import GROUP, NEWS, OWNER, status_of

if TYPE_CHECKING:
    from gmbot.v1.tenancy_pb2_grpc import TenancyServiceAsyncStub as TenancyServiceStub

DISCUSSED = -1002000000009
NEWER = -1002000000010


async def _protect(tenancy: TenancyServiceStub, linked_chat_id: int) -> pb.ProtectGroupResponse:
    return await tenancy.ProtectGroup(
        pb.ProtectGroupRequest(
            group_id=GROUP,
            group_title="Chat",
            owner=OWNER,
            channels=[NEWS],
            linked_chat_id=linked_chat_id,
        )
    )


async def test_protect_records_the_linked_channel_with_the_policy(
    tenancy: TenancyServiceStub,
) -> None:
    protected = await _protect(tenancy, DISCUSSED)
    again = await _protect(tenancy, DISCUSSED)
    read = await tenancy.GetGroupPolicy(pb.GetGroupPolicyRequest(group_id=GROUP))

    assert protected.policy.linked_chat_id == DISCUSSED
    assert not again.changed
    assert read.policy.linked_chat_id == DISCUSSED


async def test_a_changed_linked_channel_is_learned(tenancy: TenancyServiceStub) -> None:
    protected = await _protect(tenancy, DISCUSSED)

    changed = await tenancy.RecordLinkedChat(
        pb.RecordLinkedChatRequest(group_id=GROUP, linked_chat_id=NEWER)
    )
    same = await tenancy.RecordLinkedChat(
        pb.RecordLinkedChatRequest(group_id=GROUP, linked_chat_id=NEWER)
    )
    unlinked = await tenancy.RecordLinkedChat(pb.RecordLinkedChatRequest(group_id=GROUP))

    assert changed.changed
    assert changed.policy.linked_chat_id == NEWER
    assert changed.policy.version == protected.policy.version + 1
    assert not same.changed
    assert same.policy.version == changed.policy.version
    assert unlinked.changed
    assert unlinked.policy.linked_chat_id == 0


async def test_protect_again_records_what_getchat_says_now(tenancy: TenancyServiceStub) -> None:
    await _protect(tenancy, DISCUSSED)

    relinked = await _protect(tenancy, NEWER)

    assert relinked.changed
    assert relinked.policy.linked_chat_id == NEWER


async def test_a_linked_chat_of_a_group_never_protected_or_malformed_is_refused(
    tenancy: TenancyServiceStub,
) -> None:
    unknown = await status_of(
        tenancy.RecordLinkedChat(pb.RecordLinkedChatRequest(group_id=GROUP, linked_chat_id=NEWER))
    )
    await _protect(tenancy, DISCUSSED)
    malformed = await status_of(
        tenancy.RecordLinkedChat(pb.RecordLinkedChatRequest(group_id=GROUP, linked_chat_id=42))
    )

    assert unknown.code() == grpc.StatusCode.NOT_FOUND
    assert malformed.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "linked_chat_id" in (malformed.details() or "")
