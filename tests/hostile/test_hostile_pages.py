"""Probes that need only a page: each reads its scenario from one shared crawl (see conftest.SHARED)."""

from __future__ import annotations

from typing import Any

from PIL import Image

from crawler.evidence import MAX_SCREENSHOT_HEIGHT
from tests.hostile.conftest import SharedCrawl


def controls(step: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["label"]: c for c in step["controls"]}


def rules(scenario: dict[str, Any]) -> set[tuple[str, int]]:
    return {(f["rule"], f["step"]) for f in scenario["findings"]}


def test_the_crawl_over_hostile_pages_finishes_and_writes_its_json(shared_crawl: SharedCrawl) -> None:
    crawl = shared_crawl.crawl
    assert crawl.doc is not None, crawl.stderr
    assert crawl.code == 3, crawl.stderr  # the scenarios meant to fail do, and nothing else goes wrong
    assert "Traceback" not in crawl.stderr
    assert "internal error" not in crawl.stderr
    assert crawl.doc["run"]["status"] == "completed"


def test_a_page_that_breaks_array_push_is_observed(shared_crawl: SharedCrawl) -> None:
    for name in ("a-push-throws", "d-after-busy-loop"):
        scenario = shared_crawl.scenario(name)
        assert scenario["status"] == "findings", scenario["error"]
        step = scenario["steps"][0]
        assert controls(step)["Share my data with advertising partners"]["checked"] is True
        assert step["screenshot"], step["not_checked"]
        assert rules(scenario) == {("preselected-consent", 0)}


def test_a_lone_surrogate_in_a_label_becomes_a_replacement_character(shared_crawl: SharedCrawl) -> None:
    scenario = shared_crawl.scenario("b-lone-surrogate")
    assert scenario["status"] == "findings", scenario["error"]
    assert "Share my data with partners \ufffd now" in controls(scenario["steps"][0])
    report = (shared_crawl.report / "index.html").read_text(encoding="utf-8")
    assert "b-lone-surrogate" in report


def test_a_300000_px_page_is_observed_with_a_capped_screenshot(shared_crawl: SharedCrawl) -> None:
    scenario = shared_crawl.scenario("e-tall")
    assert scenario["status"] == "findings", scenario["error"]
    step = scenario["steps"][0]
    bottom = controls(step)["Send me marketing emails"]
    assert bottom["checked"] is True and bottom["box"]["y"] > 300_000
    assert step["screenshot_size"] == [1280, MAX_SCREENSHOT_HEIGHT]
    with Image.open(shared_crawl.crawl.db.parent / step["screenshot"]) as image:
        assert image.size == (1280, MAX_SCREENSHOT_HEIGHT)
    assert rules(scenario) == {("preselected-consent", 0)}
    assert {f["label"] for f in scenario["findings"]} == {
        "Share my data with advertising partners",
        "Send me marketing emails",
    }


def test_a_page_that_lies_about_its_height_is_captured_whole(shared_crawl: SharedCrawl) -> None:
    scenario = shared_crawl.scenario("p-short-liar")
    step = scenario["steps"][0]
    box = controls(step)["Share my data with advertising partners"]["box"]
    assert box["y"] > 1500
    assert step["screenshot_size"][1] > box["y"] + box["height"]
    [finding] = scenario["findings"]
    assert finding["evidence"]["box"] == box
    assert (shared_crawl.crawl.db.parent / finding["evidence"]["crop"]).is_file()


def test_a_busy_looping_page_is_recorded_as_blocked_and_the_crawl_moves_on(shared_crawl: SharedCrawl) -> None:
    scenario = shared_crawl.scenario("c-busy-loop")
    # Not "no findings": a page that never answered was not inspected, and the scenario says so.
    assert scenario["status"] == "error"
    assert "the page did not answer within" in scenario["error"]
    [step] = scenario["steps"]
    assert [g["reason"] for g in step["not_checked"]] == ["page-blocked"]
    assert step["controls"] == [] and step["screenshot"] is None
    assert shared_crawl.scenario("d-after-busy-loop")["status"] == "findings"


def test_a_javascript_frame_is_shown_as_a_frame_not_as_the_page(shared_crawl: SharedCrawl) -> None:
    scenario = shared_crawl.scenario("n-javascript-frame")
    step = scenario["steps"][0]
    inside = controls(step)["Share my data with advertising partners"]
    assert inside["checked"] is True
    assert inside["frame_url"] == "about:blank"
    assert controls(step)["Send me marketing emails"]["frame_url"] == step["url"]
    assert rules(scenario) == {("preselected-consent", 0)}
    run = shared_crawl.crawl.doc["run"]["id"] if shared_crawl.crawl.doc else ""
    page = (shared_crawl.report / "runs" / run / "n-javascript-frame.html").read_text(encoding="utf-8")
    assert 'in frame <span class="url"><bdi>about:blank</bdi></span>' in page


