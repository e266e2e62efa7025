"""Command line: the only place where errors become messages and exit codes."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

import click
from rich.console import Console
from rich.markup import escape

from crawler import __version__, export, runner, scenario
from crawler.errors import EXIT_FINDINGS, EXIT_OK, EXIT_SCENARIO_ERROR, CrawlerError, ScenarioError
from crawler.models import GotoStep, ScenarioFile
from crawler.results import RunResult, ScenarioResult, Status
from crawler.rules import RULES

DEFAULT_DB = "crawl.db"
DEFAULT_SCENARIOS = "scenarios"
DEFAULT_REPORTS = "reports"
EXIT_INTERRUPTED = 130

err = Console(stderr=True, highlight=False, soft_wrap=True)

EXIT_CODES_HELP = (
    "Exit codes: 0 no findings and no errors; 1 findings; 2 invalid scenario or usage; "
    "3 a scenario could not complete (wins over 1); 4 no usable browser or database; 130 interrupted."
)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="crawler")
def cli() -> None:
    """Replay user journeys in headless Chromium and flag consent dark patterns.

    \b
    Examples:
      crawler validate scenarios/
      crawler run scenarios/ --base-url https://staging.example.com --json out.json
      crawler report --db crawl.db --out reports/
      crawler demo
    """


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


@cli.command(epilog=EXIT_CODES_HELP)
@click.argument("paths", nargs=-1, type=click.Path())
@db_option
@click.option(
    "--base-url",
    envvar="CRAWLER_BASE_URL",
    default="",
    help="Resolves relative scenario URLs, e.g. https://staging.example.com.",
)
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False),
    help="Also write the results as JSON to this file.",
)
@click.option("--headed", is_flag=True, help="Show the browser window (needs a display).")
@click.option(
    "--tag",
    "tags",
    multiple=True,
    metavar="TAG",
    help="Only scenarios carrying this tag; repeat for several (any of them).",
)
@click.option(
    "--concurrency",
    default=1,
    show_default=True,
    type=click.IntRange(1, 32),
    help="Scenarios run at once, each in its own browser context.",
)
@browser_path_option
@click.option(
    "--report",
    "report_dir",
    type=click.Path(file_okay=False),
    help="Render the HTML report into this folder after the run.",
)
@click.option("--no-screenshots", is_flag=True, help="Skip screenshots and evidence images.")
def run(
    paths: tuple[str, ...],
    db: str,
    base_url: str,
    json_path: str | None,
    headed: bool,
    tags: tuple[str, ...],
    concurrency: int,
    browser_path: str | None,
    report_dir: str | None,
    no_screenshots: bool,
) -> None:
    """Run scenarios (files or folders; default: scenarios/) and store what they saw.

    Every file is validated before the browser starts. Each scenario is saved as it
    finishes, so an interrupted crawl keeps everything that completed.

    \b
    Examples:
      crawler run
      crawler run scenarios/signup.yaml --base-url http://localhost:8000
      crawler run --tag alipay --tag mobile --concurrency 2 --json results.json
      crawler run --db /var/lib/crawler/nightly.db --report /var/www/consent-reports
    """
    files = _select(scenario.load(paths or (DEFAULT_SCENARIOS,)), tags)
    _require_base_url(files, base_url)
    options = runner.RunOptions(
        base_url=base_url,
        concurrency=concurrency,
        headed=headed,
        browser_path=browser_path,
        screenshots=not no_screenshots,
    )
    result = _crawl(files, options, db)
    if json_path:
        export.write(result, json_path)
    if report_dir:
        _render(db, report_dir)
    sys.exit(_exit_code(result))


@cli.command()
@db_option
@click.option(
    "--out",
    default=DEFAULT_REPORTS,
    show_default=True,
    type=click.Path(file_okay=False),
    help="Folder for the HTML report.",
)
def report(db: str, out: str) -> None:
    """Render the HTML report of every run in the database.

    \b
    Example:
      crawler report --db crawl.db --out reports/
    """
    index = _render(db, out)
    click.echo(str(index))


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
def validate(paths: tuple[str, ...]) -> None:
    """Check scenario files without running them; print FILE:LINE problems.

    \b
    Example:
      crawler validate scenarios/ extra/checkout.yaml
    """
    files = scenario.load(paths or (DEFAULT_SCENARIOS,))
    steps = sum(len(f.scenario.steps) for f in files)
    click.echo(f"{len(files)} scenario{'s' if len(files) != 1 else ''} valid ({steps} steps).")


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
    repository's scenarios/) against the demo site and prints
    the path of the report's index.html. Findings are expected here; the exit code is 0
    unless a scenario could not complete (3).

    \b
    Example:
      crawler demo --out reports/ && xdg-open reports/index.html
    """
    from crawler.server import SiteServer, demo_site_root

    files = scenario.load(paths or (scenario.demo_scenarios(),))
    with SiteServer(demo_site_root(), port=port) as site:
        err.print(f"Demo site at {site.url}")
        options = runner.RunOptions(base_url=site.url, browser_path=browser_path)
        result = _crawl(files, options, db)
        index = _render(db, out)
        click.echo(str(index.resolve()))
        if serve:
            err.print(f"Serving {site.url} until Ctrl-C")
            while True:
                time.sleep(3600)
    sys.exit(EXIT_SCENARIO_ERROR if _exit_code(result) == EXIT_SCENARIO_ERROR else EXIT_OK)


