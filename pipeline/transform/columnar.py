"""Shape a page kept as bytes straight into typed columns: the fast path for declarative endpoints.

How a page becomes columns: one msgspec pass decodes, for every record, only the top-level fields the
table's columns and transforms read (the rest of each record is skipped, in C). A field read along
dotted paths (`actor.id`) is decoded into a struct of just those paths; a field read whole, into Python
values; a `json` column whose path is a top-level field, and `_raw`, keep the bytes as sent. Each column
is then built in one polars call when its values are all of one plain type (`exact_series`), else by the
very casters the records path uses (`cast_column`), so a value types, or fails, exactly as it would there.

Whenever something does not fit (a value that cannot be cast, a required value missing, a field whose
shape the struct cannot read, a transform rejecting a record) `ColumnarPlan.shape` returns None and the
caller shapes that page on the records path (`shape_batch`), which names each reject's reason: the fast
path never decides a reject itself.
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

from pipeline.tables import Column, ColumnType, TableSpec
from pipeline.transform.casting import POLARS_TYPES, cast_column, exact_series
from pipeline.transform.derived import DERIVED_KEY
from pipeline.transform.moments import inside, inside_epoch_ms
from pipeline.transform.registry import get_transform
from pipeline.transform.shape import RAW_COLUMN, assemble, canonical_casing, filled, frame_schema

_DERIVED_PREFIX = DERIVED_KEY + "."


@dataclass
class PageColumns:
    """One page as the fast path reads it: a decoded struct per record, and each record's bytes."""

    rows: list[Any]
    raws: list[msgspec.Raw]
    attrs: Mapping[str, str]
    """Top-level field name → attribute of the msgspec row struct."""
    parsers: Mapping[str, msgspec.json.Decoder] = field(default_factory=dict)
    """Top-level fields kept as bytes (`json` columns) that are also read typed: their decoders."""
    _texts: pl.Series | None = field(default=None, repr=False)
    _values: dict[str, list[Any]] = field(default_factory=dict, repr=False)

    def raw_texts(self) -> pl.Series:
        """Each record's bytes as sent, as text (`_raw`), decoded once per page and shared by its users."""
        if self._texts is None:
            self._texts = pl.Series(RAW_COLUMN, [bytes(r).decode() for r in self.raws], dtype=pl.Utf8)
        return self._texts

    def sent(self, key: str) -> list[Any]:
        """A top-level field as decoded: None where absent or null (an empty `msgspec.Raw` where a field kept
        as bytes is absent)."""
        return list(map(attrgetter(self.attrs[key]), self.rows))

    def values(self, key: str) -> list[Any]:
        """A top-level field's values, None where absent (as `dict.get` reads them), made once per page and
        shared by every column and transform reading the field (callers do not modify them); a field kept
        as bytes and also read typed is decoded from those bytes."""
        if key not in self._values:
            sent = self.sent(key)
            parser = self.parsers.get(key)
            self._values[key] = _parse(parser, sent) if parser else sent
        return self._values[key]

    def keep(self, mask: list[bool] | pl.Series) -> PageColumns:
        """The records where `mask` holds (the page itself when it holds everywhere)."""
        series = mask if isinstance(mask, pl.Series) else pl.Series(mask, dtype=pl.Boolean)
        if series.len() != len(self.raws):
            raise ValueError(f"mask of {series.len()} values for {len(self.raws)} records")
        if series.all():
            return self
        flags = series.to_list()
        rows = list(compress(self.rows, flags)) if self.rows else self.rows
        return PageColumns(rows, list(compress(self.raws, flags)), self.attrs, self.parsers)


def _parse(decoder: msgspec.json.Decoder, raws: list[Any]) -> list[Any]:
    """Typed values of fields kept as bytes (absent or null: None), decoded as one JSON array."""
    return decoder.decode(b"[" + b",".join(bytes(r) or b"null" for r in raws) + b"]")


Derive = Callable[[PageColumns, TableSpec, dict[str, Any]], dict[str, list[Any] | pl.Series] | None]
Explode = Callable[[PageColumns, pl.DataFrame, TableSpec, dict[str, Any]], pl.DataFrame | None]


@dataclass(frozen=True)
class Needs:
    """What a fast-path transform reads besides the spec's columns (top-level fields)."""

    values: tuple[str, ...] = ()
    """Fields decoded into Python values (as `dict.get` reads them)."""
    nested: Mapping[str, Any] = field(default_factory=dict)
    """Fields decoded with these msgspec types (e.g. structs of the few leaves a transform reads)."""


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


def typed_series(name: str, values: list[Any], column_type: ColumnType) -> pl.Series | None:
    """The column as the records path casts it, in one polars call when the values allow (None: a value
    does not cast, so the records path must name the reject)."""
    series = exact_series(name, values, column_type)
    if series is None:
        series, failures = cast_column(name, values, column_type)
        if failures:
            return None
    return series


