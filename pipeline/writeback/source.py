"""YAML that remembers where each value came from, so every config error can name its file and line.

PyYAML composes the document into nodes that carry marks; we build plain Python data from them and keep a
map from each value's path (`("projects", "rules", 2, "tag")`) to its 1-based line. Duplicate keys, which
PyYAML would silently collapse, are errors here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

Path_ = tuple[str | int, ...]


class ConfigError(ValueError):
    """One or more problems in a desired-state file; each message starts with `file:line:`."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


@dataclass
class Located:
    """Parsed YAML data plus the line of every mapping key and sequence item."""

    file: str
    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)

    def line(self, path: Sequence[str | int]) -> int:
        """The line of `path`, or of its nearest ancestor that has one (1 for the document)."""
        probe = tuple(path)
        while probe:
            if probe in self.lines:
                return self.lines[probe]
            probe = probe[:-1]
        return self.lines.get((), 1)

    def where(self, path: Sequence[str | int]) -> str:
        return f"{self.file}:{self.line(path)}"


class _Builder(yaml.SafeLoader):
    """Only for its scalar constructors (ints, floats, bools, nulls, as YAML 1.1 safe-loads them)."""


def _build(node: yaml.Node, path: Path_, lines: dict[Path_, int], builder: _Builder, file: str) -> Any:
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = builder.construct_object(key_node, deep=True)
            if not isinstance(key, str | int | bool | float) and key is not None:
                raise ConfigError([f"{file}:{key_node.start_mark.line + 1}: a key must be a plain value"])
            if key in result:
                raise ConfigError([f"{file}:{key_node.start_mark.line + 1}: duplicate key {key!r}"])
            child = (*path, key)
            lines[child] = key_node.start_mark.line + 1
            result[key] = _build(value_node, child, lines, builder, file)
        return result
    if isinstance(node, yaml.SequenceNode):
        items = []
        for index, item in enumerate(node.value):
            child = (*path, index)
            lines[child] = item.start_mark.line + 1
            items.append(_build(item, child, lines, builder, file))
        return items
    return builder.construct_object(node, deep=True)


def load_located(path: str | Path) -> Located:
    """Read a YAML file into `Located`; syntax errors become a `ConfigError` with the file and line."""
    file = str(path)
    try:
        text = Path(path).read_text()
    except OSError as exc:
        raise ConfigError([f"{file}: cannot read the file: {exc.strerror}"]) from None
    return parse_located(text, file)


def parse_located(text: str, file: str = "<string>") -> Located:
    builder = _Builder("")
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise ConfigError([f"{file}:{line}: invalid YAML: {exc.problem or exc}"]) from None
    if node is None:
        raise ConfigError([f"{file}:1: the file is empty"])
    lines: dict[Path_, int] = {(): node.start_mark.line + 1}
    try:
        data = _build(node, (), lines, builder, file)
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        raise ConfigError([f"{file}:{mark.line + 1 if mark else 1}: {exc.problem}"]) from None
    return Located(file, data, lines)
