"""Render the results database as a static, self-contained site that compares nights.

Pages: the overview (`index.html`) of the latest completed night; one page per run (its scenarios and what
changed since the night before); one page per scenario (its latest run step by step, a timeline of every
consent control over the nights, findings with the night each was first seen); per-run scenario pages for
the newest `DETAIL_NIGHTS` runs only (older nights live on in the timelines and run pages); and
`summary.json` for dashboards.

A render after one more night writes only what changed: `manifest.json` records, for every file, what it
was rendered from, and a file whose inputs did not change is left alone. Screenshots are hard-linked from
beside the database (copied where the file system cannot link).

Everything that came from a web page (labels, URLs, selectors, errors) is untrusted: the templates
autoescape it, wrap it in <bdi>, never mark it safe, and only ever link http(s) URLs.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import os
import re
import secrets
import shutil
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote, unquote

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape

from crawler import __version__, charts, diff, history
from crawler.errors import CrawlerError, OutputError, StoreError
from crawler.history import CELL_STATES, History, TrackedFinding
from crawler.queries import Results, Run, ScenarioRun
from crawler.results import Control, Finding, Observation, ScenarioResult
from crawler.rules import RULES as RULE_REGISTRY

KEEP_DAYS = 400
# Per-run scenario pages exist for this many newest runs; 365 nights x 200 scenarios would be 73,000 pages.
DETAIL_NIGHTS = 7
# Nights in each scenario's small history chart on the overview.
STRIP_NIGHTS = 60
RECENT_RUNS = 14
WINDOWS: tuple[tuple[str, int | None], ...] = (("30", 30), ("90", 90), ("365", 365), ("all", None))
DEFAULT_WINDOW = "90"
ASSETS = ("report.css", "report.js")
SEARCH_LABELS = 30
MANIFEST = "manifest.json"
SUMMARY = "summary.json"

RULES = {rule.id: rule.explanation for rule in RULE_REGISTRY.values()}
RULE_ORDER = list(RULE_REGISTRY)

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
class Outline:
    """The part of a step's screenshot around a control, with the control's box, in page CSS px."""

    image: Image
    width: float
    height: float
    view: str
    x: float
    y: float
    box_width: float
    box_height: float


@dataclass(frozen=True)
class FindingView:
    number: int
    finding: Finding
    explanation: str
    step: Observation | None
    control_anchor: str
    measures: list[Measure]
    outline: Outline | None
    screenshot: Image | None
    crop: Image | None
    first_seen: str
    first_seen_run: str


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
    control: Control
    in_frame: bool
    cells: list[Cell]


@dataclass(frozen=True)
class StepView:
    record: Observation
    screenshot: Image | None
    controls_seen: int


@dataclass(frozen=True)
class Detail:
    """One scenario of one run, step by step: what its detail page and its scenario page show."""

    run: Run
    scenario: ScenarioResult
    findings: list[FindingView]
    rows: list[Row]
    steps: list[StepView]
    error_screenshot: Image | None
    duration: str


@dataclass(frozen=True)
class OverviewRow:
    scenario: ScenarioRun
    new: int
    open: int
    strip: charts.Strip
    search: str


def render(db_path: str | Path, out_dir: str | Path, keep_days: int | None = KEEP_DAYS) -> Path:
    """Bring the site in `out_dir` up to date with `db_path`; return out_dir/index.html.

    Runs that started more than `keep_days` before the newest one are first deleted from the database and
    the site (None keeps everything).
    """
    db = Path(db_path)
    out = Path(out_dir)
    try:
        if keep_days is not None:
            history.prune(db, keep_days)
        with Results(db) as results:
            return _Site(results, out).render()
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{db}: cannot read the results database ({exc}).") from None
    except OSError as exc:
        raise CrawlerError(f"{out}: cannot write the report ({exc}).") from None


class _Site:
    def __init__(self, results: Results, out: Path) -> None:
        self.results = results
        self.out = out
        self.env = environment()
        self.publisher = _Publisher(results.path, out)
        self.runs = results.runs()
        self.history = History(results, self.runs)
        self.detail_runs = {run.id for run in self.runs[:DETAIL_NIGHTS]}
        self.latest = results.latest_scenario_runs()
        self.latest_ids = {scenario_run_id for scenario_run_id, _ in self.latest.values()}
        self.details: dict[int, tuple[Detail, str, list[str]]] = {}
        # Unguessable, so no page text can pose as it.
        self.root_marker = f"@root-{secrets.token_hex(8)}@/"

    def render(self) -> Path:
        self.out.mkdir(parents=True, exist_ok=True)
        for asset in ASSETS:
            content = resources.files("crawler").joinpath("templates", asset).read_bytes()
            sha = hashlib.sha256(content).hexdigest()
            self.publisher.write(f"assets/{asset}", {"asset": asset, "sha256": sha}, partial(bytes, content))
        by_run = self.results.fingerprints("run_id")
        for run in self.runs:
            self._run_pages(run, by_run.get(run.id))
        latest = self.latest
        by_scenario = self.results.fingerprints("name")
        runs_digest = [(run.id, run.status) for run in self.runs]
        for name, (scenario_run_id, run_id) in sorted(latest.items()):
            inputs: dict[str, Any] = {
                "scenario": name,
                "latest": scenario_run_id,
                "saved": by_scenario.get(name),
                "runs": _digest(runs_digest),
            }
            self.publisher.page(
                scenario_href(name),
                inputs,
                partial(self._scenario_page, name, scenario_run_id, run_id),
            )
        self.publisher.page(
            "runs/index.html",
            {"always": _now()},
            lambda: self._html("runs.html", "../", runs=self.run_rows),
        )
        summary = self._summary()
        self.publisher.write(SUMMARY, {"always": _now()}, lambda: _json_bytes(summary))
        index = self.publisher.page("index.html", {"always": _now()}, self._overview)
        self.publisher.finish()
        return index

    # -------------------------------------------------------------- pages

    def _html(self, template: str, root: str, **context: Any) -> bytes:
        html = self.env.get_template(template).render(root=root, version=__version__, **context)
        return html.encode("utf-8")

    def _run_pages(self, run: Run, saved: tuple[int, int, int, int] | None) -> None:
        previous = self.history.previous_complete(run)
        detailed = run.id in self.detail_runs
        inputs = {
            "run": [run.id, run.status, run.finished_at, run.scenario_count, run.finding_count],
            "saved": saved,
            "previous": previous.id if previous else None,
            "detailed": detailed,
        }
        self.publisher.page(run_href(run.id), inputs, lambda: self._run_page(run, previous, detailed))
        if not detailed:
            return
        for name, scenario_run_id in self.results.scenario_run_ids(run.id).items():
            self.publisher.page(
                detail_href(run.id, name),
                {"scenario_run": scenario_run_id, "saved": saved},
                partial(self._detail_page, run, scenario_run_id),
            )

    def _detail_page(self, run: Run, scenario_run_id: int) -> bytes:
        detail, html = self._detail_html(run, scenario_run_id)
        return self._html(
            "scenario_run.html", "../../", detail=detail, detail_html=self._rooted(html, "../../")
        )

    def _rooted(self, html: str, root: str) -> Markup:
        return Markup(html.replace(self.root_marker, root))  # our own autoescaped output

    def _detail_html(self, run: Run, scenario_run_id: int) -> tuple[Detail, str]:
        """The step-by-step part, rendered once for both pages that show it; links carry a marker for
        the way back to the report folder, which differs between the two."""
        found = self.details.get(scenario_run_id)
        if found is not None:
            self.publisher.uses.extend(found[2])
            return found[0], found[1]
        start = len(self.publisher.uses)
        detail = self._detail(run, scenario_run_id)
        html = self.env.get_template("detail.html").render(root=self.root_marker, detail=detail)
        if scenario_run_id in self.latest_ids:
            self.details[scenario_run_id] = (detail, html, self.publisher.uses[start:])
        return detail, html

    def _run_page(self, run: Run, previous: Run | None, detailed: bool) -> bytes:
        changes = diff.compare(self.results, self.history, previous, run) if previous else None
        scenarios = self.results.scenario_runs(run.id)
        return self._html(
            "run.html",
            "../",
            run=run,
            previous=previous,
            scenarios=scenarios,
            durations={s.id: _duration(s.result.started_at, s.result.finished_at) for s in scenarios},
            detailed=detailed,
            changes=changes,
        )

    def _scenario_page(self, name: str, scenario_run_id: int, run_id: str) -> bytes:
        run = self.history.by_id[run_id]
        detail, html = self._detail_html(run, scenario_run_id)
        self.details.pop(scenario_run_id, None)
        grid = history.timeline(self.results, self.history, name, self.history.oldest_first)
        return self._html(
            "scenario.html",
            "../",
            detail=detail,
            detail_html=self._rooted(html, "../"),
            timeline=grid,
            detailed=run.id in self.detail_runs,
            cell_states=CELL_STATES,
        )

    def _detail(self, run: Run, scenario_run_id: int) -> Detail:
        scenario = self.results.load_scenario(scenario_run_id)
        rows = _grid(scenario.steps, scenario.findings)
        anchors = {row.control.key: row.anchor for row in rows}
        by_index = {step.index: step for step in scenario.steps}
        views = []
        for number, finding in enumerate(scenario.findings, start=1):
            identity = (scenario.name, finding.rule, finding.control)
            first = self.history.first_seen(identity, run) if run.complete else None
            views.append(self._finding_view(number, finding, by_index, anchors, first))
        return Detail(
            run=run,
            scenario=scenario,
            findings=views,
            rows=rows,
            steps=[
                StepView(step, self.publisher.screenshot(step.screenshot), len(step.controls))
                for step in scenario.steps
            ],
            error_screenshot=self.publisher.screenshot(scenario.error_screenshot),
            duration=_duration(scenario.started_at, scenario.finished_at),
        )

    def _finding_view(
        self,
        number: int,
        finding: Finding,
        steps: dict[int, Observation],
        anchors: dict[str, str],
        first: Run | None,
    ) -> FindingView:
        evidence = finding.evidence
        shown_at = steps.get(int(evidence.get("step", finding.evidence_step or finding.step) or 0))
        screenshot = self.publisher.screenshot(str(evidence.get("screenshot") or ""))
        return FindingView(
            number=number,
            finding=finding,
            explanation=RULES.get(finding.rule, ""),
            step=steps.get(finding.step),
            control_anchor=anchors.get(finding.control, ""),
            measures=_measures(finding.measures),
            outline=_outline(screenshot, shown_at, evidence.get("box")),
            screenshot=screenshot,
            crop=self.publisher.screenshot(str(evidence.get("crop") or "")),
            first_seen=first.night if first else "",
            first_seen_run=first.id if first else "",
        )

    @functools.cached_property
    def run_rows(self) -> list[tuple[Run, int, int]]:
        """Every run with its counts of new and resolved findings (the overview and the runs list)."""
        return [(run, *self.history.counts(run)) for run in self.runs]

    def _overview(self) -> bytes:
        latest = self.history.latest_complete()
        newer = [run for run in self.runs if latest is None or run.started_at > latest.started_at]
        context: dict[str, Any] = {
            "latest": latest,
            "newer": newer,
            "recent": self.run_rows[:RECENT_RUNS],
            "total_runs": len(self.runs),
            "generated_at": datetime.now().astimezone().isoformat(timespec="seconds"),
        }
        if latest is None:
            return self._html("index.html", "", **context)
        changes = self.history.changes(latest)
        scenarios = self.results.scenario_runs(latest.id)
        nights = [(run.id, run.night) for run in self.history.nights()]
        counts = self.results.rule_counts_by_run()
        rules = [r for r in RULE_ORDER if any(r in c for c in counts.values())] + sorted(
            {r for c in counts.values() for r in c} - set(RULE_ORDER)
        )
        trends = [
            charts.trend(label, nights[-limit:] if limit else nights, counts, rules)
            for label, limit in WINDOWS
        ]
        context.update(
            changes=changes,
            scenarios=scenarios,
            rows=self._overview_rows(latest, scenarios, changes),
            trends=trends,
            default_window=DEFAULT_WINDOW,
            tags=sorted({tag for s in scenarios for tag in s.tags}),
            rule_ids=sorted({rule for s in scenarios for rule in s.rule_counts}),
            severities=sorted({sev for s in scenarios for sev in s.severities}),
            statuses=sorted({s.status for s in scenarios}),
            errored=sum(s.status == "error" for s in scenarios),
            with_findings=sum(bool(s.finding_count) for s in scenarios),
            strip_nights=STRIP_NIGHTS,
        )
        return self._html("index.html", "", **context)

    def _overview_rows(
        self, latest: Run, scenarios: Sequence[ScenarioRun], changes: history.Changes
    ) -> list[OverviewRow]:
        nights = self.history.nights(STRIP_NIGHTS)
        labels = self._consent_labels(latest)
        rows = []
        for scenario in scenarios:
            cells = [
                (
                    self.history.status_on(scenario.name, night.id),
                    self.history.finding_counts.get(scenario.name, {}).get(night.id, 0),
                )
                for night in nights
            ]
            words = [scenario.name, scenario.title, *labels.get(scenario.name, [])]
            words += [f.label for f in changes.open if f.scenario == scenario.name]
            rows.append(
                OverviewRow(
                    scenario=scenario,
                    new=sum(f.scenario == scenario.name for f in changes.new),
                    open=sum(f.scenario == scenario.name for f in changes.open),
                    strip=charts.strip(cells),
                    search=" ".join(dict.fromkeys(w[:80] for w in words if w)).casefold(),
                )
            )
        return rows

    def _consent_labels(self, run: Run) -> dict[str, list[str]]:
        steps = self.results.step_sets(run.id)
        states = self.results.consent_states(s.set_id for s in steps if s.set_id is not None)
        names = self.results.control_names(c for found in states.values() for c in found)
        labels: dict[str, list[str]] = {}
        for step in steps:
            found = labels.setdefault(step.scenario, [])
            for control_id in states.get(step.set_id or -1, {}):
                label = names[control_id][2]
                if label not in found and len(found) < SEARCH_LABELS:
                    found.append(label)
        return labels

    def _summary(self) -> dict[str, Any]:
        latest = self.history.latest_complete()
        if latest is None:
            return {
                "run": None,
                "counts": {},
                "new_findings": [],
                "resolved_findings": [],
                "open_findings": [],
            }
        changes = self.history.changes(latest)
        scenarios = self.results.scenario_runs(latest.id)
        return {
            "run": {
                "id": latest.id,
                "started_at": latest.started_at,
                "finished_at": latest.finished_at,
                "status": latest.status,
            },
            "previous_run": changes.previous.id if changes.previous else None,
            "counts": {
                "scenarios": len(scenarios),
                "errored": sum(s.status == "error" for s in scenarios),
                "with_findings": sum(bool(s.finding_count) for s in scenarios),
                "findings": sum(s.finding_count for s in scenarios),
                "new": len(changes.new),
                "resolved": len(changes.resolved),
                "open": len(changes.open),
            },
            "new_findings": [f.document() for f in changes.new],
            "resolved_findings": [f.document() for f in changes.resolved],
            "open_findings": [f.document(first_seen=True) for f in changes.open],
        }


class _Publisher:
    """Writes the site's files, skipping those whose inputs are unchanged, and removes what is no longer
    part of it. `manifest.json` maps each file to a digest of its inputs and the inputs themselves."""

    def __init__(self, db_path: Path, out: Path) -> None:
        self.out = out
        self.base = db_path.parent
        self.root_name = f"{db_path.stem}-screenshots"
        self.templates = _templates_digest()
        self.files: dict[str, dict[str, Any]] = {}
        self.before = _load_manifest(out / MANIFEST)
        self.written = 0
        self.uses: list[str] = []
        self.images: dict[str, Image] = {}

    def page(self, href: str, inputs: dict[str, Any], produce: Callable[[], bytes]) -> Path:
        return self.write(href, {**inputs, "templates": self.templates}, produce)

    def write(self, href: str, inputs: dict[str, Any], produce: Callable[[], bytes]) -> Path:
        path = self.out / href
        digest = _digest(inputs)
        before = self.before.get(href, {})
        if before.get("digest") == digest and path.is_file():
            self.files[href] = before
            for used in before.get("uses", []):
                self._keep(str(used))
            return path
        self.uses = []
        content = produce()
        self.files[href] = {"from": inputs, "digest": digest, "uses": list(dict.fromkeys(self.uses))}
        _write_if_changed(path, content)
        self.written += 1
        return path

    def _keep(self, href: str) -> None:
        """A screenshot an unchanged page shows: still part of the site."""
        entry = self.before.get(href)
        if entry and href not in self.files:
            self.files[href] = entry
            source = self.base / str(entry.get("from", {}).get("source", ""))
            if source.is_file():
                _link(source, self.out / href)

    def screenshot(self, stored: str | None) -> Image | None:
        if not stored:
            return None
        known = self.images.get(stored)
        if known is not None:
            if known.href:
                self.uses.append(unquote(known.href))
            return known
        image = self._publish(stored)
        self.images[stored] = image
        return image

    def _publish(self, stored: str) -> Image:
        relative = PurePosixPath(stored)
        source = self.base / relative
        # Paths come from the database, which is trusted to hold relative paths; refuse any other.
        if relative.is_absolute() or ".." in relative.parts or not source.is_file():
            return Image(href="", stored=stored)
        parts = relative.parts[1:] if relative.parts[0] == self.root_name else relative.parts
        target = PurePosixPath("screenshots", *parts).as_posix()
        self.uses.append(target)
        if target not in self.files:
            stat = source.stat()
            inputs = {"source": stored, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
            self.files[target] = {"from": inputs, "digest": _digest(inputs)}
            _link(source, self.out / target)
        return Image(href=quote(target), stored=stored)

    def finish(self) -> None:
        for href in sorted(set(self.before) - set(self.files)):
            path = self.out / href
            if path.is_file() and path.resolve().is_relative_to(self.out.resolve()):
                path.unlink()
                _remove_empty_parents(path.parent, self.out)
        manifest = {
            "format": 1,
            "crawler_version": __version__,
            "database": str(self.base),
            "rendered_at": _now(),
            "written": self.written,
            "files": self.files,
        }
        _write_if_changed(self.out / MANIFEST, _json_bytes(manifest))


def _link(source: Path, target: Path) -> None:
    """Hard-link the screenshot into the report (no copy, no extra disk); copy where links cannot go."""
    if target.is_file():
        have, want = target.stat(), source.stat()
        if have.st_ino == want.st_ino and have.st_dev == want.st_dev:
            return
        if have.st_size == want.st_size and have.st_mtime_ns == want.st_mtime_ns:
            return
        target.unlink()
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _remove_empty_parents(folder: Path, root: Path) -> None:
    while folder != root and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


def _load_manifest(path: Path) -> dict[str, dict[str, Any]]:
    try:
        files = json.loads(path.read_text(encoding="utf-8")).get("files", {})
    except (OSError, ValueError, AttributeError):
        return {}
    return files if isinstance(files, dict) else {}


def _templates_digest() -> str:
    hasher = hashlib.sha256(__version__.encode())
    folder = resources.files("crawler").joinpath("templates")
    for item in sorted(folder.iterdir(), key=lambda i: i.name):
        if item.is_file():
            hasher.update(item.name.encode())
            hasher.update(item.read_bytes())
    return hasher.hexdigest()[:16]


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()[:20]


def _json_bytes(value: Any) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _now() -> str:
    return datetime.now().astimezone().isoformat(timespec="microseconds")


# ------------------------------------------------------------------ templates


def environment() -> Environment:
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
    env.filters["state_words"] = diff.state_words
    env.filters["plural"] = _plural
    env.filters["bdi"] = bdi
    env.filters["time_tag"] = _time_tag
    env.tests["http_url"] = is_http_url
    env.globals.update(
        run_href=run_href,
        detail_href=detail_href,
        scenario_href=scenario_href,
        rules=RULES,
        states=STATES,
        absent=ABSENT,
    )
    return env


def bdi(value: object, empty: str = "—") -> Markup:
    """Page text, escaped and isolated from the direction of the text around it (a right-to-left label
    cannot reorder the report's own words)."""
    if value is None or value == "":
        return Markup(escape(empty))
    return Markup("<bdi>%s</bdi>") % str(value)


def is_http_url(value: object) -> bool:
    return isinstance(value, str) and _HTTP_URL.fullmatch(value) is not None


# Page paths double as hrefs: _segment() only yields characters that need no URL escaping.
def run_href(run_id: str) -> str:
    return f"runs/{_segment(run_id)}.html"


def detail_href(run_id: str, name: str) -> str:
    return f"runs/{_segment(run_id)}/{_segment(name)}.html"


def scenario_href(name: str) -> str:
    return f"scenarios/{_segment(name)}.html"


@functools.cache
def _segment(value: str) -> str:
    """A file name for an id; odd ids get a hash so they can neither collide nor leave out_dir."""
    if _SAFE_SEGMENT.fullmatch(value) and value not in ("index",):
        return value
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", value).strip(".-")[:60] or "id"
    return f"{cleaned}-{hashlib.sha256(value.encode()).hexdigest()[:10]}"


# ------------------------------------------------------------------ one scenario, step by step


def _grid(steps: Sequence[Observation], findings: Sequence[Finding]) -> list[Row]:
    """One row per control (in order of first appearance), one cell per step."""
    first: dict[str, tuple[Control, str]] = {}
    seen: dict[str, dict[int, Control]] = {}
    for step in steps:
        for control in step.controls:
            first.setdefault(control.key, (control, step.url))
            seen.setdefault(control.key, {})[step.index] = control
    flagged: dict[tuple[str, int], list[int]] = {}
    for number, finding in enumerate(findings, start=1):
        flagged.setdefault((finding.control, finding.step), []).append(number)
    rows = []
    for number, (key, (control, url)) in enumerate(first.items()):
        cells = []
        last = ""
        for step in steps:
            marks = tuple(flagged.get((key, step.index), ()))
            found = seen[key].get(step.index)
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
                anchor=f"control-{number + 1}",
                control=control,
                in_frame=control.frame_url != url,
                cells=cells,
            )
        )
    return rows


