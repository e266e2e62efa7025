"""Read-side SQL for the report; store.py stays the only writer.

Each method answers one question with small frozen records, so later pages (trends over time) can
reuse them.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from crawler.errors import StoreError
from crawler.results import Finding, Gap
from crawler.store import SCHEMA_VERSION

TABLES = frozenset({"runs", "scenario_runs", "steps", "controls", "observations", "findings"})


@dataclass(frozen=True)
class Run:
    id: str
    started_at: str
    finished_at: str
    status: str
    base_url: str
    crawler_version: str
    scenario_count: int
    finding_count: int
    error_count: int

    @property
    def interrupted(self) -> bool:
        # finish_run() never ran, so the crawler stopped (crash, kill, power) before the end.
        return self.status == "running"


@dataclass(frozen=True)
class ScenarioRun:
    id: int
    run_id: str
    name: str
    title: str
    file: str
    tags: tuple[str, ...]
    status: str
    error: str
    started_at: str
    finished_at: str
    finding_count: int
    rule_counts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class StepRecord:
    index: int
    action: str
    name: str
    target: str
    url: str
    settle_ms: float
    settled: bool
    screenshot: str
    gaps: tuple[Gap, ...]


@dataclass(frozen=True)
class ControlRecord:
    """One control as observed at one step; `control_id` is stable for a scenario across runs."""

    step: int
    control_id: int
    key: str
    kind: str
    label: str
    nearby_text: str
    label_source: str
    checked: bool | None
    consent: bool
    purposes: tuple[str, ...]
    visible: bool
    disabled: bool
    acted: bool
    frame_url: str
    shadow: bool
    shadow_mode: str
    selector: str

    @property
    def shown_label(self) -> str:
        return self.label or self.nearby_text


class Results:
    """A read-only connection to a results database written by crawler.store.Store."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise StoreError(f"no results at {self.path}; run `crawler run` first")
        try:
            # Read-only: rendering must never create, migrate or lock out a crawl that is writing.
            self.db = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True)
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot open the results database ({exc}).") from None
        self.db.row_factory = sqlite3.Row
        try:
            self._check_schema()
        except BaseException:
            self.db.close()
            raise

    def _check_schema(self) -> None:
        not_ours = f"{self.path} is not a crawler results database; pass the file `crawler run` wrote"
        try:
            version = int(self.db.execute("PRAGMA user_version").fetchone()[0])
            names = {row[0] for row in self.db.execute("select name from sqlite_master")}
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{not_ours} ({exc}).") from None
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} was written by a newer crawler (schema {version}, this one knows "
                f"{SCHEMA_VERSION}). Upgrade the crawler to render it."
            )
        if version < 1 or not names >= TABLES:
            raise StoreError(f"{not_ours}.")
        if version < SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} was written by an older crawler (schema {version}). Bring it forward with "
                f"`crawler migrate --db {self.path}` (a backup is kept beside it)."
            )

    def __enter__(self) -> Results:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()

    def _rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        return self.db.execute(sql, params).fetchall()

    def runs(self, limit: int | None = None) -> list[Run]:
        """Newest first. Counts come from the saved scenarios, so interrupted runs count too."""
        return self._runs("", (-1 if limit is None else limit,))

    def run(self, run_id: str) -> Run | None:
        found = self._runs("where r.id = ?", (run_id, 1))
        return found[0] if found else None

    def _runs(self, where: str, params: tuple[Any, ...]) -> list[Run]:
        rows = self._rows(
            f"""
            select r.*, count(s.id) as saved_scenarios,
                   coalesce(sum(s.finding_count), 0) as saved_findings,
                   coalesce(sum(s.status = 'error'), 0) as saved_errors
            from runs r left join scenario_runs s on s.run_id = r.id
            {where}
            group by r.id
            order by r.started_at desc, r.rowid desc
            limit ?
            """,
            params,
        )
        return [_run(row) for row in rows]

    def scenario_runs(self, run_id: str) -> list[ScenarioRun]:
        rows = self._rows("select * from scenario_runs where run_id = ? order by id", (run_id,))
        counts = self._rule_counts(run_id)
        return [_scenario_run(row, counts.get(int(row["id"]), {})) for row in rows]

    def scenario_run(self, run_id: str, name: str) -> ScenarioRun | None:
        found = [s for s in self.scenario_runs(run_id) if s.name == name]
        return found[-1] if found else None

    def _rule_counts(self, run_id: str) -> dict[int, dict[str, int]]:
        rows = self._rows(
            """
            select f.scenario_run_id, f.rule, count(*) as n
            from findings f join scenario_runs s on s.id = f.scenario_run_id
            where s.run_id = ?
            group by f.scenario_run_id, f.rule
            order by f.scenario_run_id, f.rule
            """,
            (run_id,),
        )
        counts: dict[int, dict[str, int]] = {}
        for row in rows:
            counts.setdefault(int(row["scenario_run_id"]), {})[str(row["rule"])] = int(row["n"])
        return counts

    def steps(self, scenario_run_id: int) -> list[StepRecord]:
        rows = self._rows("select * from steps where scenario_run_id = ? order by idx", (scenario_run_id,))
        return [_step(row) for row in rows]

    def observations(self, scenario_run_id: int) -> list[ControlRecord]:
        """Every control at every step, in step order and then page order."""
        rows = self._rows(
            """
            select st.idx as step, o.*
            from observations o
            join steps st on st.id = o.step_id
            join controls c on c.id = o.control_id
            where st.scenario_run_id = ?
            order by st.idx, o.position
            """,
            (scenario_run_id,),
        )
        return [_control(row) for row in rows]

    def findings(self, scenario_run_id: int) -> list[Finding]:
        rows = self._rows(
            "select * from findings where scenario_run_id = ? order by step_idx, id",
            (scenario_run_id,),
        )
        return [_finding(row) for row in rows]


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _json(value: Any, default: Any) -> Any:
    try:
        loaded = json.loads(value) if value else default
    except ValueError:
        return default
    return loaded if isinstance(loaded, type(default)) else default


