"""The HTML report as a privacy officer meets it: rendered from a real DB, read in Chromium."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from crawler import report
from crawler.errors import StoreError
from crawler.results import Control, Finding, Gap, Intent, Observation, RunResult, ScenarioResult, Status
from crawler.store import Store

SHOP = "https://shop.example/checkout"
HOSTILE = "<script>window.__pwned = 1</script><b>bold</b>"


def control(key: str, label: str, checked: bool | None, **changes: object) -> Control:
    base = Control(
        key=key,
        kind="checkbox",
        role="checkbox",
        label=label,
        label_source="label",
        nearby_text="",
        checked=checked,
        disabled=False,
        visible=True,
        frame_url=SHOP,
        shadow=False,
        shadow_mode=None,
        selector=f"#{key}",
        acted=False,
        consent=True,
        purposes=("marketing",),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def newsletter(store: Store, run_id: str, page: Page) -> ScenarioResult:
    shots = store.screenshot_dir(run_id, "newsletter")
    shots.mkdir(parents=True)
    page.set_content("<h1 style='font: 40px sans-serif'>Sign up for our newsletter</h1>")
    page.screenshot(path=shots / "step-0.png")
    step0 = store.relative(shots / "step-0.png")
    crop = store.relative(shots / "finding-1-crop.png")  # never written: shows "screenshot missing"
    return ScenarioResult(
        name="newsletter",
        title="Newsletter sign-up",
        file="scenarios/newsletter.yaml",
        tags=("checkout", "de"),
        started_at="2025-03-01T02:00:00+00:00",
        finished_at="2025-03-01T02:00:09+00:00",
        status="findings",
        steps=[
            Observation(
                index=0,
                action="goto",
                name="open checkout",
                url=SHOP,
                screenshot=step0,
                screenshot_size=(1280.0, 720.0),
                settle_ms=640.0,
                http_status=200,
                automation_probed=("navigator.webdriver",),
                page_errors=("ReferenceError: tracker is not defined",),
                failed_requests=("https://ads.example/pixel.gif net::ERR_BLOCKED",),
                controls=(
                    control("offers", "Send me offers", True, matched=("offers",), consent_from="label"),
                    control("hostile", HOSTILE, False, consent=False, purposes=()),
                    control("partners", "Share with partners", False, visible=False),
                    control("framed", "Framed consent", False, frame_url="javascript:alert(3)"),
                    control("blank", "Blank frame consent", False, frame_url=""),
                ),
                gaps=(Gap("cross-origin-frame", "ad frame unreadable", "javascript:alert(2)"),),
            ),
            Observation(
                index=1,
                action="click",
                name="open settings",
                url=SHOP,
                target="#settings",
                target_name="Privacy settings",
                intent=Intent.OTHER,
                settle_ms=1200.0,
                settled=False,
                controls=(
                    control("offers", "Send me offers", True),
                    control("hostile", HOSTILE, True, consent=False, purposes=(), acted=True),
                    control("partners", "Share with partners", True),
                ),
            ),
            Observation(
                index=2,
                action="click",
                name="save",
                url=SHOP,
                target="#save",
                controls=(control("partners", "Share with partners", True),),
            ),
        ],
        findings=[
            Finding(
                rule="preselected-consent",
                severity="high",
                step=0,
                control="offers",
                label="Send me offers",
                detail="“Send me offers” was ticked before anyone chose.",
                tags=("gdpr-recital-32", "planet49"),
                selector="#offers",
                frame_url="javascript:alert(1)",
                measures={"checked_on_arrival": {"value": True, "threshold": False, "failed": True}},
                evidence={
                    "screenshot": step0,
                    "crop": crop,
                    "step": 0,
                    "box": {"x": 10, "y": 20, "width": 16, "height": 16},
                },
            ),
            Finding(
                rule="consent-changed-without-action",
                severity="high",
                step=1,
                control="partners",
                label="Share with partners",
                detail="“Share with partners” got ticked by itself.",
                tags=("gdpr-art-7",),
                selector="#partners",
                frame_url=SHOP,
                measures={"before": "unchecked", "after": "checked"},
                accepted=True,
                accepted_reason="Known until the March release",
            ),
        ],
    )


def broken() -> ScenarioResult:
    return ScenarioResult(
        name="broken",
        title="Broken journey",
        file="scenarios/broken.yaml",
        tags=(),
        started_at="2025-03-01T02:00:10+00:00",
        status="error",
        error="Step 1 (click '#go'): selector never appeared",
    )


@pytest.fixture
def db(tmp_path: Path, page: Page) -> Path:
    store = Store(tmp_path / "results" / "crawl.db")
    finished = RunResult(id="20250301-0200", started_at="2025-03-01T02:00:00+00:00", base_url=SHOP)
    store.begin_run(finished)
    finished.scenarios = [newsletter(store, finished.id, page), broken()]
    for scenario in finished.scenarios:
        store.save_scenario(finished.id, scenario)
    finished.finished_at, finished.status = "2025-03-01T02:01:00+00:00", Status.COMPLETED
    store.finish_run(finished)
    interrupted = RunResult("20250302-0200", started_at="2025-03-02T02:00:00+00:00", base_url=SHOP)
    store.begin_run(interrupted)
    store.save_scenario(interrupted.id, broken())
    store.close()
    return store.path


def test_overview_shows_the_latest_completed_run_and_its_scenarios(
    db: Path, tmp_path: Path, page: Page
) -> None:
    index = report.render(db, tmp_path / "site")
    assert index == tmp_path / "site" / "index.html"
    page.goto(index.as_uri())

    expect(page).to_have_title("Overview · Consent report")
    expect(page.locator("#latest-heading")).to_have_text("Night of 2025-03-01: run 20250301-0200")
    row = page.locator("#scenario-table").get_by_role("row", name="newsletter")
    expect(row).to_contain_text("2 findings")
    expect(row).to_contain_text("preselected-consent: 1")
    expect(row).to_contain_text("consent-changed-without-action: 1")
    expect(page.locator("#scenario-table").get_by_role("row", name="broken")).to_contain_text(
        "error Step 1 (click '#go'): selector never appeared"
    )
    expect(page.locator("#count-new")).to_have_text("2")  # the first completed night: everything is new
    runs = page.locator("table.runs tbody th")
    expect(runs).to_have_text(["20250302-0200", "20250301-0200"])


def test_a_newer_unfinished_run_is_marked_not_shown_in_its_place(
    db: Path, tmp_path: Path, page: Page
) -> None:
    page.goto(report.render(db, tmp_path / "site").as_uri())

    note = page.locator(".newer-run")
    expect(note).to_contain_text("20250302-0200")
    expect(note).to_contain_text("running")
    note.get_by_role("link", name="20250302-0200").click()
    expect(page.locator(".note-interrupted")).to_contain_text("the crawler stopped before it finished")
    expect(page.locator(".facts").first).to_contain_text("never (running)")


def test_scenario_page_shows_findings_then_controls_per_step(db: Path, tmp_path: Path, page: Page) -> None:
    site = tmp_path / "site"
    report.render(db, site)
    page.goto(site.joinpath("index.html").as_uri())
    page.locator("#scenario-table").get_by_role("link", name="newsletter").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Newsletter sign-up ⚑ findings")
    first = page.locator("#finding-1")
    expect(first.get_by_role("heading")).to_contain_text("preselected-consent")
    expect(first).to_contain_text("was ticked before anyone chose")
    expect(first.locator(".first-seen")).to_contain_text("2025-03-01")
    expect(first.locator(".tag")).to_have_text(["gdpr-recital-32", "planet49"])
    expect(first.get_by_role("row", name="checked on arrival").locator("th, td")).to_have_text(
        ["checked on arrival", "yes", "no", "✕ fails"]
    )
    outlined = first.get_by_role("img", name="with the control of finding 1 outlined")
    expect(outlined).to_be_visible()
    expect(outlined.locator("rect.box")).to_have_attribute("x", "6.0")
    href = outlined.locator("image").get_attribute("href")
    assert href and (site / "scenarios" / href).resolve().is_file()
    expect(first).to_contain_text("Close-up of the control: screenshot missing")
    second = page.locator("#finding-2")
    expect(second.get_by_role("row", name="before")).to_contain_text("unchecked")
    expect(second).to_contain_text("accepted")
    expect(second).to_contain_text("Accepted by the baseline: Known until the March release")

    grid = page.locator("table.grid")
    expect(grid.locator("thead th")).to_have_count(4)
    offers = grid.get_by_role("row", name="Send me offers")
    expect(offers.locator("td")).to_have_text([re.compile(r"☑ checked\s+finding 1"), "☑ checked", "— absent"])
    expect(offers).to_contain_text("matched “offers” in its label")
    partners = grid.get_by_role("row", name="Share with partners")
    expect(partners.locator("td").nth(0)).to_contain_text("not visible")
    expect(partners.locator("td").nth(1)).to_contain_text("changed without user action (was unchecked)")
    hostile = grid.locator("tr", has=page.get_by_text(HOSTILE, exact=True))
    expect(hostile.locator("td").nth(1)).to_have_text(
        re.compile(r"☑ checked\s+changed \(was unchecked\)\s+user action")
    )
    expect(grid.get_by_role("row", name="Framed consent")).to_contain_text("in frame javascript:alert(3)")
    expect(grid.get_by_role("row", name="Blank frame consent")).to_contain_text("in frame with no address")
    step0, step1 = page.locator("#step-0"), page.locator("#step-1")
    expect(step0.locator(".http-status")).to_have_text("200")
    expect(step0.locator(".automation")).to_contain_text("navigator.webdriver")
    expect(step0.locator(".page-errors")).to_contain_text("ReferenceError: tracker is not defined")
    expect(step0.locator(".failed-requests")).to_contain_text("https://ads.example/pixel.gif")
    expect(step1).to_contain_text("“Privacy settings” (says it does: other)")
    expect(step1).to_contain_text("page was still changing after 1.2 s")


def test_run_page_lists_every_scenario_with_its_run_facts(db: Path, tmp_path: Path, page: Page) -> None:
    site = tmp_path / "site"
    report.render(db, site)
    page.goto(site.joinpath("runs", "20250301-0200.html").as_uri())
    expect(page.get_by_role("heading", level=1)).to_have_text("Run 20250301-0200 completed")
    table = page.locator("table.scenarios")
    expect(table.get_by_role("row", name="newsletter")).to_contain_text("(1 accepted)")
    expect(table.get_by_role("row", name="broken")).to_contain_text("selector never appeared")
    expect(page.locator("#changes")).to_contain_text("No completed run before this one")
    table.get_by_role("link", name="this night, step by step").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Broken journey")


def test_page_text_stays_text(db: Path, tmp_path: Path, page: Page) -> None:
    site = tmp_path / "site"
    report.render(db, site)
    page.goto(site.joinpath("runs", "20250301-0200", "newsletter.html").as_uri())

    expect(page.get_by_text(HOSTILE, exact=True)).to_be_visible()
    assert page.locator("bdi", has_text=HOSTILE).count() == 1
    assert page.evaluate("window.__pwned") is None
    assert page.locator("b", has_text="bold").count() == 0
    expect(page.locator("#finding-1")).to_contain_text("javascript:alert(1)")
    expect(page.locator("#step-0")).to_contain_text("javascript:alert(2)")
    assert page.locator("a[href^='javascript' i]").count() == 0
    expect(page.locator("#finding-2")).to_contain_text("Wheremain page")
    shop_link = page.locator("#step-0").get_by_role("link", name=SHOP)
    expect(shop_link).to_have_attribute("href", SHOP)


def test_rendering_again_rewrites_only_what_changed(db: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    report.render(db, site)
    linked = site / "screenshots" / "20250301-0200" / "newsletter" / "step-0.png"
    source = db.parent / "crawl-screenshots" / "20250301-0200" / "newsletter" / "step-0.png"
    page_file = site / "runs" / "20250301-0200" / "newsletter.html"
    assert linked.stat().st_ino == source.stat().st_ino
    written = page_file.stat().st_mtime_ns

    report.render(db, site)
    assert page_file.stat().st_mtime_ns == written
    manifest = json.loads((site / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["written"] == 3  # the overview, the list of runs and summary.json
    assert manifest["files"]["runs/20250301-0200/newsletter.html"]["uses"] == [
        "screenshots/20250301-0200/newsletter/step-0.png"
    ]

    linked.unlink()
    linked.write_bytes(b"stale")
    report.render(db, site)
    assert linked.read_bytes() == source.read_bytes()
    assert (site / "assets" / "report.css").is_file()


def test_per_run_pages_of_older_nights_are_retired(tmp_path: Path, page: Page) -> None:
    store = Store(tmp_path / "crawl.db")
    for day in range(1, report.DETAIL_NIGHTS + 3):
        run = RunResult(id=f"run-{day:02}", started_at=f"2025-01-{day:02}T02:00:00", base_url="")
        store.begin_run(run)
        store.save_scenario(run.id, broken())
        run.status, run.finished_at = Status.COMPLETED, f"2025-01-{day:02}T02:05:00"
        store.finish_run(run)
    store.close()
    site = tmp_path / "site"
    page.goto(report.render(store.path, site).as_uri())

    expect(page.locator("table.runs tbody tr")).to_have_count(report.DETAIL_NIGHTS + 2)
    page.get_by_role("link", name=f"All {report.DETAIL_NIGHTS + 2} runs").click()
    page.get_by_role("link", name="run-01").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Run run-01 completed")
    expect(page.get_by_role("link", name="this night, step by step")).to_have_count(0)
    assert not (site / "runs" / "run-01").exists()
    assert (site / "runs" / f"run-{report.DETAIL_NIGHTS + 2:02}" / "broken.html").is_file()


def test_missing_or_foreign_database_is_a_store_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match=r"no results at .*missing\.db; run `crawler run` first"):
        report.render(tmp_path / "missing.db", tmp_path / "site")
    foreign = tmp_path / "notes.db"
    foreign.write_text("not a database")
    with pytest.raises(StoreError, match="is not a crawler results database"):
        report.render(foreign, tmp_path / "site")
    assert not (tmp_path / "site").exists()
