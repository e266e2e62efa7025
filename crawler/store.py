"""The only module that speaks SQL: schema, migrations, and writing each scenario in one transaction."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import sqlite_utils
from sqlite_utils.db import Table

from crawler import __version__
from crawler.errors import StoreError
from crawler.results import Control, Finding, Observation, RunResult, ScenarioResult, Status

SCHEMA_VERSION = 1


def _table(db: sqlite_utils.Database, name: str) -> Table:
    table = db[name]
    assert isinstance(table, Table), f"{name} is a view"
    return table


def _insert(db: sqlite_utils.Database, name: str, row: dict[str, Any]) -> int:
    last_pk = _table(db, name).insert(row).last_pk
    assert last_pk is not None
    return int(last_pk)


def _migrate_to_1(db: sqlite_utils.Database) -> None:
    _table(db, "runs").create(
        {
            "id": str,
            "started_at": str,
            "finished_at": str,
            "status": str,
            "base_url": str,
            "crawler_version": str,
            "scenario_count": int,
            "finding_count": int,
            "error_count": int,
        },
        pk="id",
    )
    _table(db, "scenario_runs").create(
        {
            "id": int,
            "run_id": str,
            "name": str,
            "title": str,
            "file": str,
            "tags": str,
            "status": str,
            "error": str,
            "started_at": str,
            "finished_at": str,
            "finding_count": int,
        },
        pk="id",
        foreign_keys=[("run_id", "runs", "id")],
    )
    _table(db, "steps").create(
        {
            "id": int,
            "scenario_run_id": int,
            "idx": int,
            "action": str,
            "name": str,
            "target": str,
            "url": str,
            "settle_ms": float,
            "settled": int,
            "screenshot": str,
            "gaps": str,
        },
        pk="id",
        foreign_keys=[("scenario_run_id", "scenario_runs", "id")],
    )
    _table(db, "controls").create(
        {
            "id": int,
            "scenario": str,
            "key": str,
            "kind": str,
            "label": str,
            "frame_url": str,
            "consent": int,
            "first_seen_run": str,
        },
        pk="id",
        foreign_keys=[("first_seen_run", "runs", "id")],
    )
    _table(db, "observations").create(
        {
            "step_id": int,
            "control_id": int,
            "checked": int,
            "consent": int,
            "refusal": int,
            "purposes": str,
            "visible": int,
            "disabled": int,
            "acted": int,
            "label": str,
            "label_source": str,
            "nearby_text": str,
            "context": str,
            "frame_url": str,
            "shadow": int,
            "shadow_mode": str,
            "selector": str,
            "x": float,
            "y": float,
            "width": float,
            "height": float,
            "in_viewport": int,
            "below_fold": float,
            "opacity": float,
            "covered": int,
            "font_size": float,
            "contrast": float,
            "label_opacity": float,
            "color": str,
            "background": str,
        },
        pk=("step_id", "control_id"),
        foreign_keys=[("step_id", "steps", "id"), ("control_id", "controls", "id")],
    )
    _table(db, "findings").create(
        {
            "id": int,
            "scenario_run_id": int,
            "step_idx": int,
            "control_id": int,
            "control_key": str,
            "rule": str,
            "severity": str,
            "label": str,
            "detail": str,
            "tags": str,
            "measures": str,
            "frame_url": str,
            "selector": str,
            "evidence": str,
        },
        pk="id",
        foreign_keys=[("scenario_run_id", "scenario_runs", "id"), ("control_id", "controls", "id")],
    )
    _table(db, "scenario_runs").create_index(["run_id"])
    _table(db, "scenario_runs").create_index(["name", "started_at"])
    _table(db, "steps").create_index(["scenario_run_id", "idx"], unique=True)
    _table(db, "controls").create_index(["scenario", "key"], unique=True)
    _table(db, "observations").create_index(["control_id"])
    _table(db, "findings").create_index(["scenario_run_id"])
    _table(db, "findings").create_index(["rule"])


MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [_migrate_to_1]


class Store:
    """A results database, with screenshots kept in a folder beside it."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite_utils.Database(self.path)
            self.db.execute("PRAGMA foreign_keys = ON")
            self.db.enable_wal()
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise StoreError(
                f"{self.path}: cannot use this file as the results database ({exc}). "
                "Pass another path with --db."
            ) from None
        except OSError as exc:
            raise StoreError(f"{self.path}: cannot create the results database ({exc}).") from None

    @property
    def screenshot_root(self) -> Path:
        return self.path.parent / f"{self.path.stem}-screenshots"

    def screenshot_dir(self, run_id: str, scenario: str) -> Path:
        return self.screenshot_root / run_id / scenario

    def relative(self, file: Path) -> str:
        return file.relative_to(self.path.parent).as_posix()

    def _migrate(self) -> None:
        version = int(self.db.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} was written by a newer crawler (schema {version}, this one knows "
                f"{SCHEMA_VERSION}). Upgrade the crawler or pass another --db."
            )
        for target in range(version + 1, SCHEMA_VERSION + 1):
            with self.db.atomic():
                MIGRATIONS[target - 1](self.db)
                self.db.execute(f"PRAGMA user_version = {target}")

    def begin_run(self, run: RunResult) -> None:
        with self.db.atomic():
            _table(self.db, "runs").insert(
                {
                    "id": run.id,
                    "started_at": run.started_at,
                    "status": run.status,
                    "base_url": run.base_url,
                    "crawler_version": __version__,
                    "scenario_count": 0,
                    "finding_count": 0,
                    "error_count": 0,
                }
            )

    def finish_run(self, run: RunResult) -> None:
        with self.db.atomic():
            _table(self.db, "runs").update(
                run.id,
                {
                    "finished_at": run.finished_at,
                    "status": run.status,
                    "scenario_count": len(run.scenarios),
                    "finding_count": sum(len(s.findings) for s in run.scenarios),
                    "error_count": sum(s.status == Status.ERROR for s in run.scenarios),
                },
            )

    def save_scenario(self, run_id: str, result: ScenarioResult) -> int:
        """Write one finished scenario, all or nothing."""
        with self.db.atomic():
            scenario_run_id = _insert(
                self.db,
                "scenario_runs",
                {
                    "run_id": run_id,
                    "name": result.name,
                    "title": result.title,
                    "file": result.file,
                    "tags": json.dumps(list(result.tags)),
                    "status": result.status,
                    "error": result.error,
                    "started_at": result.started_at,
                    "finished_at": result.finished_at,
                    "finding_count": len(result.findings),
                },
            )
            control_ids: dict[str, int] = {}
            for observation in result.steps:
                self._save_step(run_id, result.name, scenario_run_id, observation, control_ids)
            _table(self.db, "findings").insert_all(
                _finding_row(scenario_run_id, finding, control_ids.get(finding.control))
                for finding in result.findings
            )
        return scenario_run_id

    def _save_step(
        self,
        run_id: str,
        scenario: str,
        scenario_run_id: int,
        observation: Observation,
        control_ids: dict[str, int],
    ) -> None:
        step_id = _insert(
            self.db,
            "steps",
            {
                "scenario_run_id": scenario_run_id,
                "idx": observation.index,
                "action": observation.action,
                "name": observation.name,
                "target": observation.target,
                "url": observation.url,
                "settle_ms": observation.settle_ms,
                "settled": observation.settled,
                "screenshot": observation.screenshot,
                "gaps": json.dumps([asdict(gap) for gap in observation.gaps]),
            },
        )
        rows = []
        for control in observation.controls:
            if control.key not in control_ids:
                control_ids[control.key] = self._control_id(run_id, scenario, control)
            rows.append(_observation_row(step_id, control_ids[control.key], control))
        _table(self.db, "observations").insert_all(rows)

    def _control_id(self, run_id: str, scenario: str, control: Control) -> int:
        existing = self.db.execute(
            "select id from controls where scenario = ? and key = ?", [scenario, control.key]
        ).fetchone()
        if existing:
            return int(existing[0])
        return _insert(
            self.db,
            "controls",
            {
                "scenario": scenario,
                "key": control.key,
                "kind": control.kind,
                "label": control.shown_label,
                "frame_url": control.frame_url,
                "consent": control.consent,
                "first_seen_run": run_id,
            },
        )

    def close(self) -> None:
        self.db.close()


