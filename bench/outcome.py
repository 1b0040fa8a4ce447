"""What a burst of messages led a bot to do, read from the sandbox: its Bot API calls (journal),
and the chats' state afterwards (messages deleted, members restricted). Shared by bench.raid
and bench.burst."""

from __future__ import annotations

import asyncio
import math
import re
import time
from collections import Counter
from dataclasses import dataclass, field

from bench.report import Target
from bench.world import BOOKKEEPING, Json, params_json
from gmbot.sandbox.client import SandboxClient

_MENTION = re.compile(r"tg://user\?id=(\d+)")
# Calls that name a user without doing anything to them.
_READS = frozenset({"getChatMember"})
DELETIONS = frozenset({"deleteMessage", "deleteMessages"})

Key = tuple[int, int]  # (chat id, message or user id)


@dataclass
class Burst:
    """Messages posted in one call: who wrote what where, and who should be punished."""

    posted_at: float
    authors: dict[Key, int]  # (chat, message id) -> user id
    violators: set[Key]  # (chat, user id)

    def violator_messages(self) -> set[Key]:
        return {k for k, user in self.authors.items() if (k[0], user) in self.violators}


@dataclass
class Actions:
    """A bot's calls since a mark, folded as they come in (the journal read incrementally)."""

    calls: list[Json] = field(default_factory=list)
    mutes: Counter[Key] = field(default_factory=Counter)  # (chat, user) -> successful mutes
    first_mute: dict[Key, float] = field(default_factory=dict)
    first_check: dict[int, float] = field(default_factory=dict)  # user -> first getChatMember
    deleted: dict[Key, float] = field(default_factory=dict)  # (chat, message) -> first deletion
    warnings: Counter[int] = field(default_factory=Counter)  # user -> sendMessage naming them
    touched: dict[int, set[str]] = field(default_factory=dict)  # user -> methods acting on them
    too_many: Counter[str] = field(default_factory=Counter)  # method -> 429s
    since: int = 0

    def add(self, entries: list[Json], authors: dict[Key, int]) -> None:
        for entry in entries:
            self.since = max(self.since, int(entry["seq"]))
            if entry["method"] in BOOKKEEPING:
                continue
            self.calls.append(entry)
            if entry["error_code"] == 429:
                self.too_many[str(entry["method"])] += 1
            if entry["ok"]:
                self._fold(entry, authors)

    def _fold(self, entry: Json, authors: dict[Key, int]) -> None:
        method, params, at = str(entry["method"]), entry["params"], float(entry["time"])
        chat = (
            int(params.get("chat_id", 0))
            if str(params.get("chat_id", "")).lstrip("-").isdigit()
            else 0
        )
        if "user_id" in params:
            user = int(params["user_id"])
            if method == "getChatMember":
                self.first_check.setdefault(user, at)
            if method not in _READS:
                self.touched.setdefault(user, set()).add(method)
            if method == "restrictChatMember":
                permissions = params_json(params.get("permissions")) or {}
                if not permissions.get("can_send_messages", False):
                    self.mutes[(chat, user)] += 1
                    self.first_mute.setdefault((chat, user), at)
        if method in DELETIONS:
            ids = (
                params_json(params["message_ids"])
                if method == "deleteMessages"
                else [params["message_id"]]
            )
            for message_id in ids:
                key = (chat, int(message_id))
                self.deleted.setdefault(key, at)
                if key in authors:
                    self.touched.setdefault(authors[key], set()).add(method)
        if method in {"sendMessage", "editMessageText"}:
            for user in {int(u) for u in _MENTION.findall(str(params.get("text", "")))}:
                self.touched.setdefault(user, set()).add(method)
                if method == "sendMessage":
                    self.warnings[user] += 1

    def last_action_at(self, burst: Burst) -> float | None:
        """When the last violator was muted or a message of theirs deleted, so far."""
        times = [t for k, t in self.first_mute.items() if k in burst.violators]
        wanted = burst.violator_messages()
        times += [t for k, t in self.deleted.items() if k in wanted]
        return max(times, default=None)

    def deletion_delays(self, burst: Burst) -> list[float]:
        """Seconds from the burst's posting to the deletion of each violator's message deleted."""
        wanted = burst.violator_messages()
        return [at - burst.posted_at for k, at in self.deleted.items() if k in wanted]

    def check_to_deletion(self, burst: Burst) -> list[float]:
        """Seconds from the first check of each violator's message's author to its deletion."""
        wanted = burst.violator_messages()
        return [
            at - self.first_check[burst.authors[k]]
            for k, at in self.deleted.items()
            if k in wanted and burst.authors[k] in self.first_check
        ]

    def delete_calls(self) -> int:
        """deleteMessage and deleteMessages calls made, answered or not."""
        return sum(1 for c in self.calls if c["method"] in DELETIONS)

    def done_at(self, burst: Burst) -> float | None:
        """When the last violator was muted and the last of their messages deleted (None while
        some are not)."""
        wanted = burst.violator_messages()
        if not burst.violators <= self.first_mute.keys() or not wanted <= self.deleted.keys():
            return None
        return max(
            [self.first_mute[k] for k in burst.violators] + [self.deleted[k] for k in wanted],
            default=burst.posted_at,  # nobody to punish: done as soon as posted
        )