def _run(row: sqlite3.Row) -> Run:
    return Run(
        id=_text(row["id"]),
        started_at=_text(row["started_at"]),
        finished_at=_text(row["finished_at"]),
        status=_text(row["status"]),
        base_url=_text(row["base_url"]),
        crawler_version=_text(row["crawler_version"]),
        scenario_count=int(row["saved_scenarios"]),
        finding_count=int(row["saved_findings"]),
        error_count=int(row["saved_errors"]),
    )


def _scenario_run(row: sqlite3.Row, rule_counts: dict[str, int]) -> ScenarioRun:
    return ScenarioRun(
        id=int(row["id"]),
        run_id=_text(row["run_id"]),
        name=_text(row["name"]),
        title=_text(row["title"]),
        file=_text(row["file"]),
        tags=tuple(str(tag) for tag in _json(row["tags"], [])),
        status=_text(row["status"]),
        error=_text(row["error"]),
        started_at=_text(row["started_at"]),
        finished_at=_text(row["finished_at"]),
        finding_count=int(row["finding_count"] or 0),
        rule_counts=rule_counts,
    )


def _step(row: sqlite3.Row) -> StepRecord:
    gaps = tuple(
        Gap(
            reason=_text(gap.get("reason")),
            detail=_text(gap.get("detail")),
            frame_url=_text(gap.get("frame_url")),
        )
        for gap in _json(row["gaps"], [])
        if isinstance(gap, dict)
    )
    return StepRecord(
        index=int(row["idx"]),
        action=_text(row["action"]),
        name=_text(row["name"]),
        target=_text(row["target"]),
        url=_text(row["url"]),
        settle_ms=float(row["settle_ms"] or 0.0),
        settled=bool(row["settled"]),
        screenshot=_text(row["screenshot"]),
        gaps=gaps,
    )


def _control(row: sqlite3.Row) -> ControlRecord:
    checked = row["checked"]
    return ControlRecord(
        step=int(row["step"]),
        control_id=int(row["control_id"]),
        key=_text(row["key"]),
        kind=_text(row["kind"]),
        label=_text(row["label"]),
        nearby_text=_text(row["nearby_text"]),
        label_source=_text(row["label_source"]),
        checked=None if checked is None else bool(checked),
        consent=bool(row["consent"]),
        purposes=tuple(str(p) for p in _json(row["purposes"], [])),
        visible=bool(row["visible"]),
        disabled=bool(row["disabled"]),
        acted=bool(row["acted"]),
        frame_url=_text(row["frame_url"]),
        shadow=bool(row["shadow"]),
        shadow_mode=_text(row["shadow_mode"]),
        selector=_text(row["selector"]),
    )


def _finding(row: sqlite3.Row) -> Finding:
    return Finding(
        rule=_text(row["rule"]),
        severity=_text(row["severity"]),
        step=int(row["step_idx"]),
        control=_text(row["control_key"]),
        label=_text(row["label"]),
        detail=_text(row["detail"]),
        tags=tuple(str(tag) for tag in _json(row["tags"], [])),
        measures=_json(row["measures"], {}),
        frame_url=_text(row["frame_url"]),
        selector=_text(row["selector"]),
        evidence={str(k): str(v) for k, v in _json(row["evidence"], {}).items() if v},
    )
