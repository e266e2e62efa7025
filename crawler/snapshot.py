"""Observe a page: wait until it settles, then collect every control in every frame, one call per frame.

The in-page collector is the ordered files of `crawler/js/collector/`, joined once into one init script that
runs in every frame before page code. It publishes its entry points under a window property whose name and
key are random per browser context, so no page script can call it, fake it or spot it by a known name.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from playwright.async_api import BrowserContext, Frame, Locator, Page
from playwright.async_api import Error as PlaywrightError

from crawler.consent import Lexicon
from crawler.errors import reason
from crawler.identity import KeyMaker
from crawler.models import Settle
from crawler.results import Box, Control, Gap, LabelStyle

LATE_INIT_GAP = {
    "reason": "not-instrumented",
    "detail": "page code ran before the crawler's init script in this frame: closed shadow roots "
    "made earlier cannot be reached, and patched DOM built-ins may mislead",
}

_CALL_JS = """(a) => {
  const gate = window[a.gate];
  const api = typeof gate === 'function' ? gate(a.key) : undefined;
  return api ? api[a.method](a.arg) : '{"needs_init":true}';
}"""
_TARGET_JS = """(el, a) => {
  const gate = window[a.gate];
  const api = typeof gate === 'function' ? gate(a.key) : undefined;
  return api ? api.describeTarget(el) : '{}';
}"""
_CONTENT_OFFSET_JS = """(frameElement) => {
  const style = getComputedStyle(frameElement);
  return [frameElement.clientLeft + parseFloat(style.paddingLeft) || 0,
          frameElement.clientTop + parseFloat(style.paddingTop) || 0];
}"""


class PageBlocked(Exception):
    """An in-page call did not answer in time: the page's script is blocking its main thread."""

    gap = "page-blocked"


class PageUnreadable(PageBlocked):
    """The page's own document could not be inspected at all (it kept navigating away, say)."""

    gap = "page-unreadable"


@cache
def collector_files() -> tuple[str, ...]:
    folder = resources.files("crawler.js").joinpath("collector")
    names = sorted(f.name for f in folder.iterdir() if f.name.endswith(".js"))
    return tuple(folder.joinpath(name).read_text(encoding="utf-8") for name in names)


def collector_source(gate: str, key: str) -> str:
    """The whole collector as one script; `gate` and `key` are what a page must not know."""
    body = "\n".join(collector_files())
    return (
        "(() => {\n'use strict';\n"
        f"const GATE = {json.dumps(gate)};\nconst KEY = {json.dumps(key)};\n"
        "if (Object.getOwnPropertyDescriptor(window, GATE)) {\n  return;\n}\n"
        f"{body}\n}})();\n"
    )


@dataclass(frozen=True)
class _FrameView:
    frame: Frame
    data: dict[str, Any]
    offset: tuple[float, float]

    @property
    def url(self) -> str:
        """Never empty, which would read as "the page itself": Playwright knows no URL for a javascript: URL
        frame, whose document says about:blank."""
        return self.frame.url or str(self.data.get("url") or "") or "about:blank"


