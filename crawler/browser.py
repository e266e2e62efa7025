"""Find a Chromium on this machine and launch it without letting it phone home."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

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


async def launch(playwright: Playwright, explicit: str | None = None, headed: bool = False) -> Browser:
    path = find(explicit, playwright.chromium.executable_path)
    try:
        return await playwright.chromium.launch(
            executable_path=path,
            headless=not headed,
            args=list(QUIET_FLAGS),
            # Ctrl-C is the crawler's to handle: it finishes writing the run, then closes the browser.
            handle_sigint=False,
        )
    except PlaywrightError as exc:
        raise BrowserNotFound(
            f"Chromium at {path} would not start: {reason(exc)}\n"
            + ("A headed browser needs a display (set DISPLAY or drop --headed).\n" if headed else "")
            + f"Point the crawler at another binary with --browser-path or {ENV_VAR}."
        ) from None
