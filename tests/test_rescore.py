"""`crawler rescore` judges stored nights again: a threshold raised today applies to last month's crawls."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from tests.conftest import run_cli


def findings(db: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(db) as conn:
        return sorted(conn.execute("select rule, label from findings_with_context").fetchall())


def test_rescore_applies_a_raised_threshold_to_a_stored_night(crawl: Any, tmp_path: Path) -> None:
    result = crawl({"checkout": "name: checkout\nurl: /consent/small-print.html\nsettle: {quiet_ms: 200}\n"})
    label = "Send me offers from our partners"
    assert findings(result.db) == [("preselected-consent", label)], "13 px passes the default 12 px"

    scenario = tmp_path / "scenarios" / "checkout.yaml"
    scenario.write_text(scenario.read_text() + "thresholds: {min_font_px: 14}\n")
    done = run_cli("rescore", str(scenario.parent), "--db", str(result.db))

    assert done.returncode == 0, done.stderr
    assert "checkout: 1 → 2 findings" in done.stderr
    assert findings(result.db) == [("inconspicuous-consent", label), ("preselected-consent", label)]
    with sqlite3.connect(result.db) as conn:
        measures, evidence = conn.execute(
            "select measures, evidence from findings where rule = 'inconspicuous-consent'"
        ).fetchone()
        status = conn.execute("select status from scenario_runs").fetchone()[0]
    assert json.loads(measures)["label_font_px"] == {"value": 13.0, "threshold": 14.0, "failed": True}
    assert json.loads(evidence)["crop"], "evidence is cut from the stored screenshot, no browser needed"
    assert status == "findings"

    again = run_cli("rescore", "--db", str(result.db))
    assert again.returncode == 0, again.stderr
    assert findings(result.db) == [("preselected-consent", label)], "without files, stored thresholds apply"
