"""The nightly crawl end to end: real Chromium, pages on loopback, the command line in its own process.

Each point of the issue's "Done means", and the test that proves it:

1. SIGTERM mid-crawl: 143, run `interrupted`, outputs written, database sound, next crawl works —
   `test_sigterm_mid_crawl_exits_143_and_keeps_what_finished` (SIGINT and SIGKILL:
   tests/test_durability.py).
2. `--max-duration` stops the crawl the same way, exit 124 — `test_max_duration_stops_the_crawl_with_124`.
3. `--concurrency 2` really runs two scenarios at once — `test_two_scenarios_run_at_once`.
4. A scenario past its `scenario_timeout_s` is stopped, the others finish —
   `test_a_scenario_past_its_deadline_is_stopped_and_the_others_finish`.
5. Chromium killed mid-crawl by its pid: relaunched, the victim retried —
   tests/hostile/test_hostile_browser.py::test_the_crawl_goes_on_when_chromium_is_killed.
6. A 503-then-200 page passes with `--retries 1`, both attempts recorded —
   `test_a_503_then_200_page_passes_with_one_retry_and_both_attempts_are_recorded`.
7. Two crawls on one database at once both complete —
   tests/hostile/test_hostile_database.py::test_two_then_four_crawls_write_one_database_at_once.
8. `--fail-on new`: 0 on an unchanged night, 1 when a box becomes pre-ticked —
   tests/test_nightly_nights.py::test_fail_on_new_counts_only_what_the_night_before_did_not_have.
9. A baseline entry accepts its finding until it expires —
   tests/test_nightly_nights.py::test_a_baseline_entry_accepts_its_finding_until_it_expires.
10. `--junit` of a real crawl: one test case per scenario, findings as failures —
    `test_junit_of_a_real_crawl_has_one_case_per_scenario`.
11. `crawler nightly --notify-webhook`: the webhook gets the new findings; a dead one fails nothing —
    tests/test_nightly_nights.py::test_the_webhook_receives_the_new_findings_of_the_night and
    ::test_a_dead_webhook_does_not_fail_the_night.
12. Two shards merged equal an unsharded run; merging a shard twice changes nothing —
    tests/test_nightly_remote.py::test_two_shards_merged_equal_one_unsharded_run and
    ::test_merging_a_shard_twice_changes_nothing.
13. `--connect` to a Playwright browser server finds what a local crawl finds —
    tests/test_nightly_remote.py::test_a_crawl_through_connect_finds_what_a_local_crawl_finds.
"""

from __future__ import annotations

import json
import signal
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import xmlschema

from crawler.server import SiteServer
from tests.conftest import poll, process_stats, run_cli
from tests.nightly_support import (
    MARKETING,
    Loopback,
    Request,
    by_name,
    consent_page,
    load_json,
    rows,
    running,
    saved,
    scenario,
    write_pages,
    write_scenarios,
)

JUNIT_SCHEMA = Path(__file__).parent / "schemas" / "junit-10.xsd"


@pytest.fixture(scope="module")
def signup_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SiteServer]:
    root = write_pages(
        tmp_path_factory.mktemp("site"),
        {"pre": consent_page((MARKETING, True)), "clean": consent_page((MARKETING, False))},
    )
    with SiteServer(root) as server:
        yield server


def assert_sound(db: Path) -> None:
    assert rows(db, "pragma integrity_check") == [("ok",)]
    assert rows(db, "pragma foreign_key_check") == []


def stored(db: Path, run_id: str) -> dict[str, str]:
    return dict(rows(db, "select name, status from scenario_runs where run_id = ?", (run_id,)))


def session_processes(session: int) -> list[int]:
    """Processes still in the process group a test started (the crawler's, Chromium's among them)."""
    return [pid for pid, fields in process_stats() if int(fields[2]) == session and fields[0] != "Z"]


