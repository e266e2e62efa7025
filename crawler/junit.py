"""JUnit XML for CI systems (Jenkins, GitLab, GitHub test reporters): one test case per scenario."""

from __future__ import annotations

import contextlib
import re
import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path

from crawler.errors import CrawlerError
from crawler.results import Finding, RunResult, ScenarioResult, Status

CLASSNAME = "consent-crawler"

# XML 1.0 cannot carry control characters, lone surrogates or U+FFFE/U+FFFF, even escaped; page text can.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def write(run: RunResult, path: str | Path) -> None:
    """Write the run as JUnit XML, replacing `path` in one step so a reader never sees half a file."""
    target = Path(path)
    tmp = target.with_name(f".{target.name}.tmp")
    root = document(run)
    ET.indent(root)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        ET.ElementTree(root).write(tmp, encoding="utf-8", xml_declaration=True)
        tmp.replace(target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise CrawlerError(
            f"cannot write the JUnit XML to {target} ({exc.strerror}); the run itself is saved in the "
            "database, and `crawler report` still works"
        ) from None


def document(run: RunResult) -> ET.Element:
    cases = [_testcase(s) for s in run.scenarios]
    counts = {
        "tests": str(len(cases)),
        "failures": str(sum(1 for s in run.scenarios if _fails(s) and s.status != Status.ERROR)),
        "errors": str(sum(1 for s in run.scenarios if s.status == Status.ERROR)),
    }
    time = _seconds(run.started_at, run.finished_at)
    root = ET.Element("testsuites", {"name": CLASSNAME, **counts, "time": time})
    suite = ET.SubElement(
        root,
        "testsuite",
        {
            "name": _text(f"{CLASSNAME} run {run.id}"),
            **counts,
            "skipped": "0",
            "time": time,
            "timestamp": _text(run.started_at),
        },
    )
    properties = ET.SubElement(suite, "properties")
    for name, value in (("run_id", run.id), ("run_status", str(run.status)), ("base_url", run.base_url)):
        ET.SubElement(properties, "property", name=name, value=_text(value))
    suite.extend(cases)
    return root


def _testcase(scenario: ScenarioResult) -> ET.Element:
    case = ET.Element(
        "testcase",
        classname=CLASSNAME,
        name=_text(scenario.name),
        file=_text(scenario.file),
        time=_seconds(scenario.started_at, scenario.finished_at),
    )
    if scenario.status == Status.ERROR:
        reason = scenario.error or "the scenario could not complete"
        _child(case, "error", reason, type="error", message=reason)
    for finding in scenario.findings:
        if not finding.accepted:
            _child(case, "failure", _failure_text(finding), type=finding.rule, message=_message(finding))
    for sentence in scenario.failures:
        _child(case, "failure", sentence, type="expectation", message=sentence)
    accepted = [f for f in scenario.findings if f.accepted]
    if accepted:
        lines = [f"accepted {_message(f)} (step {f.step}): {f.accepted_reason}" for f in accepted]
        _child(case, "system-out", "\n".join(lines))
    return case


def _fails(scenario: ScenarioResult) -> bool:
    return bool(scenario.failures) or any(not f.accepted for f in scenario.findings)


def _message(finding: Finding) -> str:
    return f"{finding.rule}: {finding.label or '(no label)'}"


def _failure_text(finding: Finding) -> str:
    lines = [finding.detail, f"step {finding.step}, control {finding.control}"]
    if screenshot := finding.evidence.get("screenshot"):
        lines.append(f"evidence: {screenshot}")
    return "\n".join(lines)


def _child(parent: ET.Element, tag: str, text: str, **attributes: str) -> None:
    element = ET.SubElement(parent, tag, {k: _text(v) for k, v in attributes.items()})
    element.text = _text(text)


def _text(value: str) -> str:
    return _NOT_XML.sub("\ufffd", value)


def _seconds(started_at: str, finished_at: str) -> str:
    """Seconds with millisecond precision, the form Surefire's schema allows; 0.000 when unknown."""
    try:
        elapsed = (_instant(finished_at) - _instant(started_at)).total_seconds()
    except (ValueError, TypeError):  # missing, malformed, or one of them without a time zone
        return "0.000"
    return f"{max(elapsed, 0.0):.3f}"


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
