"""The CMP gallery: real consent managers, their released files unmodified, crawled once, against truth.

Each journey in `tests/pages/cmp/truth.yaml` opens a page that loads one open-source consent manager
(vanilla-cookieconsent, Klaro, Orejime, tarteaucitron; see tests/pages/cmp/README.md), opens its preferences
and presses one of its buttons. All journeys are one `crawler run` (the real command line, real Chromium).
The truth says, for every step, every control a correct crawler reports with its name, kind, state, consent
class and visibility, and the exact set of findings. A failure here means the crawler is wrong about a real
CMP; fix the crawler, not the truth.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from crawler.server import SiteServer
from tests.conftest import PAGES
from tests.gallery_support import (
    Run,
    coverage_problems,
    crawl_all,
    finding_problems,
    locate,
    shown,
    state_problems,
    truth_id,
)

CMP = PAGES / "cmp"
TRUTH: dict[str, Any] = yaml.safe_load((CMP / "truth.yaml").read_text(encoding="utf-8"))
SCENARIOS: dict[str, dict[str, Any]] = TRUTH["scenarios"]
CONTROL_KEYS = {"id", "label", "near", "kind", "checked", "consent", "refusal", "disabled", "visible"}
FINDING_KEYS = {"rule", "control", "step", "severity", "failed"}
# The vendored release files (path -> SHA-256) as `npm pack` delivered them: `sha256sum` output.
VENDORED = {
    file: digest
    for digest, file in (
        line.split(maxsplit=1) for line in (CMP / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    )
}


@pytest.fixture(scope="module")
def cmp_crawl(tmp_path_factory: pytest.TempPathFactory, site: SiteServer) -> Iterator[Run]:
    """One crawl over every CMP journey, shared by all tests in this module."""
    scenarios = {
        name: {
            "title": truth["what"],
            "url": f"/cmp/{truth['page']}",
            "tags": ["cmp", name.split("-")[0]],
            **TRUTH["scenario_defaults"],
            **truth.get("scenario", {}),
            "steps": truth["steps"],
        }
        for name, truth in SCENARIOS.items()
    }
    yield crawl_all(tmp_path_factory.mktemp("cmp"), scenarios, site.url)


def find(controls: list[dict[str, Any]], spec: dict[str, Any]) -> tuple[dict[str, Any] | None, str]:
    """The control a truth entry describes; by its nearby text alone when no label matches at all, so that a
    wrong name is reported as such and the control's state is still checked."""
    control, problem = locate(controls, spec)
    if control is None and spec.get("near") and not any(spec["label"] in c["label"] for c in controls):
        by_near = [c for c in controls if spec["near"] in c["nearby_text"]]
        if len(by_near) == 1:
            return by_near[0], ""
    return control, problem


def check_step(
    specs: list[dict[str, Any]], step: dict[str, Any], ids: dict[str, str], keys: dict[str, str]
) -> list[str]:
    """One step's controls against the truth; records each control's key under its truth id as it goes."""
    where = f"step {step['index']}"
    problems = coverage_problems(step)
    matched: set[str] = set()
    for spec in specs:
        control, problem = find(step["controls"], spec)
        if control is None:
            problems.append(f"{where}: {problem}")
            continue
        name = truth_id(spec)
        matched.add(control["key"])
        problems += [f"{where}: {p}" for p in state_problems(spec, control)]
        if control["label"] != spec["label"]:
            problems.append(f"{where}: {name}: label expected {spec['label']!r}, got {control['label']!r}")
        if keys.setdefault(name, control["key"]) != control["key"]:
            problems.append(f"{where}: {name}: its key changed from {keys[name]!r} to {control['key']!r}")
        ids[control["key"]] = name
    unexpected = [(c["kind"], shown(c), c["checked"]) for c in step["controls"] if c["key"] not in matched]
    if unexpected:
        problems.append(f"{where}: controls not in the truth: {unexpected}")
    return problems


def check_scenario(name: str, crawl: Run) -> list[str]:
    truth = SCENARIOS[name]
    scenario = crawl.scenario(name)
    if scenario["status"] == "error":
        return [f"the scenario failed: {scenario['error']}"]
    steps = scenario["steps"]
    if len(steps) != len(truth["observed"]):
        return [f"expected {len(truth['observed'])} steps, got {[s['action'] for s in steps]}"]
    problems: list[str] = []
    ids: dict[str, str] = {}  # control key -> truth id
    keys: dict[str, str] = {}  # truth id -> control key
    for specs, step in zip(truth["observed"], steps, strict=True):
        problems += check_step(specs, step, ids, keys)
    labels = {(step["index"], c["key"]): shown(c) for step in steps for c in step["controls"]}
    return problems + finding_problems(truth["findings"], scenario["findings"], ids, labels)


# ---------------------------------------------------------------- tests


def test_every_cmp_journey_has_a_complete_truth() -> None:
    for name, truth in SCENARIOS.items():
        assert (CMP / truth["page"]).is_file(), name
        assert len(truth["observed"]) == 1 + len(truth["steps"]), name
        assert any(truth["observed"]), f"{name}: no step has controls"
        ids = set()
        for specs in truth["observed"]:
            step_ids = [truth_id(spec) for spec in specs]
            assert len(step_ids) == len(set(step_ids)), f"{name}: two controls share an id"
            ids.update(step_ids)
            for spec in specs:
                assert set(spec) <= CONTROL_KEYS, (name, spec)
        for finding in truth["findings"]:
            assert set(finding) <= FINDING_KEYS, (name, finding)
            assert finding["control"] in ids, (name, finding)
            assert 0 <= finding["step"] <= len(truth["steps"]), (name, finding)


def test_every_cmp_page_is_in_a_journey_and_every_cmp_is_vendored_unmodified_with_its_licence() -> None:
    pages = {str(p.relative_to(CMP)) for p in CMP.glob("*/*.html")}
    assert pages == {truth["page"] for truth in SCENARIOS.values()}
    for cmp in {p.parent.name for p in CMP.glob("*/*.html")}:
        assert f"{cmp}/LICENSE" in VENDORED, cmp
        assert any(file.startswith(f"{cmp}/") and file.endswith(".js") for file in VENDORED), cmp
    for file, digest in VENDORED.items():
        assert hashlib.sha256((CMP / file).read_bytes()).hexdigest() == digest, f"{file} was changed"
    readme = (CMP / "README.md").read_text(encoding="utf-8")
    for page in pages:
        assert page in readme, f"{page} is not described in tests/pages/cmp/README.md"


@pytest.mark.slow
def test_the_cmp_journeys_run_in_one_crawl(cmp_crawl: Run) -> None:
    assert cmp_crawl.code == 1, cmp_crawl.stderr  # findings, and no scenario failed
    assert cmp_crawl.doc["run"]["status"] == "completed"
    assert sorted(s["name"] for s in cmp_crawl.doc["scenarios"]) == sorted(SCENARIOS)
    assert "Traceback" not in cmp_crawl.stderr


@pytest.mark.slow
@pytest.mark.parametrize("name", list(SCENARIOS))
def test_cmp_journey(cmp_crawl: Run, name: str) -> None:
    problems = check_scenario(name, cmp_crawl)
    assert not problems, f"{name} ({SCENARIOS[name]['page']}):\n  " + "\n  ".join(problems)
