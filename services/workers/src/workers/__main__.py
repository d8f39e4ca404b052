"""python -m workers [serve|migrate|revision|reencrypt|renormalise]."""

from pathlib import Path

from anju_common.cli import service_main

from workers.config import get_settings
from workers.maintenance import reencrypt_command
from workers.skills import renormalise_command

if __name__ == "__main__":
    service_main(
        app_path="workers.main:app",
        settings_factory=get_settings,
        migrations=Path(__file__).resolve().parents[2] / "migrations",
        extra={"reencrypt": reencrypt_command, "renormalise": renormalise_command},
    )
