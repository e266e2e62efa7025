"""Stable control keys: the same control to a person keeps its key across steps and nights.

Ids and names are often randomised per page load, so the key is built from what a person perceives:
the path of the frame's address (host and port change between servers and mirrors), the kind of
control, its label, its option value, and its order among controls that look the same.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from urllib.parse import urlsplit

_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)


def normalise(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def slug(text: str, limit: int = 40) -> str:
    return _NON_WORD.sub("-", normalise(text)).strip("-_")[:limit].strip("-_") or "unlabelled"


def frame_path(url: str) -> str:
    return urlsplit(url).path or url.split("?")[0]


class KeyMaker:
    """Assigns keys within one observation; identical-looking controls are told apart by order."""

    def __init__(self) -> None:
        self._seen: Counter[str] = Counter()

    def key(self, frame_url: str, kind: str, label: str, value: str) -> str:
        basis = "\x1f".join((frame_path(frame_url), kind, normalise(label), value))
        self._seen[basis] += 1
        digest = hashlib.sha1(f"{basis}\x1f{self._seen[basis]}".encode()).hexdigest()[:8]
        return f"{kind}:{slug(label)}:{digest}"
