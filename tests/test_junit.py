"""The JUnit XML that CI systems read: valid against the Surefire/Jenkins schema, whatever the pages said."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import xmlschema

from crawler import junit
from crawler.errors import CrawlerError
from crawler.results import Finding, RunResult, ScenarioResult, Status

SCHEMA = xmlschema.XMLSchema(Path(__file__).parent / "schemas" / "junit-10.xsd")

HOSTILE = "Share \x07with <script>alert(1)</script> ]]> partners \ud800 & “Zhima” \x1b[31m\ufffe"


def _finding(label: str, *, rule: str = "preselected-consent", accepted: bool = False) -> Finding:
    return Finding(
        rule=rule,
        severity="high",
        step=1,
        control=f"key-{label[:5]}",
        label=label,
        detail=f"“{label}” was ticked before the person acted",
        evidence={"screenshot": "nightly-screenshots/r1/annual/step-1.png"},
        accepted=accepted,
        accepted_reason="Legal sign-off LEGAL-123" if accepted else "",
    )


def _scenario(name: str, status: Status, **fields: object) -> ScenarioResult:
    return ScenarioResult(
        name=name,
        title=name,
        file=f"scenarios/{name}.yaml",
        tags=(),
        started_at="2027-01-05T02:00:00.000Z",
        finished_at="2027-01-05T02:00:03.250Z",
        status=status,
        **fields,  # type: ignore[arg-type]
    )


def _night() -> RunResult:
    return RunResult(
        id="20270105T020000Z-ab12",
        started_at="2027-01-05T02:00:00.000Z",
        finished_at="2027-01-05T02:01:30.500Z",
        base_url="https://staging.example.com",
        status=Status.COMPLETED,
        scenarios=[
            _scenario("clean-signup", Status.OK),
            _scenario(
                "annual-report-2017",
                Status.FINDINGS,
                findings=[
                    _finding(HOSTILE),
                    _finding("芝麻信用服务协议", rule="bundled-consent"),
                    _finding("Newsletter", accepted=True),
                ],
            ),
            _scenario("known-and-accepted", Status.OK, findings=[_finding("Marketing", accepted=True)]),
            _scenario("expects-a-box", Status.FAILED, failures=["expected a consent box labelled “Agree”"]),
            _scenario("site-down", Status.ERROR, error="net::ERR_CONNECTION_REFUSED at https://staging/x"),
        ],
    )


@pytest.fixture
def written(tmp_path: Path) -> tuple[Path, ET.Element]:
    path = tmp_path / "out" / "junit.xml"
    junit.write(_night(), path)
    return path, ET.parse(path).getroot()


def _case(root: ET.Element, name: str) -> ET.Element:
    case = root.find(f"testsuite/testcase[@name='{name}']")
    assert case is not None, name
    return case


def _assert_valid(path: Path) -> None:
    # `file` on a test case is what GitLab and GitHub reporters use to point at the source; the Surefire
    # schema predates it and Jenkins ignores it. It is the one attribute we add beyond the schema.
    objections = [error.reason or "" for error in SCHEMA.iter_errors(str(path))]
    assert all("'file'" in reason for reason in objections), objections
    tree = ET.parse(path)
    for case in tree.getroot().iter("testcase"):
        del case.attrib["file"]
    SCHEMA.validate(tree)


def test_valid_against_the_junit_schema_ci_systems_use(written: tuple[Path, ET.Element]) -> None:
    _assert_valid(written[0])


def test_counts_follow_the_test_cases(written: tuple[Path, ET.Element]) -> None:
    _, root = written
    suite = root.find("testsuite")
    assert suite is not None
    for element in (root, suite):
        assert (element.get("tests"), element.get("failures"), element.get("errors")) == ("5", "2", "1")
    assert suite.get("skipped") == "0"
    assert suite.get("name") == "consent-crawler run 20270105T020000Z-ab12"
    assert suite.get("timestamp") == "2027-01-05T02:00:00.000Z"
    assert suite.get("time") == "90.500"
    properties = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert properties == {
        "run_id": "20270105T020000Z-ab12",
        "run_status": "completed",
        "base_url": "https://staging.example.com",
    }


def test_one_test_case_per_scenario(written: tuple[Path, ET.Element]) -> None:
    _, root = written
    cases = root.findall("testsuite/testcase")
    assert [c.get("name") for c in cases] == [
        "clean-signup",
        "annual-report-2017",
        "known-and-accepted",
        "expects-a-box",
        "site-down",
    ]
    assert {c.get("classname") for c in cases} == {"consent-crawler"}
    assert cases[0].get("file") == "scenarios/clean-signup.yaml"
    assert cases[0].get("time") == "3.250"
    assert list(cases[0]) == []


def test_each_finding_not_accepted_is_a_failure(written: tuple[Path, ET.Element]) -> None:
    _, root = written
    case = _case(root, "annual-report-2017")
    failures = case.findall("failure")
    assert [f.get("type") for f in failures] == ["preselected-consent", "bundled-consent"]
    assert failures[1].get("message") == "bundled-consent: 芝麻信用服务协议"
    assert failures[1].text == (
        "“芝麻信用服务协议” was ticked before the person acted\n"
        "step 1, control key-芝麻信用服\n"
        "evidence: nightly-screenshots/r1/annual/step-1.png"
    )


def test_accepted_findings_are_listed_not_failed(written: tuple[Path, ET.Element]) -> None:
    _, root = written
    accepted_only = _case(root, "known-and-accepted")
    assert accepted_only.find("failure") is None
    assert accepted_only.findtext("system-out") == (
        "accepted preselected-consent: Marketing (step 1): Legal sign-off LEGAL-123"
    )
    mixed = _case(root, "annual-report-2017")
    assert "preselected-consent: Newsletter" in (mixed.findtext("system-out") or "")
    assert all("Newsletter" not in (f.get("message") or "") for f in mixed.iter("failure"))


def test_failed_expectations_and_errors(written: tuple[Path, ET.Element]) -> None:
    _, root = written
    expectation = _case(root, "expects-a-box").find("failure")
    assert expectation is not None
    assert expectation.get("type") == "expectation"
    assert expectation.get("message") == "expected a consent box labelled “Agree”"
    error = _case(root, "site-down").find("error")
    assert error is not None
    assert error.get("message") == "net::ERR_CONNECTION_REFUSED at https://staging/x"
    assert _case(root, "site-down").find("failure") is None


def test_hostile_labels_stay_text_in_well_formed_xml(written: tuple[Path, ET.Element]) -> None:
    path, root = written
    raw = path.read_bytes()
    assert b"<script>" not in raw
    assert b"]]>" not in raw
    assert root.find(".//script") is None
    failure = _case(root, "annual-report-2017").find("failure")
    assert failure is not None
    expected = "Share \ufffdwith <script>alert(1)</script> ]]> partners \ufffd & “Zhima” \ufffd[31m\ufffd"
    assert failure.get("message") == f"preselected-consent: {expected}"
    assert (failure.text or "").startswith(f"“{expected}”")


def test_unknown_or_missing_times_are_zero(tmp_path: Path) -> None:
    run = RunResult(id="r", started_at="2027-01-05T02:00:00Z", base_url="")
    run.scenarios.append(
        ScenarioResult(name="s", title="s", file="s.yaml", tags=(), started_at="2027-01-05T02:00:00")
    )
    junit.write(run, tmp_path / "j.xml")
    root = ET.parse(tmp_path / "j.xml").getroot()
    assert root.get("time") == "0.000"
    assert _case(root, "s").get("time") == "0.000"
    _assert_valid(tmp_path / "j.xml")


def test_replaces_an_old_report_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    path = tmp_path / "junit.xml"
    path.write_text("<testsuites/>", encoding="utf-8")
    junit.write(_night(), path)
    assert ET.parse(path).getroot().get("tests") == "5"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["junit.xml"]


def test_a_folder_in_the_way_is_a_clear_error_and_leaves_nothing_behind(tmp_path: Path) -> None:
    (tmp_path / "junit.xml").mkdir()
    with pytest.raises(CrawlerError, match=r"cannot write the JUnit XML to .*junit\.xml"):
        junit.write(_night(), tmp_path / "junit.xml")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["junit.xml"]


def test_an_unwritable_path_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "reports"
    blocker.write_text("a file where a folder should be", encoding="utf-8")
    with pytest.raises(CrawlerError, match=r"cannot write the JUnit XML to .*reports/junit\.xml"):
        junit.write(_night(), blocker / "junit.xml")
