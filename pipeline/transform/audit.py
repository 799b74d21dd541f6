"""Audit trail transforms: a stable event key, the project context, and the targets child table."""

from __future__ import annotations

import hashlib
from collections import Counter
from typing import Any

import orjson

from pipeline.transform.derived import DERIVED_KEY, derived, without_derived


def event_key(record: dict[str, Any]) -> str:
    """Hex sha1 of the key-sorted JSON of the event as sent: audit events carry no id of their own."""
    canonical = orjson.dumps(without_derived(record), option=orjson.OPT_SORT_KEYS)
    return hashlib.sha1(canonical).hexdigest()


OCCURRENCES_KEY = "audit_occurrences"
"""Context key of the window's `Occurrences` counter, shared by its pages (and by both shaping paths)."""


def occurrence_key(digest: str, occurrence: int) -> str:
    """The first occurrence keeps the bare hash; identical repeats (a double click) get `-1`, `-2`, ..."""
    return digest if occurrence == 0 else f"{digest}-{occurrence}"


class Occurrences:
    """How often each event hash was seen in one window, so identical events get `-1`, `-2`, ... suffixes.

    Held for a whole day of events, so it stays small: a set of 64-bit prefixes of the hashes (about 60
    bytes per event) plus a dict for the rare repeats. Two different events sharing a prefix would only give
    the second a suffix: its key still differs from the first's (their hashes differ) and is the same on
    every rerun, so keys stay unique and stable either way.
    """

    def __init__(self) -> None:
        self._once: set[int] = set()
        self._more: dict[int, int] = {}
        self._journal: list[int] | None = None

    def key(self, digest: str) -> str:
        """The key of the next event with this hex digest (counts it)."""
        prefix = int(digest[:16], 16)
        if self._journal is not None:
            self._journal.append(prefix)
        if prefix not in self._once:
            self._once.add(prefix)
            return digest
        occurrence = self._more.get(prefix, 1)
        self._more[prefix] = occurrence + 1
        return occurrence_key(digest, occurrence)

    def keys(self, digests: list[str], prefixes: list[int]) -> list[str]:
        """`key` of each digest in turn (`prefixes`: their first 16 hex digits as ints), as set operations:
        only digests seen before or repeated within the page are counted one by one, in order (a prefix's
        count depends on nothing but its own earlier occurrences)."""
        counts = Counter(prefixes)
        repeated = {p for p, n in counts.items() if n > 1} if len(counts) < len(prefixes) else set()
        repeated |= self._once.intersection(counts)
        plain = [p for p in prefixes if p not in repeated] if repeated else prefixes
        self._once.update(plain)
        if self._journal is not None:
            self._journal.extend(plain)
        if not repeated:
            return digests
        keys = list(digests)
        for index, prefix in enumerate(prefixes):
            if prefix in repeated:
                keys[index] = self.key(digests[index])
        return keys

    def begin(self) -> None:
        """Start counting a page that may still be abandoned (see `rollback`)."""
        self._journal = []

    def commit(self) -> None:
        self._journal = None

    def rollback(self) -> None:
        """Forget what was counted since `begin` (the page is shaped again on the records path)."""
        for prefix in reversed(self._journal or []):
            more = self._more.get(prefix)
            if more is None:
                self._once.discard(prefix)
            elif more == 2:
                del self._more[prefix]
            else:
                self._more[prefix] = more - 1
        self._journal = None


def audit_events(records: list[dict[str, Any]], context: dict[str, Any]) -> list[dict[str, Any]]:
    """Add `event_key`, `project_id`/`project_name` (when `in` is a project) and `target_count`.

    The key hashes the JSON `shape_batch` already holds for `_raw` when the context has it (the record's
    bytes as sent on the raw-page path, else canonical sorted-keys JSON), plus the occurrence number of
    identical events within the window (counted across its pages when the context carries an
    `Occurrences`), so two identical events stay two rows and a rerun gives the same keys.
    """
    canonical = context.get("raw_json")
    seen: Occurrences = context.get(OCCURRENCES_KEY) or Occurrences()
    for index, record in enumerate(records):
        digest = hashlib.sha1(canonical[index]).hexdigest() if canonical else event_key(record)
        values = derived(record)
        values["event_key"] = seen.key(digest)
        within = record.get("in")
        is_project = isinstance(within, dict) and within.get("entityType") == "project"
        values["project_id"] = within.get("id") if is_project else None
        values["project_name"] = within.get("name") if is_project else None
        targets = record.get("targets")
        values["target_count"] = len(targets) if isinstance(targets, list) else 0
    return records


_NO_CHANGE: dict[str, Any] = {}


def _target_rows(key: str, event_time: Any, target_index: int, target: Any) -> list[dict[str, Any]]:
    target = target if isinstance(target, dict) else {}
    entity = target.get("entity") if isinstance(target.get("entity"), dict) else {}
    changes = target.get("fieldChanges") if isinstance(target.get("fieldChanges"), list) else []
    base = {
        "event_key": key,
        "event_time": event_time,
        "target_index": target_index,
        "entity_type": entity.get("entityType"),
        "entity_id": entity.get("id"),
        "entity_name": entity.get("name"),
    }
    indexed = list(enumerate(changes)) or [(None, _NO_CHANGE)]
    rows = []
    for change_index, change in indexed:
        change = change if isinstance(change, dict) else {}
        rows.append(
            {
                **base,
                "change_index": change_index,
                "field_name": change.get("fieldName"),
                "field_type": change.get("fieldType"),
                "before": change.get("before"),
                "after": change.get("after"),
                "added": change.get("added"),
                "removed": change.get("removed"),
            }
        )
    return rows


def audit_event_targets(records: list[dict[str, Any]], context: dict[str, Any]) -> list[dict[str, Any]]:
    """One child row per (target, field change) of each event; a target without changes gives one row."""
    rows: list[dict[str, Any]] = []
    for record in records:
        key = (record.get(DERIVED_KEY) or {}).get("event_key") or event_key(record)
        targets = record.get("targets")
        for target_index, target in enumerate(targets if isinstance(targets, list) else []):
            rows.extend(_target_rows(key, record.get("timestamp"), target_index, target))
    return rows
