"""Counter-based hashing: every random draw is a pure function of (seed, stream, index).

splitmix64's finaliser is a bijection on 64-bit integers, so ids built from it can be inverted
back to their index (job ids are looked up without a million-entry dict).
"""

from __future__ import annotations

import zlib

import numpy as np

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_C1 = 0xBF58476D1CE4E5B9
_C2 = 0x94D049BB133111EB
_C1_INV = pow(_C1, -1, 2**64)
_C2_INV = pow(_C2, -1, 2**64)
_MASK = (1 << 64) - 1


def stream_id(name: str) -> int:
    """A stable 32-bit number for a named stream (crc32 is stable across runs, unlike hash())."""
    return zlib.crc32(name.encode())


def _finalise(x: np.ndarray) -> np.ndarray:
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(_C1)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(_C2)
    return x ^ (x >> np.uint64(31))


def hash_u64(seed: int, stream: str, index: np.ndarray | int) -> np.ndarray:
    """splitmix64 of (seed, stream, i), vectorised over i."""
    i = np.asarray(index, dtype=np.uint64)
    key = np.uint64(((seed & 0xFFFFFFFF) << 32 | stream_id(stream)) & _MASK)
    with np.errstate(over="ignore"):
        return _finalise(_finalise(key ^ _GOLDEN) + (i + np.uint64(1)) * _GOLDEN)


def uniform(seed: int, stream: str, index: np.ndarray | int) -> np.ndarray:
    """Floats in [0, 1) from the top 53 bits of the hash."""
    return (hash_u64(seed, stream, index) >> np.uint64(11)).astype(np.float64) / float(1 << 53)


def choice(seed: int, stream: str, index: np.ndarray | int, n: int) -> np.ndarray:
    """Integers in [0, n)."""
    return (uniform(seed, stream, index) * n).astype(np.int64)


def weighted_choice(seed: int, stream: str, index: np.ndarray | int, weights: np.ndarray) -> np.ndarray:
    """Integers in [0, len(weights)) drawn with the given (unnormalised) weights."""
    cdf = np.cumsum(np.asarray(weights, dtype=np.float64))
    cdf /= cdf[-1]
    return np.minimum(np.searchsorted(cdf, uniform(seed, stream, index), side="right"), len(cdf) - 1)


def _finalise_int(x: int) -> int:
    x ^= x >> 30
    x = (x * _C1) & _MASK
    x ^= x >> 27
    x = (x * _C2) & _MASK
    return x ^ (x >> 31)


def scalar_hash(seed: int, stream: str, index: int) -> int:
    """The same value as `hash_u64` for one index, without numpy's per-call overhead."""
    key = ((seed & 0xFFFFFFFF) << 32 | stream_id(stream)) & _MASK
    golden = int(_GOLDEN)
    return _finalise_int((_finalise_int(key ^ golden) + (index + 1) * golden) & _MASK)


def scalar_uniform(seed: int, stream: str, index: int) -> float:
    return (scalar_hash(seed, stream, index) >> 11) / float(1 << 53)


def scalar_choice(seed: int, stream: str, index: int, n: int) -> int:
    return int(scalar_uniform(seed, stream, index) * n)


def object_id(seed: int, kind: str, index: int, epoch_s: int) -> str:
    """A 24-hex ObjectId: 4-byte creation time (as MongoDB does) and 8 hashed bytes."""
    low = scalar_hash(seed, "oid:" + kind, index)
    return f"{epoch_s & 0xFFFFFFFF:08x}{low:016x}"


def _encode(key: int, tagged: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        return _finalise(tagged ^ np.uint64(key))


def _decode(key: int, x: int) -> int:
    x ^= (x >> 31) ^ (x >> 62)
    x = (x * _C2_INV) & _MASK
    x ^= (x >> 27) ^ (x >> 54)
    x = (x * _C1_INV) & _MASK
    x ^= (x >> 30) ^ (x >> 60)
    return x ^ key


class ReversibleIds:
    """Ids for a big generated collection: `index -> id` vectorised, `id -> index` by inversion."""

    def __init__(self, seed: int, kind: str) -> None:
        self._key = int(hash_u64(seed, "rid:" + kind, np.array([0]))[0]) & ~((1 << 40) - 1) & _MASK
        self._tag = stream_id(kind) & 0xFFFFFF

    def render(self, index: np.ndarray, epoch_s: np.ndarray) -> list[str]:
        tagged = (np.uint64(self._tag) << np.uint64(40)) | np.asarray(index, dtype=np.uint64)
        low = _encode(self._key, tagged)
        secs = np.asarray(epoch_s, dtype=np.int64) & 0xFFFFFFFF
        return [f"{int(s):08x}{int(v):016x}" for s, v in zip(secs, low, strict=True)]

    def index_of(self, object_id: str) -> int | None:
        """The index encoded in an id, or None when the id was not made by this generator."""
        if len(object_id) != 24:
            return None
        try:
            x = _decode(self._key, int(object_id[8:], 16))
        except ValueError:
            return None
        if x >> 40 != self._tag:
            return None
        return x & ((1 << 40) - 1)
