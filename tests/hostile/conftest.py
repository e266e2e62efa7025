"""Hostile pages on a loopback server that can also misbehave, and one shared crawl over most of them."""

from __future__ import annotations

import textwrap
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Crawl, crawl_scenarios

PAGES = Path(__file__).parent / "pages"


class _MisbehavingHandler(SimpleHTTPRequestHandler):
    """Static pages, plus an image that never finishes and pages that answer HTTP errors."""

    release: threading.Event
    requested: list[str]

    def do_GET(self) -> None:
        self.requested.append(self.path)
        if self.path.startswith("/stalled.png"):
            self._stall()
        elif self.path.startswith("/http-500.html"):
            self._send_with_status(500, PAGES / "http-500.html")
        else:
            super().do_GET()

    def _stall(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", "100000")
        self.end_headers()
        self.wfile.write(b"\x89PNG\r\n\x1a\n")
        self.wfile.flush()
        # The rest never comes (until the server stops).
        self.release.wait()

    def _send_with_status(self, status: int, file: Path) -> None:
        body = file.read_bytes()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A browser that hangs up mid-answer (a page navigating away, a test ending) is no error here."""


class HostileSite:
    def __init__(self) -> None:
        self.release = threading.Event()
        self.requested: list[str] = []
        handler = type(
            "Handler", (_MisbehavingHandler,), {"release": self.release, "requested": self.requested}
        )
        self.httpd = _QuietServer(("127.0.0.1", 0), partial(handler, directory=str(PAGES)))
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def stop(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="session")
def hostile_site() -> Iterator[HostileSite]:
    site = HostileSite()
    yield site
    site.stop()


def scenario(
    name: str, url: str, steps: str = "", extra: str = "", timeout_ms: int = 4000, quiet_ms: int = 150
) -> str:
    """A scenario file with short timeouts: a hostile page must cost the suite seconds, not minutes."""
    body = f"name: {name}\nurl: {url}\ntimeout_ms: {timeout_ms}\n"
    body += f"settle: {{quiet_ms: {quiet_ms}, timeout_ms: 1500}}\n{extra}"
    return body + ("steps:\n" + textwrap.indent(textwrap.dedent(steps).strip(), "  ") + "\n" if steps else "")


# Scenarios the shared crawl runs, in file-name order; each probe reads its own from the one JSON document.
SHARED = {
    "a-push-throws": scenario("a-push-throws", "/push-throws.html"),
    "b-lone-surrogate": scenario("b-lone-surrogate", "/lone-surrogate.html"),
    "c-busy-loop": scenario("c-busy-loop", "/busy-loop.html", "- snapshot: again"),
    "d-after-busy-loop": scenario("d-after-busy-loop", "/push-throws.html"),
    # A 16,384 px screenshot takes seconds on a busy machine: the default timeout, not the suite's short one.
    "e-tall": scenario("e-tall", "/tall.html", timeout_ms=10_000),
    "f-stalled-image": scenario("f-stalled-image", "/stalled-image.html"),
    "g-gate-hunter": scenario("g-gate-hunter", "/gate-hunter.html", '- check: "#marketing"'),
    "h-label-button": scenario("h-label-button", "/label-button.html", '- click: "#continue"'),
    "i-webdriver": scenario("i-webdriver", "/webdriver.html"),
    # The tab opens some 200 ms after the click: the default quiet window (600 ms) covers it.
    "j-new-tab": scenario("j-new-tab", "/opens-tab.html", '- click: "#offers"', quiet_ms=600),
    "k-500-by-click": scenario("k-500-by-click", "/links-to-500.html", '- click: "#broken"'),
    "l-500-open": scenario("l-500-open", "/http-500.html"),
    "m-500-allowed": scenario("m-500-allowed", "/http-500.html", extra="allow_http_status: [500]\n"),
    "n-javascript-frame": scenario("n-javascript-frame", "/javascript-frame.html"),
    "o-file-url": scenario("o-file-url", (PAGES / "push-throws.html").as_uri()),
    "p-short-liar": scenario("p-short-liar", "/short-liar.html"),
    "q-fields": scenario("q-fields", "/fields.html"),
    "r-document-open": scenario("r-document-open", "/document-open.html", '- check: "#marketing"'),
    "s-reload-loop": scenario("s-reload-loop", "/reload-loop.html"),
    "t-slice-throws": scenario("t-slice-throws", "/slice-throws.html"),
}


@dataclass
class SharedCrawl:
    crawl: Crawl
    report: Path

    def scenario(self, name: str) -> dict[str, Any]:
        return self.crawl.scenario(name)


@pytest.fixture(scope="session")
def shared_crawl(hostile_site: HostileSite, tmp_path_factory: pytest.TempPathFactory) -> SharedCrawl:
    """One crawl over the hostile pages at concurrency 2, with its report: most probes only read it."""
    root = tmp_path_factory.mktemp("shared")
    report = root / "report"
    extra = ("--concurrency", "2", "--allow-file-urls", "--report", str(report))
    return SharedCrawl(crawl_scenarios(root, SHARED, hostile_site.url, *extra), report)
