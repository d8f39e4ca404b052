"""python -m gateway [serve|migrate|revision|create-user]."""

from __future__ import annotations

import sys
from pathlib import Path

from anju_common.cli import service_main

from gateway.cli import create_user_main
from gateway.config import get_settings

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"

if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "create-user":
        sys.exit(create_user_main(sys.argv[2:], MIGRATIONS))
    service_main(app_path="gateway.main:app", settings_factory=get_settings, migrations=MIGRATIONS)
