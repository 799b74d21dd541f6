"""Typed polars columns from lists of JSON values, reporting the values that do not fit.

Each caster tries polars' strict constructor first (the common, clean page costs one C call)
and only walks the values in Python when that fails, to name the offending rows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
import polars as pl

from pipeline.tables import ColumnType

UTC_DATETIME = pl.Datetime("us", "UTC")

POLARS_TYPES: dict[str, pl.DataType] = {
    "str": pl.Utf8(),
    "int": pl.Int64(),
    "float": pl.Float64(),
    "bool": pl.Boolean(),
    "timestamp": UTC_DATETIME,
    "timestamp_ms": UTC_DATETIME,
    "json": pl.Utf8(),
}
"""Polars dtype of each column type; `json` travels as JSON text and becomes DuckDB JSON on load."""

Failures = dict[int, str]
"""Row index → the source type name of a value that could not be cast."""

_ISO_FORMATS = ("%Y-%m-%dT%H:%M:%S%.f%#z", "%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f%#z", "%Y-%m-%d")
"""Offset-aware first (`Z`, `+00:00`, any fraction length); naive values are read as UTC."""


def _type_name(value: Any) -> str:
    return type(value).__name__


def _walk(values: list[Any], convert: Callable[[Any], Any]) -> tuple[list[Any], Failures]:
    """Convert value by value; `convert` raises ValueError/TypeError for a value that does not fit."""
    out: list[Any] = []
    failures: Failures = {}
    for index, value in enumerate(values):
        if value is None:
            out.append(None)
            continue
        try:
            out.append(convert(value))
        except (ValueError, TypeError, OverflowError):
            failures[index] = _type_name(value)
            out.append(None)
    return out, failures


def _to_str(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    raise TypeError


def _to_int(value: Any) -> int:
    if isinstance(value, bool):
        raise TypeError
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        return int(value.strip())
    raise TypeError


def _to_float(value: Any) -> float:
    if isinstance(value, bool):
        raise TypeError
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        return float(value.strip())
    raise TypeError


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise TypeError


def _strict_or_walk(
    name: str, values: list[Any], dtype: pl.DataType, convert: Callable[[Any], Any]
) -> tuple[pl.Series, Failures]:
    try:
        series = pl.Series(name, values, dtype=dtype, strict=True)
    except (TypeError, ValueError, OverflowError, pl.exceptions.PolarsError):
        converted, failures = _walk(values, convert)
        return pl.Series(name, converted, dtype=dtype), failures
    if dtype == pl.Int64 or dtype == pl.Float64:
        # polars' strict numeric constructor accepts Python bools; JSON true is not a number.
        failures = {i: "bool" for i, v in enumerate(values) if v is True or v is False}
        if failures:
            return series.scatter(list(failures), None), failures
    return series, {}


_TEXT_OR_NULL = frozenset({str, type(None)})


def _cast_timestamp(name: str, values: list[Any]) -> tuple[pl.Series, Failures]:
    failures: Failures = (
        {}
        if _TEXT_OR_NULL.issuperset(map(type, values))
        else {i: _type_name(v) for i, v in enumerate(values) if v is not None and not isinstance(v, str)}
    )
    texts = [None if i in failures else v for i, v in enumerate(values)] if failures else values
    raw = pl.Series(name, texts, dtype=pl.Utf8)
    first, *others = _ISO_FORMATS
    parsed = _read_iso(raw, first)
    for fmt in others:  # the first format that reads a value wins; a column is mostly one format
        if parsed.null_count() == raw.null_count():  # every text is read (polars keeps null counts)
            break
        parsed = parsed.fill_null(_read_iso(raw, fmt))
    if parsed.null_count() != raw.null_count():
        unparsed = (raw.is_not_null() & parsed.is_null()).arg_true().to_list()
        failures.update({i: "str (not ISO-8601)" for i in unparsed})
    return parsed, failures


def _read_iso(texts: pl.Series, fmt: str) -> pl.Series:
    return texts.str.to_datetime(fmt, time_unit="us", time_zone="UTC", strict=False, exact=True)


def _cast_timestamp_ms(name: str, values: list[Any]) -> tuple[pl.Series, Failures]:
    millis, failures = _strict_or_walk(name, values, pl.Int64(), _to_int)
    return pl.from_epoch(millis, time_unit="ms").dt.replace_time_zone("UTC").cast(UTC_DATETIME), failures


def _cast_moment(name: str, values: list[Any]) -> tuple[pl.Series, Failures]:
    """A timestamp sent either as ISO-8601 text or as epoch milliseconds (Domino uses both for one field)."""
    kinds = set(map(type, values))  # decoded JSON: exact types (a bool is not a number here)
    has_text, has_number = str in kinds, bool(kinds & {int, float})
    if not (has_text and has_number):
        return (_cast_timestamp if has_text or not has_number else _cast_timestamp_ms)(name, values)
    texts = [v if isinstance(v, str) else None for v in values]
    numbers = [int(v) if isinstance(v, int | float) and not isinstance(v, bool) else None for v in values]
    from_text, failures = _cast_timestamp(name, texts)
    from_number, _ = _cast_timestamp_ms(name, numbers)
    failures.update(
        {
            i: _type_name(v)
            for i, v in enumerate(values)
            if v is not None and texts[i] is None and numbers[i] is None
        }
    )
    return from_text.fill_null(from_number), failures


def _cast_json(name: str, values: list[Any]) -> tuple[pl.Series, Failures]:
    texts = [None if v is None else orjson.dumps(v).decode() for v in values]
    return pl.Series(name, texts, dtype=pl.Utf8), {}


_CASTERS: dict[str, Callable[[str, list[Any]], tuple[pl.Series, Failures]]] = {
    "str": lambda name, values: _strict_or_walk(name, values, pl.Utf8(), _to_str),
    "int": lambda name, values: _strict_or_walk(name, values, pl.Int64(), _to_int),
    "float": lambda name, values: _strict_or_walk(name, values, pl.Float64(), _to_float),
    "bool": lambda name, values: _strict_or_walk(name, values, pl.Boolean(), _to_bool),
    "timestamp": _cast_moment,
    "timestamp_ms": _cast_moment,
    "json": _cast_json,
}


def cast_column(name: str, values: list[Any], column_type: ColumnType) -> tuple[pl.Series, Failures]:
    """A typed series for `values` plus the rows whose value could not be cast (set to null)."""
    return _CASTERS[column_type](name, values)


_EXACT_TYPES: dict[str, frozenset[type]] = {
    "str": frozenset({str, type(None)}),
    "int": frozenset({int, type(None)}),
    "float": frozenset({float, type(None)}),
    "bool": frozenset({bool, type(None)}),
    "timestamp": frozenset({int, type(None)}),
    "timestamp_ms": frozenset({int, type(None)}),
}
"""Python types whose values `cast_column` types with polars' strict constructor alone (no walk, no text
parsing): for these a page's column can be built in one call, with the very same result."""


def exact_series(name: str, values: list[Any], column_type: ColumnType) -> pl.Series | None:
    """`cast_column`'s series when every value is of a type it casts without a failure or a conversion of
    its own (e.g. only ints for `timestamp_ms`), built in one polars call; None otherwise (then call
    `cast_column`, which also names the values that do not fit). Checking the types first replaces the
    casters' per-value scans (booleans hidden among numbers, text among epoch times)."""
    allowed = _EXACT_TYPES.get(column_type)
    if allowed is None or not allowed.issuperset(map(type, values)):
        return None
    dtype = pl.Int64() if column_type in ("timestamp", "timestamp_ms") else POLARS_TYPES[column_type]
    try:
        series = pl.Series(name, values, dtype=dtype, strict=True)
    except (TypeError, ValueError, OverflowError, pl.exceptions.PolarsError):
        return None  # e.g. an int beyond Int64: `cast_column` reports it
    if column_type in ("timestamp", "timestamp_ms"):
        return pl.from_epoch(series, time_unit="ms").dt.replace_time_zone("UTC").cast(UTC_DATETIME)
    return series
