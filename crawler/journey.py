"""One attempt at one scenario in one browser context: open the page, run the steps, observe after each.

What goes wrong is said in one line a person can act on: the step by index, action and target, its
`FILE:LINE`, the page's URL, and Playwright's own reason. What the page itself did wrong during a step (script
errors, failed requests, an HTTP error answer, tabs it opened) is recorded with that step.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from playwright.async_api import BrowserContext, Page, Request, Response
from playwright.async_api import Error as PlaywrightError

from crawler import evidence, steps
from crawler.consent import Intent, Lexicon
from crawler.errors import reason
from crawler.models import ClickStep, FillStep, GotoStep, PressStep, ScenarioFile, StepBase
from crawler.results import Control, Gap, Observation
from crawler.snapshot import Collector, PageBlocked, PageUnreadable, navigated

# Hostile pages can log without end; a step keeps the first ones.
MAX_EVENTS_PER_STEP = 50
MAX_EVENT_TEXT = 300
# How long a tab a step opened gets to show its document before it is observed (or noted as not checked).
POPUP_WAIT_MS = 5_000
REDACT_STYLE = (
    "input:not([type=checkbox]):not([type=radio]):not([type=button]):not([type=submit]):not([type=reset]),"
    "textarea,[contenteditable=''],[contenteditable=true]{filter:blur(6px) !important}"
)


class StepFailed(Exception):
    """A step could not run; `transient` when trying again later may well succeed (network, 5xx, crash)."""

    def __init__(self, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


@dataclass(frozen=True)
class JourneySettings:
    base_url: str = ""
    shots: Path | None = None
    """Folder for this scenario's screenshots; None takes none."""
    relative: Callable[[Path], str] = str
    redact: bool = False


@dataclass
class _StepEvents:
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    status: int | None = None
    popups: list[Page] = field(default_factory=list)


