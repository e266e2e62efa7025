"""Bad scenario files: one `FILE:LINE: message` line each, exit code 2, and nothing run or written."""

from __future__ import annotations

import sqlite3
import textwrap
from pathlib import Path
from typing import Any

import pytest

from crawler import bounded_yaml, scenario
from crawler.errors import ScenarioError
from crawler.models import ScenarioFile
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
        " (allowed: name, url, title, description, tags, device, locale, viewport, user_agent,"
        " is_mobile, timezone_id, color_scheme, storage_state, timeout_ms, scenario_timeout_s,"
        " allow_http_status, settle, thresholds, lexicon, steps, expect)",
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
    assert result.code == 6
    assert f"cannot write the JSON document to {blocker / 'out.json'}" in result.stderr
    assert "the run itself is saved in the database" in result.stderr
    assert "Traceback" not in result.stderr and "bug" not in result.stderr
    with sqlite3.connect(result.db) as db:
        assert db.execute("select count(*) from scenario_runs").fetchone()[0] == 1


# New keys and rules of the format, checked in-process: `scenario.load` is what every command calls.


def problems_of(tmp_path: Path, text: str) -> list[str]:
    """The problems of a scenario file, as `bad.yaml:LINE: message` lines relative to tmp_path."""
    file = tmp_path / "bad.yaml"
    file.write_text(textwrap.dedent(text), encoding="utf-8")
    with pytest.raises(ScenarioError) as refused:
        scenario.load([file])
    return [problem.removeprefix(f"{tmp_path}/") for problem in refused.value.problems]


def loaded_from(tmp_path: Path, text: str, **options: Any) -> ScenarioFile:
    file = tmp_path / "ok.yaml"
    file.write_text(textwrap.dedent(text), encoding="utf-8")
    [loaded] = scenario.load([file], **options)
    return loaded


