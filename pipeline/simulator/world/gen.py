"""The shared generator context: seeded draws, ids and timestamps for inventory records."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

import numpy as np

from pipeline.simulator.world import ids
from pipeline.simulator.world.scale import ScaleSpec

T = TypeVar("T")
DAY_S = 86_400


def iso(epoch_s: float) -> str:
    """ISO-8601 with milliseconds and a `Z`, as Domino's public API writes date-times."""
    dt = datetime.fromtimestamp(epoch_s, tz=UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


@dataclass
class Gen:
    """Everything an inventory builder needs to make deterministic records."""

    seed: int
    spec: ScaleSpec
    start_s: int
    end_s: int

    def u(self, stream: str, i: int) -> float:
        return ids.scalar_uniform(self.seed, stream, i)

    def n(self, stream: str, i: int, lo: int, hi: int) -> int:
        """An integer in [lo, hi]."""
        return lo + ids.scalar_choice(self.seed, stream, i, hi - lo + 1)

    def pick(self, stream: str, i: int, items: Sequence[T]) -> T:
        return items[ids.scalar_choice(self.seed, stream, i, len(items))]

    def sample(self, stream: str, i: int, items: Sequence[T], k: int) -> list[T]:
        """k distinct items, in a seeded order."""
        keys = ids.uniform(self.seed, f"{stream}:{i}", np.arange(len(items)))
        return [items[int(j)] for j in np.argsort(keys, kind="stable")[: min(k, len(items))]]

    def time_in(self, stream: str, i: int, lo_s: float, hi_s: float) -> int:
        return int(lo_s + self.u(stream, i) * max(hi_s - lo_s, 1))

    def early(self, stream: str, i: int) -> int:
        """A creation time in the first fifth of the history (things exist before they are used)."""
        return self.time_in(stream, i, self.start_s, self.start_s + (self.end_s - self.start_s) // 5)

    def oid(self, kind: str, i: int, at_s: int) -> str:
        return ids.object_id(self.seed, kind, i, at_s)

    def uuid(self, kind: str, i: int) -> str:
        h = (
            ids.object_id(self.seed, "uuid:" + kind, i, 0)[8:]
            + ids.object_id(self.seed, "uuid2:" + kind, i, 0)[8:]
        )
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"
