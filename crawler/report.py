"""Render the results database as a static, self-contained HTML report for a privacy team.

Everything that came from a web page (labels, URLs, selectors, errors) is untrusted: the templates
autoescape it, never mark it safe, and only ever link http(s) URLs.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, StrictUndefined

from crawler import __version__
from crawler.errors import CrawlerError, StoreError
from crawler.queries import ControlRecord, Results, Run, ScenarioRun, StepRecord
from crawler.results import Finding
from crawler.rules import RULES as RULE_REGISTRY

# Older runs collapse into one table row each, so the index stays quick to load after years of runs.
FULL_RUNS = 30
CSS = "report.css"

# What each rule means, for a reader who has not read the README.
RULES = {rule.id: rule.explanation for rule in RULE_REGISTRY.values()}

STATES: dict[bool | None, tuple[str, str]] = {
    True: ("checked", "☑"),
    False: ("unchecked", "☐"),
    None: ("mixed", "▣"),
}
ABSENT = ("absent", "—")

_SAFE_SEGMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
# The raw text must already be a plain http(s) URL: browsers drop tabs, newlines and leading
# control characters from href values, which would otherwise let "java\tscript:" through.
_HTTP_URL = re.compile(r"https?://[^\s\x00-\x1f\x7f]+", re.IGNORECASE)


@dataclass(frozen=True)
class Image:
    """A screenshot as published in the report; `href` is empty when the file is missing."""

    href: str
    stored: str


@dataclass(frozen=True)
class Measure:
    name: str
    value: str
    threshold: str
    verdict: str


@dataclass(frozen=True)
class FindingView:
    number: int
    finding: Finding
    explanation: str
    step: StepRecord | None
    control_anchor: str
    measures: list[Measure]
    screenshot: Image | None
    crop: Image | None


@dataclass(frozen=True)
class Cell:
    state: str
    symbol: str
    changed_from: str
    acted: bool
    visible: bool
    disabled: bool
    findings: tuple[int, ...]

    @property
    def present(self) -> bool:
        return self.state != ABSENT[0]


@dataclass(frozen=True)
class Row:
    anchor: str
    label: str
    nearby_text: str
    key: str
    kind: str
    consent: bool
    purposes: tuple[str, ...]
    frame_url: str
    in_main_page: bool
    shadow: bool
    shadow_mode: str
    selector: str
    cells: list[Cell]


@dataclass(frozen=True)
class StepView:
    record: StepRecord
    screenshot: Image | None
    controls_seen: int


def render(db_path: str | Path, out_dir: str | Path) -> Path:
    """Write the report for every run in `db_path` into `out_dir`; return out_dir/index.html."""
    db = Path(db_path)
    out = Path(out_dir)
    with Results(db) as results:
        try:
            return _Renderer(results, out).render()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{db}: cannot read the results database ({exc}).") from None
        except OSError as exc:
            raise CrawlerError(f"{out}: cannot write the report ({exc}).") from None


class _Renderer:
    def __init__(self, results: Results, out: Path) -> None:
        self.results = results
        self.out = out
        self.env = _environment()
        self.screenshots = _Screenshots(results.path, out)

    def render(self) -> Path:
        self.out.mkdir(parents=True, exist_ok=True)
        css = resources.files("crawler").joinpath("templates", CSS).read_bytes()
        _write_if_changed(self.out / "assets" / CSS, css)
        runs = self.results.runs()
        recent: list[tuple[Run, list[ScenarioRun]]] = []
        for number, run in enumerate(runs):
            scenarios = self.results.scenario_runs(run.id)
            if number < FULL_RUNS:
                recent.append((run, scenarios))
            self._page(run_href(run.id), "run.html", "../", run=run, scenarios=scenarios)
            for scenario in scenarios:
                self._scenario_page(run, scenario)
        latest = recent[0] if recent else None
        return self._page(
            "index.html",
            "index.html",
            "",
            latest=latest,
            latest_rules=_total_rules(latest[1]) if latest else {},
            recent=recent,
            older=runs[FULL_RUNS:],
            generated_at=datetime.now().astimezone().isoformat(timespec="seconds"),
        )

    def _scenario_page(self, run: Run, scenario: ScenarioRun) -> None:
        steps = self.results.steps(scenario.id)
        records = self.results.observations(scenario.id)
        findings = self.results.findings(scenario.id)
        rows = _grid(steps, records, findings)
        anchors = {row.key: row.anchor for row in rows}
        by_index = {step.index: step for step in steps}
        seen: dict[int, int] = {}
        for record in records:
            seen[record.step] = seen.get(record.step, 0) + 1
        self._page(
            scenario_href(run.id, scenario.name),
            "scenario.html",
            "../../",
            run=run,
            scenario=scenario,
            findings=[
                self._finding_view(number, finding, by_index, anchors)
                for number, finding in enumerate(findings, start=1)
            ],
            rows=rows,
            steps=[
                StepView(step, self.screenshots.publish(step.screenshot), seen.get(step.index, 0))
                for step in steps
            ],
        )

    def _finding_view(
        self, number: int, finding: Finding, steps: dict[int, StepRecord], anchors: dict[str, str]
    ) -> FindingView:
        return FindingView(
            number=number,
            finding=finding,
            explanation=RULES.get(finding.rule, ""),
            step=steps.get(finding.step),
            control_anchor=anchors.get(finding.control, ""),
            measures=_measures(finding.measures),
            screenshot=self.screenshots.publish(finding.evidence.get("screenshot", "")),
            crop=self.screenshots.publish(finding.evidence.get("crop", "")),
        )

    def _page(self, href: str, template: str, root: str, **context: Any) -> Path:
        html = self.env.get_template(template).render(root=root, version=__version__, **context)
        path = self.out / href
        _write_if_changed(path, html.encode("utf-8"))
        return path


class _Screenshots:
    """Copies screenshots the pages reference from beside the database into the report folder."""

    def __init__(self, db_path: Path, out: Path) -> None:
        self.base = db_path.parent
        self.root_name = f"{db_path.stem}-screenshots"
        self.out = out

    def publish(self, stored: str) -> Image | None:
        if not stored:
            return None
        relative = PurePosixPath(stored)
        source = self.base / relative
        # Paths come from the database, which is trusted to hold relative paths; refuse any other.
        if relative.is_absolute() or ".." in relative.parts or not source.is_file():
            return Image(href="", stored=stored)
        parts = relative.parts[1:] if relative.parts[0] == self.root_name else relative.parts
        target = PurePosixPath("screenshots", *parts)
        _copy_if_changed(source, self.out / target)
        return Image(href=quote(target.as_posix()), stored=stored)


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("crawler", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = _when
    env.filters["iso"] = _iso
    env.filters["ms"] = _ms
    env.filters["humanize"] = _humanize
    env.filters["first_line"] = _first_line
    env.tests["http_url"] = is_http_url
    env.globals.update(
        run_href=run_href,
        scenario_href=scenario_href,
        rules=RULES,
        states=STATES,
        absent=ABSENT,
    )
    return env


def is_http_url(value: object) -> bool:
    return isinstance(value, str) and _HTTP_URL.fullmatch(value) is not None


# Page paths double as hrefs: _segment() only yields characters that need no URL escaping.
def run_href(run_id: str) -> str:
    return f"runs/{_segment(run_id)}.html"


def scenario_href(run_id: str, name: str) -> str:
    return f"runs/{_segment(run_id)}/{_segment(name)}.html"


def _segment(value: str) -> str:
    """A file name for an id; odd ids get a hash so they can neither collide nor leave out_dir."""
    if _SAFE_SEGMENT.fullmatch(value):
        return value
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", value).strip(".-")[:60] or "id"
    return f"{cleaned}-{hashlib.sha256(value.encode()).hexdigest()[:10]}"


def _grid(steps: list[StepRecord], records: list[ControlRecord], findings: list[Finding]) -> list[Row]:
    """One row per control (in order of first appearance), one cell per step."""
    by_control: dict[int, dict[int, ControlRecord]] = {}
    for record in records:
        by_control.setdefault(record.control_id, {})[record.step] = record
    flagged: dict[tuple[str, int], list[int]] = {}
    for number, finding in enumerate(findings, start=1):
        flagged.setdefault((finding.control, finding.step), []).append(number)
    urls = {step.index: step.url for step in steps}
    rows = []
    for control_id, seen in by_control.items():
        observed = list(seen.values())
        first = observed[0]
        cells = []
        last = ""
        for step in steps:
            marks = tuple(flagged.get((first.key, step.index), ()))
            found = seen.get(step.index)
            if found is None:
                state, symbol = ABSENT
                cells.append(Cell(state, symbol, "", False, True, False, marks))
                continue
            state, symbol = STATES[found.checked]
            changed_from = last if last and last != state else ""
            last = state
            cells.append(Cell(state, symbol, changed_from, found.acted, found.visible, found.disabled, marks))
        rows.append(
            Row(
                anchor=f"control-{control_id}",
                label=next((r.label for r in observed if r.label), ""),
                nearby_text=next((r.nearby_text for r in observed if r.nearby_text), ""),
                key=first.key,
                kind=first.kind,
                consent=any(r.consent for r in observed),
                purposes=tuple(dict.fromkeys(p for r in observed for p in r.purposes)),
                frame_url=first.frame_url,
                in_main_page=first.frame_url in ("", urls.get(first.step)),
                shadow=first.shadow,
                shadow_mode=first.shadow_mode,
                selector=first.selector,
                cells=cells,
            )
        )
    return rows


def _total_rules(scenarios: Iterable[ScenarioRun]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for scenario in scenarios:
        for rule, count in scenario.rule_counts.items():
            totals[rule] = totals.get(rule, 0) + count
    return dict(sorted(totals.items(), key=lambda item: (-item[1], item[0])))


def _measures(raw: dict[str, Any]) -> list[Measure]:
    """Rules store either {measure: {"value", "threshold", "failed"}} or {measure: value}."""
    measures = []
    for name, value in raw.items():
        if isinstance(value, dict) and "value" in value:
            failed = value.get("failed")
            verdict = "" if failed is None else "fails" if failed else "passes"
            measures.append(Measure(name, _format(value["value"]), _format(value.get("threshold")), verdict))
        else:
            measures.append(Measure(name, _format(value), "", ""))
    return measures


def _format(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    if isinstance(value, list | tuple):
        return ", ".join(_format(item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def _humanize(name: str) -> str:
    return name.replace("_", " ").replace("-", " ")


def _first_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[0] + (" …" if len(lines) > 1 else "") if lines else ""


def _parse_time(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _iso(value: str) -> str:
    moment = _parse_time(value)
    return moment.isoformat() if moment else ""


def _when(value: str) -> str:
    moment = _parse_time(value)
    if moment is None:
        return value
    text = moment.strftime("%Y-%m-%d %H:%M:%S")
    offset = moment.utcoffset()
    if offset is None:
        return text
    return f"{text} UTC" if offset == timedelta(0) else f"{text} {moment.strftime('%z')}"


def _ms(value: float) -> str:
    return f"{value / 1000:.1f} s" if value >= 1000 else f"{value:.0f} ms"


def _write_if_changed(path: Path, content: bytes) -> None:
    # Unchanged pages keep their mtime, so nightly syncs of the report folder stay small.
    if path.is_file() and path.read_bytes() == content:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)


def _copy_if_changed(source: Path, target: Path) -> None:
    if target.is_file():
        have, want = target.stat(), source.stat()
        if have.st_size == want.st_size and have.st_mtime_ns == want.st_mtime_ns:
            return
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, target)
