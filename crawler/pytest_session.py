"""The browser and database a pytest session's scenarios share.

pytest-playwright drives the sync API from pytest's thread, where its event loop stays current between
calls, so the crawler's async Playwright cannot run there. The scenarios run on an event loop in a thread of
their own, in one browser launched for the session from pytest-playwright's launch arguments, each in a
fresh context built from its context arguments.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Coroutine, Mapping
from pathlib import Path
from typing import Any, TypeVar

from playwright.async_api import Playwright, async_playwright

from crawler import __version__, runner
from crawler.browser import BrowserOptions, BrowserSource
from crawler.journey import JourneySettings
from crawler.models import ScenarioFile
from crawler.results import RunResult, ScenarioResult, Status
from crawler.store import Store

T = TypeVar("T")

# The crawler decides these itself: its signals, and the options BrowserOptions names.
_OWN_LAUNCH_KEYS = ("handle_sigint", "handle_sigterm", "handle_sighup")


def browser_options(launch_args: Mapping[str, Any], connect: Mapping[str, Any] | None) -> BrowserOptions:
    """pytest-playwright's `browser_type_launch_args` (and `connect_options`) as the crawler's options."""
    extra = {k: v for k, v in launch_args.items() if k not in _OWN_LAUNCH_KEYS}
    return BrowserOptions(
        path=extra.pop("executable_path", None),
        headed=not extra.pop("headless", True),
        slowmo_ms=float(extra.pop("slow_mo", 0) or 0),
        channel=extra.pop("channel", None),
        connect=(connect or {}).get("ws_endpoint"),
        launch_extra=extra,
    )


class _LoopThread:
    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="consent-crawler", daemon=True)
        self.thread.start()

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=30)
        if not self.thread.is_alive():
            self.loop.close()


class ScenarioSession:
    """Runs scenarios for pytest items; the browser starts with the first and closes with the session."""

    def __init__(
        self, browser: BrowserOptions, scratch: Path, db: Path | None, recorded: dict[str, Any]
    ) -> None:
        self.browser, self.scratch, self.db_path, self.recorded = browser, scratch, db, recorded
        self._loop = _LoopThread()
        self._playwright: Playwright | None = None
        self._browsers: BrowserSource | None = None
        self._store: Store | None = None
        self._run: RunResult | None = None

    def run(
        self, item: ScenarioFile, base_url: str, context_args: dict[str, Any], trace: bool
    ) -> ScenarioResult:
        """One scenario, judged; raises CrawlerError when there is no browser or database to use."""
        browsers = self._loop.run(self._started())
        root, shots, relative = self._where(item.scenario.name, base_url, browsers)
        options = runner.RunOptions(base_url=base_url, trace=trace, context_args=context_args)
        settings = JourneySettings(base_url, shots, relative)
        return self._loop.run(runner.attempts(item, browsers, options, settings, root))

    def root(self) -> Path:
        """The folder the paths in a result are relative to."""
        return self._store.path.parent if self._store is not None else self.scratch

    def save(self, result: ScenarioResult) -> None:
        if self._store is not None and self._run is not None:
            self._store.save_scenario(self._run.id, result)
            self._store.heartbeat(self._run.id)

    async def _started(self) -> BrowserSource:
        if self._browsers is None:
            self._playwright = await async_playwright().start()
            browsers = BrowserSource(self._playwright, self.browser)
            try:
                await browsers.start()
            except BaseException:
                await self._playwright.stop()
                self._playwright = None
                raise
            self._browsers = browsers
        return self._browsers

    def _where(self, name: str, base_url: str, browsers: BrowserSource) -> tuple[Path, Path, Any]:
        if self.db_path is None:
            scratch = self.scratch
            return scratch, scratch / name, lambda path: Path(path).relative_to(scratch).as_posix()
        if self._store is None:
            self._store = Store(self.db_path)
            self._run = RunResult(
                id=runner.new_run_id(),
                started_at=runner.now(),
                base_url=base_url,
                crawler_version=__version__,
                browser=browsers.description,
                options=self.recorded,
            )
            self._store.begin_run(self._run)
        assert self._run is not None
        return self._store.path.parent, self._store.screenshot_dir(self._run.id, name), self._store.relative

    def close(self, interrupted: bool) -> None:
        try:
            if self._store is not None and self._run is not None:
                self._run.finished_at = runner.now()
                self._run.status = Status.INTERRUPTED if interrupted else Status.COMPLETED
                self._store.finish_run(self._run)
        finally:
            if self._store is not None:
                self._store.close()
            with contextlib.suppress(Exception):
                self._loop.run(self._stopped())
            self._loop.close()

    async def _stopped(self) -> None:
        if self._browsers is not None:
            await self._browsers.close()
        if self._playwright is not None:
            await self._playwright.stop()
