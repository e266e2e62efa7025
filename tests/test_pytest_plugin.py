"""`pytest` on YAML scenarios: real pytest in a subprocess, real Chromium, pages on a loopback server."""

from __future__ import annotations

import json
import sqlite3
import stat
import textwrap
import zipfile
from pathlib import Path

import playwright
import pytest

from crawler.pytest_plugin import looks_like_scenario
from crawler.server import SiteServer
from crawler.store import Store

pytest_plugins = ("pytester",)

REPO = Path(__file__).resolve().parent.parent

PASSING = """
name: passing
url: /qa/clean.html
tags: [checkout, skip]
steps:
  - check: "#terms"
  - click: "#submit"
expect:
  findings: none
  controls:
    - label: Terms of Service
      checked: true
"""
FAILING_EXPECTATION = """
name: failing-expectation
url: /qa/clean.html
steps:
  - name: submit
    click: "#submit"
expect:
  controls:
    - label: Terms of Service
      step: submit
      checked: true
"""
FINDING = """
name: finding
url: /qa/preticked.html
tags: [orders]
"""
MISSING_STEP = """
name: missing-step
url: /qa/clean.html
steps:
  - click: "#no-such-button"
    timeout_ms: 500
"""
PROBE = """
name: probe
url: /qa/probe.html
steps:
  - click: "#press"
"""


