"""What a QA engineer meets with `crawler run`: secrets. The real CLI and Chromium, pages from tests/pages/qa/
on loopback."""

from __future__ import annotations

import html
import json
import textwrap
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest

from crawler.server import SiteServer
from tests.conftest import run_cli


def crawl(folder: Path, site: SiteServer, scenarios: dict[str, str], *extra: str) -> tuple[int, str, Any]:
    """Write the scenarios into `folder/scenarios` and run `crawler run` on them with `--json`."""
    (folder / "scenarios").mkdir(parents=True, exist_ok=True)
    for name, text in scenarios.items():
        (folder / "scenarios" / name).write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    done = run_cli(
        "run",
        str(folder / "scenarios"),
        "--db",
        str(folder / "crawl.db"),
        "--json",
        str(folder / "out.json"),
        "--base-url",
        site.url,
        *extra,
    )
    doc = json.loads((folder / "out.json").read_text(encoding="utf-8"))
    return done.returncode, done.stderr, {s["name"]: s for s in doc["scenarios"]}


def labels(step: dict[str, Any]) -> set[str]:
    return {c["label"] for c in step["controls"]}


# -------------------------------------------------------------- secrets

SECRET = "p@ss w0rd+QA-7781"


def secret_forms(secret: str) -> set[bytes]:
    """The secret as typed, and as JSON, a URL, a form post and HTML would write it."""
    return {
        form.encode()
        for form in (
            secret,
            json.dumps(secret)[1:-1],
            quote(secret, safe=""),
            quote_plus(secret),
            html.escape(secret),
        )
    }


def leaks(folder: Path, secret: str) -> list[str]:
    """Every file under `folder` (and every member of every zip, a Playwright trace) holding the secret."""
    forms = secret_forms(secret)
    found = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        data = path.read_bytes()
        parts = [(str(path), data)]
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                parts += [(f"{path}!{name}", archive.read(name)) for name in archive.namelist()]
        found += [where for where, content in parts if any(form in content for form in forms)]
    return found


@pytest.mark.slow
def test_a_secret_from_the_environment_is_used_and_written_nowhere(
    tmp_path: Path, site: SiteServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QA_TOKEN", SECRET)
    scenario = """
        name: secret-token
        url: /qa/echo.html
        steps:
          - fill: {selector: "#token", value: "${QA_TOKEN}"}
          - click: "#go"
          - wait_for: "text=characters"
        """
    code, stderr, scenarios = crawl(
        tmp_path, site, {"secret.yaml": scenario}, "--trace", "--report", str(tmp_path / "report")
    )
    assert code == 0, stderr
    steps = scenarios["secret-token"]["steps"]
    assert f"token has {len(SECRET)} characters" in labels(steps[-1]), "the value was substituted and typed"
    assert "welcome back ••••••" in labels(steps[-1])
    trace = tmp_path / scenarios["secret-token"]["trace"]
    assert f"Trace of secret-token: playwright show-trace {trace}" in stderr
    with zipfile.ZipFile(trace) as archive:
        recorded = b"".join(archive.read(name) for name in archive.namelist())
    assert b"*" * len(SECRET) in recorded, "the trace recorded the typed value, masked"
    written = sorted(p.name for p in tmp_path.iterdir())
    assert {"crawl.db", "out.json", "report", "crawl-screenshots"} <= set(written)
    assert leaks(tmp_path, SECRET) == []
