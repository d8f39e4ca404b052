"""Command line of every service: serve (default), migrate, revision."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from anju_common import collector
from anju_common.logs import configure_logging
from anju_common.migrate import revision, upgrade
from anju_common.serving import run_server
from anju_common.settings import ServiceSettings


def service_main(
    *,
    app_path: str,
    settings_factory: Callable[[], ServiceSettings],
    migrations: Path,
    extra: dict[str, Callable[[argparse.Namespace], None]] | None = None,
) -> None:
    """Parse argv and run the chosen command."""
    collector.tune()
    settings = settings_factory()
    parser = argparse.ArgumentParser(prog=f"python -m {settings.service_name}")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("serve", help="run the HTTP service and its background workers (default)")
    sub.add_parser("migrate", help="apply database migrations")
    rev = sub.add_parser("revision", help="autogenerate a migration from the models")
    rev.add_argument("message")
    for name in extra or {}:
        sub.add_parser(name)
    args = parser.parse_args()
    configure_logging(settings.service_name, settings.log_level, settings.log_json)
    command = args.command or "serve"
    if command == "migrate":
        upgrade(migrations, settings.sqlalchemy_url())
    elif command == "revision":
        revision(migrations, settings.sqlalchemy_url(), args.message)
    elif command == "serve":
        settings.refuse_insecure_defaults()
        run_server(app_path, host=settings.host, port=settings.port)
    else:
        (extra or {})[command](args)