class Journey:
    def __init__(
        self,
        item: ScenarioFile,
        context: BrowserContext,
        collector: Collector,
        lexicon: Lexicon,
        settings: JourneySettings,
    ) -> None:
        self.item, self.scenario = item, item.scenario
        self.context, self.collector, self.lexicon, self.settings = context, collector, lexicon, settings
        self.observations: list[Observation] = []
        self.error_screenshot: str | None = None
        self.page: Page | None = None
        self._events = _StepEvents()
        self._masked: list[str] = []

    async def run(self) -> None:
        """Raises StepFailed, PageBlocked or PlaywrightError; what was observed until then stays in
        `observations`."""
        page = self.page = await self.context.new_page()
        page.set_default_timeout(self.scenario.timeout_ms)
        self._listen(page)
        try:
            await self._open(page)
            for index, step in enumerate(self.scenario.steps, start=1):
                await self._step(page, index, step)
        except StepFailed:
            await self._failure_screenshot(page)
            raise

    # -------------------------------------------------------------- steps

    async def _open(self, page: Page) -> None:
        url = steps.resolve_url(self.settings.base_url, self.scenario.url)
        location = self.item.location(0)
        try:
            # The DOM is enough: one stalled image must not keep the page from being observed.
            response = await page.goto(url, timeout=self.scenario.timeout_ms, wait_until="domcontentloaded")
        except PlaywrightError as exc:
            raise StepFailed(
                f"step 0 (open {url}) at {location}: {explain(exc, url)}", transient=is_transient(exc)
            ) from None
        status = response.status if response is not None else None
        self._check_status(status, 0, f"open {url}", location, page.url)
        await self._observe(page, 0, "open", f"open {self.scenario.url}", url, status=status)

    async def _step(self, page: Page, index: int, step: StepBase) -> None:
        action, label, target = steps.describe(step)
        timeout = step.timeout_ms or self.scenario.timeout_ms
        pressed = await self._pressed(page, step, timeout)
        self._events = _StepEvents()
        if isinstance(step, FillStep) and any(secret in step.fill.value for secret in self.item.secrets):
            self._masked.append(step.fill.selector)
        try:
            await steps.RUNNERS[action](page, step, steps.StepContext(self.settings.base_url, timeout))
        except PlaywrightError as exc:
            where = (
                f"step {index} ({action}{f' {target!r}' if target else ''}) at {self.item.location(index)}"
            )
            raise StepFailed(
                f"{where} on {page.url}: {explain(exc, target)}",
                transient=isinstance(step, GotoStep) and is_transient(exc),
            ) from None
        if isinstance(step, GotoStep):
            self._check_status(self._events.status, index, label, self.item.location(index), page.url)
        await self._observe(page, index, action, label, target, pressed=pressed, status=self._events.status)

    async def _pressed(self, page: Page, step: StepBase, timeout: float) -> tuple[str, Intent | None]:
        """The name of the button a click or key press is about to hit, read before it disappears."""
        if isinstance(step, ClickStep):
            selector = step.click
        elif isinstance(step, PressStep):
            selector = step.press.selector
        else:
            return "", None
        locator = page.locator(selector).first
        with contextlib.suppress(PlaywrightError):
            await locator.wait_for(state="attached", timeout=timeout)
        name = (await self.collector.describe_target(locator)).get("name", "")
        return name, self.lexicon.intent(name) if name else Intent.OTHER

    def _check_status(self, status: int | None, index: int, label: str, location: str, url: str) -> None:
        if status is None or status < 400 or status in self.scenario.allow_http_status:
            return
        raise StepFailed(
            f"step {index} ({label}) at {location}: {url} answered HTTP {status}; if that is expected, "
            f"add it to the scenario's allow_http_status",
            transient=status >= 500,
        )

    # -------------------------------------------------------------- observing

    async def _observe(
        self,
        page: Page,
        index: int,
        action: str,
        name: str,
        target: str | None,
        *,
        pressed: tuple[str, Intent | None] = ("", None),
        status: int | None = None,
    ) -> None:
        gaps: list[Gap] = []
        controls: tuple[Control, ...] = ()
        probed: tuple[str, ...] = ()
        settle_ms, settled = 0.0, False
        blocked: PageBlocked | None = None
        seen_bottom = 0.0
        try:
            settle_ms, settled = await self._settled(page)
            controls, found_gaps, probed = await self._take(page)
            # Read now: observing a tab the step opened moves the collector's record to that tab.
            seen_bottom = self.collector.seen.get("bottom", 0.0)
            gaps.extend(found_gaps)
        except PageBlocked as exc:
            blocked = exc
            gaps.append(Gap(exc.gap, str(exc), page.url))
        # Taken only now: what the step set off (a tab opened a moment after a click, a late script error)
        # often arrives while the page settles.
        events, self._events = self._events, _StepEvents()
        if status is not None and status >= 400 and status not in self.scenario.allow_http_status:
            gaps.append(
                Gap("http-error", f"the page answered HTTP {status}: its controls are not judged", page.url)
            )
        for number, popup in enumerate(events.popups, start=1):
            popup_controls, popup_gaps = await self._observe_popup(popup, number)
            controls += popup_controls
            gaps.extend(popup_gaps)
        # A blocked page cannot be captured either; waiting for its screenshot would only add a timeout.
        screenshot, size = (
            (None, None) if blocked else await self._screenshot(page, index, gaps, controls, seen_bottom)
        )
        self.observations.append(
            Observation(
                index=index,
                action=action,
                name=name,
                url=page.url,
                controls=controls,
                settle_ms=settle_ms,
                settled=settled,
                screenshot=screenshot,
                gaps=tuple(gaps),
                target=target,
                target_name=pressed[0],
                intent=pressed[1],
                http_status=status,
                page_errors=tuple(events.page_errors),
                failed_requests=tuple(events.failed_requests),
                screenshot_size=size,
                automation_probed=probed,
            )
        )
        if blocked is not None:
            # What it shows was never inspected: the scenario ends as an error, not as "nothing found".
            raise blocked

    async def _settled(self, page: Page) -> tuple[float, bool]:
        try:
            return await self.collector.settle(page, self.scenario.settle)
        except PlaywrightError as exc:
            if not navigated(exc):
                raise
            # The step started a navigation: settle on the page it led to.
            return await self.collector.settle(page, self.scenario.settle)

    async def _take(self, page: Page) -> tuple[tuple[Control, ...], tuple[Gap, ...], tuple[str, ...]]:
        try:
            return await self.collector.take(page, self.lexicon)
        except PlaywrightError as exc:
            if not navigated(exc):
                raise
        await self.collector.settle(page, self.scenario.settle)
        try:
            return await self.collector.take(page, self.lexicon)
        except PlaywrightError as exc:
            raise PageUnreadable(
                f"the page kept navigating and could not be inspected: {reason(exc)}"
            ) from None

    async def _observe_popup(self, popup: Page, number: int) -> tuple[tuple[Control, ...], list[Gap]]:
        """A tab or popup the step opened is observed too: a pre-ticked box there counts like any other."""
        try:
            with contextlib.suppress(PlaywrightError):
                await popup.wait_for_load_state("domcontentloaded", timeout=POPUP_WAIT_MS)
            await self.collector.settle(popup, self.scenario.settle)
            controls, gaps, _ = await self.collector.take(popup, self.lexicon)
        except (PlaywrightError, PageBlocked) as exc:
            return (), [
                Gap(
                    "new-tab",
                    f"tab {number} opened at {popup.url} but could not be inspected: {reason(exc)}",
                    popup.url,
                )
            ]
        note = Gap(
            "new-tab",
            f"tab {number} opened at {popup.url}: its controls are reported with tab {number}",
            popup.url,
        )
        return tuple(_in_tab(c, number) for c in controls), [note, *gaps]

    async def _screenshot(
        self, page: Page, index: int, gaps: list[Gap], controls: tuple[Control, ...], seen_bottom: float
    ) -> tuple[str | None, tuple[float, float] | None]:
        if self.settings.shots is None:
            return None, None
        # Controls unchanged since the step before are on its screenshot, if it has one.
        last = self.observations[-1] if self.observations else None
        before = last.controls if last is not None and last.screenshot else None
        height = evidence.capture_height(controls, before, seen_bottom)
        path = self.settings.shots / f"{index:03d}.jpg"
        try:
            size = await asyncio.wait_for(
                evidence.screenshot(
                    page,
                    path,
                    self.scenario.timeout_ms,
                    mask=self._mask(),
                    style=REDACT_STYLE if self.settings.redact else None,
                    scale=float(self.scenario.context_options().get("device_scale_factor") or 1),
                    height=height,
                ),
                self.scenario.timeout_ms / 1000 + 5,
            )
        except (PlaywrightError, TimeoutError, OSError) as exc:
            gaps.append(Gap("screenshot-failed", f"no screenshot of this step: {reason(exc)}", page.url))
            return None, None
        return self.settings.relative(path), size

    def _mask(self) -> list[str]:
        """Password fields, and fields a step filled with a secret, are painted over in screenshots."""
        return ["input[type=password i]", *self._masked]

    async def _failure_screenshot(self, page: Page) -> None:
        if self.settings.shots is None:
            return
        path = self.settings.shots / "failure.jpg"
        with contextlib.suppress(PlaywrightError, TimeoutError, OSError):
            path.parent.mkdir(parents=True, exist_ok=True)
            await asyncio.wait_for(
                page.screenshot(
                    path=path,
                    type="jpeg",
                    quality=evidence.JPEG_QUALITY,
                    timeout=10_000,
                    mask=[page.locator(s) for s in self._mask()],
                ),
                15,
            )
            self.error_screenshot = self.settings.relative(path)

    # -------------------------------------------------------------- what the page did

    def _listen(self, page: Page) -> None:
        page.on("pageerror", lambda error: self._note(self._events.page_errors, str(error)))
        page.on("requestfailed", self._request_failed)
        page.on("response", lambda response: self._response(page, response))
        self.context.on("page", lambda popup: self._events.popups.append(popup))

    def _request_failed(self, request: Request) -> None:
        failure = request.failure or "failed"
        self._note(self._events.failed_requests, f"{request.method} {request.url}: {failure}")

    def _response(self, page: Page, response: Response) -> None:
        request = response.request
        if request.is_navigation_request() and response.frame == page.main_frame:
            self._events.status = response.status
        if response.status >= 400:
            self._note(
                self._events.failed_requests, f"{request.method} {response.url}: HTTP {response.status}"
            )

    @staticmethod
    def _note(events: list[str], text: str) -> None:
        if len(events) < MAX_EVENTS_PER_STEP:
            first = text.strip().splitlines()[0] if text.strip() else text
            events.append(first[:MAX_EVENT_TEXT])


