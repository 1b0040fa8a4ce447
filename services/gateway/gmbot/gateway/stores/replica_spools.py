"""Where each gateway replica keeps its records in Redis, and how the replicas take over what a
replica that died had kept: a webhook replica's updates answered before they were handled
(kind `webhook`, intake.accepting), the messages waiting for a second look (kind `second-look`,
flows.second_look).

Each replica keeps its own hash (`<kind>-spool:{bot}:<replica>`), says it is alive with a key
that lapses (`<kind>-alive:{bot}:<replica>`), and is listed in the bot's set of spools. A
replica restarted under the same name (its pod's or container's host name and its port) takes
its hash back at once; one that never comes back is taken over by whichever replica first sees
its alive key lapsed: one script moves its records into the taker's own hash, so no two take
them. The bot's id is the hash tag: the script's keys share a Redis Cluster slot.
"""

from __future__ import annotations

import json
import socket
from typing import Any, Protocol

from gmbot.gateway.stores.spools import RedisSpool
from gmbot.runtime.redis import RedisClient

# A replica that has not said it is alive for this long is taken to be dead: its updates go to
# another. It says so every third of it.
ALIVE_SECONDS = 30
BEAT_SECONDS = ALIVE_SECONDS / 3

# KEYS: the dead replica's spool, its alive key, the taker's spool, the bot's set of spools.
# ARGV: the dead replica's name. Returns the records moved (none while it is alive).
_TAKE_OVER = """
if redis.call('EXISTS', KEYS[2]) == 1 then return {} end
local kept = redis.call('HGETALL', KEYS[1])
for i = 1, #kept, 2 do redis.call('HSET', KEYS[3], kept[i], kept[i + 1]) end
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[4], ARGV[1])
local records = {}
for i = 2, #kept, 2 do records[#records + 1] = kept[i] end
return records
"""


class Replicas(Protocol):
    """What a spool shared by several replicas adds to a spool."""

    async def beat(self) -> None: ...

    async def take_over(self) -> list[dict[str, Any]]: ...

    async def leave(self) -> None: ...


def replica_name(port: int) -> str:
    """The same after a restart in the same pod or container, different for every replica (two
    on one host listen on two ports)."""
    return f"{socket.gethostname()}:{port}"


class ReplicaSpool(RedisSpool):
    def __init__(
        self,
        redis: RedisClient,
        prefix: str,
        bot_id: int,
        replica: str,
        *,
        kind: str,
        alive_seconds: int = ALIVE_SECONDS,
    ) -> None:
        self._prefix = f"{prefix}{kind}-"
        self._bot_id = bot_id
        self.replica = replica
        self._alive_seconds = alive_seconds
        super().__init__(redis, self._spool(replica))
        self._spools = f"{self._prefix}spools:{{{bot_id}}}"
        self._take_over = redis.register_script(_TAKE_OVER)

    def _spool(self, replica: str) -> str:
        return f"{self._prefix}spool:{{{self._bot_id}}}:{replica}"

    def _alive(self, replica: str) -> str:
        return f"{self._prefix}alive:{{{self._bot_id}}}:{replica}"

    async def beat(self) -> None:
        """Says this replica is alive (and lists its spool), for the next `alive_seconds`."""
        await self._redis.set(self._alive(self.replica), b"1", ex=self._alive_seconds)
        await self._redis.sadd(self._spools, self.replica)

    async def take_over(self) -> list[dict[str, Any]]:
        """The records of every listed replica that is no longer alive, now kept in this one's
        hash; oldest update first."""
        taken: list[dict[str, Any]] = []
        for raw_name in await self._redis.smembers(self._spools):
            name = raw_name.decode() if isinstance(raw_name, bytes) else str(raw_name)
            if name == self.replica:
                continue
            keys = [self._spool(name), self._alive(name), self._key, self._spools]
            moved = await self._take_over(keys=keys, args=[name])
            taken.extend(json.loads(raw) for raw in moved)
        return sorted(taken, key=lambda raw: int(raw["update_id"]))

    async def leave(self) -> None:
        """On a graceful stop: no longer alive, so another replica takes whatever is left at its
        next beat (nothing, when the stop had the time to finish what was in hand)."""
        await self._redis.delete(self._alive(self.replica))
        if not await self._redis.hlen(self._key):
            await self._redis.srem(self._spools, self.replica)
