"""Records → typed polars frames (plus rejects), and the named record transforms of the catalogue.

Imports polars and orjson only: no HTTP, no DuckDB, no Dagster.
"""

from pipeline.transform.casting import POLARS_TYPES
from pipeline.transform.derived import DERIVED_KEY, REJECT_KEY
from pipeline.transform.registry import REGISTRY, Transform, explode, get_transform, runs_before_raw
from pipeline.transform.shape import (
    EXTRACTED_AT_COLUMN,
    PARTITION_COLUMN,
    PARTITION_DATE_KEY,
    RAW_COLUMN,
    RUN_ID_COLUMN,
    Reject,
    ShapedBatch,
    frame_schema,
    shape_batch,
    shape_children,
)

__all__ = [
    "DERIVED_KEY",
    "EXTRACTED_AT_COLUMN",
    "PARTITION_COLUMN",
    "PARTITION_DATE_KEY",
    "POLARS_TYPES",
    "RAW_COLUMN",
    "REGISTRY",
    "REJECT_KEY",
    "RUN_ID_COLUMN",
    "Reject",
    "ShapedBatch",
    "Transform",
    "explode",
    "frame_schema",
    "get_transform",
    "runs_before_raw",
    "shape_batch",
    "shape_children",
]
