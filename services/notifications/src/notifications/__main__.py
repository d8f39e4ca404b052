"""python -m notifications [serve|migrate|revision|reencrypt]."""

from pathlib import Path

from anju_common.cli import service_main

from notifications.config import get_settings
from notifications.maintenance import reencrypt_command

if __name__ == "__main__":
    service_main(
        app_path="notifications.main:app",
        settings_factory=get_settings,
        migrations=Path(__file__).resolve().parents[2] / "migrations",
        extra={"reencrypt": reencrypt_command},
    )
