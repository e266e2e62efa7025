"""Nights compared: findings new, resolved and open since when; each consent control's state per night;
and pruning what is older than the history a team keeps.

A finding's identity across nights is its scenario, rule and control key. A night only counts as "the night
before" when it ran to its end (`Run.complete`); a scenario that did not run or stopped with an error on a
night neither resolves a finding nor breaks its streak: what was never checked cannot count either way.
"""

from __future__ import annotations

import bisect
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from crawler.queries import FindingRow, Results, Run
from crawler.results import Status
from crawler.store import Store

Identity = tuple[str, str, str]

# Cell states of the timeline grid, in the order the legend lists them.
CELL_STATES = ("checked", "unchecked", "mixed", "absent", "error", "not-run")


@dataclass(frozen=True)
class TrackedFinding:
    """A finding on one night, with the night its current streak began."""

    scenario: str
    rule: str
    step: int
    control: str
    label: str
    severity: str
    accepted: bool
    first_seen: str = ""
    first_seen_run: str = ""

    @property
    def identity(self) -> Identity:
        return (self.scenario, self.rule, self.control)

    def document(self, first_seen: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {
            "scenario": self.scenario,
            "rule": self.rule,
            "step": self.step,
            "control": self.control,
            "label": self.label,
            "severity": self.severity,
            "accepted": self.accepted,
        }
        if first_seen:
            data.update(first_seen=self.first_seen, first_seen_run=self.first_seen_run)
        return data


@dataclass(frozen=True)
class Changes:
    """One run against the completed run before it."""

    run: Run
    previous: Run | None
    new: list[TrackedFinding]
    resolved: list[TrackedFinding]
    open: list[TrackedFinding]


def _tracked(row: FindingRow, first: Run | None = None) -> TrackedFinding:
    return TrackedFinding(
        scenario=row.scenario,
        rule=row.rule,
        step=row.step,
        control=row.control,
        label=row.label,
        severity=row.severity,
        accepted=row.accepted,
        first_seen=first.night if first else "",
        first_seen_run=first.id if first else "",
    )


def _order(findings: list[TrackedFinding]) -> list[TrackedFinding]:
    return sorted(findings, key=lambda f: (f.scenario, f.step, f.rule, f.control))


class History:
    """Which scenarios ran on which night and which findings they had, read once with aggregate queries."""

    def __init__(self, results: Results, runs: Sequence[Run]) -> None:
        self.results = results
        self.runs = list(runs)  # newest first
        self.by_id = {run.id: run for run in self.runs}
        self.oldest_first = list(reversed(self.runs))
        self.position = {run.id: number for number, run in enumerate(self.oldest_first)}
        self.statuses: dict[str, dict[str, str]] = {}
        self.finding_counts: dict[str, dict[str, int]] = {}
        for run_id, scenario, status, count in results.scenario_presence():
            self.statuses.setdefault(scenario, {})[run_id] = status
            self.finding_counts.setdefault(scenario, {})[run_id] = count
        self.seen: dict[Identity, set[str]] = {}
        self.found: dict[tuple[str, str], set[Identity]] = {}
        self.flagged: dict[tuple[str, str], set[str]] = {}
        for run_id, scenario, rule, control in results.finding_identities():
            identity = (scenario, rule, control)
            self.seen.setdefault(identity, set()).add(run_id)
            self.found.setdefault((run_id, scenario), set()).add(identity)
            self.flagged.setdefault((scenario, run_id), set()).add(control)
        # Completed nights before each run, newest first: what first_seen and baseline walk back over.
        self.complete_positions = [n for n, run in enumerate(self.oldest_first) if run.complete]

    @property
    def scenarios(self) -> list[str]:
        return sorted(self.statuses)

    def latest_complete(self) -> Run | None:
        return next((run for run in self.runs if run.complete), None)

    def previous_complete(self, run: Run) -> Run | None:
        return next(self._complete_before(run), None)

    def checked(self, scenario: str, run_id: str) -> bool:
        """The scenario ran that night and reached its end, so an absent finding is really absent."""
        status = self.statuses.get(scenario, {}).get(run_id)
        return status is not None and status != Status.ERROR

    def _complete_before(self, run: Run) -> Iterator[Run]:
        """Completed runs before `run`, newest first."""
        end = bisect.bisect_left(self.complete_positions, self.position[run.id])
        for index in reversed(self.complete_positions[:end]):
            yield self.oldest_first[index]

    def first_seen(self, identity: Identity, run: Run) -> Run:
        """The first night of the finding's current streak, up to `run`."""
        first = run
        seen = self.seen.get(identity, set())
        for earlier in self._complete_before(run):
            if earlier.id in seen:
                first = earlier
            elif self.checked(identity[0], earlier.id):
                break
        return first

    def baseline(self, scenario: str, run: Run) -> str | None:
        """The last completed night before `run` on which `scenario` ran to its end."""
        return next((e.id for e in self._complete_before(run) if self.checked(scenario, e.id)), None)

    def _baselines(self, run: Run, previous: Run | None) -> dict[str, str | None]:
        """What each scenario of `run` is compared with: `previous` when given, else its own last night."""
        ran = [name for name, nights in self.statuses.items() if run.id in nights]
        if previous is not None:
            return dict.fromkeys(ran, previous.id)
        return {name: self.baseline(name, run) for name in ran}

    def changes(self, run: Run, previous: Run | None = None, first_seen: bool = True) -> Changes:
        """Findings of `run` against `previous`, or (by default) each scenario against the last night it
        ran to its end: a night it errored or did not run is skipped, not counted as a change.

        Which findings are new or resolved comes from the identities read once; only their rows (label,
        step, severity) are read here, for the scenarios concerned."""
        baselines = self._baselines(run, previous)
        new: set[Identity] = set()
        gone: set[Identity] = set()
        for name, base in baselines.items():
            now = self.found.get((run.id, name), set())
            before = self.found.get((base, name), set()) if base else set()
            new |= now - before
            if self.checked(name, run.id):
                gone |= before - now
        if not first_seen:
            wanted = {(run.id, key[0]) for key in new} | {(baselines[key[0]], key[0]) for key in gone}
        else:
            wanted = {(run.id, name) for name in baselines}
            wanted |= {(baselines[key[0]], key[0]) for key in gone}
        rows = {(row.run_id, row.identity): row for row in self.results.finding_rows_of(wanted)}
        open_ = [
            _tracked(row, self.first_seen(key, run))
            for (run_id, key), row in rows.items()
            if run_id == run.id and first_seen
        ]
        return Changes(
            run=run,
            previous=previous if previous is not None else self.previous_complete(run),
            new=_order(
                [
                    _tracked(rows[(run.id, key)], self.first_seen(key, run) if first_seen else None)
                    for key in new
                ]
            ),
            resolved=_order([_tracked(rows[(str(baselines[key[0]]), key)]) for key in gone]),
            open=_order(open_),
        )

    def counts(self, run: Run, previous: Run | None = None) -> tuple[int, int]:
        """How many findings are new on `run` and how many it resolved, without reading them."""
        new = resolved = 0
        for name, base in self._baselines(run, previous).items():
            now = self.found.get((run.id, name), set())
            before = self.found.get((base, name), set()) if base else set()
            new += len(now - before)
            if self.checked(name, run.id):
                resolved += len(before - now)
        return new, resolved

    # -------------------------------------------------------------- series for charts

    def nights(self, limit: int | None = None) -> list[Run]:
        """Completed nights, oldest first; the newest `limit` of them."""
        complete = [run for run in self.oldest_first if run.complete]
        return complete[-limit:] if limit else complete

    def status_on(self, scenario: str, run_id: str) -> str:
        return self.statuses.get(scenario, {}).get(run_id, "not-run")


@dataclass(frozen=True)
class Segment:
    """Consecutive nights with the same cell: one rectangle of the timeline grid."""

    start: int
    length: int
    state: str
    finding: bool
    first: str
    last: str


@dataclass(frozen=True)
class TimelineRow:
    control_id: int
    key: str
    kind: str
    label: str
    segments: list[Segment]

    @property
    def summary(self) -> str:
        """The row in words, for screen readers and print: one phrase per segment."""
        parts = []
        for s in self.segments:
            when = s.first if s.length == 1 else f"{s.first} to {s.last} ({s.length} nights)"
            parts.append(f"{s.state.replace('-', ' ')}{' with a finding' if s.finding else ''}: {when}")
        return "; ".join(parts)


@dataclass(frozen=True)
class Timeline:
    columns: list[Run]
    rows: list[TimelineRow]


def timeline(results: Results, history: History, scenario: str, columns: Sequence[Run]) -> Timeline:
    """One row per consent control the scenario ever showed, one cell per night in `columns`.

    A cell is the control's state when it first appeared that night (what the person was offered), or
    absent, error (the journey stopped) or not run. Reads each distinct observation set once.
    """
    steps_by_run = results.scenario_set_ids(scenario)
    wanted = {run.id for run in columns}
    set_ids = {i for run_id, ids in steps_by_run.items() if run_id in wanted for i in ids}
    # Per set, control -> checked; a night's arrival states merge its sets from the last step to the
    # first, so the earliest step wins (dict merges run in C: a year of nights stays cheap).
    checked_in = results.consent_states(set_ids)
    arrival: dict[str, dict[int, bool | None]] = {}
    order: dict[int, None] = {}
    for run in columns:
        states: dict[int, bool | None] = {}
        sets = steps_by_run.get(run.id, [])
        for set_id in reversed(sets):
            states |= checked_in[set_id]
        for set_id in sets:
            order |= dict.fromkeys(checked_in[set_id])
        arrival[run.id] = states
    names = results.control_names(order)
    controls = {control_id: names[control_id] for control_id in order}
    statuses = [history.status_on(scenario, run.id) for run in columns]
    flagged = [history.flagged.get((scenario, run.id), set()) for run in columns]
    arrivals = [arrival[run.id] for run in columns]
    nights = [run.night for run in columns]
    rows = []
    for control_id, (key, kind, label) in controls.items():
        open_: list[Any] = []  # [start, length, state, finding, first night, last night] while building
        spans: list[list[Any]] = []
        for number, status in enumerate(statuses):
            if status == "not-run":
                state = "not-run"
            elif control_id in arrivals[number]:
                checked = arrivals[number][control_id]
                state = "mixed" if checked is None else "checked" if checked else "unchecked"
            elif status == Status.ERROR:
                state = "error"
            else:
                state = "absent"
            finding = key in flagged[number]
            if open_ and open_[2] == state and open_[3] == finding:
                open_[1] += 1
                open_[5] = nights[number]
            else:
                open_ = [number, 1, state, finding, nights[number], nights[number]]
                spans.append(open_)
        segments = [Segment(*span) for span in spans]
        rows.append(TimelineRow(control_id, key, kind, label, segments))
    return Timeline(list(columns), rows)


# ------------------------------------------------------------------ pruning


def prune(db_path: Path, keep_days: int) -> list[str]:
    """Delete runs that started more than `keep_days` before the newest run, with their screenshots.

    Counted from the newest run, not the clock, so rendering an archived database never empties it.
    Returns the ids of the runs deleted.
    """
    with Results(db_path) as results:
        runs = results.runs()
    if not runs:
        return []
    newest = max(_parse(run.started_at) for run in runs)
    cutoff = newest - timedelta(days=keep_days)
    old = [run.id for run in runs if _parse(run.started_at) < cutoff]
    if not old:
        return []
    store = Store(db_path)
    try:
        with store.write():
            _delete_runs(store, old)
        for run_id in old:
            shutil.rmtree(store.screenshot_root / run_id, ignore_errors=True)
    finally:
        store.close()
    return old


def _parse(stamp: str) -> datetime:
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return datetime.min
    return moment.replace(tzinfo=None) - (moment.utcoffset() or timedelta(0))


def _delete_runs(store: Store, run_ids: list[str]) -> None:
    db = store.db
    db.execute("create temp table if not exists pruned_runs (id text primary key)")
    db.execute("delete from pruned_runs")
    db.conn.executemany("insert into pruned_runs values (?)", [(i,) for i in run_ids])
    scenario_runs = "(select id from scenario_runs where run_id in (select id from pruned_runs))"
    db.execute(
        "create temp table pruned_sets as select distinct set_id from steps "
        f"where scenario_run_id in {scenario_runs}"
    )
    for table in ("findings", "artifacts", "steps"):
        db.execute(f"delete from {table} where scenario_run_id in {scenario_runs}")
    db.execute("delete from scenario_runs where run_id in (select id from pruned_runs)")
    db.execute(
        "delete from set_members where set_id in (select set_id from pruned_sets) "
        "and set_id not in (select set_id from steps where set_id is not null)"
    )
    db.execute(
        "delete from observation_sets where id in (select set_id from pruned_sets) "
        "and id not in (select set_id from steps where set_id is not null)"
    )
    db.execute("delete from descriptions where id not in (select description_id from set_members)")
    db.execute("delete from states where id not in (select state_id from set_members)")
    db.execute(
        "delete from controls where id not in (select control_id from set_members) "
        "and id not in (select control_id from findings where control_id is not null)"
    )
    # A control kept from a pruned night was first seen, as far as the kept history knows, in its oldest run.
    db.execute(
        "update controls set first_seen_run = (select id from runs where id not in "
        "(select id from pruned_runs) order by started_at limit 1) "
        "where first_seen_run in (select id from pruned_runs)"
    )
    db.execute("delete from runs where id in (select id from pruned_runs)")
    db.execute("drop table pruned_sets")
    db.execute("drop table pruned_runs")
