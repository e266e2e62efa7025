"""Registry of step actions: action name -> how it runs on a page."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urljoin

from playwright.async_api import Page

from crawler import models as m


@dataclass(frozen=True)
class StepContext:
    base_url: str
    timeout_ms: float


Runner = Callable[[Page, m.StepBase, StepContext], Awaitable[None]]


def resolve_url(base_url: str, url: str) -> str:
    return urljoin(base_url, url) if base_url else url


async def _click(page: Page, step: m.StepBase, ctx: StepContext) -> None:
    assert isinstance(step, m.ClickStep)
    await page.locator(step.click).first.click(timeout=ctx.timeout_ms)


async def _fill(page: Page, step: m.StepBase, ctx: StepContext) -> None:
    assert isinstance(step, m.FillStep)
    await page.locator(step.fill.selector).first.fill(step.fill.value, timeout=ctx.timeout_ms)


async def _press(page: Page, step: m.StepBase, ctx: StepContext) -> None:
    assert isinstance(step, m.PressStep)
    await page.locator(step.press.selector).first.press(step.press.key, timeout=ctx.timeout_ms)


async def _check(page: Page, step: m.StepBase, ctx: StepContext) -> None:
    assert isinstance(step, m.CheckStep)
    await page.locator(step.check).first.check(timeout=ctx.timeout_ms)


async def _uncheck(page: Page, step: m.StepBase, ctx: StepContext) -> None:
    assert isinstance(step, m.UncheckStep)
    await page.locator(step.uncheck).first.uncheck(timeout=ctx.timeout_ms)


async def _select(page: Page, step: m.StepBase, ctx: StepContext) -> None:
    assert isinstance(step, m.SelectStep)
    locator = page.locator(step.select.selector).first
    await locator.select_option(step.select.value, timeout=ctx.timeout_ms)


async def _hover(page: Page, step: m.StepBase, ctx: StepContext) -> None:
    assert isinstance(step, m.HoverStep)
    await page.locator(step.hover).first.hover(timeout=ctx.timeout_ms)


async def _scroll(page: Page, step: m.StepBase, ctx: StepContext) -> None:
    assert isinstance(step, m.ScrollStep)
    if step.scroll in ("top", "bottom"):
        await page.evaluate(
            "(end) => window.scrollTo(0, end === 'top' ? 0 : document.scrollingElement.scrollHeight)",
            step.scroll,
        )
    else:
        await page.locator(step.scroll).first.scroll_into_view_if_needed(timeout=ctx.timeout_ms)


async def _wait_for(page: Page, step: m.StepBase, ctx: StepContext) -> None:
    assert isinstance(step, m.WaitForStep)
    target = step.wait_for
    if isinstance(target, m.WaitForMs):
        await page.wait_for_timeout(target.ms)
    elif isinstance(target, m.WaitForUrl):
        # A glob such as "**/report" is matched as written; only a path is joined to the base URL.
        pattern = resolve_url(ctx.base_url, target.url) if target.url.startswith("/") else target.url
        await page.wait_for_url(pattern, timeout=ctx.timeout_ms)
    else:
        await page.locator(target).first.wait_for(state="visible", timeout=ctx.timeout_ms)


async def _goto(page: Page, step: m.StepBase, ctx: StepContext) -> None:
    assert isinstance(step, m.GotoStep)
    await page.goto(resolve_url(ctx.base_url, step.goto), timeout=ctx.timeout_ms)


async def _snapshot(page: Page, step: m.StepBase, ctx: StepContext) -> None:
    """Observe only: the runner observes after every step anyway."""


RUNNERS: dict[str, Runner] = {
    "click": _click,
    "fill": _fill,
    "press": _press,
    "check": _check,
    "uncheck": _uncheck,
    "select": _select,
    "hover": _hover,
    "scroll": _scroll,
    "wait_for": _wait_for,
    "goto": _goto,
    "snapshot": _snapshot,
}


def describe(step: m.StepBase) -> tuple[str, str, str | None]:
    """(action, display name, target selector or URL) for reports and error messages."""
    action = m.step_action(step)
    argument = getattr(step, action)
    if isinstance(step, m.SnapshotStep):
        return action, step.name or step.snapshot or action, None
    if isinstance(argument, m.WaitForMs):
        target: str | None = f"{argument.ms} ms"
    elif isinstance(argument, m.Strict):
        target = getattr(argument, "selector", None) or getattr(argument, "url", None)
    else:
        target = str(argument)
    label = step.name or (f"{action} {target}" if target else action)
    return action, label, target
