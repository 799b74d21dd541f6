"""Shape a page kept as bytes straight into typed columns: the fast path for declarative endpoints.

How a page becomes columns:
- text (`str`) columns: polars reads the page's JSON array with a schema of just those fields (nested
  structs for dotted paths), in Rust and without the GIL;
- every other column (numbers, booleans, times, JSON) comes from one msgspec pass that decodes only the
  top-level fields those columns need (the rest of each record is skipped); a column whose values are all
  of one plain type (e.g. ints for epoch times) is built in one polars call (`exact_series`), any other
  goes through the very casters the records path uses (`cast_column`), so a value types, or fails,
  exactly as it would there;
- a `json` column whose path is a top-level field, and `_raw`, keep the bytes as sent.

Whenever something does not fit (a value that cannot be cast, a required value missing, a shape the
schema cannot read, a transform rejecting a record) `ColumnarPlan.shape` returns None and the caller shapes
that page on the records path (`shape_batch`), which names each reject's reason: the fast path never
decides a reject itself. One known difference: a number sent where text is expected lands as polars'
decimal text of it; for a non-integral float that text may differ from Python's `str()` (e.g. `1e-07`).
Another: an object sent with a key twice (never seen from Domino) reads the first on this path (polars)
and the last on the records path (orjson).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from itertools import compress
from operator import attrgetter
from typing import Any

import msgspec
import polars as pl

from pipeline.tables import Column, TableSpec
from pipeline.transform.casting import POLARS_TYPES, cast_column, exact_series
from pipeline.transform.derived import DERIVED_KEY
from pipeline.transform.moments import inside, inside_epoch_ms
from pipeline.transform.registry import get_transform
from pipeline.transform.shape import RAW_COLUMN, assemble, canonical_casing, frame_schema

UNSET = msgspec.UNSET
_DERIVED_PREFIX = DERIVED_KEY + "."


@dataclass
class PageColumns:
    """One page as the fast path reads it: polars' text fields, msgspec's decoded fields, records' bytes."""

    frame: pl.DataFrame
    rows: list[Any]
    raws: list[msgspec.Raw]
    attrs: Mapping[str, str]
    """Top-level field name → attribute of the msgspec row struct."""
    _texts: pl.Series | None = field(default=None, repr=False)

    def raw_texts(self) -> pl.Series:
        """Each record's bytes as sent, as text (`_raw`), decoded once per page and shared by its users."""
        if self._texts is None:
            self._texts = pl.Series(RAW_COLUMN, [bytes(r).decode() for r in self.raws], dtype=pl.Utf8)
        return self._texts

    def sent(self, key: str) -> list[Any]:
        """A top-level field's decoded values, `UNSET` where the record lacks the field."""
        return list(map(attrgetter(self.attrs[key]), self.rows))

    def values(self, key: str) -> list[Any]:
        """A top-level field's decoded values, None where absent (as `dict.get` reads them)."""
        return [None if v is UNSET else v for v in self.sent(key)]

    def keep(self, mask: list[bool] | pl.Series) -> PageColumns:
        """The records where `mask` holds (the page itself when it holds everywhere)."""
        series = mask if isinstance(mask, pl.Series) else pl.Series(mask, dtype=pl.Boolean)
        if series.len() != len(self.raws):
            raise ValueError(f"mask of {series.len()} values for {len(self.raws)} records")
        if series.all():
            return self
        flags = series.to_list()
        rows = list(compress(self.rows, flags)) if self.rows else self.rows
        raws = list(compress(self.raws, flags))
        return PageColumns(self.frame.filter(series), rows, raws, self.attrs)


Derive = Callable[[PageColumns, TableSpec, dict[str, Any]], dict[str, list[Any] | pl.Series] | None]
Explode = Callable[[PageColumns, pl.DataFrame, TableSpec, dict[str, Any]], pl.DataFrame | None]


