"""Screenshots: one per step, and for each finding the step with the control outlined plus a close crop."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import Page

from crawler.results import Control

# init.js draws the outline with DOM built-ins captured before page code ran.
_OUTLINE_JS = "(box) => window.__consentCrawler__.outline(box)"
_REMOVE_OUTLINE_JS = "() => window.__consentCrawler__.clearOutline()"

CROP_MARGIN = (160.0, 60.0)


async def screenshot(page: Page, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=path, full_page=True, animations="disabled")


async def capture(page: Page, control: Control, folder: Path, stem: str) -> dict[str, Path]:
    """Outline the control in page coordinates; keep the whole page and a crop around it."""
    box = control.box
    if box is None:
        return {}
    folder.mkdir(parents=True, exist_ok=True)
    outlined, crop = folder / f"{stem}-outlined.png", folder / f"{stem}-crop.png"
    size = await page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
    )
    await page.evaluate(_OUTLINE_JS, {"x": box.x, "y": box.y, "width": box.width, "height": box.height})
    try:
        await page.screenshot(path=outlined, full_page=True, animations="disabled")
        left = max(0.0, box.x - CROP_MARGIN[0])
        top = max(0.0, box.y - CROP_MARGIN[1])
        width = min(box.width + 2 * CROP_MARGIN[0], max(1.0, float(size[0]) - left))
        height = min(box.height + 2 * CROP_MARGIN[1], max(1.0, float(size[1]) - top))
        await page.screenshot(
            path=crop,
            full_page=True,
            animations="disabled",
            clip={"x": left, "y": top, "width": max(width, 1.0), "height": max(height, 1.0)},
        )
    finally:
        await page.evaluate(_REMOVE_OUTLINE_JS)
    return {"screenshot": outlined, "crop": crop}
