"""Helpers of the nightly end-to-end tests (tests/test_nightly*.py): tiny pages and scenarios, loopback
servers whose answers a test decides, and crawls run as the scheduler runs them, in their own process."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

MARKETING = "Send me marketing emails"
PARTNERS = "Share my data with partners"


def consent_page(*boxes: tuple[str, bool]) -> str:
    """A sign-up page with one labelled checkbox per (label, checked)."""
    items = "".join(
        f"<p><label><input type=checkbox{' checked' if checked else ''}> {label}</label></p>"
        for label, checked in boxes
    )
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>Sign up</title></head>"
        f"<body><h1>Sign up</h1>{items}<button>Continue</button></body></html>"
    )


def scenario(name: str, url: str, *steps: str, **keys: object) -> str:
    """A scenario file with a short settle window: these journeys are about the crawl, not the page."""
    lines = [f"name: {name}", f"url: {url}", "settle: {quiet_ms: 100, timeout_ms: 2000}"]
    lines += [f"{key}: {value}" for key, value in keys.items()]
    if steps:
        lines += ["steps:", *(f"  - {step}" for step in steps)]
    return "\n".join(lines) + "\n"


def write_files(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def write_pages(folder: Path, pages: dict[str, str]) -> Path:
    """Pages by name: `/NAME` serves NAME.html (SiteServer's clean URLs)."""
    return write_files(folder, {f"{name}.html": text for name, text in pages.items()})


def write_scenarios(folder: Path, scenarios: dict[str, str]) -> Path:
    return write_files(folder, {f"{name}.yaml": text for name, text in scenarios.items()})


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "crawler", *args]


def environment() -> dict[str, str]:
    return {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}


def start(*args: str) -> subprocess.Popen[str]:
    """`crawler ARGS` in the background, in its own session so a test can clean up all it started."""
    return subprocess.Popen(
        command(*args),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env=environment(),
    )


@contextmanager
def running(*args: str) -> Iterator[subprocess.Popen[str]]:
    crawl = start(*args)
    try:
        yield crawl
    finally:
        if crawl.poll() is None:
            os.killpg(crawl.pid, signal.SIGKILL)
            crawl.wait()


def rows(db: Path, sql: str, params: tuple[object, ...] = ()) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as conn:
        found = conn.execute(sql, params).fetchall()
    conn.close()
    return found


def saved(db: Path) -> int:
    """Scenarios saved so far, read without creating the file before the crawler does."""
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
            count = int(conn.execute("select count(*) from scenario_runs").fetchone()[0])
        conn.close()
        return count
    except sqlite3.Error:
        return 0


def load_json(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


def by_name(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["name"]: s for s in document["scenarios"]}


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: bytes


@dataclass
class Loopback:
    """An HTTP server on 127.0.0.1 that records every request and answers what `answer` says:
    (status, content type, body) for the request, given the requests so far (itself included)."""

    answer: Callable[[Request, list[Request]], tuple[int, str, bytes]]
    requests: list[Request] = field(default_factory=list)

    def __post_init__(self) -> None:
        state = self
        lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                request = Request(self.command, self.path, self.rfile.read(length))
                with lock:
                    state.requests.append(request)
                    status, kind, body = state.answer(request, list(state.requests))
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _handle

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet."""

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def hits(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.path == path]

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
