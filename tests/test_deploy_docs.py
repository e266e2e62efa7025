"""The deployment examples in docs/deploy/ are what operations teams copy: they must work as written."""

from __future__ import annotations

import configparser
import os
import re
import shlex
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

from crawler import baseline
from crawler.cli import cli

DEPLOY = Path(__file__).resolve().parent.parent / "docs" / "deploy"
YAML_FILES = sorted(p for p in DEPLOY.rglob("*") if p.suffix in (".yaml", ".yml"))
UNITS = DEPLOY / "systemd"
CRONTAB = DEPLOY / "cron" / "consent-crawler"
WORKFLOW = DEPLOY / "github-actions" / "consent-crawler-nightly.yml"
KUBERNETES = DEPLOY / "kubernetes"
SHARDS = 4

# A shell variable in any of the forms the examples use: $VAR, ${VAR} (shell, systemd), $(VAR) (Kubernetes).
ENV_REFERENCE = re.compile(r"\$(?:[A-Z_][A-Z0-9_]*|\{[A-Z_][A-Z0-9_]*\}|\([A-Z_][A-Z0-9_]*\))")


def _documents(path: Path) -> list[Any]:
    return [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc is not None]


def _walk(node: Any) -> Iterator[Any]:
    yield node
    children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
    for child in children:
        yield from _walk(child)


# --- every file -------------------------------------------------------------------------------------


def test_the_examples_are_all_there() -> None:
    names = {p.relative_to(DEPLOY).as_posix() for p in DEPLOY.rglob("*") if p.is_file()}
    assert {
        "README.md",
        "cron/consent-crawler",
        "systemd/consent-crawler-nightly.service",
        "systemd/consent-crawler-nightly.timer",
        "github-actions/consent-crawler-nightly.yml",
        "kubernetes/Dockerfile",
        "kubernetes/storage.yaml",
        "kubernetes/nightly-cronjob.yaml",
        "kubernetes/sharded-cronjobs.yaml",
    } <= names
    readme = (DEPLOY / "README.md").read_text(encoding="utf-8")
    for name in names - {"README.md"}:
        assert Path(name).name in readme, f"README.md does not explain {name}"


@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: p.relative_to(DEPLOY).as_posix())
def test_every_yaml_file_parses(path: Path) -> None:
    assert _documents(path)


# --- systemd ----------------------------------------------------------------------------------------


def _unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None, empty_lines_in_values=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(UNITS / name, encoding="utf-8")
    return parser


def _seconds(span: str) -> int:
    units = {"h": 3600, "min": 60, "s": 1}
    return sum(int(n) * units[u] for n, u in re.findall(r"(\d+)\s*(h|min|s)", span))


def test_the_service_runs_once_and_stops_cleanly() -> None:
    unit = _unit("consent-crawler-nightly.service")
    service = unit["Service"]
    assert unit["Unit"]["Description"]
    assert service["Type"] == "oneshot"
    assert service["User"] and service["EnvironmentFile"]
    assert service["ExecStart"].split()[:2] == ["/opt/consent-crawler/venv/bin/crawler", "nightly"]
    assert service["KillSignal"] == "SIGTERM"
    assert service["KillMode"] == "mixed", "SIGTERM must reach the crawler, not Chromium behind its back"
    assert _seconds(service["TimeoutStopSec"]) >= 120
    assert _seconds(service["TimeoutStartSec"]) > _seconds("2h"), "a backstop behind --max-duration 2h"
    assert not unit.has_section("Install"), "the timer starts the service; installed, it would run at boot"


def test_the_timer_catches_up_after_downtime() -> None:
    unit = _unit("consent-crawler-nightly.timer")
    assert unit["Unit"]["Description"]
    assert unit["Timer"]["OnCalendar"]
    assert unit["Timer"]["Persistent"] == "true"
    assert unit["Timer"]["Unit"] == "consent-crawler-nightly.service"
    assert unit["Install"]["WantedBy"] == "timers.target"


