"""Who may call which RPC: per-caller tokens and the methods each caller may use.

Every gRPC service accepts

- the shared `AUTH_TOKEN`, the simple default: whoever presents it may call everything (it is
  the caller named `shared`); and/or
- `AUTH_CALLERS` (or the file `AUTH_CALLERS_FILE`): one entry per token,
  `NAME:SCOPES:sha256:DIGEST` (the hex SHA-256 of the token: what every service is given, so a
  compromised service cannot read, and so present, another caller's token) or, as before,
  `NAME:SCOPES:TOKEN` (still accepted: the token itself). Entries are separated by `;` or new
  lines (`#` starts a comment in the file). SCOPES is a `+`-separated list of scope names
  (`SCOPES` below) and full method names (`gmbot.v1.MembershipService/CheckMembership`, or
  `gmbot.v1.MembershipService/*`). The same NAME on two entries gives that caller two tokens at
  once, for rotation without downtime.

A caller that presents no known token is refused with UNAUTHENTICATED; a known caller that calls
a method outside its scopes gets PERMISSION_DENIED, and the refusal is logged with its name; so
does one that sets `fresh` (a Bot API call instead of the cache) without the `<service>/Fresh`
right (scope `membership-fresh`). Health (`grpc.health.v1`) needs no token; reflection needs any
known one. Callers other than GMBot's own services have a quota (gmbot.runtime.quotas).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

_TENANCY = "gmbot.v1.TenancyService"
_MEMBERSHIP = "gmbot.v1.MembershipService"
_ENFORCEMENT = "gmbot.v1.EnforcementService"
_BUDGET = "gmbot.v1.BudgetService"
REFLECTION_SERVICES = (
    "grpc.reflection.v1alpha.ServerReflection",
    "grpc.reflection.v1.ServerReflection",
)

# Not an RPC: the right to set `fresh` on a request of the service, named as a method.
FRESH = "Fresh"
# The gateway's operators' HTTP endpoints, named as methods so scopes can grant them.
DEAD_LETTERS_LIST = "/gmbot.gateway.DeadLetters/List"
DEAD_LETTERS_REPLAY = "/gmbot.gateway.DeadLetters/Replay"

# Named sets of methods; a caller's entry names one or more of them.
SCOPES: Mapping[str, tuple[str, ...]] = {
    # Everything: what the shared AUTH_TOKEN grants.
    "all": ("*",),
    # An internal service that asks about memberships: reads only, nothing that changes state.
    "membership-read": tuple(
        f"{_MEMBERSHIP}/{m}"
        for m in (
            "CheckMembership",
            "CheckMembershipBatch",
            "GetChatAdministrators",
            "ListUserGroups",
            "ListAdministeredGroups",
            "ListGroupMembers",
        )
    ),
    # Fresh answers (`fresh=true`: a Bot API call each, from the one budget), on top of reads.
    "membership-fresh": (f"{_MEMBERSHIP}/{FRESH}",),
    # The gateway decides: it reads and changes tenancy, feeds membership, orders enforcement,
    # and leases Bot API calls from the budget's owner when there is no Redis.
    "gateway": (f"{_TENANCY}/*", f"{_MEMBERSHIP}/*", f"{_ENFORCEMENT}/*", f"{_BUDGET}/*"),
    # Membership (and any process that calls the Bot API) without Redis: the shared budget.
    "budget": (f"{_BUDGET}/*",),
    # The `gmbot` command: read everything, and lift GMBot's own restrictions.
    "operator": (
        *(
            f"{_TENANCY}/{m}"
            for m in ("GetGroupPolicy", "ListGroups", "ListOwnerGroups", "ListChannelGroups")
        ),
        *(
            f"{_MEMBERSHIP}/{m}"
            for m in (
                "CheckMembership",
                "CheckMembershipBatch",
                "GetChatAdministrators",
                "ListUserGroups",
                "ListAdministeredGroups",
                "ListGroupMembers",
            )
        ),
        f"{_MEMBERSHIP}/{FRESH}",
        *(
            f"{_ENFORCEMENT}/{m}"
            for m in (
                "ListRecentActions",
                "ListRestrictedGroups",
                "ListGroupRestrictions",
                "Release",
            )
        ),
        DEAD_LETTERS_LIST.lstrip("/"),
        DEAD_LETTERS_REPLAY.lstrip("/"),
        # `gmbot reconcile` draws its getChatMember calls from the one budget.
        f"{_BUDGET}/*",
    ),
}

# The caller whose call this process is serving (set by the server's interceptor): whose work
# its Bot API calls are, in the budget's metrics.
current_caller: ContextVar[str | None] = ContextVar("current_caller", default=None)

SHARED = "shared"
# GMBot's own services: no quota (gmbot.runtime.quotas).
OWN_SCOPES = frozenset({"gateway", "budget"})
MIN_TOKEN_LENGTH = 16
_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,62}$")
_HEX_DIGEST = re.compile(r"^[0-9a-fA-F]{64}$")
_METHOD = re.compile(r"^[A-Za-z0-9_.]+/(\*|[A-Za-z0-9_]+)$")
# Values people paste from examples; a service guarded by one of them is not guarded.
PLACEHOLDERS = frozenset({"changeme", "change-me", "secret", "token", "password", "example"})


class CallerConfigError(ValueError):
    """AUTH_CALLERS (or its file) cannot be used; the message says which entry and why."""


def placeholder_problem(raw: str, name: str) -> str | None:
    """Why `raw` cannot serve as the secret `name`, or None when it can."""
    lowered = raw.strip().lower()
    if lowered in PLACEHOLDERS or "replace" in lowered or "placeholder" in lowered:
        return f"{name} is a placeholder; generate one, e.g. `openssl rand -hex 32`"
    if len(raw) < MIN_TOKEN_LENGTH:
        return f"{name} must be at least {MIN_TOKEN_LENGTH} characters"
    return None


@dataclass(frozen=True)
class Caller:
    """One caller: its name (in logs), the methods it may call (`/service/method` patterns), and
    whether it is one of GMBot's own services (no quota)."""

    name: str
    allowed: tuple[str, ...]
    own: bool = False

    def may_call(self, method: str) -> bool:
        """`method` as gRPC names it: `/gmbot.v1.MembershipService/CheckMembership`."""
        service, _, name = method.lstrip("/").partition("/")
        if service in REFLECTION_SERVICES:
            return True
        return any(
            pattern == "*" or pattern in (f"{service}/{name}", f"{service}/*")
            for pattern in self.allowed
        )

    def may_ask_fresh(self, method: str) -> bool:
        """Whether the caller may set `fresh` on a request of `method`'s service."""
        service = method.lstrip("/").partition("/")[0]
        return self.may_call(f"/{service}/{FRESH}")


