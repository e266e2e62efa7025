"""The results database: schema, migrations, writing each scenario in one transaction, and reading it back.

Storage grows with change, not with nights. A control's identity (scenario and key) is one row in `controls`;
what it is (label, nearby text, context, frame, selector...) and what it looks like at a step (state,
visibility, geometry, salience) are rows of `descriptions` and `states`, each stored once however many
steps and nights share it. A step points at an `observation_set`, the list of (control, description, state)
it saw; a step that saw exactly what the same step saw last night shares last night's set. The columns
come from the fields of `crawler.results` (see `crawler.records`), and `load_scenario` reads back exactly
the `ScenarioResult` that `save_scenario` wrote.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlite_utils
from sqlite_utils.db import Table

from crawler import __version__
from crawler.errors import StoreError
from crawler.records import Column, build, canonical_json, columns, flatten, jsonable, unflatten
from crawler.results import Control, Finding, Observation, RunResult, ScenarioResult, Status

SCHEMA_VERSION = 2
BUSY_TIMEOUT_S = 60.0
# A run whose crawler has not written for this long, or whose process is gone, was abandoned.
HEARTBEAT_STALE = timedelta(minutes=15)

RUN_COLUMNS = columns(RunResult, None, ("scenarios",))
SCENARIO_COLUMNS = columns(ScenarioResult, None, ("steps", "findings"))
STEP_COLUMNS = columns(Observation, None, ("controls",), (("index", "idx"),))
FINDING_COLUMNS = columns(Finding, None, (), (("step", "step_idx"), ("control", "control_key")))
DESCRIPTION_COLUMNS = columns(Control, None, ("key", "kind"))
STATE_COLUMNS = columns(Control, "state")


def _sqlite_columns(cols: Sequence[Column]) -> dict[str, Any]:
    types = {"INTEGER": int, "REAL": float, "TEXT": str}
    return {c.name: types[c.sql] for c in cols}


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _table(db: sqlite_utils.Database, name: str) -> Table:
    table = db[name]
    assert isinstance(table, Table), f"{name} is a view"
    return table


def _insert(db: sqlite_utils.Database, table: str, row: dict[str, Any]) -> int:
    names = ", ".join(_quote(k) for k in row)
    marks = ", ".join("?" for _ in row)
    cursor = db.execute(f"insert into {_quote(table)} ({names}) values ({marks})", list(row.values()))
    assert cursor.lastrowid is not None
    return int(cursor.lastrowid)


def _digest(parts: Iterable[bytes]) -> str:
    hasher = hashlib.sha256()
    for part in parts:
        hasher.update(hashlib.sha256(part).digest())
    return hasher.hexdigest()


def observations_digest(steps: Sequence[Observation]) -> str:
    """SHA-256 over the observations as stored: `crawler verify` recomputes it to show nothing changed.

    Fields at their default value are left out, so a field added to the records later does not change the
    digest of what was stored before it existed.
    """
    return _digest(canonical_json(step).encode() for step in steps)


def file_digest(path: Path) -> str:
    hasher = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


# ------------------------------------------------------------------ schema


def _migrate_to_1(db: sqlite_utils.Database) -> None:
    """The first schema, kept as it was so that old databases and new ones go through the same steps."""
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


# v1's observation columns, as named then, and where each lives now.
_V1_OBSERVATION_COLUMNS = {
    "x": "box_x",
    "y": "box_y",
    "width": "box_width",
    "height": "box_height",
    "font_size": "label_style_font_size",
    "contrast": "label_style_contrast",
    "label_opacity": "label_style_opacity",
    "color": "label_style_color",
    "background": "label_style_background",
}


def _migrate_to_2(db: sqlite_utils.Database) -> None:
    """Observations move into shared descriptions, states and observation sets; views for readers."""
    _sync_columns(db)
    _table(db, "descriptions").create(
        {"id": int, "hash": bytes, **_sqlite_columns(DESCRIPTION_COLUMNS)}, pk="id"
    )
    _table(db, "states").create({"id": int, "hash": bytes, **_sqlite_columns(STATE_COLUMNS)}, pk="id")
    _table(db, "observation_sets").create({"id": int, "hash": bytes, "size": int}, pk="id")
    for name in ("descriptions", "states", "observation_sets"):
        _table(db, name).create_index(["hash"], unique=True)
    db.execute(
        """create table set_members (
            set_id integer not null references observation_sets(id),
            position integer not null,
            control_id integer not null references controls(id),
            description_id integer not null references descriptions(id),
            state_id integer not null references states(id),
            primary key (set_id, position)
        ) without rowid"""
    )
    _table(db, "artifacts").create(
        {"scenario_run_id": int, "path": str, "sha256": str},
        pk=("scenario_run_id", "path"),
        foreign_keys=[("scenario_run_id", "scenario_runs", "id")],
    )
    _move_v1_observations(db)
    db.execute("drop table observations")
    _create_views(db)


def _move_v1_observations(db: sqlite_utils.Database) -> None:
    writer = _Sets(db)
    steps = db.execute("select id from steps order by id").fetchall()
    for (step_id,) in steps:
        rows = db.execute(
            "select o.*, c.key, c.kind from observations o join controls c on c.id = o.control_id "
            "where o.step_id = ? order by o.rowid",
            [step_id],
        )
        names = [d[0] for d in rows.description]
        members = []
        for raw in rows.fetchall():
            row = dict(zip(names, raw, strict=True))
            for old, new in _V1_OBSERVATION_COLUMNS.items():
                row[new] = row.pop(old)
            data = unflatten([c for c in DESCRIPTION_COLUMNS + STATE_COLUMNS if c.name in row], row)
            control = build(Control, {**data, "key": row["key"], "kind": row["kind"]})
            members.append((int(row["control_id"]), control))
        db.execute("update steps set set_id = ? where id = ?", [writer.set_id(members), step_id])


def _sync_columns(db: sqlite_utils.Database) -> None:
    """Add the columns that fields of crawler.results have gained since a table was made."""
    wanted = {
        "runs": {
            **_sqlite_columns(RUN_COLUMNS),
            "scenario_count": int,
            "finding_count": int,
            "error_count": int,
            "pid": int,
            "heartbeat_at": str,
            "digest": str,
        },
        "scenario_runs": {**_sqlite_columns(SCENARIO_COLUMNS), "finding_count": int, "digest": str},
        "steps": {**_sqlite_columns(STEP_COLUMNS), "set_id": int},
        "findings": _sqlite_columns(FINDING_COLUMNS),
        "descriptions": _sqlite_columns(DESCRIPTION_COLUMNS),
        "states": _sqlite_columns(STATE_COLUMNS),
    }
    for name, cols in wanted.items():
        if not _table(db, name).exists():
            continue
        have = set(_table(db, name).columns_dict)
        for column, kind in cols.items():
            if column not in have:
                _table(db, name).add_column(column, kind)


_VIEWS = {
    "findings_with_context": """
        select f.id as finding_id, r.id as run_id, r.started_at, s.name as scenario, f.step_idx as step,
               st.name as step_name, f.rule, f.severity, f.control_key, f.label, f.detail, f.accepted,
               f.evidence_step, f.evidence
        from findings f
        join scenario_runs s on s.id = f.scenario_run_id
        join runs r on r.id = s.run_id
        left join steps st on st.scenario_run_id = s.id and st.idx = f.step_idx""",
    # One row per consent control, scenario and night; `states` lists its state at each step.
    "control_history": """
        select run_id, started_at, scenario, control_key, kind, max(label) as label,
               group_concat(step || ':' || state, ' ') as states,
               count(*) as steps_seen
        from (
            select r.id as run_id, r.started_at, s.name as scenario, s.id as scenario_run_id,
                   c.key as control_key, c.kind, d.label, st.idx as step,
                   case when x.checked is null then 'mixed' when x.checked then 'checked'
                        else 'unchecked' end as state
            from scenario_runs s
            join runs r on r.id = s.run_id
            join steps st on st.scenario_run_id = s.id
            join set_members m on m.set_id = st.set_id
            join controls c on c.id = m.control_id
            join descriptions d on d.id = m.description_id
            join states x on x.id = m.state_id
            where d.consent = 1
            order by s.id, c.id, st.idx
        )
        group by scenario_run_id, control_key""",
}


def _observations_view() -> str:
    """The v1 `observations` table as a view: one row per control per step, under the old column names."""
    old_names = {new: old for old, new in _V1_OBSERVATION_COLUMNS.items()}
    picked = [f"d.{_quote(c.name)}" for c in DESCRIPTION_COLUMNS]
    picked += [f"x.{_quote(c.name)} as {_quote(old_names.get(c.name, c.name))}" for c in STATE_COLUMNS]
    return f"""
        select st.id as step_id, m.control_id, m.position, c.key, c.kind, {", ".join(picked)}
        from steps st
        join set_members m on m.set_id = st.set_id
        join controls c on c.id = m.control_id
        join descriptions d on d.id = m.description_id
        join states x on x.id = m.state_id"""


def _create_views(db: sqlite_utils.Database) -> None:
    for name, sql in {**_VIEWS, "observations": _observations_view()}.items():
        db.execute(f"drop view if exists {name}")
        db.execute(f"create view {name} as {sql}")


MIGRATIONS = [_migrate_to_1, _migrate_to_2]


# ------------------------------------------------------------------ writing


def _hash(values: tuple[Any, ...]) -> bytes:
    return hashlib.sha1(json.dumps(values, ensure_ascii=False).encode(), usedforsecurity=False).digest()


class _Sets:
    """Finds or adds the shared rows of one step's observations; remembers ids so unchanged nights cost
    a dictionary lookup, not a query, and flattened controls so an unchanged step costs no flattening."""

    MEMO_LIMIT = 100_000

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db
        self.ids: dict[tuple[str, bytes], int] = {}
        self.flat: dict[Control, tuple[bytes, tuple[Any, ...], bytes, tuple[Any, ...]]] = {}

    def set_id(self, members: Sequence[tuple[int, Control]]) -> int:
        flat = [self._flatten(c) for _, c in members]
        description_ids = self._ids("descriptions", DESCRIPTION_COLUMNS, [(h, v) for h, v, _, _ in flat])
        state_ids = self._ids("states", STATE_COLUMNS, [(h, v) for _, _, h, v in flat])
        rows = [
            (position, control_id, d, s)
            for position, ((control_id, _), d, s) in enumerate(
                zip(members, description_ids, state_ids, strict=True)
            )
        ]
        digest = _hash(tuple((c, d, s) for _, c, d, s in rows))
        known = self._lookup("observation_sets", [digest])
        if digest in known:
            return known[digest]
        set_id = _insert(self.db, "observation_sets", {"hash": digest, "size": len(rows)})
        self.ids[("observation_sets", digest)] = set_id
        self.db.conn.executemany(
            "insert into set_members (set_id, position, control_id, description_id, state_id) "
            "values (?, ?, ?, ?, ?)",
            [(set_id, *row) for row in rows],
        )
        return set_id

    def _flatten(self, control: Control) -> tuple[bytes, tuple[Any, ...], bytes, tuple[Any, ...]]:
        found = self.flat.get(control)
        if found is None:
            if len(self.flat) >= self.MEMO_LIMIT:
                self.flat.clear()
            description = flatten(control, DESCRIPTION_COLUMNS)
            state = flatten(control, STATE_COLUMNS)
            found = self.flat[control] = (_hash(description), description, _hash(state), state)
        return found

    def _ids(
        self, table: str, cols: Sequence[Column], flat: list[tuple[bytes, tuple[Any, ...]]]
    ) -> list[int]:
        hashes = [h for h, _ in flat]
        known = self._lookup(table, hashes)
        missing = {h: v for h, v in flat if h not in known}
        if missing:
            names = ", ".join(["hash", *(_quote(c.name) for c in cols)])
            marks = ", ".join("?" * (len(cols) + 1))
            self.db.conn.executemany(
                f"insert or ignore into {table} ({names}) values ({marks})",
                [(h, *v) for h, v in missing.items()],
            )
            known.update(self._lookup(table, list(missing)))
        return [known[h] for h in hashes]

    def _lookup(self, table: str, hashes: Sequence[bytes]) -> dict[bytes, int]:
        found = {h: self.ids[(table, h)] for h in hashes if (table, h) in self.ids}
        wanted = [h for h in dict.fromkeys(hashes) if h not in found]
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            for digest, row_id in self.db.execute(
                f"select hash, id from {table} where hash in ({marks})", chunk
            ).fetchall():
                found[bytes(digest)] = self.ids[(table, bytes(digest))] = int(row_id)
        return found


class Store:
    """A results database, with screenshots kept in a folder beside it."""

    def __init__(self, path: str | Path, *, readonly: bool = False) -> None:
        self.path = Path(path)
        try:
            if readonly:
                if not self.path.is_file():
                    raise StoreError(f"no results at {self.path}; run `crawler run` first")
                uri = f"{self.path.resolve().as_uri()}?mode=ro"
                conn = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=BUSY_TIMEOUT_S)
            else:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                conn = sqlite3.connect(self.path, isolation_level=None, timeout=BUSY_TIMEOUT_S)
            self.db = sqlite_utils.Database(conn)
            self.db.execute("PRAGMA foreign_keys = ON")
            if not readonly:
                self._check_integrity()
                self._use_wal()
                self._migrate()
            self._check_version()
        except sqlite3.DatabaseError as exc:
            raise StoreError(_unusable(self.path, exc)) from None
        except OSError as exc:
            raise StoreError(f"{self.path}: cannot create the results database ({exc}).") from None
        self._sets = _Sets(self.db)

    # -------------------------------------------------------------- opening

    def _check_integrity(self) -> None:
        if not self.path.is_file() or self.path.stat().st_size == 0:
            return
        try:
            problems = [row[0] for row in self.db.execute("PRAGMA quick_check").fetchall()]
        except sqlite3.DatabaseError as exc:
            # Damage in the pages the check itself needs stops it with an error instead of a report.
            problems = [str(exc)]
        if problems != ["ok"]:
            raise StoreError(
                f"{self.path} is damaged ({problems[0]}). Nothing was written to it. Keep it for the "
                f"record, and recover what it still holds with `sqlite3 {self.path} .recover | sqlite3 "
                "recovered.db`, or start a new database with --db."
            )

    def _use_wal(self) -> None:
        """Switching a new file to WAL answers "locked" at once, without the busy timeout, while another
        crawl is creating the same file: wait for it as for any other lock."""
        deadline = time.monotonic() + BUSY_TIMEOUT_S
        while True:
            try:
                self.db.execute("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def _check_version(self) -> None:
        version = self.version
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} was written by a newer crawler (schema {version}, this one knows "
                f"{SCHEMA_VERSION}). Upgrade the crawler or pass another --db."
            )
        if version == 0:
            raise StoreError(
                f"{self.path} is not a crawler results database; pass the file `crawler run` wrote."
            )
        if version < SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} was written by an older crawler (schema {version}). Bring it forward with "
                f"`crawler migrate --db {self.path}` (a backup is kept beside it)."
            )

    @property
    def version(self) -> int:
        return int(self.db.execute("PRAGMA user_version").fetchone()[0])

    def _migrate(self) -> None:
        if 0 < self.version < SCHEMA_VERSION:
            self._backup(self.version)  # before the write lock, which a backup cannot read through
        # The version is read again under the write lock: two crawls opening one new file at the same
        # moment must not both create its tables.
        with self.write():
            version = self.version
            if version > SCHEMA_VERSION:
                return
            if version == 0 and self._has_foreign_tables():
                raise StoreError(
                    f"{self.path} is an SQLite database of something else; pass the file `crawler run` wrote."
                )
            for target in range(version + 1, SCHEMA_VERSION + 1):
                MIGRATIONS[target - 1](self.db)
                self.db.execute(f"PRAGMA user_version = {target}")
            _sync_columns(self.db)
            _create_views(self.db)

    def _has_foreign_tables(self) -> bool:
        return bool(self.db.execute("select count(*) from sqlite_master").fetchone()[0])

    def _backup(self, version: int) -> None:
        """A copy of the database as it was, before a migration changes it in place."""
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        target = self.path.with_name(f"{self.path.name}.schema-{version}-{stamp}.bak")
        with sqlite3.connect(target) as copy:
            self.db.conn.backup(copy)
        copy.close()

    @contextmanager
    def write(self) -> Iterator[None]:
        """One write transaction, started at once so a second crawl on this file waits its turn."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # -------------------------------------------------------------- paths

    @property
    def screenshot_root(self) -> Path:
        return self.path.parent / f"{self.path.stem}-screenshots"

    def screenshot_dir(self, run_id: str, scenario: str) -> Path:
        return self.screenshot_root / run_id / scenario

    def relative(self, file: Path) -> str:
        return file.relative_to(self.path.parent).as_posix()

    # -------------------------------------------------------------- runs

    def begin_run(self, run: RunResult) -> None:
        with self.write():
            self._abandon_dead_runs()
            row = _row(run, RUN_COLUMNS)
            row.update(
                crawler_version=run.crawler_version or __version__,
                host=run.host or socket.gethostname(),
                pid=os.getpid(),
                heartbeat_at=_now(),
                scenario_count=0,
                finding_count=0,
                error_count=0,
            )
            _insert(self.db, "runs", row)

    def heartbeat(self, run_id: str) -> None:
        with self.write():
            self.db.execute("update runs set heartbeat_at = ? where id = ?", [_now(), run_id])

    def finish_run(self, run: RunResult) -> str:
        """Close the run's record; returns its digest (see `run_digest`)."""
        with self.write():
            self.db.execute(
                "update runs set finished_at = ?, status = ?, heartbeat_at = ?, scenario_count = "
                "(select count(*) from scenario_runs where run_id = runs.id), finding_count = "
                "(select coalesce(sum(finding_count), 0) from scenario_runs where run_id = runs.id), "
                "error_count = (select count(*) from scenario_runs where run_id = runs.id and status = ?) "
                "where id = ?",
                [run.finished_at, str(run.status), _now(), str(Status.ERROR), run.id],
            )
            digest = self.run_digest(run.id)
            self.db.execute(
                "update runs set stopped_by = ?, digest = ? where id = ?", [run.stopped_by, digest, run.id]
            )
        return digest

    def run_digest(self, run_id: str) -> str:
        """SHA-256 over every scenario's observations digest and every screenshot's hash, in a fixed order:
        one value that changes if any stored evidence of the run changes."""
        rows = self.db.execute(
            "select s.name, s.digest, a.path, a.sha256 from scenario_runs s "
            "left join artifacts a on a.scenario_run_id = s.id where s.run_id = ? order by s.name, a.path",
            [run_id],
        ).fetchall()
        return _digest("\x1f".join("" if v is None else str(v) for v in row).encode() for row in rows)

    def upsert_run(self, run: RunResult) -> None:
        """Create or widen a run's record (merging shards that share a run id)."""
        with self.write():
            existing = self._rows("select * from runs where id = ?", [run.id])
            if not existing:
                row = _row(run, RUN_COLUMNS)
                row.update(scenario_count=0, finding_count=0, error_count=0, heartbeat_at=_now())
                _insert(self.db, "runs", row)
                return
            old = existing[0]
            status = run.status if old["status"] == str(Status.COMPLETED) else old["status"]
            self.db.execute(
                "update runs set started_at = min(started_at, ?), "
                "finished_at = max(coalesce(finished_at, ''), ?), "
                "status = ?, shard = '' where id = ?",
                [run.started_at, run.finished_at, str(status), run.id],
            )

    def has_scenario_run(self, run_id: str, name: str) -> bool:
        found = self.db.execute(
            "select 1 from scenario_runs where run_id = ? and name = ?", [run_id, name]
        ).fetchone()
        return found is not None

    def previous_findings(self, run_id: str, names: Iterable[str]) -> dict[str, set[tuple[str, str]]]:
        """Per scenario, the (rule, control key) of the findings of its last completed run before it."""
        started = self.db.execute("select started_at from runs where id = ?", [run_id]).fetchone()
        before = str(started[0]) if started else "9999"
        found: dict[str, set[tuple[str, str]]] = {}
        for name in names:
            last = self.db.execute(
                "select s.id from scenario_runs s join runs r on r.id = s.run_id where s.name = ? "
                "and r.status = ? and r.id != ? and r.started_at < ? order by r.started_at desc limit 1",
                [name, str(Status.COMPLETED), run_id, before],
            ).fetchone()
            if last is not None:
                found[name] = {
                    (str(rule), str(key))
                    for rule, key in self.db.execute(
                        "select rule, control_key from findings where scenario_run_id = ?", [last[0]]
                    ).fetchall()
                }
        return found

    def _abandon_dead_runs(self) -> None:
        """Runs left `running` by a crawler that was killed, crashed or lost its machine."""
        host = socket.gethostname()
        stale = _stamp(datetime.now(UTC) - HEARTBEAT_STALE)
        for run_id, run_host, pid, heartbeat in self.db.execute(
            "select id, host, pid, heartbeat_at from runs where status = ?", [str(Status.RUNNING)]
        ).fetchall():
            dead = run_host == host and pid is not None and not _alive(int(pid))
            if dead or not heartbeat or str(heartbeat) < stale:
                self.db.execute(
                    "update runs set status = ?, finished_at = coalesce(finished_at, heartbeat_at) "
                    "where id = ?",
                    [str(Status.ABANDONED), run_id],
                )

    # -------------------------------------------------------------- scenarios

    def save_scenario(self, run_id: str, result: ScenarioResult) -> int:
        """Write one finished scenario, all or nothing."""
        with self.write():
            row = dict(
                zip((c.name for c in SCENARIO_COLUMNS), flatten(result, SCENARIO_COLUMNS), strict=True)
            )
            row.update(
                run_id=run_id,
                finding_count=len(result.findings),
                digest=observations_digest(result.steps),
            )
            scenario_run_id = _insert(self.db, "scenario_runs", row)
            control_ids = self._control_ids(run_id, result)
            for observation in result.steps:
                members = [(control_ids[c.key], c) for c in observation.controls]
                step = dict(
                    zip((c.name for c in STEP_COLUMNS), flatten(observation, STEP_COLUMNS), strict=True)
                )
                step.update(scenario_run_id=scenario_run_id, set_id=self._sets.set_id(members))
                _insert(self.db, "steps", step)
            self._insert_findings(scenario_run_id, result.findings, control_ids)
            self.db.conn.executemany(
                "insert or replace into artifacts (scenario_run_id, path, sha256) values (?, ?, ?)",
                [
                    (scenario_run_id, p, _file_digest_or_empty(self.path.parent / p))
                    for p in _artifacts(result)
                ],
            )
        return scenario_run_id

    def _insert_findings(
        self, scenario_run_id: int, findings: Sequence[Finding], control_ids: dict[str, int]
    ) -> None:
        names = ", ".join(["scenario_run_id", "control_id", *(_quote(c.name) for c in FINDING_COLUMNS)])
        marks = ", ".join("?" * (len(FINDING_COLUMNS) + 2))
        self.db.conn.executemany(
            f"insert into findings ({names}) values ({marks})",
            [(scenario_run_id, control_ids.get(f.control), *flatten(f, FINDING_COLUMNS)) for f in findings],
        )

    def replace_findings(self, scenario_run_id: int, scenario: str, findings: Sequence[Finding]) -> None:
        """Today's rules over a stored scenario (`crawler rescore`): its findings change, its evidence not."""
        with self.write():
            control_ids = {
                str(key): int(row_id)
                for row_id, key in self.db.execute(
                    "select id, key from controls where scenario = ?", [scenario]
                ).fetchall()
            }
            self.db.execute("delete from findings where scenario_run_id = ?", [scenario_run_id])
            self._insert_findings(scenario_run_id, findings, control_ids)
            self.db.execute(
                "update scenario_runs set finding_count = ? where id = ?", [len(findings), scenario_run_id]
            )

    def set_status(self, scenario_run_id: int, status: Status) -> None:
        with self.write():
            self.db.execute(
                "update scenario_runs set status = ? where id = ?", [str(status), scenario_run_id]
            )

    def scenario_run_run_id(self, scenario_run_id: int) -> str:
        row = self.db.execute("select run_id from scenario_runs where id = ?", [scenario_run_id]).fetchone()
        return str(row[0]) if row else ""

    def _control_ids(self, run_id: str, result: ScenarioResult) -> dict[str, int]:
        first_seen: dict[str, Control] = {}
        for observation in result.steps:
            for control in observation.controls:
                first_seen.setdefault(control.key, control)
        known: dict[str, int] = {}
        keys = list(first_seen)
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            known.update(
                (str(key), int(row_id))
                for row_id, key in self.db.execute(
                    f"select id, key from controls where scenario = ? and key in ({marks})",
                    [result.name, *chunk],
                ).fetchall()
            )
        ids: dict[str, int] = {}
        for key, control in first_seen.items():
            existing = known.get(key)
            ids[key] = (
                existing
                if existing is not None
                else _insert(
                    self.db,
                    "controls",
                    {
                        "scenario": result.name,
                        "key": key,
                        "kind": control.kind,
                        "label": control.shown_label,
                        "frame_url": control.frame_url,
                        "consent": control.consent,
                        "first_seen_run": run_id,
                    },
                )
            )
        return ids

    # -------------------------------------------------------------- reading back

    def scenario_run_ids(self, since: str = "", run_id: str = "") -> list[int]:
        sql = "select s.id from scenario_runs s join runs r on r.id = s.run_id where r.started_at >= ?"
        params: list[Any] = [since]
        if run_id:
            sql += " and r.id = ?"
            params.append(run_id)
        return [int(row[0]) for row in self.db.execute(sql + " order by s.id", params).fetchall()]

    def load_scenario(self, scenario_run_id: int) -> ScenarioResult:
        """Exactly the ScenarioResult that save_scenario wrote."""
        found = self._rows("select * from scenario_runs where id = ?", [scenario_run_id])
        if not found:
            raise StoreError(f"{self.path}: no stored scenario run {scenario_run_id}")
        data = unflatten(SCENARIO_COLUMNS, found[0])
        data["steps"] = [
            self._load_step(row)
            for row in self._rows(
                "select * from steps where scenario_run_id = ? order by idx", [scenario_run_id]
            )
        ]
        data["findings"] = [
            unflatten(FINDING_COLUMNS, row)
            for row in self._rows(
                "select * from findings where scenario_run_id = ? order by id", [scenario_run_id]
            )
        ]
        return build(ScenarioResult, data)

    def _load_step(self, row: dict[str, Any]) -> dict[str, Any]:
        step = unflatten(STEP_COLUMNS, row)
        members = self._rows(
            "select c.key, c.kind, d.*, x.* from set_members m "
            "join controls c on c.id = m.control_id "
            "join descriptions d on d.id = m.description_id "
            "join states x on x.id = m.state_id "
            "where m.set_id = ? order by m.position",
            [row["set_id"]],
        )
        step["controls"] = [
            {**unflatten(DESCRIPTION_COLUMNS + STATE_COLUMNS, m), "key": m["key"], "kind": m["kind"]}
            for m in members
        ]
        return step

    def load_run(self, run_id: str) -> RunResult:
        run = self.run_header(run_id)
        run.scenarios = [self.load_scenario(i) for i in self.scenario_run_ids(run_id=run_id)]
        return run

    def _rows(self, sql: str, params: Sequence[Any]) -> list[dict[str, Any]]:
        cursor = self.db.execute(sql, list(params))
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def run_ids(self) -> list[str]:
        return [str(r[0]) for r in self.db.execute("select id from runs order by started_at, id").fetchall()]

    def run_header(self, run_id: str) -> RunResult:
        """A run's own record, without its scenarios."""
        found = self._rows("select * from runs where id = ?", [run_id])
        if not found:
            raise StoreError(f"{self.path}: no run {run_id!r}")
        return build(RunResult, unflatten(RUN_COLUMNS, found[0]))

    def scenario_digest(self, scenario_run_id: int) -> str:
        row = self.db.execute("select digest from scenario_runs where id = ?", [scenario_run_id]).fetchone()
        return str(row[0] or "") if row else ""

    def artifacts(self, scenario_run_id: int) -> list[tuple[str, str]]:
        return [
            (str(path), str(sha))
            for path, sha in self.db.execute(
                "select path, sha256 from artifacts where scenario_run_id = ? order by path",
                [scenario_run_id],
            ).fetchall()
        ]


