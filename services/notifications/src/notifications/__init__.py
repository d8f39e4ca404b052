"""Anju notifications service."""
