"""Bad scenario files: one `FILE:LINE: message` line each, exit code 2, and nothing run or written."""

from __future__ import annotations

import sqlite3
import textwrap
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import run_cli

GOOD = """\
name: good
url: /late.html
"""

CASES = {
    "unknown-key": (
        "name: a\nurl: /x\ntitel: typo\n",
        "bad.yaml:3: unknown key 'titel'; did you mean 'title'?",
    ),
    "unknown-step": (
        "name: a\nurl: /x\nsteps:\n  - click: '#ok'\n  - clik: '#a'\n",
        "bad.yaml:5: steps[1]: unknown step 'clik'; did you mean 'click'?",
    ),
    "wrong-type": (
        "name: a\nurl: /x\nviewport: {width: wide, height: 800}\n",
        "bad.yaml:3: viewport.width: Input should be a valid integer",
    ),
    "wrong-step-argument": (
        "name: a\nurl: /x\nsteps:\n  - fill: {selector: '#phone'}\n",
        "bad.yaml:4: steps[0].fill: missing required key 'value'",
    ),
    "two-actions-in-one-step": (
        "name: a\nurl: /x\nsteps:\n  - click: '#a'\n    check: '#b'\n",
        "bad.yaml:5: steps[0]: a step has exactly one action, but 'check' is a second one",
    ),
    "unknown-lexicon-category": (
        "name: a\nurl: /x\nlexicon:\n  credits: [Zhima]\n",
        "bad.yaml:3: lexicon: unknown lexicon category credits",
    ),
    "bad-lexicon-phrase": (
        "name: a\nurl: /x\nlexicon:\n  credit: ['Zhi*ma']\n",
        "bad.yaml:3: lexicon: credit: phrase 'Zhi*ma' is empty or has '*' inside it",
    ),
    "missing-name": ("title: no name\nurl: /x\n", "bad.yaml:1: missing required key 'name'"),
    "missing-url": ("name: a\n", "bad.yaml:1: missing required key 'url'"),
    "name-not-a-slug": ("name: Annual Report\nurl: /x\n", "bad.yaml:1: name: must be a slug"),
    "yaml-does-not-parse": ("name: a\nurl: [/x\n", "bad.yaml:3: YAML does not parse"),
    "duplicate-key": ("name: a\nurl: /x\nname: b\n", "bad.yaml:3: key 'name' appears twice"),
    "not-a-mapping": ("- just\n- a list\n", "bad.yaml:1: a scenario file holds one mapping"),
    "duplicate-name": ("name: good\nurl: /x\n", "bad.yaml:1: name 'good' is already used by"),
}


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("command", ["run", "validate"])
def test_bad_scenario_is_reported_with_file_and_line(tmp_path: Path, case: str, command: str) -> None:
    text, expected = CASES[case]
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (folder / "a-good.yaml").write_text(GOOD)
    (folder / "bad.yaml").write_text(textwrap.dedent(text))
    db = tmp_path / "crawl.db"
    args = [command, str(folder)]
    if command == "run":
        args += ["--db", str(db), "--base-url", "http://127.0.0.1:9"]

    done = run_cli(*args)

    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert any(line.startswith(str(folder / expected.split(":", 1)[0])) for line in lines), lines
    assert any(expected.split(":", 1)[1] in line for line in lines), lines
    assert "Traceback" not in done.stderr
    assert not db.exists(), "nothing may be written when a scenario is invalid"


def test_every_problem_in_every_file_is_listed_at_once(tmp_path: Path) -> None:
    (tmp_path / "one.yaml").write_text("name: one\nurl: /x\ncolour: red\n")
    (tmp_path / "two.yaml").write_text("name: two\nsteps:\n  - hover: 3\n")

    done = run_cli("validate", str(tmp_path))

    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"{tmp_path / 'one.yaml'}:3: unknown key 'colour'"
        " (allowed: name, url, title, description, tags, locale, viewport, user_agent, is_mobile,"
        " timezone_id, color_scheme, timeout_ms, settle, thresholds, lexicon, steps)",
        f"{tmp_path / 'two.yaml'}:1: missing required key 'url'",
        f"{tmp_path / 'two.yaml'}:3: steps[0].hover: Input should be a valid string, got 3",
    ]


def test_missing_path_and_empty_folder(tmp_path: Path) -> None:
    done = run_cli("validate", str(tmp_path / "nope.yaml"), str(tmp_path))

    assert done.returncode == 2
    assert f"{tmp_path / 'nope.yaml'}: no such file or folder" in done.stderr
    assert f"{tmp_path}: no scenario files (*.yaml, *.yml) in this folder" in done.stderr


def test_valid_files_are_counted(tmp_path: Path) -> None:
    (tmp_path / "ok.yaml").write_text("name: ok\nurl: /x\nsteps:\n  - snapshot: start\n")

    done = run_cli("validate", str(tmp_path))

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "1 scenario valid (1 steps)."


def test_relative_url_without_base_url_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "ok.yaml").write_text("name: ok\nurl: /annual-report\n")

    done = run_cli("run", str(tmp_path), "--db", str(tmp_path / "c.db"))

    assert done.returncode == 2
    assert "URL '/annual-report' is relative; pass --base-url" in done.stderr
    assert not (tmp_path / "c.db").exists()


def test_unknown_tag_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "ok.yaml").write_text("name: ok\nurl: /x\ntags: [signup]\n")

    done = run_cli("run", str(tmp_path), "--tag", "alipay", "--base-url", "http://127.0.0.1:9")

    assert done.returncode == 2
    assert "no scenario carries tag alipay; tags in use: signup" in done.stderr


def test_unwritable_json_path_is_a_clear_error_and_the_run_is_kept(crawl: Any, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = crawl({"late": "name: late\nurl: /late.html\n"}, "--json", str(blocker / "out.json"))
    assert result.code == 2
    assert f"cannot write the JSON document to {blocker / 'out.json'}" in result.stderr
    assert "Traceback" not in result.stderr and "bug" not in result.stderr
    with sqlite3.connect(result.db) as db:
        assert db.execute("select count(*) from scenario_runs").fetchone()[0] == 1
