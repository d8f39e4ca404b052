"""Alembic environment of the workers service."""

from anju_common.migrate import run_env
from workers.models import metadata

run_env(metadata)
