"""Four real nights of crawling a page whose markup changes, then the site read in the real browser.

Night 1: the partner-sharing box is unticked. Night 2: it is ticked by default (a new preselected-consent).
Night 3: unticked again (resolved), and the newsletter box is reworded. Night 4: the newsletter box is gone.
A box with a hostile label stays ticked every night (one finding open since night 1).
"""

from __future__ import annotations

import json
import shutil
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page, Request, expect

from crawler.server import SiteServer
from tests.conftest import PAGES, run_cli

pytestmark = pytest.mark.slow

NIGHTS = PAGES / "nights"
HOSTILE = 'I agree to share my data <script>window.__pwned = 1</script><img src=x onerror="window.__pwned=2">'
PARTNERS = "I agree to share my data with partners for marketing"
NEWSLETTER = "Send me the newsletter by email"
REWORDED = "Email me the weekly newsletter with offers"
SCENARIOS = {
    "checkout": """
        name: checkout
        title: Checkout with partner consent
        url: /checkout.html
        tags: [checkout]
        settle: {quiet_ms: 200}
    """,
    "signup": """
        name: signup
        title: Sign up
        url: /signup.html
        tags: [signup]
        settle: {quiet_ms: 200}
    """,
}


@dataclass
class Nights:
    db: Path
    runs: list[str]
    sites: list[Path]
    """sites[n] is the report rendered right after night n + 1, in its own folder."""
    shared: Path
    """One folder rendered after every night, as a nightly job does."""
    written: list[int]


