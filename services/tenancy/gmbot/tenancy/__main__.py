"""`python -m gmbot.tenancy [serve|migrate]`: serve the gRPC API, or bring the schema up to date."""

from __future__ import annotations

from gmbot.runtime.database import serve_or_migrate
from gmbot.runtime.settings import load_settings
from gmbot.tenancy.app import build, migrations_config
from gmbot.tenancy.settings import TenancySettings


def main() -> None:
    settings = load_settings(TenancySettings)
    serve_or_migrate("tenancy", settings, lambda: build(settings), migrations_config, __doc__ or "")


if __name__ == "__main__":
    main()
