"""The Mini App's launch data: only Telegram's, for this bot, recent, is accepted."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

import pytest

from gmbot.runtime.webapp import InitDataRefused, check_init_data, sign_init_data

TOKEN = "123456:AAbbccddeeffgghhiijjkkllmmnnooppqqr"
OTHER_TOKEN = "654321:ZZyyxxwwvvuuttssrrqqppoonnmmllkkjji"
NOW = 1_800_000_000
OLGA = {"id": 42, "first_name": "Olga", "language_code": "fa"}
MALLORY = {"id": 666, "first_name": "Mallory"}


def test_telegrams_launch_data_names_the_viewer() -> None:
    viewer = check_init_data(sign_init_data(TOKEN, OLGA, NOW - 10), TOKEN, NOW, 3600)

    assert (viewer.user_id, viewer.first_name, viewer.language_code) == (42, "Olga", "fa")
    assert viewer.auth_date == NOW - 10


def test_a_forged_hash_is_refused() -> None:
    fields = dict(parse_qsl(sign_init_data(TOKEN, OLGA, NOW)))
    fields["hash"] = "0" * 64

    with pytest.raises(InitDataRefused, match="signature"):
        check_init_data(urlencode(fields), TOKEN, NOW, 3600)


def test_another_users_name_put_into_signed_data_is_refused() -> None:
    fields = dict(parse_qsl(sign_init_data(TOKEN, MALLORY, NOW)))
    fields["user"] = dict(parse_qsl(sign_init_data(TOKEN, OLGA, NOW)))["user"]

    with pytest.raises(InitDataRefused, match="signature"):
        check_init_data(urlencode(fields), TOKEN, NOW, 3600)


def test_data_signed_for_another_bot_is_refused() -> None:
    with pytest.raises(InitDataRefused, match="signature"):
        check_init_data(sign_init_data(OTHER_TOKEN, OLGA, NOW), TOKEN, NOW, 3600)


def test_expired_data_is_refused() -> None:
    with pytest.raises(InitDataRefused, match="too old"):
        check_init_data(sign_init_data(TOKEN, OLGA, NOW - 3601), TOKEN, NOW, 3600)


def test_data_from_the_future_is_refused() -> None:
    with pytest.raises(InitDataRefused, match="too old"):
        check_init_data(sign_init_data(TOKEN, OLGA, NOW + 3600), TOKEN, NOW, 3600)


@pytest.mark.parametrize(
    "init_data",
    ["", "hash", "a=1&a=2", "x" * 5000, urlencode({"auth_date": NOW, "hash": "ab"})],
)
def test_malformed_data_is_refused(init_data: str) -> None:
    with pytest.raises(InitDataRefused):
        check_init_data(init_data, TOKEN, NOW, 3600)
