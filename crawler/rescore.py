"""Today's rules over stored history: after a rule or a threshold changes, the nights already crawled are
judged again from what was observed then. The observations and screenshots stay as they are; findings and
their crops are replaced."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from crawler import evidence, rules
from crawler.models import Thresholds
from crawler.results import Finding, Status
from crawler.store import Store


@dataclass(frozen=True)
class Rescored:
    run_id: str
    scenario: str
    before: int
    after: int


def rescore(
    store: Store, since: str = "", thresholds: Mapping[str, Thresholds] | None = None
) -> list[Rescored]:
    """Judge every stored scenario run started on or after `since` (ISO date) again; `thresholds` overrides
    a scenario's stored thresholds by name (from today's scenario files)."""
    changes = []
    root = store.path.parent
    for scenario_run_id in store.scenario_run_ids(since=since):
        result = store.load_scenario(scenario_run_id)
        limits = (thresholds or {}).get(result.name, result.thresholds)
        findings = rules.evaluate(result.steps, limits, complete=result.complete)
        if any(step.screenshot for step in result.steps):
            findings = evidence.attach(findings, result.steps, root, store.relative)
        _forget_unused_crops(root, result.steps[0].screenshot if result.steps else None, findings)
        before = len(result.findings)
        store.replace_findings(scenario_run_id, result.name, findings)
        if result.status in (Status.OK, Status.FINDINGS):
            store.set_status(scenario_run_id, Status.FINDINGS if findings else Status.OK)
        changes.append(
            Rescored(store.scenario_run_run_id(scenario_run_id), result.name, before, len(findings))
        )
    return changes


def _forget_unused_crops(root: Path, any_screenshot: str | None, findings: list[Finding]) -> None:
    """No image stays on disk that no finding refers to."""
    if not any_screenshot:
        return
    used = {str(f.evidence.get("crop")) for f in findings}
    for crop in (root / any_screenshot).parent.glob("*-finding-*.jpg"):
        if crop.relative_to(root).as_posix() not in used:
            crop.unlink(missing_ok=True)