@pytest.mark.slow
def test_sigterm_mid_crawl_exits_143_and_keeps_what_finished(tmp_path: Path, signup_site: SiteServer) -> None:
    folder = write_scenarios(
        tmp_path / "scenarios", {f"s{i}": scenario(f"s{i}", "/pre", "wait_for: {ms: 500}") for i in range(4)}
    )
    db, out, report = tmp_path / "crawl.db", tmp_path / "out.json", tmp_path / "report"
    junit = tmp_path / "junit.xml"
    args = ("--db", str(db), "--json", str(out), "--report", str(report), "--base-url", signup_site.url)
    with running("run", str(folder), *args, "--junit", str(junit), "--concurrency", "1") as crawl:
        poll(lambda: saved(db) >= 1, "a first scenario to be saved")
        # The crawler alone, as `timeout`, systemd (KillMode=mixed) and Kubernetes signal it.
        crawl.send_signal(signal.SIGTERM)
        _, stderr = crawl.communicate(timeout=60)
        poll(lambda: not session_processes(crawl.pid), "Chromium to be closed", seconds=15)

    assert crawl.returncode == 143, stderr
    assert "stopping (SIGTERM): no new scenario starts" in stderr
    assert "Traceback" not in stderr
    doc = load_json(out)
    run_id = doc["run"]["id"]
    assert (doc["run"]["status"], doc["run"]["stopped_by"]) == ("interrupted", "SIGTERM")
    finished = {name: s["status"] for name, s in by_name(doc).items()}
    assert 1 <= len(finished) < 4, f"the crawl should have stopped between scenarios: {stderr}"
    assert set(finished.values()) == {"findings"}, "a scenario cut short is left out, not saved as an error"
    assert stored(db, run_id) == finished
    assert rows(db, "select status, stopped_by, finished_at is not null from runs") == [
        ("interrupted", "SIGTERM", 1)
    ]
    assert (report / "index.html").is_file()
    assert (report / "runs" / f"{run_id}.html").is_file()
    assert sorted(c.get("name", "") for c in ET.parse(junit).getroot().iter("testcase")) == sorted(finished)
    assert_sound(db)

    again = run_cli("run", str(folder / "s0.yaml"), *args)
    assert again.returncode == 1, again.stderr
    assert sorted(rows(db, "select status from runs")) == [("completed",), ("interrupted",)]
    assert_sound(db)


@pytest.mark.slow
def test_max_duration_stops_the_crawl_with_124(tmp_path: Path, signup_site: SiteServer) -> None:
    folder = write_scenarios(
        tmp_path / "scenarios",
        {
            "quick": scenario("quick", "/pre"),
            "slow": scenario("slow", "/clean", "wait_for: {ms: 120000}"),
        },
    )
    db, out, report = tmp_path / "crawl.db", tmp_path / "out.json", tmp_path / "report"
    done = run_cli(
        "run",
        str(folder),
        *("--db", str(db), "--json", str(out), "--report", str(report), "--base-url", signup_site.url),
        # Ample for `quick` to finish first, even on a loaded machine; `slow` waits for two minutes.
        *("--concurrency", "2", "--max-duration", "8s"),
        timeout=90,
    )

    assert done.returncode == 124, done.stderr
    assert "stopping (max-duration)" in done.stderr
    assert "Traceback" not in done.stderr
    doc = load_json(out)
    assert (doc["run"]["status"], doc["run"]["stopped_by"]) == ("interrupted", "max-duration")
    assert {name: s["status"] for name, s in by_name(doc).items()} == {"quick": "findings"}, done.stderr
    assert stored(db, doc["run"]["id"]) == {"quick": "findings"}
    assert rows(db, "select status, stopped_by from runs") == [("interrupted", "max-duration")]
    assert (report / "index.html").is_file()
    assert_sound(db)


@dataclass
class Parallel:
    code: int
    stderr: str
    db: Path
    doc: dict[str, Any]
    junit: Path


@pytest.fixture(scope="module")
def parallel(tmp_path_factory: pytest.TempPathFactory, signup_site: SiteServer) -> Parallel:
    """Two slow scenarios, one that outlives its deadline and a clean one, two at a time."""
    root = tmp_path_factory.mktemp("parallel")
    folder = write_scenarios(
        root / "scenarios",
        {
            "a-slow": scenario("a-slow", "/pre", "wait_for: {ms: 1500}"),
            "b-slow": scenario("b-slow", "/pre", "wait_for: {ms: 1500}"),
            "c-stuck": scenario("c-stuck", "/clean", "wait_for: {ms: 60000}", scenario_timeout_s=5),
            "d-clean": scenario("d-clean", "/clean"),
        },
    )
    db, out, junit = root / "crawl.db", root / "out.json", root / "junit.xml"
    done = run_cli(
        "run",
        str(folder),
        *("--db", str(db), "--json", str(out), "--junit", str(junit), "--base-url", signup_site.url),
        *("--concurrency", "2"),
        timeout=120,
    )
    return Parallel(done.returncode, done.stderr, db, load_json(out), junit)


