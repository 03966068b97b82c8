"""Benchmarks that print figures (run as modules: `python -m benchmarks.load_test`)."""
