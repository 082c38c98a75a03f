"""Read a YAML file into plain data while keeping where every value came from.

PyYAML's constructors drop the line numbers; the linter needs them for every message.
So the file is composed into nodes (with the C parser when PyYAML has it, 8x faster),
and the node tree is walked here: values become plain Python, their marks go to a
side table keyed by the value's path, e.g. ``("questions", 3, "choices", 1)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

try:  # the wheel ships libyaml; fall back quietly where it does not
    SAFE_LOADER: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on the PyYAML build
    SAFE_LOADER = yaml.SafeLoader

_STR = "tag:yaml.org,2002:str"
PathKey = tuple  # ("questions", 3, "prompt")
Mark = tuple[int, int]  # 1-based line and column


@dataclass
class DuplicateKey:
    path: PathKey  # path of the repeated key
    mark: Mark  # where it is repeated
    first: Mark  # where it first appeared


@dataclass
class Document:
    """One YAML file as data, with marks for every value and every mapping key."""

    path: str  # as the user should see it in messages
    data: Any = None
    marks: dict[PathKey, Mark] = field(default_factory=dict)
    key_marks: dict[PathKey, Mark] = field(default_factory=dict)
    duplicates: list[DuplicateKey] = field(default_factory=list)
    syntax_error: tuple[Mark, str] | None = None

    def mark(self, path: PathKey, *, key: bool = False) -> Mark:
        """Where the value (or key) at ``path`` is; the nearest parent's mark if it is absent."""
        table = self.key_marks if key else self.marks
        if path in table:
            return table[path]
        while path:
            path = path[:-1]
            if path in self.marks:
                return self.marks[path]
        return (1, 1)


def _mark(node: yaml.Node) -> Mark:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


class _Walker:
    def __init__(self, loader: Any, document: Document) -> None:
        self.loader = loader
        self.doc = document

    def walk(self, node: yaml.Node, path: PathKey) -> Any:
        self.doc.marks[path] = _mark(node)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.walk(child, path + (i,)) for i, child in enumerate(node.value)]
        if (
            node.tag == _STR
        ):  # most values: skip PyYAML's generic constructor (a third of lint time)
            return node.value
        return self.loader.construct_object(node)

    def _mapping(self, node: yaml.MappingNode, path: PathKey) -> dict:
        result: dict = {}
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                key = self.loader.construct_object(key_node)
            else:  # a list or mapping used as a key: keep it visible as text
                key = f"<{key_node.id} key>"
            key_path = path + (key,)
            if key in result:
                first = self.doc.key_marks[key_path]
                self.doc.duplicates.append(DuplicateKey(key_path, _mark(key_node), first))
                continue  # the first occurrence wins, as the message says
            self.doc.key_marks[key_path] = _mark(key_node)
            result[key] = self.walk(value_node, key_path)
        return result


def parse(text: str, path: str) -> Document:
    """Parse YAML text; a syntax error is recorded on the document, never raised."""
    document = Document(path=path)
    loader = SAFE_LOADER(text)
    try:
        root = loader.get_single_node()
        if root is not None:
            document.data = _Walker(loader, document).walk(root, ())
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        detail = exc.problem or exc.context or "unreadable YAML"
        if exc.context and exc.problem:
            started = exc.context_mark
            at = (
                f" started at line {started.line + 1}, column {started.column + 1}"
                if started
                else ""
            )
            detail = f"{exc.problem} ({exc.context}{at})"
        document.syntax_error = (where, f"YAML syntax error: {detail}")
    except yaml.YAMLError as exc:  # reader errors: bad bytes, control characters
        document.syntax_error = ((1, 1), f"YAML syntax error: {exc}")
    finally:
        loader.dispose()
    return document


def read(path: Path, shown_as: str | None = None) -> Document:
    """Read and parse one file; unreadable files become a syntax-error document."""
    shown = shown_as or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        document = Document(path=shown)
        document.syntax_error = ((1, 1), f"cannot read file: {exc}")
        return document
    return parse(text, shown)
