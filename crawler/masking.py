"""Secrets (values a scenario took from `${NAME}`) never reach what the crawler writes: they are masked.

Results are masked as data before they are stored, exported or printed; a Playwright trace, which records
the values typed and the pages' DOM and network traffic, is rewritten with every form of each secret
replaced by a run of the same length.
"""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote, quote_plus

from crawler.records import build, jsonable

MASK = "••••••"

T = TypeVar("T")


def mask_text(text: str, secrets: Sequence[str]) -> str:
    """Every form of each secret replaced: as typed, and as a URL or a form post carries it."""
    for secret in secrets:
        for form in _text_forms(secret):
            text = text.replace(form, MASK)
    return text


def _mask_data(data: Any, secrets: Sequence[str]) -> Any:
    if isinstance(data, str):
        return mask_text(data, secrets)
    if isinstance(data, list):
        return [_mask_data(item, secrets) for item in data]
    if isinstance(data, dict):
        return {key: _mask_data(value, secrets) for key, value in data.items()}
    return data


def mask_result(result: T, secrets: Sequence[str]) -> T:
    """The same record with every string in it masked (labels, URLs, errors, page errors...)."""
    if not secrets:
        return result
    return build(type(result), _mask_data(jsonable(result), secrets))


def _text_forms(secret: str) -> list[str]:
    """The forms a secret takes: as typed, JSON-escaped, URL-encoded (a query string, a form post)."""
    forms = {secret, json.dumps(secret)[1:-1], quote(secret, safe=""), quote_plus(secret)}
    return sorted((f for f in forms if f), key=len, reverse=True)


def _forms(secret: str) -> list[bytes]:
    return [form.encode() for form in _text_forms(secret)]


def mask_bytes(data: bytes, secrets: Sequence[str]) -> bytes:
    for secret in secrets:
        for form in _forms(secret):
            data = data.replace(form, b"*" * len(form))
    return data


def mask_file(path: Path, secrets: Sequence[str]) -> None:
    """Rewrite a zip (a Playwright trace) with every secret masked in every member."""
    if not secrets or not path.is_file():
        return
    masked = path.with_name(path.name + ".masking")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(masked, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            target.writestr(member, mask_bytes(source.read(member), secrets))
    os.replace(masked, path)
