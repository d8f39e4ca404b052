"""python -m matching [serve|migrate|revision|rebuild|renormalise]."""

from pathlib import Path

from anju_common.cli import service_main

from matching.config import get_settings
from matching.rebuild import rebuild_command
from matching.renormalise import renormalise_command

if __name__ == "__main__":
    service_main(
        app_path="matching.main:app",
        settings_factory=get_settings,
        migrations=Path(__file__).resolve().parents[2] / "migrations",
        extra={"rebuild": rebuild_command, "renormalise": renormalise_command},
    )
