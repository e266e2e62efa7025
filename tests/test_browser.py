"""Finding a browser: the documented order, and one clear message when there is none."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from crawler import browser
from crawler.errors import BrowserNotFound
from tests.conftest import run_cli


def test_no_browser_anywhere_says_how_to_get_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(browser.ENV_VAR, raising=False)
    with pytest.raises(BrowserNotFound) as caught:
        browser.find(None, "/nonexistent/playwright/chrome", candidates=("no-such-browser-here",))
    message = str(caught.value)
    assert "No Chromium found" in message
    assert "python -m playwright install chromium" in message
    assert "apt-get install chromium" in message
    assert "--browser-path" in message


def test_explicit_path_wins_over_everything(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "chrome"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    monkeypatch.setenv(browser.ENV_VAR, str(fake))
    assert browser.find(None, "/usr/lib/chromium/chromium") == str(fake)


def test_playwright_chromium_comes_before_the_system_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(browser.ENV_VAR, raising=False)
    own = tmp_path / "chrome"
    own.write_text("#!/bin/sh\n")
    own.chmod(0o755)
    assert browser.find(None, str(own)) == str(own)


def test_a_wrong_browser_path_stops_the_run_with_exit_4(tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text("name: s\nurl: http://127.0.0.1:1/\n")
    done = run_cli(
        "run", str(tmp_path), "--db", str(tmp_path / "c.db"), "--browser-path", str(tmp_path / "nope")
    )
    assert done.returncode == 4
    assert (
        f"Browser path '{tmp_path / 'nope'}' (from --browser-path) is not an executable file" in done.stderr
    )
    assert "Traceback" not in done.stderr


def test_doctor_names_the_browser_it_would_use() -> None:
    done = run_cli("doctor")
    assert done.returncode == 0, done.stderr
    path = done.stdout.splitlines()[0].removeprefix("browser: ")
    assert os.access(path, os.X_OK)


def test_without_a_browser_nothing_is_written(tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text("name: s\nurl: http://127.0.0.1:1/\n")
    run_cli("run", str(tmp_path), "--db", str(tmp_path / "c.db"), "--browser-path", str(tmp_path / "nope"))
    assert not (tmp_path / "c.db").exists()
