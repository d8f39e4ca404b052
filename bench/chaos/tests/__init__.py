"""Tests of the chaos drill's own logic (run with the bench: not collected by make test)."""
