"""Commands that crawl: `run` for one crawl, `nightly` for the unattended job around it, `demo`."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from rich.markup import escape

from crawler import baseline as baselines
from crawler import export, junit, notify, progress, runner, scenario, shard
from crawler.browser import BrowserOptions
from crawler.cli.group import cli, err
from crawler.cli.options import (
    DEFAULT_REPORTS,
    DEFAULT_SCENARIOS,
    browser_path_option,
    crawl_options,
    keep_days_option,
)
from crawler.errors import (
    EXIT_DEADLINE,
    EXIT_EXPECTATIONS,
    EXIT_FINDINGS,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_SCENARIO_ERROR,
    EXIT_TERMINATED,
    CrawlerError,
    OutputError,
)
from crawler.models import GotoStep, ScenarioFile
from crawler.results import RunResult, Status
from crawler.store import Store

EXIT_CODES_HELP = (
    "Exit codes: 0 nothing to report; 1 findings (as --fail-on says); 2 invalid scenario or usage, "
    "nothing run; "
    "3 a scenario could not complete; 4 no usable browser or database; 5 a scenario's expectations failed; "
    "6 the run is saved but an output (JSON, JUnit, report) could not be written; 124 stopped by "
    "--max-duration; 130 interrupted (SIGINT); 143 terminated (SIGTERM). The first that applies of "
    "124/130/143, 6, 3, 5, 1 wins."
)
RUN_SAVED = "the run itself is saved in the database"
STOP_CODES = {"max-duration": EXIT_DEADLINE, "SIGINT": EXIT_INTERRUPTED, "SIGTERM": EXIT_TERMINATED}


@dataclass(frozen=True)
class Crawl:
    """One crawl as the command line asked for it."""

    paths: tuple[str, ...]
    db: str
    base_url: str
    tags: tuple[str, ...]
    fail_on: str
    shard: str | None
    baseline_path: str | None
    allow_file_urls: bool
    options: runner.RunOptions

    @classmethod
    def from_params(cls, params: dict[str, Any], **overrides: Any) -> Crawl:
        p = {**params, **overrides}
        browser = BrowserOptions(
            path=p["browser_path"],
            headed=p["headed"],
            slowmo_ms=p["slowmo"],
            connect=p["connect"],
            announce_automation=p["announce_automation"],
        )
        recorded = {
            k: v for k, v in p.items() if k not in ("paths", "notify_webhook") and v not in (None, False, ())
        }
        options = runner.RunOptions(
            base_url=p["base_url"],
            concurrency=p["concurrency"] or runner.default_concurrency(),
            browser=browser,
            screenshots=not p["no_screenshots"],
            redact=p["redact"],
            trace=p["trace"],
            retries=p["retries"],
            max_duration_s=p["max_duration"],
            run_id=p["run_id"],
            shard=p["shard"] or "",
            baseline=baselines.load(p["baseline_path"]) if p["baseline_path"] else None,
            recorded=recorded,
        )
        return cls(
            paths=p["paths"],
            db=p["db"],
            base_url=p["base_url"],
            tags=p["tags"],
            fail_on=p["fail_on"],
            shard=p["shard"],
            baseline_path=p["baseline_path"],
            allow_file_urls=p["allow_file_urls"],
            options=options,
        )

    def files(self) -> list[ScenarioFile]:
        found = scenario.load(self.paths or (DEFAULT_SCENARIOS,), allow_file_urls=self.allow_file_urls)
        chosen = _select(found, self.tags)
        if self.shard:
            try:
                k, n = shard.parse(self.shard)
            except CrawlerError as exc:
                raise click.BadParameter(str(exc), param_hint="--shard") from None
            chosen = shard.select(chosen, k, n, key=lambda f: f.scenario.name)
        _require_base_url(chosen, self.base_url, self.allow_file_urls)
        return chosen

    def run(self, files: list[ScenarioFile]) -> RunResult:
        if self.options.baseline is not None:
            for warning in self.options.baseline.expired(datetime.now(UTC).date()):
                err.print(f"[yellow]warning:[/] {escape(warning)}")
        started = time.monotonic()
        with progress.for_console(err, len(files)) as shown:
            result = asyncio.run(runner.run(files, self.options, self.db, shown))
        progress.summary(err, result, time.monotonic() - started)
        for traced in (s for s in result.scenarios if s.trace):
            path = Path(self.db).parent / str(traced.trace)
            err.print(f"Trace of {escape(traced.name)}: playwright show-trace {escape(str(path))}")
        return result

    def exit_code(self, result: RunResult) -> int:
        if result.stopped_by:
            return STOP_CODES.get(result.stopped_by, EXIT_INTERRUPTED)
        if any(s.status == Status.ERROR for s in result.scenarios):
            return EXIT_SCENARIO_ERROR
        if any(s.status == Status.FAILED for s in result.scenarios):
            return EXIT_EXPECTATIONS
        if self.fail_on == "never":
            return EXIT_OK
        counted = {
            s.name: {(f.rule, f.control) for f in s.findings if not f.accepted} for s in result.scenarios
        }
        if self.fail_on == "new":
            with Store(self.db, readonly=True) as store:
                before = store.previous_findings(result.id, counted)
            counted = {name: found - before.get(name, set()) for name, found in counted.items()}
        return EXIT_FINDINGS if any(counted.values()) else EXIT_OK


def write_outputs(
    result: RunResult,
    json_path: str | None,
    junit_path: str | None,
    db: str,
    report: str | None,
    keep_days: int | None = None,
) -> list[str]:
    """Every output asked for, each tried even if another failed; returns what could not be written."""
    problems = []
    writers: list[tuple[str, Callable[[], object]]] = []
    if json_path:
        writers.append(("json", lambda: export.write(result, json_path)))
    if junit_path:
        writers.append(("junit", lambda: junit.write(result, junit_path)))
    if report:
        writers.append(("report", lambda: render(db, report, keep_days)))
    for what, write in writers:
        try:
            write()
        except CrawlerError as exc:
            message = str(exc).rstrip(".")
            problems.append(f"{what}: {message}" + ("" if RUN_SAVED in message else f"; {RUN_SAVED}"))
    for problem in problems:
        err.print(f"[red]error:[/] {escape(problem)}")
    return problems


def render(db: str, out: str, keep_days: int | None = None) -> Path:
    """The report; a folder that cannot be written is an output error (the run itself is saved)."""
    from crawler import report as report_module

    try:
        if keep_days is None:
            return report_module.render(db, out)
        return report_module.render(db, out, keep_days=keep_days)
    except OutputError:
        raise
    except CrawlerError as exc:
        if "cannot write" in str(exc):
            raise OutputError(str(exc)) from None
        raise


def finish(crawl: Crawl, result: RunResult, problems: list[str]) -> None:
    code = crawl.exit_code(result)
    if problems and not result.stopped_by:
        code = OutputError.exit_code
    sys.exit(code)


@cli.command(epilog=EXIT_CODES_HELP)
@crawl_options
@click.option("--report", "report_dir", type=click.Path(file_okay=False), help="Render the HTML report here.")
def run(report_dir: str | None, **params: Any) -> None:
    """Run scenarios (files or folders; default: scenarios/) and store what they saw.

    Every file is validated before the browser starts. Each scenario is saved as it finishes, so an
    interrupted crawl (Ctrl-C, SIGTERM, --max-duration) keeps everything that completed.

    \b
    Examples:
      crawler run
      crawler run scenarios/signup.yaml --base-url http://localhost:8000 --headed --slowmo 500 --trace
      crawler run --tag alipay --concurrency 2 --json results.json --junit junit.xml
      crawler run --shard 2/4 --run-id nightly-2026-12-02 --db shard-2.db
    """
    crawl = Crawl.from_params(params)
    files = crawl.files()
    if not files:
        err.print(f"Shard {crawl.shard} has no scenarios; nothing to do.")
        sys.exit(EXIT_OK)
    result = crawl.run(files)
    problems = write_outputs(result, params["json_path"], params["junit_path"], crawl.db, report_dir)
    finish(crawl, result, problems)


@cli.command(epilog=EXIT_CODES_HELP)
@crawl_options
@click.option(
    "--report",
    "report_dir",
    default=DEFAULT_REPORTS,
    show_default=True,
    type=click.Path(file_okay=False),
    help="Folder of the HTML report.",
)
@keep_days_option
@click.option(
    "--notify-webhook",
    envvar="CRAWLER_NOTIFY_WEBHOOK",
    metavar="URL",
    help="POST a JSON summary of new and resolved findings here (Slack-compatible `text`); "
    "also read from CRAWLER_NOTIFY_WEBHOOK.",
)
@click.option("--report-url", metavar="URL", help="Where the report is published, for the notification.")
def nightly(
    report_dir: str, keep_days: int, notify_webhook: str | None, report_url: str | None, **params: Any
) -> None:
    """The unattended job: crawl, render the report, prune old data, notify.

    Same crawl options as `crawler run`. The report is rendered even when the crawl was
    stopped early; a failure to notify is logged and retried once, never fatal.

    \b
    Examples:
      crawler nightly --db /var/lib/consent-crawler/nightly.db --report /var/www/consent \\
        --base-url https://staging.example.com --fail-on new --retries 1 --max-duration 2h
      CRAWLER_NOTIFY_WEBHOOK=https://hooks.slack.com/... crawler nightly --baseline baseline.yaml
    """
    crawl = Crawl.from_params(params)
    files = crawl.files()
    result = crawl.run(files) if files else None
    if result is None:
        err.print(f"Shard {crawl.shard} has no scenarios; nothing to do.")
        sys.exit(EXIT_OK)
    problems = write_outputs(
        result, params["json_path"], params["junit_path"], crawl.db, report_dir, keep_days=keep_days
    )
    if notify_webhook:
        send_summary(crawl.db, notify_webhook, report_url, result.id)
    finish(crawl, result, problems)


def send_summary(db: str, webhook: str, report_url: str | None, run_id: str | None = None) -> bool:
    from crawler.cli.stored import night_summary

    payload = night_summary(db, report_url, run_id)
    if payload is None:
        err.print("[yellow]warning:[/] no completed run to notify about")
        return False
    return notify.post(webhook, payload, log=lambda line: err.print(f"[yellow]warning:[/] {escape(line)}"))


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "--db",
    default="demo.db",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="SQLite results file for the demo crawl.",
)
@click.option(
    "--out",
    default=DEFAULT_REPORTS,
    show_default=True,
    type=click.Path(file_okay=False),
    help="Folder for the HTML report.",
)
@click.option(
    "--port",
    default=0,
    type=click.IntRange(0, 65535),
    help="Port for the demo site (default: any free port).",
)
@click.option("--serve", is_flag=True, help="Keep serving the demo site after the crawl (Ctrl-C stops).")
@browser_path_option
def demo(paths: tuple[str, ...], db: str, out: str, port: int, serve: bool, browser_path: str | None) -> None:
    """Serve the bundled demo site on loopback, crawl it, and write the report.

    Runs the scenarios in PATHS (default: the journeys shipped with the crawler, the
    repository's scenarios/) against the demo site and prints the path of the report's
    index.html. Findings are expected here; the exit code is 0 unless a scenario could not
    complete (3).

    \b
    Example:
      crawler demo --out reports/ && xdg-open reports/index.html
    """
    from crawler.server import SiteServer, demo_site_root

    files = scenario.load(paths or (scenario.demo_scenarios(),))
    with SiteServer(demo_site_root(), port=port) as site:
        err.print(f"Demo site at {site.url}")
        options = runner.RunOptions(
            base_url=site.url,
            browser=BrowserOptions(path=browser_path),
            concurrency=runner.default_concurrency(),
        )
        started = time.monotonic()
        with progress.for_console(err, len(files)) as shown:
            result = asyncio.run(runner.run(files, options, db, shown))
        progress.summary(err, result, time.monotonic() - started)
        index = render(db, out)
        click.echo(str(index.resolve()))
        if serve:
            err.print(f"Serving {site.url} until Ctrl-C")
            while True:
                time.sleep(3600)
    failed = any(s.status == Status.ERROR for s in result.scenarios)
    sys.exit(EXIT_SCENARIO_ERROR if failed else EXIT_OK)


def _select(files: list[ScenarioFile], tags: Sequence[str]) -> list[ScenarioFile]:
    if not tags:
        return files
    chosen = [f for f in files if set(tags) & set(f.scenario.tags)]
    if not chosen:
        known = sorted({t for f in files for t in f.scenario.tags}) or ["none"]
        raise click.UsageError(f"no scenario carries tag {', '.join(tags)}; tags in use: {', '.join(known)}")
    return chosen


def _require_base_url(files: list[ScenarioFile], base_url: str, allow_file_urls: bool) -> None:
    if base_url:
        schemes = ("http://", "https://", *(("file://",) if allow_file_urls else ()))
        if not base_url.startswith(schemes):
            hint = "" if allow_file_urls else " (file:// needs --allow-file-urls)"
            raise click.BadParameter(f"must start with http:// or https://{hint}", param_hint="--base-url")
        return
    for item in files:
        urls = [item.scenario.url] + [s.goto for s in item.scenario.steps if isinstance(s, GotoStep)]
        relative = next((u for u in urls if "://" not in u and not u.startswith("about:")), None)
        if relative is not None:
            raise click.UsageError(
                f"{item.path}: URL {relative!r} is relative; pass --base-url "
                "(e.g. --base-url https://staging.example.com) or set CRAWLER_BASE_URL"
            )
