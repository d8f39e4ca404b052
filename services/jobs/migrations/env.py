"""Alembic environment of the jobs service."""

from anju_common.migrate import run_env
from jobs.models import metadata

run_env(metadata)