@dataclass(frozen=True)
class Collector:
    """The collector of one browser context, with the secret that reaches it."""

    gate: str
    key: str
    timeout_s: float = 30.0
    seen: dict[str, float] = field(default_factory=dict, compare=False)
    """Where the last `take` found the viewport, in page CSS px: `bottom` (scroll y + viewport height)."""

    @classmethod
    def new(cls, timeout_s: float = 30.0) -> Collector:
        # A name that looks like any minified global, and a key no page can guess.
        return cls("_" + secrets.token_hex(6), secrets.token_hex(16), timeout_s)

    @property
    def source(self) -> str:
        return collector_source(self.gate, self.key)

    async def install(self, context: BrowserContext) -> None:
        """Must run before the first page opens, so page code never sees the DOM built-ins untouched by us."""
        await context.add_init_script(script=self.source)

    async def call(self, frame: Frame, method: str, arg: Any = None) -> dict[str, Any]:
        """One collector entry point in one frame, bounded in time; installs the collector late if needed."""
        data = await self._evaluate(frame, method, arg)
        if data.get("needs_init"):
            await self._bounded(frame.evaluate(self.source))
            data = await self._evaluate(frame, method, arg)
            data["late_init"] = True
        return data

    async def _evaluate(self, frame: Frame, method: str, arg: Any) -> dict[str, Any]:
        payload = {"gate": self.gate, "key": self.key, "method": method, "arg": arg}
        raw = await self._bounded(frame.evaluate(_CALL_JS, payload))
        return _parse(raw)

    async def _bounded(self, call: Any) -> Any:
        try:
            return await asyncio.wait_for(call, self.timeout_s)
        except TimeoutError:
            raise PageBlocked(
                f"the page did not answer within {self.timeout_s:g} s (a script is blocking it)"
            ) from None

    async def settle(self, page: Page, options: Settle, load_ms: float | None = None) -> tuple[float, bool]:
        """Wait for load (at most `load_ms`), then for a quiet DOM in every frame; (ms taken, settled)."""
        started = time.monotonic()
        waited: set[Frame] = set()
        settled = True
        # A frame attached while others settle (a consent manager's iframe, typically) gets its own wait.
        while fresh := [f for f in page.frames if f not in waited and not f.is_detached()]:
            remaining = options.timeout_ms - (time.monotonic() - started) * 1000
            if remaining <= 0:
                return _ms_since(started), False
            waited.update(fresh)
            arg = {"quiet_ms": options.quiet_ms, "timeout_ms": remaining, "load_ms": load_ms or remaining}
            results = await asyncio.gather(
                *(self.call(frame, "settle", arg) for frame in fresh), return_exceptions=True
            )
            if any(isinstance(r, PageBlocked) for r in results) and page.main_frame in fresh:
                raise next(r for r in results if isinstance(r, PageBlocked))
            for frame, result in zip(fresh, results, strict=True):
                if isinstance(result, PlaywrightError) and navigated(result):
                    # The frame moved on to its next document (an iframe leaving about:blank): wait for it.
                    waited.discard(frame)
                elif not (isinstance(result, dict) and result.get("settled")):
                    settled = False
        return _ms_since(started), settled

    async def take(
        self, page: Page, lexicon: Lexicon
    ) -> tuple[tuple[Control, ...], tuple[Gap, ...], tuple[str, ...]]:
        """Every control in every frame; what could not be inspected; what the page probed for."""
        frames = [f for f in page.frames if not f.is_detached()]
        views_or_errors = (self._frame_view(f, page.main_frame) for f in frames)
        raw = await asyncio.gather(*views_or_errors, return_exceptions=True)
        gaps: list[Gap] = []
        views: list[_FrameView] = []
        for frame, result in zip(frames, raw, strict=True):
            if frame is page.main_frame and isinstance(result, BaseException):
                # Without the page itself there is no observation; a gap would pass for "nothing found".
                if isinstance(result, PageBlocked) or navigated(result) or not _alive(page):
                    raise result
                raise PageUnreadable(f"the page could not be inspected: {reason(result)}")
            if isinstance(result, BaseException):
                kind = "frame-detached" if frame.is_detached() else "frame-failed"
                gaps.append(Gap(kind, reason(result), frame.url))
            else:
                views.append(result)
        main = next((v.data for v in views if v.frame is page.main_frame), None)
        viewport = (main or {}).get("viewport") or {"width": 0, "height": 0}
        scroll = (main or {}).get("scroll") or {"x": 0, "y": 0}
        self.seen["bottom"] = float(scroll["y"]) + float(viewport["height"])
        keys = KeyMaker()
        controls: list[Control] = []
        probed: dict[str, None] = {}
        for view in views:
            gaps.extend(
                Gap(str(g.get("reason", "")), str(g.get("detail", "")), view.url)
                for g in view.data.get("uninspectable", [])
            )
            probed.update(dict.fromkeys(str(p) for p in view.data.get("automation_probed", [])))
            for item in view.data.get("controls", []):
                controls.append(_control(item, view, viewport, scroll, keys, lexicon))
        return tuple(controls), tuple(gaps), tuple(probed)

    async def _frame_view(self, frame: Frame, main: Frame) -> _FrameView:
        data = await self.call(frame, "snapshot", {"reset": True})
        if data.pop("late_init", False):
            data.setdefault("uninspectable", []).append(LATE_INIT_GAP)
        offset = (0.0, 0.0)
        if frame is not main:
            element = await self._bounded(frame.frame_element())
            box = await self._bounded(element.bounding_box())
            inner = await self._bounded(element.evaluate(_CONTENT_OFFSET_JS))
            if box:
                offset = (box["x"] + float(inner[0]), box["y"] + float(inner[1]))
        return _FrameView(frame, data, offset)

    async def describe_target(self, locator: Locator) -> dict[str, str]:
        """The accessible name and role of the element a step is about to press."""
        arg = {"gate": self.gate, "key": self.key}
        try:
            raw = await self._bounded(locator.evaluate(_TARGET_JS, arg, timeout=self.timeout_s * 1000))
        except (PlaywrightError, PageBlocked):
            return {}
        data = _parse(raw)
        return {k: str(v) for k, v in data.items() if isinstance(v, str)}


