"""Playwright's device presets (`device: iPhone 13`), read from Playwright itself when first needed."""

from __future__ import annotations

import difflib
import functools
from concurrent.futures import ThreadPoolExecutor
from typing import Any

# What a preset contributes to a browser context; `default_browser_type` names an engine, not an option.
CONTEXT_KEYS = ("viewport", "screen", "user_agent", "device_scale_factor", "is_mobile", "has_touch")


class DevicesUnavailable(Exception):
    """Playwright's driver could not be started to read its device list."""


def descriptor(name: str) -> dict[str, Any]:
    """The browser-context options of a preset, e.g. viewport, user_agent, is_mobile, has_touch."""
    preset = _presets()[name]
    return {key: preset[key] for key in CONTEXT_KEYS if key in preset}


def names() -> list[str]:
    return list(_presets())


def closest(name: str, count: int = 3) -> list[str]:
    """The preset names most like `name`, compared without case ("iphone13" suggests "iPhone 13")."""
    by_folded = {_fold(known): known for known in names()}
    return [by_folded[f] for f in difflib.get_close_matches(_fold(name), by_folded, n=count, cutoff=0.5)]


def _fold(name: str) -> str:
    return name.casefold().replace(" ", "")


@functools.cache
def _presets() -> dict[str, dict[str, Any]]:
    # The list lives in the Node driver, so reading it costs one driver start (about 0.5 s); it is done only
    # when a scenario names a device. A worker thread keeps the sync API usable under a running event loop.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_read_presets).result()


def _read_presets() -> dict[str, dict[str, Any]]:
    from playwright.sync_api import Error, sync_playwright

    try:
        with sync_playwright() as playwright:
            return dict(playwright.devices)
    except (Error, OSError) as exc:
        raise DevicesUnavailable(f"cannot read Playwright's device list ({exc})") from None