def _in_tab(control: Control, tab: int) -> Control:
    return replace(control, tab=tab, key=f"{control.key}@tab{tab}")


# -------------------------------------------------------------- explaining Playwright's errors

_CALL_LOG_REASONS = (
    "intercepts pointer events",
    "element is not visible",
    "element is not enabled",
    "element is not editable",
    "element is not stable",
    "element is outside of the viewport",
    "element is not attached",
    "element is not a checkbox",
    "not an <input>",
)
_WAITING_FOR_URL = re.compile(r'waiting for navigation to "([^"]*)"')
_TRANSIENT = ("net::ERR_", "ECONNREFUSED", "ECONNRESET", "has been closed", "Target closed", "crash")


def explain(exc: BaseException, target: str | None) -> str:
    """Playwright's reason in one line: what blocked the action, not just that time ran out."""
    text = str(exc)
    first = reason(exc).split(": ", 1)[-1] if re.match(r"^\w+\.\w+: ", reason(exc)) else reason(exc)
    log = [line.strip(" -") for line in text.splitlines()[1:]]
    if "Timeout" not in first:
        return first
    blocker = next((line for line in reversed(log) if any(r in line for r in _CALL_LOG_REASONS)), None)
    if blocker:
        return f"{first.rstrip('.')}: {blocker}"
    url = next((m.group(1) for line in log if (m := _WAITING_FOR_URL.search(line))), None)
    if url:
        return f"{first.rstrip('.')}: the page never reached a URL matching {url}"
    if target and not any("locator resolved to" in line for line in log):
        hint = "is the selector right, and does the page show it?"
        return f"{first.rstrip('.')}: nothing matched {target} ({hint})"
    return first


def is_transient(exc: BaseException) -> bool:
    text = str(exc)
    return any(marker in text for marker in _TRANSIENT) or "Timeout" in reason(exc)
