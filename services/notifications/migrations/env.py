"""Alembic environment of the notifications service."""

from anju_common.migrate import run_env
from notifications.models import metadata

run_env(metadata)
