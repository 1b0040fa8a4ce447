"""Every Redis key enforcement uses, in one place."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Keys:
    prefix: str

    def stream(self, lane: str) -> str:
        # One hash tag for both lanes: one XREADGROUP waits on both, in one slot of a Redis
        # Cluster. After the prefix, as every key, so a SCAN or an ACL by prefix finds them.
        return f"{self.prefix}{{queue}}:{lane}"

    def legacy_stream(self, lane: str) -> str:
        """The lane's name before the hash tag (releases up to 0.x; docs/redis-cluster.md)."""
        return f"{self.prefix}queue:{lane}"

    @property
    def consumer_group(self) -> str:
        return "workers"

    def heartbeat(self, consumer: str) -> str:
        return f"{self.prefix}heartbeat:{consumer}"