KEY_CASES = {
    "unknown-device": (
        "name: a\nurl: /x\ndevice: iphone 13\n",
        "bad.yaml:3: device: unknown device 'iphone 13'; did you mean 'iPhone 13'",
    ),
    "storage-state-missing": (
        "name: a\nurl: /x\nstorage_state: auth/state.json\n",
        "bad.yaml:3: storage_state: no file at {tmp}/auth/state.json"
        " (the path is relative to the scenario file)",
    ),
    "storage-state-not-json": (
        "name: a\nurl: /x\nstorage_state: bad.yaml\n",
        "bad.yaml:3: storage_state: {tmp}/bad.yaml is not a readable JSON file",
    ),
    "http-status-not-an-error": (
        "name: a\nurl: /x\nallow_http_status: [404, 200]\n",
        "bad.yaml:3: allow_http_status[1]: Input should be greater than or equal to 400",
    ),
    "scenario-timeout-zero": (
        "name: a\nurl: /x\nscenario_timeout_s: 0\n",
        "bad.yaml:3: scenario_timeout_s: Input should be greater than 0",
    ),
    "scenario-timeout-over-a-day": (
        "name: a\nurl: /x\nscenario_timeout_s: 90000\n",
        "bad.yaml:3: scenario_timeout_s: Input should be less than or equal to 86400",
    ),
    "expect-unknown-rule": (
        "name: a\nurl: /x\nexpect:\n  findings: [preselected-consent, preselected]\n",
        "bad.yaml:4: expect.findings[1]: unknown rule 'preselected'; did you mean 'preselected-consent'?",
    ),
    "expect-findings-word": (
        "name: a\nurl: /x\nexpect:\n  findings: any\n",
        "bad.yaml:4: expect.findings: findings takes none or a list of rule ids",
    ),
    "expect-unknown-key": (
        "name: a\nurl: /x\nexpect:\n  controls:\n    - lable: Terms\n",
        "bad.yaml:5: expect.controls[0]: unknown key 'lable'; did you mean 'label'?",
    ),
    "expect-unknown-step-name": (
        "name: a\nurl: /x\nsteps:\n  - {name: submit, click: '#go'}\n"
        "expect:\n  controls:\n    - {label: Terms, step: sumbit}\n",
        "bad.yaml:7: expect.controls[0].step: no step is named 'sumbit'; did you mean 'submit'?",
    ),
    "expect-step-beyond-the-end": (
        "name: a\nurl: /x\nsteps:\n  - click: '#go'\n"
        "expect:\n  controls:\n    - label: Terms\n      step: 2\n",
        "bad.yaml:8: expect.controls[0].step: step 2 does not exist: 0 is the page as opened and this"
        " scenario has 1 step",
    ),
    "expect-step-not-an-index": (
        "name: a\nurl: /x\nexpect:\n  controls:\n    - {label: Terms, step: -1}\n",
        "bad.yaml:5: expect.controls[0].step: step takes an index (0 or more), the name of a step, or last",
    ),
    "expect-step-name-twice": (
        "name: a\nurl: /x\nsteps:\n  - {name: go, click: '#a'}\n  - {name: go, click: '#b'}\n"
        "expect:\n  controls:\n    - {label: Terms, step: go}\n",
        "bad.yaml:8: expect.controls[0].step: several steps are named 'go' (1, 2); use an index",
    ),
    "env-variable-missing": (
        "name: a\nurl: /x\nsteps:\n  - fill: {selector: '#pw', value: '${CRAWLER_TEST_UNSET}'}\n",
        "bad.yaml:4: steps[0].fill.value: environment variable CRAWLER_TEST_UNSET is not set",
    ),
    "env-reference-malformed": (
        "name: a\nurl: /x\ntitle: 'costs ${9 euros}'\n",
        "bad.yaml:3: title: '${9 euros}' is not a variable reference; write ${NAME}",
    ),
    "javascript-url": (
        "name: a\nurl: javascript:alert(1)\n",
        "bad.yaml:2: url: javascript: URLs are refused: it runs script instead of loading a page",
    ),
    "javascript-url-disguised": (
        'name: a\nurl: " JavaScript:alert(1)"\n',
        "bad.yaml:2: url: javascript: URLs are refused",
    ),
    "data-url-in-goto": (
        "name: a\nurl: /x\nsteps:\n  - goto: 'data:text/html,<h1>hi</h1>'\n",
        "bad.yaml:4: steps[0].goto: data: URLs are refused: it is inline content",
    ),
    "chrome-url": ("name: a\nurl: chrome://settings\n", "bad.yaml:2: url: chrome: URLs are refused"),
    "extension-url": ("name: a\nurl: chrome-extension://abc/x.html\n", "bad.yaml:2: url: chrome-extension:"),
    "view-source-url": (
        "name: a\nurl: view-source:https://a.example\n",
        "bad.yaml:2: url: view-source: URLs",
    ),
    "blob-url": ("name: a\nurl: blob:https://a.example/1\n", "bad.yaml:2: url: blob: URLs are refused"),
    "about-url": ("name: a\nurl: about:config\n", "bad.yaml:2: url: about: URLs are refused"),
    "file-url-without-the-flag": (
        "name: a\nurl: file:///tmp/page.html\n",
        "bad.yaml:2: url: file: URLs are refused unless the crawler runs with --allow-file-urls",
    ),
    "other-scheme": (
        "name: a\nurl: ftp://a.example/x\n",
        "bad.yaml:2: url: URL scheme 'ftp:' is not supported",
    ),
    "host-without-scheme": (
        "name: a\nurl: localhost:8000/signup\n",
        "for a host and port write http://localhost:8000/signup",
    ),
}