def interval(started: str, finished: str) -> tuple[datetime, datetime]:
    return datetime.fromisoformat(started), datetime.fromisoformat(finished)


@pytest.mark.slow
def test_two_scenarios_run_at_once(parallel: Parallel) -> None:
    scenarios = by_name(parallel.doc)
    a = interval(scenarios["a-slow"]["started_at"], scenarios["a-slow"]["finished_at"])
    b = interval(scenarios["b-slow"]["started_at"], scenarios["b-slow"]["finished_at"])
    assert a[0] < b[1] and b[0] < a[1], f"a-slow {a} and b-slow {b} did not overlap"

    times = rows(
        parallel.db,
        "select started_at, finished_at from scenario_runs where name in ('a-slow', 'b-slow') order by name",
    )
    a, b = (interval(*row) for row in times)
    assert a[0] < b[1] and b[0] < a[1], "the stored times should show the overlap too"


@pytest.mark.slow
def test_a_scenario_past_its_deadline_is_stopped_and_the_others_finish(parallel: Parallel) -> None:
    assert parallel.code == 3, parallel.stderr
    assert parallel.doc["run"]["status"] == "completed"
    scenarios = by_name(parallel.doc)
    statuses = {name: s["status"] for name, s in scenarios.items()}
    assert statuses == {"a-slow": "findings", "b-slow": "findings", "c-stuck": "error", "d-clean": "ok"}
    stuck = scenarios["c-stuck"]
    assert "did not finish within 5 s (its scenario_timeout_s)" in stuck["error"]
    assert stored(parallel.db, parallel.doc["run"]["id"]) == statuses


@pytest.mark.slow
def test_junit_of_a_real_crawl_has_one_case_per_scenario(parallel: Parallel) -> None:
    tree = ET.parse(parallel.junit)
    # `file` is the one attribute the crawler adds beyond the Surefire schema (see tests/test_junit.py).
    for case in tree.getroot().iter("testcase"):
        del case.attrib["file"]
    xmlschema.XMLSchema(JUNIT_SCHEMA).validate(tree)

    suites = tree.getroot().findall("testsuite")
    assert len(suites) == 1
    cases = {case.get("name", ""): case for case in suites[0].findall("testcase")}
    assert sorted(cases) == ["a-slow", "b-slow", "c-stuck", "d-clean"]
    assert (suites[0].get("tests"), suites[0].get("failures"), suites[0].get("errors")) == ("4", "2", "1")
    for name in ("a-slow", "b-slow"):
        failures = cases[name].findall("failure")
        assert [f.get("type") for f in failures] == ["preselected-consent"]
        assert MARKETING in (failures[0].get("message") or "")
    errors = cases["c-stuck"].findall("error")
    assert len(errors) == 1 and "scenario_timeout_s" in (errors[0].get("message") or "")
    assert list(cases["d-clean"]) == []


@pytest.mark.slow
def test_a_503_then_200_page_passes_with_one_retry_and_both_attempts_are_recorded(tmp_path: Path) -> None:
    def flaky(request: Request, so_far: list[Request]) -> tuple[int, str, bytes]:
        if request.path != "/signup":
            return 404, "text/plain", b"not here"
        if len([r for r in so_far if r.path == "/signup"]) == 1:
            return 503, "text/html", b"<h1>Busy, try again</h1>"
        return 200, "text/html; charset=utf-8", consent_page((MARKETING, False)).encode()

    server = Loopback(flaky)
    try:
        folder = write_scenarios(tmp_path / "scenarios", {"flaky": scenario("flaky", "/signup")})
        db, out = tmp_path / "crawl.db", tmp_path / "out.json"
        done = run_cli(
            "run", str(folder), "--db", str(db), "--json", str(out), "--base-url", server.url, "--retries=1"
        )
    finally:
        server.stop()

    assert done.returncode == 0, done.stderr
    assert len(server.hits("/signup")) == 2
    flaky_run = by_name(load_json(out))["flaky"]
    assert flaky_run["status"] == "ok"
    attempts = [(a["number"], a["status"]) for a in flaky_run["attempts"]]
    assert attempts == [(1, "error"), (2, "ok")]
    assert "answered HTTP 503" in flaky_run["attempts"][0]["reason"]
    [(recorded,)] = rows(db, "select attempts from scenario_runs where name = 'flaky'")
    assert recorded is not None
    assert [(a["number"], a["status"]) for a in json.loads(recorded)] == attempts
