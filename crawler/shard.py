"""Split scenarios over machines: shard K of N takes the names whose stable hash falls in its bucket."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from typing import TypeVar

from crawler.errors import CrawlerError

T = TypeVar("T")

_FORM = re.compile(r"\s*([0-9]+)\s*/\s*([0-9]+)\s*")


def parse(text: str) -> tuple[int, int]:
    """`"K/N"` → (K, N), shards numbered from 1 like Playwright's `--shard`."""
    match = _FORM.fullmatch(text)
    if match is None:
        raise CrawlerError(f"shard '{text}' is not of the form K/N, e.g. 2/4 (the second of four shards)")
    k, n = int(match[1]), int(match[2])
    if n < 1:
        raise CrawlerError(f"shard '{text}': N must be at least 1, e.g. 1/4")
    if not 1 <= k <= n:
        raise CrawlerError(f"shard '{text}': K must be between 1 and {n} (shards are numbered from 1)")
    return k, n


def bucket(name: str, n: int) -> int:
    """0 to n-1, the same on every machine and Python: sha256, not `hash`, which is salted per process."""
    digest = hashlib.sha256(name.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % n


def select(items: Iterable[T], k: int, n: int, key: Callable[[T], str]) -> list[T]:
    """The items of shard `k` of `n`, in their original order. Each item's shard depends on its name alone,
    so adding or removing a scenario never moves another one."""
    return [item for item in items if bucket(key(item), n) == k - 1]
