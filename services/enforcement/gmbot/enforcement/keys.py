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

    @property
    def global_rate(self) -> str:
        return f"{self.prefix}rate:global"

    @property
    def global_pause(self) -> str:
        return f"{self.prefix}pause:global"

    def chat_rate(self, chat_id: int) -> str:
        return f"{self.prefix}rate:chat:{chat_id}"

    def chat_pause(self, chat_id: int) -> str:
        return f"{self.prefix}pause:chat:{chat_id}"

    def heartbeat(self, consumer: str) -> str:
        return f"{self.prefix}heartbeat:{consumer}"
