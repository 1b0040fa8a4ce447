"""The wire: requests as clients send them, answers shaped as Telegram shapes them."""

from __future__ import annotations

import json

import aiohttp
import pytest

from tests.support.sandbox import Story


async def _raw(url: str, verb: str = "GET", **kwargs: object) -> tuple[int, dict[str, object]]:
    async with aiohttp.ClientSession() as session, session.request(verb, url, **kwargs) as response:  # type: ignore[arg-type]
        return response.status, json.loads(await response.text())


async def test_an_unknown_token_is_unauthorized(story: Story) -> None:
    status, body = await _raw(f"{story.sandbox.url}/bot123:nope/getMe")

    assert status == 401
    assert body == {"ok": False, "error_code": 401, "description": "Unauthorized"}


async def test_an_unknown_method_is_not_found(story: Story) -> None:
    status, body = await _raw(f"{story.sandbox.url}/bot{story.token}/frobnicate")

    assert status == 404
    assert body == {"ok": False, "error_code": 404, "description": "Not Found"}


@pytest.mark.parametrize("encoding", ["query", "form", "multipart", "json"])
async def test_parameters_arrive_however_the_client_encodes_them(
    story: Story, encoding: str
) -> None:
    url = f"{story.sandbox.url}/bot{story.token}/getChatMember"
    params = {"chat_id": str(story.channel), "user_id": str(story.alice)}
    if encoding == "query":
        status, body = await _raw(url, params=params)
    elif encoding == "form":
        status, body = await _raw(url, "POST", data=params)
    elif encoding == "multipart":
        form = aiohttp.FormData(params)
        form.add_field("ignored_file", b"bytes", filename="f.bin")
        status, body = await _raw(url, "POST", data=form)
    else:
        status, body = await _raw(
            url, "POST", json={"chat_id": story.channel, "user_id": story.alice}
        )

    assert status == 200
    assert body["ok"] is True
    result = body["result"]
    assert isinstance(result, dict)
    assert result["status"] == "member"


async def test_objects_inside_form_fields_are_json(story: Story) -> None:
    url = f"{story.sandbox.url}/bot{story.token}/sendMessage"
    markup = {"inline_keyboard": [[{"text": "Join", "url": "https://t.me/news_channel"}]]}
    status, body = await _raw(
        url,
        "POST",
        data={"chat_id": str(story.group), "text": "hi", "reply_markup": json.dumps(markup)},
    )

    assert status == 200
    result = body["result"]
    assert isinstance(result, dict)
    assert result["reply_markup"] == markup
    assert isinstance(result["date"], int)
    assert result["from"] == {
        "id": story.bot_id,
        "is_bot": True,
        "first_name": "guard_bot",
        "username": "guard_bot",
    }


async def test_errors_carry_telegrams_shape_and_status(story: Story) -> None:
    status, body = await _raw(
        f"{story.sandbox.url}/bot{story.token}/getChat", params={"chat_id": "-100999"}
    )

    assert status == 400
    assert body == {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}