@cli.command()
@click.argument("name")
@click.argument("url")
@click.option(
    "--out",
    type=click.Path(dir_okay=False),
    help="File to write (default: scenarios/NAME.yaml).",
)
@click.option(
    "--force", is_flag=True, help="Overwrite the file (and a stale scenario.schema.json beside it)."
)
def init(name: str, url: str, out: str | None, force: bool) -> None:
    """Write a starter scenario NAME that opens URL, with an example of every step.

    Also writes scenario.schema.json beside it when none is there, which the file's
    first line points at, so editors with the YAML language server complete and check it.
    Prints the path of the new file.

    \b
    Examples:
      crawler init checkout https://shop.example.com/cart
      crawler init signup /signup --out journeys/signup.yaml
    """
    from crawler import starter

    written = starter.write(name, url, Path(out or Path(DEFAULT_SCENARIOS) / f"{name}.yaml"), force=force)
    for note in written.notes:
        err.print(escape(note))
    click.echo(str(written.scenario))


@cli.command()
@click.option("--browser", "browser_only", is_flag=True, help="Only check for a browser.")
@browser_path_option
def doctor(browser_only: bool, browser_path: str | None) -> None:
    """Say which browser the crawler would use, and whether CJK fonts are installed.

    Exits 4 when no browser is found, with instructions to get one.
    """
    from crawler import browser as browsers

    path = asyncio.run(_playwright_chromium_path())
    found = browsers.find(browser_path, path)
    click.echo(f"browser: {found}")
    if not browser_only:
        click.echo(
            f"cjk fonts: {'present' if _has_cjk_fonts() else 'missing (apt-get install fonts-noto-cjk)'}"
        )


async def _playwright_chromium_path() -> str | None:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        return playwright.chromium.executable_path


def _has_cjk_fonts() -> bool:
    import shutil
    import subprocess

    if not shutil.which("fc-list"):
        return False
    listed = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True, check=False)
    return bool(listed.stdout.strip())


@cli.command()
def rules() -> None:
    """List the rule ids with their severity, legal tags and meaning."""
    for rule in RULES.values():
        click.echo(f"{rule.id}\t{rule.severity}\t{','.join(rule.tags)}\t{rule.summary}")


@cli.command()
def schema() -> None:
    """Print the JSON Schema of scenario files (for editor completion and checks).

    \b
    Example:
      crawler schema > scenario.schema.json
    """
    from crawler.models import Scenario

    click.echo(json.dumps(Scenario.model_json_schema(), indent=2))


