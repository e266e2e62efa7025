"""A scenario's `expect:` block against what the crawl saw: one sentence for each expectation that failed."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from crawler.models import ControlExpectation, Expect
from crawler.results import Control, Finding, Observation, ScenarioResult

SHOWN_CONTROLS = 10


def check(expect: Expect | None, result: ScenarioResult) -> list[str]:
    """Sentences saying what was expected and what was seen; empty when every expectation held.

    Findings a baseline accepts are not held against `findings:`, as they do not fail a run either.
    """
    if expect is None:
        return []
    failures = _findings(expect, [f for f in result.findings if not f.accepted])
    for control in expect.controls:
        failures.extend(_control(control, result))
    return failures


def _findings(expect: Expect, findings: Sequence[Finding]) -> list[str]:
    if expect.findings is None:
        return []
    if expect.findings == "none" or not expect.findings:
        return [f"expected no findings, but got {_finding(f)}" for f in findings]
    allowed = expect.findings
    return [
        f"finding {_finding(f)} is not among the allowed: {', '.join(allowed)}"
        for f in findings
        if f.rule not in allowed
    ]


def _finding(finding: Finding) -> str:
    return f"{finding.rule} on {_quote(finding.label)} at step {finding.step}"


def _control(expected: ControlExpectation, result: ScenarioResult) -> list[str]:
    observation = next((o for o in result.steps if o.index == expected.index), None)
    wanted = _quote(expected.label)
    if observation is None:
        return [
            f"expected {wanted} at {_where(expected, None)}, but the scenario never reached it{_stop(result)}"
        ]
    where = _where(expected, observation)
    needle = _fold(expected.label)
    matches = [c for c in observation.controls if needle in _fold(c.label) or needle in _fold(c.nearby_text)]
    if not matches:
        return [f"no control matching {wanted} at {where}; {_listing(observation.controls)}"]
    failures: list[str] = []
    if expected.expects_checked:
        for control in (c for c in matches if c.checked != expected.checked):
            failures.append(
                f"expected {wanted} at {where} to be {_state(expected.checked)}, "
                f"but {_which(control, matches)} {_state(control.checked)}"
            )
    if expected.visible is not None:
        for control in (c for c in matches if c.visible != expected.visible):
            failures.append(
                f"expected {wanted} at {where} to be {_seen(expected.visible)}, "
                f"but {_which(control, matches)} {_seen(control.visible)}"
            )
    return failures


def _where(expected: ControlExpectation, observation: Observation | None) -> str:
    name = f" {_quote(observation.name)}" if observation is not None and observation.name else ""
    if expected.step == "last":
        return f"step last ({expected.index}{name})"
    if isinstance(expected.step, str):
        return f"step {_quote(expected.step)} ({expected.index})"
    return f"step {expected.index}"


def _stop(result: ScenarioResult) -> str:
    if not result.steps:
        return " (it stopped before the first page was observed" + (
            f": {result.error})" if result.error else ")"
        )
    last = result.steps[-1]
    return f" (it stopped after step {last.index}" + (f": {result.error})" if result.error else ")")


def _which(control: Control, matches: Sequence[Control]) -> str:
    """ "it was", or which of several matching controls, so the sentence points at one."""
    return "it was" if len(matches) == 1 else f"{_quote(control.shown_label)} was"


def _state(checked: bool | None) -> str:
    return "mixed" if checked is None else ("checked" if checked else "unchecked")


def _seen(visible: bool) -> str:
    return "visible" if visible else "hidden"


def _listing(controls: Sequence[Control]) -> str:
    if not controls:
        return "there are no controls there"
    shown = ", ".join(_quote(c.shown_label) for c in controls[:SHOWN_CONTROLS])
    more = f" and {len(controls) - SHOWN_CONTROLS} more" if len(controls) > SHOWN_CONTROLS else ""
    return f"controls there: {shown}{more}"


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _quote(text: str, limit: int = 80) -> str:
    flat = " ".join(text.split()) or "(no label)"
    return f"“{flat[:limit]}{'…' if len(flat) > limit else ''}”"
