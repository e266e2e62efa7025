"""A night spread over machines: shards merged into one run, and a browser that runs elsewhere (`--connect`).

Which point of the issue each test proves: see the list in tests/test_nightly.py.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from crawler import browser, shard
from crawler.server import SiteServer
from tests.conftest import poll, run_cli
from tests.nightly_support import (
    MARKETING,
    PARTNERS,
    by_name,
    consent_page,
    load_json,
    rows,
    scenario,
    write_pages,
    write_scenarios,
)

RUN_ID = "nightly-2026-12-02"
SCENARIOS = {
    "alpha": scenario("alpha", "/pre"),
    "bravo": scenario("bravo", "/clean"),  # alpha and charlie are shard 1 of 2, bravo and delta shard 2
    "charlie": scenario("charlie", "/both"),
    "delta": scenario("delta", "/clean", "check: input"),
}


@dataclass
class Crawled:
    code: int
    stderr: str
    db: Path
    doc: dict[str, Any]


@dataclass
class Night:
    site: SiteServer
    folder: Path
    root: Path

    def crawl(self, name: str, *extra: str, code: int = 1) -> Crawled:
        db, out = self.root / f"{name}.db", self.root / f"{name}.json"
        done = run_cli(
            "run",
            str(self.folder),
            *("--db", str(db), "--json", str(out), "--base-url", self.site.url, "--concurrency", "2"),
            *extra,
        )
        assert done.returncode == code, done.stderr  # 1: findings, and nothing else went wrong
        return Crawled(done.returncode, done.stderr, db, load_json(out))


@pytest.fixture(scope="module")
def night(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Night]:
    root = tmp_path_factory.mktemp("remote")
    pages = {
        "pre": consent_page((MARKETING, True)),
        "clean": consent_page((MARKETING, False)),
        "both": consent_page((MARKETING, True), (PARTNERS, True)),
    }
    folder = write_scenarios(root / "scenarios", SCENARIOS)
    with SiteServer(write_pages(root / "site", pages)) as site:
        yield Night(site, folder, root)


@pytest.fixture(scope="module")
def whole(night: Night) -> Crawled:
    """The night in one unsharded, local crawl: what the others must match."""
    return night.crawl("whole", "--run-id", RUN_ID)


@dataclass
class Merged:
    db: Path
    shards: tuple[Path, Path]
    code: int
    stderr: str


@pytest.fixture(scope="module")
def merged(night: Night) -> Merged:
    split = [shard.select(sorted(SCENARIOS), k, 2, key=str) for k in (1, 2)]
    assert all(split), f"both shards should hold scenarios: {split}"
    one = night.crawl("shard-1", "--shard", "1/2", "--run-id", RUN_ID)
    two = night.crawl("shard-2", "--shard", "2/2", "--run-id", RUN_ID, code=0)  # its pages are clean
    assert [sorted(by_name(one.doc)), sorted(by_name(two.doc))] == split
    out = night.root / "merged.db"
    done = run_cli("merge", str(out), str(one.db), str(two.db))
    return Merged(out, (one.db, two.db), done.returncode, done.stderr)


def scenario_runs(db: Path) -> list[tuple[Any, ...]]:
    return rows(db, "select run_id, name, status, finding_count from scenario_runs order by name")


def findings(db: Path) -> set[tuple[Any, ...]]:
    sql = "select run_id, scenario, rule, control_key, step, accepted from findings_with_context"
    return set(rows(db, sql))


def counts(db: Path) -> dict[str, int]:
    tables = [t for (t,) in rows(db, "select name from sqlite_master where type = 'table'")]
    return {table: rows(db, f'select count(*) from "{table}"')[0][0] for table in tables}


@pytest.mark.slow
def test_two_shards_merged_equal_one_unsharded_run(whole: Crawled, merged: Merged) -> None:
    assert merged.code == 0, merged.stderr
    assert scenario_runs(merged.db) == scenario_runs(whole.db)
    assert len(scenario_runs(merged.db)) == len(SCENARIOS)
    assert findings(merged.db) == findings(whole.db)
    assert {scenario for _, scenario, *_ in findings(whole.db)} == {"alpha", "charlie"}
    assert rows(merged.db, "select id, status, scenario_count, finding_count from runs") == [
        (RUN_ID, "completed", 4, 3)
    ]
    verified = run_cli("verify", RUN_ID, "--db", str(merged.db))
    assert verified.returncode == 0, verified.stderr


@pytest.mark.slow
def test_merging_a_shard_twice_changes_nothing(merged: Merged) -> None:
    before = counts(merged.db)
    screenshots = sorted(p.name for p in (merged.db.parent / "merged-screenshots").rglob("*"))
    assert screenshots, "the shards' screenshots should have been merged"
    again = run_cli("merge", str(merged.db), *map(str, merged.shards))

    assert again.returncode == 0, again.stderr
    assert "0 scenario runs added, 4 already there" in again.stderr
    assert counts(merged.db) == before
    assert before["scenario_runs"] == len(SCENARIOS)
    assert sorted(p.name for p in (merged.db.parent / "merged-screenshots").rglob("*")) == screenshots


@pytest.fixture
def browser_server(tmp_path: Path) -> Iterator[str]:
    """`playwright launch-server` with the Chromium the crawler would find; yields its ws:// endpoint."""
    config = tmp_path / "server.json"
    config.write_text(json.dumps({"executablePath": browser.find(), "headless": True}))
    server = subprocess.Popen(
        [sys.executable, "-m", "playwright", "launch-server", "--browser=chromium", f"--config={config}"],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert server.stdout is not None
    try:
        ready, _, _ = select.select([server.stdout], [], [], 60)
        assert ready, "the browser server printed no endpoint"
        endpoint = server.stdout.readline().strip()
        assert endpoint.startswith("ws://"), endpoint
        yield endpoint
    finally:
        # The Python wrapper and the node server it starts; node closes its Chromium on SIGTERM.
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        try:
            poll(lambda: not _alive_group(server.pid), "the browser server to exit", seconds=20)
        finally:
            if _alive_group(server.pid):
                os.killpg(server.pid, signal.SIGKILL)


def _alive_group(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


def seen(doc: dict[str, Any]) -> dict[str, Any]:
    """Per scenario: its status, its findings, and every control's state at every step."""
    return {
        name: (
            s["status"],
            sorted((f["rule"], f["control"], f["step"]) for f in s["findings"]),
            [[(c["key"], c["checked"], c["consent"]) for c in step["controls"]] for step in s["steps"]],
        )
        for name, s in by_name(doc).items()
    }


@pytest.mark.slow
def test_a_crawl_through_connect_finds_what_a_local_crawl_finds(
    night: Night, whole: Crawled, browser_server: str
) -> None:
    remote = night.crawl("remote", "--connect", browser_server)

    assert seen(remote.doc) == seen(whole.doc)
    assert remote.doc["run"]["options"]["connect"] == browser_server
    assert remote.doc["run"]["browser"].startswith("chromium ")
