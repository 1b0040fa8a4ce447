"""`python -m gmbot.enforcement [serve|migrate|check-config]`: serve the API and run the workers,
bring the ledger's schema up to date, or check the configuration (exit 0, or 2 naming every bad
variable)."""

from __future__ import annotations

import sys

from gmbot.enforcement.settings import EnforcementSettings
from gmbot.runtime.aiogram_types import import_aiogram
from gmbot.runtime.settings import CHECK_CONFIG, check_config, load_settings


def main() -> None:
    if sys.argv[1:] == [CHECK_CONFIG]:
        sys.exit(check_config(EnforcementSettings))
    # The service itself is imported once the check is out of the way: `check-config` needs
    # only the settings, and answers in a fraction of the time.
    import_aiogram()  # before anything imports it: its types built when first used
    from gmbot.enforcement.app import build, migrations_config
    from gmbot.runtime.database import serve_or_migrate

    settings = load_settings(EnforcementSettings)
    serve_or_migrate(
        "enforcement", settings, lambda: build(settings), migrations_config, __doc__ or ""
    )


if __name__ == "__main__":
    main()
