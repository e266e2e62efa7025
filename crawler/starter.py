"""`crawler init`: a starter scenario to edit, with the JSON Schema beside it for editor completion."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from crawler.errors import CrawlerError
from crawler.models import Scenario

SCHEMA_FILE = "scenario.schema.json"

TEMPLATE = """\
# yaml-language-server: $schema={schema}
# A user journey for the consent crawler. Check it with `crawler validate {path}`;
# run it with `crawler run {path}` (add --base-url when url: is relative).
# Every key is described in the README's "Scenarios" section and in {schema}.
name: {name}
title: {title}
url: {url}
# tags: [signup]
# device: iPhone 13                  # a Playwright device preset; keys below override it
# locale: en-GB
# viewport: {{width: 1280, height: 800}}
# storage_state: state.json          # start logged in; a path relative to this file
# allow_http_status: [404]           # error statuses the pages may answer
# scenario_timeout_s: 300
steps:
  # One action per step; any step may also carry `name:` and `timeout_ms:`.
  # Values may read the environment as ${{NAME}} (masked in all results); $${{ is a literal ${{.
  # - click: "text=Accept"           # any Playwright selector: css, text=, role=, xpath=
  # - fill: {{selector: "#email", value: "ada@example.com"}}
  # - fill: {{selector: "#password", value: "${{SHOP_PASSWORD}}"}}
  # - press: {{selector: "#search", key: Enter}}
  # - check: "#terms"
  # - uncheck: "#newsletter"
  # - select: {{selector: "#country", value: DE}}
  # - hover: "#menu"
  # - scroll: "#footer"              # top | bottom | a selector
  # - wait_for: "#confirmation"      # a selector | {{url: "**/done"}} | {{ms: 500}}
  # - goto: /account/privacy
  # - snapshot: before-submit        # observe only
  - name: end-of-page
    scroll: bottom                   # consent boxes often sit at the very end
# expect:
#   findings: none                   # or a list of the rule ids that are allowed
#   controls:
#     - label: newsletter            # part of the label; compared ignoring case
#       step: last                   # an index, a step's name, or last
#       checked: false
"""


class StarterError(CrawlerError):
    """The starter cannot be written: a bad NAME or URL, or the file exists (use --force)."""


@dataclass(frozen=True)
class Written:
    scenario: Path
    notes: list[str] = field(default_factory=list)


def render(name: str, url: str, path: str, schema: str = SCHEMA_FILE) -> str:
    title = name.replace("-", " ").capitalize()
    return TEMPLATE.format(
        name=name, title=title, url=json.dumps(url, ensure_ascii=False), path=path, schema=schema
    )


def write(name: str, url: str, out: Path, *, force: bool = False) -> Written:
    """Write the starter to `out`, and the schema beside it when none is there (or with `force`)."""
    _check(name, url)
    if out.exists() and not force:
        raise StarterError(f"{out} exists; pass --force to overwrite it")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(name, url, str(out)), encoding="utf-8")
    return Written(out, _write_schema(out.parent / SCHEMA_FILE, force))


def schema_text() -> str:
    """Exactly what `crawler schema` prints."""
    return json.dumps(Scenario.model_json_schema(), indent=2) + "\n"


def _write_schema(path: Path, force: bool) -> list[str]:
    current = schema_text()
    if path.is_file() and not force:
        if path.read_text(encoding="utf-8") == current:
            return []
        return [f"{path} differs from this crawler's schema; refresh it with: crawler schema > {path}"]
    path.write_text(current, encoding="utf-8")
    return [f"wrote {path} (editors with the YAML language server use it to complete and check keys)"]


def _check(name: str, url: str) -> None:
    try:
        Scenario.model_validate({"name": name, "url": url}, context={"allow_file_urls": True})
    except ValidationError as exc:
        error = exc.errors()[0]
        if error["loc"][0] == "name":
            raise StarterError(
                f"NAME {name!r} must be a slug of lowercase letters, digits and hyphens, e.g. checkout-2024"
            ) from None
        raise StarterError(f"URL {url!r}: {error['msg']}") from None
