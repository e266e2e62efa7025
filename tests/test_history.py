"""Nights compared without a browser: findings' streaks, what a diff pairs, pruning, the fast loader."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pytest

from crawler import charts, diff, history, report
from crawler.history import History
from crawler.queries import Results
from crawler.results import Control, Finding, Observation, RunResult, ScenarioResult, Status
from crawler.store import Store
from tests.conftest import run_cli

PAGE = "https://shop.example/checkout"


def box(key: str, label: str, checked: bool = False, **changes: object) -> Control:
    made = Control(key=key, kind="checkbox", label=label, frame_url=PAGE, selector=f"#{key}", consent=True)
    return replace(made, checked=checked, **changes)  # type: ignore[arg-type]


def preselected(control: Control) -> Finding:
    return Finding("preselected-consent", "high", 0, control.key, control.label, "ticked before anyone chose")


def scenario(
    name: str, controls: Sequence[Control], status: Status = Status.OK, findings: Sequence[Finding] = ()
) -> ScenarioResult:
    return ScenarioResult(
        name=name,
        title=name.title(),
        file=f"{name}.yaml",
        tags=("shop",),
        started_at="2025-01-01T02:00:00+00:00",
        status=Status.FINDINGS if findings else status,
        steps=[Observation(index=0, action="open", name="open", url=PAGE, controls=tuple(controls))],
        findings=list(findings),
    )


def night(store: Store, day: int, *scenarios: ScenarioResult, status: Status = Status.COMPLETED) -> str:
    started = f"2025-{1 + (day - 1) // 28:02}-{1 + (day - 1) % 28:02}T02:00:00+00:00"
    run = RunResult(id=f"night-{day:03}", started_at=started, base_url="")
    store.begin_run(run)
    for result in scenarios:
        store.save_scenario(run.id, result)
    run.status, run.finished_at = status, run.started_at
    if status != Status.RUNNING:
        store.finish_run(run)
    return run.id


OFFERS = box("offers", "Send me offers")
TICKED = replace(OFFERS, checked=True)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "crawl.db")


def changes(path: Path, run_id: str) -> history.Changes:
    with Results(path) as results:
        found = History(results, results.runs())
        return found.changes(found.by_id[run_id])


def test_a_finding_is_open_since_the_first_night_of_its_streak(store: Store) -> None:
    night(store, 1, scenario("shop", [OFFERS]))
    night(store, 2, scenario("shop", [TICKED], findings=[preselected(TICKED)]))
    night(store, 3, scenario("shop", [TICKED], findings=[preselected(TICKED)]))
    night(store, 4, scenario("shop", [], status=Status.ERROR))  # never reached it: not a break
    night(store, 5, scenario("other", []))  # shop did not run: not a break either
    last = night(store, 6, scenario("shop", [TICKED], findings=[preselected(TICKED)]))
    store.close()

    found = changes(store.path, last)
    [still] = found.open
    assert (still.first_seen_run, still.first_seen) == ("night-002", "2025-01-02")
    assert found.new == found.resolved == []


def test_a_finding_is_resolved_only_where_its_scenario_ran_to_the_end(store: Store) -> None:
    night(store, 1, scenario("shop", [TICKED], findings=[preselected(TICKED)]))
    errored = night(store, 2, scenario("shop", [], status=Status.ERROR))
    fixed = night(store, 3, scenario("shop", [OFFERS]))
    back = night(store, 4, scenario("shop", [TICKED], findings=[preselected(TICKED)]))
    store.close()

    assert changes(store.path, errored).resolved == []
    assert [f.control for f in changes(store.path, fixed).resolved] == ["offers"]
    reopened = changes(store.path, back)
    assert [f.first_seen_run for f in reopened.new] == ["night-004"]


def test_the_night_before_is_the_last_completed_one(store: Store) -> None:
    first = night(store, 1, scenario("shop", [OFFERS]))
    night(store, 2, scenario("shop", [TICKED], findings=[preselected(TICKED)]), status=Status.INTERRUPTED)
    last = night(store, 3, scenario("shop", [TICKED], findings=[preselected(TICKED)]))
    store.close()

    found = changes(store.path, last)
    assert found.previous is not None and found.previous.id == first
    assert [f.control for f in found.new] == ["offers"]


def test_a_notification_names_its_own_night_even_when_interrupted(store: Store) -> None:
    from crawler.cli.stored import night_summary

    first = night(store, 1, scenario("shop", [OFFERS]))
    cut = night(
        store, 2, scenario("shop", [TICKED], findings=[preselected(TICKED)]), status=Status.INTERRUPTED
    )
    store.close()

    told = night_summary(str(store.path), None, cut)
    assert told is not None
    assert told["run"] == {"id": cut, "started_at": "2025-01-02T02:00:00+00:00", "status": "interrupted"}
    assert [f["control"] for f in told["new_findings"]] == ["offers"]
    # Without a night named, the latest completed one, as `crawler notify` posts it.
    latest = night_summary(str(store.path), None)
    assert latest is not None and latest["run"]["id"] == first and latest["new_findings"] == []


def test_diff_pairs_a_reworded_control_by_position_or_selector(store: Store) -> None:
    old = box("consent-old", "I agree to marketing")
    reworded = box("consent-new", "I agree to marketing emails")
    moved_old = box("moved-old", "Share with partners", selector="#share")
    moved_new = box("moved-new", "Share with our partners", selector="#share")
    other = box("other", "Remember me", consent=False)
    a = night(store, 1, scenario("shop", [old, other, moved_old]))
    b = night(store, 2, scenario("shop", [reworded, moved_new, replace(other, checked=True)]))
    store.close()

    changes_ = diff.between(store.path, a, b)
    pairs = [(c.before["label"], c.after["label"]) for c in changes_.label_changed if c.before and c.after]
    assert pairs == [
        ("I agree to marketing", "I agree to marketing emails"),
        ("Share with partners", "Share with our partners"),
    ]
    [flip] = changes_.state_changed
    assert (flip.control, flip.before, flip.after) == (
        "other",
        {"checked": False, "visible": True, "disabled": False},
        {"checked": True, "visible": True, "disabled": False},
    )
    assert changes_.appeared == changes_.disappeared == []
    assert diff.between(store.path, a, a).quiet
    document = changes_.document()
    assert set(document) >= {"new_findings", "resolved_findings", "appeared", "disappeared", "state_changed",
                             "label_changed"}  # fmt: skip


def test_diff_text_shows_control_characters_instead_of_obeying_them(store: Store) -> None:
    a = night(store, 1, scenario("shop", []))
    b = night(store, 2, scenario("shop", [box("evil", "Agree\x1b[2J\x1b]0;pwned\x07")]))
    store.close()

    text = diff.text(diff.between(store.path, a, b))
    assert "\x1b" not in text and "\x07" not in text
    assert "Agree\\x1b[2J" in text


def test_the_fast_loader_reads_back_what_the_store_wrote(store: Store) -> None:
    night(store, 1, scenario("shop", [OFFERS, box("b", "Other", visible=False)]))
    night(store, 2, scenario("shop", [TICKED, box("b", "Other")], findings=[preselected(TICKED)]))
    ids = store.scenario_run_ids()
    expected = [store.load_scenario(i) for i in ids]
    store.close()
    with Results(store.path) as results:
        assert [results.load_scenario(i) for i in ids] == expected


def test_prune_deletes_old_runs_their_screenshots_and_what_only_they_used(
    store: Store, tmp_path: Path
) -> None:
    gone = box("gone", "Only on the first night", checked=True)
    first = night(store, 1, scenario("shop", [OFFERS, gone]))
    shots = store.screenshot_dir(first, "shop")
    shots.mkdir(parents=True)
    (shots / "step-0.jpg").write_bytes(b"jpeg")
    kept = [night(store, day, scenario("shop", [OFFERS])) for day in (20, 40)]
    before = [store.load_scenario(i) for i in store.scenario_run_ids(run_id=kept[0])]
    store.close()
    site = tmp_path / "site"
    report.render(store.path, site, keep_days=None)
    assert (site / "runs" / f"{first}.html").is_file()

    done = run_cli("report", "--db", str(store.path), "--out", str(site), "--keep-days", "30")
    assert done.returncode == 0, done.stderr

    reopened = Store(store.path)
    assert [r[0] for r in reopened.db.execute("select id from runs order by id").fetchall()] == kept
    assert reopened.db.execute("select count(*) from controls where key = 'gone'").fetchone()[0] == 0
    orphans = reopened.db.execute(
        "select (select count(*) from descriptions where label = 'Only on the first night'), "
        "(select count(*) from observation_sets where id not in (select set_id from steps))"
    ).fetchone()
    assert tuple(orphans) == (0, 0)
    assert [reopened.load_scenario(i) for i in reopened.scenario_run_ids(run_id=kept[0])] == before
    assert reopened.db.execute("PRAGMA foreign_key_check").fetchall() == []
    reopened.close()
    assert not (store.screenshot_root / first).exists()
    assert not (site / "runs" / f"{first}.html").exists()
    manifest = json.loads((site / "manifest.json").read_text(encoding="utf-8"))
    assert not any(first in name for name in manifest["files"])


def test_prune_counts_from_the_newest_run_not_the_clock(store: Store) -> None:
    night(store, 1, scenario("shop", [OFFERS]))  # 2025: long before today
    store.close()
    assert history.prune(store.path, 1) == []


def test_a_long_history_is_drawn_with_a_bounded_number_of_points() -> None:
    nights = [(f"r{i}", f"2025-{1 + i // 28 % 12:02}-01") for i in range(1000)]
    counts = {f"r{i}": {"preselected-consent": 1} for i in range(1000)}
    chart = charts.trend("all", nights, counts, ["preselected-consent"])
    [series] = chart.series
    assert len(series.points.split()) <= charts.MAX_POINTS
    assert series.total == 1000


def test_a_scenario_strip_draws_one_band_per_stretch_of_equal_nights() -> None:
    strip = charts.strip([("ok", 0)] * 5 + [("findings", 2)] * 3 + [("error", 0)] + [("not-run", 0)])
    assert [(b.x, b.width, b.status) for b in strip.bands] == [
        (0, 5, "ok"),
        (5, 3, "findings"),
        (8, 1, "error"),
        (9, 1, "not-run"),
    ]
    assert strip.line == "M0,10H5V0H8V10H10"
    assert strip.summary == "5 ok, 3 findings, 1 error, 1 not run"
