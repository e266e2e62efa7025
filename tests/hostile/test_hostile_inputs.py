"""Hostile input to the command line: scenario URLs that reach outside the web, YAML built to hang the parser.

Each is refused at validation, before any browser starts: `--browser-path` points at nothing, so a browser
search would end with exit 4, and no database is created.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.hostile.conftest import PAGES, SharedCrawl
from tests.test_validation import LIMIT_CASES

NO_BROWSER = ("--browser-path", "/nonexistent/chromium", "--base-url", "http://127.0.0.1:9")

REFUSED_URLS = {
    "file-url": (
        "url: file:///etc/passwd\n",
        "f.yaml:2: url: file: URLs are refused unless the crawler runs",
    ),
    "chrome-url": ("url: chrome://settings\n", "f.yaml:2: url: chrome: URLs are refused"),
    "chrome-goto": (
        "url: /x\nsteps:\n  - goto: chrome://version\n",
        "f.yaml:4: steps[0].goto: chrome: URLs are refused",
    ),
}


@pytest.mark.parametrize("case", REFUSED_URLS)
def test_file_and_browser_urls_are_refused_before_any_browser_starts(tmp_path: Path, case: str) -> None:
    text, expected = REFUSED_URLS[case]
    (tmp_path / "f.yaml").write_text("name: f\n" + text)

    done = run_cli("run", str(tmp_path / "f.yaml"), "--db", str(tmp_path / "x.db"), *NO_BROWSER, timeout=60)

    assert done.returncode == 2, done.stderr
    assert f"{tmp_path}/{expected}" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "x.db").exists()


def test_file_urls_are_allowed_when_asked_for(tmp_path: Path, shared_crawl: SharedCrawl) -> None:
    (tmp_path / "f.yaml").write_text(f"name: f\nurl: {(PAGES / 'tab.html').as_uri()}\n")

    assert run_cli("validate", str(tmp_path / "f.yaml"), timeout=60).returncode == 2
    done = run_cli("validate", str(tmp_path / "f.yaml"), "--allow-file-urls", timeout=60)
    assert done.returncode == 0, done.stderr
    # The shared crawl runs with --allow-file-urls and opens a file: page.
    opened = shared_crawl.scenario("o-file-url")
    assert opened["status"] == "findings", opened["error"]
    assert opened["steps"][0]["url"] == (PAGES / "push-throws.html").as_uri()


@pytest.mark.parametrize("case", ["alias-bomb", "nested-5000"])
def test_yaml_built_to_hang_the_parser_is_refused_by_run(tmp_path: Path, case: str) -> None:
    text, expected = LIMIT_CASES[case]
    (tmp_path / "bad.yaml").write_text(text)

    # The timeout is the hang guard, not a measure.
    done = run_cli("run", str(tmp_path / "bad.yaml"), "--db", str(tmp_path / "x.db"), *NO_BROWSER, timeout=60)

    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(f"{tmp_path}/{expected}"), done.stderr
    assert not (tmp_path / "x.db").exists()