def _observation_row(step_id: int, control_id: int, c: Control) -> dict[str, Any]:
    box = c.box
    style = c.label_style
    return {
        "step_id": step_id,
        "control_id": control_id,
        "checked": c.checked,
        "consent": c.consent,
        "refusal": c.refusal,
        "purposes": json.dumps(list(c.purposes)),
        "visible": c.visible,
        "disabled": c.disabled,
        "acted": c.acted,
        "label": c.label,
        "label_source": c.label_source,
        "nearby_text": c.nearby_text,
        "context": c.context,
        "frame_url": c.frame_url,
        "shadow": c.shadow,
        "shadow_mode": c.shadow_mode,
        "selector": c.selector,
        "x": box.x if box else None,
        "y": box.y if box else None,
        "width": box.width if box else None,
        "height": box.height if box else None,
        "in_viewport": c.in_viewport,
        "below_fold": c.below_fold,
        "opacity": c.opacity,
        "covered": c.covered,
        "font_size": style.font_size if style else None,
        "contrast": style.contrast if style else None,
        "label_opacity": style.opacity if style else None,
        "color": style.color if style else None,
        "background": style.background if style else None,
    }


def _finding_row(scenario_run_id: int, f: Finding, control_id: int | None) -> dict[str, Any]:
    return {
        "scenario_run_id": scenario_run_id,
        "step_idx": f.step,
        "control_id": control_id,
        "control_key": f.control,
        "rule": f.rule,
        "severity": f.severity,
        "label": f.label,
        "detail": f.detail,
        "tags": json.dumps(list(f.tags)),
        "measures": json.dumps(f.measures),
        "frame_url": f.frame_url,
        "selector": f.selector,
        "evidence": json.dumps(f.evidence),
    }
