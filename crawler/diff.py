"""What changed between two runs: findings new and resolved, controls that appeared, disappeared, changed
state or were reworded.

Steps are compared where both runs have them (same scenario, same step index). Two steps that share an
observation set saw exactly the same thing, so only steps whose sets differ are read. A control's key holds
its normalised label, so a reworded control looks like one key leaving and another arriving: a pair at the
same scenario, step, kind and frame, at the same position or with the same selector, is `label_changed`.

The field names of `Diff.document()` are a contract (README, "Comparing runs"): only ever added to.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crawler.errors import CrawlerError
from crawler.history import History, TrackedFinding
from crawler.queries import Member, Ref, Results, Run


@dataclass(frozen=True)
class ControlChange:
    scenario: str
    step: int
    control: str
    label: str
    kind: str
    consent: bool
    before: dict[str, Any] | None
    after: dict[str, Any] | None

    def document(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "step": self.step,
            "control": self.control,
            "label": self.label,
            "kind": self.kind,
            "consent": self.consent,
            "before": self.before,
            "after": self.after,
        }


@dataclass(frozen=True)
class Diff:
    run_a: Run
    run_b: Run
    new_findings: list[TrackedFinding]
    resolved_findings: list[TrackedFinding]
    appeared: list[ControlChange]
    disappeared: list[ControlChange]
    state_changed: list[ControlChange]
    label_changed: list[ControlChange]
    scenarios_added: list[str]
    scenarios_removed: list[str]

    @property
    def quiet(self) -> bool:
        return not any(
            (
                self.new_findings,
                self.resolved_findings,
                self.appeared,
                self.disappeared,
                self.state_changed,
                self.label_changed,
                self.scenarios_added,
                self.scenarios_removed,
            )
        )

    def document(self) -> dict[str, Any]:
        return {
            "run_a": _run_document(self.run_a),
            "run_b": _run_document(self.run_b),
            "new_findings": [f.document() for f in self.new_findings],
            "resolved_findings": [f.document() for f in self.resolved_findings],
            "appeared": [c.document() for c in self.appeared],
            "disappeared": [c.document() for c in self.disappeared],
            "state_changed": [c.document() for c in self.state_changed],
            "label_changed": [c.document() for c in self.label_changed],
            "scenarios_added": self.scenarios_added,
            "scenarios_removed": self.scenarios_removed,
        }


def _run_document(run: Run) -> dict[str, Any]:
    return {"id": run.id, "started_at": run.started_at, "status": run.status}


def compare(results: Results, history: History, a: Run, b: Run) -> Diff:
    sets_a = results.step_set_ids(a.id)
    sets_b = results.step_set_ids(b.id)
    pairs = [
        (where, sets_a[where], sets_b[where])
        for where in sorted(sets_a.keys() & sets_b.keys())
        if sets_a[where] != sets_b[where]
    ]
    differing = results.differing_refs([(x or 0, y or 0) for _, x, y in pairs])
    changes = _Changes(results)
    for (scenario, step), set_a, set_b in pairs:
        before, after = differing.get((set_a or 0, set_b or 0), ([], []))
        changes.compare(scenario, step, before, after)
    names_a = results.scenario_names(a.id)
    names_b = results.scenario_names(b.id)
    findings = history.changes(b, previous=a, first_seen=False)
    return Diff(
        run_a=a,
        run_b=b,
        new_findings=findings.new,
        resolved_findings=findings.resolved,
        appeared=changes.appeared,
        disappeared=changes.disappeared,
        state_changed=changes.state_changed,
        label_changed=changes.label_changed,
        scenarios_added=sorted(names_b - names_a),
        scenarios_removed=sorted(names_a - names_b),
    )


class _Changes:
    def __init__(self, results: Results) -> None:
        self.results = results
        self.appeared: list[ControlChange] = []
        self.disappeared: list[ControlChange] = []
        self.state_changed: list[ControlChange] = []
        self.label_changed: list[ControlChange] = []

    def compare(self, scenario: str, step: int, before: list[Ref], after: list[Ref]) -> None:
        """`before` and `after` hold the refs of each set that the other set lacks: a control in both
        sets that differs is in both lists, one only in `before` left, one only in `after` arrived."""
        was = {r.control_id: r for r in before}
        now = {r.control_id: r for r in after}
        member = self.results.member
        for ref in after:
            old = was.get(ref.control_id)
            if old is not None and old.state_id != ref.state_id:
                then, current = member(old), member(ref)
                if then.state != current.state:
                    self.state_changed.append(_change(scenario, step, current, then.state, current.state))
        gone = [member(r) for r in before if r.control_id not in now]
        came = [member(r) for r in after if r.control_id not in was]
        for old_member, new in _reworded(gone, came):
            gone.remove(old_member)
            came.remove(new)
            self.label_changed.append(
                _change(
                    scenario,
                    step,
                    new,
                    {"control": old_member.key, "label": old_member.label},
                    {"control": new.key, "label": new.label},
                )
            )
        self.disappeared += [_change(scenario, step, m, m.state, None) for m in gone]
        self.appeared += [_change(scenario, step, m, None, m.state) for m in came]


def _reworded(gone: Iterable[Member], came: Iterable[Member]) -> list[tuple[Member, Member]]:
    """Pairs of a control that left and one that arrived in its place: same kind and frame, and the same
    position on the page or the same selector."""
    pairs: list[tuple[Member, Member]] = []
    free = list(came)
    for old in gone:
        candidates = [m for m in free if m.kind == old.kind and m.frame_url == old.frame_url]
        match = next((m for m in candidates if m.position == old.position), None) or next(
            (m for m in candidates if old.selector and m.selector == old.selector), None
        )
        if match is not None:
            free.remove(match)
            pairs.append((old, match))
    return pairs


def _change(
    scenario: str, step: int, member: Member, before: dict[str, Any] | None, after: dict[str, Any] | None
) -> ControlChange:
    return ControlChange(scenario, step, member.key, member.label, member.kind, member.consent, before, after)


# ------------------------------------------------------------------ text for people


def _clean(text: str, limit: int = 120) -> str:
    """Page text for a terminal: control characters (escape sequences) shown, not obeyed."""
    shown = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)
    return shown[:limit] + ("…" if len(shown) > limit else "")


def state_words(state: dict[str, Any] | None) -> str:
    if state is None:
        return "absent"
    checked = state.get("checked")
    words = ["mixed" if checked is None else "checked" if checked else "unchecked"]
    if not state.get("visible", True):
        words.append("hidden")
    if state.get("disabled"):
        words.append("disabled")
    return ", ".join(words)


def text(diff: Diff) -> str:
    a, b = diff.run_a, diff.run_b
    lines = [f"{_clean(a.id)} ({a.started_at}, {a.status}) → {_clean(b.id)} ({b.started_at}, {b.status})"]
    if diff.quiet:
        lines.append("Nothing changed.")

    def section(title: str, entries: list[str]) -> None:
        if entries:
            lines.append("")
            lines.append(f"{title} ({len(entries)}):")
            lines.extend(f"  {entry}" for entry in entries)

    def where(c: ControlChange | TrackedFinding) -> str:
        return f"{_clean(c.scenario)} step {c.step}"

    section("New findings", [f"+ {where(f)} {f.rule} “{_clean(f.label)}”" for f in diff.new_findings])
    section(
        "Resolved findings", [f"- {where(f)} {f.rule} “{_clean(f.label)}”" for f in diff.resolved_findings]
    )
    section(
        "State changed",
        [
            f"~ {where(c)} “{_clean(c.label)}”: {state_words(c.before)} → {state_words(c.after)}"
            for c in diff.state_changed
        ],
    )
    section(
        "Reworded",
        [
            f"~ {where(c)} “{_clean(str((c.before or {}).get('label', '')))}” → “{_clean(c.label)}”"
            for c in diff.label_changed
        ],
    )
    section("Appeared", [f"+ {where(c)} {c.kind} “{_clean(c.label)}”" for c in diff.appeared])
    section("Disappeared", [f"- {where(c)} {c.kind} “{_clean(c.label)}”" for c in diff.disappeared])
    section("Scenarios added", [f"+ {_clean(s)}" for s in diff.scenarios_added])
    section("Scenarios removed", [f"- {_clean(s)}" for s in diff.scenarios_removed])
    return "\n".join(lines)


def between(db_path: str | Path, run_a: str, run_b: str) -> Diff:
    """Compare two runs of a results database by id; an unknown id is a usage error naming the known ones."""
    with Results(db_path) as results:
        runs = results.runs()
        by_id = {run.id: run for run in runs}
        for wanted in (run_a, run_b):
            if wanted not in by_id:
                known = ", ".join(run.id for run in runs[:5]) or "none yet"
                raise CrawlerError(
                    f"{db_path}: no run {wanted!r}. Newest runs: {known}"
                    f"{' …' if len(runs) > 5 else ''} (the report's runs/index.html lists them all)."
                )
        return compare(results, History(results, runs), by_id[run_a], by_id[run_b])
