"""Drive a crawl: every scenario in its own browser context, bounded, retried, saved as it finishes.

A crawl stops the same way whatever stops it (SIGTERM, SIGINT, `--max-duration`): no new scenario starts,
those in flight get a short grace period and are then abandoned, finished ones are kept, and the run is
marked `interrupted`. Anything that goes wrong inside one scenario ends that scenario, not the crawl.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import signal
import socket
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from playwright.async_api import Browser, async_playwright
from playwright.async_api import Error as PlaywrightError

from crawler import __version__, baseline, evidence, expectations, masking, rules
from crawler.baseline import Baseline
from crawler.browser import BrowserOptions, BrowserSource
from crawler.consent import Lexicon, default_lexicon
from crawler.errors import reason
from crawler.journey import Journey, JourneySettings, StepFailed
from crawler.models import ScenarioFile
from crawler.results import Attempt, RunResult, ScenarioResult, Status
from crawler.snapshot import Collector, PageBlocked
from crawler.store import Store

HEARTBEAT_S = 30.0
CLOSE_CONTEXT_S = 15.0


@dataclass(frozen=True)
class RunOptions:
    base_url: str = ""
    concurrency: int = 1
    browser: BrowserOptions = field(default_factory=BrowserOptions)
    screenshots: bool = True
    redact: bool = False
    trace: bool = False
    retries: int = 0
    max_duration_s: float | None = None
    grace_s: float = 5.0
    run_id: str | None = None
    shard: str = ""
    baseline: Baseline | None = None
    recorded: dict[str, Any] = field(default_factory=dict)
    """The options as the user gave them, kept with the run for reproducibility."""
    context_args: dict[str, Any] = field(default_factory=dict)
    """Options of every browser context (e.g. pytest-playwright's `--device`); a scenario's own win."""


class Progress(Protocol):
    def started(self, name: str) -> None: ...

    def retrying(self, name: str, attempt: Attempt) -> None: ...

    def finished(self, result: ScenarioResult) -> None: ...

    def note(self, message: str) -> None: ...


class QuietProgress:
    def started(self, name: str) -> None:
        pass

    def retrying(self, name: str, attempt: Attempt) -> None:
        pass

    def finished(self, result: ScenarioResult) -> None:
        pass

    def note(self, message: str) -> None:
        pass


def default_concurrency() -> int:
    """Scenarios at once when --concurrency is not given: two per core (a journey mostly waits for pages
    to settle), at most one per 400 MB of memory available, at most 8. See bench/throughput.py."""
    cores = os.cpu_count() or 1
    try:
        available = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        available = 4 << 30
    return max(1, min(8, 2 * cores, available // (400 << 20)))


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def new_run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + hashlib.sha256(now().encode()).hexdigest()[:4]


async def run(
    files: Sequence[ScenarioFile], options: RunOptions, db: str | Path, progress: Progress | None = None
) -> RunResult:
    """Run every scenario; a crash or kill loses at most the scenarios still in flight.

    The browser is found before the database is touched, so a machine without one writes nothing.
    """
    async with async_playwright() as playwright:
        browsers = BrowserSource(playwright, options.browser)
        await browsers.start()
        try:
            store = Store(db)
            try:
                return await _Crawl(files, options, store, browsers, progress or QuietProgress()).run()
            finally:
                store.close()
        finally:
            await browsers.close()


class _Crawl:
    def __init__(
        self,
        files: Sequence[ScenarioFile],
        options: RunOptions,
        store: Store,
        browsers: BrowserSource,
        progress: Progress,
    ) -> None:
        self.files, self.options, self.store, self.browsers = files, options, store, browsers
        self.progress = progress
        self.stop = asyncio.Event()
        self.result = RunResult(
            id=options.run_id or new_run_id(),
            started_at=now(),
            base_url=options.base_url,
            crawler_version=__version__,
            browser=browsers.description,
            host=socket.gethostname(),
            shard=options.shard,
            options=options.recorded,
        )

    async def run(self) -> RunResult:
        self.store.begin_run(self.result)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self._stop, sig.name)
        deadline = (
            loop.call_later(self.options.max_duration_s, self._stop, "max-duration")
            if self.options.max_duration_s
            else None
        )
        heartbeat = asyncio.create_task(self._heartbeat())
        results: list[ScenarioResult | None] = [None] * len(self.files)
        limit = asyncio.Semaphore(max(1, self.options.concurrency))

        async def one(position: int, item: ScenarioFile) -> None:
            async with limit:
                if self.stop.is_set():
                    return
                results[position] = await self._scenario(item)

        tasks = [asyncio.create_task(one(i, item)) for i, item in enumerate(self.files)]
        abandon = asyncio.create_task(self._abandon_after_grace(tasks))
        try:
            await asyncio.gather(*tasks, return_exceptions=True)
        finally:
            abandon.cancel()
            heartbeat.cancel()
            if deadline is not None:
                deadline.cancel()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(sig)
            self.result.scenarios = [r for r in results if r is not None]
            self.result.finished_at = now()
            self.result.status = Status.INTERRUPTED if self.stop.is_set() else Status.COMPLETED
            self.result.digest = self.store.finish_run(self.result)
        return self.result

    def _stop(self, why: str) -> None:
        if self.stop.is_set():
            return
        self.result.stopped_by = why
        self.progress.note(
            f"stopping ({why}): no new scenario starts; those running get {self.options.grace_s:g} s"
        )
        self.stop.set()

    async def _abandon_after_grace(self, tasks: list[asyncio.Task[None]]) -> None:
        await self.stop.wait()
        await asyncio.sleep(self.options.grace_s)
        for task in tasks:
            task.cancel()

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT_S)
            with contextlib.suppress(sqlite3.Error):
                self.store.heartbeat(self.result.id)

    async def _scenario(self, item: ScenarioFile) -> ScenarioResult | None:
        self.progress.started(item.scenario.name)
        shots = (
            self.store.screenshot_dir(self.result.id, item.scenario.name)
            if self.options.screenshots
            else None
        )
        result = await attempts(
            item,
            self.browsers,
            self.options,
            JourneySettings(self.options.base_url, shots, self.store.relative, self.options.redact),
            self.store.path.parent,
            on_retry=lambda attempt: self.progress.retrying(item.scenario.name, attempt),
            stop=self.stop,
        )
        if self.stop.is_set() and result.status == Status.ERROR:
            # Stopping tears the browser down under the scenarios in flight: their errors are ours.
            self.progress.note(f"{item.scenario.name}: abandoned, the crawl was stopping")
            return None
        if self.options.baseline is not None:
            today = datetime.now(UTC).date()
            result.findings = baseline.apply(self.options.baseline, result.name, result.findings, today)
        try:
            self.store.save_scenario(self.result.id, result)
        except (sqlite3.Error, OSError) as exc:
            # A full disk or a vanished file: this scenario is lost to the database, the crawl goes on.
            result.status, result.error = Status.ERROR, f"the results could not be saved: {exc}"
        self.progress.finished(result)
        return result


async def attempts(
    item: ScenarioFile,
    browsers: BrowserSource,
    options: RunOptions,
    settings: JourneySettings,
    root: Path,
    *,
    on_retry: Any = None,
    stop: asyncio.Event | None = None,
) -> ScenarioResult:
    """One scenario, tried again after a transient failure (network, HTTP 5xx, a crashed browser) up to
    `options.retries` times. Every attempt is recorded with its reason."""
    tried: list[Attempt] = []
    while True:
        started = now()
        result, transient = await _attempt(item, browsers, options, settings, root)
        attempt = Attempt(len(tried) + 1, started, now(), result.status, result.error or "")
        tried.append(attempt)
        stopping = stop is not None and stop.is_set()
        if not (transient and len(tried) <= options.retries and not stopping):
            break
        if on_retry is not None:
            on_retry(attempt)
    result.attempts = tried
    return masking.mask_result(result, item.secrets)


async def _attempt(
    item: ScenarioFile, browsers: BrowserSource, options: RunOptions, settings: JourneySettings, root: Path
) -> tuple[ScenarioResult, bool]:
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
    journey: Journey | None = None
    transient = False
    try:
        browser = await browsers.get()
        journey, transient = await _journey(item, browser, options, settings, lexicon, result)
    except PlaywrightError as exc:
        result.status, result.error = Status.ERROR, f"the browser failed: {reason(exc)}"
        transient = True
    result.finished_at = now()
    if journey is not None:
        result.steps = list(journey.observations)
        result.error_screenshot = journey.error_screenshot
    _conclude(item, result, root if settings.shots is not None else None, settings.relative)
    return result, transient


async def _journey(
    item: ScenarioFile,
    browser: Browser,
    options: RunOptions,
    settings: JourneySettings,
    lexicon: Lexicon,
    result: ScenarioResult,
) -> tuple[Journey, bool]:
    scenario = item.scenario
    context = await browser.new_context(**{**options.context_args, **scenario.context_options()})
    collector = Collector.new(timeout_s=max(10.0, scenario.timeout_ms / 1000))
    journey = Journey(item, context, collector, lexicon, settings)
    transient = False
    try:
        await collector.install(context)
        if options.trace:
            await context.tracing.start(screenshots=True, snapshots=True)
        await asyncio.wait_for(journey.run(), scenario.scenario_timeout_s)
    except TimeoutError:
        result.status = Status.ERROR
        result.error = (
            f"the scenario did not finish within {scenario.scenario_timeout_s:g} s "
            "(its scenario_timeout_s); the steps observed until then are kept"
        )
    except StepFailed as exc:
        result.status, result.error, transient = Status.ERROR, str(exc), exc.transient
    except PageBlocked as exc:
        result.status, result.error = Status.ERROR, f"{exc} on {journey.page.url if journey.page else ''}"
    except PlaywrightError as exc:
        crashed = not browser.is_connected()
        what = "the browser crashed or was killed" if crashed else "the browser failed"
        result.status, result.error, transient = Status.ERROR, f"{what}: {reason(exc)}", crashed
    except Exception as exc:
        result.status = Status.ERROR
        result.error = (
            f"internal error in the crawler while running this scenario: {type(exc).__name__}: {exc}. "
            "This is a bug in the crawler; the other scenarios still run. Please report it."
        )
    finally:
        if options.trace and settings.shots is not None and browser.is_connected():
            await _stop_trace(context, settings, item, result)
        with contextlib.suppress(PlaywrightError, TimeoutError):
            await asyncio.wait_for(context.close(), CLOSE_CONTEXT_S)
    return journey, transient


async def _stop_trace(
    context: Any, settings: JourneySettings, item: ScenarioFile, result: ScenarioResult
) -> None:
    assert settings.shots is not None
    path = settings.shots / "trace.zip"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        await asyncio.wait_for(context.tracing.stop(path=path), 60)
        masking.mask_file(path, item.secrets)
        result.trace = settings.relative(path)
    except (PlaywrightError, TimeoutError, OSError):
        pass


def _conclude(
    item: ScenarioFile, result: ScenarioResult, root: Path | None, relative: Callable[[Path], str]
) -> None:
    """Findings, their evidence, the scenario's expectations, and its status."""
    scenario = item.scenario
    findings = rules.evaluate(result.steps, scenario.thresholds, complete=result.status != Status.ERROR)
    if root is not None:
        # A screenshot that could not be written (a full disk) leaves its findings without crops.
        with contextlib.suppress(OSError):
            findings = evidence.attach(findings, result.steps, root, relative)
    result.findings = findings
    if result.status == Status.ERROR:
        return
    result.failures = expectations.check(scenario.expect, result) if scenario.expect else []
    if result.failures:
        result.status = Status.FAILED
    else:
        result.status = Status.FINDINGS if result.findings else Status.OK


def _file_hash(path: str) -> str:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return ""