def _alive(page: Page) -> bool:
    """The page and its browser are still there (else the failure is a crash, for the runner to retry)."""
    browser = page.context.browser
    return not page.is_closed() and (browser is None or browser.is_connected())


def navigated(exc: BaseException) -> bool:
    """The error says the frame's document went away under the call: it navigated."""
    text = str(exc)
    return "context was destroyed" in text or "navigat" in text


def _ms_since(started: float) -> float:
    return round((time.monotonic() - started) * 1000, 1)


def _parse(raw: Any) -> dict[str, Any]:
    """The collector answers with JSON text; a page that broke Playwright's serializer cannot break that."""
    if not isinstance(raw, str):
        return {"uninspectable": [{"reason": "error", "detail": "the collector returned no data"}]}
    # Unpaired surrogates cannot be stored as UTF-8; the collector replaces them, this is the backstop.
    parsed = json.loads(raw.encode("utf-8", "replace").decode("utf-8"))
    return parsed if isinstance(parsed, dict) else {}


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
    description = str(item.get("description") or "")
    # A radio's own words include its group's question ("Personalised ads: Agree / Disagree").
    own_words = f"{label} {group}".strip() if kind in ("radio", "menuitemradio") else label
    checked = item.get("checked")
    locked_on = bool(item.get("disabled")) and checked is True
    classification = lexicon.classify(
        own_words, nearby, context, description=description, locked_on=locked_on
    )
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
    return Control(
        key=keys.key(view.url, kind, shown, str(item.get("value") or "") if kind == "radio" else ""),
        kind=kind,
        role=str(item.get("role") or ""),
        label=label,
        label_source=str(item.get("label_source") or "none"),
        nearby_text=nearby,
        description=description,
        checked=None if checked is None else bool(checked),
        disabled=bool(item.get("disabled")),
        visible=visible,
        frame_url=view.url,
        shadow=bool(item.get("shadow")),
        shadow_mode=item.get("shadow_mode"),
        selector=str(item.get("selector") or ""),
        acted=bool(item.get("acted")),
        consent=classification.consent,
        refusal=classification.refusal,
        purposes=classification.purposes,
        matched=classification.matched,
        consent_from=classification.source,
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
        contrast=float(style["contrast"]) if style.get("contrast") else None,
        opacity=float(style.get("opacity", 1.0)),
    )
