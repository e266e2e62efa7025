"""Consent from context and from the pressed button, end to end and as rules on observations."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from crawler import rules
from crawler.consent import Intent
from crawler.results import Control, Gap, Observation

SETTLE = "settle: {quiet_ms: 200}\n"


def by_label(step: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["label"]: c for c in step["controls"]}


def test_a_control_is_consent_when_its_dialog_or_its_description_asks(crawl: Any) -> None:
    result = crawl({"context": "name: context\nurl: /consent/context.html\n" + SETTLE})
    controls = by_label(result.scenario("context")["steps"][0])
    assert controls["Dark mode"]["consent"] is False
    # The modal is a fixed layer without a role: its heading and first paragraph are its question.
    assert "collect information about you" in controls["Livechat"]["context"]
    assert (controls["Livechat"]["consent"], controls["Livechat"]["consent_from"]) == (True, "context")
    assert "collect information about you" in controls["Livechat"]["matched"]
    assert (controls["Enable or disable all services"]["consent"]) is True
    matomo = controls["Matomo"]
    assert matomo["description"] == "Collects anonymous visitor statistics."
    assert (matomo["consent"], matomo["consent_from"], matomo["purposes"]) == (
        True,
        "description",
        ["analytics"],
    )
    # On and greyed out, with no purpose in its own words: it asks nothing.
    assert controls["Session cookie"]["consent"] is False
    assert {(f["rule"], f["label"]) for f in result.scenario("context")["findings"]} == {
        ("preselected-consent", "Livechat")
    }


@pytest.mark.parametrize(
    ("button", "intent", "rules_fired"),
    [
        ("Accept all", "accept-all", set()),
        ("Allow all cookies", "accept-all", set()),
        ("Save my choices", "save", {"consent-changed-without-action"}),
        ("Reject all", "reject-all", {"consent-changed-without-action", "reject-means-accept"}),
    ],
)
def test_boxes_ticked_by_the_page_after_a_button_are_judged_by_what_the_button_said(
    crawl: Any, button: str, intent: str, rules_fired: set[str]
) -> None:
    yaml = f'name: press\nurl: /consent/buttons.html\n{SETTLE}steps:\n  - click: "text={button}"\n'
    scenario = crawl({"press": yaml}).scenario("press")
    pressed = scenario["steps"][1]
    assert (pressed["target_name"], pressed["intent"]) == (button, intent)
    assert by_label(pressed)["Analytics cookies"]["checked"] is True
    findings = scenario["findings"]
    assert {f["rule"] for f in findings} == rules_fired
    for finding in findings:
        assert finding["severity"] == "high"
        assert f"“{button}”" in finding["detail"]
        assert finding["measures"]["pressed"] == button


def box(checked: bool, acted: bool = False) -> Control:
    return Control(
        key="box", kind="checkbox", label="Analytics cookies", consent=True, checked=checked, acted=acted
    )


def step(index: int, checked: bool, intent: Intent | None = None, acted: bool = False) -> Observation:
    name = (
        {Intent.ACCEPT_ALL: "Accept all", Intent.REJECT_ALL: "Reject all"}.get(intent, "Next")
        if intent
        else ""
    )
    return Observation(
        index=index,
        action="click" if index else "open",
        name=f"step {index}",
        url="http://x/",
        controls=(box(checked, acted),),
        target_name=name,
        intent=intent,
    )


@pytest.mark.parametrize(
    ("journey", "expected"),
    [
        # Ticked right after the person accepted everything: what they asked for.
        ([step(0, False), step(1, True, Intent.ACCEPT_ALL)], []),
        # Accepted all, then moved on: a box first ticked later is still their choice.
        ([step(0, False), step(1, False, Intent.ACCEPT_ALL), step(2, True, Intent.OTHER)], []),
        ([step(0, False), step(1, True, Intent.SAVE)], [("consent-changed-without-action", 1)]),
        ([step(0, False), step(1, True, Intent.OTHER)], [("consent-changed-without-action", 1)]),
        (
            [step(0, False), step(1, True, Intent.REJECT_ALL)],
            [("consent-changed-without-action", 1), ("reject-means-accept", 1)],
        ),
        # Rejected, then the page ticks the box at the next step: still turned into consent.
        (
            [step(0, False), step(1, False, Intent.REJECT_ALL), step(2, True, Intent.OTHER)],
            [("consent-changed-without-action", 2), ("reject-means-accept", 2)],
        ),
        # The person ticked it themselves.
        ([step(0, False), step(1, True, Intent.OTHER, acted=True)], []),
        # Pre-ticked, and the person accepted all: preselection is still preselection.
        ([step(0, True), step(1, True, Intent.ACCEPT_ALL)], [("preselected-consent", 0)]),
    ],
)
def test_rules_know_what_the_pressed_button_promised(
    journey: list[Observation], expected: list[tuple[str, int]]
) -> None:
    assert [(f.rule, f.step) for f in rules.evaluate(journey)] == expected


def test_a_journey_that_stopped_early_does_not_call_unreached_controls_invisible() -> None:
    hidden = Observation(
        index=0,
        action="open",
        name="open",
        url="http://x/",
        controls=(
            Control(
                key="box", kind="checkbox", label="Share my data", consent=True, checked=True, visible=False
            ),
        ),
    )
    complete = {f.rule for f in rules.evaluate([hidden], complete=True)}
    stopped = {f.rule for f in rules.evaluate([hidden], complete=False)}
    assert complete == {"preselected-consent", "inconspicuous-consent"}
    assert stopped == {"preselected-consent"}


def test_an_error_page_is_not_judged() -> None:
    answered = Gap("http-error", "the page answered HTTP 500: its controls are not judged")
    error_page = Observation(
        index=0,
        action="open",
        name="open",
        url="http://x/",
        controls=(box(True),),
        http_status=500,
        gaps=(answered,),
    )
    assert rules.evaluate([error_page]) == []
    allowed = replace(error_page, gaps=())
    assert [f.rule for f in rules.evaluate([allowed])] == ["preselected-consent"]