def test_systemd_accepts_the_units(tmp_path: Path) -> None:
    # verify wants ExecStart's program to exist: point it at the crawler installed for these tests.
    installed = shutil.which("crawler", path=os.path.dirname(sys.executable))
    assert installed is not None
    for unit in UNITS.iterdir():
        text = unit.read_text(encoding="utf-8").replace("/opt/consent-crawler/venv/bin/crawler", installed)
        (tmp_path / unit.name).write_text(text, encoding="utf-8")
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *sorted(str(p) for p in tmp_path.iterdir())],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0 and result.stderr == "", result.stderr
    calendar = _unit("consent-crawler-nightly.timer")["Timer"]["OnCalendar"]
    assert (
        subprocess.run(["systemd-analyze", "calendar", calendar], capture_output=True, check=False).returncode
        == 0
    )


# --- cron -------------------------------------------------------------------------------------------


def test_the_crontab_line_is_one_schedule_user_and_command() -> None:
    lines = [
        line
        for line in CRONTAB.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#") and not re.match(r"^[A-Z_]+=", line)
    ]
    assert len(lines) == 1
    minute, hour, day, month, weekday, user, command = lines[0].split(maxsplit=6)
    assert all(re.fullmatch(r"[0-9*,/-]+", field) for field in (minute, hour, day, month, weekday))
    assert user == "consent-crawler"
    assert "%" not in command, "cron turns % into a new line"
    assert "crawler nightly" in command


# --- GitHub Actions ---------------------------------------------------------------------------------


def test_the_workflow_passes_githubs_workflow_schema() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            "vendor.github-workflows",
            str(WORKFLOW),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_workflow_shards_and_merges() -> None:
    [workflow] = _documents(WORKFLOW)
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as true
    assert triggers["schedule"][0]["cron"] and "workflow_dispatch" in triggers
    crawl, merge = workflow["jobs"]["crawl"], workflow["jobs"]["merge"]
    assert crawl["strategy"]["matrix"]["shard"] == list(range(1, SHARDS + 1))
    assert crawl["strategy"]["fail-fast"] is False
    crawl_script = " ".join(step.get("run", "") for step in crawl["steps"])
    assert f"--shard ${{{{ matrix.shard }}}}/{SHARDS}" in crawl_script
    assert '--run-id "$RUN_ID"' in crawl_script and "github.run_id" in workflow["env"]["RUN_ID"]
    assert "chromium fonts-noto-cjk" in crawl_script and "pip install ." in crawl_script
    upload = next(s for s in crawl["steps"] if s.get("uses", "").startswith("actions/upload-artifact"))
    assert upload["with"]["path"].split() == ["shard.db*", "shard-screenshots/", "shard-junit.xml"]
    assert merge["needs"] == "crawl" and "cancelled()" in merge["if"]
    uses = [step.get("uses", "").split("@")[0] for step in merge["steps"]]
    assert uses.index("actions/download-artifact") < uses.index("actions/cache/restore")
    merge_script = " ".join(step.get("run", "") for step in merge["steps"])
    assert "crawler merge nightly.db shards/shard-*/shard.db" in merge_script
    published = [s for s in merge["steps"] if s.get("uses", "").startswith("actions/upload-artifact")]
    assert [s["with"]["path"] for s in published] == ["reports/"]


# --- Kubernetes -------------------------------------------------------------------------------------


def _cronjobs() -> dict[str, dict[str, Any]]:
    documents = [d for p in KUBERNETES.glob("*.yaml") for d in _documents(p)]
    return {d["metadata"]["name"]: d for d in documents if d["kind"] == "CronJob"}


