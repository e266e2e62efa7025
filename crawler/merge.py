"""Combine shard databases into one: each shard's runs, scenarios and screenshots, once.

Shards of one night share a run id (`--run-id`), so their scenarios land in one run. A scenario already in
the target (same run, same name) is skipped, which makes merging the same shard twice change nothing.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from crawler.errors import StoreError
from crawler.results import Finding, Observation, ScenarioResult
from crawler.store import Store


@dataclass
class Merged:
    added: int = 0
    skipped: int = 0
    runs: int = 0


def merge(out: str | Path, sources: Sequence[str | Path]) -> Merged:
    merged = Merged()
    with Store(out) as target:
        for source_path in sources:
            if Path(source_path).resolve() == Path(out).resolve():
                raise StoreError(f"{source_path} is the output database; merge other files into it")
            with Store(source_path, readonly=True) as source:
                _merge_one(source, target, merged)
    return merged


def _merge_one(source: Store, target: Store, merged: Merged) -> None:
    for run_id in source.run_ids():
        run = source.run_header(run_id)
        changed = False
        for scenario_run_id in source.scenario_run_ids(run_id=run_id):
            result = source.load_scenario(scenario_run_id)
            if target.has_scenario_run(run_id, result.name):
                merged.skipped += 1
                continue
            if not changed:
                target.upsert_run(run)
                changed = True
            target.save_scenario(run_id, _relocate(result, source, target, run_id))
            merged.added += 1
        if changed:
            merged.runs += 1
            widened = target.run_header(run_id)
            target.finish_run(replace(widened, status=widened.status))


def _relocate(result: ScenarioResult, source: Store, target: Store, run_id: str) -> ScenarioResult:
    """Copy the scenario's images beside the target database and point the result at the copies."""
    folder = target.screenshot_dir(run_id, result.name)

    def move(path: str | None) -> str | None:
        if not path:
            return path
        origin = source.path.parent / path
        destination = folder / Path(path).name
        if origin.is_file():
            destination.parent.mkdir(parents=True, exist_ok=True)
            _link_or_copy(origin, destination)
        return target.relative(destination)

    def move_finding(finding: Finding) -> Finding:
        evidence = dict(finding.evidence)
        for key in ("screenshot", "crop"):
            if isinstance(evidence.get(key), str):
                evidence[key] = move(evidence[key])
        return replace(finding, evidence=evidence)

    def move_step(step: Observation) -> Observation:
        return replace(step, screenshot=move(step.screenshot))

    return replace(
        result,
        steps=[move_step(s) for s in result.steps],
        findings=[move_finding(f) for f in result.findings],
        error_screenshot=move(result.error_screenshot),
        trace=move(result.trace),
    )


def _link_or_copy(origin: Path, destination: Path) -> None:
    if destination.exists():
        return
    try:
        os.link(origin, destination)
    except OSError:
        shutil.copy2(origin, destination)
