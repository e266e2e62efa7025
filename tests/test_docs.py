"""The README is the contract users read: it must name every step, rule, command, option and key."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from crawler.cli import cli
from crawler.errors import EXIT_ENVIRONMENT, EXIT_FINDINGS, EXIT_OK, EXIT_SCENARIO_ERROR, EXIT_USAGE
from crawler.models import STEP_MODELS, Scenario
from crawler.rules import RULES

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("action", STEP_MODELS)
def test_every_step_action_is_documented(action: str) -> None:
    assert re.search(rf"^\s+- {action}:", README, re.M), action


@pytest.mark.parametrize("key", Scenario.model_fields)
def test_every_scenario_key_is_documented(key: str) -> None:
    assert re.search(rf"(^{key}:|`{key}`)", README, re.M), key


@pytest.mark.parametrize("rule", RULES)
def test_every_rule_is_documented_with_its_tags(rule: str) -> None:
    row = next((line for line in README.splitlines() if line.startswith(f"| `{rule}` |")), None)
    assert row is not None, rule
    for tag in RULES[rule].tags:
        assert f"`{tag}`" in row, (rule, tag)


@pytest.mark.parametrize("command", cli.commands)
def test_every_command_and_option_is_documented(command: str) -> None:
    assert f"crawler {command}" in README
    for param in cli.commands[command].params:
        if isinstance(param, click.Option):
            assert any(re.search(rf"(?<![\w-]){opt}(?![\w-])", README) for opt in param.opts), (
                command,
                param.opts,
            )


@pytest.mark.parametrize("code", [EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_SCENARIO_ERROR, EXIT_ENVIRONMENT])
def test_every_exit_code_is_documented(code: int) -> None:
    assert re.search(rf"^\| {code} \|", README, re.M)


def test_every_json_field_is_documented() -> None:
    from crawler import export
    from crawler.results import Box, Control, Finding, LabelStyle, Observation, RunResult, ScenarioResult

    control = Control(
        key="k",
        kind="checkbox",
        role="checkbox",
        label="l",
        label_source="label",
        nearby_text="",
        checked=True,
        disabled=False,
        visible=True,
        frame_url="u",
        shadow=False,
        shadow_mode=None,
        selector="#a",
        acted=False,
        box=Box(0, 0, 1, 1),
        label_style=LabelStyle(12, "c", "b", 4.5, 1),
    )
    step = Observation(index=0, action="open", name="open", url="u", controls=(control,))
    finding = Finding(rule="preselected-consent", severity="high", step=0, control="k", label="l", detail="d")
    scenario = ScenarioResult(
        name="s", title="t", file="f", tags=(), started_at="now", steps=[step], findings=[finding]
    )
    document = export.run_document(RunResult(id="r", started_at="now", base_url="", scenarios=[scenario]))
    scenario_doc = document["scenarios"][0]
    fields = {
        *document,
        *document["run"],
        *scenario_doc,
        *scenario_doc["steps"][0],
        *scenario_doc["steps"][0]["controls"][0],
        *scenario_doc["findings"][0],
    } - {"run", "scenarios", "steps", "controls", "findings"}
    missing = sorted(name for name in fields if f'"{name}"' not in README and f"`{name}`" not in README)
    assert missing == []
