"""Dark-pattern rules: pure functions from a scenario's observations to findings. No browser, no DB."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from crawler.consent import Intent, bundled_purposes
from crawler.models import Thresholds
from crawler.results import Control, Finding, Observation


@dataclass(frozen=True)
class Journey:
    """What the rules judge: one scenario's observations, its thresholds, and whether it ran to the end."""

    observations: Sequence[Observation]
    limits: Thresholds
    complete: bool = True

    @cached_property
    def asked_for_all(self) -> frozenset[int]:
        """Steps at which the person had pressed "accept all" (and not "reject all" since): consent the page
        gives then is what they asked for."""
        covered: set[int] = set()
        accepted = False
        for observation in self.observations:
            if observation.intent == Intent.ACCEPT_ALL:
                accepted = True
            elif observation.intent == Intent.REJECT_ALL:
                accepted = False
            if accepted:
                covered.add(observation.index)
        return frozenset(covered)

    @cached_property
    def after_reject_all(self) -> frozenset[int]:
        """Steps from the person's "reject all" on, until they accept all again."""
        covered: set[int] = set()
        rejected = False
        for observation in self.observations:
            if observation.intent == Intent.REJECT_ALL:
                rejected = True
            elif observation.intent == Intent.ACCEPT_ALL:
                rejected = False
            if rejected:
                covered.add(observation.index)
        return frozenset(covered)


Check = Callable[[Journey], Iterable[Finding]]


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


def _pressed(observation: Observation) -> str:
    if not observation.target_name:
        return ""
    return f" The step pressed “{observation.target_name[:120]}” ({observation.intent or Intent.OTHER})."


def _pressed_measures(observation: Observation) -> dict[str, Any]:
    if observation.intent is None:
        return {}
    return {"pressed": observation.target_name, "intent": str(observation.intent)}


def _preselected(journey: Journey) -> Iterator[Finding]:
    for observation, control in _first_sightings(journey.observations):
        if observation.index in journey.asked_for_all:
            continue
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


def _given_behind_the_back(journey: Journey) -> Iterator[tuple[Observation, Observation, Control]]:
    """Consent controls that went from not giving consent to giving it without the person touching them."""
    for before, after in itertools.pairwise(journey.observations):
        previous = {c.key: c for c in before.controls}
        for control in after.controls:
            old = previous.get(control.key)
            if old is not None and not old.gives_consent and control.gives_consent and not control.acted:
                yield before, after, control


def _changed_without_action(journey: Journey) -> Iterator[Finding]:
    for before, after, control in _given_behind_the_back(journey):
        if after.index in journey.asked_for_all:
            continue
        yield _finding(
            "consent-changed-without-action",
            after,
            control,
            f"The consent control {_quote(control)} was unticked at {_where(before)} and "
            f"ticked at {_where(after)}, but the person never touched it: the page ticked it "
            f"on its own.{_pressed(after)} Consent given behind a person's back is not consent.",
            measures=_pressed_measures(after),
        )


def _reject_means_accept(journey: Journey) -> Iterator[Finding]:
    for before, after, control in _given_behind_the_back(journey):
        if after.index in journey.after_reject_all and after.index not in journey.asked_for_all:
            yield _finding(
                "reject-means-accept",
                after,
                control,
                f"The person rejected all optional purposes, yet the consent control {_quote(control)} "
                f"went from unticked at {_where(before)} to ticked at {_where(after)}.{_pressed(after)} "
                "A refusal that records consent is the opposite of what the person chose.",
                measures=_pressed_measures(after),
            )


def _given_by_default(journey: Journey) -> dict[str, list[tuple[Observation, Control]]]:
    """Per control, the observations at which it was ticked without the person ever having touched it
    (nor having asked for everything)."""
    touched: set[str] = set()
    states: dict[str, list[tuple[Observation, Control]]] = {}
    for observation in journey.observations:
        for control in observation.controls:
            if control.acted:
                touched.add(control.key)
            if observation.index in journey.asked_for_all:
                continue
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
    if control.visible:
        # Drawn or not, an element nobody can see has no meaningful opacity: "visible" speaks for it.
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


def _inconspicuous(journey: Journey) -> Iterator[Finding]:
    limits = journey.limits
    for sightings in _given_by_default(journey).values():
        seen = [s for s in sightings if s[1].visible]
        if not seen and not journey.complete:
            # The journey stopped early: a step it never reached might have shown the control.
            continue
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


def _bundled(journey: Journey) -> Iterator[Finding]:
    for observation, control in _first_sightings(journey.observations):
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
            "reject-means-accept",
            "high",
            ("gdpr-art-7-3", "gdpr-art-4-11", "edpb-guidelines-03-2022", "pipl-art-15", "cpra-dark-pattern"),
            'Consent became given after the person pressed "reject all".',
            "The person pressed a button that rejects all optional purposes, and the page then recorded "
            "consent anyway: the refusal was turned into its opposite.",
            _reject_means_accept,
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


def evaluate(
    observations: Sequence[Observation], thresholds: Thresholds | None = None, complete: bool = True
) -> list[Finding]:
    """Every rule over one scenario's observations. Steps that landed on an HTTP error page are not judged:
    that is not the page the journey meant to check."""
    journey = Journey([o for o in observations if o.judged], thresholds or Thresholds(), complete)
    findings = [f for rule in RULES.values() for f in rule.check(journey)]
    return sorted(findings, key=lambda f: (f.step, list(RULES).index(f.rule), f.control))
