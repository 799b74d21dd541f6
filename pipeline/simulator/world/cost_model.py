"""Allocation, summary and asset rows over a day range, plus the per-day truth."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from pipeline.simulator.world.cost import (
    DAY_S,
    IDLE,
    NODES,
    DayPieces,
    LabelSource,
    PieceCosts,
    TierPrices,
    _concat,
    _slice,
    idle_parts,
    label_values,
    normalise_label,
    price_pieces,
    rfc3339,
    split_into_days,
)

PARTS = ("cpu", "gpu", "ram", "pv", "network", "load_balancer", "shared")


def _r(x: float) -> float:
    return round(float(x), 5)


@dataclass
class CostModel:
    base: DayPieces
    prices: TierPrices
    labels: LabelSource
    origin_s: int
    history_days: int
    dynamic: DayPieces = field(default_factory=DayPieces.empty)

    def set_dynamic(self, wtype, project, user, tier, start_s, end_s) -> None:
        """Replace the table of executions added at run time (small; rebuilt on each write)."""
        self.dynamic = split_into_days(
            np.asarray(wtype, dtype=np.int64),
            np.asarray(project, dtype=np.int64),
            np.asarray(user, dtype=np.int64),
            np.asarray(tier, dtype=np.int64),
            np.asarray(start_s, dtype=np.int64),
            np.asarray(end_s, dtype=np.int64),
            self.origin_s,
        )

    def active_days(self, lo_day: int, hi_day: int) -> list[int]:
        """Days in [lo, hi) that the cluster existed: the history window plus days with runtime writes."""
        days = set(range(max(lo_day, 0), min(hi_day, self.history_days)))
        days.update(int(d) for d in np.unique(self.dynamic.day) if lo_day <= d < hi_day)
        return sorted(days)

    def _pieces(self, lo_day: int, hi_day: int) -> DayPieces:
        return _concat(_slice(self.base, lo_day, hi_day), _slice(self.dynamic, lo_day, hi_day))

    def day_range(self, start: datetime, end: datetime) -> tuple[int, int]:
        if end <= start:
            raise ValueError("cost window end must be after its start")
        lo = int((start.timestamp() - self.origin_s) // DAY_S)
        hi = int(-((self.origin_s - end.timestamp()) // DAY_S))
        return lo, hi

    def allocation(
        self, start: datetime, end: datetime, aggregate: list[str], accumulate: bool, summary: bool = False
    ) -> list[dict]:
        keys = [normalise_label(k) for k in aggregate if k.strip()] or ["cluster"]
        lo, hi = self.day_range(start, end)
        days = self.active_days(lo, hi)
        if not days:
            return []
        pieces = self._pieces(days[0], days[-1] + 1)
        costs = price_pieces(pieces, self.prices)
        codes, vocabs = [], []
        for key in keys:
            code, vocab = label_values(key, pieces, self.labels)
            codes.append(code)
            vocabs.append(vocab)
        step = np.zeros(pieces.day.size, dtype=np.int64) if accumulate else pieces.day - days[0]
        composite = step.copy()
        for code, vocab in zip(codes, vocabs, strict=True):
            composite = composite * max(len(vocab), 1) + code
        uniq, inverse = np.unique(composite, return_inverse=True)
        sums = {
            part: np.bincount(inverse, weights=getattr(costs, part), minlength=uniq.size) for part in PARTS
        }
        core_hours = np.bincount(inverse, weights=costs.core_hours, minlength=uniq.size)
        gpu_hours = np.bincount(inverse, weights=costs.gpu_hours, minlength=uniq.size)
        decoded = []
        rest = uniq.copy()
        for vocab in reversed(vocabs):
            decoded.append(rest % max(len(vocab), 1))
            rest = rest // max(len(vocab), 1)
        decoded.reverse()
        step_of_group = rest
        steps = (
            [(days[0], days[-1] + 1)] if accumulate else [(d, d + 1) for d in range(days[0], days[-1] + 1)]
        )
        active = set(days)
        rows_by_step: dict[int, list[dict]] = {}
        for g in range(uniq.size):
            s = int(step_of_group[g])
            name = "/".join(vocabs[k][int(decoded[k][g])] for k in range(len(keys)))
            parts = {part: float(sums[part][g]) for part in PARTS}
            rows_by_step.setdefault(s, []).append(
                self._row(name, steps[s], parts, float(core_hours[g]), float(gpu_hours[g]), summary)
            )
        out: list[dict] = []
        for s, (d0, d1) in enumerate(steps):
            if not any(d in active for d in range(d0, d1)):
                continue
            rows = sorted(rows_by_step.get(s, []), key=lambda r: r["name"])
            in_step = (pieces.day >= d0) & (pieces.day < d1)
            n_days = sum(1 for d in range(d0, d1) if d in active)
            cpu, gpu, ram = idle_parts(
                float(costs.cpu[in_step].sum()),
                float(costs.gpu[in_step].sum()),
                float(costs.ram[in_step].sum()),
                n_days,
            )
            idle = {
                "cpu": cpu,
                "gpu": gpu,
                "ram": ram,
                "pv": 0.0,
                "network": 0.0,
                "load_balancer": 0.0,
                "shared": 0.0,
            }
            out.extend(rows)
            out.append(self._row(IDLE, (d0, d1), idle, 0.0, 0.0, summary))
        return out

    def _row(
        self,
        name: str,
        days: tuple[int, int],
        parts: dict[str, float],
        core_hours: float,
        gpu_hours: float,
        summary: bool,
    ) -> dict:
        start_s, end_s = self.origin_s + days[0] * DAY_S, self.origin_s + days[1] * DAY_S
        hours = (end_s - start_s) / 3600
        window = {"start": rfc3339(start_s), "end": rfc3339(end_s), "minutes": (end_s - start_s) / 60}
        rounded = {part: _r(value) for part, value in parts.items()}
        total = _r(sum(rounded.values()))
        cores = core_hours / hours
        if summary:
            return {
                "name": name,
                "window": window,
                "cpuCoreRequestAverage": _r(cores),
                "cpuCoreUsageAverage": _r(cores * 0.4),
                "cpuCost": rounded["cpu"],
                "gpuCost": rounded["gpu"],
                "ramCost": rounded["ram"],
                "pvCost": rounded["pv"],
                "networkCost": rounded["network"],
                "loadBalancerCost": rounded["load_balancer"],
                "totalCost": total,
            }
        return {
            "name": name,
            "window": window,
            "cpuCores": _r(cores),
            "cpuCoreRequestAverage": _r(cores),
            "cpuCoreUsageAverage": _r(cores * 0.4),
            "cpuCoreHours": _r(core_hours),
            "cpuCost": rounded["cpu"],
            "cpuCostAdjustment": 0.0,
            "cpuEfficincy": 0.4 if core_hours else 0.0,
            "gpuCount": _r(gpu_hours / hours),
            "gpuHours": _r(gpu_hours),
            "gpuCost": rounded["gpu"],
            "gpuCostAdjustment": 0.0,
            "ramCost": rounded["ram"],
            "ramCostAdjustment": 0.0,
            "pvCost": rounded["pv"],
            "pvCostAdjustment": 0.0,
            "networkCost": rounded["network"],
            "networkCostAdjustment": 0.0,
            "loadBalancerCost": rounded["load_balancer"],
            "loadBalancerCostAdjustment": 0.0,
            "sharedCost": rounded["shared"],
            "discount": 0.0,
            "nodeType": "",
            "totalCost": total,
        }

    def day_totals(self, lo_day: int, hi_day: int) -> dict[int, dict[str, float]]:
        """Unrounded per-day sums of every part, idle included, over the active days."""
        days = self.active_days(lo_day, hi_day)
        if not days:
            return {}
        pieces = self._pieces(days[0], days[-1] + 1)
        costs: PieceCosts = price_pieces(pieces, self.prices)
        n = days[-1] + 1 - days[0]
        rel = pieces.day - days[0]
        sums = {part: np.bincount(rel, weights=getattr(costs, part), minlength=n) for part in PARTS}
        out = {}
        for d in days:
            k = d - days[0]
            day = {part: float(sums[part][k]) for part in PARTS}
            idle = idle_parts(day["cpu"], day["gpu"], day["ram"], 1)
            day["idle_cpu"], day["idle_gpu"], day["idle_ram"] = idle
            out[d] = day
        return out

    def assets(self, start: datetime, end: datetime, accumulate: bool) -> list[dict]:
        """One row per node per step; a step's node totals add up to its allocation totals (idle included)."""
        lo, hi = self.day_range(start, end)
        totals = self.day_totals(lo, hi)
        if not totals:
            return []
        days = sorted(totals)
        steps = [days] if accumulate else [[d] for d in days]
        out = []
        for group in steps:
            t = {k: sum(totals[d][k] for d in group) for k in totals[group[0]]}
            cpu, gpu, ram = t["cpu"] + t["idle_cpu"], t["gpu"] + t["idle_gpu"], t["ram"] + t["idle_ram"]
            other = t["pv"] + t["network"] + t["load_balancer"] + t["shared"]
            span = (group[0], group[-1] + 1)
            out.extend(self._node_rows(span, cpu, gpu, ram, other))
        return out

    def _node_rows(
        self, span: tuple[int, int], cpu: float, gpu: float, ram: float, other: float
    ) -> list[dict]:
        weights = np.array([1.0 + 0.25 * k for k in range(len(NODES))])
        gpu_weights = np.array(
            [w if is_gpu else 0.0 for w, (_, _, is_gpu) in zip(weights, NODES, strict=True)]
        )
        shares = {
            "cpu": _split(cpu, weights),
            "ram": _split(ram, weights),
            "gpu": _split(gpu, gpu_weights),
            "other": _split(other, weights),
        }
        start_s, end_s = self.origin_s + span[0] * DAY_S, self.origin_s + span[1] * DAY_S
        window = {"start": rfc3339(start_s), "end": rfc3339(end_s), "minutes": (end_s - start_s) / 60}
        rows = []
        for k, (node, pool, _) in enumerate(NODES):
            c, g, r, o = shares["cpu"][k], shares["gpu"][k], shares["ram"][k], shares["other"][k]
            rows.append(
                {
                    "name": node,
                    "type": "Node",
                    "window": window,
                    "cpuCost": c,
                    "gpuCost": g,
                    "ramCost": r,
                    "totalCost": _r(c + g + r + o),
                    "labels": {
                        "instance": node,
                        "job": "kubecost",
                        "label_dominodatalab_com_domino_node": "true",
                        "label_dominodatalab_com_node_pool": pool,
                    },
                    "properties": {
                        "category": "Compute",
                        "cluster": "domino-cluster",
                        "provider": "AWS",
                        "providerId": "i-0" + node.replace("ip-", "").replace("-", ""),
                        "service": "Kubernetes",
                    },
                }
            )
        return rows


def _split(total: float, weights: np.ndarray) -> list[float]:
    """Rounded shares that add up to the rounded total (the last share absorbs the remainder)."""
    if weights.sum() == 0:
        return [0.0] * len(weights)
    raw = total * weights / weights.sum()
    nonzero = [k for k in range(len(weights)) if weights[k] > 0]
    out = [_r(x) for x in raw]
    last = nonzero[-1]
    out[last] = _r(_r(total) - sum(out[k] for k in range(len(out)) if k != last))
    return out
