"""/help's text, in private and in groups: the commands, then every setting by name."""

from __future__ import annotations

from gmbot.gateway.flows import settings
from gmbot.gateway.texts import say


def help_text(language: str, key: str) -> str:
    return "\n".join(
        [say(language, key), "", say(language, "help_settings"), *settings.names(language)]
    )
