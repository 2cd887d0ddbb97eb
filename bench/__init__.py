"""`make bench`: every `bench/bench_*.py` module's `run(results_dir, quick)`, one JSON report."""
