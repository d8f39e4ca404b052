"""Anju matching service."""
