"""Read-side SQL for the report and the diff; store.py stays the only writer.

Each method answers one question with aggregate queries and small records: nothing here loads every
observation of the history into Python. Steps point at shared observation sets (see crawler/store.py), so
what changed between two nights is found by comparing set ids first and reading members only where they
differ.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import TracebackType
from typing import Any

from crawler.errors import StoreError
from crawler.records import build, unflatten
from crawler.results import Control, Finding, Observation, ScenarioResult, Status
from crawler.store import (
    DESCRIPTION_COLUMNS,
    FINDING_COLUMNS,
    SCENARIO_COLUMNS,
    SCHEMA_VERSION,
    STATE_COLUMNS,
    STEP_COLUMNS,
)

TABLES = frozenset({"runs", "scenario_runs", "steps", "controls", "findings", "set_members", "states"})
INCOMPLETE = frozenset({Status.RUNNING, Status.INTERRUPTED, Status.ABANDONED})
_INCOMPLETE_TEXT = frozenset(str(status) for status in INCOMPLETE)
_CHUNK = 500


@dataclass(frozen=True)
class Run:
    id: str
    started_at: str
    finished_at: str
    status: str
    base_url: str
    crawler_version: str
    browser: str
    host: str
    shard: str
    options: dict[str, Any]
    scenario_count: int
    finding_count: int
    error_count: int

    @property
    def complete(self) -> bool:
        """Ran to its end: only such nights are compared with each other."""
        return self.status not in _INCOMPLETE_TEXT

    @property
    def interrupted(self) -> bool:
        return not self.complete

    @property
    def night(self) -> str:
        return self.started_at[:10]


@dataclass(frozen=True)
class ScenarioRun:
    """One scenario of one run, without its steps: what a table row needs."""

    id: int
    run_id: str
    result: ScenarioResult
    finding_count: int
    rule_counts: dict[str, int] = field(default_factory=dict)
    severities: tuple[str, ...] = ()
    accepted_count: int = 0

    @property
    def name(self) -> str:
        return self.result.name

    @property
    def title(self) -> str:
        return self.result.title

    @property
    def tags(self) -> tuple[str, ...]:
        return self.result.tags

    @property
    def status(self) -> str:
        return str(self.result.status)

    @property
    def error(self) -> str:
        return self.result.error or ""


@dataclass(frozen=True)
class FindingRow:
    """A finding reduced to what history needs: its identity across nights and what to show of it."""

    run_id: str
    scenario: str
    rule: str
    control: str
    severity: str
    step: int
    label: str
    accepted: bool

    @property
    def identity(self) -> tuple[str, str, str]:
        return (self.scenario, self.rule, self.control)


@dataclass(frozen=True)
class Member:
    """A control as one step saw it: identity, description and state, as the diff compares them."""

    position: int
    control_id: int
    key: str
    kind: str
    label: str
    frame_url: str
    selector: str
    consent: bool
    checked: bool | None
    visible: bool
    disabled: bool

    @property
    def state(self) -> dict[str, Any]:
        return {"checked": self.checked, "visible": self.visible, "disabled": self.disabled}


@dataclass(frozen=True)
class Ref:
    position: int
    control_id: int
    description_id: int
    state_id: int


@dataclass(frozen=True)
class StepSet:
    scenario: str
    scenario_run_id: int
    status: str
    step: int
    set_id: int | None


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
        self._controls: dict[tuple[str, str, int, int], Control] = {}
        self._parts: dict[tuple[str, int], dict[str, Any]] = {}
        self._cache: dict[str, dict[int, tuple[Any, ...]]] = {}
        self._step_set_ids: dict[str, dict[tuple[str, int], int | None]] = {}
        try:
            self._check_schema()
        except BaseException:
            self.db.close()
            raise
        # Comparing a year of nights walks the same B-tree pages again and again: keep more of them.
        self.db.execute("PRAGMA cache_size = -16384")

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
        if version < 1 or (version == SCHEMA_VERSION and not names >= TABLES):
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

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        return self.db.execute(sql, tuple(params)).fetchall()

    # -------------------------------------------------------------- runs

    def runs(self) -> list[Run]:
        """Newest first. Counts come from the saved scenarios, so interrupted runs count too."""
        return self._runs("", ())

    def run(self, run_id: str) -> Run | None:
        found = self._runs("where r.id = ?", (run_id,))
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
            """,
            params,
        )
        return [_run(row) for row in rows]

    def scenario_runs(self, run_id: str) -> list[ScenarioRun]:
        """The scenarios of one run, without steps; a scenario saved twice counts once (the later)."""
        rows = self._rows(
            "select * from scenario_runs where id in (select max(id) from scenario_runs where run_id = ? "
            "group by name) order by name",
            (run_id,),
        )
        details = self._finding_details(run_id)
        return [_scenario_run(row, *details.get(int(row["id"]), ({}, (), 0))) for row in rows]

    def scenario_run_ids(self, run_id: str) -> dict[str, int]:
        """Scenario name -> its (last) saved run in `run_id`."""
        return {
            str(name): int(i)
            for name, i in self.db.execute(
                "select name, max(id) from scenario_runs where run_id = ? group by name order by name",
                (run_id,),
            )
        }

    def _finding_details(self, run_id: str) -> dict[int, tuple[dict[str, int], tuple[str, ...], int]]:
        rows = self._rows(
            """
            select f.scenario_run_id, f.rule, group_concat(distinct f.severity) as severities,
                   count(*) as n, coalesce(sum(f.accepted), 0) as accepted
            from findings f join scenario_runs s on s.id = f.scenario_run_id
            where s.run_id = ?
            group by f.scenario_run_id, f.rule
            order by f.scenario_run_id, f.rule
            """,
            (run_id,),
        )
        details: dict[int, tuple[dict[str, int], tuple[str, ...], int]] = {}
        for row in rows:
            counts, severities, accepted = details.get(int(row["scenario_run_id"]), ({}, (), 0))
            counts[str(row["rule"])] = int(row["n"])
            found = tuple(sorted({*severities, *str(row["severities"] or "").split(",")} - {""}))
            details[int(row["scenario_run_id"])] = (counts, found, accepted + int(row["accepted"]))
        return details

    def load_scenario(self, scenario_run_id: int) -> ScenarioResult:
        """Exactly what `Store.load_scenario` returns (a test holds them equal), faster over many nights:
        descriptions, states and whole controls shared by steps and nights are decoded once."""
        found = self._rows("select * from scenario_runs where id = ?", (scenario_run_id,))
        if not found:
            raise StoreError(f"{self.path}: no stored scenario run {scenario_run_id}")
        result = build(ScenarioResult, unflatten(SCENARIO_COLUMNS, dict(found[0])))
        steps = self._rows("select * from steps where scenario_run_id = ? order by idx", (scenario_run_id,))
        members: dict[int, list[Control]] = {}
        set_ids = sorted({int(row["set_id"]) for row in steps if row["set_id"] is not None})
        for start in range(0, len(set_ids), _CHUNK):
            chunk = set_ids[start : start + _CHUNK]
            for set_id, key, kind, description_id, state_id in self.db.execute(
                "select m.set_id, c.key, c.kind, m.description_id, m.state_id "
                "from set_members m join controls c on c.id = m.control_id "
                f"where m.set_id in ({', '.join('?' * len(chunk))}) order by m.set_id, m.position",
                chunk,
            ):
                members.setdefault(int(set_id), []).append(
                    self._control(str(key), str(kind), int(description_id), int(state_id))
                )
        result.steps = [
            replace(
                build(Observation, unflatten(STEP_COLUMNS, dict(row))),
                controls=tuple(members.get(int(row["set_id"] or -1), ())),
            )
            for row in steps
        ]
        result.findings = [
            build(Finding, unflatten(FINDING_COLUMNS, dict(row)))
            for row in self._rows(
                "select * from findings where scenario_run_id = ? order by id", (scenario_run_id,)
            )
        ]
        return result

    def _control(self, key: str, kind: str, description_id: int, state_id: int) -> Control:
        cached = self._controls.get((key, kind, description_id, state_id))
        if cached is None:
            data = {**self._part("descriptions", description_id), **self._part("states", state_id)}
            cached = self._controls[(key, kind, description_id, state_id)] = build(
                Control, {**data, "key": key, "kind": kind}
            )
        return cached

    def _part(self, table: str, row_id: int) -> dict[str, Any]:
        cached = self._parts.get((table, row_id))
        if cached is None:
            cols = DESCRIPTION_COLUMNS if table == "descriptions" else STATE_COLUMNS
            row = self._rows(f"select * from {table} where id = ?", (row_id,))[0]
            cached = self._parts[(table, row_id)] = unflatten(cols, dict(row))
        return cached

    # -------------------------------------------------------------- history

    def scenario_presence(self) -> Iterator[tuple[str, str, str, int]]:
        """(run id, scenario, status, finding count) for every scenario of every run."""
        for row in self.db.execute(
            "select run_id, name, status, finding_count from scenario_runs order by id"
        ):
            yield str(row[0]), str(row[1]), str(row[2] or ""), int(row[3] or 0)

    def finding_rows(
        self, run_ids: Iterable[str] | None = None, scenarios: Iterable[str] | None = None
    ) -> Iterator[FindingRow]:
        """One row per finding identity (scenario, rule, control key) and run, at its first step."""
        where, params = "where 1", []
        if run_ids is not None:
            wanted = list(run_ids)
            where += f" and s.run_id in ({', '.join('?' * len(wanted))})"
            params = wanted
        if scenarios is not None:
            names = list(scenarios)
            where += f" and s.name in ({', '.join('?' * len(names))})"
            params = params + names
        for row in self.db.execute(
            f"""
            select s.run_id, s.name, f.rule, f.control_key, max(f.severity), min(f.step_idx),
                   max(f.label), max(coalesce(f.accepted, 0))
            from findings f join scenario_runs s on s.id = f.scenario_run_id
            {where}
            group by s.run_id, s.name, f.rule, f.control_key
            """,
            params,
        ):
            yield FindingRow(
                str(row[0]),
                str(row[1]),
                str(row[2]),
                str(row[3] or ""),
                str(row[4] or ""),
                int(row[5] or 0),
                str(row[6] or ""),
                bool(row[7]),
            )

    def finding_rows_of(self, wanted: Iterable[tuple[str | None, str]]) -> Iterator[FindingRow]:
        """The finding rows of some (run id, scenario) pairs."""
        by_run: dict[str, set[str]] = {}
        for run_id, scenario in wanted:
            if run_id:
                by_run.setdefault(run_id, set()).add(scenario)
        for run_id, names in by_run.items():
            for start in range(0, len(names), _CHUNK):
                yield from self.finding_rows([run_id], sorted(names)[start : start + _CHUNK])

    def finding_identities(self) -> Iterator[tuple[str, str, str, str]]:
        """(run id, scenario, rule, control key) of every finding: what history needs to follow them."""
        for row in self.db.execute(
            "select s.run_id, s.name, f.rule, f.control_key from findings f "
            "join scenario_runs s on s.id = f.scenario_run_id"
        ):
            yield str(row[0]), str(row[1]), str(row[2]), str(row[3] or "")

    def scenario_names(self, run_id: str) -> set[str]:
        return {
            str(r[0])
            for r in self.db.execute("select distinct name from scenario_runs where run_id = ?", (run_id,))
        }

    def rule_counts_by_run(self) -> dict[str, dict[str, int]]:
        """Findings per run and rule, for the chart of nights."""
        counts: dict[str, dict[str, int]] = {}
        for run_id, rule, n in self.db.execute(
            "select s.run_id, f.rule, count(*) from findings f "
            "join scenario_runs s on s.id = f.scenario_run_id group by s.run_id, f.rule"
        ):
            counts.setdefault(str(run_id), {})[str(rule)] = int(n)
        return counts

    def fingerprints(self, by: str) -> dict[str, tuple[int, int, int, int]]:
        """Per scenario (`by="name"`) or run (`by="run_id"`): highest scenario run id and count, highest
        finding id and count. They change when a scenario is saved or its findings are rescored."""
        assert by in ("name", "run_id")
        return {
            str(key): (int(a or 0), int(b), int(c or 0), int(d))
            for key, a, b, c, d in self.db.execute(
                f"select s.{by}, max(s.id), count(distinct s.id), max(f.id), count(f.id) "
                f"from scenario_runs s left join findings f on f.scenario_run_id = s.id group by s.{by}"
            )
        }

    def latest_scenario_runs(self) -> dict[str, tuple[int, str]]:
        """Per scenario, its newest saved run: (scenario run id, run id)."""
        return {
            str(name): (int(i), str(run_id))
            for name, i, run_id in self.db.execute(
                "select name, max(id), run_id from scenario_runs group by name"
            )
        }

    # -------------------------------------------------------------- steps and their controls

    def step_sets(self, run_id: str, scenario: str | None = None) -> list[StepSet]:
        sql = (
            "select s.name, s.id, s.status, st.idx, st.set_id from scenario_runs s "
            "join steps st on st.scenario_run_id = s.id "
            "where s.id in (select max(id) from scenario_runs where run_id = ? group by name)"
        )
        params: list[Any] = [run_id]
        if scenario is not None:
            sql += " and s.name = ?"
            params.append(scenario)
        return [
            StepSet(str(r[0]), int(r[1]), str(r[2] or ""), int(r[3]), None if r[4] is None else int(r[4]))
            for r in self.db.execute(sql + " order by s.name, st.idx", params)
        ]

    def step_set_ids(self, run_id: str) -> dict[tuple[str, int], int | None]:
        """(scenario, step index) -> observation set id for one run; the last two runs asked are kept,
        since comparing night after night asks for each run twice."""
        cached = self._step_set_ids.get(run_id)
        if cached is None:
            cached = {
                (name, idx): set_id
                for name, idx, set_id in self.db.execute(
                    "select s.name, st.idx, st.set_id from scenario_runs s "
                    "join steps st on st.scenario_run_id = s.id "
                    "where s.id in (select max(id) from scenario_runs where run_id = ? group by name)",
                    (run_id,),
                )
            }
            self._step_set_ids = {**dict(list(self._step_set_ids.items())[-1:]), run_id: cached}
        return cached

    def scenario_set_ids(self, scenario: str) -> dict[str, list[int]]:
        """Every night's observation sets of one scenario: run id -> set ids in step order."""
        found: dict[str, list[int]] = {}
        for run_id, set_id in self.db.execute(
            "select s.run_id, st.set_id from scenario_runs s join steps st on st.scenario_run_id = s.id "
            "where s.name = ? and st.set_id is not null order by s.id, st.idx",
            (scenario,),
        ):
            found.setdefault(run_id, []).append(set_id)
        return found

    def differing_refs(
        self, pairs: Sequence[tuple[int, int]]
    ) -> dict[tuple[int, int], tuple[list[Ref], list[Ref]]]:
        """For each pair of observation sets (a, b), the refs of a that b lacks and those of b that a lacks;
        found in SQL, so the many members two nights share are never read into Python."""
        found: dict[tuple[int, int], tuple[list[Ref], list[Ref]]] = {pair: ([], []) for pair in pairs}
        unique = list(found)
        for start in range(0, len(unique), _CHUNK):
            chunk = unique[start : start + _CHUNK]
            values = ", ".join("(?, ?)" for _ in chunk)
            lacks = (
                "not exists (select 1 from set_members o where o.set_id = {other} and "
                "o.control_id = m.control_id and o.description_id = m.description_id "
                "and o.state_id = m.state_id)"
            )
            for side, set_a, set_b, *ref in self.db.execute(
                f"""
                with pairs(a, b) as (values {values})
                select 0, p.a, p.b, m.position, m.control_id, m.description_id, m.state_id
                from pairs p join set_members m on m.set_id = p.a where {lacks.format(other="p.b")}
                union all
                select 1, p.a, p.b, m.position, m.control_id, m.description_id, m.state_id
                from pairs p join set_members m on m.set_id = p.b where {lacks.format(other="p.a")}
                """,
                [x for pair in chunk for x in pair],
            ):
                found[(int(set_a), int(set_b))][int(side)].append(Ref(*ref))
        for before, after in found.values():
            before.sort(key=lambda r: r.position)
            after.sort(key=lambda r: r.position)
        return found

    def member(self, ref: Ref) -> Member:
        """A ref with what the diff and the timeline show of it; each control, description and state is
        read once per render (the tables are small: they hold what differs, not what repeats)."""
        cache = self._cache
        if not (
            ref.control_id in cache.get("controls", {})
            and ref.description_id in cache.get("descriptions", {})
            and ref.state_id in cache.get("states", {})
        ):
            self._load_ref(ref)
        key, kind = cache["controls"][ref.control_id]
        label, frame_url, selector, consent = cache["descriptions"][ref.description_id]
        checked, visible, disabled = cache["states"][ref.state_id]
        return Member(
            ref.position, ref.control_id, str(key), str(kind), str(label or ""), str(frame_url or ""),
            str(selector or ""), bool(consent), None if checked is None else bool(checked), bool(visible),
            bool(disabled),
        )  # fmt: skip

    def _load_ref(self, ref: Ref) -> None:
        self._load("controls", "id, key, kind", [ref.control_id])
        self._load(
            "descriptions",
            "id, coalesce(nullif(label, ''), nearby_text, ''), frame_url, selector, consent",
            [ref.description_id],
        )
        self._load("states", "id, checked, visible, disabled", [ref.state_id])

    def _load(self, table: str, columns: str, ids: Iterable[int]) -> None:
        cache = self._cache.setdefault(table, {})
        missing = sorted({i for i in ids if i not in cache})
        for start in range(0, len(missing), _CHUNK):
            chunk = missing[start : start + _CHUNK]
            for row_id, *values in self.db.execute(
                f"select {columns} from {table} where id in ({', '.join('?' * len(chunk))})", chunk
            ):
                cache[int(row_id)] = tuple(values)

    def consent_states(self, set_ids: Iterable[int]) -> dict[int, dict[int, bool | None]]:
        """Per observation set, its consent controls' checked state (control id -> True, False or None for
        mixed), in page order. One packed row per set: a year of one scenario is a few thousand rows."""
        wanted = sorted(set(set_ids))
        found: dict[int, dict[int, bool | None]] = {i: {} for i in wanted}
        decode = {"1": True, "0": False, "n": None}
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            for set_id, packed in self.db.execute(
                f"""
                select m.set_id, group_concat(m.control_id || ':' || coalesce(x.checked, 'n'), ' ')
                from set_members m
                join descriptions d on d.id = m.description_id
                join states x on x.id = m.state_id
                where m.set_id in ({", ".join("?" * len(chunk))}) and d.consent = 1
                group by m.set_id
                """,
                chunk,
            ):
                states = found[int(set_id)]
                for item in str(packed).split(" "):
                    control_id, _, checked = item.partition(":")
                    states[int(control_id)] = decode[checked]
        return found

    def control_names(self, control_ids: Iterable[int]) -> dict[int, tuple[str, str, str]]:
        """Key, kind and the label it was first seen with, per control id."""
        wanted = sorted(set(control_ids))
        found: dict[int, tuple[str, str, str]] = {}
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            for control_id, key, kind, label in self.db.execute(
                f"select id, key, kind, label from controls where id in ({', '.join('?' * len(chunk))})",
                chunk,
            ):
                found[int(control_id)] = (str(key), str(kind or ""), str(label or ""))
        return found


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _json(value: Any, default: Any) -> Any:
    try:
        loaded = json.loads(value) if value else default
    except ValueError:
        return default
    return loaded if isinstance(loaded, type(default)) else default