async def post(
    control: SandboxClient, messages: list[tuple[int, int, str]], violators: set[Key]
) -> Burst:
    answer = await control.say_many(messages)
    authors = {
        (int(m["chat_id"]), int(m["message_id"])): user
        for m, (_, user, _) in zip(answer["messages"], messages, strict=True)
    }
    return Burst(float(answer["at"]), authors, violators)


async def follow(
    control: SandboxClient,
    bot_id: int,
    burst: Burst,
    actions: Actions,
    *,
    within: float,
    idle: float,
    quiet: float = 5.0,
    settle_max: float = 120.0,
) -> tuple[float | None, float]:
    """Reads the bot's calls until every violator is muted and every message of theirs deleted
    (or `within` seconds passed, or `idle` seconds went by without a new mute or deletion of a
    violator's message), then until it has made no call for `quiet` seconds (at most
    `settle_max` more). Returns when it was done (None: it was not) and when its last call
    came."""
    start = time.monotonic()
    done: float | None = None
    progress, last_progress = None, start
    while done is None and time.monotonic() - start < within:
        await asyncio.sleep(0.5)
        await _read(control, bot_id, burst, actions)
        if (now := actions.last_action_at(burst)) != progress:
            progress, last_progress = now, time.monotonic()
        elif time.monotonic() - last_progress > idle:
            break
        done = actions.done_at(burst)
    settle_until = time.monotonic() + settle_max
    last_seen = time.monotonic()
    while time.monotonic() - last_seen < quiet and time.monotonic() < settle_until:
        await asyncio.sleep(0.5)
        if await _read(control, bot_id, burst, actions):
            last_seen = time.monotonic()
    last_call = max((float(c["time"]) for c in actions.calls), default=burst.posted_at)
    return done, last_call


async def _read(control: SandboxClient, bot_id: int, burst: Burst, actions: Actions) -> bool:
    """Folds the calls made since the last read; whether there were any (bookkeeping aside)."""
    before = len(actions.calls)
    actions.add(await control.journal(bot_id=bot_id, since=actions.since), burst.authors)
    return len(actions.calls) > before


@dataclass(frozen=True)
class State:
    """What the chats look like afterwards."""

    undeleted: set[Key]  # (chat, message) of violators still there
    muted: set[Key]  # (chat, user) restricted without can_send_messages


async def read_state(control: SandboxClient, burst: Burst, users: set[Key]) -> State:
    chats = {chat for chat, _ in burst.authors}
    present: set[Key] = set()
    for chat in chats:
        for message in await control.messages(chat):
            if not message["deleted"]:
                present.add((chat, int(message["message_id"])))
    muted = set()
    for chat in chats:
        for member in await control.members(chat):
            key = (chat, int(member["user"]["id"]))
            if (
                key in users
                and member["status"] == "restricted"
                and not member.get("can_send_messages", True)
            ):
                muted.add(key)
    return State(burst.violator_messages() & present, muted)


def timeline(burst: Burst, actions: Actions) -> str:
    """When each kind of work happened, in seconds after the posting: where a raid's time goes."""

    def span(methods: set[str]) -> str:
        times = [
            float(c["time"]) - burst.posted_at for c in actions.calls if c["method"] in methods
        ]
        return f"{min(times):.1f}-{max(times):.1f} s ({len(times)})" if times else "none"

    lags = actions.check_to_deletion(burst)
    lag = (
        f"{percentile(lags, 0.5):.2f} / {percentile(lags, 0.95):.2f} / {max(lags):.2f} s"
        if lags
        else "none"
    )
    return (
        f"  checks {span({'getChatMember'})}; deletions {span(set(DELETIONS))}; "
        f"mutes {span({'restrictChatMember'})}; warnings {span({'sendMessage'})}\n"
        f"  violators' messages from their author's check to their deletion, p50 / p95 / max: {lag}"
    )


def percentile(values: list[float], q: float) -> float:
    """The nearest-rank q-quantile (0 < q <= 1); 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


@dataclass(frozen=True)
class Goals:
    """What a bench holds the raid's deletions and length to; None: shown, not judged."""

    delete_calls: int | None = None
    deleted_p95: float | None = None
    over_floor: float = 1.10


def deletion_targets(
    burst: Burst, actions: Actions, goals: Goals, *, wall: float, least: float, done: bool
) -> list[Target]:
    """Issue 22's figures: how many delete calls, how soon violators' messages went, every
    call against the floor the limits set."""
    delays = actions.deletion_delays(burst)
    p50, p95 = percentile(delays, 0.5), percentile(delays, 0.95)
    calls = actions.delete_calls()
    ratio = wall / least if least else float("inf")
    return [
        Target(
            "delete calls (deleteMessage + deleteMessages)",
            "info" if goals.delete_calls is None else f"<= {goals.delete_calls}",
            str(calls),
            None if goals.delete_calls is None else calls <= goals.delete_calls,
        ),
        Target(
            "violators' messages deleted after sent, p50 / p95 (s)",
            "info" if goals.deleted_p95 is None else f"p95 <= {goals.deleted_p95:g}",
            f"{p50:.1f} / {p95:.1f} ({len(delays)} messages)",
            None if goals.deleted_p95 is None else bool(delays) and p95 <= goals.deleted_p95,
        ),
        Target("Bot API calls in total", "info", str(len(actions.calls)), None),
        Target(
            "wall / floor (least time the limits allow)",
            f"<= {goals.over_floor:.2f}",
            f"{ratio:.2f} ({wall:.1f} s / {least:.1f} s)",
            done and ratio <= goals.over_floor,
        ),
    ]
