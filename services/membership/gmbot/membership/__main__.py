"""`python -m gmbot.membership`: serve the membership API."""

from __future__ import annotations

from gmbot.membership.app import build
from gmbot.membership.settings import MembershipSettings
from gmbot.runtime.server import run
from gmbot.runtime.settings import load_settings


def main() -> None:
    settings = load_settings(MembershipSettings)
    run("membership", settings, lambda: build(settings))


if __name__ == "__main__":
    main()
