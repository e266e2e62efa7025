"""The JSON Schema editors use: shipped beside the scenarios, equal to `crawler schema`, self-documenting."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from jsonschema import Draft202012Validator, ValidationError

from crawler import scenario
from crawler.cli import cli

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
SHIPPED = SCENARIOS / "scenario.schema.json"
BUNDLED = sorted(SCENARIOS.glob("*.yaml"))
SCHEMA_LINE = "# yaml-language-server: $schema=scenario.schema.json"


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    schema = json.loads(SHIPPED.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def test_shipped_schema_is_exactly_what_crawler_schema_prints() -> None:
    printed = CliRunner().invoke(cli, ["schema"])
    assert printed.exit_code == 0, printed.output
    assert SHIPPED.read_text(encoding="utf-8") == printed.output, "regenerate: crawler schema > " + str(
        SHIPPED
    )


@pytest.mark.parametrize("path", BUNDLED, ids=[p.name for p in BUNDLED])
def test_bundled_scenarios_point_at_the_schema_and_pass_it(
    path: Path, validator: Draft202012Validator
) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.splitlines()[0] == SCHEMA_LINE
    errors = [e.message for e in validator.iter_errors(yaml.safe_load(text))]
    assert errors == []


BROKEN = {
    "unknown key": ({"titel": "typo"}, "Additional properties are not allowed ('titel' was unexpected)"),
    "unknown step": ({"steps": [{"clik": "#a"}]}, "is not valid under any of the given schemas"),
    "two actions in one step": ({"steps": [{"click": "#a", "check": "#b"}]}, "is not valid under any"),
    "wrong type": ({"viewport": {"width": "wide", "height": 800}}, "'wide' is not of type 'integer'"),
    "unknown rule id": ({"expect": {"findings": ["preselected"]}}, "'preselected' is not one of"),
    "checked is not a word": (
        {"expect": {"controls": [{"label": "a", "checked": "yes"}]}},
        "'yes' is not valid",
    ),
    "status that is no error": ({"allow_http_status": [200]}, "200 is less than the minimum of 400"),
}


def _messages(errors: Iterable[ValidationError]) -> Iterator[str]:
    """Every message, including those of the branches of a oneOf/anyOf that did not match."""
    for error in errors:
        yield error.message
        yield from _messages(error.context or ())


@pytest.mark.parametrize("case", BROKEN)
def test_schema_rejects_a_broken_scenario(case: str, validator: Draft202012Validator) -> None:
    extra, message = BROKEN[case]
    messages = list(_messages(validator.iter_errors({"name": "a", "url": "/x", **extra})))
    assert any(message in m for m in messages), messages


def test_schema_accepts_every_new_key(validator: Draft202012Validator) -> None:
    scenario = {
        "name": "a",
        "url": "/x",
        "device": "iPhone 13",
        "storage_state": "state.json",
        "allow_http_status": [404],
        "scenario_timeout_s": 60,
        "expect": {
            "findings": "none",
            "controls": [
                {"label": "Terms", "step": "last", "checked": None, "visible": True},
                {"label": "b", "step": 2},
            ],
        },
    }
    assert [e.message for e in validator.iter_errors(scenario)] == []
    assert [
        e.message for e in validator.iter_errors({**scenario, "expect": {"findings": ["bundled-consent"]}})
    ] == []


def _properties(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    found = [("(root)", name, prop) for name, prop in schema["properties"].items()]
    for model, definition in schema["$defs"].items():
        found += [(model, name, prop) for name, prop in definition.get("properties", {}).items()]
    return found


def test_every_key_and_step_action_is_described() -> None:
    schema = json.loads(SHIPPED.read_text(encoding="utf-8"))
    undescribed = [
        f"{model}.{name}" for model, name, prop in _properties(schema) if not prop.get("description")
    ]
    assert undescribed == []
    assert all(definition.get("description") for definition in schema["$defs"].values())
    for action in ("click", "fill", "wait_for", "snapshot"):
        step = next(d for d in schema["$defs"].values() if action in d.get("properties", {}))
        assert step["properties"][action]["description"].startswith(f"{action}:")


def test_the_readme_example_is_a_valid_scenario(
    tmp_path: Path, validator: Draft202012Validator, monkeypatch: pytest.MonkeyPatch
) -> None:
    readme = (SCENARIOS.parent / "README.md").read_text(encoding="utf-8")
    example = re.search(r"```yaml\n(# yaml-language-server.*?)```", readme, re.S)
    assert example is not None
    (tmp_path / "example.yaml").write_text(example.group(1), encoding="utf-8")
    monkeypatch.setenv("ALIPAY_PHONE", "13800000000")

    [loaded] = scenario.load([tmp_path / "example.yaml"])

    assert loaded.secrets == ("13800000000",)
    assert [e.message for e in validator.iter_errors(yaml.safe_load(example.group(1)))] == []
