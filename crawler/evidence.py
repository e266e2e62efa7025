"""Screenshots as evidence: one per step, and for each finding a pointer into one of them plus a small crop.

The cost does not grow with the number of findings: a finding names the step whose screenshot shows its
control and the control's box in page coordinates; the report draws the outline over that one image, and
the crop is cut from it here, once, after the scenario has finished.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from PIL import Image, ImageDraw
from playwright._impl._api_structures import FloatRect
from playwright.async_api import Page

from crawler.results import Box, Control, Finding, Observation

# Taller (or wider) pages are captured down to this size (CSS px): a 300,000 px page would otherwise take
# minutes and gigabytes, and nobody reads a screenshot that long.
MAX_SCREENSHOT_HEIGHT = 16_384
MAX_SCREENSHOT_WIDTH = 16_384
CROP_MARGIN = (160.0, 60.0)
OUTLINE = (221, 0, 0)
JPEG_QUALITY = 80


def capture_height(
    controls: Sequence[Control], before: Sequence[Control] | None, seen_bottom: float
) -> float:
    """How far down the page a step's screenshot must reach: what the person saw (the viewport) and every
    control that appeared or changed at this step, with room for its crop.

    A control that looks as it did at the step before is already on that step's screenshot, and a finding
    points at the first step whose screenshot shows its control, so capturing it again only costs time: a
    full page 18,000 px tall takes ten times as long as its viewport (bench/step_cost.py).
    """
    previous = {c.key: c for c in before or ()}
    bottom = seen_bottom
    for control in controls:
        if control.tab or control.box is None or previous.get(control.key) == control:
            continue
        bottom = max(bottom, control.box.y + control.box.height + CROP_MARGIN[1])
    return min(bottom, MAX_SCREENSHOT_HEIGHT)


async def screenshot(
    page: Page,
    path: Path,
    timeout_ms: float,
    *,
    mask: Sequence[str] = (),
    style: str | None = None,
    scale: float = 1.0,
    height: float = MAX_SCREENSHOT_HEIGHT,
) -> tuple[float, float]:
    """The page from its top down to `height` (at most MAX_SCREENSHOT_HEIGHT); returns the captured size in
    CSS px.

    `mask` selectors are painted over (password fields); `style` is CSS applied while capturing; `scale` is
    the context's device scale factor. The page's size is measured by Playwright outside the page's reach
    (the clip is trimmed to it), so a page that lies about its height cannot shorten its own evidence.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    clip: FloatRect = {
        "x": 0,
        "y": 0,
        "width": MAX_SCREENSHOT_WIDTH,
        "height": min(height, MAX_SCREENSHOT_HEIGHT),
    }
    await page.screenshot(
        path=path,
        full_page=True,
        clip=clip,
        animations="disabled",
        timeout=timeout_ms,
        type="jpeg",
        quality=JPEG_QUALITY,
        mask=[page.locator(selector) for selector in mask],
        style=style,
    )
    with Image.open(path) as image:
        return image.width / scale, image.height / scale


def evidence_step(finding: Finding, observations: Sequence[Observation]) -> Observation | None:
    """The first step, from the finding's own on, at which a person could see its control on a screenshot."""
    candidates = [o for o in observations if o.index >= finding.step and o.screenshot]
    for observation in candidates:
        control = _control(observation, finding.control)
        if control is not None and control.visible and _captured(control.box, observation):
            return observation
    # A step's screenshot leaves out controls that look as they did at the step before (capture_height):
    # an earlier step that shows the control exactly as it was at the finding's step is the same evidence.
    at_step = next((o for o in observations if o.index == finding.step), None)
    seen = _control(at_step, finding.control) if at_step is not None else None
    for observation in reversed([o for o in observations if o.index < finding.step and o.screenshot]):
        control = _control(observation, finding.control)
        if control != seen:
            break
        if control is not None and control.visible and _captured(control.box, observation):
            return observation
    return next((o for o in candidates if o.index == finding.step), None)


def _control(observation: Observation, key: str) -> Control | None:
    return next((c for c in observation.controls if c.key == key), None)


def _captured(box: Box | None, observation: Observation) -> bool:
    size = observation.screenshot_size
    return (
        box is not None
        and size is not None
        and box.width > 0
        and box.y + box.height <= size[1]
        and box.x < size[0]
    )


def attach(
    findings: Sequence[Finding],
    observations: Sequence[Observation],
    root: Path,
    relative: Callable[[Path], str],
) -> list[Finding]:
    """Point each finding at its evidence step and box, and cut its crop from that step's screenshot."""
    attached = []
    images: dict[str, Image.Image] = {}
    for number, finding in enumerate(findings, start=1):
        observation = evidence_step(finding, observations)
        if observation is None or observation.screenshot is None:
            attached.append(finding)
            continue
        control = _control(observation, finding.control)
        box = control.box if control is not None else None
        evidence: dict[str, object] = {"screenshot": observation.screenshot, "step": observation.index}
        if box is not None and _captured(box, observation):
            evidence["box"] = {"x": box.x, "y": box.y, "width": box.width, "height": box.height}
            image = images.get(observation.screenshot)
            if image is None:
                image = images[observation.screenshot] = Image.open(root / observation.screenshot)
            crop = (root / observation.screenshot).with_name(f"{observation.index:03d}-finding-{number}.jpg")
            _cut(image, box, observation, crop)
            evidence["crop"] = relative(crop)
        attached.append(replace(finding, evidence=evidence, evidence_step=observation.index))
    for image in images.values():
        image.close()
    return attached


def _cut(image: Image.Image, box: Box, observation: Observation, target: Path) -> None:
    assert observation.screenshot_size is not None
    scale = image.width / observation.screenshot_size[0]
    left = max(0.0, box.x - CROP_MARGIN[0])
    top = max(0.0, box.y - CROP_MARGIN[1])
    right = min(float(observation.screenshot_size[0]), box.x + box.width + CROP_MARGIN[0])
    bottom = min(float(observation.screenshot_size[1]), box.y + box.height + CROP_MARGIN[1])
    region = image.crop((left * scale, top * scale, right * scale, bottom * scale)).convert("RGB")
    outline = [
        round((box.x - left - 4) * scale),
        round((box.y - top - 4) * scale),
        round((box.x - left + box.width + 4) * scale),
        round((box.y - top + box.height + 4) * scale),
    ]
    ImageDraw.Draw(region).rectangle(outline, outline=OUTLINE, width=max(2, round(3 * scale)))
    region.save(target, "JPEG", quality=JPEG_QUALITY)
