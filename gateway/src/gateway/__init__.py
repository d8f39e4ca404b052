"""Anju gateway."""
