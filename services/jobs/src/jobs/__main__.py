"""python -m jobs [serve|migrate|revision]."""

from pathlib import Path

from anju_common.cli import service_main

from jobs.config import get_settings

if __name__ == "__main__":
    service_main(
        app_path="jobs.main:app",
        settings_factory=get_settings,
        migrations=Path(__file__).resolve().parents[2] / "migrations",
    )
