"""Benchmarks: run with `make bench` (python -m bench [name ...]); never part of the test suite."""