def _run(row: sqlite3.Row) -> Run:
    keys = row.keys()
    return Run(
        id=_text(row["id"]),
        started_at=_text(row["started_at"]),
        finished_at=_text(row["finished_at"]),
        status=_text(row["status"]),
        base_url=_text(row["base_url"]),
        crawler_version=_text(row["crawler_version"]),
        browser=_text(row["browser"]) if "browser" in keys else "",
        host=_text(row["host"]) if "host" in keys else "",
        shard=_text(row["shard"]) if "shard" in keys else "",
        options=_json(row["options"], {}) if "options" in keys else {},
        scenario_count=int(row["saved_scenarios"]),
        finding_count=int(row["saved_findings"]),
        error_count=int(row["saved_errors"]),
    )


def _scenario_run(
    row: sqlite3.Row, rule_counts: dict[str, int], severities: tuple[str, ...], accepted: int
) -> ScenarioRun:
    data = unflatten(SCENARIO_COLUMNS, dict(zip(row.keys(), tuple(row), strict=True)))
    return ScenarioRun(
        id=int(row["id"]),
        run_id=_text(row["run_id"]),
        result=build(ScenarioResult, data),
        finding_count=int(row["finding_count"] or 0),
        rule_counts=rule_counts,
        severities=severities,
        accepted_count=accepted,
    )
