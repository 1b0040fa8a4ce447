"""`python -m gmbot.enforcement [serve|migrate]`: serve the API and run the workers, or bring
the ledger's schema up to date."""

from __future__ import annotations

from gmbot.enforcement.app import build, migrations_config
from gmbot.enforcement.settings import EnforcementSettings
from gmbot.runtime.database import serve_or_migrate
from gmbot.runtime.settings import load_settings


def main() -> None:
    settings = load_settings(EnforcementSettings)
    serve_or_migrate(
        "enforcement", settings, lambda: build(settings), migrations_config, __doc__ or ""
    )


if __name__ == "__main__":
    main()
