"""Structural facts the inventory generates (creations, grants, tag assignments) for the audit trail."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class History:
    """Columns of inventory-driven events; indices point into the entity tables of `EntityTables`."""

    ts_ms: list[int] = field(default_factory=list)
    event: list[str] = field(default_factory=list)
    actor: list[int] = field(default_factory=list)
    project: list[int] = field(default_factory=list)
    target: list[int] = field(default_factory=list)
    aux: list[int] = field(default_factory=list)

    def add(self, ts_s: float, event: str, actor: int, project: int, target: int, aux: int = -1) -> None:
        self.ts_ms.append(int(ts_s * 1000))
        self.event.append(event)
        self.actor.append(actor)
        self.project.append(project)
        self.target.append(target)
        self.aux.append(aux)


@dataclass
class EntityTables:
    """(id, name) per entity kind, in index order, so audit columns can hold small integers."""

    tables: dict[str, tuple[list[str], list[str]]] = field(default_factory=dict)

    def set(self, kind: str, ids: list[str], names: list[str]) -> None:
        self.tables[kind] = (ids, names)

    def id(self, kind: str, i: int) -> str:
        return self.tables[kind][0][i]

    def name(self, kind: str, i: int) -> str:
        return self.tables[kind][1][i]
