"""Drive scenarios through Chromium, observing after every step, and save each one as it finishes."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import secrets
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from playwright.async_api import Browser, Page, async_playwright
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeout

from crawler import __version__, evidence, rules, steps
from crawler import browser as browsers
from crawler.consent import Lexicon, default_lexicon
from crawler.errors import StepFailed, reason
from crawler.models import Scenario, ScenarioFile
from crawler.results import Finding, Observation, RunResult, ScenarioResult, Status
from crawler.snapshot import Collector
from crawler.store import Store


@dataclass(frozen=True)
class RunOptions:
    base_url: str = ""
    concurrency: int = 1
    headed: bool = False
    browser_path: str | None = None
    screenshots: bool = True


Progress = Callable[[str, ScenarioResult | None], None]


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def new_run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(2)


async def run(
    files: Sequence[ScenarioFile], options: RunOptions, db: str | Path, progress: Progress
) -> RunResult:
    """Run every scenario; a crash or kill loses at most the scenarios still in flight.

    The browser is found before the database is touched, so a machine without one writes nothing.
    """
    async with async_playwright() as playwright:
        chromium = await browsers.launch(playwright, options.browser_path, options.headed)
        try:
            store = Store(db)
            try:
                return await _run_all(chromium, files, options, store, progress)
            finally:
                store.close()
        finally:
            with contextlib.suppress(PlaywrightError):
                await chromium.close()


async def _run_all(
    chromium: Browser, files: Sequence[ScenarioFile], options: RunOptions, store: Store, progress: Progress
) -> RunResult:
    run_result = RunResult(
        id=new_run_id(),
        started_at=now(),
        base_url=options.base_url,
        crawler_version=__version__,
        browser=f"{chromium.browser_type.name} {chromium.version}",
        host=socket.gethostname(),
    )
    store.begin_run(run_result)
    results: list[ScenarioResult | None] = [None] * len(files)
    limit = asyncio.Semaphore(max(1, options.concurrency))

    async def one(position: int, item: ScenarioFile) -> None:
        async with limit:
            progress(item.scenario.name, None)
            result = await run_scenario(chromium, item, options, store, run_result.id)
            store.save_scenario(run_result.id, result)
            results[position] = result
            progress(item.scenario.name, result)

    try:
        await asyncio.gather(*(one(i, item) for i, item in enumerate(files)))
        run_result.status = Status.COMPLETED
    except (asyncio.CancelledError, KeyboardInterrupt):
        run_result.status = Status.INTERRUPTED
        raise
    finally:
        run_result.scenarios = [r for r in results if r is not None]
        run_result.finished_at = now()
        if run_result.status == Status.RUNNING:
            run_result.status = Status.INTERRUPTED
        store.finish_run(run_result)
    return run_result


async def run_scenario(
    chromium: Browser, item: ScenarioFile, options: RunOptions, store: Store, run_id: str
) -> ScenarioResult:
    scenario = item.scenario
    result = ScenarioResult(
        name=scenario.name,
        title=scenario.title,
        file=item.path,
        tags=tuple(scenario.tags),
        started_at=now(),
        file_hash=_file_hash(item.path),
        thresholds=scenario.thresholds,
        lexicon=scenario.lexicon,
    )
    lexicon = Lexicon.load(scenario.lexicon) if scenario.lexicon else default_lexicon()
    shots = store.screenshot_dir(run_id, scenario.name) if options.screenshots else None
    context = await chromium.new_context(**scenario.context_options())
    collector = Collector.new(timeout_s=max(10.0, scenario.timeout_ms / 1000))
    observer = _Observer(collector, store, shots, lexicon, scenario)
    try:
        await collector.install(context)
        page = await context.new_page()
        page.set_default_timeout(scenario.timeout_ms)
        url = steps.resolve_url(options.base_url, scenario.url)
        try:
            # The DOM is enough: a page with one stalled image is still observed (settling bounds the wait).
            await page.goto(url, timeout=scenario.timeout_ms, wait_until="domcontentloaded")
        except PlaywrightError as exc:
            raise StepFailed(f"could not open {url}: {reason(exc)}") from None
        await observer.observe(page, 0, "open", f"open {scenario.url}", url)
        for index, step in enumerate(scenario.steps, start=1):
            action, label, target = steps.describe(step)
            timeout = step.timeout_ms or scenario.timeout_ms
            try:
                await steps.RUNNERS[action](page, step, steps.StepContext(options.base_url, timeout))
            except PlaywrightTimeout:
                raise StepFailed(
                    f"step {index} ({label}): nothing matched within {timeout} ms"
                    " (is the selector right, and does the page show it?)"
                ) from None
            except PlaywrightError as exc:
                raise StepFailed(f"step {index} ({label}): {reason(exc)}") from None
            await observer.observe(page, index, action, label, target)
    except StepFailed as exc:
        result.status, result.error = Status.ERROR, str(exc)
    except PlaywrightError as exc:
        result.status, result.error = Status.ERROR, f"the browser failed: {reason(exc)}"
    finally:
        with contextlib.suppress(PlaywrightError):
            await context.close()
    result.steps = observer.observations
    result.findings = observer.findings()
    if result.status != Status.ERROR:
        result.status = Status.FINDINGS if result.findings else Status.OK
    result.finished_at = now()
    return result


def _file_hash(path: str) -> str:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return ""


class _Observer:
    """Observes after each step; evidence is attached once the scenario is over."""

    def __init__(
        self, collector: Collector, store: Store, shots: Path | None, lexicon: Lexicon, scenario: Scenario
    ) -> None:
        self.collector, self.store, self.shots, self.lexicon = collector, store, shots, lexicon
        self.scenario = scenario
        self.observations: list[Observation] = []

    async def observe(self, page: Page, index: int, action: str, name: str, target: str | None) -> None:
        settle = self.scenario.settle
        try:
            settle_ms, settled = await self.collector.settle(page, settle)
            controls, gaps, probed = await self.collector.take(page, self.lexicon)
        except PlaywrightError as exc:
            if "context was destroyed" not in str(exc) and "navigat" not in str(exc):
                raise
            # The step started a navigation: observe the page it led to.
            settle_ms, settled = await self.collector.settle(page, settle)
            controls, gaps, probed = await self.collector.take(page, self.lexicon)
        screenshot, size = None, None
        if self.shots is not None:
            path = self.shots / f"{index:03d}.jpg"
            size = await evidence.screenshot(page, path, self.scenario.timeout_ms)
            screenshot = self.store.relative(path)
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
                gaps=gaps,
                target=target,
                screenshot_size=size,
                automation_probed=probed,
            )
        )

    def findings(self) -> list[Finding]:
        found = rules.evaluate(self.observations, self.scenario.thresholds)
        if self.shots is None:
            return found
        return evidence.attach(found, self.observations, self.store.path.parent, self.store.relative)
