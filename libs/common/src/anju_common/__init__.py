"""Shared kit of the Anju services."""
