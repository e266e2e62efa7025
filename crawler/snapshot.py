"""Observe a page: wait until it settles, then collect every control in every frame, one call per frame."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from importlib import resources
from typing import Any

from playwright.async_api import BrowserContext, Frame, Page
from playwright.async_api import Error as PlaywrightError

from crawler.consent import Lexicon
from crawler.errors import reason
from crawler.identity import KeyMaker
from crawler.models import Settle
from crawler.results import Box, Control, Gap, LabelStyle


def _script(name: str) -> str:
    return resources.files("crawler.js").joinpath(name).read_text(encoding="utf-8")


INIT_JS = _script("init.js")
SNAPSHOT_JS = _script("snapshot.js")
SETTLE_JS = _script("settle.js")

LATE_INIT_GAP = {
    "reason": "not-instrumented",
    "detail": "page code ran before the crawler's init script in this frame: closed shadow roots "
    "made earlier cannot be reached, and patched DOM built-ins may mislead",
}

_CONTENT_OFFSET_JS = """(frameElement) => {
  const style = getComputedStyle(frameElement);
  return [frameElement.clientLeft + parseFloat(style.paddingLeft) || 0,
          frameElement.clientTop + parseFloat(style.paddingTop) || 0];
}"""


async def install(context: BrowserContext) -> None:
    """Must run before the first page opens, so page code never sees the DOM built-ins untouched by us."""
    await context.add_init_script(script=INIT_JS)


async def settle(page: Page, options: Settle) -> tuple[float, bool]:
    """Wait for load, then for a quiet window without DOM mutations in every frame; (ms taken, settled)."""
    started = time.monotonic()
    settled = True
    try:
        await page.wait_for_load_state("load", timeout=options.timeout_ms or 1)
    except PlaywrightError:
        settled = False
    waited: set[Frame] = set()
    # A frame attached while others settle (a consent manager's iframe, typically) gets its own wait.
    while fresh := [f for f in page.frames if f not in waited and not f.is_detached()]:
        remaining = options.timeout_ms - (time.monotonic() - started) * 1000
        if remaining <= 0:
            return round((time.monotonic() - started) * 1000, 1), False
        waited.update(fresh)
        arg = {"quiet_ms": options.quiet_ms, "timeout_ms": remaining, "json": True}
        results = await asyncio.gather(
            *(_evaluate_json(frame, SETTLE_JS, arg) for frame in fresh), return_exceptions=True
        )
        settled = settled and all(isinstance(r, dict) and r.get("settled") for r in results)
    return round((time.monotonic() - started) * 1000, 1), settled


@dataclass(frozen=True)
class _FrameView:
    frame: Frame
    data: dict[str, Any]
    offset: tuple[float, float]


async def take(page: Page, lexicon: Lexicon) -> tuple[tuple[Control, ...], tuple[Gap, ...]]:
    frames = [f for f in page.frames if not f.is_detached()]
    raw = await asyncio.gather(
        *(_frame_view(frame, page.main_frame) for frame in frames), return_exceptions=True
    )
    gaps: list[Gap] = []
    views: list[_FrameView] = []
    for frame, result in zip(frames, raw, strict=True):
        if isinstance(result, BaseException):
            kind = "frame-detached" if frame.is_detached() else "frame-failed"
            gaps.append(Gap(kind, reason(result), frame.url))
        else:
            views.append(result)
    main = next((v.data for v in views if v.frame is page.main_frame), None)
    viewport = (main or {}).get("viewport") or {"width": 0, "height": 0}
    scroll = (main or {}).get("scroll") or {"x": 0, "y": 0}
    keys = KeyMaker()
    controls: list[Control] = []
    for view in views:
        gaps.extend(
            Gap(str(g.get("reason", "")), str(g.get("detail", "")), view.frame.url)
            for g in view.data.get("uninspectable", [])
        )
        for item in view.data.get("controls", []):
            controls.append(_control(item, view, viewport, scroll, keys, lexicon))
    return tuple(controls), tuple(gaps)


async def _evaluate_json(frame: Frame, script: str, arg: dict[str, Any]) -> Any:
    """The scripts serialise their own result: a page that patches Array.prototype breaks Playwright's."""
    return json.loads(await frame.evaluate(script, arg))


