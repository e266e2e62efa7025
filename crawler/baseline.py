"""A reviewed baseline file accepts known findings until a date: reported, but they no longer fail a run."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import AfterValidator, BeforeValidator, Field, ValidationError

from crawler import bounded_yaml
from crawler.errors import ScenarioError
from crawler.models import Slug, Strict
from crawler.results import Finding
from crawler.rules import RULES


def _known_rule(rule: str) -> str:
    if rule not in RULES:
        close = difflib.get_close_matches(rule, RULES, n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        raise ValueError(f"unknown rule '{rule}'; {hint}(rules: {', '.join(RULES)})")
    return rule


def _iso_date(value: Any) -> Any:
    """Only YYYY-MM-DD: pydantic would also read `20270331` as seconds since 1970."""
    if isinstance(value, date):
        return value
    if isinstance(value, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        try:
            return date.fromisoformat(value)
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a date in the calendar ({exc})") from None
    raise ValueError(f"must be a date written YYYY-MM-DD, e.g. 2027-03-31, got {value!r}")


def _said(text: str) -> str:
    if not text.strip():
        raise ValueError("must say why the finding is accepted, e.g. a sign-off reference")
    return text.strip()


class Acceptance(Strict):
    scenario: Slug
    rule: Annotated[str, AfterValidator(_known_rule)]
    label: str
    """Part of the finding's label, compared after NFKC normalisation and case folding."""
    reason: Annotated[str, AfterValidator(_said)]
    expires: Annotated[date, BeforeValidator(_iso_date)]
    """Accepted up to and including this day."""

    def matches(self, scenario: str, finding: Finding) -> bool:
        return (
            scenario == self.scenario
            and finding.rule == self.rule
            and normalise(self.label) in normalise(finding.label)
        )


class BaselineFile(Strict):
    accept: Annotated[list[Acceptance], BeforeValidator(lambda v: [] if v is None else v)] = Field(
        default_factory=list
    )


@dataclass(frozen=True)
class Baseline:
    path: str
    entries: tuple[Acceptance, ...] = ()
    lines: tuple[int, ...] = ()

    def active(self, today: date) -> list[Acceptance]:
        return [entry for entry in self.entries if today <= entry.expires]

    def expired(self, today: date) -> list[str]:
        """One `FILE:LINE: message` per entry past its date, for the command line to warn about."""
        return [
            f"{self.path}:{line}: the acceptance of {entry.rule} in {entry.scenario} "
            f"(label “{entry.label}”) expired on {entry.expires.isoformat()}; its findings count again. "
            "Review it and set a new `expires:`, or remove the entry"
            for entry, line in zip(self.entries, self.lines, strict=True)
            if today > entry.expires
        ]


def normalise(text: str) -> str:
    """Full-width and half-width forms, case and runs of white space do not matter when matching labels."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def load(path: str | Path) -> Baseline:
    """Read and validate a baseline file; raise ScenarioError with every problem as `FILE:LINE: message`."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([f"{file}:1: cannot read the baseline file ({exc})"]) from None
    try:
        node, data = _parse(text)
    except yaml.YAMLError as exc:
        raise ScenarioError([bounded_yaml.problem(file, exc)]) from None
    if node is None:
        return Baseline(path=str(file))
    if not isinstance(node, yaml.MappingNode):
        line = node.start_mark.line + 1
        raise ScenarioError([f"{file}:{line}: a baseline file holds one mapping with the key `accept:`"])
    twice = [
        f"{file}:{k.start_mark.line + 1}: key '{k.value}' appears twice"
        for k in bounded_yaml.duplicate_keys(node)
    ]
    if twice:
        raise ScenarioError(twice)
    try:
        parsed = BaselineFile.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError([_describe(file, node, error) for error in exc.errors()]) from None
    return Baseline(path=str(file), entries=tuple(parsed.accept), lines=tuple(_entry_lines(node)))


def apply(baseline: Baseline, scenario_name: str, findings: Iterable[Finding], today: date) -> list[Finding]:
    """The findings, those an unexpired entry matches marked accepted with the entry's reason."""
    active = baseline.active(today)
    return [_accepted(scenario_name, finding, active) for finding in findings]


def _accepted(scenario: str, finding: Finding, entries: Sequence[Acceptance]) -> Finding:
    if finding.accepted:
        return finding
    entry = next((e for e in entries if e.matches(scenario, finding)), None)
    return replace(finding, accepted=True, accepted_reason=entry.reason) if entry else finding


def _parse(text: str) -> tuple[yaml.Node | None, Any]:
    node = bounded_yaml.compose(text)
    return node, bounded_yaml.construct(node) if node is not None else None


def _entry_lines(root: yaml.MappingNode) -> list[int]:
    accept = next((value for key, value in root.value if key.value == "accept"), None)
    if not isinstance(accept, yaml.SequenceNode):
        return []
    return [item.start_mark.line + 1 for item in accept.value]


def _describe(file: Path, root: yaml.Node, error: Any) -> str:
    loc = tuple(error["loc"])
    line, path, _ = bounded_yaml.locate(root, loc)
    kind = error["type"]
    if kind == "missing":
        message = f"missing required key '{loc[-1]}'" + _HINTS.get(str(loc[-1]), "")
        where = bounded_yaml.dotted(path)
    elif kind == "string_pattern_mismatch":
        where = bounded_yaml.dotted(path)
        message = (
            "must be a scenario's `name:`, lowercase letters, digits and hyphens, e.g. annual-report-2017"
        )
    elif kind == "extra_forbidden":
        where = bounded_yaml.dotted(path[:-1])
        allowed = Acceptance.model_fields if len(loc) > 1 else BaselineFile.model_fields
        message = f"unknown key '{loc[-1]}' (allowed: {', '.join(allowed)})"
    else:
        where = bounded_yaml.dotted(path)
        message = error["msg"].removeprefix("Value error, ") + _HINTS.get(str(loc[-1]), "")
    return f"{file}:{line}: {where + ': ' if where else ''}{message}"


_HINTS = {
    "expires": "; the finding is accepted up to and including that day",
    "scenario": " (the scenario's `name:`, e.g. annual-report-2017)",
    "label": " (part of the finding's label; case and full-width forms do not matter)",
}
