"""Read a YAML file into plain Python values plus the line of every value.

PyYAML's `safe_load` forgets where things were; curators need `file:line`
in every problem report, so we compose the node tree ourselves and keep a
line per path. Scalars are still typed by PyYAML's YAML 1.1 resolver, so a
bare `no` arrives as `False`: the validator turns those surprises into
problems instead of silently accepting them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

# libyaml's parser when PyYAML was built with it: the knowledge loads several times faster.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

Path_ = tuple[Any, ...]
"""A path into the document: mapping keys and list indexes."""


@dataclass(frozen=True)
class Located:
    """A parsed document, with the 1-based line where each path starts."""

    data: Any
    lines: dict[Path_, int]

    def line(self, path: Path_) -> int | None:
        """The line of `path`, or of its nearest ancestor that has one."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get(())


class YamlProblem(Exception):
    """A file that is not valid YAML, or has a duplicate key; carries its line."""

    def __init__(self, reason: str, line: int | None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line


def read_located(path: Path) -> Located:
    """Parse one YAML file; raise YamlProblem with a line when it is broken."""
    try:
        text = path.read_text(encoding="utf-8")
        node = yaml.compose(text, Loader=_LOADER)
    except UnicodeDecodeError as exc:
        raise YamlProblem(f"not UTF-8 text ({exc.reason})", None) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        reason = " ".join(str(p) for p in (exc.context, exc.problem) if p)
        raise YamlProblem(f"invalid YAML: {reason}", mark.line + 1 if mark else None) from None
    except yaml.YAMLError as exc:
        raise YamlProblem(f"invalid YAML: {exc}", None) from None
    lines: dict[Path_, int] = {}
    if node is None:
        return Located(None, lines)
    constructor = yaml.SafeLoader("")
    return Located(_build(node, (), lines, constructor), lines)


def _build(node: yaml.Node, path: Path_, lines: dict[Path_, int], constructor: yaml.SafeLoader) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = constructor.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int, bool)):
                raise YamlProblem("a mapping key must be plain text", key_node.start_mark.line + 1)
            if key in result:
                # PyYAML silently keeps the last duplicate; a curator almost
                # certainly meant two different things.
                raise YamlProblem(f"duplicate key '{key}'", key_node.start_mark.line + 1)
            result[key] = _build(value_node, (*path, key), lines, constructor)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, (*path, i), lines, constructor) for i, item in enumerate(node.value)]
    return constructor.construct_object(node, deep=True)
