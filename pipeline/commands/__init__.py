"""Command families of `domino-etl`, one module each, registered in `pipeline/cli.py` with one line."""
