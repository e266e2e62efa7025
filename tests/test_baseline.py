"""Baseline files: validated with file and line; they accept exactly the findings they name, until a date."""

from __future__ import annotations

import textwrap
from datetime import date
from pathlib import Path

import pytest

from crawler import baseline
from crawler.errors import EXIT_USAGE, ScenarioError
from crawler.results import Finding
from crawler.rules import RULES

FULL_WIDTH = str.maketrans({chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)})
WIDE_MARKETING = "MARKETING".translate(FULL_WIDTH)

EXAMPLE = f"""\
accept:
  - scenario: annual-report-2017
    rule: preselected-consent
    label: 芝麻服务协议            # substring of the finding's label, NFKC + casefold
    reason: Legal sign-off LEGAL-123; fix ships in March
    expires: 2027-03-31           # accepted up to and including this date
  - scenario: cookie-banner
    rule: inconspicuous-consent
    label: "{WIDE_MARKETING}   cookies"
    reason: Design review DR-7
    expires: "2026-12-31"
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "baseline.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def _finding(label: str, rule: str = "preselected-consent", **extra: object) -> Finding:
    return Finding(rule=rule, severity="high", step=0, control="k", label=label, detail="d", **extra)  # type: ignore[arg-type]


@pytest.fixture
def example(tmp_path: Path) -> baseline.Baseline:
    return baseline.load(_write(tmp_path, EXAMPLE))


def test_the_documented_example_loads(example: baseline.Baseline) -> None:
    first, second = example.entries
    assert (first.scenario, first.rule, first.label) == (
        "annual-report-2017",
        "preselected-consent",
        "芝麻服务协议",
    )
    assert first.reason == "Legal sign-off LEGAL-123; fix ships in March"
    assert first.expires == date(2027, 3, 31)
    assert second.expires == date(2026, 12, 31)
    assert example.lines == (2, 7)


@pytest.mark.parametrize(
    ("scenario", "rule", "label", "today", "accepted"),
    [
        ("annual-report-2017", "preselected-consent", "同意《芝麻服务协议》并授权", date(2027, 1, 1), True),
        ("annual-report-2017", "preselected-consent", "芝麻服务协议", date(2027, 3, 31), True),
        ("annual-report-2017", "preselected-consent", "芝麻服务协议", date(2027, 4, 1), False),
        ("annual-report-2017", "bundled-consent", "芝麻服务协议", date(2027, 1, 1), False),
        ("annual-report-2018", "preselected-consent", "芝麻服务协议", date(2027, 1, 1), False),
        ("annual-report-2017", "preselected-consent", "芝麻信用", date(2027, 1, 1), False),
        ("cookie-banner", "inconspicuous-consent", "Allow marketing cookies", date(2026, 6, 1), True),
        ("cookie-banner", "inconspicuous-consent", "MARKETING\n  COOKIES (3)", date(2026, 6, 1), True),
        (
            "cookie-banner",
            "inconspicuous-consent",
            "Marketing cookies".translate(FULL_WIDTH),
            date(2026, 6, 1),
            True,
        ),
        ("cookie-banner", "inconspicuous-consent", "marketing-cookies", date(2026, 6, 1), False),
        ("cookie-banner", "inconspicuous-consent", "Allow marketing cookies", date(2027, 1, 1), False),
    ],
)
def test_apply(
    example: baseline.Baseline, scenario: str, rule: str, label: str, today: date, accepted: bool
) -> None:
    [result] = baseline.apply(example, scenario, [_finding(label, rule)], today)
    assert result.accepted is accepted
    assert result.accepted_reason == (
        example.entries[0 if rule == "preselected-consent" else 1].reason if accepted else ""
    )
    assert (result.rule, result.label) == (rule, label)


def test_apply_keeps_order_and_other_findings(example: baseline.Baseline) -> None:
    findings = [_finding("Newsletter"), _finding("芝麻服务协议"), _finding("Partners")]
    result = baseline.apply(example, "annual-report-2017", findings, date(2027, 1, 1))
    assert [(f.label, f.accepted) for f in result] == [
        ("Newsletter", False),
        ("芝麻服务协议", True),
        ("Partners", False),
    ]
    assert result[0] is findings[0]


def test_a_finding_already_accepted_keeps_its_reason(example: baseline.Baseline) -> None:
    finding = _finding("芝麻服务协议", accepted=True, accepted_reason="earlier review")
    [result] = baseline.apply(example, "annual-report-2017", [finding], date(2027, 1, 1))
    assert result.accepted_reason == "earlier review"


def test_casefold_is_more_than_lowercase(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """\
        accept:
          - {scenario: de-signup, rule: bundled-consent, label: STRASSE, reason: r, expires: 2030-01-01}
        """,
    )
    [result] = baseline.apply(
        baseline.load(path),
        "de-signup",
        [_finding("Straße und Werbung", "bundled-consent")],
        date(2029, 1, 1),
    )
    assert result.accepted


def test_expired_entries_are_listed_with_file_and_line(tmp_path: Path, example: baseline.Baseline) -> None:
    assert example.expired(date(2026, 12, 31)) == []
    [message] = example.expired(date(2027, 1, 1))
    assert message == (
        f"{tmp_path / 'baseline.yaml'}:7: the acceptance of inconspicuous-consent in cookie-banner "
        f"(label “{WIDE_MARKETING}   cookies”) expired on 2026-12-31; its findings count again. "
        "Review it and set a new `expires:`, or remove the entry"
    )
    assert len(example.expired(date(2027, 4, 1))) == 2


@pytest.mark.parametrize(
    "text",
    ["", "accept:\n", "accept: []\n", "# nothing accepted yet\n"],
)
def test_an_empty_baseline_accepts_nothing(tmp_path: Path, text: str) -> None:
    loaded = baseline.load(_write(tmp_path, text))
    assert loaded.entries == ()
    assert baseline.apply(loaded, "s", [_finding("x")], date(2027, 1, 1))[0].accepted is False


ENTRY = "  - {scenario: s, rule: preselected-consent, label: x, reason: r, expires: 2027-01-01"


@pytest.mark.parametrize(
    ("text", "problems"),
    [
        (
            "accept:\n  - scenario: Annual Report\n    rule: preselected-consent\n    label: x\n"
            "    reason: r\n    expires: 2027-01-01\n",
            [
                "2: accept[0].scenario: must be a scenario's `name:`, lowercase letters, digits and hyphens, "
                "e.g. annual-report-2017"
            ],
        ),
        (
            "accept:\n" + ENTRY.replace("preselected-consent", "preselcted-consent") + "}\n",
            [
                "2: accept[0].rule: unknown rule 'preselcted-consent'; did you mean 'preselected-consent'? "
                f"(rules: {', '.join(RULES)})"
            ],
        ),
        (
            "accept:\n" + ENTRY.replace("reason: r", "reason: '  '") + "}\n",
            ["2: accept[0].reason: must say why"],
        ),
        (
            "accept:\n" + ENTRY.replace("2027-01-01", "next march") + "}\n",
            ["2: accept[0].expires: must be a date written YYYY-MM-DD, e.g. 2027-03-31, got 'next march'"],
        ),
        (
            "accept:\n" + ENTRY.replace("2027-01-01", "20270101") + "}\n",
            ["2: accept[0].expires: must be a date written YYYY-MM-DD, e.g. 2027-03-31, got 20270101"],
        ),
        (
            "accept:\n" + ENTRY.replace("2027-01-01", "2027-02-30") + "}\n",
            [
                "2: accept[0].expires: '2027-02-30' is not a date in the calendar "
                "(day is out of range for month)"
            ],
        ),
        (
            "accept:\n" + ENTRY + ", owner: legal}\n",
            ["2: accept[0]: unknown key 'owner' (allowed: scenario, rule, label, reason, expires)"],
        ),
        ("accepted:\n" + ENTRY + "}\n", ["1: unknown key 'accepted' (allowed: accept)"]),
        (
            "accept:\n  - scenario: s\n    rule: bundled-consent\n",
            [
                "2: accept[0]: missing required key 'label'",
                "2: accept[0]: missing required key 'reason'",
                "2: accept[0]: missing required key 'expires'",
            ],
        ),
        ("accept:\n" + ENTRY + "}\n" + ENTRY + ", label: y}\n", ["3: key 'label' appears twice"]),
        ("accept:\n  - [scenario, s]\n", ["2: accept[0]: Input should be a valid dictionary"]),
        ("- scenario: s\n", ["1: a baseline file holds one mapping with the key `accept:`"]),
        ("accept:\n  - {scenario: s\n", ["3: YAML does not parse"]),
    ],
)
def test_problems_name_the_file_and_line(tmp_path: Path, text: str, problems: list[str]) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ScenarioError) as raised:
        baseline.load(path)
    assert raised.value.exit_code == EXIT_USAGE
    assert len(raised.value.problems) == len(problems), raised.value.problems
    for got, expected in zip(raised.value.problems, problems, strict=True):
        assert got.startswith(f"{path}:{expected}"), got


def test_a_missing_file_is_a_problem_not_a_traceback(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match=r"nope\.yaml:1: cannot read the baseline file"):
        baseline.load(tmp_path / "nope.yaml")
