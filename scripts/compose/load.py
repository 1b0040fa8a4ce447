"""A steady stream of members writing in the demo chat, through the sandbox: each round new
people arrive, most of them following both channels and some following none, and each writes a
few messages. What the bot did about them is read back from the sandbox's journal."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field

from bench.outcome import Actions, Burst, Key, post
from gmbot.sandbox.client import SandboxClient

# Per round: a mute, a deletion and a warning for the violator, the followers' checks: well
# within the 30 calls a second (and 20 group messages a minute) Telegram allows the bot.
FOLLOWERS = 3
VIOLATORS = 1
MESSAGES_EACH = 3
ROUND_SECONDS = 2.0


@dataclass
class Load:
    control: SandboxClient
    ids: dict[str, int]
    bursts: list[Burst] = field(default_factory=list)
    followers: set[int] = field(default_factory=set)

    @property
    def violators(self) -> set[Key]:
        return {key for burst in self.bursts for key in burst.violators}

    def authors(self) -> dict[Key, int]:
        return {key: user for burst in self.bursts for key, user in burst.authors.items()}

    def violator_messages(self) -> set[Key]:
        return {key for burst in self.bursts for key in burst.violator_messages()}

    async def round(self) -> None:
        chat, number = self.ids["chat"], len(self.bursts)
        names = [f"Load{number}P{n}" for n in range(FOLLOWERS + VIOLATORS)]
        people = [int(u["id"]) for u in await self.control.create_users(names)]
        following = people[VIOLATORS:]
        for channel in (self.ids["news"], self.ids["vip"]):
            await self.control.add_members(channel, following, silent=True)
        await self.control.add_members(chat, people, silent=True)
        messages = [
            (chat, people[n % len(people)], f"round {number}, message {n}")
            for n in range(len(people) * MESSAGES_EACH)
        ]
        violators = {(chat, user) for user in people[:VIOLATORS]}
        self.bursts.append(await post(self.control, messages, violators))
        self.followers.update(following)

    async def drive(self, stop: asyncio.Event) -> None:
        """A round every ROUND_SECONDS until `stop`."""
        while not stop.is_set():
            await self.round()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), ROUND_SECONDS)

    async def actions(self, since: int) -> Actions:
        """What the bot did in the chat since the journal's entry `since`."""
        actions = Actions()
        actions.add(await self.control.journal(since=since), self.authors())
        return actions

    async def unsettled(self, since: int) -> str:
        """What is still missing since the journal's entry `since`: violators not muted, messages
        of theirs not deleted, updates not delivered; "" once nothing is."""
        actions = await self.actions(since)
        unmuted = sorted(user for _, user in self.violators - actions.mutes.keys())
        undeleted = sorted(self.violator_messages() - actions.deleted.keys())
        queue = await self.control.bot_queue(int(actions.calls[0]["bot_id"]))
        missing = []
        if unmuted:
            missing.append(f"violators not muted: {unmuted}")
        if undeleted:
            missing.append(f"{len(undeleted)} of their messages not deleted: {undeleted[:10]}")
        if int(queue["pending"]):
            missing.append(f"updates not delivered: {queue}")
        return "; ".join(missing)
