"""Benchmark scripts that print figures (not tests): run them with `make bench`."""
