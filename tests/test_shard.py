"""Shards: every scenario in exactly one, the same split on every machine, and new scenarios move nobody."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from crawler import shard
from crawler.errors import EXIT_USAGE, CrawlerError

NAMES = [f"journey-{i:03d}" for i in range(200)]


@pytest.mark.parametrize(
    ("text", "parsed"),
    [("1/1", (1, 1)), ("2/4", (2, 4)), ("4/4", (4, 4)), (" 3 / 10 ", (3, 10)), ("07/12", (7, 12))],
)
def test_parse(text: str, parsed: tuple[int, int]) -> None:
    assert shard.parse(text) == parsed


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0/4", "shard '0/4': K must be between 1 and 4 (shards are numbered from 1)"),
        ("5/4", "shard '5/4': K must be between 1 and 4 (shards are numbered from 1)"),
        ("1/0", "shard '1/0': N must be at least 1, e.g. 1/4"),
        ("2", "shard '2' is not of the form K/N, e.g. 2/4 (the second of four shards)"),
        ("-1/4", "shard '-1/4' is not of the form K/N, e.g. 2/4 (the second of four shards)"),
        ("1/4/2", "shard '1/4/2' is not of the form K/N, e.g. 2/4 (the second of four shards)"),
        ("a/b", "shard 'a/b' is not of the form K/N, e.g. 2/4 (the second of four shards)"),
        ("１/４", "shard '１/４' is not of the form K/N, e.g. 2/4 (the second of four shards)"),  # noqa: RUF001
        ("", "shard '' is not of the form K/N, e.g. 2/4 (the second of four shards)"),
    ],
)
def test_parse_refuses_with_a_clear_message(text: str, message: str) -> None:
    with pytest.raises(CrawlerError) as raised:
        shard.parse(text)
    assert str(raised.value) == message
    assert raised.value.exit_code == EXIT_USAGE


@pytest.mark.parametrize("n", [1, 2, 3, 4, 7, 16])
def test_every_scenario_lands_in_exactly_one_shard(n: int) -> None:
    shards = [shard.select(NAMES, k, n, key=str) for k in range(1, n + 1)]
    assert sorted(name for names in shards for name in names) == NAMES
    for names in shards:
        assert names == sorted(names)  # original order kept
    if n <= 4:
        assert all(len(names) >= len(NAMES) / n / 2 for names in shards), [len(s) for s in shards]


def test_adding_scenarios_never_moves_the_others() -> None:
    before = {k: shard.select(NAMES, k, 4, key=str) for k in range(1, 5)}
    grown = ["zz-new-journey", *NAMES[:100], "aa-new-journey", *NAMES[100:], "new-in-the-middle"]
    after = {k: shard.select(grown, k, 4, key=str) for k in range(1, 5)}
    for k in before:
        assert [name for name in after[k] if name in NAMES] == before[k]


def test_select_uses_the_key() -> None:
    items = [{"name": name, "file": f"scenarios/{name}.yaml"} for name in NAMES[:20]]
    chosen = shard.select(items, 2, 3, key=lambda item: item["name"])
    assert [item["name"] for item in chosen] == shard.select(NAMES[:20], 2, 3, key=str)


def test_known_assignments_do_not_change_between_releases() -> None:
    # Shards of one night may run different installs of the crawler: the split is part of the contract.
    assert {
        name: shard.bucket(name, 4) + 1 for name in ("annual-report-2017", "signup-clean", "cookie-banner")
    } == {
        "annual-report-2017": 1,
        "signup-clean": 2,
        "cookie-banner": 3,
    }


def test_the_same_split_in_other_processes() -> None:
    program = (
        "import json, sys; from crawler import shard; "
        "names = json.load(sys.stdin); "
        "print(json.dumps([shard.select(names, k, 5, key=str) for k in range(1, 6)]))"
    )
    here = [shard.select(NAMES, k, 5, key=str) for k in range(1, 6)]
    for seed in ("1", "4242"):
        result = subprocess.run(
            [sys.executable, "-c", program],
            input=json.dumps(NAMES),
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        )
        assert json.loads(result.stdout) == here
