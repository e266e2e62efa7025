"""The `--json` document: a contract others parse, so names only ever get added, never renamed.

Its fields are the fields of `crawler.results`, so a field added there appears here without a change; the
one name kept from before is a step's `not_checked` (the `gaps` of an Observation).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from crawler.errors import OutputError
from crawler.records import jsonable
from crawler.results import RunResult

FORMAT_VERSION = 1


def run_document(run: RunResult) -> dict[str, Any]:
    data = jsonable(run)
    scenarios = data.pop("scenarios")
    for scenario in scenarios:
        for step in scenario["steps"]:
            step["not_checked"] = step.pop("gaps")
    return {"format_version": FORMAT_VERSION, "run": data, "scenarios": scenarios}


def write(run: RunResult, path: str | Path) -> None:
    write_json(run_document(run), path, "the JSON document")


def write_json(document: Any, path: str | Path, what: str) -> None:
    """Write atomically: a reader never sees half a file."""
    target = Path(path)
    tmp = target.with_name(target.name + ".tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")
        tmp.replace(target)
    except OSError as exc:
        raise OutputError(
            f"cannot write {what} to {target} ({exc.strerror}); the run itself is saved in the database"
        ) from None