def token_digest(token: str) -> str:
    """The hex SHA-256 of a token: what an `AUTH_CALLERS` entry holds instead of the token."""
    return hashlib.sha256(token.encode()).hexdigest()


class Callers:
    """The tokens a service accepts, by their digests, each mapped to its caller."""

    def __init__(self, by_digest: Mapping[str, Caller]) -> None:
        # Looked up by digest, so finding a token takes no time that depends on how much of it
        # matched, and the tokens themselves need never be here.
        self._by_digest = dict(by_digest)
        self.names = sorted({caller.name for caller in by_digest.values()})

    def identify(self, token: str | None) -> Caller | None:
        """The caller presenting `token`, or None for a missing or unknown token."""
        if not token:
            return None
        return self._by_digest.get(token_digest(token))

    @classmethod
    def build(cls, shared_token: str | None, entries: str | None) -> Callers:
        """From the shared token (caller `shared`, every method) and AUTH_CALLERS entries."""
        by_digest: dict[str, Caller] = {}
        if shared_token:
            by_digest[token_digest(shared_token)] = Caller(SHARED, SCOPES["all"], own=True)
        if entries:
            for digest, caller in parse_entries(entries):
                if digest in by_digest:
                    raise CallerConfigError(
                        f"caller {caller.name!r}: its token is already {by_digest[digest].name!r}'s"
                    )
                by_digest[digest] = caller
        if not by_digest:
            raise CallerConfigError("no caller could call: set AUTH_TOKEN or AUTH_CALLERS")
        return cls(by_digest)


