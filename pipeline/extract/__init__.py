"""Extraction runs: one catalogue endpoint at a time, from the Domino client into the warehouse."""

from pipeline.extract.engine import Extraction, days
from pipeline.extract.report import LoadReport

__all__ = ["Extraction", "LoadReport", "days"]
