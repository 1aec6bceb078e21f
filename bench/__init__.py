"""Benchmarks of generated projects: run `python -m bench` (or `--quick`)."""