def _outline(image: Image | None, step: Observation | None, box: Any) -> Outline | None:
    """The outline of a finding's control over its step's screenshot, framed around the control."""
    if (
        image is None
        or not image.href
        or step is None
        or not step.screenshot_size
        or not isinstance(box, dict)
    ):
        return None
    try:
        x, y, w, h = (float(box[k]) for k in ("x", "y", "width", "height"))
    except (KeyError, TypeError, ValueError):
        return None
    width, height = (float(v) for v in step.screenshot_size)
    top = max(0.0, min(y - 300.0, height - 900.0))
    view_height = min(height - top, 900.0)
    return Outline(image, width, height, f"0 {top:g} {width:g} {view_height:g}", x, y, w, h)


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


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _first_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[0] + (" …" if len(lines) > 1 else "") if lines else ""


def _parse_time(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _duration(started: str, finished: str) -> str:
    begin, end = _parse_time(started), _parse_time(finished)
    if begin is None or end is None or (begin.tzinfo is None) != (end.tzinfo is None):
        return ""
    return _ms((end - begin).total_seconds() * 1000)


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


def _time_tag(value: str) -> Markup:
    iso = _iso(value)
    if iso:
        return Markup('<time datetime="%s">%s</time>') % (iso, _when(value))
    return Markup(escape(value or "—"))


def _ms(value: float) -> str:
    return f"{value / 1000:.1f} s" if value >= 1000 else f"{value:.0f} ms"


def _write_if_changed(path: Path, content: bytes) -> None:
    # Unchanged pages keep their mtime, so nightly syncs of the report folder stay small.
    if path.is_file() and path.read_bytes() == content:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)


def diff_page(changes: diff.Diff) -> str:
    """A standalone page of one comparison (`crawler diff --html`): its stylesheet inline, allowed by hash."""
    css = resources.files("crawler").joinpath("templates", "report.css").read_text(encoding="utf-8")
    digest = hashlib.sha256(css.encode()).digest()
    return (
        environment()
        .get_template("diff.html")
        .render(
            root="",
            version=__version__,
            changes=changes,
            css=css,
            css_hash=base64.b64encode(digest).decode(),
        )
    )


def write_diff_page(changes: diff.Diff, path: str | Path) -> None:
    target = Path(path)
    try:
        _write_if_changed(target, diff_page(changes).encode("utf-8"))
    except OSError as exc:
        raise OutputError(f"cannot write the comparison page to {target} ({exc.strerror}).") from None


__all__ = ["DETAIL_NIGHTS", "KEEP_DAYS", "TrackedFinding", "diff_page", "render"]