@dataclass(frozen=True)
class Needs:
    """What a fast-path transform reads besides the spec's columns (top-level field → how)."""

    text: Mapping[str, pl.DataType] = field(default_factory=dict)
    """Fields polars reads with these dtypes (structs and lists of text)."""
    values: tuple[str, ...] = ()
    """Fields msgspec decodes into Python values."""
    nested: Mapping[str, Any] = field(default_factory=dict)
    """Fields msgspec decodes with these types (e.g. nested `msgspec.Raw` JSON leaves)."""


@dataclass(frozen=True)
class ColumnarTransform:
    """The fast path's counterpart of a record transform: `derive` gives the `_derived.*` values of a
    table (None: shape this page on the records path); `explode` gives a child table's typed rows."""

    needs: Needs
    derive: Derive | None = None
    explode: Explode | None = None
    transactional: Callable[[dict[str, Any]], Any] | None = None
    """Optional: the context object `derive` updates (e.g. the occurrence counter), with `begin`,
    `commit` and `rollback`, so a page that falls back after `derive` leaves it as it was."""


COLUMNAR: dict[str, ColumnarTransform] = {}
"""Fast-path transforms by record-transform name; registered by their modules (see `columnar_audit`)."""


def register(name: str, transform: ColumnarTransform) -> None:
    COLUMNAR[name] = transform


def _is_derived(column: Column) -> bool:
    return column.path.startswith(_DERIVED_PREFIX)


def _paths(column: Column) -> tuple[str, ...]:
    return (column.path, *column.alternatives)


class Unsupported(Exception):
    """The spec cannot be shaped on the fast path (its endpoint always takes the records path)."""


def _text_tree(columns: list[Column]) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for column in columns:
        for path in _paths(column):
            node = tree
            *parents, leaf = path.split(".")
            for part in parents:
                node = node.setdefault(part, {})
                if not isinstance(node, dict):
                    raise Unsupported(f"{path}: {part} is both text and an object")
            if isinstance(node.get(leaf), dict):
                raise Unsupported(f"{path}: {leaf} is both text and an object")
            node[leaf] = pl.Utf8()
    return tree


def _dtype(node: Any) -> pl.DataType:
    if isinstance(node, dict):
        return pl.Struct({key: _dtype(child) for key, child in node.items()})
    return node