async def _frame_view(frame: Frame, main: Frame) -> _FrameView:
    data = await _evaluate_json(frame, SNAPSHOT_JS, {"reset": True, "json": True})
    if data.get("needs_init"):
        await frame.evaluate(INIT_JS)
        data = await _evaluate_json(frame, SNAPSHOT_JS, {"reset": True, "json": True})
        data.setdefault("uninspectable", []).append(LATE_INIT_GAP)
    offset = (0.0, 0.0)
    if frame is not main:
        element = await frame.frame_element()
        box = await element.bounding_box()
        inner = await element.evaluate(_CONTENT_OFFSET_JS)
        if box:
            offset = (box["x"] + float(inner[0]), box["y"] + float(inner[1]))
    return _FrameView(frame, data, offset)


def _control(
    item: dict[str, Any],
    view: _FrameView,
    viewport: dict[str, float],
    scroll: dict[str, float],
    keys: KeyMaker,
    lexicon: Lexicon,
) -> Control:
    label = str(item.get("label") or "")
    nearby = str(item.get("nearby_text") or "")
    kind = str(item.get("kind") or "checkbox")
    group = str(item.get("group") or "")
    shown = label or nearby
    context = str(item.get("context") or "")
    own_words = f"{label} {group}".strip() if kind == "radio" else label
    # An always-on switch ("Necessary", greyed out) asks nothing, whatever its dialog asks.
    asked = "" if item.get("disabled") else context
    classification = lexicon.classify(own_words, nearby, asked)
    rect = item.get("rect") or {}
    vx = float(rect.get("x", 0)) + view.offset[0]
    vy = float(rect.get("y", 0)) + view.offset[1]
    width, height = float(rect.get("width", 0)), float(rect.get("height", 0))
    visible = bool(item.get("visible"))
    in_viewport = (
        visible and vx < viewport["width"] and vx + width > 0 and vy < viewport["height"] and vy + height > 0
    )
    page_y = vy + float(scroll["y"])
    style = item.get("label_style")
    checked = item.get("checked")
    return Control(
        key=keys.key(view.frame.url, kind, shown, str(item.get("value") or "") if kind == "radio" else ""),
        kind=kind,
        role=str(item.get("role") or ""),
        label=label,
        label_source=str(item.get("label_source") or "none"),
        nearby_text=nearby,
        checked=None if checked is None else bool(checked),
        disabled=bool(item.get("disabled")),
        visible=visible,
        frame_url=view.frame.url,
        shadow=bool(item.get("shadow")),
        shadow_mode=item.get("shadow_mode"),
        selector=str(item.get("selector") or ""),
        acted=bool(item.get("acted")),
        consent=classification.consent,
        refusal=classification.refusal,
        purposes=classification.purposes,
        matched=classification.matched,
        box=Box(round(vx + float(scroll["x"]), 1), round(page_y, 1), round(width, 1), round(height, 1)),
        in_viewport=in_viewport,
        below_fold=round(max(0.0, page_y - float(viewport["height"])), 1),
        opacity=float(item.get("opacity", 1.0)),
        covered=bool(item.get("covered")),
        label_style=_label_style(style) if isinstance(style, dict) else None,
        native=bool(item.get("native")),
        name=str(item.get("name") or ""),
        value=str(item.get("value") or ""),
        group=group,
        context=context,
    )


def _label_style(style: dict[str, Any]) -> LabelStyle:
    return LabelStyle(
        font_size=float(style.get("font_size") or 0),
        color=str(style.get("color") or ""),
        background=str(style.get("background") or ""),
        contrast=float(style.get("contrast") or 0),
        opacity=float(style.get("opacity", 1.0)),
    )
