"""End to end: YAML journey -> real Chromium -> pages on a loopback server -> SQLite and JSON."""

from __future__ import annotations

import socket
import sqlite3
from typing import Any

from crawler.server import SiteServer
from tests.conftest import Crawl


def controls(step: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["label"]: c for c in step["controls"]}


def finding_pairs(crawl: Crawl, name: str) -> set[tuple[str, str, int]]:
    return {(f["rule"], f["label"], f["step"]) for f in crawl.scenario(name)["findings"]}


def test_step_actions_change_what_the_page_shows(crawl: Any) -> None:
    result = crawl(
        {
            "steps": """
        name: steps
        url: /steps.html
        steps:
          - click: "#btn"
          - wait_for: "#late"
          - fill: {selector: "#phone", value: "123"}
          - press: {selector: "#q", key: Enter}
          - select: {selector: "#country", value: CN}
          - hover: "#menu"
          - check: "#box"
          - uncheck: "#box"
          - scroll: bottom
          - scroll: top
          - scroll: "#bottom"
          - wait_for: {ms: 50}
          - snapshot: before-leaving
          - goto: /steps-next.html
          - wait_for: {url: "**/steps-next.html"}
        """
        }
    )
    assert result.code == 0, result.stderr
    scenario = result.scenario("steps")
    steps = scenario["steps"]
    assert [s["action"] for s in steps] == [
        "open",
        "click",
        "wait_for",
        "fill",
        "press",
        "select",
        "hover",
        "check",
        "uncheck",
        "scroll",
        "scroll",
        "scroll",
        "wait_for",
        "snapshot",
        "goto",
        "wait_for",
    ]
    assert [s["index"] for s in steps] == list(range(16))
    witness = {
        name: step
        for name, step in zip(
            [
                "open",
                "click",
                "wait",
                "fill",
                "press",
                "select",
                "hover",
                "check",
                "uncheck",
                "bottom",
            ],
            steps,
            strict=False,
        )
    }
    assert controls(witness["open"])["witness: clicked"]["checked"] is False
    assert controls(witness["click"])["witness: clicked"]["checked"] is True
    assert controls(witness["fill"])["witness: filled"]["checked"] is True
    assert controls(witness["press"])["witness: pressed"]["checked"] is True
    assert controls(witness["select"])["witness: selected"]["checked"] is True
    assert controls(witness["hover"])["witness: hovered"]["checked"] is True
    assert controls(witness["check"])["newsletter subscription box"]["checked"] is True
    assert controls(witness["uncheck"])["newsletter subscription box"]["checked"] is False
    assert controls(witness["bottom"])["witness: scrolled"]["checked"] is True
    assert steps[13]["name"] == "before-leaving"
    assert steps[14]["url"].endswith("/steps-next.html")
    assert "witness: second page" in controls(steps[15])
    assert scenario["findings"] == []


def test_every_control_kind_in_every_place(crawl: Any, other_site: SiteServer) -> None:
    result = crawl(
        {
            "kinds": f"""
        name: kinds
        url: /kinds.html?other={other_site.url}
        """
        }
    )
    assert result.doc is not None, result.stderr
    seen = controls(result.scenario("kinds")["steps"][0])
    expected_main = {
        "I agree to share my data with partners": ("checkbox", True),
        "Radio main": ("radio", False),
        "Role checkbox main": ("checkbox", True),
        "Switch main": ("switch", False),
        "Role radio main": ("radio", True),
        "Menu item main": ("menuitemcheckbox", None),
    }
    for label, (kind, checked) in expected_main.items():
        assert (seen[label]["kind"], seen[label]["checked"], seen[label]["shadow"]) == (
            kind,
            checked,
            False,
        )
    assert (seen["Checkbox in shadow"]["kind"], seen["Checkbox in shadow"]["shadow"]) == (
        "checkbox",
        True,
    )
    assert (seen["Switch in shadow"]["kind"], seen["Switch in shadow"]["checked"]) == (
        "switch",
        True,
    )
    for where, origin in (
        ("same-origin", result.doc["run"]["base_url"]),
        ("cross-origin", other_site.url),
    ):
        frame = {
            "Checkbox": ("checkbox", True),
            "Radio": ("radio", False),
            "Role checkbox": ("checkbox", False),
            "Switch": ("switch", True),
            "Role radio": ("radio", False),
            "Menu item": ("menuitemcheckbox", True),
        }
        for label, (kind, checked) in frame.items():
            control = seen[f"{label} in {where}"]
            assert (control["kind"], control["checked"]) == (kind, checked), control
            assert control["frame_url"].startswith(origin + "/kinds-frame.html"), control
    assert seen["I agree to share my data with partners"]["consent"] is True
    assert seen["Radio main"]["consent"] is False


