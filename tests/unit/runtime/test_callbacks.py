"""The "I have joined" button cannot be forged or reused for another member."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gmbot.runtime.callbacks import (
    MAX_CALLBACK_DATA,
    OwnerButton,
    VerifyButton,
    sign,
    sign_owner,
    verify,
    verify_owner,
)

KEY = b"k" * 32


def test_a_signed_button_verifies_and_fits_telegrams_limit() -> None:
    button = VerifyButton(group_id=-1001997852516352, user_id=(1 << 40) - 1)

    data = sign(KEY, button)

    assert len(data.encode()) <= MAX_CALLBACK_DATA
    assert verify(KEY, data) == button


def test_changing_the_member_breaks_the_signature() -> None:
    data = sign(KEY, VerifyButton(group_id=-1001000000001, user_id=5))
    forged = data.replace(":5:", ":6:")

    assert verify(KEY, forged) is None


def test_another_key_does_not_verify() -> None:
    data = sign(KEY, VerifyButton(group_id=-1001000000001, user_id=5))

    assert verify(b"x" * 32, data) is None


def test_foreign_data_is_not_ours() -> None:
    assert verify(KEY, "join:-100:5") is None
    assert verify(KEY, "v1:a:b:c") is None
    assert verify(KEY, "") is None


@pytest.mark.parametrize(
    "data",
    [
        "v1:-1001000000001:5:é",  # non-ASCII made hmac.compare_digest raise TypeError
        "v1:-1001000000001:5:\udcff",  # a lone surrogate, as JSON's "\udcff" escape gives
        "v1:١٢:٣:abc",  # digits int() would read, in another script
        "v1:-1_001:5:abc",
        "v1: 5:6:abc",
        "v1:" + "9" * 5000 + ":5:abc",
        "\x00",
        "v1:::",
    ],
)
def test_non_ascii_callback_data_is_invalid_not_an_exception(data: str) -> None:
    assert verify(KEY, data) is None


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_callback_data_is_invalid_unless_signed(data: str) -> None:
    assert verify(KEY, data) is None


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_a_signed_button_with_anything_appended_is_invalid(tail: str) -> None:
    data = sign(KEY, VerifyButton(group_id=-1001000000001, user_id=5))

    assert verify(KEY, data + tail) == (VerifyButton(-1001000000001, 5) if not tail else None)


def test_an_owner_button_verifies_fits_and_cannot_be_turned_into_another() -> None:
    button = OwnerButton(action="x", group_id=-1001997852516352, value=(1 << 40) - 1)

    data = sign_owner(KEY, button)

    assert len(data.encode()) <= MAX_CALLBACK_DATA
    assert verify_owner(KEY, data) == button
    assert verify_owner(KEY, data.replace(":x:", ":u:")) is None
    assert verify(KEY, data) is None
    assert verify_owner(KEY, sign(KEY, VerifyButton(-1001000000001, 5))) is None


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_callback_data_is_not_an_owner_button_unless_signed(data: str) -> None:
    assert verify_owner(KEY, data) is None