@pytest.fixture(scope="module")
def nights(tmp_path_factory: pytest.TempPathFactory) -> Nights:
    root = tmp_path_factory.mktemp("nights")
    served, scenarios = root / "served", root / "scenarios"
    served.mkdir()
    scenarios.mkdir()
    shutil.copy(NIGHTS / "signup.html", served / "signup.html")
    for name, text in SCENARIOS.items():
        (scenarios / f"{name}.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
    db = root / "crawl.db"
    found = Nights(db, [], [], root / "site", [])
    with SiteServer(served) as server:
        for night in range(1, 5):
            shutil.copy(NIGHTS / f"night-{night}.html", served / "checkout.html")
            out = root / f"night-{night}.json"
            done = run_cli(
                "run", str(scenarios), "--db", str(db), "--json", str(out), "--base-url", server.url
            )
            assert done.returncode == 1, done.stderr
            found.runs.append(json.loads(out.read_text(encoding="utf-8"))["run"]["id"])
            for target in (root / f"site-{night}", found.shared):
                rendered = run_cli("report", "--db", str(db), "--out", str(target))
                assert rendered.returncode == 0, rendered.stderr
            found.sites.append(root / f"site-{night}")
            manifest = json.loads((found.shared / "manifest.json").read_text(encoding="utf-8"))
            found.written.append(manifest["written"])
    return found


def overview(page: Page, site: Path) -> None:
    page.goto((site / "index.html").as_uri())


def test_night_2_overview_shows_one_new_preselected_consent(page: Page, nights: Nights) -> None:
    overview(page, nights.sites[1])
    expect(page.locator("#count-new")).to_have_text("1")
    expect(page.locator("#count-resolved")).to_have_text("0")
    expect(page.locator("#count-open")).to_have_text("2")
    new = page.locator("#new li")
    expect(new).to_have_count(1)
    expect(new).to_contain_text("preselected-consent")
    expect(new).to_contain_text(PARTNERS)


def test_night_3_overview_shows_it_resolved(page: Page, nights: Nights) -> None:
    overview(page, nights.sites[2])
    expect(page.locator("#count-new")).to_have_text("0")
    expect(page.locator("#count-resolved")).to_have_text("1")
    expect(page.locator("#resolved li")).to_contain_text(PARTNERS)
    open_rows = page.locator("table.open-findings tbody tr")
    expect(open_rows).to_have_count(1)
    expect(open_rows).to_contain_text(HOSTILE)


def test_overview_counts_and_the_run_it_compares(page: Page, nights: Nights) -> None:
    overview(page, nights.sites[3])
    expect(page.locator("#latest-heading")).to_contain_text(nights.runs[3])
    expect(page.locator("#count-scenarios")).to_have_text("2")
    expect(page.locator("#count-errored")).to_have_text("0")
    expect(page.locator("#count-with-findings")).to_have_text("1")
    expect(page.locator(".summary")).to_contain_text(f"({nights.runs[2]})")


def test_timeline_grid_shows_the_flip(page: Page, nights: Nights) -> None:
    overview(page, nights.shared)
    page.get_by_role("link", name="checkout", exact=True).first.click()
    row = page.locator("tr.timeline-row", has_text=PARTNERS)
    segments = row.locator("rect[data-state]")
    assert segments.evaluate_all("rs => rs.map(r => r.dataset.state)") == [
        "unchecked",
        "checked",
        "unchecked",
    ]
    assert segments.evaluate_all("rs => rs.map(r => +r.getAttribute('width'))") == [1, 1, 2]
    expect(row.locator(".timeline-words")).to_contain_text("checked with a finding")
    newsletter = page.locator("tr.timeline-row", has_text=NEWSLETTER)
    states = newsletter.locator("rect[data-state]").evaluate_all("rs => rs.map(r => r.dataset.state)")
    assert states == ["unchecked", "absent"]
    reworded = page.locator("tr.timeline-row", has_text=REWORDED)
    assert reworded.locator("rect[data-state]").evaluate_all("rs => rs.map(r => r.dataset.state)") == [
        "absent",
        "unchecked",
        "absent",
    ]


def test_scenario_page_finding_shows_first_seen_and_outlined_evidence(page: Page, nights: Nights) -> None:
    page.goto((nights.shared / "scenarios" / "checkout.html").as_uri())
    finding = page.locator(".finding").first
    expect(finding.locator(".first-seen")).to_contain_text(nights.runs[0])
    outline = finding.locator(".outline svg")
    expect(outline.locator("rect.box")).to_have_count(1)
    assert outline.locator("image").evaluate("i => i.getBBox().width") > 0


def test_filters_and_search_narrow_the_table(page: Page, nights: Nights) -> None:
    overview(page, nights.shared)
    filters = page.locator("#filters")
    rows = page.locator("#scenario-table tbody tr")
    visible = page.locator("#scenario-table tbody tr:not([hidden])")
    expect(rows).to_have_count(2)
    filters.get_by_label("Tag").select_option("signup")
    expect(visible).to_have_count(1)
    expect(visible).to_contain_text("signup")
    filters.get_by_label("Tag").select_option("")
    filters.get_by_label("Rule").select_option("preselected-consent")
    expect(visible).to_have_count(1)
    expect(visible).to_contain_text("checkout")
    filters.get_by_label("Rule").select_option("")
    filters.get_by_label("Search labels").fill("WEEKLY newsletter")
    expect(visible).to_have_count(0)  # night 4 removed it: the search is over the latest night's labels
    filters.get_by_label("Search labels").fill("PARTNERS for")
    expect(visible).to_have_count(1)
    expect(visible).to_contain_text("checkout")
    expect(page.locator("#shown-count")).to_have_text("1")
    filters.get_by_label("Status").select_option("ok")
    expect(visible).to_have_count(0)
    filters.get_by_label("Search labels").fill("")
    expect(visible).to_have_count(1)
    expect(visible).to_contain_text("signup")


def test_diff_text_and_json_list_the_flip_rewording_and_removal(nights: Nights) -> None:
    r1, r2, r3, r4 = nights.runs
    text = run_cli("diff", r2, r3, "--db", str(nights.db))
    assert text.returncode == 0, text.stderr
    assert "Resolved findings (1):" in text.stdout
    assert f"“{PARTNERS}”: checked → unchecked" in text.stdout
    assert f"“{NEWSLETTER}” → “{REWORDED}”" in text.stdout

    doc = json.loads(run_cli("diff", r2, r3, "--db", str(nights.db), "--json").stdout)
    assert [f["rule"] for f in doc["resolved_findings"]] == ["preselected-consent"]
    assert doc["resolved_findings"][0]["label"] == PARTNERS
    assert doc["new_findings"] == []
    [flip] = doc["state_changed"]
    assert (flip["label"], flip["before"]["checked"], flip["after"]["checked"]) == (PARTNERS, True, False)
    [reword] = doc["label_changed"]
    assert (reword["before"]["label"], reword["after"]["label"]) == (NEWSLETTER, REWORDED)
    assert reword["scenario"] == "checkout" and reword["step"] == 0
    assert doc["appeared"] == doc["disappeared"] == []

    removal = json.loads(run_cli("diff", r3, r4, "--db", str(nights.db), "--json").stdout)
    [gone] = removal["disappeared"]
    assert (gone["label"], gone["before"]["checked"], gone["after"]) == (REWORDED, False, None)
    flip_in = json.loads(run_cli("diff", r1, r2, "--db", str(nights.db), "--json").stdout)
    assert [(f["rule"], f["label"], f["step"]) for f in flip_in["new_findings"]] == [
        ("preselected-consent", PARTNERS, 0)
    ]
    for entry in flip_in["new_findings"]:
        assert set(entry) >= {"scenario", "rule", "step", "control", "label"}
    for entry in removal["disappeared"]:
        assert set(entry) >= {"scenario", "step", "control", "label", "before", "after"}


def test_diff_of_an_unknown_run_is_a_usage_error(nights: Nights) -> None:
    done = run_cli("diff", nights.runs[0], "no-such-run", "--db", str(nights.db))
    assert done.returncode == 2
    assert "no run 'no-such-run'" in done.stderr
    assert nights.runs[3] in done.stderr
    assert "Traceback" not in done.stderr


def test_diff_html_page_is_standalone(page: Page, nights: Nights, tmp_path: Path) -> None:
    target = tmp_path / "changes.html"
    done = run_cli("diff", nights.runs[2], nights.runs[3], "--db", str(nights.db), "--html", str(target))
    assert done.returncode == 0, done.stderr
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(target.as_uri())
    expect(page.locator("#disappeared")).to_contain_text(REWORDED)
    assert requests == [target.as_uri()]


def test_summary_json_agrees_with_the_overview(page: Page, nights: Nights) -> None:
    summary = json.loads((nights.sites[2] / "summary.json").read_text(encoding="utf-8"))
    assert summary["run"]["id"] == nights.runs[2]
    assert summary["counts"]["new"] == len(summary["new_findings"]) == 0
    assert [f["label"] for f in summary["resolved_findings"]] == [PARTNERS]
    [still] = summary["open_findings"]
    assert (still["label"], still["first_seen_run"]) == (HOSTILE, nights.runs[0])
    assert set(still) >= {"scenario", "rule", "step", "control", "label", "first_seen"}
    overview(page, nights.sites[2])
    expect(page.locator("#count-resolved")).to_have_text(str(summary["counts"]["resolved"]))
    expect(page.locator("#count-open")).to_have_text(str(summary["counts"]["open"]))


def test_a_night_later_only_what_changed_is_written(nights: Nights) -> None:
    manifest = json.loads((nights.shared / "manifest.json").read_text(encoding="utf-8"))
    files = manifest["files"]
    first_run_page = f"runs/{nights.runs[0]}.html"
    assert first_run_page in files and files[first_run_page]["from"]["run"][0] == nights.runs[0]
    # Night 4 wrote its run page and its two detail pages, both scenario pages, the overview, the runs list
    # and the summary; the older nights' pages were left alone.
    assert nights.written[3] == 8
    assert nights.written[3] < nights.written[0] + 3
    screenshots = [name for name in files if name.startswith("screenshots/")]
    assert screenshots
    stored = nights.db.parent / f"{nights.db.stem}-screenshots"
    linked = nights.shared / screenshots[0]
    source = stored / Path(*Path(screenshots[0]).parts[1:])
    assert linked.stat().st_ino == source.stat().st_ino  # hard-linked, not copied


def test_no_request_leaves_the_report_folder(page: Page, nights: Nights) -> None:
    site = nights.shared.resolve().as_uri()
    requests: list[Request] = []
    page.on("request", lambda request: requests.append(request))
    overview(page, nights.shared)
    page.get_by_role("link", name="checkout", exact=True).first.click()
    page.get_by_role("link", name=nights.runs[3]).first.click()
    page.locator("a", has_text="this night, step by step").first.click()
    page.wait_for_load_state("load")
    assert requests
    outside = [r.url for r in requests if not r.url.startswith(site + "/")]
    assert outside == []


def test_hostile_label_stays_inert_text(page: Page, nights: Nights) -> None:
    for path in ("index.html", "scenarios/checkout.html", f"runs/{nights.runs[3]}/checkout.html"):
        page.goto((nights.shared / path).as_uri())
        expect(page.get_by_text(HOSTILE).first).to_be_visible()
        assert page.evaluate("window.__pwned") is None
        assert page.locator("img[src='x']").count() == 0
        assert page.locator("bdi", has_text=HOSTILE).count() >= 1


def test_pages_pass_axe_at_desktop_and_mobile_width(page: Page, nights: Nights) -> None:
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    pages = [
        "index.html",
        "runs/index.html",
        f"runs/{nights.runs[3]}.html",
        f"runs/{nights.runs[3]}/checkout.html",
        "scenarios/checkout.html",
    ]
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        for path in pages:
            page.goto((nights.shared / path).as_uri())
            results = axe.run(page)
            serious = [
                (v["id"], v["impact"])
                for v in results.response["violations"]
                if v["impact"] in ("serious", "critical")
            ]
            assert serious == [], (path, width, serious)
    overview(page, nights.shared)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1
