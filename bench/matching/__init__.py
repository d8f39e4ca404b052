"""Matching benchmark and offline evaluation."""
