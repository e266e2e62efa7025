"""Matching a truth file's controls and findings to a crawl's JSON document (tests/test_*gallery.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import run_cli


@dataclass
class Run:
    code: int
    stderr: str
    db: Path
    doc: dict[str, Any]

    def scenario(self, name: str) -> dict[str, Any]:
        found: list[dict[str, Any]] = [s for s in self.doc["scenarios"] if s["name"] == name]
        assert len(found) == 1, f"scenario {name!r} missing from the JSON document"
        return found[0]


def crawl_all(folder: Path, scenarios: dict[str, dict[str, Any]], base_url: str) -> Run:
    """Write each scenario (name -> scenario keys) as a YAML file and crawl them all in one `crawler run`."""
    (folder / "scenarios").mkdir()
    for name, scenario in scenarios.items():
        text = yaml.safe_dump({"name": name, **scenario}, allow_unicode=True, sort_keys=False)
        (folder / "scenarios" / f"{name}.yaml").write_text(text, encoding="utf-8")
    db, out = folder / "crawl.db", folder / "out.json"
    done = run_cli(
        "run",
        str(folder / "scenarios"),
        "--db",
        str(db),
        "--json",
        str(out),
        "--base-url",
        base_url,
        "--concurrency",
        "2",
    )
    assert out.exists(), f"no JSON document (exit {done.returncode}):\n{done.stderr}"
    return Run(done.returncode, done.stderr, db, json.loads(out.read_text(encoding="utf-8")))


def truth_id(spec: dict[str, Any]) -> str:
    return str(spec.get("id") or spec["label"] or spec["near"])


def shown(control: dict[str, Any]) -> str:
    return str(control["label"] or control["nearby_text"])


def locate(controls: list[dict[str, Any]], spec: dict[str, Any]) -> tuple[dict[str, Any] | None, str]:
    """The one control a truth entry describes: label substring (an exact label wins), then nearby text."""
    label, near = spec["label"], spec.get("near")
    if label == "":
        candidates = [c for c in controls if near and near in c["nearby_text"]]
    else:
        candidates = [c for c in controls if label in c["label"]]
        candidates = [c for c in candidates if c["label"] == label] or candidates
        if near is not None:
            candidates = [c for c in candidates if near in c["nearby_text"]]
    if len(candidates) == 1:
        return candidates[0], ""
    seen = [(c["kind"], c["label"], c["nearby_text"][:50]) for c in controls]
    return None, f"{truth_id(spec)}: {len(candidates)} controls match it; the crawler reported {seen}"


def state_problems(spec: dict[str, Any], control: dict[str, Any]) -> list[str]:
    """What the crawler got wrong about one control's kind, state, class and place (empty when right)."""
    name = truth_id(spec)
    problems = []

    def expect(field: str, expected: Any, got: Any) -> None:
        if got != expected:
            problems.append(f"{name}: {field} expected {expected!r}, got {got!r}")

    expect("kind", spec["kind"], control["kind"])
    expect("checked", spec["checked"], control["checked"])
    expect("consent", spec["consent"], control["consent"])
    expect("visible", spec.get("visible", True), control["visible"])
    if spec["label"] == "":
        expect("label", "", control["label"])
    if "disabled" in spec:
        expect("disabled", spec["disabled"], control["disabled"])
    if "refusal" in spec:
        expect("refusal", spec["refusal"], control.get("refusal", "<no refusal field>"))
    mode = spec.get("shadow")
    expect("shadow", mode is not None, control["shadow"])
    if mode is not None:
        expect("shadow_mode", mode, control["shadow_mode"])
    return problems


def coverage_problems(step: dict[str, Any]) -> list[str]:
    """A step that did not settle or left something uninspected: nothing on a gallery page is out of reach."""
    if step["settled"] and not step["not_checked"]:
        return []
    return [f"step {step['index']}: settled {step['settled']}, not checked {step['not_checked']}"]


def finding_problems(
    expected_findings: list[dict[str, Any]],
    findings: list[dict[str, Any]],
    ids: dict[str, str],
    labels: dict[tuple[int, str], str],
) -> list[str]:
    """Compare the exact set of (rule, truth id, step) findings, then each expected finding's details.

    `ids` maps a control key to its truth id; `labels` maps (step, key) to what the control shows there.
    """
    problems = []
    got = {(f["rule"], ids.get(f["control"], f"<unexpected: {f['label']}>"), f["step"]): f for f in findings}
    expected = {(f["rule"], f["control"], f["step"]): f for f in expected_findings}
    if got.keys() != expected.keys():
        problems.append(
            f"findings: missing {sorted(expected.keys() - got.keys())}, "
            f"extra {sorted(got.keys() - expected.keys())}"
        )
    for ident, want in expected.items():
        finding = got.get(ident)
        if finding is None:
            continue
        what = f"{want['rule']} on {want['control']}"
        label = labels.get((finding["step"], finding["control"]))
        if finding["label"] != label:
            problems.append(f"{what}: labelled {finding['label']!r}, the control shows {label!r}")
        if "severity" in want and finding["severity"] != want["severity"]:
            problems.append(f"{what}: severity expected {want['severity']!r}, got {finding['severity']!r}")
        if "failed" in want:
            failed = sorted(n for n, m in finding["measures"].items() if m.get("failed"))
            if failed != sorted(want["failed"]):
                problems.append(
                    f"{what}: failed measures expected {sorted(want['failed'])}, got {failed} "
                    f"({finding['measures']})"
                )
    return problems
