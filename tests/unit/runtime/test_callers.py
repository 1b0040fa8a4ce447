"""Per-caller credentials: how AUTH_CALLERS is read and what each scope lets a caller call."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from gmbot.runtime.callers import (
    SHARED,
    CallerConfigError,
    Callers,
    parse_entries,
    token_digest,
)
from gmbot.runtime.settings import ServiceSettings

GATEWAY = "g" * 32
GATEWAY_NEXT = "h" * 32
BILLING = "b" * 32
CHECK = "/gmbot.v1.MembershipService/CheckMembership"


def test_each_token_names_its_caller_and_a_caller_may_have_two() -> None:
    entries = f"gateway:gateway:{GATEWAY}; gateway:gateway:{GATEWAY_NEXT}\n"
    callers = Callers.build(None, entries + f"billing:membership-read:{BILLING}")

    assert callers.identify(GATEWAY) == callers.identify(GATEWAY_NEXT)
    assert callers.identify(GATEWAY).name == "gateway"  # type: ignore[union-attr]
    assert callers.identify(BILLING).name == "billing"  # type: ignore[union-attr]
    assert callers.identify("x" * 32) is None
    assert callers.identify(None) is None
    assert callers.names == ["billing", "gateway"]


def test_entries_hold_digests_and_two_digests_of_one_caller_both_work() -> None:
    # What the services are given: the tokens' SHA-256, never the tokens.
    entries = (
        f"gateway:gateway:sha256:{token_digest(GATEWAY)};"
        f"gateway:gateway:sha256:{token_digest(GATEWAY_NEXT).upper()}"
    )
    callers = Callers.build(None, entries)

    assert callers.identify(GATEWAY).name == "gateway"  # type: ignore[union-attr]
    assert callers.identify(GATEWAY_NEXT).name == "gateway"  # type: ignore[union-attr]
    assert callers.identify(token_digest(GATEWAY)) is None  # the digest itself is no token
    assert GATEWAY not in entries


def test_the_digest_is_sha256_of_the_token_as_sha256sum_prints_it() -> None:
    # `printf %s "$TOKEN" | sha256sum`, the command the README gives.
    assert token_digest("abc") == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )


def test_a_rotation_may_mix_the_old_plain_form_and_a_digest() -> None:
    entries = f"gateway:gateway:{GATEWAY};gateway:gateway:sha256:{token_digest(GATEWAY_NEXT)}"
    callers = Callers.build(None, entries)

    assert callers.identify(GATEWAY) == callers.identify(GATEWAY_NEXT)
    assert callers.names == ["gateway"]


def test_the_same_token_as_plain_and_as_digest_is_refused_as_one_token() -> None:
    with pytest.raises(CallerConfigError, match="already 'a'"):
        Callers.build(None, f"a:gateway:{GATEWAY};b:budget:sha256:{token_digest(GATEWAY)}")


def test_membership_read_may_check_but_not_record_or_touch_other_services() -> None:
    billing = Callers.build(None, f"billing:membership-read:{BILLING}").identify(BILLING)
    assert billing is not None

    assert billing.may_call(CHECK)
    assert billing.may_call("/gmbot.v1.MembershipService/CheckMembershipBatch")
    assert not billing.may_call("/gmbot.v1.MembershipService/RecordChatMemberUpdate")
    assert not billing.may_call("/gmbot.v1.MembershipService/WatchChanges")
    assert not billing.may_call("/gmbot.v1.EnforcementService/Enforce")
    assert not billing.may_call("/gmbot.v1.TenancyService/GetGroupPolicy")
    # Reflection shows the schema to any caller the service knows.
    assert billing.may_call("/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo")


def test_scopes_combine_and_single_methods_can_be_granted() -> None:
    entry = "ops:budget+gmbot.v1.TenancyService/ListGroups:" + "o" * 32
    ops = Callers.build(None, entry).identify("o" * 32)
    assert ops is not None

    assert ops.may_call("/gmbot.v1.BudgetService/Acquire")
    assert ops.may_call("/gmbot.v1.TenancyService/ListGroups")
    assert not ops.may_call("/gmbot.v1.TenancyService/ProtectGroup")


def test_the_shared_token_may_call_everything() -> None:
    shared = Callers.build("s" * 32, None).identify("s" * 32)

    assert shared is not None
    assert shared.name == SHARED
    assert shared.may_call("/gmbot.v1.EnforcementService/Enforce")


@pytest.mark.parametrize(
    ("entries", "problem"),
    [
        ("gateway:gateway", "expected NAME:SCOPES:sha256:DIGEST"),
        ("gateway:gateway:sha256:abc", "64 hex digits"),
        (f"gateway:gateway:md5:{'a' * 64}", "expected sha256"),
        (f"Gateway:gateway:{GATEWAY}", "must be lower-case"),
        (f"gateway:everything:{GATEWAY}", "unknown scope 'everything'"),
        ("gateway:gateway:short", "at least 16 characters"),
        ("gateway:gateway:replace-with-a-random-token", "placeholder"),
        (f"a:gateway:{GATEWAY};b:budget:{GATEWAY}", "already 'a'"),
        (f"a:gateway:{GATEWAY};a:budget:{BILLING}", "one caller, one set of scopes"),
        (f"shared:gateway:{GATEWAY}", "AUTH_TOKEN's name"),
    ],
)
def test_bad_entries_are_refused_saying_why(entries: str, problem: str) -> None:
    with pytest.raises(CallerConfigError, match=problem):
        Callers.build(None, entries)


def test_entries_never_echo_a_token_in_their_errors() -> None:
    with pytest.raises(CallerConfigError) as refused:
        list(parse_entries(f"a:nope:{GATEWAY}"))

    assert GATEWAY not in str(refused.value)


def test_a_service_needs_the_shared_token_or_callers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AUTH_TOKEN", raising=False)
    with pytest.raises(ValidationError, match="AUTH_CALLERS"):
        ServiceSettings(_env_file=None)

    only_callers = ServiceSettings(
        _env_file=None,
        auth_callers=SecretStr(f"billing:membership-read:{BILLING}"),
    )

    assert only_callers.auth_token is None
    assert only_callers.callers().names == ["billing"]


def test_a_shared_token_that_is_also_a_callers_token_is_refused() -> None:
    with pytest.raises(ValidationError, match="already 'shared'"):
        ServiceSettings(
            _env_file=None,
            auth_token=SecretStr(GATEWAY),
            auth_callers=SecretStr(f"gateway:gateway:{GATEWAY}"),
        )


def test_a_service_without_a_token_of_its_own_calls_nothing_but_starts() -> None:
    # Enforcement with per-caller tokens calls nobody: it needs no CALLER_TOKEN to start.
    settings = ServiceSettings(_env_file=None, auth_callers=SecretStr(f"gateway:gateway:{GATEWAY}"))

    client = settings.as_client()

    with pytest.raises(ValueError, match="set CALLER_TOKEN"):
        client.presented_token()


def test_a_service_presents_its_own_token_when_it_calls() -> None:
    settings = ServiceSettings(
        _env_file=None,
        auth_callers=SecretStr(f"membership:budget:{BILLING}"),
        caller_token=SecretStr(BILLING),
    )

    assert settings.as_client().presented_token() == BILLING


def test_the_readme_recipe_makes_entries_the_services_accept_without_the_tokens() -> None:
    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text()
    match = re.search(r"<!-- example: auth-callers -->\n```sh\n(.*?)```", readme, re.S)
    assert match, "the README lost its AUTH_CALLERS recipe"
    script = match[1] + 'printf "%s\\n%s" "$AUTH_CALLERS" "$billing_token"'
    env = {
        "PATH": os.environ["PATH"],
        "GATEWAY_CALLER_TOKEN": GATEWAY,
        "MEMBERSHIP_CALLER_TOKEN": BILLING,
    }

    entries, billing_token = subprocess.run(  # noqa: S603 - the README's own lines
        ["bash", "-euc", script],  # noqa: S607
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    callers = Callers.build(None, entries)

    assert callers.identify(GATEWAY).name == "gateway"  # type: ignore[union-attr]
    assert callers.identify(BILLING).name == "membership"  # type: ignore[union-attr]
    assert callers.identify(billing_token).name == "billing"  # type: ignore[union-attr]
    assert not {GATEWAY, BILLING, billing_token} & set(re.split(r"[:;]", entries))