@dataclass(frozen=True)
class ColumnarPlan:
    """How one table (and its child tables) is shaped from page bytes; built once per spec."""

    spec: TableSpec
    children: tuple[TableSpec, ...]
    schema: dict[str, pl.DataType]
    decoder: msgspec.json.Decoder | None
    attrs: dict[str, str]
    raw_json: frozenset[str]
    transform: ColumnarTransform | None
    child_transforms: tuple[ColumnarTransform, ...]
    fill_floats: bool

    def shape(
        self,
        items: msgspec.Raw | bytes,
        raws: list[msgspec.Raw],
        context: dict[str, Any],
        clip: tuple[str, Any, Any] | None = None,
    ) -> tuple[pl.DataFrame, list[pl.DataFrame]] | None:
        """Typed frames of the table and of each child table for one page (`items`: its JSON array of
        records, `raws`: each record's bytes), after dropping records outside `clip` = (column, start, end);
        None when the page must be shaped on the records path instead."""
        page = self._read(items, len(raws), raws)
        if page is None:
            return None
        if clip is not None:
            name, start, end = clip
            values = self._values(page, self.spec.column(name))
            mask = inside_epoch_ms(values, start, end)
            page = page.keep(inside(values, start, end) if mask is None else mask)
        columns = self._texts(page)
        for column in self.spec.columns:
            if _is_derived(column) or column.type == "str":
                continue
            series = self._column(page, column)
            if series is None:
                return None
            columns.append(series)
        if any(s is None for s in columns):
            return None
        transactional = self.transform.transactional if self.transform else None
        state = transactional(context) if transactional else None
        if state is not None:
            state.begin()
        try:
            shaped = self._finish(page, columns, context)
        except BaseException:
            if state is not None:
                state.rollback()
            raise
        if state is not None:
            (state.commit if shaped is not None else state.rollback)()
        return shaped

    def _finish(
        self, page: PageColumns, columns: list[pl.Series], context: dict[str, Any]
    ) -> tuple[pl.DataFrame, list[pl.DataFrame]] | None:
        spec = self.spec
        derived: dict[str, list[Any] | pl.Series] = {}
        if self.transform is not None and self.transform.derive is not None:
            result = self.transform.derive(page, spec, context)
            if result is None:
                return None
            derived = result
        typed = {s.name: s for s in columns}
        for column in spec.columns:
            if _is_derived(column):
                series = self._cast(column, derived.get(column.path.removeprefix(_DERIVED_PREFIX)), page)
                if series is None:
                    return None
                typed[column.name] = series
        table = pl.DataFrame([typed[c.name] for c in spec.columns])
        frame = assemble(table, page.raw_texts(), spec, context).select(list(frame_schema(spec)))
        children = []
        for child, transform in zip(self.children, self.child_transforms, strict=True):
            assert transform.explode is not None
            rows = transform.explode(page, frame, child, context)
            if rows is None:
                return None
            children.append(rows)
        return frame, children

    # --- reading ----------------------------------------------------------------------------------------

    def _read(self, items: msgspec.Raw | bytes, count: int, raws: list[msgspec.Raw]) -> PageColumns | None:
        try:
            frame = (
                pl.read_json(bytes(items), schema=self.schema) if self.schema else pl.DataFrame(height=count)
            )
            rows = self.decoder.decode(items) if self.decoder is not None else []
        except (msgspec.MsgspecError, pl.exceptions.PolarsError, ValueError, TypeError):
            return None
        if frame.height != count or (self.decoder is not None and len(rows) != count):
            return None
        return PageColumns(frame, rows, raws, self.attrs)

    def _values(self, page: PageColumns, column: Column) -> list[Any]:
        """The column's values as the records path sees them (`column_values` over decoded fields)."""
        values: list[Any] | None = None
        for path in _paths(column):
            first, *rest = path.split(".")
            found = page.values(first)
            for part in rest:
                found = [v.get(part) if type(v) is dict else None for v in found]
            if values is None:
                values = found
            elif any(v is None for v in values):
                values = [v if v is not None else f for v, f in zip(values, found, strict=True)]
            else:
                break
        assert values is not None
        return values

    def _texts(self, page: PageColumns) -> list[pl.Series | None]:
        """Every text column in one polars select."""
        texts = [c for c in self.spec.columns if c.type == "str" and not _is_derived(c)]
        if not texts:
            return []
        exprs = []
        for column in texts:
            paths = [_text_expr(path) for path in _paths(column)]
            exprs.append((paths[0] if len(paths) == 1 else pl.coalesce(paths)).alias(column.name))
        selected = page.frame.select(exprs)
        return [self._check(column, selected[column.name]) for column in texts]

    def _column(self, page: PageColumns, column: Column) -> pl.Series | None:
        if column.type == "json" and column.path in self.raw_json and not column.alternatives:
            return self._check(column, json_texts(column.name, page.sent(column.path)))
        return self._cast(column, self._values(page, column), page)

    def _cast(
        self, column: Column, values: list[Any] | pl.Series | None, page: PageColumns
    ) -> pl.Series | None:
        if values is None:
            values = [None] * len(page.raws)
        if isinstance(values, pl.Series):
            series = values.alias(column.name).cast(POLARS_TYPES[column.type])
        else:
            exact = exact_series(column.name, values, column.type)
            if exact is None:
                exact, failures = cast_column(column.name, values, column.type)
                if failures:
                    return None
            series = exact
        return self._check(column, series)

    def _check(self, column: Column, series: pl.Series) -> pl.Series | None:
        if column.enum:
            series = canonical_casing(series, column.enum)
        if column.required and series.null_count():
            return None
        if self.fill_floats and column.type == "float":
            series = series.fill_null(0.0)
        if column.default is not None:
            series = series.fill_null(column.default)
        return series


