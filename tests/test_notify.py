"""Night summaries posted to a real HTTP server on loopback: delivered, retried once, never fatal."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from crawler import notify
from crawler.notify import FindingSummary

SECRET_PATH = "/services/T000/B000/SECRET-TOKEN"


@dataclass
class Hook:
    """A webhook receiver: answers each request with the next status in `statuses` (the last one repeats)."""

    statuses: list[int] = field(default_factory=lambda: [200])
    hang: bool = False
    requests: list[dict[str, Any]] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    url: str = ""


@pytest.fixture
def hook() -> Iterator[Hook]:
    state = Hook()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.requests.append({"path": self.path, "type": self.headers["Content-Type"], "body": body})
            if state.hang:
                state.release.wait(30)
                return
            status = state.statuses[min(len(state.requests), len(state.statuses)) - 1]
            answer = b"ok" if status < 300 else b"invalid_payload\n"
            self.send_response(status)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}{SECRET_PATH}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    state.release.set()
    server.shutdown()
    server.server_close()


def _post(url: str, payload: dict[str, Any], **options: Any) -> tuple[bool, list[str]]:
    logged: list[str] = []
    ok = notify.post(url, payload, log=logged.append, retry_delay=0, **options)
    return ok, logged


def test_the_payload_arrives_as_json(hook: Hook) -> None:
    payload = {"text": "night 7: 1 new", "counts": {"new": 1}, "label": "芝麻信用 <b>"}
    ok, logged = _post(hook.url, payload)
    assert ok and logged == []
    assert len(hook.requests) == 1
    request = hook.requests[0]
    assert request["path"] == SECRET_PATH
    assert request["type"].startswith("application/json")
    assert json.loads(request["body"]) == payload


def test_a_failing_server_gets_exactly_two_attempts(hook: Hook) -> None:
    hook.statuses = [500]
    ok, logged = _post(hook.url, {"text": "x"})
    assert ok is False
    assert len(hook.requests) == 2
    assert len(logged) == 2
    assert "HTTP 500: invalid_payload" in logged[0] and "retrying once" in logged[0]
    assert "giving up" in logged[1]
    assert all("SECRET-TOKEN" not in line and "127.0.0.1" in line for line in logged)


def test_one_failure_then_success_is_success(hook: Hook) -> None:
    hook.statuses = [503, 200]
    ok, logged = _post(hook.url, {"text": "x"})
    assert ok is True
    assert len(hook.requests) == 2
    assert len(logged) == 1 and "HTTP 503" in logged[0]


def test_a_client_error_is_retried_once_too(hook: Hook) -> None:
    hook.statuses = [404]
    ok, _ = _post(hook.url, {"text": "x"})
    assert ok is False
    assert len(hook.requests) == 2


def test_a_server_that_never_answers_times_out_twice(hook: Hook) -> None:
    hook.hang = True
    ok, logged = _post(hook.url, {"text": "x"}, timeout=0.3)
    assert ok is False
    assert len(hook.requests) == 2
    assert all("timed out" in line for line in logged), logged


def test_nothing_listening_returns_false() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    ok, logged = _post(f"http://127.0.0.1:{port}/hook", {"text": "x"}, timeout=2)
    assert ok is False
    assert len(logged) == 2
    assert "refused" in logged[0].lower(), logged


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("file:///etc/passwd", "not an http(s) URL"),
        ("not a url", "not an http(s) URL"),
        ("https://", "not an http(s) URL"),
        ("http://bad host name/x", "failed"),
    ],
)
def test_bad_urls_return_false_without_raising(url: str, said: str) -> None:
    ok, logged = _post(url, {"text": "x"}, timeout=2)
    assert ok is False
    assert logged and said in logged[-1]


NEW = [
    {
        "scenario": "annual-report-2017",
        "rule": "preselected-consent",
        "step": 1,
        "control": f"k{i}",
        "label": f"Share with partner {i}",
        "severity": "high",
    }
    for i in range(7)
]


def test_summary_counts_run_and_findings() -> None:
    resolved = FindingSummary("signup", "bundled-consent", 2, "k9", "Terms and marketing", "medium")
    payload = notify.summary_payload(
        run_id="20270105T020000Z-ab12",
        started_at="2027-01-05T02:00:00.000Z",
        status="completed",
        new=NEW,
        resolved=[resolved],
        open_count=9,
        report_url="https://reports.example.com/consent/",
    )
    assert payload["run"] == {
        "id": "20270105T020000Z-ab12",
        "started_at": "2027-01-05T02:00:00.000Z",
        "status": "completed",
    }
    assert payload["counts"] == {"new": 7, "resolved": 1, "open": 9}
    assert payload["new_findings"] == NEW
    assert payload["resolved_findings"] == [
        {
            "scenario": "signup",
            "rule": "bundled-consent",
            "step": 2,
            "control": "k9",
            "label": "Terms and marketing",
            "severity": "medium",
        }
    ]
    assert json.loads(json.dumps(payload)) == payload


def test_summary_text_reads_as_one_message() -> None:
    payload = notify.summary_payload(
        run_id="r7",
        started_at="s",
        status="completed",
        new=NEW,
        resolved=[],
        open_count=1,
        report_url="reports/index.html",
    )
    lines = payload["text"].split("\n")
    assert lines[0] == (
        "Consent crawler, night r7 (completed): 7 new, 0 resolved, 1 open finding. Report: reports/index.html"
    )
    assert lines[1] == ("• annual-report-2017: preselected-consent (high), step 1: “Share with partner 0”")
    assert len(lines) == 1 + notify.FIRST_FINDINGS_SHOWN + 1
    assert lines[-1] == "… and 2 more new"


def test_summary_text_keeps_page_text_inert() -> None:
    hostile = {**NEW[0], "label": "<!channel> <https://evil.example|Click> & win\nnow " + "x" * 200}
    payload = notify.summary_payload(
        run_id="r", started_at="s", status="completed", new=[hostile], resolved=[], open_count=1
    )
    line = payload["text"].split("\n")[1]
    assert "<" not in line and ">" not in line
    assert "&lt;!channel&gt; &lt;https://evil.example|Click&gt; &amp; win now xxx" in line
    assert line.endswith("…”")
    assert payload["new_findings"][0]["label"] == hostile["label"]


def test_a_quiet_night() -> None:
    payload = notify.summary_payload(
        run_id="r", started_at="s", status="completed", new=[], resolved=[], open_count=0
    )
    assert payload["text"] == "Consent crawler, night r (completed): 0 new, 0 resolved, 0 open findings."
    assert payload["report_url"] is None