def test_a_page_with_a_stalled_image_is_observed(shared_crawl: SharedCrawl) -> None:
    scenario = shared_crawl.scenario("f-stalled-image")
    assert scenario["status"] == "findings", scenario["error"]
    step = scenario["steps"][0]
    assert controls(step)["Share my data with advertising partners"]["checked"] is True
    assert step["settled"] is False, "load never fired: the observation says the page had not settled"
    assert rules(scenario) == {("preselected-consent", 0)}


def test_a_page_hunting_for_the_crawler_finds_nothing_and_cannot_erase_a_real_tick(
    shared_crawl: SharedCrawl,
) -> None:
    scenario = shared_crawl.scenario("g-gate-hunter")
    opened, checked = scenario["steps"]
    for step in (opened, checked):
        [witness] = [label for label in controls(step) if label.startswith("probe:")]
        # The page called every function on window (the gate among them) and whatever those returned.
        assert "api=false root=false named=false shadowRoot=null" in witness
        assert int(witness.rsplit("calls=", 1)[1]) > 1000
    ticked = controls(checked)["Send me marketing emails"]
    assert (ticked["checked"], ticked["acted"]) == (True, True)
    assert controls(checked)["Share my data with partners"]["shadow_mode"] == "closed"
    assert rules(scenario) == {("preselected-consent", 0)}


def test_a_button_inside_the_boxs_label_does_not_count_as_ticking_it(shared_crawl: SharedCrawl) -> None:
    scenario = shared_crawl.scenario("h-label-button")
    box = controls(scenario["steps"][1])["Share my data with advertising partners Continue"]
    assert (box["checked"], box["acted"]) == (True, False)
    assert rules(scenario) == {("consent-changed-without-action", 1)}


def test_a_page_that_hides_its_box_from_robots_shows_it_and_the_probe_is_recorded(
    shared_crawl: SharedCrawl,
) -> None:
    scenario = shared_crawl.scenario("i-webdriver")
    step = scenario["steps"][0]
    assert step["automation_probed"] == ["navigator.webdriver"]
    assert controls(step)["Share my data with advertising partners"]["checked"] is True
    assert rules(scenario) == {("preselected-consent", 0)}


def test_a_tab_opened_by_a_click_is_observed(shared_crawl: SharedCrawl) -> None:
    scenario = shared_crawl.scenario("j-new-tab")
    step = scenario["steps"][1]
    box = controls(step)["Share my data with advertising partners"]
    assert (box["tab"], box["checked"]) == (1, True)
    assert box["frame_url"].endswith("/tab.html")
    assert any(g["reason"] == "new-tab" and "tab 1" in g["detail"] for g in step["not_checked"])
    assert rules(scenario) == {("preselected-consent", 1)}


def test_an_http_error_page_is_not_judged_and_fails_open_unless_allowed(shared_crawl: SharedCrawl) -> None:
    clicked = shared_crawl.scenario("k-500-by-click")
    landed = clicked["steps"][1]
    assert landed["http_status"] == 500
    assert [g["reason"] for g in landed["not_checked"]] == ["http-error"]
    assert controls(landed)["Share my data with advertising partners"]["checked"] is True
    assert (clicked["status"], clicked["findings"]) == ("ok", [])

    opened = shared_crawl.scenario("l-500-open")
    assert opened["status"] == "error"
    assert (
        "http-500.html answered HTTP 500; if that is expected, add it to the scenario's allow_http_status"
        in (opened["error"])
    )
    assert opened["steps"] == []

    # A scenario that allows the status meant to check that page: it is judged like any other.
    allowed = shared_crawl.scenario("m-500-allowed")
    assert allowed["status"] == "findings", allowed["error"]
    assert allowed["steps"][0]["http_status"] == 500
    assert allowed["steps"][0]["not_checked"] == []
    assert [f["rule"] for f in allowed["findings"]] == ["preselected-consent"]


def test_a_page_that_rewrites_itself_cannot_erase_a_real_tick(shared_crawl: SharedCrawl) -> None:
    scenario = shared_crawl.scenario("r-document-open")
    ticked = controls(scenario["steps"][1])["Send me marketing emails"]
    assert (ticked["checked"], ticked["acted"]) == (True, True)
    assert scenario["findings"] == []


def test_a_page_that_breaks_playwrights_evaluation_is_not_passed_as_clean(shared_crawl: SharedCrawl) -> None:
    scenario = shared_crawl.scenario("t-slice-throws")
    assert scenario["status"] == "error"
    assert "the page could not be inspected: Frame.evaluate: Error: no evaluation here" in scenario["error"]
    [step] = scenario["steps"]
    assert [g["reason"] for g in step["not_checked"]] == ["page-unreadable"]
    assert step["screenshot"] is None


def test_a_page_that_never_stops_reloading_is_observed_or_said_unreadable(shared_crawl: SharedCrawl) -> None:
    scenario = shared_crawl.scenario("s-reload-loop")
    if scenario["status"] == "error":
        assert "could not be inspected" in scenario["error"]
        assert [g["reason"] for g in scenario["steps"][0]["not_checked"]] == ["page-unreadable"]
    else:
        assert rules(scenario) == {("preselected-consent", 0)}
