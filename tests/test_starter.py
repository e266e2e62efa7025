"""`crawler init`: a starter that validates, points at a schema that exists, never overwrites by accident."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from jsonschema import Draft202012Validator

from crawler import scenario
from crawler.cli import cli
from crawler.models import STEP_MODELS
from crawler.starter import StarterError, schema_text
from tests.conftest import run_cli


def init(*args: str) -> tuple[int, str, BaseException | None]:
    result = CliRunner().invoke(cli, ["init", *args])
    return result.exit_code, result.stdout, result.exception


def test_starter_validates_and_its_schema_line_points_at_a_real_schema(tmp_path: Path) -> None:
    out = tmp_path / "journeys" / "checkout.yaml"
    code, stdout, _ = init("checkout", "https://shop.example.com/cart", "--out", str(out))

    assert code == 0
    assert stdout.strip() == str(out)
    text = out.read_text(encoding="utf-8")
    schema_ref = re.fullmatch(r"# yaml-language-server: \$schema=(\S+)", text.splitlines()[0])
    assert schema_ref is not None
    schema_file = out.parent / schema_ref.group(1)
    assert schema_file.read_text(encoding="utf-8") == schema_text()
    [loaded] = scenario.load([out])
    assert (loaded.scenario.name, loaded.scenario.title) == ("checkout", "Checkout")
    assert loaded.scenario.url == "https://shop.example.com/cart"
    Draft202012Validator(json.loads(schema_file.read_text())).validate(yaml.safe_load(text))


def test_starter_shows_every_step_action_commented(tmp_path: Path) -> None:
    init("signup", "/signup", "--out", str(tmp_path / "signup.yaml"))
    text = (tmp_path / "signup.yaml").read_text(encoding="utf-8")
    for action in STEP_MODELS:
        assert re.search(rf"^  # - {action}: ", text, re.M), action
    uncommented = yaml.safe_load("\n".join(line.replace("# - ", "- ", 1) for line in text.splitlines()))
    assert len(uncommented["steps"]) == len(STEP_MODELS) + 2  # two fill examples, and the live scroll step


def test_default_place_is_the_scenarios_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, stdout, _ = init("signup", "/signup")
    assert code == 0
    assert stdout.strip() == "scenarios/signup.yaml"
    assert (tmp_path / "scenarios" / "signup.yaml").is_file()
    assert (tmp_path / "scenarios" / "scenario.schema.json").is_file()


def test_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    out = tmp_path / "checkout.yaml"
    out.write_text("mine\n")

    code, _, exception = init("checkout", "/cart", "--out", str(out))
    assert code != 0 and isinstance(exception, StarterError)
    assert str(exception) == f"{out} exists; pass --force to overwrite it"
    assert out.read_text() == "mine\n"

    code, _, _ = init("checkout", "/cart", "--out", str(out), "--force")
    assert code == 0 and "name: checkout" in out.read_text()


def test_a_stale_schema_beside_it_is_kept_and_named(tmp_path: Path) -> None:
    (tmp_path / "scenario.schema.json").write_text("{}")
    runner = CliRunner()
    result = runner.invoke(cli, ["init", "a", "/x", "--out", str(tmp_path / "a.yaml")])
    assert result.exit_code == 0
    assert (tmp_path / "scenario.schema.json").read_text() == "{}"
    assert f"refresh it with: crawler schema > {tmp_path / 'scenario.schema.json'}" in result.stderr


def test_bad_name_or_url_is_a_usage_error(tmp_path: Path) -> None:
    done = run_cli("init", "Check Out", "/x", "--out", str(tmp_path / "a.yaml"))
    assert done.returncode == 2
    assert "NAME 'Check Out' must be a slug" in done.stderr
    done = run_cli("init", "a", "javascript:alert(1)", "--out", str(tmp_path / "a.yaml"))
    assert done.returncode == 2
    assert "javascript: URLs are refused" in done.stderr
    assert not (tmp_path / "a.yaml").exists()
