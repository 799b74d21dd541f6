"""Benchmarks of the pipeline: not part of the product package, run from the repository root.

- `python -m bench` (`make bench`, `run.py`): records/s and peak RSS end to end vs the bare fetch bound,
  against the simulator at scale=large; each measurement (`measure.py`) in its own spawned process.
- `python -m bench.shaping`: `shape_batch` throughput alone; `python -m bench.warehouse`: staging and
  committing alone.
- `python -m bench.models`: the SQL models after a load (`make demo`): full build vs one-day rebuild.
"""
