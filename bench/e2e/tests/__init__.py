"""Tests of the end-to-end bench's own logic (run with the bench: not collected by make test)."""
