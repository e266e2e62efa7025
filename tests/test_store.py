"""The store reads back what it writes, shares what nights have in common, and moves old files forward."""

from __future__ import annotations

import shutil
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from crawler.errors import StoreError
from crawler.models import Thresholds
from crawler.results import (
    Attempt,
    Box,
    Control,
    Finding,
    Gap,
    Intent,
    LabelStyle,
    Observation,
    RunResult,
    ScenarioResult,
    Status,
)
from crawler.store import SCHEMA_VERSION, Store

FIXTURES = Path(__file__).parent / "fixtures"


def control(key: str, checked: bool | None = False, **changes: object) -> Control:
    base = Control(
        key=key,
        kind="checkbox",
        role="checkbox",
        label=f"Share my data with partners ({key})",
        label_source="label",
        nearby_text="near “it”",
        description="We share it with 12 partners",
        context="We use cookies",
        frame_url="http://127.0.0.1/page.html",
        selector="#a > input:nth-of-type(1)",
        native=True,
        name="share",
        value="yes",
        consent=True,
        purposes=("sharing",),
        matched=("share my data", "partners"),
        consent_from="label",
        checked=checked,
        visible=True,
        box=Box(10.5, 2000.0, 13.0, 13.0),
        in_viewport=False,
        below_fold=1280.0,
        opacity=0.9,
        label_style=LabelStyle(11.0, "rgb(153, 153, 153)", "rgb(255, 255, 255)", None, 1.0),
    )
    return replace(base, **changes)


def scenario(name: str = "signup", states: tuple[bool | None, ...] = (True, None)) -> ScenarioResult:
    steps = [
        Observation(
            index=0,
            action="open",
            name="open /signup",
            url="http://127.0.0.1/signup",
            controls=(control("a", states[0]), control("b", states[1], label_style=None, box=None)),
            settle_ms=612.5,
            screenshot="crawl-screenshots/r/signup/000.jpg",
            gaps=(Gap("canvas", "canvas 300x150 at 0,0", "http://127.0.0.1/signup"),),
            http_status=200,
            screenshot_size=(1280.0, 3000.0),
        ),
        Observation(
            index=1,
            action="click",
            name="click #accept",
            url="http://127.0.0.1/signup",
            controls=(control("a", True, acted=True),),
            target="#accept",
            target_name="Accept all",
            intent=Intent.ACCEPT_ALL,
            page_errors=("TypeError: x is undefined",),
            failed_requests=("GET http://127.0.0.1/x.js: net::ERR_FAILED",),
            automation_probed=("navigator.webdriver",),
            settled=False,
        ),
    ]
    findings = [
        Finding(
            rule="preselected-consent",
            severity="high",
            step=0,
            control="checkbox:share:1",
            label="Share “my” data",
            detail="ticked",
            tags=("gdpr-recital-32",),
            measures={"label_contrast": {"value": 2.1, "threshold": 4.5, "failed": True}},
            evidence={"screenshot": "crawl-screenshots/r/signup/000.jpg", "step": 0, "box": {"x": 1.0}},
            evidence_step=1,
            accepted=True,
            accepted_reason="LEGAL-1",
        )
    ]
    return ScenarioResult(
        name=name,
        title="Sign up",
        file="scenarios/signup.yaml",
        tags=("alipay", "mobile"),
        started_at="2026-12-01T02:00:00.000Z",
        finished_at="2026-12-01T02:00:09.000Z",
        status=Status.FINDINGS,
        steps=steps,
        findings=findings,
        failures=["expected “x” to be unchecked, but it was checked"],
        attempts=[
            Attempt(1, "a", "b", Status.ERROR, "net::ERR_CONNECTION_REFUSED"),
            Attempt(2, "c", "d", Status.OK),
        ],
        file_hash="ab" * 32,
        thresholds=Thresholds(min_font_px=14),
        lexicon={"credit": ["Zhima score"]},
    )


def run(run_id: str) -> RunResult:
    return RunResult(id=run_id, started_at=f"2026-12-0{run_id[-1]}T02:00:00Z", base_url="http://x")


def test_a_stored_scenario_reads_back_exactly_as_it_was_written(tmp_path: Path) -> None:
    store = Store(tmp_path / "crawl.db")
    store.begin_run(run("night1"))
    written = scenario()
    scenario_run_id = store.save_scenario("night1", written)
    assert store.load_scenario(scenario_run_id) == written
    loaded = store.load_run("night1")
    assert loaded.scenarios == [written]
    assert loaded.crawler_version and loaded.host


