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

from crawler.results import Box, Finding, Observation

# Taller (or wider) pages are captured down to this size (CSS px): a 300,000 px page would otherwise take
# minutes and gigabytes, and nobody reads a screenshot that long.
MAX_SCREENSHOT_HEIGHT = 16_384
MAX_SCREENSHOT_WIDTH = 16_384
CROP_MARGIN = (160.0, 60.0)
OUTLINE = (221, 0, 0)
JPEG_QUALITY = 80


async def screenshot(
    page: Page,
    path: Path,
    timeout_ms: float,
    *,
    mask: Sequence[str] = (),
    style: str | None = None,
    scale: float = 1.0,
) -> tuple[float, float]:
    """The whole page down to MAX_SCREENSHOT_HEIGHT; returns the captured size in CSS px.

    `mask` selectors are painted over (password fields); `style` is CSS applied while capturing; `scale` is
    the context's device scale factor. The page's size is measured by Playwright outside the page's reach
    (the clip is trimmed to it), so a page that lies about its height cannot shorten its own evidence.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    clip: FloatRect = {"x": 0, "y": 0, "width": MAX_SCREENSHOT_WIDTH, "height": MAX_SCREENSHOT_HEIGHT}
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
        control = next((c for c in observation.controls if c.key == finding.control), None)
        if control is not None and control.visible and _captured(control.box, observation):
            return observation
    return next((o for o in candidates if o.index == finding.step), None)


def _captured(box: Box | None, observation: Observation) -> bool:
    size = observation.screenshot_size
    return box is not None and size is not None and box.width > 0 and box.y < size[1] and box.x < size[0]


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
        control = next((c for c in observation.controls if c.key == finding.control), None)
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
