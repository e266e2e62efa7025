"""Options several commands share, defined once so their names and help cannot drift apart."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

import click

DEFAULT_DB = "crawl.db"
DEFAULT_SCENARIOS = "scenarios"
DEFAULT_REPORTS = "reports"
DEFAULT_KEEP_DAYS = 400

F = TypeVar("F", bound=Callable[..., Any])

db_option = click.option(
    "--db",
    default=DEFAULT_DB,
    show_default=True,
    envvar="CRAWLER_DB",
    type=click.Path(dir_okay=False),
    help="SQLite results file (screenshots go in a folder beside it).",
)

browser_path_option = click.option(
    "--browser-path",
    envvar="CRAWLER_BROWSER_PATH",
    type=click.Path(dir_okay=False),
    help="Chromium or Chrome binary to use instead of searching this machine.",
)

keep_days_option = click.option(
    "--keep-days",
    default=DEFAULT_KEEP_DAYS,
    show_default=True,
    type=click.IntRange(1),
    help="Prune runs older than this many days, with their screenshots, from the database and the report.",
)

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)?\s*$", re.IGNORECASE)
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class Duration(click.ParamType):  # type: ignore[type-arg]
    """`90`, `90s`, `45m`, `2h`, `1d`: seconds."""

    name = "duration"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> float:
        if isinstance(value, int | float):
            return float(value)
        match = _DURATION.match(str(value))
        if not match or float(match.group(1)) <= 0:
            self.fail(f"{value!r} is not a duration; write it like 90s, 45m, 2h or 1d", param, ctx)
        return float(match.group(1)) * _UNIT_S[(match.group(2) or "s").lower()]


def crawl_options(func: F) -> F:
    """Everything `crawler run` and `crawler nightly` take to run a crawl."""
    decorators = [
        click.argument("paths", nargs=-1, type=click.Path()),
        db_option,
        click.option(
            "--base-url",
            envvar="CRAWLER_BASE_URL",
            default="",
            help="Resolves relative scenario URLs, e.g. https://staging.example.com.",
        ),
        click.option(
            "--json",
            "json_path",
            type=click.Path(dir_okay=False),
            help="Also write the results as JSON here.",
        ),
        click.option(
            "--junit",
            "junit_path",
            type=click.Path(dir_okay=False),
            help="Also write JUnit XML here (one test case per scenario) for CI systems.",
        ),
        click.option(
            "--tag",
            "tags",
            multiple=True,
            metavar="TAG",
            help="Only scenarios carrying this tag; repeat for several (any of them).",
        ),
        click.option(
            "--concurrency",
            type=click.IntRange(1, 32),
            help="Scenarios run at once, each in its own browser context (default: from the machine's "
            "cores and memory, see README).",
        ),
        click.option(
            "--retries",
            default=0,
            show_default=True,
            type=click.IntRange(0, 5),
            help="Try a scenario again this many times after a transient failure (network error, HTTP 5xx, "
            "browser crash, a page that did not load).",
        ),
        click.option(
            "--max-duration",
            type=Duration(),
            metavar="DURATION",
            help="Stop the crawl cleanly after this long (e.g. 2h, 45m): exit 124, finished scenarios kept.",
        ),
        click.option(
            "--fail-on",
            type=click.Choice(["any", "new", "never"]),
            default="any",
            show_default=True,
            help="Exit 1 on any finding, only on findings the last completed run did not have, or never.",
        ),
        click.option(
            "--baseline",
            "baseline_path",
            type=click.Path(dir_okay=False),
            help="YAML file of accepted findings (scenario, rule, label, reason, expires).",
        ),
        click.option(
            "--shard", metavar="K/N", help="Run only the K-th of N deterministic shards of the scenarios."
        ),
        click.option(
            "--run-id",
            metavar="ID",
            help="Use this run id (give every shard of one night the same, then `crawler merge`).",
        ),
        browser_path_option,
        click.option(
            "--connect",
            metavar="ENDPOINT",
            help="Use a remote browser over the Playwright protocol (ws://host:port/path) instead of "
            "launching "
            "one.",
        ),
        click.option("--headed", is_flag=True, help="Show the browser window (needs a display)."),
        click.option(
            "--slowmo",
            default=0,
            type=click.IntRange(0, 60_000),
            metavar="MS",
            help="Slow every browser action.",
        ),
        click.option(
            "--trace",
            is_flag=True,
            help="Record a Playwright trace of each scenario and print the `playwright show-trace` command.",
        ),
        click.option("--no-screenshots", is_flag=True, help="Skip screenshots and evidence images."),
        click.option("--redact", is_flag=True, help="Blur the contents of text fields in screenshots."),
        click.option(
            "--announce-automation",
            is_flag=True,
            help="Let pages see navigator.webdriver = true (by default the crawler hides it, as measurement "
            "crawlers do; pages that probe for it are recorded either way).",
        ),
        click.option(
            "--allow-file-urls",
            is_flag=True,
            help="Allow file: URLs in scenarios and --base-url (local testing).",
        ),
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return func