def test_a_night_like_the_last_stores_no_new_observations(tmp_path: Path) -> None:
    store = Store(tmp_path / "crawl.db")

    def counts() -> tuple[int, ...]:
        tables = ("descriptions", "states", "observation_sets", "set_members")
        return tuple(store.db.execute(f"select count(*) from {t}").fetchone()[0] for t in tables)

    store.begin_run(run("night1"))
    store.save_scenario("night1", scenario())
    after_one = counts()
    store.begin_run(run("night2"))
    store.save_scenario("night2", scenario())
    assert counts() == after_one
    sets = store.db.execute("select set_id from steps order by scenario_run_id, idx").fetchall()
    assert sets[:2] == sets[2:]

    store.begin_run(run("night3"))
    store.save_scenario("night3", scenario(states=(False, None)))  # one box no longer pre-ticked
    descriptions, states, observation_sets, members = counts()
    assert (descriptions, states, observation_sets) == (after_one[0], after_one[1] + 1, after_one[2] + 1)
    assert members == after_one[3] + 2


def test_a_database_written_by_schema_1_moves_forward_in_place_with_a_backup(tmp_path: Path) -> None:
    db = tmp_path / "nightly.db"
    shutil.copy(FIXTURES / "v1.db", db)
    with sqlite3.connect(db) as old:
        before = old.execute(
            "select st.idx, c.key, o.checked, o.label, o.x, o.font_size from observations o "
            "join steps st on st.id = o.step_id join controls c on c.id = o.control_id order by o.rowid"
        ).fetchall()
        findings_before = old.execute("select rule, label from findings order by id").fetchall()
    old.close()
    assert len(before) == 10

    store = Store(db)
    assert store.version == SCHEMA_VERSION
    backups = list(tmp_path.glob("nightly.db.schema-1-*.bak"))
    assert len(backups) == 1
    with sqlite3.connect(backups[0]) as backup:
        assert backup.execute("pragma user_version").fetchone()[0] == 1
        assert backup.execute("select count(*) from observations").fetchone()[0] == 10
    backup.close()

    after = store.db.execute(
        "select st.idx, o.key, o.checked, o.label, o.x, o.font_size from observations o "
        "join steps st on st.id = o.step_id order by st.id, o.position"
    ).fetchall()
    assert sorted(after) == sorted(before)
    results = [store.load_scenario(i) for i in store.scenario_run_ids()]
    assert {r.name for r in results} == {"user-ticks", "sneaky", "bundled"}
    loaded = [(f.rule, f.label) for r in results for f in r.findings]
    assert sorted(loaded) == sorted(findings_before)
    sneaky = next(r for r in results if r.name == "sneaky")
    assert [c.checked for c in sneaky.steps[1].controls] == [True, True]
    # And it keeps working: a new night is added to the migrated file.
    store.begin_run(run("night9"))
    store.save_scenario("night9", scenario())
    store.close()
    assert len(list(tmp_path.glob("*.bak"))) == 1


def test_views_answer_without_reading_the_code(tmp_path: Path) -> None:
    store = Store(tmp_path / "crawl.db")
    for night, states in (("night1", (False, False)), ("night2", (True, False))):
        store.begin_run(run(night))
        store.save_scenario(night, scenario(states=states))
    rows = store.db.execute(
        "select run_id, started_at, scenario, step, rule, severity, control_key, label, detail "
        "from findings_with_context order by run_id"
    ).fetchall()
    assert [r[0] for r in rows] == ["night1", "night2"]
    assert rows[0][2:5] == ("signup", 0, "preselected-consent")
    history = store.db.execute(
        "select run_id, scenario, control_key, states from control_history where control_key = 'a' "
        "order by run_id"
    ).fetchall()
    assert history == [
        ("night1", "signup", "a", "0:unchecked 1:checked"),
        ("night2", "signup", "a", "0:checked 1:checked"),
    ]


def test_files_that_are_not_ours_or_from_a_newer_crawler_are_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("create table notes (text)")
    conn.close()
    with pytest.raises(StoreError, match="SQLite database of something else"):
        Store(other)
    newer = tmp_path / "newer.db"
    Store(newer).close()
    with sqlite3.connect(newer) as conn:
        conn.execute(f"pragma user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StoreError, match="newer crawler"):
        Store(newer)