@dataclass(frozen=True)
class Walk:
    """How one dotted path is read from a decoded top-level field."""

    top: str
    steps: tuple[str, ...]
    """Attributes of generated structs (`structs`), else keys of decoded objects."""
    structs: bool

    def __call__(self, page: PageColumns) -> list[Any]:
        found = page.values(self.top)
        for step in self.steps:
            if self.structs:
                get = attrgetter(step)
                found = [None if v is None else get(v) for v in found]
            else:
                found = [v.get(step) if type(v) is dict else None for v in found]
        return found


@dataclass(frozen=True)
class ColumnarPlan:
    """How one table (and its child tables) is shaped from page bytes; built once per spec."""

    spec: TableSpec
    children: tuple[TableSpec, ...]
    decoder: msgspec.json.Decoder | None
    attrs: dict[str, str]
    parsers: dict[str, msgspec.json.Decoder]
    walks: dict[str, Walk]
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
        page = self._read(items, raws)
        if page is None:
            return None
        try:
            return self._shape(page, context, clip)
        except msgspec.MsgspecError:  # a field kept as bytes whose typed reading does not decode
            return None

    def _shape(
        self, page: PageColumns, context: dict[str, Any], clip: tuple[str, Any, Any] | None
    ) -> tuple[pl.DataFrame, list[pl.DataFrame]] | None:
        if clip is not None:
            name, start, end = clip
            values = self._values(page, self.spec.column(name))
            mask = inside_epoch_ms(values, start, end)
            page = page.keep(inside(values, start, end) if mask is None else mask)
        columns = []
        for column in self.spec.columns:
            if _is_derived(column):
                continue
            series = self._column(page, column)
            if series is None:
                return None
            columns.append(series)
        transactional = self.transform.transactional if self.transform else None
        state = transactional(context) if transactional else None
        if state is not None:
            state.begin()
        shaped = None
        try:
            shaped = self._finish(page, columns, context)
        finally:
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

    def read_column(self, items: msgspec.Raw | bytes, raws: list[msgspec.Raw], name: str) -> list[Any] | None:
        """A column's values in a page of bytes as the records path reads them (before casting); None when
        the page does not decode."""
        page = self._read(items, raws)
        return None if page is None else self._values(page, self.spec.column(name))

    # --- reading ----------------------------------------------------------------------------------------

    def _read(self, items: msgspec.Raw | bytes, raws: list[msgspec.Raw]) -> PageColumns | None:
        if self.decoder is None:
            return PageColumns([], raws, self.attrs, self.parsers)
        try:
            rows = self.decoder.decode(items)
        except msgspec.MsgspecError:
            return None
        if len(rows) != len(raws):
            return None
        return PageColumns(rows, raws, self.attrs, self.parsers)

    def _values(self, page: PageColumns, column: Column) -> list[Any]:
        """The column's values as the records path sees them (`column_values`: first path with a value)."""
        values: list[Any] | None = None
        for path in _paths(column):
            found = self.walks[path](page)
            if values is None:
                values = found
            elif None in values:
                values = [v if v is not None else f for v, f in zip(values, found, strict=True)]
            else:
                break
        assert values is not None
        return values

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
            series: pl.Series | None = values.alias(column.name).cast(POLARS_TYPES[column.type])
        else:
            series = typed_series(column.name, values, column.type)
        return None if series is None else self._check(column, series)

    def _check(self, column: Column, series: pl.Series) -> pl.Series | None:
        if column.enum:
            series = canonical_casing(series, column.enum)
        if column.required and series.null_count():
            return None
        return filled(series, column, self.fill_floats)


_ABSENT = (b"", b"null")


def json_texts(name: str, raws: list[msgspec.Raw]) -> pl.Series:
    """JSON values as the text sent (null for an absent field or JSON null), in one pass."""
    return pl.Series(name, [None if (b := bytes(r)) in _ABSENT else b.decode() for r in raws], dtype=pl.Utf8)


@cache
def plan_for(spec: TableSpec, children: tuple[TableSpec, ...] = ()) -> ColumnarPlan | None:
    """The fast-path plan of `spec` (with its child tables), or None when it needs the records path:
    a transform without a fast-path form, or a field its transforms read in two different ways."""
    try:
        return _plan(spec, children)
    except Unsupported:
        return None


class _Conflict(Exception):
    """A path that is both a leaf and an object (`a` and `a.b`): the field is read as Python values."""


def _tree(paths: list[list[str]]) -> dict[str, Any]:
    """Nested dict of the steps below one top-level field (None marks a leaf)."""
    tree: dict[str, Any] = {}
    for steps in paths:
        node = tree
        *parents, leaf = steps
        for part in parents:
            node = node.setdefault(part, {})
            if node is None:
                raise _Conflict(part)
        if isinstance(node.get(leaf), dict):
            raise _Conflict(leaf)
        node[leaf] = None
    return tree


