"""The HTML report as a privacy officer meets it: rendered from a real DB, read in Chromium."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from crawler import report
from crawler.errors import StoreError
from crawler.results import Control, Finding, Gap, Observation, RunResult, ScenarioResult
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
                settle_ms=640.0,
                controls=(
                    control("offers", "Send me offers", True),
                    control("hostile", HOSTILE, False, consent=False, purposes=()),
                    control("partners", "Share with partners", False, visible=False),
                ),
                gaps=(Gap("cross-origin-frame", "ad frame unreadable", "javascript:alert(2)"),),
            ),
            Observation(
                index=1,
                action="click",
                name="open settings",
                url=SHOP,
                target="#settings",
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
                evidence={"screenshot": step0, "crop": crop},
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
    finished.finished_at, finished.status = "2025-03-01T02:01:00+00:00", "findings"
    store.finish_run(finished)
    interrupted = RunResult("20250302-0200", started_at="2025-03-02T02:00:00+00:00", base_url=SHOP)
    store.begin_run(interrupted)
    store.save_scenario(interrupted.id, broken())
    store.close()
    return store.path


def test_index_lists_runs_newest_first_with_their_scenarios(db: Path, tmp_path: Path, page: Page) -> None:
    index = report.render(db, tmp_path / "site")
    assert index == tmp_path / "site" / "index.html"
    page.goto(index.as_uri())

    expect(page).to_have_title("All runs · Consent report")
    runs = page.locator("section.run h3")
    expect(runs).to_have_text(["Run 20250302-0200 ◐ interrupted", "Run 20250301-0200 findings"])
    finished = page.locator("section.run").nth(1)
    row = finished.get_by_role("row", name="newsletter")
    expect(row).to_contain_text("2 findings")
    expect(row).to_contain_text("preselected-consent: 1")
    expect(row).to_contain_text("consent-changed-without-action: 1")
    expect(finished.get_by_role("row", name="broken")).to_contain_text(
        "error Step 1 (click '#go'): selector never appeared"
    )


def test_interrupted_run_is_labelled_and_summarised(db: Path, tmp_path: Path, page: Page) -> None:
    page.goto(report.render(db, tmp_path / "site").as_uri())

    summary = page.locator("section.summary")
    expect(summary.get_by_role("heading", level=2)).to_have_text("Latest run: 20250302-0200")
    expect(summary).to_contain_text("This run was interrupted")
    expect(summary).to_contain_text("never (interrupted)")
    expect(summary.get_by_role("link", name="Broken journey")).to_be_visible()


def test_scenario_page_shows_findings_then_controls_per_step(db: Path, tmp_path: Path, page: Page) -> None:
    site = tmp_path / "site"
    report.render(db, site)
    page.goto(site.joinpath("index.html").as_uri())
    page.locator("section.run").nth(1).get_by_role("link", name="newsletter").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Newsletter sign-up ⚑ findings")
    first = page.locator("#finding-1")
    expect(first.get_by_role("heading")).to_contain_text("preselected-consent")
    expect(first).to_contain_text("was ticked before anyone chose")
    expect(first.locator(".tag")).to_have_text(["gdpr-recital-32", "planet49"])
    expect(first.get_by_role("row", name="checked on arrival").locator("th, td")).to_have_text(
        ["checked on arrival", "yes", "no", "✕ fails"]
    )
    expect(first.get_by_role("img", name="with the control of finding 1 outlined")).to_be_visible()
    assert first.get_by_role("img").evaluate("img => img.naturalWidth") > 0
    expect(first).to_contain_text("Close-up of the control: screenshot missing")
    second = page.locator("#finding-2")
    expect(second.get_by_role("row", name="before")).to_contain_text("unchecked")

    grid = page.locator("table.grid")
    expect(grid.locator("thead th")).to_have_count(4)
    offers = grid.get_by_role("row", name="Send me offers")
    expect(offers.locator("td")).to_have_text([re.compile(r"☑ checked\s+finding 1"), "☑ checked", "— absent"])
    partners = grid.get_by_role("row", name="Share with partners")
    expect(partners.locator("td").nth(0)).to_contain_text("not visible")
    expect(partners.locator("td").nth(1)).to_contain_text("changed without user action (was unchecked)")
    hostile = grid.locator("tr", has=page.get_by_text(HOSTILE, exact=True))
    expect(hostile.locator("td").nth(1)).to_have_text(
        re.compile(r"☑ checked\s+changed \(was unchecked\)\s+user action")
    )
    expect(page.locator("#step-1")).to_contain_text("page was still changing after 1.2 s")


def test_page_text_stays_text(db: Path, tmp_path: Path, page: Page) -> None:
    site = tmp_path / "site"
    report.render(db, site)
    page.goto(site.joinpath("runs", "20250301-0200", "newsletter.html").as_uri())

    expect(page.get_by_text(HOSTILE, exact=True)).to_be_visible()
    assert page.evaluate("window.__pwned") is None
    assert page.locator("b", has_text="bold").count() == 0
    expect(page.locator("#finding-1")).to_contain_text("javascript:alert(1)")
    expect(page.locator("#step-0")).to_contain_text("javascript:alert(2)")
    assert page.locator("a[href^='javascript' i]").count() == 0
    shop_link = page.locator("#finding-2").get_by_role("link", name=SHOP)
    expect(shop_link).to_have_attribute("href", SHOP)


def test_rendering_again_rewrites_only_what_changed(db: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    report.render(db, site)
    copied = site / "screenshots" / "20250301-0200" / "newsletter" / "step-0.png"
    source = db.parent / "crawl-screenshots" / "20250301-0200" / "newsletter" / "step-0.png"
    page_file = site / "runs" / "20250301-0200" / "newsletter.html"
    written = copied.stat().st_ctime_ns, page_file.stat().st_ctime_ns
    copied_before = copied.read_bytes()

    report.render(db, site)
    assert (copied.stat().st_ctime_ns, page_file.stat().st_ctime_ns) == written

    copied.write_bytes(b"stale")
    report.render(db, site)
    assert copied.read_bytes() == copied_before == source.read_bytes()
    assert (site / "assets" / "report.css").is_file()


def test_many_runs_keep_older_ones_in_a_compact_table(tmp_path: Path, page: Page) -> None:
    store = Store(tmp_path / "crawl.db")
    for day in range(1, 36):
        run = RunResult(id=f"run-{day:02}", started_at=f"2025-01-{day:02}T02:00:00", base_url="")
        store.begin_run(run)
        run.status, run.finished_at = "ok", f"2025-01-{day:02}T02:05:00"
        store.finish_run(run)
    store.close()
    page.goto(report.render(store.path, tmp_path / "site").as_uri())

    expect(page.locator("section.run")).to_have_count(report.FULL_RUNS)
    older = page.locator("table.older tbody tr")
    expect(older).to_have_count(5)
    expect(older.first.get_by_role("rowheader")).to_have_text("run-05")
    older.first.get_by_role("link", name="run-05").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Run run-05 ok")


def test_missing_or_foreign_database_is_a_store_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match=r"no results at .*missing\.db; run `crawler run` first"):
        report.render(tmp_path / "missing.db", tmp_path / "site")
    foreign = tmp_path / "notes.db"
    foreign.write_text("not a database")
    with pytest.raises(StoreError, match="is not a crawler results database"):
        report.render(foreign, tmp_path / "site")
    assert not (tmp_path / "site").exists()
