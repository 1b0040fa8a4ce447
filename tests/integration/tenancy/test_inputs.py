"""Inputs that cannot hurt: every string checked against the column that stores it, page tokens
and ids of every shape, on SQLite and on PostgreSQL (which enforces lengths SQLite ignores)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import grpc
import pytest
from google.protobuf.field_mask_pb2 import FieldMask
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from gmbot.v1 import tenancy_pb2 as pb
from tests.integration.tenancy.calls import GROUP, NEWS, OWNER, protect, status_of

if TYPE_CHECKING:
    from gmbot.v1.tenancy_pb2_grpc import TenancyServiceAsyncStub as TenancyServiceStub


def _violated_field(error: grpc.aio.AioRpcError) -> str:
    status = rpc_status.from_call(error)  # type: ignore[arg-type]
    assert status is not None
    request = error_details_pb2.BadRequest()
    assert status.details[0].Unpack(request)
    return str(request.field_violations[0].field)


def _protect_request(
    channel: dict[str, Any] | None = None, **fields: Any
) -> pb.ProtectGroupRequest:
    values: dict[str, Any] = {
        "group_id": GROUP,
        "group_title": "Chat",
        "owner": OWNER,
        "channels": [
            pb.Channel(
                **{
                    "channel_id": NEWS.channel_id,
                    "title": "News",
                    "username": "news_channel",
                    **(channel or {}),
                }
            )
        ],
        **fields,
    }
    return pb.ProtectGroupRequest(**values)


@pytest.mark.parametrize(
    "token",
    [
        "99999999999999999999",  # beyond int64: reached the database and failed there
        "-99999999999999999999",
        "9223372036854775808",
        "-5",
        "5",
        "garbage",
        "١٢٣٤٥",  # digits int() reads, in another script
        " -1001000000001",
        "-1001000000001\n",
        "-1_001_000_000_001",
    ],
)
async def test_a_page_token_beyond_int64_or_not_ours_is_an_invalid_argument(
    tenancy: TenancyServiceStub, token: str
) -> None:
    await protect(tenancy)

    error = await status_of(tenancy.ListGroups(pb.ListGroupsRequest(page_token=token)))

    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert _violated_field(error) == "page_token"


async def test_a_display_name_of_129_characters_is_refused_naming_the_field(
    tenancy: TenancyServiceStub,
) -> None:
    # Telegram allows 64 + 64 characters of first and last name; the column holds 64.
    long_name = "N" * 64 + " " + "L" * 64

    error = await status_of(
        tenancy.ProtectGroup(_protect_request(owner=pb.Owner(user_id=42, username=long_name)))
    )

    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert _violated_field(error) == "owner.username"


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        (_protect_request(group_title="T" * 256), "group_title"),
        (_protect_request(owner=pb.Owner(user_id=42, username="o" * 65)), "owner.username"),
        (_protect_request(channel={"title": "C" * 256}), "channels[0].title"),
        (_protect_request(channel={"username": "u" * 33}), "channels[0].username"),
        (
            _protect_request(channel={"invite_link": "https://t.me/+" + "x" * 250}),
            "channels[0].invite_link",
        ),
        (_protect_request(group_title="a\x00b"), "group_title"),
        (_protect_request(owner=pb.Owner(user_id=42, username="\x00")), "owner.username"),
        (_protect_request(channel={"title": "\x00"}), "channels[0].title"),
        (
            _protect_request(channel={"invite_link": "https://t.me/+ab\x00cd"}),
            "channels[0].invite_link",
        ),
        (_protect_request(channel={"username": "news_channel\n"}), "channels[0].username"),
    ],
)
async def test_a_string_longer_than_its_column_or_with_nul_is_an_invalid_argument(
    tenancy: TenancyServiceStub, request_: pb.ProtectGroupRequest, field: str
) -> None:
    error = await status_of(tenancy.ProtectGroup(request_))

    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert _violated_field(error) == field


async def test_strings_as_long_as_their_columns_are_stored_whole(
    tenancy: TenancyServiceStub,
) -> None:
    request = _protect_request(
        group_title="T" * 255,
        owner=pb.Owner(user_id=42, username="ø" * 64),
        channel={
            "title": "C" * 255,
            "username": "u" * 32,
            "invite_link": "https://t.me/+" + "x" * 199,
        },
    )

    policy = (await tenancy.ProtectGroup(request)).policy

    assert policy.title == "T" * 255
    assert policy.channels[0].title == "C" * 255
    assert policy.channels[0].username == "u" * 32


async def test_suspend_reason_and_warning_text_with_nul_are_invalid_arguments(
    tenancy: TenancyServiceStub,
) -> None:
    await protect(tenancy)

    reason = await status_of(
        tenancy.SuspendGroup(pb.SuspendGroupRequest(group_id=GROUP, reason="gone\x00"))
    )
    text = await status_of(
        tenancy.UpdateGroupSettings(
            pb.UpdateGroupSettingsRequest(
                group_id=GROUP,
                settings=pb.GroupSettings(warning_text="join\x00 {channels}"),
                update_mask=FieldMask(paths=["warning_text"]),
            )
        )
    )

    assert reason.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert _violated_field(reason) == "reason"
    assert text.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert _violated_field(text) == "warning_text"


async def test_a_huge_unknown_setting_name_is_an_invalid_argument_not_internal(
    tenancy: TenancyServiceStub,
) -> None:
    # The message quotes the name; unbounded, it overflowed gRPC's trailing metadata.
    await protect(tenancy)

    error = await status_of(
        tenancy.UpdateGroupSettings(
            pb.UpdateGroupSettingsRequest(
                group_id=GROUP, update_mask=FieldMask(paths=["x" * 100_000])
            )
        )
    )

    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert len(error.details() or "") <= 1000


@pytest.mark.parametrize("group_id", [-1, -12345, -999_999_999_999])
async def test_a_basic_group_is_simply_not_protected(
    tenancy: TenancyServiceStub, group_id: int
) -> None:
    # A busy basic group asks for its policy on every message: an INVALID_ARGUMENT there was an
    # error (and a Sentry event) per message in the gateway; NOT_FOUND is cached as unprotected.
    error = await status_of(tenancy.GetGroupPolicy(pb.GetGroupPolicyRequest(group_id=group_id)))

    assert error.code() == grpc.StatusCode.NOT_FOUND
    assert "supergroup" in (error.details() or "")


@pytest.mark.parametrize(
    ("request_", "words"),
    [
        (pb.ProtectGroupRequest(group_id=-12345, owner=OWNER, channels=[NEWS]), "basic group"),
        (pb.ProtectGroupRequest(group_id=GROUP, owner=OWNER, channels=[]), "at least one"),
        (pb.ProtectGroupRequest(group_id=GROUP, owner=OWNER, channels=[NEWS, NEWS]), "twice"),
        (
            pb.ProtectGroupRequest(
                group_id=GROUP,
                owner=OWNER,
                channels=[pb.Channel(channel_id=-1002000000100 - i) for i in range(11)],
            ),
            "at most 10",
        ),
        (pb.ProtectGroupRequest(group_id=GROUP, channels=[NEWS]), "owner.user_id"),
        (
            pb.ProtectGroupRequest(
                group_id=GROUP, owner=OWNER, channels=[pb.Channel(channel_id=777)]
            ),
            "channels[0].channel_id",
        ),
        (
            pb.ProtectGroupRequest(
                group_id=GROUP,
                owner=OWNER,
                channels=[pb.Channel(channel_id=NEWS.channel_id, invite_link="http://evil")],
            ),
            "t.me",
        ),
        (
            pb.ProtectGroupRequest(
                group_id=GROUP,
                owner=OWNER,
                channels=[pb.Channel(channel_id=NEWS.channel_id, username="a b")],
            ),
            "username",
        ),
    ],
)
async def test_bad_protect_requests_are_invalid_arguments(
    tenancy: TenancyServiceStub, request_: pb.ProtectGroupRequest, words: str
) -> None:
    error = await status_of(tenancy.ProtectGroup(request_))

    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert words in (error.details() or "")
    missing = await status_of(tenancy.GetGroupPolicy(pb.GetGroupPolicyRequest(group_id=GROUP)))
    assert missing.code() == grpc.StatusCode.NOT_FOUND


@pytest.mark.parametrize(
    "call",
    [
        lambda s: s.GetGroupPolicy(pb.GetGroupPolicyRequest(group_id=0)),
        lambda s: s.ListChannelGroups(pb.ListChannelGroupsRequest(channel_id=5)),
        lambda s: s.ListOwnerGroups(pb.ListOwnerGroupsRequest(owner_user_id=-1)),
        lambda s: s.SuspendGroup(pb.SuspendGroupRequest(group_id=GROUP, reason=" ")),
        lambda s: s.UpsertChannel(pb.UpsertChannelRequest(channel=pb.Channel(channel_id=1))),
        lambda s: s.UpdateGroupSettings(pb.UpdateGroupSettingsRequest(group_id=GROUP)),
    ],
)
async def test_malformed_input_is_an_invalid_argument_never_internal(
    tenancy: TenancyServiceStub, call: object
) -> None:
    await protect(tenancy)

    error = await status_of(call(tenancy))  # type: ignore[operator]

    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_a_forged_page_token_is_an_invalid_argument(tenancy: TenancyServiceStub) -> None:
    error = await status_of(tenancy.ListGroups(pb.ListGroupsRequest(page_token="abc")))

    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
