"""`python -m gmbot.tenancy [serve|migrate|check-config]`: serve the gRPC API, bring the schema up
to date, or check the configuration (exit 0, or 2 naming every bad variable)."""

from __future__ import annotations

import sys

from gmbot.runtime.settings import CHECK_CONFIG, check_config, load_settings
from gmbot.tenancy.settings import TenancySettings


def main() -> None:
    if sys.argv[1:] == [CHECK_CONFIG]:
        sys.exit(check_config(TenancySettings))
    # The service itself is imported once the check is out of the way: `check-config` needs
    # only the settings, and answers in a fraction of the time.
    from gmbot.runtime.database import serve_or_migrate
    from gmbot.tenancy.app import build, migrations_config

    settings = load_settings(TenancySettings)
    serve_or_migrate("tenancy", settings, lambda: build(settings), migrations_config, __doc__ or "")


if __name__ == "__main__":
    main()
