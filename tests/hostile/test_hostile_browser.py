"""The browser dies under the crawl: killed from outside, as the OOM killer or an operator would."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import poll, process_stats
from tests.hostile.conftest import HostileSite, scenario


def children(pid: int) -> list[int]:
    return [child for child, fields in process_stats() if int(fields[1]) == pid]


def browser_process(root: int) -> int | None:
    """The Chromium browser process among `root`'s descendants (its renderers carry --type=)."""
    pending = [root]
    while pending:
        pid = pending.pop()
        try:
            argv = (Path("/proc") / str(pid) / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"chrom" in argv[0] and not any(a.startswith(b"--type=") for a in argv):
            return pid
        pending.extend(children(pid))
    return None


@pytest.mark.slow
def test_the_crawl_goes_on_when_chromium_is_killed(tmp_path: Path, hostile_site: HostileSite) -> None:
    folder = tmp_path / "scenarios"
    folder.mkdir()
    # The victim is killed while it waits on its page; the others run before and after.
    (folder / "s1.yaml").write_text(scenario("s1", "/tab.html?victim", "- wait_for: {ms: 3000}"))
    for name in ("s0", "s2", "s3"):
        (folder / f"{name}.yaml").write_text(scenario(name, "/tab.html"))
    db, out = tmp_path / "crawl.db", tmp_path / "out.json"
    command = ["run", str(folder), "--db", str(db), "--json", str(out), "--base-url", hostile_site.url]
    crawl = subprocess.Popen(
        [sys.executable, "-m", "crawler", *command, "--concurrency", "1", "--retries", "1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        poll(
            lambda: "/tab.html?victim" in hostile_site.requested,
            "the victim's page to be requested",
            seconds=120,
        )
        chromium = browser_process(crawl.pid)
        assert chromium is not None, "no Chromium among the crawler's processes"
        os.kill(chromium, signal.SIGKILL)
        _, stderr = crawl.communicate(timeout=180)
    finally:
        if crawl.poll() is None:
            os.killpg(crawl.pid, signal.SIGKILL)

    assert crawl.returncode == 1, stderr  # findings: every scenario ended up observed, none failed
    assert "Traceback" not in stderr
    doc = json.loads(out.read_text())
    assert doc["run"]["status"] == "completed"
    scenarios = {s["name"]: s for s in doc["scenarios"]}
    assert sorted(scenarios) == ["s0", "s1", "s2", "s3"]
    assert {s["status"] for s in scenarios.values()} == {"findings"}
    killed, retried = scenarios["s1"]["attempts"]
    assert killed["status"] == "error"
    # Killed while opening the page, or while waiting on it: either way the reason says the browser went.
    assert (
        "the browser crashed or was killed" in killed["reason"]
        or "browser has been closed" in killed["reason"]
    )
    assert retried["status"] == "findings"
