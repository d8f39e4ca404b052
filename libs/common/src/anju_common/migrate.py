"""Alembic per service, driven from code: each service's migrations/env.py calls run_env."""

from __future__ import annotations

from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import Connection, MetaData, engine_from_config, pool


def alembic_config(script_location: Path, url: str) -> Config:
    """An Alembic config without an ini file."""
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(script_location: Path, url: str, revision: str = "head") -> None:
    """Apply migrations up to a revision."""
    command.upgrade(alembic_config(script_location, url), revision)


def revision(script_location: Path, url: str, message: str) -> None:
    """Autogenerate a new migration from the models."""
    command.revision(alembic_config(script_location, url), message=message, autogenerate=True)


def run_env(metadata: MetaData) -> None:
    """Body of a service's migrations/env.py."""
    cfg = context.config
    url = cfg.get_main_option("sqlalchemy.url")
    batch = bool(url and url.startswith("sqlite"))
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=metadata, literal_binds=True, render_as_batch=batch)
        with context.begin_transaction():
            context.run_migrations()
        return
    connectable = cfg.attributes.get("connection")
    if connectable is None:
        engine = engine_from_config(
            cfg.get_section(cfg.config_ini_section) or {}, prefix="sqlalchemy.", poolclass=pool.NullPool
        )
        with engine.connect() as connection:
            _run(connection, metadata, batch)
        engine.dispose()
    else:
        _run(connectable, metadata, batch)


def _run(connection: Connection, metadata: MetaData, batch: bool) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=batch,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
