"""Load scenario YAML files and validate them, reporting every problem as `FILE:LINE: message`."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from crawler.errors import ScenarioError
from crawler.models import STEP_MODELS, Scenario, ScenarioFile

SUFFIXES = (".yaml", ".yml")


def load(paths: Sequence[str | Path]) -> list[ScenarioFile]:
    """Read every scenario under `paths` (files or folders); raise ScenarioError listing all problems."""
    problems: list[str] = []
    loaded: list[tuple[ScenarioFile, int]] = []
    for file in _scenario_files(paths, problems):
        result = _load_file(file, problems)
        if result is not None:
            loaded.append(result)
    _check_unique_names(loaded, problems)
    if problems:
        raise ScenarioError(problems)
    return [scenario for scenario, _ in loaded]


def _scenario_files(paths: Sequence[str | Path], problems: list[str]) -> list[Path]:
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.suffix in SUFFIXES and p.is_file())
            if not found:
                problems.append(f"{path}: no scenario files (*.yaml, *.yml) in this folder")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            problems.append(f"{path}: no such file or folder")
    return list(dict.fromkeys(files))


def _load_file(file: Path, problems: list[str]) -> tuple[ScenarioFile, int] | None:
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(f"{file}:1: cannot read the file ({exc})")
        return None
    try:
        node, data = _parse(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        problems.append(f"{file}:{line}: YAML does not parse: {exc.problem or exc.context}")
        return None
    except yaml.YAMLError as exc:
        problems.append(f"{file}:1: YAML does not parse: {exc}")
        return None
    if node is None or not isinstance(node, yaml.MappingNode):
        line = node.start_mark.line + 1 if node is not None else 1
        problems.append(f"{file}:{line}: a scenario file holds one mapping with at least `name:` and `url:`")
        return None
    duplicates = list(_duplicate_keys(node))
    for key_node in duplicates:
        problems.append(f"{file}:{key_node.start_mark.line + 1}: key '{key_node.value}' appears twice")
    if duplicates:
        return None
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        problems.extend(_describe(file, node, error) for error in exc.errors())
        return None
    name_line = _locate(node, ("name",))[0]
    return ScenarioFile(path=str(file), scenario=scenario), name_line


def _parse(text: str) -> tuple[yaml.Node | None, Any]:
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    return node, data


def _duplicate_keys(node: yaml.Node) -> Iterable[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                if key.value in seen:
                    yield key
                seen.add(key.value)
            yield from _duplicate_keys(value)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _duplicate_keys(item)


def _locate(node: yaml.Node, loc: Sequence[int | str]) -> tuple[int, list[int | str], yaml.Node]:
    """Follow a pydantic error location through the YAML tree; parts that name no YAML key are union tags."""
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


def _describe(file: Path, root: yaml.Node, error: Any) -> str:
    loc = _without_step_tags(tuple(error["loc"]))
    line, path, node = _locate(root, loc)
    where = _dotted(path)
    kind = error["type"]
    if kind == "missing":
        message = f"missing required key '{loc[-1]}'"
    elif kind == "extra_forbidden" and len(path) == 3 and path[-1] in STEP_MODELS:
        where = _dotted(path[:-1])
        message = f"a step has exactly one action, but '{path[-1]}' is a second one; split it"
    elif kind == "extra_forbidden":
        where = _dotted(path[:-1])
        message = f"unknown key '{path[-1] if path else loc[-1]}'" + _allowed_hint(path)
    elif kind == "string_pattern_mismatch" and path == ["name"]:
        message = "must be a slug of lowercase letters, digits and hyphens, e.g. 'annual-report-2017'"
    elif kind == "unknown_step":
        keys = [k.value for k, _ in node.value] if isinstance(node, yaml.MappingNode) else []
        message = _unknown_step_message(keys)
    else:
        message = error["msg"].removeprefix("Value error, ")
        if "input" in error and kind.endswith("_type"):
            message += f", got {error['input']!r}"
    prefix = f"{where}: " if where else ""
    return f"{file}:{line}: {prefix}{message}"


def _without_step_tags(loc: tuple[int | str, ...]) -> tuple[int | str, ...]:
    """Drop the discriminator tag pydantic inserts after `steps[i]`: it names the action, not a YAML key."""
    if len(loc) > 2 and loc[0] == "steps" and isinstance(loc[1], int):
        return loc[:2] + loc[3:]
    return loc


def _dotted(path: Sequence[int | str]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def _allowed_hint(path: Sequence[int | str]) -> str:
    model: type[BaseModel] | None = None
    if len(path) == 1:
        model = Scenario
    elif len(path) == 3 and path[0] == "steps":
        return "; a step has one action key plus optional `name` and `timeout_ms`"
    if model is None:
        return ""
    allowed = list(model.model_fields)
    close = difflib.get_close_matches(str(path[-1]), allowed, n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    return f"{hint} (allowed: {', '.join(allowed)})"


def _unknown_step_message(keys: Sequence[str]) -> str:
    actions = list(STEP_MODELS)
    if not keys:
        return f"a step is a mapping with one action: {', '.join(actions)}"
    unknown = [k for k in keys if k not in ("name", "timeout_ms")]
    guesses = [g for k in unknown for g in difflib.get_close_matches(str(k), actions, n=1)]
    hint = f"; did you mean '{guesses[0]}'?" if guesses else ""
    shown = ", ".join(repr(k) for k in unknown) or "no action"
    return f"unknown step {shown}{hint} (actions: {', '.join(actions)})"


def _check_unique_names(loaded: list[tuple[ScenarioFile, int]], problems: list[str]) -> None:
    first: dict[str, tuple[str, int]] = {}
    for item, line in loaded:
        name = item.scenario.name
        if name in first:
            other_file, other_line = first[name]
            problems.append(
                f"{item.path}:{line}: name '{name}' is already used by {other_file}:{other_line};"
                " scenario names must be unique"
            )
        else:
            first[name] = (item.path, line)
