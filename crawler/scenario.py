"""Load scenario YAML files and validate them, reporting every problem as `FILE:LINE: message`."""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from crawler import bounded_yaml
from crawler.errors import ScenarioError
from crawler.models import (
    STEP_MODELS,
    ControlExpectation,
    Expect,
    Scenario,
    ScenarioFile,
    Settle,
    Thresholds,
    Viewport,
)

SUFFIXES = (".yaml", ".yml")
MAX_FILE_BYTES = 1 << 20


def load(paths: Sequence[str | Path], *, allow_file_urls: bool = False) -> list[ScenarioFile]:
    """Read every scenario under `paths` (files or folders); raise ScenarioError listing all problems."""
    problems: list[str] = []
    loaded: list[tuple[ScenarioFile, int]] = []
    for file in _scenario_files(paths, problems):
        result = _load_file(file, problems, allow_file_urls)
        if result is not None:
            loaded.append(result)
    _check_unique_names(loaded, problems)
    if problems:
        raise ScenarioError(problems)
    return [scenario for scenario, _ in loaded]


def demo_scenarios() -> Path:
    """The demo journeys shipped inside the package (the repository's `scenarios/`)."""
    return Path(str(resources.files("crawler") / "demo_scenarios"))


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


def _load_file(file: Path, problems: list[str], allow_file_urls: bool) -> tuple[ScenarioFile, int] | None:
    text = _read(file, problems)
    if text is None:
        return None
    try:
        node = bounded_yaml.compose(text)
        if node is None or not isinstance(node, yaml.MappingNode):
            line = node.start_mark.line + 1 if node is not None else 1
            problems.append(
                f"{file}:{line}: a scenario file holds one mapping with at least `name:` and `url:`"
            )
            return None
        duplicates = list(bounded_yaml.duplicate_keys(node))
        for key_node in duplicates:
            problems.append(f"{file}:{key_node.start_mark.line + 1}: key '{key_node.value}' appears twice")
        reported = len(problems)
        secrets = _substitute_environment(node, file, problems)
        if duplicates or len(problems) > reported:
            return None
        data = bounded_yaml.construct(node)
    except yaml.YAMLError as exc:
        problems.append(bounded_yaml.problem(file, exc))
        return None
    context = {"base_dir": str(file.resolve().parent), "allow_file_urls": allow_file_urls}
    try:
        scenario = Scenario.model_validate(data, context=context)
    except ValidationError as exc:
        problems.extend(_describe(file, node, error) for error in exc.errors())
        return None
    loaded = ScenarioFile(
        path=str(file),
        scenario=scenario,
        secrets=secrets,
        step_lines=_step_lines(node),
        url_line=bounded_yaml.locate(node, ("url",))[0],
    )
    return loaded, bounded_yaml.locate(node, ("name",))[0]


def _read(file: Path, problems: list[str]) -> str | None:
    try:
        with file.open("rb") as stream:
            raw = stream.read(MAX_FILE_BYTES + 1)
        if len(raw) > MAX_FILE_BYTES:
            size = max(file.stat().st_size, len(raw))
            problems.append(
                f"{file}:1: the file has {size:,} bytes; a scenario file may have at most 1 MiB"
                f" ({MAX_FILE_BYTES:,} bytes)"
            )
            return None
        return raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(f"{file}:1: cannot read the file ({exc})")
        return None


_REFERENCE = re.compile(r"\$\$\{|\$\{([^}]*)(\}?)")
_VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_STRING_TAG = "tag:yaml.org,2002:str"


def _substitute_environment(root: yaml.Node, file: Path, problems: list[str]) -> tuple[str, ...]:
    """Replace `${NAME}` in string values with the environment's value (`$${` is a literal `${`).

    Returns the substituted values, longest first: they are secrets to mask wherever results are written.
    """
    secrets: set[str] = set()
    seen: set[int] = set()

    def expand(node: yaml.ScalarNode, path: list[int | str]) -> str:
        where = f"{file}:{node.start_mark.line + 1}: " + (f"{bounded_yaml.dotted(path)}: " if path else "")

        def replace(match: re.Match[str]) -> str:
            if match.group(0) == "$${":
                return "${"
            name, closed = match.group(1), match.group(2)
            if not closed or not _VARIABLE_NAME.fullmatch(name):
                problems.append(
                    f"{where}'{match.group(0)}' is not a variable reference; write ${{NAME}} with letters,"
                    " digits and _, or $${ for a literal ${"
                )
                return match.group(0)
            value = os.environ.get(name)
            if value is None:
                problems.append(f"{where}environment variable {name} is not set (used as ${{{name}}})")
                return match.group(0)
            if value:
                secrets.add(value)
            return value

        return _REFERENCE.sub(replace, node.value)

    def walk(node: yaml.Node, path: list[int | str]) -> None:
        if id(node) in seen:
            return
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                walk(value, [*path, key.value if isinstance(key, yaml.ScalarNode) else "?"])
        elif isinstance(node, yaml.SequenceNode):
            for position, item in enumerate(node.value):
                walk(item, [*path, position])
        elif isinstance(node, yaml.ScalarNode) and node.tag == _STRING_TAG and "$" in node.value:
            node.value = expand(node, path)

    walk(root, [])
    return tuple(sorted(secrets, key=lambda secret: (-len(secret), secret)))


def _step_lines(root: yaml.MappingNode) -> tuple[int, ...]:
    steps = next((value for key, value in root.value if key.value == "steps"), None)
    if not isinstance(steps, yaml.SequenceNode):
        return ()
    return tuple(item.start_mark.line + 1 for item in steps.value)


def _describe(file: Path, root: yaml.Node, error: Any) -> str:
    loc = _without_step_tags(tuple(error["loc"]))
    line, path, node = bounded_yaml.locate(root, loc)
    where = bounded_yaml.dotted(path)
    kind = error["type"]
    if kind == "missing":
        message = f"missing required key '{loc[-1]}'"
    elif kind == "extra_forbidden" and len(path) == 3 and path[-1] in STEP_MODELS:
        where = bounded_yaml.dotted(path[:-1])
        message = f"a step has exactly one action, but '{path[-1]}' is a second one; split it"
    elif kind == "extra_forbidden":
        where = bounded_yaml.dotted(path[:-1])
        message = f"unknown key '{path[-1] if path else loc[-1]}'" + _allowed_hint(path)
    elif kind == "string_pattern_mismatch" and path == ["name"]:
        message = "must be a slug of lowercase letters, digits and hyphens, e.g. 'annual-report-2017'"
    elif kind == "too_long" and path == ["steps"]:
        count = error.get("ctx", {}).get("actual_length")
        message = (
            f"a scenario has at most {error['ctx']['max_length']:,} steps"
            + (f", this one has {count:,}" if count is not None else "")
            + "; split the journey into several scenarios"
        )
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


# Which model a mapping at a path is, so an unknown key there can be answered with the allowed ones.
_MODELS_AT: dict[tuple[str, ...], type[BaseModel]] = {
    (): Scenario,
    ("viewport",): Viewport,
    ("settle",): Settle,
    ("thresholds",): Thresholds,
    ("expect",): Expect,
    ("expect", "controls", "[]"): ControlExpectation,
}


def _allowed_hint(path: Sequence[int | str]) -> str:
    if len(path) == 3 and path[0] == "steps":
        return "; a step has one action key plus optional `name` and `timeout_ms`"
    model = _MODELS_AT.get(tuple("[]" if isinstance(part, int) else part for part in path[:-1]))
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