def write(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")


def stand_in_ffmpeg(root: Path) -> Path:
    """Playwright pipes a recorded page's frames (a Matroska stream) to ffmpeg, which `playwright install
    ffmpeg` downloads; without internet a stand-in writes the stream as it comes to the output file."""
    browsers = json.loads((Path(playwright.__file__).parent / "driver/package/browsers.json").read_text())
    revision = next(b["revision"] for b in browsers["browsers"] if b["name"] == "ffmpeg")
    ffmpeg = root / f"ffmpeg-{revision}" / "ffmpeg-linux"
    ffmpeg.parent.mkdir(parents=True)
    ffmpeg.write_text('#!/bin/sh\nfor last; do :; done\nexec cat > "$last"\n')
    ffmpeg.chmod(ffmpeg.stat().st_mode | stat.S_IXUSR)
    return root


def labels(db: Path, name: str) -> set[str]:
    with Store(db, readonly=True) as store:
        (run_id,) = store.run_ids()
        for scenario_run_id in store.scenario_run_ids(run_id=run_id):
            result = store.load_scenario(scenario_run_id)
            if result.name == name:
                return {c.label for c in result.steps[-1].controls}
    raise AssertionError(f"no scenario {name} in {db}")


@pytest.mark.slow
def test_scenarios_pass_or_fail_with_reasons_results_and_artifacts(
    pytester: pytest.Pytester, site: SiteServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(
        pytester.path / "scenarios",
        {
            "passing.yaml": PASSING,
            "failing-expectation.yaml": FAILING_EXPECTATION,
            "finding.yaml": FINDING,
            "missing-step.yaml": MISSING_STEP,
        },
    )
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(stand_in_ffmpeg(pytester.path / "browsers")))
    out, db = pytester.path / "out", pytester.path / "qa.db"
    result = pytester.runpytest_subprocess(
        "scenarios",
        "--base-url",
        site.url,
        "--crawler-db",
        str(db),
        "--tracing",
        "retain-on-failure",
        "--screenshot",
        "only-on-failure",
        "--video",
        "retain-on-failure",
        "--output",
        str(out),
        "-p",
        "no:cacheprovider",
        timeout=300,
    )
    text = result.stdout.str()
    result.assert_outcomes(passed=1, failed=3)
    result.stdout.fnmatch_lines(
        [
            "*scenario failing-expectation (scenarios/failing-expectation.yaml): failed",
            "*  expectation failed: expected “Terms of Service” at step “submit” (1) to be checked, "
            "but it was unchecked",
            "*scenario finding (scenarios/finding.yaml): findings",
            "*  finding preselected-consent (high) at step 0 on “I consent to marketing emails from "
            "partners”: *",
            "*scenario missing-step (scenarios/missing-step.yaml): error",
            "*  error: step 1 (click '#no-such-button') at scenarios/missing-step.yaml:4 on "
            f"{site.url}/qa/clean.html: Timeout 500ms exceeded: nothing matched #no-such-button*",
            "*  the page when it failed: *failure.jpg",
        ],
        consecutive=False,
    )
    assert "Traceback" not in text
    failing = ("failing-expectation", "finding", "missing-step")
    for name in (*failing, "passing"):
        folder = out / f"scenarios-{name}-yaml-{name}"
        kept = sorted(p.name for p in folder.iterdir()) if folder.exists() else []
        if name in failing:
            assert kept == ["test-failed-1.png", "trace.zip", "video.webm"], name
            assert (folder / "video.webm").read_bytes()[:4] == b"\x1a\x45\xdf\xa3", "a Matroska stream"
            assert f"trace: playwright show-trace {folder / 'trace.zip'}" in text
        else:
            assert kept == [], "a passing item keeps nothing with retain-on-failure / only-on-failure"
    with sqlite3.connect(db) as conn:
        rows = dict(conn.execute("select name, status from scenario_runs").fetchall())
        traces = dict(conn.execute("select name, trace from scenario_runs").fetchall())
        (run_status,) = conn.execute("select status from runs").fetchone()
        shot = conn.execute(
            "select error_screenshot from scenario_runs where name = 'missing-step'"
        ).fetchone()
    assert rows == {
        "passing": "ok",
        "failing-expectation": "failed",
        "finding": "findings",
        "missing-step": "error",
    }
    assert run_status == "completed"
    assert traces["passing"] is None and all(traces[name] for name in failing)
    assert (db.parent / shot[0]).stat().st_size > 1000
    assert f"the page when it failed: {db.parent / shot[0]}" in text


def gap_after_click_ms(trace: Path) -> float:
    """How long the browser held back its answer to the click: slow_mo waits after each action, before the
    next call can start (Playwright's trace records when each call started and ended)."""
    with zipfile.ZipFile(trace) as archive:
        events = [json.loads(line) for line in archive.read("trace.trace").splitlines()]
    calls = [e for e in events if e["type"] in ("before", "after")]
    click = next(e["callId"] for e in calls if e["type"] == "before" and e.get("method") == "click")
    position = next(i for i, e in enumerate(calls) if e["type"] == "after" and e["callId"] == click)
    after = calls[position + 1]
    return float(after["startTime"]) - float(calls[position]["endTime"])


@pytest.mark.slow
def test_device_and_slowmo_reach_the_browser(pytester: pytest.Pytester, site: SiteServer) -> None:
    write(pytester.path, {"probe.yaml": PROBE})
    plain = pytester.runpytest_subprocess(
        "probe.yaml", "--base-url", site.url, "--crawler-db", "plain.db", timeout=180
    )
    plain.assert_outcomes(passed=1)
    options = ("--device", "Pixel 7", "--slowmo", "1000", "--tracing", "on", "--output", "out")
    emulated = pytester.runpytest_subprocess(
        "probe.yaml", "--base-url", site.url, "--crawler-db", "pixel.db", *options, timeout=180
    )
    emulated.assert_outcomes(passed=1)
    assert {"viewport 1280x720", "touch no", "agent desktop"} <= labels(pytester.path / "plain.db", "probe")
    assert {"viewport 412x839", "touch yes", "agent Pixel 7"} <= labels(pytester.path / "pixel.db", "probe")
    assert gap_after_click_ms(pytester.path / "out/probe-yaml-probe/trace.zip") >= 1000


def test_headed_and_channel_reach_the_launch(
    pytester: pytest.Pytester, site: SiteServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(pytester.path, {"probe.yaml": PROBE})
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    headed = pytester.runpytest_subprocess("probe.yaml", "--base-url", site.url, "--headed", timeout=120)
    headed.assert_outcomes(failed=1)
    headed.stdout.fnmatch_lines(["Chromium at * would not start: *", "A headed browser needs a display*"])
    channel = pytester.runpytest_subprocess(
        "probe.yaml", "--base-url", site.url, "--browser-channel", "chrome", timeout=120
    )
    channel.assert_outcomes(failed=1)
    channel.stdout.fnmatch_lines(["*The 'chrome' channel's browser would not start: *chrome*"])


def test_only_scenarios_are_collected_and_tags_are_markers(pytester: pytest.Pytester) -> None:
    write(
        pytester.path,
        {
            "passing.yaml": PASSING,
            "finding.yaml": FINDING,
            "ci/nightly.yml": "name: nightly\non: {schedule: [{cron: '0 2 * * *'}]}\n",
            "truth.yaml": "pages:\n  kinds:\n    url: /kinds.html\n",
            "deploy.yaml": "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: crawler\n",
        },
    )
    everything = pytester.runpytest_subprocess(".", "--collect-only", "-q", "--strict-markers")
    assert everything.ret == 0, everything.stdout.str()
    everything.stdout.fnmatch_lines(["finding.yaml::finding", "passing.yaml::passing", "2 tests collected*"])
    tagged = pytester.runpytest_subprocess(".", "--collect-only", "-q", "--strict-markers", "-m", "checkout")
    tagged.stdout.fnmatch_lines(["passing.yaml::passing", "1/2 tests collected (1 deselected)*"])


def test_an_invalid_scenario_is_a_collection_error_with_file_and_line(pytester: pytest.Pytester) -> None:
    write(pytester.path, {"broken.yaml": "name: broken\nurl: /qa/clean.html\nstepz: []\n"})
    result = pytester.runpytest_subprocess("broken.yaml", "--collect-only")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(["*broken.yaml:3: unknown key 'stepz'; did you mean 'steps'?*"])
    assert "Traceback" not in result.stdout.str()


def test_yaml_that_is_not_a_scenario_is_left_alone() -> None:
    others = [
        REPO / "tests/pages/gallery/truth.yaml",
        REPO / "tests/pages/cmp/truth.yaml",
        REPO / "crawler/lexicon/en.yaml",
        *(REPO / "docs/deploy").rglob("*.y*ml"),
    ]
    assert len(others) > 5
    assert [p for p in others if looks_like_scenario(p)] == []
    assert all(looks_like_scenario(p) for p in (REPO / "scenarios").glob("*.yaml"))


@pytest.mark.slow
def test_the_demo_scenarios_pass_against_the_demo_site(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess(
        str(REPO / "scenarios"), "-p", "no:cacheprovider", "-v", timeout=600
    )
    result.assert_outcomes(passed=5)
    result.stdout.fnmatch_lines(["*annual-report-2017.yaml::annual-report-2017 PASSED*"], consecutive=False)
