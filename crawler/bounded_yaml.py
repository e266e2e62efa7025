"""Compose untrusted YAML into a node tree within limits, so hostile files fail fast instead of hanging.

PyYAML composes an alias as the very node it names, so the tree is a graph whose expansion can grow
exponentially with the file ("billion laughs"); every walker after the composer (the constructor, pydantic)
sees the expansion. Each node's expanded size and depth are known as soon as it is composed, so the limits
are enforced there, before anything walks the tree. libyaml parses when it is installed (PyYAML's wheels
bundle it): it is several times faster than the pure-Python parser on large files.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import Resolver
from yaml.scanner import Scanner

MAX_DEPTH = 64
# Far more values than any journey needs (1,000 steps take about 11,000), few enough to validate in a blink.
MAX_VALUES = 50_000


class LimitExceeded(yaml.YAMLError):
    """The document is nested too deeply or holds too many values; `line` is 1-based."""

    def __init__(self, message: str, mark: Any) -> None:
        super().__init__(message)
        self.line = mark.line + 1 if mark is not None else 1


def compose(text: str) -> yaml.Node | None:
    """The root node of the single document in `text`; raises LimitExceeded or a yaml.YAMLError."""
    loader: Any = _LibyamlLoader(text) if _LibyamlLoader is not None else _PythonLoader(text)
    try:
        return loader.get_single_node()  # type: ignore[no-any-return]
    except yaml.MarkedYAMLError as exc:
        if exc.problem and "maximum nesting depth" in exc.problem:  # libyaml's own limit, far above ours
            raise LimitExceeded(_TOO_DEEP, exc.problem_mark) from None
        raise
    finally:
        loader.dispose()


class _Constructor(SafeConstructor):
    """yaml.safe_load's values, except that dates stay text: pydantic then judges `2027-02-30` with a line
    number, where PyYAML would raise a bare ValueError."""

    def construct_yaml_timestamp(self, node: yaml.Node) -> Any:
        return self.construct_scalar(node)  # type: ignore[arg-type]


_Constructor.add_constructor(  # type: ignore[type-var]
    "tag:yaml.org,2002:timestamp", _Constructor.construct_yaml_timestamp
)


def construct(node: yaml.Node) -> Any:
    """Python values of a composed (and possibly edited) node tree."""
    return _Constructor().construct_document(node)


def problem(file: Path | str, exc: yaml.YAMLError) -> str:
    """A YAML error as `FILE:LINE: message`."""
    if isinstance(exc, LimitExceeded):
        return f"{file}:{exc.line}: {exc}"
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        return f"{file}:{line}: YAML does not parse: {exc.problem or exc.context}"
    return f"{file}:1: YAML does not parse: {exc}"


def duplicate_keys(node: yaml.Node, seen: set[int] | None = None) -> Iterable[yaml.Node]:
    """Key nodes given twice in one mapping; each aliased node is checked once, where it was written."""
    seen = set() if seen is None else seen
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        keys: set[str] = set()
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                if key.value in keys:
                    yield key
                keys.add(key.value)
            yield from duplicate_keys(value, seen)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from duplicate_keys(item, seen)


def locate(node: yaml.Node, loc: Sequence[int | str]) -> tuple[int, list[int | str], yaml.Node]:
    """Follow a pydantic error location through the YAML tree; parts that name no YAML key are union tags.

    Returns the 1-based line, the path of keys and indexes that exist, and the node found.
    """
    path: list[int | str] = []
    line_node = node
    for part in loc:
        if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = line_node = node.value[part]
            path.append(part)
        elif isinstance(node, yaml.MappingNode) and isinstance(part, str):
            match = next(((k, v) for k, v in node.value if k.value == part), None)
            if match is None:
                continue
            line_node, node = match[0], match[1]
            path.append(part)
    return line_node.start_mark.line + 1, path, node


def dotted(path: Sequence[int | str]) -> str:
    """`steps[2].fill.value` for a path of keys and indexes."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


_TOO_DEEP = f"nested more than {MAX_DEPTH} levels deep"
_TOO_MANY = (
    f"this document holds more than {MAX_VALUES:,} values, counting what its aliases repeat;"
    " a scenario needs far fewer"
)


class _Bounded(Composer, Resolver):
    def __init__(self) -> None:
        Composer.__init__(self)
        Resolver.__init__(self)
        self.depth = 0
        self.composed = 0
        self.expanded: dict[int, tuple[int, int]] = {}  # id(node) -> (values, levels) with aliases expanded

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        event: Any = self.peek_event()  # type: ignore[attr-defined]
        if isinstance(event, yaml.AliasEvent):
            target = self.anchors.get(event.anchor)
            if target is not None:
                if id(target) not in self.expanded:
                    raise LimitExceeded(
                        f"alias *{event.anchor} refers to a collection that contains it", event.start_mark
                    )
                _, levels = self.expanded[id(target)]
                _check_depth(self.depth + levels, event.start_mark)
            return super().compose_node(parent, index)
        self.depth += 1
        _check_depth(self.depth, event.start_mark)
        self.composed += 1
        if self.composed > MAX_VALUES:
            raise LimitExceeded(_TOO_MANY, event.start_mark)
        try:
            node = super().compose_node(parent, index)
        finally:
            self.depth -= 1
        if node is not None:
            self.expanded[id(node)] = self._measure(node, event.start_mark)
        return node

    def _measure(self, node: yaml.Node, start: Any) -> tuple[int, int]:
        if isinstance(node, yaml.MappingNode):
            children = [child for pair in node.value for child in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        else:
            return 1, 1
        sizes = [self.expanded[id(child)] for child in children]
        values = 1 + sum(size for size, _ in sizes)
        if values > MAX_VALUES:
            raise LimitExceeded(_TOO_MANY, start)
        return values, 1 + max((levels for _, levels in sizes), default=0)


def _check_depth(depth: int, mark: Any) -> None:
    if depth > MAX_DEPTH:
        raise LimitExceeded(_TOO_DEEP, mark)


class _PythonLoader(Reader, Scanner, Parser, _Bounded):
    def __init__(self, stream: str) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)
        _Bounded.__init__(self)

    def fetch_flow_collection_start(self, token_class: Any) -> None:
        # The scanner re-checks every open `[` or `{` per token, quadratic in the nesting: stop it early too.
        _check_depth(self.flow_level + 1, self.get_mark())
        super().fetch_flow_collection_start(token_class)


_LibyamlLoader: type[Any] | None
try:
    from yaml.cyaml import CParser  # type: ignore[attr-defined]

    class _CLoader(_Bounded, CParser):
        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            _Bounded.__init__(self)

    _LibyamlLoader = _CLoader
except ImportError:  # PyYAML built without libyaml
    _LibyamlLoader = None
