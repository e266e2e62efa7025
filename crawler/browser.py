"""Find a Chromium here (or a remote one) and keep one running for a crawl, relaunching it if it dies."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, Playwright
from playwright.async_api import Error as PlaywrightError

from crawler.errors import BrowserNotFound, reason

ENV_VAR = "CRAWLER_BROWSER_PATH"

QUIET_FLAGS = (
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-breakpad",
    "--metrics-recording-only",
)

# Debian's /usr/bin/chromium is a shell wrapper that adds extension flags; the real binary lives here.
SYSTEM_CANDIDATES = (
    "/usr/lib/chromium/chromium",
    "/usr/lib/chromium-browser/chromium-browser",
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
)

HOW_TO_GET_ONE = (
    "No Chromium found. Get one with any of:\n"
    "  make browser                              (does the steps below for you)\n"
    "  python -m playwright install chromium     (needs internet)\n"
    "  sudo apt-get install chromium             (Debian/Ubuntu)\n"
    f"or point the crawler at a Chromium or Chrome binary: --browser-path PATH or {ENV_VAR}=PATH"
)


def find(
    explicit: str | None = None,
    playwright_path: str | None = None,
    candidates: tuple[str, ...] = SYSTEM_CANDIDATES,
) -> str:
    """Return the path of the browser to launch, in the documented order of preference."""
    chosen = explicit or os.environ.get(ENV_VAR)
    if chosen:
        if not _is_executable(chosen):
            raise BrowserNotFound(
                f"Browser path {chosen!r} (from {'--browser-path' if explicit else ENV_VAR}) "
                "is not an executable file. Fix the path, or leave it unset to search this machine."
            )
        return chosen
    if playwright_path and _is_executable(playwright_path):
        return playwright_path
    for candidate in candidates:
        found = candidate if candidate.startswith("/") else shutil.which(candidate)
        if found and _is_executable(found):
            return found
    raise BrowserNotFound(HOW_TO_GET_ONE)


def _is_executable(path: str) -> bool:
    return Path(path).is_file() and os.access(path, os.X_OK)


# Measurement crawlers hide the automation flag: pages that hide their banner from robots
# (navigator.webdriver) would otherwise never show the crawler what people see.
HIDE_AUTOMATION = "--disable-blink-features=AutomationControlled"


@dataclass(frozen=True)
class BrowserOptions:
    path: str | None = None
    headed: bool = False
    slowmo_ms: float = 0
    connect: str | None = None
    """A Playwright browser server's ws:// endpoint to use instead of launching a browser here."""
    announce_automation: bool = False
    channel: str | None = None
    """A Playwright browser channel (`chrome`, `msedge`, ...): Playwright finds that browser itself."""
    launch_extra: Mapping[str, Any] = field(default_factory=dict)
    """More keyword arguments of `BrowserType.launch` (e.g. from pytest-playwright); `args` are added to
    the crawler's own."""


def launch_args(options: BrowserOptions) -> list[str]:
    return [*QUIET_FLAGS, *(() if options.announce_automation else (HIDE_AUTOMATION,))]


async def launch(playwright: Playwright, options: BrowserOptions) -> Browser:
    if options.connect:
        return await _connect(playwright, options)
    extra = dict(options.launch_extra)
    own = launch_args(options)
    args = [*own, *(arg for arg in extra.pop("args", ()) if arg not in own)]
    if options.channel and not options.path:
        where, chosen = f"The {options.channel!r} channel's browser", {"channel": options.channel}
    else:
        path = find(options.path, playwright.chromium.executable_path)
        where, chosen = f"Chromium at {path}", {"executable_path": path}
    try:
        return await playwright.chromium.launch(
            **{
                **extra,
                **chosen,
                "headless": not options.headed,
                "slow_mo": options.slowmo_ms or None,
                "args": args,
                # Signals are the crawler's to handle: it finishes writing the run, then closes the browser.
                "handle_sigint": False,
                "handle_sigterm": False,
                "handle_sighup": False,
            }
        )
    except PlaywrightError as exc:
        raise BrowserNotFound(
            f"{where} would not start: {reason(exc)}\n"
            + ("A headed browser needs a display (set DISPLAY or drop --headed).\n" if options.headed else "")
            + f"Point the crawler at another binary with --browser-path or {ENV_VAR}."
        ) from None


async def _connect(playwright: Playwright, options: BrowserOptions) -> Browser:
    assert options.connect is not None
    try:
        return await playwright.chromium.connect(
            options.connect, slow_mo=options.slowmo_ms or None, timeout=30_000
        )
    except PlaywrightError as exc:
        raise BrowserNotFound(
            f"could not connect to the browser at {options.connect}: {reason(exc)}\n"
            "Check that the browser server runs and that the endpoint (ws://host:port/path) is right."
        ) from None


class BrowserSource:
    """The crawl's browser: launched (or connected) once, relaunched when it crashes or is killed."""

    def __init__(self, playwright: Playwright, options: BrowserOptions) -> None:
        self.playwright, self.options = playwright, options
        self._browser: Browser | None = None
        self._lock = asyncio.Lock()
        self.relaunches = 0

    async def start(self) -> Browser:
        self._browser = await launch(self.playwright, self.options)
        return self._browser

    async def get(self) -> Browser:
        browser = self._browser
        if browser is not None and browser.is_connected():
            return browser
        async with self._lock:
            if self._browser is None or not self._browser.is_connected():
                self._browser = await launch(self.playwright, self.options)
                self.relaunches += 1
            return self._browser

    @property
    def description(self) -> str:
        browser = self._browser
        return f"{browser.browser_type.name} {browser.version}" if browser is not None else ""

    async def close(self) -> None:
        if self._browser is not None:
            with contextlib.suppress(PlaywrightError, TimeoutError):
                await asyncio.wait_for(self._browser.close(), 30)
