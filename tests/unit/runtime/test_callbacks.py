"""The "I have joined" button cannot be forged or reused for another member."""

from __future__ import annotations

from gmbot.runtime.callbacks import MAX_CALLBACK_DATA, VerifyButton, sign, verify

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
