"""`expect:` against hand-built results: one sentence per failed expectation, saying expected and seen."""
# ruff: noqa: RUF001 (Chinese punctuation and full-width letters are the point)

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from crawler import expectations
from crawler.models import Scenario
from crawler.results import Control, Finding, Observation, ScenarioResult, Status

STEPS = [
    {"fill": {"selector": "#phone", "value": "123"}},
    {"name": "agree", "check": "#terms"},
    {"name": "submit", "click": "#submit"},
]


def control(label: str, checked: bool | None = False, visible: bool = True, nearby: str = "") -> Control:
    return Control(
        key=f"k:{label}",
        kind="checkbox",
        role="checkbox",
        label=label,
        label_source="label" if label else "none",
        nearby_text=nearby,
        checked=checked,
        disabled=False,
        visible=visible,
        frame_url="https://shop.example/",
        shadow=False,
        shadow_mode=None,
        selector="#x",
        acted=False,
    )


SESAME = control("我同意《芝麻服务协议》，授权芝麻信用获取我的信用信息", checked=True)
TERMS = control("I agree to the Terms of Service", checked=True)
NEWS = control("Send me product news", checked=False)


def observation(index: int, name: str, *controls: Control) -> Observation:
    return Observation(index=index, action="click", name=name, url="https://shop.example/", controls=controls)


def result(
    *steps: Observation, findings: tuple[Finding, ...] = (), error: str | None = None
) -> ScenarioResult:
    return ScenarioResult(
        name="s",
        title="",
        file="s.yaml",
        tags=(),
        started_at="now",
        status=Status.ERROR if error else Status.OK,
        error=error,
        steps=list(steps),
        findings=list(findings),
    )


FULL = result(
    observation(0, "open /signup", NEWS),
    observation(1, "fill #phone", NEWS),
    observation(2, "agree", TERMS, NEWS),
    observation(3, "submit", SESAME, TERMS, NEWS),
)


def finding(rule: str, label: str, step: int, accepted: bool = False) -> Finding:
    return Finding(
        rule=rule, severity="high", step=step, control="k", label=label, detail="", accepted=accepted
    )


def expect(block: dict[str, Any]) -> Any:
    return Scenario.model_validate({"name": "s", "url": "/signup", "steps": STEPS, "expect": block}).expect


CONTROL_CASES = {
    "holds: unchecked where expected": ({"label": "product NEWS", "checked": False}, FULL, []),
    "checked but expected unchecked, at last": (
        {"label": "芝麻服务协议", "step": "last", "checked": False},
        FULL,
        ["expected “芝麻服务协议” at step last (3 “submit”) to be unchecked, but it was checked"],
    ),
    "last is the default step": (
        {"label": "芝麻服务协议", "checked": False},
        FULL,
        ["expected “芝麻服务协议” at step last (3 “submit”) to be unchecked, but it was checked"],
    ),
    "by step name": (
        {"label": "terms of service", "step": "agree", "checked": False},
        FULL,
        ["expected “terms of service” at step “agree” (2) to be unchecked, but it was checked"],
    ),
    "by index, mixed expected": (
        {"label": "news", "step": 1, "checked": None},
        FULL,
        ["expected “news” at step 1 to be mixed, but it was unchecked"],
    ),
    "NFKC and case: full-width letters match": ({"label": "ＰＲＯＤＵＣＴ news", "step": 0}, FULL, []),
    "nearby text counts when there is no label": (
        {"label": "newsletter", "step": 0, "checked": True},
        result(observation(0, "open", control("", checked=True, nearby="☑ Subscribe to the newsletter"))),
        [],
    ),
    "visibility": (
        {"label": "news", "step": 0, "visible": False},
        FULL,
        ["expected “news” at step 0 to be hidden, but it was visible"],
    ),
    "no such control lists what is there": (
        {"label": "share with partners", "step": 2},
        FULL,
        [
            "no control matching “share with partners” at step 2; controls there:"
            " “I agree to the Terms of Service”, “Send me product news”"
        ],
    ),
    "no controls at all": (
        {"label": "x", "step": 0},
        result(observation(0, "open")),
        ["no control matching “x” at step 0; there are no controls there"],
    ),
    "stopped early: never reached": (
        {"label": "芝麻服务协议", "checked": False},
        result(
            observation(0, "open"), observation(1, "fill #phone"), error="step 2 (agree): nothing matched"
        ),
        [
            "expected “芝麻服务协议” at step last (3), but the scenario never reached it"
            " (it stopped after step 1: step 2 (agree): nothing matched)"
        ],
    ),
    "stopped before anything was observed": (
        {"label": "x", "step": 0},
        result(error="could not open /signup"),
        [
            "expected “x” at step 0, but the scenario never reached it (it stopped before the first page was"
            " observed: could not open /signup)"
        ],
    ),
    "several matches: each one that is wrong is named": (
        {"label": "agree", "step": 0, "checked": False},
        result(
            observation(
                0, "open", control("I agree to the terms"), control("I agree to emails", checked=True)
            )
        ),
        ["expected “agree” at step 0 to be unchecked, but “I agree to emails” was checked"],
    ),
}


@pytest.mark.parametrize("case", CONTROL_CASES)
def test_control_expectations(case: str) -> None:
    block, seen, sentences = CONTROL_CASES[case]
    assert expectations.check(expect({"controls": [block]}), seen) == sentences


FINDINGS = (
    finding("preselected-consent", "Share my data", 0),
    finding("bundled-consent", "Terms and ads", 3),
)

FINDING_CASES = {
    "none, none found": ("none", (), []),
    "none, some found": (
        "none",
        FINDINGS,
        [
            "expected no findings, but got preselected-consent on “Share my data” at step 0",
            "expected no findings, but got bundled-consent on “Terms and ads” at step 3",
        ],
    ),
    "an empty list means none": (
        [],
        FINDINGS[:1],
        ["expected no findings, but got preselected-consent on “Share my data” at step 0"],
    ),
    "allowed list": (
        ["preselected-consent"],
        FINDINGS,
        [
            "finding bundled-consent on “Terms and ads” at step 3 is not among the allowed:"
            " preselected-consent"
        ],
    ),
    "a finding a baseline accepts does not count": ("none", (replace(FINDINGS[0], accepted=True),), []),
}


@pytest.mark.parametrize("case", FINDING_CASES)
def test_finding_expectations(case: str) -> None:
    allowed, found, sentences = FINDING_CASES[case]
    assert expectations.check(expect({"findings": allowed}), replace(FULL, findings=list(found))) == sentences


def test_no_expect_block_and_no_findings_key_check_nothing() -> None:
    noisy = replace(FULL, findings=list(FINDINGS))
    assert expectations.check(None, noisy) == []
    assert expectations.check(expect({"controls": []}), noisy) == []


def test_a_hostile_label_is_quoted_on_one_line_and_shortened() -> None:
    long = control("Agree\n\n" + "x" * 200, checked=True)
    sentences = expectations.check(
        expect({"controls": [{"label": "agree", "step": 0, "checked": False}]}),
        result(observation(0, "open", long)),
    )
    assert sentences == ["expected “agree” at step 0 to be unchecked, but it was checked"]
    [listing] = expectations.check(
        expect({"controls": [{"label": "nope", "step": 0}]}), result(observation(0, "open", long))
    )
    assert "\n" not in listing and f"“Agree {'x' * 74}…”" in listing
