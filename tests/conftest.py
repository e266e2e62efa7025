"""Shared fixtures: the browser pytest-playwright launches is the one the crawler would find."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, Playwright

from crawler import browser
from crawler.server import SiteServer
from crawler.snapshot import Collector


@pytest.fixture(scope="session")
def browser_type_launch_args(
    browser_type_launch_args: dict[str, Any], playwright: Playwright
) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        "executable_path": browser.find(playwright_path=playwright.chromium.executable_path),
        "args": browser.launch_args(browser.BrowserOptions()),
    }


PAGES = Path(__file__).parent / "pages"


@dataclass
class Crawl:
    code: int
    stdout: str
    stderr: str
    db: Path
    doc: dict[str, Any] | None

    def scenario(self, name: str) -> dict[str, Any]:
        assert self.doc is not None, self.stderr
        return next(s for s in self.doc["scenarios"] if s["name"] == name)


@pytest.fixture(scope="session")
def site() -> Iterator[SiteServer]:
    with SiteServer(PAGES) as server:
        yield server


@pytest.fixture(scope="session")
def other_site() -> Iterator[SiteServer]:
    """The same pages on a second port: a second origin, so its iframes are cross-origin."""
    with SiteServer(PAGES) as server:
        yield server


def run_cli(*args: str, cwd: Path | None = None, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """The real command line in its own process, as a user or a scheduler runs it."""
    return subprocess.run(
        [sys.executable, "-m", "crawler", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
        check=False,
        env={**os.environ, "NO_COLOR": "1", "COLUMNS": "200"},
    )


def poll(check: Callable[[], bool], what: str, seconds: float = 60) -> None:
    """Wait until `check()` holds; fail the test after `seconds`."""
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.1)


def process_stats() -> Iterator[tuple[int, list[str]]]:
    """Every live process as (pid, the fields of /proc/PID/stat after its name): state, parent, group..."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # Split after the parenthesised name, which may hold spaces.
            yield int(entry.name), stat.rsplit(")", 1)[1].split()


def crawl_scenarios(root: Path, scenarios: dict[str, str], base_url: str, *extra: str) -> Crawl:
    """Write scenarios (name -> YAML text) into `root`/scenarios and run `crawler run` on them."""
    folder = root / "scenarios"
    folder.mkdir(exist_ok=True)
    for name, text in scenarios.items():
        (folder / f"{name}.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
    db, out = root / "crawl.db", root / "out.json"
    done = run_cli("run", str(folder), "--db", str(db), "--json", str(out), "--base-url", base_url, *extra)
    doc = json.loads(out.read_text(encoding="utf-8")) if out.exists() else None
    return Crawl(done.returncode, done.stdout, done.stderr, db, doc)


@pytest.fixture
def crawl(tmp_path: Path, site: SiteServer) -> Callable[..., Crawl]:
    """Write scenarios (name -> YAML text) into a folder and run `crawler run` on it."""

    def run(scenarios: dict[str, str], *extra: str, base_url: str | None = None) -> Crawl:
        return crawl_scenarios(tmp_path, scenarios, base_url or site.url, *extra)

    return run


@dataclass
class CollectorPage:
    """pytest-playwright's page with the crawler's collector installed, for tests of the in-page code."""

    page: Page
    collector: Collector

    def load(self, body: str, head: str = "") -> None:
        """Serve `body` as a fresh document (init scripts run on navigation, not on set_content)."""
        html = f"<!doctype html><html><head><meta charset=utf-8>{head}</head><body>{body}</body></html>"
        self.page.route(
            "http://collector.test/", lambda route: route.fulfill(body=html, content_type="text/html")
        )
        self.page.goto("http://collector.test/")

    def helper(self, name: str, selector: str | None = None, *args: Any) -> Any:
        """Call `helpers[name]` of the collector on the element `selector` (or on `args` alone)."""
        return self.page.evaluate(
            """([gate, key, name, selector, args]) => {
                const helpers = window[gate](key).helpers;
                return selector === null ? helpers[name](...args)
                                         : helpers[name](document.querySelector(selector), ...args);
            }""",
            [self.collector.gate, self.collector.key, name, selector, list(args)],
        )

    def snapshot(self) -> dict[str, Any]:
        raw = self.page.evaluate(
            "([gate, key]) => window[gate](key).snapshot({reset: false})",
            [self.collector.gate, self.collector.key],
        )
        return dict(json.loads(raw))


@pytest.fixture
def collector_page(page: Page) -> CollectorPage:
    collector = Collector.new()
    page.add_init_script(collector.source)
    return CollectorPage(page, collector)