@pytest.mark.parametrize("case", KEY_CASES)
def test_new_keys_are_validated_with_line(tmp_path: Path, case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CRAWLER_TEST_UNSET", raising=False)
    text, expected = KEY_CASES[case]
    problems = problems_of(tmp_path, text)
    assert any(expected.replace("{tmp}", str(tmp_path)) in line for line in problems), problems


def test_allowed_urls(tmp_path: Path) -> None:
    for url in (
        "/x",
        "x.html?q=1#a",
        "//cdn.example/x",
        "http://a.example",
        "HTTPS://a.example",
        "about:blank",
    ):
        assert loaded_from(tmp_path, f"name: a\nurl: '{url}'\n").scenario.url == url
    text = "name: a\nurl: file:///tmp/a.html\nsteps:\n  - goto: file:///tmp/b.html\n"
    assert loaded_from(tmp_path, text, allow_file_urls=True).scenario.url == "file:///tmp/a.html"


def test_environment_variables_are_substituted_and_kept_as_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHOP_HOST", "https://staging.example")
    monkeypatch.setenv("SHOP_PASSWORD", "correct-horse-42")
    monkeypatch.setenv("SHOP_TIMEOUT", "5000")
    monkeypatch.setenv("EMPTY", "")
    loaded = loaded_from(
        tmp_path,
        """\
        name: a
        url: ${SHOP_HOST}/login
        timeout_ms: ${SHOP_TIMEOUT}
        title: "costs $${PRICE}${EMPTY}"
        steps:
          - fill: {selector: "#password", value: "${SHOP_PASSWORD}"}
          - fill:
              selector: "#again"
              value: ${SHOP_PASSWORD}
        """,
    )
    assert loaded.scenario.url == "https://staging.example/login"
    assert loaded.scenario.timeout_ms == 5000
    assert loaded.scenario.title == "costs ${PRICE}"
    assert [step.fill.value for step in loaded.scenario.steps] == ["correct-horse-42"] * 2  # type: ignore[union-attr]
    assert loaded.secrets == ("https://staging.example", "correct-horse-42", "5000")


def test_line_numbers_of_url_and_steps(tmp_path: Path) -> None:
    loaded = loaded_from(
        tmp_path,
        """\
        # a comment
        name: a
        url: /x
        steps:
          - click: "#a"

          - name: long
            fill: {selector: "#b", value: c}
          - snapshot: end
        """,
    )
    assert (loaded.url_line, loaded.step_lines) == (3, (5, 7, 9))
    assert [loaded.location(i) for i in (0, 2)] == [
        f"{tmp_path / 'ok.yaml'}:3",
        f"{tmp_path / 'ok.yaml'}:7",
    ]


def test_device_preset_is_overridden_by_explicit_keys(tmp_path: Path) -> None:
    (tmp_path / "state.json").write_text('{"cookies": [], "origins": []}')
    loaded = loaded_from(
        tmp_path,
        "name: a\nurl: /x\ndevice: iPhone 13\nviewport: {width: 400, height: 900}\nlocale: zh-CN\n"
        "storage_state: state.json\n",
    )
    options = loaded.scenario.context_options()
    assert options["viewport"] == {"width": 400, "height": 900}
    assert options["locale"] == "zh-CN"
    assert options["storage_state"] == str(tmp_path / "state.json")
    assert "iPhone" in options["user_agent"]
    assert (options["is_mobile"], options["has_touch"], options["device_scale_factor"]) == (True, True, 3)
    assert "default_browser_type" not in options


def test_expected_steps_resolve_to_observation_indexes(tmp_path: Path) -> None:
    loaded = loaded_from(
        tmp_path,
        """\
        name: a
        url: /x
        steps:
          - click: "#a"
          - snapshot: form
          - {name: submit, click: "#go"}
        expect:
          controls:
            - {label: a, step: 0}
            - {label: a, step: form}
            - {label: a, step: submit}
            - {label: a}
            - {label: a, checked: null}
        """,
    )
    assert loaded.scenario.expect is not None
    controls = loaded.scenario.expect.controls
    assert [c.index for c in controls] == [0, 2, 3, 3, 3]
    assert [c.expects_checked for c in controls] == [False] * 4 + [True]


# Hostile or broken files fail fast with exit 2 and a message; the timeout is a hang guard, not a measure.

BILLION_LAUGHS = """\
name: a
url: /x
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""

LIMIT_CASES = {
    "alias-bomb": (BILLION_LAUGHS, "bad.yaml:7: this document holds more than 50,000 values"),
    "nested-5000": (
        "name: a\nurl: /x\nx: " + "[" * 5000 + "\n",
        "bad.yaml:3: nested more than 64 levels deep",
    ),
    "two-megabytes": (
        "name: a\nurl: /x\ndescription: '" + "x" * 2_000_000 + "'\n",
        "bad.yaml:1: the file has 2,000,032 bytes; a scenario file may have at most 1 MiB",
    ),
    "1001-steps": (
        "name: a\nurl: /x\nsteps:\n" + "  - snapshot: s\n" * 1001,
        "bad.yaml:3: steps: a scenario has at most 1,000 steps, this one has 1,001",
    ),
}


@pytest.mark.parametrize("case", LIMIT_CASES)
def test_hostile_files_fail_fast(tmp_path: Path, case: str) -> None:
    text, expected = LIMIT_CASES[case]
    (tmp_path / "bad.yaml").write_text(text)

    done = run_cli("validate", str(tmp_path / "bad.yaml"), timeout=60)

    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(f"{tmp_path}/{expected}"), done.stderr
    assert "Traceback" not in done.stderr


def test_limits_hold_without_libyaml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bounded_yaml, "_LibyamlLoader", None)
    for text, expected in LIMIT_CASES.values():
        assert any(expected in problem for problem in problems_of(tmp_path, text)), expected
    self_reference = problems_of(tmp_path, "name: a\nurl: /x\nx: &a [1, *a]\n")
    assert self_reference == ["bad.yaml:3: alias *a refers to a collection that contains it"]
