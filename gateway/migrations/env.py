"""Alembic environment of the gateway."""

from anju_common.migrate import run_env
from gateway.models import metadata

run_env(metadata)
