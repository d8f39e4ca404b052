"""Anju workers service."""
