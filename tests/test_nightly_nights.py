"""Night after night: `--fail-on new`, a notification webhook (live and dead), and a baseline's expiry.

Which point of the issue each test proves: see the list in tests/test_nightly.py.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from crawler.server import SiteServer
from tests.conftest import run_cli
from tests.nightly_support import (
    MARKETING,
    PARTNERS,
    Loopback,
    Request,
    by_name,
    consent_page,
    load_json,
    rows,
    scenario,
    write_pages,
    write_scenarios,
)

HOOK_PATH = "/hooks/T000/SECRET"


@dataclass
class Night:
    code: int
    stderr: str
    doc: dict[str, Any]
    posts: list[Request]
    summary: dict[str, Any]
    """The report's summary.json as this night left it."""
    report: Path


@dataclass
class Hook:
    status: int = 200

    def answer(self, request: Request, so_far: list[Request]) -> tuple[int, str, bytes]:
        return self.status, "text/plain", b"ok" if self.status < 300 else b"no"


@pytest.fixture(scope="module")
def nights(tmp_path_factory: pytest.TempPathFactory) -> list[Night]:
    """Three nights of `crawler nightly --fail-on new` on one database: the first finds the marketing box
    ticked, the second sees the same page (while the webhook is down), on the third the partners box is
    ticked too."""
    root = tmp_path_factory.mktemp("nights")
    site_root = root / "site"
    folder = write_scenarios(root / "scenarios", {"signup": scenario("signup", "/signup")})
    hook = Hook()
    webhook = Loopback(hook.answer)
    pages = [
        consent_page((MARKETING, True), (PARTNERS, False)),
        consent_page((MARKETING, True), (PARTNERS, False)),
        consent_page((MARKETING, True), (PARTNERS, True)),
    ]
    found = []
    try:
        with SiteServer(write_pages(site_root, {"signup": pages[0]})) as site:
            for number, (page, status) in enumerate(zip(pages, (200, 500, 200), strict=True), 1):
                write_pages(site_root, {"signup": page})
                hook.status = status
                already = len(webhook.requests)
                out, report = root / f"night-{number}.json", root / "report"
                done = run_cli(
                    "nightly",
                    str(folder),
                    *("--db", str(root / "nightly.db"), "--json", str(out), "--report", str(report)),
                    *("--base-url", site.url, "--fail-on", "new"),
                    *("--notify-webhook", webhook.url + HOOK_PATH, "--report-url", "https://reports.test/"),
                )
                kept = root / f"report-{number}"
                shutil.copytree(report, kept)
                found.append(
                    Night(
                        done.returncode,
                        done.stderr,
                        load_json(out),
                        webhook.requests[already:],
                        load_json(report / "summary.json"),
                        kept,
                    )
                )
    finally:
        webhook.stop()
    return found


def labels(findings: list[dict[str, Any]]) -> list[str]:
    return sorted(f["label"] for f in findings)


@pytest.mark.slow
def test_fail_on_new_counts_only_what_the_night_before_did_not_have(nights: list[Night]) -> None:
    assert [night.code for night in nights] == [1, 0, 1], [night.stderr for night in nights]
    found = [by_name(night.doc)["signup"]["findings"] for night in nights]
    # The unchanged night still reports its finding; it only does not fail.
    assert labels(found[0]) == labels(found[1]) == [MARKETING]
    assert labels(found[2]) == [MARKETING, PARTNERS]
    assert {f["rule"] for f in found[2]} == {"preselected-consent"}


@pytest.mark.slow
def test_the_webhook_receives_the_new_findings_of_the_night(nights: list[Night]) -> None:
    first, _, third = nights
    for night, new in ((first, [MARKETING]), (third, [PARTNERS])):
        assert [p.path for p in night.posts] == [HOOK_PATH]
        payload = json.loads(night.posts[0].body)
        assert payload["run"]["id"] == night.doc["run"]["id"]
        assert payload["run"]["status"] == "completed"
        assert payload["counts"]["new"] == len(new)
        assert labels(payload["new_findings"]) == new
        assert {(f["scenario"], f["rule"]) for f in payload["new_findings"]} == {
            ("signup", "preselected-consent")
        }
        assert payload["report_url"] == "https://reports.test/"
        assert payload["text"]
    assert json.loads(third.posts[0].body)["counts"]["open"] == 2


@pytest.mark.slow
def test_a_dead_webhook_does_not_fail_the_night(nights: list[Night]) -> None:
    dead = nights[1]
    assert dead.code == 0, dead.stderr
    # It was tried, and once more, and both times answered 500.
    assert [p.path for p in dead.posts] == [HOOK_PATH, HOOK_PATH]
    assert "failed again (HTTP 500" in dead.stderr
    assert "SECRET" not in dead.stderr, "the webhook's URL carries its secret"
    assert "Traceback" not in dead.stderr
    assert dead.summary["run"]["id"] == dead.doc["run"]["id"], "the night's report was written"
    assert (dead.report / "index.html").is_file()
    assert (dead.report / "runs" / f"{dead.doc['run']['id']}.html").is_file()


def write_baseline(path: Path, expires: datetime) -> Path:
    path.write_text(
        "accept:\n"
        "  - scenario: newsletter\n"
        "    rule: preselected-consent\n"
        "    label: marketing EMAILS\n"
        "    reason: Legal sign-off LEGAL-123\n"
        f"    expires: {expires.date().isoformat()}\n",
        encoding="utf-8",
    )
    return path


@pytest.mark.slow
def test_a_baseline_entry_accepts_its_finding_until_it_expires(tmp_path: Path) -> None:
    site_root = write_pages(tmp_path / "site", {"newsletter": consent_page((MARKETING, True))})
    folder = write_scenarios(tmp_path / "scenarios", {"newsletter": scenario("newsletter", "/newsletter")})
    today = datetime.now(UTC)
    found = []
    with SiteServer(site_root) as site:
        for night, expires in enumerate((today + timedelta(days=1), today - timedelta(days=1))):
            db, out = tmp_path / f"{night}.db", tmp_path / f"{night}.json"
            done = run_cli(
                "run",
                str(folder),
                *("--db", str(db), "--json", str(out), "--base-url", site.url, "--fail-on", "any"),
                *("--baseline", str(write_baseline(tmp_path / f"baseline-{night}.yaml", expires))),
            )
            findings = by_name(load_json(out))["newsletter"]["findings"]
            found.append((done, findings, rows(db, "select label, accepted from findings_with_context")))

    (accepting, accepted, stored), (expired, counted, stored_again) = found
    assert accepting.returncode == 0, accepting.stderr
    assert [(f["rule"], f["label"], f["accepted"]) for f in accepted] == [
        ("preselected-consent", MARKETING, True)
    ]
    assert accepted[0]["accepted_reason"] == "Legal sign-off LEGAL-123"
    assert stored == [(MARKETING, 1)]

    assert expired.returncode == 1, expired.stderr
    assert [(f["label"], f["accepted"]) for f in counted] == [(MARKETING, False)]
    assert stored_again == [(MARKETING, 0)]
    assert "expired on" in expired.stderr and "its findings count again" in expired.stderr