def test_control_inserted_after_load_is_seen_and_preselected(crawl: Any) -> None:
    result = crawl({"late": "name: late\nurl: /late.html\n"})
    assert result.code == 1, result.stderr
    step = result.scenario("late")["steps"][0]
    assert controls(step)["I consent to marketing emails"]["checked"] is True
    assert step["settle_ms"] >= 500
    assert finding_pairs(result, "late") == {("preselected-consent", "I consent to marketing emails", 0)}


def test_box_ticked_by_page_script_after_a_click_elsewhere(crawl: Any) -> None:
    result = crawl(
        {
            "sneaky": """
        name: sneaky
        url: /sneaky.html
        steps:
          - click: "#continue"
        """
        }
    )
    assert result.code == 1, result.stderr
    assert finding_pairs(result, "sneaky") == {
        ("consent-changed-without-action", "Share my data with advertising partners", 1),
        ("consent-changed-without-action", "Send me marketing emails", 1),
    }


def test_box_the_scenario_ticks_itself_is_no_finding(crawl: Any) -> None:
    result = crawl(
        {
            "user": """
        name: user
        url: /user-ticks.html
        steps:
          - check: "#marketing"
          - click: "text=I agree to the Terms of Service"
        """
        }
    )
    assert result.code == 0, (result.stderr, result.doc)
    last = controls(result.scenario("user")["steps"][-1])
    assert last["Send me marketing emails and offers"]["checked"] is True
    assert last["I agree to the Terms of Service"]["checked"] is True
    assert result.scenario("user")["findings"] == []


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_site_down_is_an_error_and_the_other_scenarios_are_stored(crawl: Any) -> None:
    down_url = f"http://127.0.0.1:{closed_port()}/annual-report"
    result = crawl(
        {
            "a-down": f"name: a-down\nurl: {down_url}\n",
            "b-up": "name: b-up\nurl: /late.html\n",
            "c-missing-selector": """
            name: c-missing-selector
            url: /user-ticks.html
            steps:
              - click: "#does-not-exist"
                timeout_ms: 500
            """,
        }
    )
    assert result.code == 3, result.stderr
    down = result.scenario("a-down")
    assert down["status"] == "error"
    assert down["error"].startswith(f"step 0 (open {down_url}) at ")
    assert "a-down.yaml:2: net::ERR_CONNECTION_REFUSED" in down["error"]
    missing = result.scenario("c-missing-selector")
    assert missing["status"] == "error"
    assert "step 1 (click '#does-not-exist') at " in missing["error"]
    assert "c-missing-selector.yaml:5 on http" in missing["error"]
    assert "/user-ticks.html: Timeout 500ms exceeded: nothing matched #does-not-exist" in missing["error"]
    assert len(missing["steps"]) == 1, "the steps before the failure are kept"
    assert result.scenario("b-up")["status"] == "findings"
    with sqlite3.connect(result.db) as db:
        rows = dict(db.execute("select name, status from scenario_runs").fetchall())
        run_status = db.execute("select status from runs").fetchone()[0]
    assert rows == {"a-down": "error", "b-up": "findings", "c-missing-selector": "error"}
    assert run_status == "completed"
    assert "Traceback" not in result.stderr


def test_results_land_in_sqlite(crawl: Any) -> None:
    result = crawl({"late": "name: late\nurl: /late.html\n"})
    with sqlite3.connect(result.db) as db:
        assert db.execute("pragma journal_mode").fetchone()[0] == "wal"
        assert db.execute("pragma user_version").fetchone()[0] >= 1
        finding = db.execute(
            "select f.rule, f.severity, c.label, s.idx from findings f"
            " join controls c on c.id = f.control_id"
            " join scenario_runs r on r.id = f.scenario_run_id"
            " join steps s on s.scenario_run_id = r.id and s.idx = f.step_idx"
        ).fetchall()
        screenshot = db.execute("select screenshot from steps").fetchone()[0]
    assert finding == [("preselected-consent", "high", "I consent to marketing emails", 0)]
    assert (result.db.parent / screenshot).stat().st_size > 1000