def _allowed(name: str, scopes: str) -> tuple[str, ...]:
    allowed: list[str] = []
    for scope in filter(None, (s.strip() for s in scopes.split("+"))):
        if scope in SCOPES:
            allowed.extend(SCOPES[scope])
        elif _METHOD.match(scope):
            allowed.append(scope)
        else:
            known = ", ".join(SCOPES)
            raise CallerConfigError(
                f"caller {name!r}: unknown scope {scope!r} (one of {known}, or a method "
                "such as gmbot.v1.MembershipService/CheckMembership)"
            )
    if not allowed:
        raise CallerConfigError(f"caller {name!r}: no scope given")
    return tuple(allowed)


def _entry_digest(number: int, name: str, secret: list[str]) -> str:
    """The digest an entry names: `sha256:HEX`, or the digest of a plain token."""
    if len(secret) == 2:
        kind, digest = secret
        if kind != "sha256" or not _HEX_DIGEST.match(digest):
            raise CallerConfigError(
                f"entry {number}: caller {name!r}: expected sha256:<64 hex digits>, "
                'e.g. `printf %s "$TOKEN" | sha256sum`'
            )
        return digest.lower()
    (token,) = secret
    problem = placeholder_problem(token, f"the token of caller {name!r}")
    if problem:
        raise CallerConfigError(problem)
    return token_digest(token)


def parse_entries(text: str) -> Iterable[tuple[str, Caller]]:
    """`NAME:SCOPES:sha256:DIGEST` and `NAME:SCOPES:TOKEN` entries, separated by `;` or new
    lines; `#` comments. Yields each entry's token digest (hex) with its caller."""
    scopes_of: dict[str, str] = {}
    entries: list[tuple[str, Caller]] = []
    for number, raw in enumerate(re.split(r"[;\n]", text), start=1):
        entry = raw.split("#", 1)[0].strip()
        if not entry:
            continue
        parts = [part.strip() for part in entry.split(":")]
        if len(parts) not in (3, 4):
            raise CallerConfigError(
                f"entry {number}: expected NAME:SCOPES:sha256:DIGEST (or NAME:SCOPES:TOKEN), "
                f"got {len(parts)} part(s)"
            )
        name, scopes, *secret = parts
        if not _NAME.match(name):
            raise CallerConfigError(
                f"entry {number}: caller name {name!r} must be lower-case letters, digits, "
                "'-', '_' or '.'"
            )
        if name == SHARED:
            raise CallerConfigError(f"entry {number}: {SHARED!r} is the AUTH_TOKEN's name")
        digest = _entry_digest(number, name, secret)
        if scopes_of.setdefault(name, scopes) != scopes:
            raise CallerConfigError(
                f"caller {name!r}: its entries name different scopes ({scopes_of[name]!r}, "
                f"{scopes!r}); one caller, one set of scopes"
            )
        own = not OWN_SCOPES.isdisjoint(s.strip() for s in scopes.split("+"))
        entries.append((digest, Caller(name, _allowed(name, scopes), own)))
    return entries


def read_entries(inline: str | None, path: Path | None) -> str | None:
    """AUTH_CALLERS and the contents of AUTH_CALLERS_FILE together."""
    parts = [part for part in (inline, path.read_text() if path else None) if part]
    return "\n".join(parts) or None
