"""`python -m gmbot.membership [check-config]`: serve the membership API, or check the
configuration (exit 0, or 2 naming every bad variable)."""

from __future__ import annotations

import sys

from gmbot.membership.settings import MembershipSettings
from gmbot.runtime.aiogram_types import import_aiogram
from gmbot.runtime.settings import CHECK_CONFIG, check_config, load_settings


def main() -> None:
    if sys.argv[1:] == [CHECK_CONFIG]:
        sys.exit(check_config(MembershipSettings))
    # The service itself is imported once the check is out of the way: `check-config` needs
    # only the settings, and answers in a fraction of the time.
    import_aiogram()  # before anything imports it: its types built when first used
    from gmbot.membership.app import build
    from gmbot.runtime.server import run

    settings = load_settings(MembershipSettings)
    run("membership", settings, lambda: build(settings))


if __name__ == "__main__":
    main()
