"""Detection details beyond the gallery: toggle buttons, locked boxes, what cannot be read,
page geometry, and the per-scenario configuration (thresholds, product words)."""

from __future__ import annotations

from typing import Any


def controls(step: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["label"] or c["nearby_text"]: c for c in step["controls"]}


def findings(result: Any, name: str) -> set[tuple[str, str]]:
    return {(f["rule"], f["label"]) for f in result.scenario(name)["findings"]}


def test_pressed_toggle_and_locked_box_are_preselected_and_canvas_is_not_checked(crawl: Any) -> None:
    result = crawl({"toggles": "name: toggles\nurl: /toggles.html\n"})
    step = result.scenario("toggles")["steps"][0]
    seen = controls(step)
    assert (
        seen["Share my location with partners"]["kind"],
        seen["Share my location with partners"]["checked"],
    ) == (
        "toggle",
        True,
    )
    assert seen["Grid view"]["consent"] is False
    assert seen["Share my data with partners"]["disabled"] is True
    assert findings(result, "toggles") == {
        ("preselected-consent", "Share my location with partners"),
        ("preselected-consent", "Share my data with partners"),
    }
    locked = next(f for f in result.scenario("toggles")["findings"] if "data" in f["label"])
    assert "cannot be unticked" in locked["detail"]
    assert [gap["reason"] for gap in step["not_checked"]] == ["canvas"]


def test_boxes_are_in_page_coordinates_with_viewport_and_fold(crawl: Any) -> None:
    result = crawl(
        {
            "geometry": """
            name: geometry
            url: /geometry.html
            viewport: {width: 800, height: 600}
            steps:
              - scroll: bottom
            """
        }
    )
    first, scrolled = result.scenario("geometry")["steps"]
    deep, inner = (
        controls(first)[label] for label in ("Send me marketing emails", "Share my data with partners")
    )
    assert deep["box"]["y"] == 2120
    assert (deep["in_viewport"], deep["below_fold"]) == (False, 1520)
    assert (inner["box"]["x"], inner["box"]["y"]) == (80, 40)
    assert inner["in_viewport"] is True
    after = controls(scrolled)["Send me marketing emails"]
    assert after["box"]["y"] == 2120, "page coordinates do not move when the page scrolls"
    assert after["in_viewport"] is True


def test_scenario_thresholds_and_product_words(crawl: Any) -> None:
    plain = "name: plain\nurl: /product-words.html\n"
    tuned = """
        name: tuned
        url: /product-words.html
        thresholds: {min_font_px: 9}
        lexicon:
          credit: [zhima score]
        """
    result = crawl({"plain": plain, "tuned": tuned})
    assert findings(result, "plain") == {
        ("preselected-consent", "Share my data with partners"),
        ("inconspicuous-consent", "Share my data with partners"),
    }
    assert findings(result, "tuned") == {
        ("preselected-consent", "Share my data with partners"),
        ("preselected-consent", "Join the Zhima Score programme"),
    }
    zhima = controls(result.scenario("tuned")["steps"][0])["Join the Zhima Score programme"]
    assert zhima["purposes"] == ["credit"]


def test_every_selector_finds_its_control_again(crawl: Any, page: Any, other_site: Any) -> None:
    url = f"/kinds.html?other={other_site.url}"
    result = crawl({"kinds": f"name: kinds\nurl: {url}\n"})
    seen = result.scenario("kinds")["steps"][0]["controls"]
    page.goto(result.doc["run"]["base_url"] + url)
    page.wait_for_load_state("load")
    for control in seen:
        frame = next(f for f in page.frames if f.url == control["frame_url"])
        found = frame.locator(control["selector"])
        assert found.count() == 1, control
        state = found.evaluate(
            "e => e.matches('input') ? (e.indeterminate ? null : e.checked) : "
            "({true: true, false: false}[e.getAttribute('aria-checked') ?? e.getAttribute('aria-pressed')]"
            " ?? null)"
        )
        assert state is control["checked"], control
