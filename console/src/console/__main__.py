"""python -m console [serve|migrate]: serve the office console (it has no database: migrate does nothing)."""

from __future__ import annotations

import argparse

import uvicorn
from anju_common.logs import configure_logging, get_logger

from console.config import get_settings


def main() -> None:
    """Run the console with uvicorn on ANJU_HOST:CONSOLE_PORT."""
    parser = argparse.ArgumentParser(prog="python -m console")
    parser.add_argument("command", nargs="?", default="serve", choices=["serve", "migrate"])
    args = parser.parse_args()
    settings = get_settings()
    configure_logging(settings.service_name, settings.log_level, settings.log_json)
    if args.command == "migrate":
        get_logger(__name__).info("migrate.nothing_to_do", reason="the console keeps no data of its own")
        return
    uvicorn.run(
        "console.main:app",
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=5,
    )


if __name__ == "__main__":
    main()
