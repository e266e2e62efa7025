"""Tell people about a night: a JSON summary POSTed to a webhook (Slack-compatible `text`), never fatal."""

from __future__ import annotations

import http.client
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

FIRST_FINDINGS_SHOWN = 5
LABEL_CHARS = 80


@dataclass(frozen=True)
class FindingSummary:
    """One finding as a notification names it; the lead's history query decides which are new or resolved."""

    scenario: str
    rule: str
    step: int
    control: str
    label: str
    severity: str


FindingLike = FindingSummary | Mapping[str, Any]


def summary_payload(
    *,
    run_id: str,
    started_at: str,
    status: str,
    new: Iterable[FindingLike],
    resolved: Iterable[FindingLike],
    open_count: int,
    report_url: str | None = None,
) -> dict[str, Any]:
    """The JSON document of one night; `text` alone is enough for a Slack incoming webhook."""
    new_findings = [_as_dict(f) for f in new]
    resolved_findings = [_as_dict(f) for f in resolved]
    counts = {"new": len(new_findings), "resolved": len(resolved_findings), "open": open_count}
    return {
        "text": _text(run_id, status, counts, new_findings, report_url),
        "run": {"id": run_id, "started_at": started_at, "status": status},
        "counts": counts,
        "report_url": report_url,
        "new_findings": new_findings,
        "resolved_findings": resolved_findings,
    }


def post(
    url: str,
    payload: Mapping[str, Any],
    *,
    timeout: float = 10.0,
    log: Callable[[str], None],
    retry_delay: float = 2.0,
) -> bool:
    """POST `payload` as JSON; one retry after any failure. Never raises: a night's results matter more."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        log("notification not sent: the webhook is not an http(s) URL with a host; check its setting")
        return False
    where = f"{parts.scheme}://{parts.hostname}/…"  # webhook URLs carry their secret in the path or query
    body = json.dumps(payload, ensure_ascii=False, default=str).encode("utf-8")
    for attempt in (1, 2):
        problem = _attempt(url, body, timeout)
        if problem is None:
            return True
        if attempt == 1:
            log(f"notification to {where} failed ({problem}); retrying once")
            time.sleep(retry_delay)
        else:
            log(f"notification to {where} failed again ({problem}); giving up")
    return False


def _attempt(url: str, body: bytes, timeout: float) -> str | None:
    """None when the server took the notification, else what went wrong in a few words."""
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json; charset=utf-8"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status: int = response.status
            if 200 <= status < 300:
                return None
            return f"HTTP {status}"
    except urllib.error.HTTPError as exc:
        return f"HTTP {exc.code}{_excerpt(exc)}"
    except urllib.error.URLError as exc:
        return str(exc.reason)
    except (OSError, http.client.HTTPException, ValueError) as exc:
        return str(exc) or type(exc).__name__


def _excerpt(exc: urllib.error.HTTPError) -> str:
    try:
        text = exc.read(200).decode("utf-8", "replace").strip()
    except (OSError, http.client.HTTPException):
        return ""
    return f": {' '.join(text.split())}" if text else ""


def _as_dict(finding: FindingLike) -> dict[str, Any]:
    source = asdict(finding) if isinstance(finding, FindingSummary) else finding
    return {name: source.get(name) for name in ("scenario", "rule", "step", "control", "label", "severity")}


def _text(
    run_id: str,
    status: str,
    counts: Mapping[str, int],
    new_findings: list[dict[str, Any]],
    report_url: str | None,
) -> str:
    head = (
        f"Consent crawler, night {run_id} ({status}): {counts['new']} new, {counts['resolved']} resolved, "
        f"{counts['open']} open finding{'' if counts['open'] == 1 else 's'}."
    )
    lines = [_slack_escape(head)]
    if report_url:
        lines[0] += f" Report: {_slack_escape(report_url)}"
    for finding in new_findings[:FIRST_FINDINGS_SHOWN]:
        label = str(finding.get("label") or "(no label)")
        if len(label) > LABEL_CHARS:
            label = label[: LABEL_CHARS - 1] + "…"
        where = f"{finding['scenario']}: {finding['rule']} ({finding['severity']}), step {finding['step']}"
        line = f"• {where}: “{label}”"
        lines.append(_slack_escape(" ".join(line.split())))
    if len(new_findings) > FIRST_FINDINGS_SHOWN:
        lines.append(f"… and {len(new_findings) - FIRST_FINDINGS_SHOWN} more new")
    return "\n".join(lines)


def _slack_escape(text: str) -> str:
    """Labels come from crawled pages: `<!channel>` or `<https://evil|click>` must arrive as plain text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
