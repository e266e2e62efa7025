"""Evidence shows the finding, costs one screenshot per step, and leaves no image nobody refers to."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from crawler.evidence import CROP_MARGIN, MAX_SCREENSHOT_HEIGHT, OUTLINE, capture_height, evidence_step
from crawler.results import Box, Control, Finding, Observation
from crawler.server import SiteServer


def referenced(scenarios: list[dict[str, Any]]) -> set[str]:
    paths = set()
    for scenario in scenarios:
        paths |= {s["screenshot"] for s in scenario["steps"] if s["screenshot"]}
        paths |= {f["evidence"]["crop"] for f in scenario["findings"] if f["evidence"].get("crop")}
        paths |= {p for p in (scenario["error_screenshot"], scenario["trace"]) if p}
    return paths


def on_disk(db: Path) -> set[str]:
    root = db.parent / f"{db.stem}-screenshots"
    return {p.relative_to(db.parent).as_posix() for p in root.rglob("*") if p.is_file()}


def red_pixels(image: Image.Image) -> int:
    rgb = image.convert("RGB")
    pixels = rgb.load()
    assert pixels is not None
    found = 0
    for y in range(rgb.height):
        for x in range(rgb.width):
            r, g, b = pixels[x, y]  # type: ignore[misc]
            found += abs(r - OUTLINE[0]) < 60 and g < 80 and b < 80
    return found


def test_a_box_preticked_in_a_modal_opened_later_is_shown_open_and_outlined(crawl: Any) -> None:
    result = crawl(
        {
            "modal": "name: modal\nurl: /consent/modal.html\nsettle: {quiet_ms: 200}\n"
            'steps:\n  - click: "#settings"\n'
        }
    )
    scenario = result.scenario("modal")
    [finding] = [f for f in scenario["findings"] if f["rule"] == "preselected-consent"]
    # First seen (hidden, in the closed modal) at step 0; a person could see it at step 1.
    assert (finding["step"], finding["evidence_step"], finding["evidence"]["step"]) == (0, 1, 1)
    opened = scenario["steps"][1]
    box = next(c for c in opened["controls"] if c["key"] == finding["control"])
    assert box["visible"] and not scenario["steps"][0]["controls"][0]["visible"]
    assert finding["evidence"]["screenshot"] == opened["screenshot"]
    assert finding["evidence"]["box"] == box["box"]
    assert (box["box"]["x"], box["box"]["y"]) > (80, 80), "the box sits inside the open modal, not at 0,0"
    # The crop is cut around the box, with the outline drawn where the box is.
    crop = Image.open(result.db.parent / finding["evidence"]["crop"])
    left = max(0.0, box["box"]["x"] - CROP_MARGIN[0])
    top = max(0.0, box["box"]["y"] - CROP_MARGIN[1])
    around = crop.crop(
        (
            round(box["box"]["x"] - left - 8),
            round(box["box"]["y"] - top - 8),
            round(box["box"]["x"] - left + box["box"]["width"] + 8),
            round(box["box"]["y"] - top + box["box"]["height"] + 8),
        )
    )
    assert red_pixels(around) > 20
    assert on_disk(result.db) == referenced(result.doc["scenarios"])  # type: ignore[index]


def thousand_vendors(folder: Path) -> None:
    rows = "\n".join(
        f'<div><label><input type="checkbox"{" checked" if (i * 335) % 1000 < 335 else ""}> '
        f"Vendor {i} may use my personal data for personalised advertising</label></div>"
        for i in range(1000)
    )
    (folder / "vendors.html").write_text(
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Vendors</title></head>'
        f'<body><div role="dialog" aria-label="Our 1,000 partners">{rows}</div></body></html>',
        encoding="utf-8",
    )


@pytest.mark.slow
def test_335_preticked_vendors_cost_one_screenshot_per_step(crawl: Any, tmp_path: Path) -> None:
    folder = tmp_path / "site"
    folder.mkdir()
    thousand_vendors(folder)
    yaml = "name: vendors\nurl: /vendors.html\nsettle: {quiet_ms: 200}\nsteps:\n  - snapshot: again\n"
    with SiteServer(folder) as server:
        result = crawl({"vendors": yaml}, base_url=server.url)
    scenario = result.scenario("vendors")
    findings = [f for f in scenario["findings"] if f["rule"] == "preselected-consent"]
    assert len(findings) == 335
    steps = [s["screenshot"] for s in scenario["steps"]]
    full_size = {p for p in on_disk(result.db) if "-finding-" not in p}
    assert full_size == set(steps) and len(steps) == 2
    heights = []
    for path in steps:
        with Image.open(result.db.parent / path) as image:
            heights.append(image.height)
    # The second step saw exactly what the first did: its screenshot is what the person saw, not the page.
    assert (
        MAX_SCREENSHOT_HEIGHT >= heights[0] > 10_000
        and heights[1] == scenario["steps"][1]["screenshot_size"][1]
    )
    assert heights[1] < 2_000
    bottoms = {c["key"]: c["box"]["y"] + c["box"]["height"] for c in scenario["steps"][0]["controls"]}
    # Every box inside the capped first screenshot is evidence there; those beyond the cap have none.
    for f in findings:
        assert bool(f["evidence"].get("box")) == (bottoms[f["control"]] <= MAX_SCREENSHOT_HEIGHT), f
        assert f["evidence"]["step"] == 0
    crops = [result.db.parent / f["evidence"]["crop"] for f in findings if f["evidence"].get("crop")]
    assert len(crops) == sum(1 for f in findings if f["evidence"].get("box")) > 250
    assert all(path.stat().st_size < 60_000 for path in crops)
    assert on_disk(result.db) == referenced([scenario])


def control(key: str, y: float, checked: bool = False, tab: int = 0) -> Control:
    return Control(key=key, kind="checkbox", checked=checked, box=Box(10, y, 20, 20), tab=tab)


@pytest.mark.parametrize(
    ("controls", "before", "expected"),
    [
        # Nothing changed: what the person saw is enough.
        ([control("a", 5_000)], [control("a", 5_000)], 720),
        # The first step: every control is new, the lowest one decides.
        ([control("a", 100), control("b", 5_000)], None, 5_020 + CROP_MARGIN[1]),
        # Ticked since the step before: captured again, with room for its crop.
        ([control("a", 5_000, checked=True)], [control("a", 5_000)], 5_020 + CROP_MARGIN[1]),
        # Moved.
        ([control("a", 3_000)], [control("a", 5_000)], 3_020 + CROP_MARGIN[1]),
        # A control in another tab is not on this page's screenshot.
        ([control("a", 9_000, tab=1)], None, 720),
        # Never beyond the cap.
        ([control("a", 90_000)], None, MAX_SCREENSHOT_HEIGHT),
    ],
)
def test_capture_height(controls: list[Control], before: list[Control] | None, expected: float) -> None:
    assert capture_height(controls, before, 720) == expected


def observation(index: int, controls: list[Control], height: float) -> Observation:
    return Observation(
        index=index,
        action="snapshot",
        name="",
        url="http://x/",
        controls=tuple(controls),
        screenshot=f"{index:03d}.jpg",
        screenshot_size=(1280, height),
    )


def test_evidence_from_an_earlier_step_that_shows_the_control_as_it_was() -> None:
    low = control("a", 5_000, checked=True)
    steps = [observation(0, [low], 6_000), observation(1, [low], 720), observation(2, [low], 720)]
    finding = Finding(rule="r", severity="high", step=1, control="a", label="", detail="")
    assert evidence_step(finding, steps) is steps[0]
    # Ticked only at step 1: step 0's picture shows another state and is no evidence.
    steps[0] = observation(0, [control("a", 5_000)], 6_000)
    assert evidence_step(finding, steps) is steps[1]
