"""The fixture gallery: realistic consent UIs in tests/pages/gallery/, crawled once, checked against truth.

Every page of the gallery is one scenario of a single `crawler run` (the real command line, real Chromium).
`tests/pages/gallery/truth.yaml` says what a correct crawler reports for each page: every control with its
kind, state and consent class, and the exact set of findings. A failure here means the crawler is wrong
about a real-world pattern; fix the crawler, not the truth.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from playwright.sync_api import Page

from crawler.evidence import CROP_MARGIN
from crawler.server import SiteServer
from tests.conftest import PAGES
from tests.gallery_support import (
    coverage_problems,
    crawl_all,
    finding_problems,
    locate,
    shown,
    state_problems,
    truth_id,
)

GALLERY = PAGES / "gallery"
TRUTH: dict[str, Any] = yaml.safe_load((GALLERY / "truth.yaml").read_text(encoding="utf-8"))
PAGE_NAMES = list(TRUTH["pages"])
JPEG_SIGNATURE = b"\xff\xd8\xff"
CONTROL_KEYS = {
    "id",
    "label",
    "near",
    "kind",
    "checked",
    "at_open",
    "consent",
    "refusal",
    "disabled",
    "visible",
    "shadow",
    "frame",
}
FINDING_KEYS = {"rule", "control", "step", "severity", "failed"}


def scenario_name(page: str) -> str:
    return page.lower()


@dataclass
class Gallery:
    code: int
    stderr: str
    db: Path
    doc: dict[str, Any]
    base_url: str
    other_url: str

    def scenario(self, page: str) -> dict[str, Any]:
        name = scenario_name(page)
        found: list[dict[str, Any]] = [s for s in self.doc["scenarios"] if s["name"] == name]
        assert len(found) == 1, f"scenario {name!r} missing from the JSON document"
        return found[0]


@pytest.fixture(scope="module")
def gallery(
    tmp_path_factory: pytest.TempPathFactory, site: SiteServer, other_site: SiteServer
) -> Iterator[Gallery]:
    """One crawl over every gallery page (one scenario each), shared by all tests in this module."""
    scenarios = {
        scenario_name(page): {
            "title": truth["what"],
            "url": truth.get("url", f"/gallery/{page}.html").replace("{other}", other_site.url),
            "tags": ["gallery"],
            **truth.get("scenario", {}),
            "steps": truth.get("steps", []),
        }
        for page, truth in TRUTH["pages"].items()
    }
    run = crawl_all(tmp_path_factory.mktemp("gallery"), scenarios, site.url)
    yield Gallery(run.code, run.stderr, run.db, run.doc, site.url, other_site.url)


# ---------------------------------------------------------------- matching truth to the JSON document


def control_problems(
    spec: dict[str, Any], control: dict[str, Any], first: dict[str, Any] | None, gallery: Gallery
) -> list[str]:
    """What the crawler got wrong about one control (empty when it is right)."""
    name = truth_id(spec)
    problems = state_problems(spec, control)
    if "at_open" in spec:
        got = first["checked"] if first else "<not seen at step 0>"
        if got != spec["at_open"]:
            problems.append(f"{name}: checked at step 0 expected {spec['at_open']!r}, got {got!r}")
    origin = gallery.other_url if spec.get("frame") == "other" else gallery.base_url
    if not control["frame_url"].startswith(origin + "/gallery/"):
        problems.append(f"{name}: frame_url expected on {origin}, got {control['frame_url']!r}")
    return problems


def check_page(page: str, gallery: Gallery) -> list[str]:
    truth = TRUTH["pages"][page]
    scenario = gallery.scenario(page)
    problems: list[str] = []
    if scenario["status"] == "error":
        return [f"the scenario failed: {scenario['error']}"]
    steps = scenario["steps"]
    if len(steps) != 1 + len(truth.get("steps", [])):
        return [f"expected {1 + len(truth.get('steps', []))} steps, got {[s['action'] for s in steps]}"]

    for step in steps:
        problems += coverage_problems(step)

    final = steps[-1]["controls"]
    at_open = {c["key"]: c for c in steps[0]["controls"]}
    ids: dict[str, str] = {}  # control key -> truth id
    for spec in truth["controls"]:
        control, problem = locate(final, spec)
        if control is None:
            problems.append(problem)
            continue
        ids[control["key"]] = truth_id(spec)
        problems += control_problems(spec, control, at_open.get(control["key"]), gallery)
    unexpected = [(c["kind"], shown(c)) for c in final if c["key"] not in ids]
    if unexpected:
        problems.append(f"controls not in the truth: {unexpected}")

    labels = {(step["index"], c["key"]): shown(c) for step in steps for c in step["controls"]}
    return problems + finding_problems(truth["findings"], scenario["findings"], ids, labels)


# ---------------------------------------------------------------- tests


def test_every_gallery_page_has_its_truth() -> None:
    pages = {p.stem for p in GALLERY.glob("*.html")} - set(TRUTH["helpers"])
    assert pages == set(TRUTH["pages"])
    for page, truth in TRUTH["pages"].items():
        assert truth["controls"], page
        ids = [truth_id(spec) for spec in truth["controls"]]
        assert len(ids) == len(set(ids)), f"{page}: two controls share an id"
        for spec in truth["controls"]:
            assert set(spec) <= CONTROL_KEYS, (page, spec)
        for finding in truth["findings"]:
            assert set(finding) <= FINDING_KEYS, (page, finding)
            assert finding["control"] in ids, (page, finding)


def test_the_whole_gallery_runs_in_one_crawl(gallery: Gallery) -> None:
    assert gallery.code == 1, gallery.stderr  # findings, and no scenario failed
    assert gallery.doc["run"]["status"] == "completed"
    assert sorted(s["name"] for s in gallery.doc["scenarios"]) == sorted(map(scenario_name, PAGE_NAMES))
    assert "Traceback" not in gallery.stderr


@pytest.mark.parametrize("name", PAGE_NAMES)
def test_page(gallery: Gallery, name: str) -> None:
    problems = check_page(name, gallery)
    assert not problems, f"{name}.html:\n  " + "\n  ".join(problems)


def test_every_finding_points_at_the_step_screenshot_that_shows_its_control(gallery: Gallery) -> None:
    findings = [(s, f) for s in gallery.doc["scenarios"] for f in s["findings"]]
    assert findings
    for scenario, finding in findings:
        where = (scenario["name"], finding["rule"], finding["label"])
        evidence = finding.get("evidence") or {}
        step = next(s for s in scenario["steps"] if s["index"] == evidence.get("step"))
        assert evidence["screenshot"] == step["screenshot"], where
        assert step["index"] >= finding["step"], where
        control = next(c for c in step["controls"] if c["key"] == finding["control"])
        assert control["visible"], where
        assert evidence["box"] == control["box"], where
        for kind in ("screenshot", "crop"):
            assert not Path(evidence[kind]).is_absolute(), evidence[kind]
            path = gallery.db.parent / evidence[kind]
            assert path.read_bytes()[:3] == JPEG_SIGNATURE, (where, kind, path)


# Looks for the evidence outline's red in an image, in the browser: no image library needed. With segments
# ([x0, x1, y] each) it says per segment whether any pixel on it is outline red; without, it counts them all.
OUTLINE_RED_JS = """async ({jpeg, segments}) => {
  const image = new Image();
  image.src = 'data:image/jpeg;base64,' + jpeg;
  await image.decode();
  const [w, h] = [image.naturalWidth, image.naturalHeight];
  const canvas = document.createElement('canvas');
  canvas.width = w;
  canvas.height = h;
  const context = canvas.getContext('2d');
  context.drawImage(image, 0, 0);
  const data = context.getImageData(0, 0, w, h).data;
  const red = (x, y) => {
    const i = (y * w + x) * 4;
    return data[i] > 170 && data[i + 1] < 80 && data[i + 2] < 80;
  };
  if (!segments) {
    let n = 0;
    for (let y = 0; y < h; y += 1) for (let x = 0; x < w; x += 1) n += red(x, y) ? 1 : 0;
    return n;
  }
  return segments.map(([x0, x1, y]) => {
    if (y < 0 || y >= h) return false;
    for (let x = Math.max(0, x0); x <= Math.min(w - 1, x1); x += 1) if (red(x, y)) return true;
    return false;
  });
}"""


def beside(box: dict[str, float], origin: tuple[float, float]) -> list[tuple[int, int, int]]:
    """Short horizontal runs just left and just right of a control, at mid-height, where its outline goes."""
    y = round(box["y"] - origin[1] + box["height"] / 2)
    left, right = round(box["x"] - origin[0]), round(box["x"] - origin[0] + box["width"])
    return [(left - 8, left - 1, y), (right + 1, right + 8, y)]


def test_each_crop_outlines_the_control_of_its_finding(gallery: Gallery, page: Page) -> None:
    page.set_content("<title>pixels</title>")
    problems = []
    for scenario in gallery.doc["scenarios"]:
        for finding in scenario["findings"]:
            where = f"{scenario['name']}: {finding['rule']} on {finding['label'][:40]!r}"
            box = finding["evidence"]["box"]
            # Crops keep CROP_MARGIN around the control, clamped at the page's top-left corner.
            origin = (max(0.0, box["x"] - CROP_MARGIN[0]), max(0.0, box["y"] - CROP_MARGIN[1]))
            crop = base64.b64encode((gallery.db.parent / finding["evidence"]["crop"]).read_bytes()).decode()
            red = page.evaluate(OUTLINE_RED_JS, {"jpeg": crop, "segments": beside(box, origin)})
            if not all(red):
                problems.append(f"{where}: the crop does not outline its control")
    assert not problems, "\n".join(problems)


def final_controls(gallery: Gallery, page: str) -> list[dict[str, Any]]:
    scenario = gallery.scenario(page)
    assert scenario["status"] != "error", scenario["error"]
    return list(scenario["steps"][-1]["controls"])


def test_sourcepoint_controls_live_in_the_cross_origin_frame(gallery: Gallery) -> None:
    controls = final_controls(gallery, "sourcepoint")
    assert len(controls) == 3
    for control in controls:
        assert control["frame_url"].startswith(gallery.other_url + "/gallery/sourcepoint-message.html"), (
            control
        )
    for finding in gallery.scenario("sourcepoint")["findings"]:
        assert finding["frame_url"].startswith(gallery.other_url + "/"), finding


def test_closed_shadow_controls_are_reached(gallery: Gallery) -> None:
    controls = final_controls(gallery, "closed-shadow")
    assert len(controls) == 2
    assert all(c["shadow"] is True and c["shadow_mode"] == "closed" for c in controls), controls


def test_a_page_that_patches_the_dom_cannot_hide_ticked_boxes(gallery: Gallery) -> None:
    controls = final_controls(gallery, "tampering")
    assert [(c["kind"], c["checked"]) for c in controls] == [("checkbox", True), ("switch", True)]
    assert all(c["visible"] and c["box"]["width"] > 0 for c in controls), controls
