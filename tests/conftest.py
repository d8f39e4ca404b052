"""Shared pytest set-up: the real-infrastructure fixtures live in anju_common.testing."""

pytest_plugins = ["anju_common.testing"]
