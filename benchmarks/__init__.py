"""Benchmarks at scale: ``python -m benchmarks`` (``make bench``); see benchmarks/RESULTS.md."""