def test_the_indexed_job_gives_each_pod_its_own_shard() -> None:
    job = _cronjobs()["consent-crawler-shards"]["spec"]["jobTemplate"]["spec"]
    assert job["completionMode"] == "Indexed"
    assert job["completions"] == job["parallelism"] == SHARDS
    [container] = job["template"]["spec"]["containers"]
    script = container["args"][-1]
    assert f'--shard "$((JOB_COMPLETION_INDEX+1))/{SHARDS}"' in script
    assert '--run-id "$JOB_NAME"' in script
    env = {e["name"]: e for e in container["env"]}
    assert env["JOB_NAME"]["valueFrom"]["fieldRef"]["fieldPath"].endswith("['batch.kubernetes.io/job-name']")


def test_the_pods_stop_cleanly_and_never_crawl_a_night_twice() -> None:
    for name, cronjob in _cronjobs().items():
        assert cronjob["spec"]["concurrencyPolicy"] == "Forbid", name
        job = cronjob["spec"]["jobTemplate"]["spec"]
        assert job.get("backoffLimit", 0) == 0 and job.get("backoffLimitPerIndex", 0) == 0, name
        if name != "consent-crawler-merge":
            assert job["activeDeadlineSeconds"] > _seconds("2h"), name
            assert job["template"]["spec"]["terminationGracePeriodSeconds"] >= 120, name


def test_the_merge_runs_after_the_shards_have_stopped() -> None:
    jobs = _cronjobs()
    shard_minute, shard_hour = map(int, jobs["consent-crawler-shards"]["spec"]["schedule"].split()[:2])
    merge_minute, merge_hour = map(int, jobs["consent-crawler-merge"]["spec"]["schedule"].split()[:2])
    deadline = jobs["consent-crawler-shards"]["spec"]["jobTemplate"]["spec"]["activeDeadlineSeconds"]
    assert (merge_hour * 60 + merge_minute) - (shard_hour * 60 + shard_minute) >= deadline / 60


def test_the_baseline_example_loads(tmp_path: Path) -> None:
    readme = (DEPLOY / "README.md").read_text(encoding="utf-8")
    [example] = re.findall(r"^ *```yaml\n(.*?)^ *```", readme, re.M | re.S)
    path = tmp_path / "baseline.yaml"
    path.write_text(textwrap.dedent(example), encoding="utf-8")
    [entry] = baseline.load(path).entries
    assert (entry.scenario, entry.rule) == ("annual-report-2017", "preselected-consent")


# --- secrets ----------------------------------------------------------------------------------------


def test_the_webhook_only_ever_comes_from_the_environment() -> None:
    commands = [tokens for _, tokens in _commands()]
    values = [
        tokens[i + 1]
        for tokens in commands
        for i, t in enumerate(tokens[:-1])
        if t in ("--notify-webhook", "--webhook")
    ]
    assert values
    for value in values:
        assert ENV_REFERENCE.fullmatch(value), value
    every_text = "\n".join(p.read_text(encoding="utf-8") for p in DEPLOY.rglob("*") if p.is_file())
    assert not re.search(r"hooks\.slack\.com/services/[A-Z0-9]+/", every_text), "a real-looking webhook URL"


# --- crawler command lines --------------------------------------------------------------------------

GITHUB_EXPRESSION = re.compile(r"\$\{\{.*?\}\}")
SHELL_ARITHMETIC = re.compile(r"\$\(\(.*?\)\)")
KUBERNETES_VARIABLE = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")
INLINE_CODE = re.compile(r"`([^`\n]+)`")
FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.M | re.S)
COMMAND = re.compile(r"(?<![\w.-])(?:/[\w./-]*/)?crawler(?=[ \t])")
OPERATOR = re.compile(r"^[();<>|&]+$")


def _command_text(text: str) -> Iterator[str]:
    """Logical lines that may hold a command: continuations joined, `inline code` taken out of comments."""
    text = text.replace("\\\n", " ")
    text = GITHUB_EXPRESSION.sub("EXPR", SHELL_ARITHMETIC.sub("EXPR", text))
    text = KUBERNETES_VARIABLE.sub(r"${\1}", text)
    for line in text.splitlines():
        if line.lstrip().startswith("#"):
            yield from INLINE_CODE.findall(line)
        else:
            yield line


