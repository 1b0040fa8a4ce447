"""Every Redis key enforcement uses, in one place."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Keys:
    prefix: str

    def stream(self, lane: str) -> str:
        return f"{self.prefix}queue:{lane}"

    @property
    def consumer_group(self) -> str:
        return "workers"

    def heartbeat(self, consumer: str) -> str:
        return f"{self.prefix}heartbeat:{consumer}"
