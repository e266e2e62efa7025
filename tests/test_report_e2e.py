"""A hostile page's label goes through the whole pipeline and stays text in the report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from tests.conftest import run_cli

HOSTILE = 'I agree to share my data <script>window.__pwned = 1</script><img src=x onerror="window.__pwned=2">'


def test_label_with_markup_is_shown_as_text(crawl: Any, page: Page, tmp_path: Path) -> None:
    result = crawl({"hostile": "name: hostile\nurl: /hostile-label.html\n"})
    assert result.code == 1, result.stderr
    assert result.scenario("hostile")["findings"][0]["label"] == HOSTILE

    done = run_cli("report", "--db", str(result.db), "--out", str(tmp_path / "reports"))
    assert done.returncode == 0, done.stderr
    page.goto(Path(done.stdout.strip()).as_uri())
    page.get_by_role("link", name="hostile", exact=True).first.click()

    expect(page.locator(".finding").first).to_contain_text(HOSTILE)
    assert page.evaluate("window.__pwned") is None
    assert page.locator("main img[src='x']").count() == 0


def test_report_of_a_missing_database_is_a_clear_error(tmp_path: Path) -> None:
    done = run_cli("report", "--db", str(tmp_path / "none.db"), "--out", str(tmp_path / "r"))
    assert done.returncode == 4
    assert "no results at" in done.stderr
    assert "Traceback" not in done.stderr
