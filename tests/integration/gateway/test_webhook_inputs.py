"""Whatever reaches the webhook, the gateway answers it: 401 for a secret that is not ours
(whatever its bytes), 400 for a body that is not an update, never a 500."""

from __future__ import annotations

import pytest

from tests.support.gateway import RunningGateway, updates_failed


@pytest.mark.parametrize(
    "secret",
    [b"\xff\xfe\x80", b"caf\xc3\xa9", b"\xc3", b"", b"x" * 300],
)
async def test_a_secret_header_that_is_not_utf8_is_refused_quietly(
    gateway: RunningGateway, secret: bytes
) -> None:
    # aiohttp decodes such bytes to lone surrogates; str.encode() raised: a 500 per request.
    status = await gateway.post({"update_id": 1}, secret=secret)

    assert status == 401


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000 + b"]" * 100_000,  # deeper than json.loads goes: RecursionError
        b'{"update_id": 1, "message": ' * 20_000 + b"1" + b"}" * 20_000,
        b"\xff\xfe not utf-8",
        b"not json",
        b'{"update_id": 1e999}',
        b"[]",
        b"null",
        b"",
    ],
)
async def test_a_body_that_is_not_an_update_is_a_bad_request(
    gateway: RunningGateway, body: bytes
) -> None:
    failed = updates_failed()

    status = await gateway.post(None, raw=body)

    assert status == 400
    assert updates_failed() == failed


@pytest.mark.parametrize(
    "update",
    [
        {"update_id": 1},  # no event aiogram knows: the pipeline's update_type raised, a 500
        {"update_id": 2, "business_connection_v99": {"id": "x"}},
        {"update_id": "3"},
    ],
)
async def test_an_update_of_no_known_type_is_confirmed_quietly(
    gateway: RunningGateway, update: dict[str, object]
) -> None:
    failed = updates_failed()

    status = await gateway.post(update)

    assert status == 200
    assert updates_failed() == failed