def _struct(name: str, tree: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """A msgspec struct type (`| None`) reading just `tree`'s paths (leaves as Python values), and the
    attribute of each step: `{key: (attr, child attrs)}`."""
    fields: list[tuple[str, Any, Any]] = []
    attrs: dict[str, Any] = {}
    for index, (key, child) in enumerate(sorted(tree.items())):
        attr = f"f{index}"
        if child is None:
            fields.append((attr, Any, None))
            attrs[key] = (attr, {})
        else:
            kind, inner = _struct(f"{name}_{index}", child)
            fields.append((attr, kind, None))
            attrs[key] = (attr, inner)
    kind = msgspec.defstruct(name, fields, rename={a: k for k, (a, _) in attrs.items()}, gc=False)
    return kind | None, attrs


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
    needs = [t.needs for t in (transform, *child_transforms) if t is not None]
    paths = sorted({p for c in own for p in _paths(c)})
    fields = _TopFields.of(spec.name, own, paths, needs)
    decoder, attrs, parsers = fields.decoding(spec.name)
    fill = bool(spec.transform and get_transform(spec.transform).fill_missing_floats)
    return ColumnarPlan(
        spec,
        children,
        decoder,
        attrs,
        parsers,
        {path: fields.walk(path) for path in paths},
        frozenset(fields.raw_json),
        transform,
        child_transforms,
        fill,  # type: ignore[arg-type]
    )


@dataclass
class _TopFields:
    """How each top-level field a plan reads is decoded: as Python values (`plain`), as the bytes sent
    (`raw_json`), as a struct of the dotted paths read below it (`structs`) or as a transform's type
    (`nested`); a field kept as bytes and also read typed is decoded twice (see `PageColumns.values`)."""

    plain: set[str]
    raw_json: set[str]
    structs: dict[str, tuple[Any, dict[str, Any]]]
    nested: dict[str, Any]

    @classmethod
    def of(cls, name: str, own: list[Column], paths: list[str], needs: list[Needs]) -> _TopFields:
        """`paths`: every path (and alternative) of the `own` columns."""
        raw_json = {c.path for c in own if c.type == "json" and "." not in c.path and not c.alternatives}
        plain = {p for p in paths if "." not in p and p not in raw_json} | {
            k for n in needs for k in n.values
        }
        dotted: dict[str, list[list[str]]] = {}
        for path in paths:
            if "." in path:
                top, *steps = path.split(".")
                dotted.setdefault(top, []).append(steps)
        nested: dict[str, Any] = {}
        for need in needs:
            for key, kind in need.nested.items():
                if key in plain or key in dotted or nested.get(key, kind) != kind:
                    raise Unsupported(f"{key} is decoded in two ways")
                nested[key] = kind
        raw_json -= plain
        structs: dict[str, tuple[Any, dict[str, Any]]] = {}
        for top, steps in dotted.items():
            if top in plain:
                continue
            try:
                structs[top] = _struct(f"{name}_{len(structs)}", _tree(steps))
            except _Conflict:
                plain.add(top)
                raw_json.discard(top)
        return cls(plain, raw_json, structs, nested)

    def decoding(self, name: str) -> tuple[msgspec.json.Decoder | None, dict[str, str], dict[str, Any]]:
        """The decoder of a page's records, each top-level field's attribute, and the typed decoders of
        fields kept as bytes."""
        typed = {**self.nested, **{top: kind for top, (kind, _) in self.structs.items()}}
        fields: list[tuple[str, Any, Any]] = []
        attrs: dict[str, str] = {}
        parsers: dict[str, msgspec.json.Decoder] = {}
        for key in sorted(self.plain | self.raw_json | set(typed)):
            attr = attrs[key] = f"f{len(attrs)}"
            if key in self.raw_json:
                fields.append((attr, msgspec.Raw, msgspec.Raw()))
                if key in typed:
                    parsers[key] = msgspec.json.Decoder(list[typed[key]])  # type: ignore[name-defined]
            elif key in typed:
                fields.append((attr, typed[key], None))
            else:
                fields.append((attr, Any, None))
        if not fields:
            return None, attrs, parsers
        row = msgspec.defstruct(f"{name}_row", fields, rename={a: k for k, a in attrs.items()}, gc=False)
        return msgspec.json.Decoder(list[row]), attrs, parsers  # type: ignore[valid-type]

    def walk(self, path: str) -> Walk:
        top, *steps = path.split(".")
        if top not in self.structs:
            return Walk(top, tuple(steps), False)
        attrs = self.structs[top][1]
        names = []
        for step in steps:
            attr, attrs = attrs[step]
            names.append(attr)
        return Walk(top, tuple(names), True)


def _columnar(name: str | None) -> ColumnarTransform | None:
    import pipeline.transform.columnar_audit  # each module registers its fast-path forms
    import pipeline.transform.columnar_cost  # noqa: F401

    return COLUMNAR.get(name) if name else None