def _tokens_after(line: str) -> Iterator[list[str]]:
    for match in COMMAND.finditer(line):
        lexer = shlex.shlex(line[match.end() :], posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        tokens: list[str] = []
        for token in lexer:
            if OPERATOR.match(token):
                break
            tokens.append(token)
        yield tokens


def _commands() -> list[tuple[str, list[str]]]:
    """Every `crawler ...` command line in docs/deploy/, as (file, arguments after `crawler`)."""
    found: list[tuple[str, list[str]]] = []
    for path in sorted(p for p in DEPLOY.rglob("*") if p.is_file()):
        where = path.relative_to(DEPLOY).as_posix()
        texts: list[str] = []
        if path.suffix in (".yaml", ".yml"):
            for node in (n for doc in _documents(path) for n in _walk(doc)):
                if isinstance(node, list) and node and all(isinstance(x, str) for x in node):
                    if Path(node[0]).name == "crawler":
                        found.append((where, [KUBERNETES_VARIABLE.sub(r"${\1}", x) for x in node[1:]]))
                elif isinstance(node, str):
                    texts.append(node)
        elif path.suffix == ".md":
            markdown = path.read_text(encoding="utf-8")
            texts += FENCE.findall(markdown) + INLINE_CODE.findall(FENCE.sub("", markdown))
        else:
            texts.append(path.read_text(encoding="utf-8"))
        for text in texts:
            found += [(where, tokens) for line in _command_text(text) for tokens in _tokens_after(line)]
    return found


def test_command_lines_are_found_where_expected() -> None:
    by_file: dict[str, set[str]] = {}
    for where, tokens in _commands():
        by_file.setdefault(where, set()).add(tokens[0] if tokens else "")
    assert by_file["cron/consent-crawler"] == {"nightly"}
    assert by_file["systemd/consent-crawler-nightly.service"] == {"nightly"}
    assert by_file["github-actions/consent-crawler-nightly.yml"] == {"run", "merge", "report", "notify"}
    assert by_file["kubernetes/nightly-cronjob.yaml"] == {"nightly"}
    assert by_file["kubernetes/sharded-cronjobs.yaml"] == {"run", "merge", "report", "notify"}
    assert {"nightly", "run", "merge", "report", "notify"} <= by_file["README.md"]


def _problems(tokens: list[str]) -> Iterator[str]:
    if not tokens or tokens[0] not in cli.commands:
        yield f"no command `crawler {tokens[0] if tokens else ''}` (commands: {', '.join(cli.commands)})"
        return
    command = cli.commands[tokens[0]]
    options = {
        opt: p for p in command.params if isinstance(p, click.Option) for opt in p.opts + p.secondary_opts
    }
    options.update({"--help": None, "-h": None})
    for index, token in enumerate(tokens[1:], start=1):
        name = token.split("=", 1)[0]
        if not name.startswith("-") or name == "-":
            continue
        if name not in options:
            yield f"`crawler {tokens[0]}` has no option {name}"
            continue
        param = options[name]
        if param is None or param.is_flag:
            continue
        value = (
            token.split("=", 1)[1]
            if "=" in token
            else (tokens[index + 1] if index + 1 < len(tokens) else None)
        )
        if value is None or value.startswith("--"):
            yield f"`crawler {tokens[0]} {name}` needs a value"
        elif isinstance(param.type, click.Choice) and "$" not in value and value not in param.type.choices:
            choices = ", ".join(map(str, param.type.choices))
            yield f"`crawler {tokens[0]} {name} {value}`: not one of {choices}"


def test_every_crawler_command_line_uses_commands_and_options_that_exist() -> None:
    problems = [f"{where}: {problem}" for where, tokens in _commands() for problem in _problems(tokens)]
    assert not problems, "\n".join(problems)