def _text_expr(path: str) -> pl.Expr:
    first, *rest = path.split(".")
    expr = pl.col(first)
    for part in rest:
        expr = expr.struct.field(part)
    return expr


def json_texts(name: str, raws: list[msgspec.Raw]) -> pl.Series:
    """JSON values as the text sent (null for an absent field or JSON null), decoded record by record in
    one comprehension and nulled in polars."""
    texts = pl.Series(name, [bytes(r).decode() for r in raws], dtype=pl.Utf8)
    return pl.select(pl.when(texts.is_in(("", "null")).not_()).then(texts).alias(name)).to_series()


def _top(path: str) -> str:
    return path.split(".", 1)[0]


@cache
def plan_for(spec: TableSpec, children: tuple[TableSpec, ...] = ()) -> ColumnarPlan | None:
    """The fast-path plan of `spec` (with its child tables), or None when it needs the records path:
    a transform without a fast-path form, or fields read both as text and as objects."""
    try:
        return _plan(spec, children)
    except Unsupported:
        return None


def _plan(spec: TableSpec, children: tuple[TableSpec, ...]) -> ColumnarPlan:
    transform = _columnar(spec.transform) if spec.transform else None
    if spec.transform and (transform is None or transform.derive is None):
        # e.g. strip_secrets: skipping a transform here would keep what it exists to remove
        raise Unsupported(f"{spec.transform} has no fast-path form")
    if transform is None and any(_is_derived(c) for c in spec.columns):
        raise Unsupported("derived columns without a transform")
    child_transforms = tuple(_columnar(c.transform) for c in children)
    if any(t is None or t.explode is None for t in child_transforms):
        raise Unsupported("a child table without a fast-path explode")
    own = [c for c in spec.columns if not _is_derived(c)]
    tree = _text_tree([c for c in own if c.type == "str"])
    needs = [t.needs for t in (transform, *child_transforms) if t is not None]
    schema = {key: _dtype(node) for key, node in tree.items()}
    for need in needs:
        for key, dtype in need.text.items():
            if key in schema and schema[key] != dtype:
                raise Unsupported(f"{key} is read as text in two shapes")
            schema[key] = dtype
    raw_json = {c.path for c in own if c.type == "json" and "." not in c.path and not c.alternatives}
    values = {_top(p) for c in own if c.type not in ("str",) for p in _paths(c)} - raw_json
    values |= {key for need in needs for key in need.values}
    raw_json -= values
    nested: dict[str, Any] = {}
    for need in needs:
        for key, kind in need.nested.items():
            if key in values or key in raw_json or nested.get(key, kind) != kind:
                raise Unsupported(f"{key} is decoded in two ways")
            nested[key] = kind
    fields: list[tuple[str, Any, Any]] = []
    attrs: dict[str, str] = {}
    for key in sorted(values | raw_json | set(nested)):
        attr = attrs[key] = f"f{len(attrs)}"
        if key in nested:
            fields.append((attr, nested[key], None))
        elif key in raw_json:
            fields.append((attr, msgspec.Raw, msgspec.Raw()))
        else:
            fields.append((attr, Any, UNSET))
    decoder = None
    if fields:
        row = msgspec.defstruct(f"{spec.name}_row", fields, rename=attrs and {a: k for k, a in attrs.items()})
        decoder = msgspec.json.Decoder(list[row])
    fill = bool(spec.transform and get_transform(spec.transform).fill_missing_floats)
    return ColumnarPlan(
        spec,
        children,
        schema,
        decoder,
        attrs,
        frozenset(raw_json),
        transform,
        child_transforms,
        fill,  # type: ignore[arg-type]
    )


def _columnar(name: str | None) -> ColumnarTransform | None:
    import pipeline.transform.columnar_audit  # each module registers its fast-path forms
    import pipeline.transform.columnar_cost  # noqa: F401

    return COLUMNAR.get(name) if name else None
