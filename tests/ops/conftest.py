"""Operations tests reuse the end-to-end fixtures: a real simulator and a fresh DuckDB file per test."""

from tests.e2e.conftest import pipeline_for  # noqa: F401  (a fixture, re-exported for tests/ops)
