"""Anju jobs service."""