def _row(record: object, cols: Sequence[Column]) -> dict[str, Any]:
    return dict(zip((c.name for c in cols), flatten(record, cols), strict=True))


def _artifacts(result: ScenarioResult) -> list[str]:
    """The images taken at the scene (crops are cut from them later, and rescoring recuts them)."""
    paths = [s.screenshot for s in result.steps if s.screenshot]
    if result.error_screenshot:
        paths.append(result.error_screenshot)
    return list(dict.fromkeys(paths))


def _file_digest_or_empty(path: Path) -> str:
    """An image the run refers to but could not write (a full disk) is recorded as missing: ''."""
    try:
        return file_digest(path)
    except OSError:
        return ""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _now() -> str:
    return _stamp(datetime.now(UTC))


def _stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _unusable(path: Path, exc: sqlite3.DatabaseError) -> str:
    text = str(exc)
    if "readonly" in text or "read-only" in text:
        return f"{path}: the results database is read-only ({exc}). Make it writable or pass another --db."
    if "locked" in text or "busy" in text:
        return (
            f"{path}: the results database stayed locked by another crawl for {BUSY_TIMEOUT_S:g} s; "
            "try again when it has finished, or pass another --db."
        )
    return f"{path}: cannot use this file as the results database ({exc}). Pass another path with --db."


__all__ = ["SCHEMA_VERSION", "Store", "jsonable", "observations_digest"]