def _select(files: list[ScenarioFile], tags: Sequence[str]) -> list[ScenarioFile]:
    if not tags:
        return files
    chosen = [f for f in files if set(tags) & set(f.scenario.tags)]
    if not chosen:
        known = sorted({t for f in files for t in f.scenario.tags}) or ["none"]
        raise click.UsageError(f"no scenario carries tag {', '.join(tags)}; tags in use: {', '.join(known)}")
    return chosen


def _require_base_url(files: list[ScenarioFile], base_url: str) -> None:
    if base_url:
        if not base_url.startswith(("http://", "https://", "file://")):
            raise click.BadParameter("must start with http:// or https://", param_hint="--base-url")
        return
    for item in files:
        urls = [item.scenario.url] + [s.goto for s in item.scenario.steps if isinstance(s, GotoStep)]
        relative = next((u for u in urls if "://" not in u and not u.startswith("about:")), None)
        if relative is not None:
            raise click.UsageError(
                f"{item.path}: URL {relative!r} is relative; pass --base-url "
                "(e.g. --base-url https://staging.example.com) or set CRAWLER_BASE_URL"
            )


def _crawl(files: list[ScenarioFile], options: runner.RunOptions, db: str) -> RunResult:
    started = time.monotonic()
    result = asyncio.run(runner.run(files, options, db, _progress_printer(len(files))))
    findings = sum(len(s.findings) for s in result.scenarios)
    errors = sum(s.status == Status.ERROR for s in result.scenarios)
    err.print(
        f"Run {result.id}: {len(result.scenarios)} scenarios, {findings} findings, {errors} errors "
        f"in {time.monotonic() - started:.1f}s. Results in {escape(db)}."
    )
    return result


def _progress_printer(total: int) -> Callable[[str, ScenarioResult | None], None]:
    done = 0
    started: dict[str, float] = {}

    def progress(name: str, result: ScenarioResult | None) -> None:
        nonlocal done
        if result is None:
            started[name] = time.monotonic()
            return
        done += 1
        took = time.monotonic() - started.get(name, time.monotonic())
        if result.status == Status.ERROR:
            mark, text = "[red]✘[/]", f"error: {escape(result.error or '')}"
        elif result.findings:
            rules_hit = sorted({f.rule for f in result.findings})
            count = len(result.findings)
            noun = "finding" if count == 1 else "findings"
            mark, text = "[yellow]![/]", f"{count} {noun} ({', '.join(rules_hit)})"
        else:
            mark, text = "[green]✔[/]", "no findings"
        err.print(f"[{done}/{total}] {mark} {escape(name)}: {text} ({took:.1f}s)")

    return progress


def _render(db: str, out: str) -> Path:
    from crawler import report as report_module

    return report_module.render(db, out)


def _exit_code(result: RunResult) -> int:
    if any(s.status == Status.ERROR for s in result.scenarios):
        return EXIT_SCENARIO_ERROR
    if any(s.findings for s in result.scenarios):
        return EXIT_FINDINGS
    return EXIT_OK


def _fail(message: str, code: int) -> NoReturn:
    err.print(f"[red]error:[/] {escape(message)}")
    sys.exit(code)


def main(argv: Sequence[str] | None = None) -> None:
    try:
        cli.main(
            args=list(argv) if argv is not None else None,
            prog_name="crawler",
            standalone_mode=False,
        )
    except click.exceptions.Abort:
        _fail("interrupted; scenarios that finished are saved", EXIT_INTERRUPTED)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except ScenarioError as exc:
        for problem in exc.problems:
            click.echo(problem, err=True)
        sys.exit(exc.exit_code)
    except CrawlerError as exc:
        _fail(str(exc), exc.exit_code)
    except KeyboardInterrupt:
        _fail("interrupted; scenarios that finished are saved", EXIT_INTERRUPTED)
    except SystemExit:
        raise
    except Exception as exc:
        if os.environ.get("CRAWLER_DEBUG"):
            raise
        _fail(
            f"internal error: {type(exc).__name__}: {exc}\n"
            "This is a bug in the crawler. Re-run with CRAWLER_DEBUG=1 for a traceback and report it.",
            70,
        )
    sys.exit(EXIT_OK)
