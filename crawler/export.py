"""The `--json` document: a contract others parse, so names only ever get added, never renamed."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from crawler.errors import CrawlerError
from crawler.results import Control, Finding, Observation, RunResult, ScenarioResult

FORMAT_VERSION = 1


def run_document(run: RunResult) -> dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
        "run": {
            "id": run.id,
            "started_at": run.started_at,
            "finished_at": run.finished_at,
            "status": run.status,
            "base_url": run.base_url,
        },
        "scenarios": [_scenario(s) for s in run.scenarios],
    }


def write(run: RunResult, path: str | Path) -> None:
    target = Path(path)
    tmp = target.with_name(target.name + ".tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps(run_document(run), ensure_ascii=False, indent=2), encoding="utf-8")
        tmp.replace(target)
    except OSError as exc:
        raise CrawlerError(
            f"cannot write the JSON document to {target} ({exc.strerror}); the run itself is saved "
            "in the database, and `crawler report` still works"
        ) from None


def _scenario(s: ScenarioResult) -> dict[str, Any]:
    return {
        "name": s.name,
        "title": s.title,
        "file": s.file,
        "tags": list(s.tags),
        "status": s.status,
        "error": s.error,
        "started_at": s.started_at,
        "finished_at": s.finished_at,
        "steps": [_step(o) for o in s.steps],
        "findings": [_finding(f) for f in s.findings],
    }


def _step(o: Observation) -> dict[str, Any]:
    return {
        "index": o.index,
        "action": o.action,
        "name": o.name,
        "target": o.target,
        "url": o.url,
        "settle_ms": o.settle_ms,
        "settled": o.settled,
        "screenshot": o.screenshot,
        "not_checked": [asdict(g) for g in o.gaps],
        "controls": [_control(c) for c in o.controls],
    }


def _control(c: Control) -> dict[str, Any]:
    return {
        "key": c.key,
        "kind": c.kind,
        "label": c.label,
        "checked": c.checked,
        "consent": c.consent,
        "visible": c.visible,
        "frame_url": c.frame_url,
        "shadow": c.shadow,
        "role": c.role,
        "label_source": c.label_source,
        "nearby_text": c.nearby_text,
        "context": c.context,
        "purposes": list(c.purposes),
        "refusal": c.refusal,
        "disabled": c.disabled,
        "acted": c.acted,
        "selector": c.selector,
        "shadow_mode": c.shadow_mode,
        "box": asdict(c.box) if c.box else None,
        "in_viewport": c.in_viewport,
        "below_fold": c.below_fold,
        "opacity": c.opacity,
        "covered": c.covered,
        "label_style": asdict(c.label_style) if c.label_style else None,
    }


def _finding(f: Finding) -> dict[str, Any]:
    return {
        "rule": f.rule,
        "step": f.step,
        "control": f.control,
        "label": f.label,
        "severity": f.severity,
        "detail": f.detail,
        "tags": list(f.tags),
        "measures": f.measures,
        "frame_url": f.frame_url,
        "selector": f.selector,
        "evidence": f.evidence,
    }
