"""Alembic environment of the matching service."""

from anju_common.migrate import run_env
from matching.models import metadata

run_env(metadata)
