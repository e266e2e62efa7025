"""Keys that survive randomised ids, and a database that stays consistent when a crawl is killed."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from crawler.server import SiteServer


def keys(result: Any) -> dict[str, str]:
    return {c["label"]: c["key"] for c in result.scenario("random")["steps"][0]["controls"]}


def test_control_keys_survive_randomised_ids_across_nights(crawl: Any) -> None:
    scenario = {"random": "name: random\nurl: /random-ids.html\nsteps:\n  - snapshot: again\n"}
    first = crawl(scenario)
    second = crawl(scenario)

    assert keys(first) == keys(second)
    assert len(set(keys(first).values())) == 3
    steps = first.scenario("random")["steps"]
    assert [c["key"] for c in steps[0]["controls"]] == [c["key"] for c in steps[1]["controls"]]
    with sqlite3.connect(second.db) as db:
        assert db.execute("select count(*) from controls").fetchone()[0] == 3
        assert db.execute("select count(distinct run_id) from scenario_runs").fetchone()[0] == 2


def start_crawl(tmp_path: Path, site: SiteServer) -> tuple[subprocess.Popen[str], Path]:
    folder = tmp_path / "scenarios"
    folder.mkdir()
    for i in range(6):
        (folder / f"s{i}.yaml").write_text(
            f"name: s{i}\nurl: /slow.html\nsteps:\n  - wait_for: {{ms: 400}}\n  - check: '#m'\n"
        )
    db = tmp_path / "crawl.db"
    crawl = subprocess.Popen(
        [sys.executable, "-m", "crawler", "run", str(folder), "--db", str(db), "--base-url", site.url],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    return crawl, db


def wait_for_saved(db: Path, count: int) -> int:
    deadline = time.monotonic() + 60
    saved = 0
    while time.monotonic() < deadline and saved < count:
        time.sleep(0.2)
        if db.exists():
            with sqlite3.connect(db) as conn:
                try:
                    saved = conn.execute("select count(*) from scenario_runs").fetchone()[0]
                except sqlite3.OperationalError:
                    saved = 0
    return saved


def assert_consistent(db: Path) -> list[tuple[str, int]]:
    with sqlite3.connect(db) as conn:
        assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
        assert conn.execute("pragma foreign_key_check").fetchall() == []
        per_scenario = conn.execute(
            "select r.name, count(s.id) from scenario_runs r join steps s on s.scenario_run_id = r.id"
            " group by r.id"
        ).fetchall()
        total = conn.execute("select count(*) from scenario_runs").fetchone()[0]
    assert all(steps == 3 for _, steps in per_scenario), "a scenario is saved whole or not at all"
    assert len(per_scenario) == total
    return per_scenario


def test_killed_crawl_leaves_a_consistent_database(tmp_path: Path, site: SiteServer) -> None:
    crawl, db = start_crawl(tmp_path, site)
    saved = wait_for_saved(db, 2)
    os.killpg(crawl.pid, signal.SIGKILL)
    crawl.wait()
    assert saved >= 2, "the crawl should have saved scenarios before it was killed"

    assert 2 <= len(assert_consistent(db)) < 6
    with sqlite3.connect(db) as conn:
        assert conn.execute("select status from runs").fetchone()[0] == "running"


def test_ctrl_c_records_an_interrupted_run_and_exits_130(tmp_path: Path, site: SiteServer) -> None:
    crawl, db = start_crawl(tmp_path, site)
    assert wait_for_saved(db, 1) >= 1
    os.killpg(crawl.pid, signal.SIGINT)
    _, stderr = crawl.communicate(timeout=60)

    assert crawl.returncode == 130, stderr
    assert "stopping (SIGINT): no new scenario starts" in stderr
    assert "stopped by SIGINT" in stderr
    assert "Traceback" not in stderr
    assert 1 <= len(assert_consistent(db)) < 6
    with sqlite3.connect(db) as conn:
        status, finished = conn.execute("select status, finished_at from runs").fetchone()
        errors = conn.execute("select count(*) from scenario_runs where status = 'error'").fetchone()[0]
    assert (status, errors) == ("interrupted", 0)
    assert finished
