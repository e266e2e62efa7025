"""`crawler demo` on the bundled site: the Alipay box is caught, the clean sign-up is not."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import run_cli


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    elsewhere = folder / "empty"
    elsewhere.mkdir()
    # No PATH, run from an empty folder: the demo journeys ship inside the package.
    done = run_cli("demo", "--db", str(folder / "demo.db"), "--out", str(folder / "reports"), cwd=elsewhere)
    assert done.returncode == 0, done.stderr
    assert list(elsewhere.iterdir()) == []
    index = Path(done.stdout.strip().splitlines()[-1])
    assert index == (folder / "reports" / "index.html").resolve()
    return index


def scenario_row(page: Page, name: str):  # type: ignore[no-untyped-def]
    return page.locator("table.scenarios").first.locator(
        "tr", has=page.get_by_role("link", name=name, exact=True)
    )


def test_index_shows_the_sesame_credit_box_as_preselected(page: Page, demo_report: Path) -> None:
    page.goto(demo_report.as_uri())
    for name in ("annual-report-2017", "annual-report-2017-en"):
        row = scenario_row(page, name)
        expect(row).to_contain_text("preselected-consent")
    expect(scenario_row(page, "signup-clean")).to_contain_text("0 findings")
    expect(scenario_row(page, "privacy-settings")).to_contain_text("consent-changed-without-action")
    expect(scenario_row(page, "cookie-banner")).to_contain_text("preselected-consent")


def test_scenario_page_shows_the_finding_with_evidence(page: Page, demo_report: Path) -> None:
    page.goto(demo_report.as_uri())
    scenario_row(page, "annual-report-2017").get_by_role("link", name="annual-report-2017").click()
    finding = page.locator(".finding", has_text="preselected-consent").first
    expect(finding).to_contain_text("我同意《芝麻服务协议》")
    expect(finding).to_contain_text("planet49")
    crop = finding.locator("img")
    expect(crop).to_have_count(1)
    assert crop.evaluate("img => img.complete && img.naturalWidth > 0")
    outline = finding.locator(".outline svg")
    expect(outline.locator("rect.box")).to_have_count(1)
    href = outline.locator("image").get_attribute("href")
    assert href and Path(page.url.removeprefix("file://")).parent.joinpath(href).resolve().is_file()


def test_report_pages_pass_axe(page: Page, demo_report: Path) -> None:
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    page.goto(demo_report.as_uri())
    pages = [demo_report.as_uri()]
    scenario_row(page, "annual-report-2017").get_by_role("link", name="annual-report-2017").click()
    pages.append(page.url)
    for url in pages:
        page.goto(url)
        results = axe.run(page)
        violations = [(v["id"], v["impact"]) for v in results.response["violations"]]
        assert violations == [], (url, violations)
