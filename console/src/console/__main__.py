"""python -m console [serve|migrate]: serve the office console (it has no database: migrate does nothing)."""

from __future__ import annotations

import argparse

from anju_common import collector
from anju_common.logs import configure_logging, get_logger
from anju_common.serving import run_server

from console.config import get_settings


def main() -> None:
    """Run the console with uvicorn on ANJU_HOST:CONSOLE_PORT."""
    parser = argparse.ArgumentParser(prog="python -m console")
    parser.add_argument("command", nargs="?", default="serve", choices=["serve", "migrate"])
    args = parser.parse_args()
    collector.tune()
    settings = get_settings()
    configure_logging(settings.service_name, settings.log_level, settings.log_json)
    if args.command == "migrate":
        get_logger(__name__).info("migrate.nothing_to_do", reason="the console keeps no data of its own")
        return
    run_server("console.main:app", host=settings.host, port=settings.port, graceful_seconds=5)


if __name__ == "__main__":
    main()
