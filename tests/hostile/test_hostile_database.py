"""The results database under stress: writers at once, damage, a killed crawl, no permission, tampering."""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from crawler.errors import StoreError
from crawler.store import SCHEMA_VERSION, Store
from tests.conftest import run_cli
from tests.hostile.conftest import HostileSite, SharedCrawl, scenario


def write_scenario(folder: Path, name: str, url: str = "/tab.html", steps: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.yaml").write_text(scenario(name, url, steps))
    return folder


def crawler(*args: str) -> list[str]:
    return [sys.executable, "-m", "crawler", *args]


def copy_of_shared_results(shared: SharedCrawl, target: Path) -> Path:
    """The shared crawl's database (a consistent copy, WAL included) and its screenshots, in `target`."""
    target.mkdir()
    db = target / "crawl.db"
    with sqlite3.connect(shared.crawl.db) as source, sqlite3.connect(db) as copy:
        source.backup(copy)
    copy.close()
    shutil.copytree(shared.crawl.db.parent / "crawl-screenshots", target / "crawl-screenshots")
    return db


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def test_a_damaged_database_is_refused_and_left_as_it_was(
    tmp_path: Path, hostile_site: HostileSite, shared_crawl: SharedCrawl
) -> None:
    db = copy_of_shared_results(shared_crawl, tmp_path / "results")
    size = db.stat().st_size
    with db.open("r+b") as handle:
        handle.seek(size // 2)
        handle.write(random.Random(10).randbytes(4096))
    damaged = sha256(db)

    folder = write_scenario(tmp_path / "scenarios", "after-damage")
    done = run_cli("run", str(folder), "--db", str(db), "--base-url", hostile_site.url)

    assert done.returncode == 4, done.stderr
    assert f"{db} is damaged" in done.stderr
    assert "Nothing was written to it" in done.stderr
    assert f"sqlite3 {db} .recover | sqlite3 recovered.db" in done.stderr
    assert "Traceback" not in done.stderr
    assert sha256(db) == damaged


def test_stores_opened_at_once_on_a_new_file_create_its_schema_once(tmp_path: Path) -> None:
    for attempt in range(5):
        db = tmp_path / f"{attempt}.db"
        start = threading.Barrier(4)
        refused: list[str] = []

        def open_store(db: Path = db, start: threading.Barrier = start, refused: list[str] = refused) -> None:
            start.wait()
            try:
                Store(db).close()
            except StoreError as exc:
                refused.append(str(exc))

        threads = [threading.Thread(target=open_store) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert refused == []
        assert rows(db, "pragma user_version") == [(SCHEMA_VERSION,)]


@pytest.mark.slow
def test_two_then_four_crawls_write_one_database_at_once(tmp_path: Path, hostile_site: HostileSite) -> None:
    db = tmp_path / "crawl.db"
    for batch in (2, 4):
        crawls = [
            subprocess.Popen(
                crawler(
                    "run",
                    str(write_scenario(tmp_path / f"{batch}-{i}", f"writer-{batch}-{i}")),
                    "--db",
                    str(db),
                    "--base-url",
                    hostile_site.url,
                ),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            for i in range(batch)
        ]
        errors = [crawl.communicate(timeout=240)[1] for crawl in crawls]
        assert [crawl.returncode for crawl in crawls] == [1] * batch, errors

    assert rows(db, "pragma integrity_check") == [("ok",)]
    assert rows(db, "pragma foreign_key_check") == []
    assert rows(db, "select status, count(*) from runs group by status") == [("completed", 6)]
    assert rows(db, "select count(distinct run_id), count(*) from scenario_runs") == [(6, 6)]
    assert rows(db, "select count(*) from steps") == [(6,)]
    assert rows(db, "select count(*) from findings") == [(6,)]


def test_an_unwritable_report_folder_exits_6_and_the_run_is_saved(
    tmp_path: Path, hostile_site: HostileSite
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the report folder should go")
    db = tmp_path / "crawl.db"
    folder = write_scenario(tmp_path / "scenarios", "report-blocked")

    done = run_cli(
        "run",
        str(folder),
        "--db",
        str(db),
        "--base-url",
        hostile_site.url,
        "--report",
        str(blocker / "report"),
    )

    assert done.returncode == 6, done.stderr
    assert "the run itself is saved" in done.stderr
    assert "Traceback" not in done.stderr
    assert rows(db, "select r.status, s.name from runs r join scenario_runs s on s.run_id = r.id") == [
        ("completed", "report-blocked")
    ]


@pytest.mark.slow
def test_a_run_left_running_by_a_killed_crawl_is_marked_abandoned(
    tmp_path: Path, hostile_site: HostileSite
) -> None:
    db = tmp_path / "crawl.db"
    folder = write_scenario(tmp_path / "killed", "killed", "/tab.html?killed", "- wait_for: {ms: 30000}")
    crawl = subprocess.Popen(
        crawler("run", str(folder), "--db", str(db), "--base-url", hostile_site.url),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while "/tab.html?killed" not in hostile_site.requested:
        assert time.monotonic() < deadline and crawl.poll() is None, "the crawl never opened its page"
        time.sleep(0.1)
    os.killpg(crawl.pid, signal.SIGKILL)
    crawl.wait()
    assert rows(db, "select status from runs") == [("running",)]

    done = run_cli(
        "run", str(write_scenario(tmp_path / "next", "next")), "--db", str(db), "--base-url", hostile_site.url
    )

    assert done.returncode == 1, done.stderr
    assert rows(db, "select status from runs order by started_at") == [("abandoned",), ("completed",)]


@contextmanager
def read_only(path: Path) -> Iterator[None]:
    """Read-only even for root, who ignores permission bits: the immutable flag (ext4, xfs, btrfs)."""
    path.chmod(0o444)
    if os.geteuid() == 0:
        subprocess.run(["chattr", "+i", str(path)], check=True)
    try:
        yield
    finally:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(path)], check=True)
        path.chmod(0o644)


def test_a_read_only_database_is_refused_with_exit_4(
    tmp_path: Path, hostile_site: HostileSite, shared_crawl: SharedCrawl
) -> None:
    db = copy_of_shared_results(shared_crawl, tmp_path / "results")
    before = rows(db, "select count(*) from runs")
    folder = write_scenario(tmp_path / "scenarios", "read-only")

    with read_only(db):
        done = run_cli("run", str(folder), "--db", str(db), "--base-url", hostile_site.url)

    assert done.returncode == 4, done.stderr
    assert f"{db}: the results database is read-only" in done.stderr
    assert "Make it writable or pass another --db" in done.stderr
    assert "Traceback" not in done.stderr
    assert rows(db, "select count(*) from runs") == before


def test_verify_names_one_changed_byte_in_a_screenshot_or_in_a_stored_state(
    tmp_path: Path, shared_crawl: SharedCrawl
) -> None:
    db = copy_of_shared_results(shared_crawl, tmp_path / "results")
    unchanged = run_cli("verify", "--db", str(db))
    assert unchanged.returncode == 0, unchanged.stderr
    assert ", 0 changes." in unchanged.stderr

    [(shot,)] = rows(
        db,
        "select screenshot from steps join scenario_runs r on r.id = scenario_run_id where r.name = 'e-tall'",
    )
    image = db.parent / str(shot)
    original = image.read_bytes()
    image.write_bytes(original[:5000] + bytes([original[5000] ^ 1]) + original[5001:])
    changed = run_cli("verify", "--db", str(db))
    assert changed.returncode == 1, changed.stderr
    assert f"scenario e-tall: {shot} changed" in changed.stderr
    assert ", 1 changes." in changed.stderr
    image.write_bytes(original)

    with sqlite3.connect(db) as conn:
        conn.execute(
            "update states set checked = 1 - checked where id = (select min(st.id) from states st"
            " join set_members m on m.state_id = st.id join steps s on s.set_id = m.set_id"
            " join scenario_runs r on r.id = s.scenario_run_id where r.name = 'h-label-button')"
        )
    conn.close()
    tampered = run_cli("verify", "--db", str(db))
    assert tampered.returncode == 1, tampered.stderr
    assert "scenario h-label-button: its observations changed" in tampered.stderr
