"""Dark-pattern rules: pure functions from a scenario's observations to findings. No browser, no DB."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from crawler.consent import bundled_purposes
from crawler.models import Thresholds
from crawler.results import Control, Finding, Observation

Check = Callable[[Sequence[Observation], Thresholds], Iterable[Finding]]


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    tags: tuple[str, ...]
    summary: str
    explanation: str
    check: Check


def _quote(control: Control) -> str:
    text = control.shown_label or "(no label)"
    return f"“{text[:160]}{'…' if len(text) > 160 else ''}”"


def _where(observation: Observation) -> str:
    return f"step {observation.index} ({observation.name})"


def _finding(rule: str, observation: Observation, control: Control, detail: str, **extra: Any) -> Finding:
    meta = RULES[rule]
    return Finding(
        rule=rule,
        severity=extra.pop("severity", meta.severity),
        step=observation.index,
        control=control.key,
        label=control.shown_label,
        detail=detail,
        tags=meta.tags,
        frame_url=control.frame_url,
        selector=control.selector,
        **extra,
    )


def _first_sightings(observations: Sequence[Observation]) -> Iterator[tuple[Observation, Control]]:
    seen: set[str] = set()
    for observation in observations:
        for control in observation.controls:
            if control.key not in seen:
                seen.add(control.key)
                yield observation, control


def _preselected(observations: Sequence[Observation], _: Thresholds) -> Iterator[Finding]:
    for observation, control in _first_sightings(observations):
        if control.gives_consent and not control.acted:
            state = " (and it cannot be unticked)" if control.disabled else ""
            yield _finding(
                "preselected-consent",
                observation,
                control,
                f"The consent control {_quote(control)} was already ticked when it first appeared at "
                f"{_where(observation)}, before the person acted on it{state}. Silence or a pre-ticked "
                "box is not consent: consent has to be an active choice.",
            )


def _changed_without_action(observations: Sequence[Observation], _: Thresholds) -> Iterator[Finding]:
    for before, after in itertools.pairwise(observations):
        previous = {c.key: c for c in before.controls}
        for control in after.controls:
            old = previous.get(control.key)
            if old is not None and not old.gives_consent and control.gives_consent and not control.acted:
                yield _finding(
                    "consent-changed-without-action",
                    after,
                    control,
                    f"The consent control {_quote(control)} was unticked at {_where(before)} and "
                    f"ticked at {_where(after)}, but the person never touched it: the page ticked it "
                    "on its own. Consent given behind a person's back is not consent.",
                )


def _given_by_default(
    observations: Sequence[Observation],
) -> dict[str, list[tuple[Observation, Control]]]:
    """Per control, the observations at which it was ticked without the person ever having touched it."""
    touched: set[str] = set()
    states: dict[str, list[tuple[Observation, Control]]] = {}
    for observation in observations:
        for control in observation.controls:
            if control.acted:
                touched.add(control.key)
            if control.gives_consent and control.key not in touched:
                states.setdefault(control.key, []).append((observation, control))
    return states


def _measure(value: float, threshold: float) -> dict[str, Any]:
    return {"value": round(value, 2), "threshold": threshold, "failed": value < threshold}


def salience(control: Control, limits: Thresholds) -> dict[str, dict[str, Any]]:
    """The measures that decide whether a person would notice a control, each beside its threshold."""
    measures: dict[str, dict[str, Any]] = {}
    style = control.label_style
    if style is not None and style.contrast:
        measures["label_contrast"] = _measure(style.contrast, limits.min_contrast)
    if style is not None and style.font_size > 0:
        measures["label_font_px"] = _measure(style.font_size, limits.min_font_px)
    if control.box is not None and control.visible:
        measures["target_px"] = _measure(min(control.box.width, control.box.height), limits.min_target_px)
    opacity = min(control.opacity, style.opacity if style else 1.0)
    measures["opacity"] = _measure(opacity, limits.min_opacity)
    measures["covered"] = {"value": control.covered, "threshold": False, "failed": control.covered}
    measures["visible"] = {
        "value": control.visible,
        "threshold": True,
        "failed": not control.visible,
    }
    return measures


_MEASURE_WORDS = {
    "label_contrast": "label contrast {value}:1 (needs {threshold}:1)",
    "label_font_px": "label text {value}px (needs {threshold}px)",
    "target_px": "tick-box {value}px across (needs {threshold}px)",
    "opacity": "opacity {value} (needs {threshold})",
    "covered": "covered by another element",
    "visible": "not visible at all",
}


def _inconspicuous(observations: Sequence[Observation], limits: Thresholds) -> Iterator[Finding]:
    for sightings in _given_by_default(observations).values():
        seen = [s for s in sightings if s[1].visible]
        # Judge it where a person had the best chance to notice it.
        observation, control = next((s for s in seen if s[1].in_viewport), seen[0] if seen else sightings[0])
        measures = salience(control, limits)
        failed = [name for name, m in measures.items() if m["failed"]]
        if failed:
            words = "; ".join(_MEASURE_WORDS[name].format(**measures[name]) for name in failed)
            yield _finding(
                "inconspicuous-consent",
                observation,
                control,
                f"The consent control {_quote(control)} is ticked by default and easy to miss at "
                f"{_where(observation)}: {words}. Consent has to be clearly distinguishable.",
                measures=measures,
                severity="high" if "visible" in failed or "covered" in failed else "medium",
            )


def _bundled(observations: Sequence[Observation], _: Thresholds) -> Iterator[Finding]:
    for observation, control in _first_sightings(observations):
        required, optional = bundled_purposes(control.purposes)
        if control.consent and required and optional:
            yield _finding(
                "bundled-consent",
                observation,
                control,
                f"The control {_quote(control)} ties agreeing to {', '.join(sorted(required))} to "
                f"{', '.join(sorted(optional))} in one tick-box: a person cannot accept the one "
                "without the other. Optional uses of data need their own, separate choice.",
                measures={"purposes": sorted(control.purposes)},
            )


RULES: dict[str, Rule] = {
    rule.id: rule
    for rule in (
        Rule(
            "preselected-consent",
            "high",
            ("gdpr-recital-32", "planet49", "gdpr-art-4-11", "pipl-art-14", "cpra-dark-pattern"),
            "A consent control is ticked when first shown, before the person acted on it.",
            "A consent option was already ticked before the person chose anything. A pre-ticked box is "
            "not a clear affirmative act, so it is not valid consent.",
            _preselected,
        ),
        Rule(
            "consent-changed-without-action",
            "high",
            ("gdpr-art-7", "gdpr-recital-32", "pipl-art-14"),
            "A consent control went from unticked to ticked although the person did not touch it.",
            "A consent option became ticked at a step where the person did not touch it: the page "
            "gave consent on their behalf.",
            _changed_without_action,
        ),
        Rule(
            "inconspicuous-consent",
            "medium",
            ("gdpr-art-7-2", "edpb-guidelines-03-2022", "pipl-art-17", "cpra-dark-pattern"),
            "A consent control ticked by default that a person would likely miss.",
            "A consent option ticked by default was hard to notice: small print, low contrast, faded, "
            "tiny, covered, or not visible at all.",
            _inconspicuous,
        ),
        Rule(
            "bundled-consent",
            "medium",
            ("gdpr-art-7-4", "gdpr-recital-43", "pipl-art-14", "cpra-dark-pattern"),
            "One control bundles a required agreement with an optional use of data.",
            "One tick-box ties accepting the terms to an optional use of data (sharing, marketing, "
            "credit checks…), so the person cannot accept the one without the other.",
            _bundled,
        ),
    )
}


def evaluate(observations: Sequence[Observation], thresholds: Thresholds | None = None) -> list[Finding]:
    limits = thresholds or Thresholds()
    findings = [f for rule in RULES.values() for f in rule.check(observations, limits)]
    return sorted(findings, key=lambda f: (f.step, list(RULES).index(f.rule), f.control))
