"""Commands over stored results: `report`, `show`, `merge`, `rescore`, `verify`, `notify`, `migrate`."""

from __future__ import annotations

import json
import sys
from typing import Any

import click
from rich.markup import escape
from rich.table import Table

from crawler import notify as notifier
from crawler import scenario
from crawler.cli.group import cli, err
from crawler.cli.options import DEFAULT_REPORTS, db_option, keep_days_option
from crawler.errors import EXIT_FINDINGS, EXIT_OK, StoreError
from crawler.store import Store, file_digest, observations_digest


@cli.command()
@db_option
@click.option(
    "--out",
    default=DEFAULT_REPORTS,
    show_default=True,
    type=click.Path(file_okay=False),
    help="Folder for the HTML report.",
)
@keep_days_option
def report(db: str, out: str, keep_days: int) -> None:
    """Render the report site: the latest night against the one before, and every night's changes.

    Only pages whose inputs changed are written (reports/manifest.json records what each was
    rendered from); reports/summary.json holds the latest night's new, resolved and open findings.

    \b
    Example:
      crawler report --db crawl.db --out reports/ --keep-days 400
    """
    from crawler.cli.crawl import render

    click.echo(str(render(db, out, keep_days)))


@cli.command("diff")
@click.argument("run_a")
@click.argument("run_b")
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document instead of text.")
@click.option(
    "--html", "html_path", type=click.Path(dir_okay=False), help="Also write the comparison as a page."
)
def diff_command(run_a: str, run_b: str, db: str, as_json: bool, html_path: str | None) -> None:
    """What changed from run RUN_A to run RUN_B: findings new and resolved, controls that appeared,
    disappeared, changed state or were reworded. Exits 0; an unknown run id exits 2.

    \b
    Examples:
      crawler diff 20261201T020000Z-1a2b 20261202T020000Z-3c4d --db crawl.db
      crawler diff RUN_A RUN_B --json > changes.json
    """
    from crawler import diff
    from crawler import report as report_module

    changes = diff.between(db, run_a, run_b)
    if html_path:
        report_module.write_diff_page(changes, html_path)
    click.echo(
        json.dumps(changes.document(), ensure_ascii=False, indent=2) if as_json else diff.text(changes)
    )


@cli.command()
@click.argument("run_id", required=False, metavar="[RUN]")
@db_option
@click.option("--scenario", "name", metavar="NAME", help="Only this scenario of the run.")
def show(run_id: str | None, db: str, name: str | None) -> None:
    """Print a stored run in the terminal: each scenario's steps, consent controls and findings.

    RUN defaults to the newest run.

    \b
    Examples:
      crawler show
      crawler show 20261202T020000Z-ab12 --scenario annual-report-2017 --db nightly.db
    """
    from rich.console import Console

    out = Console(highlight=False, soft_wrap=True)
    with Store(db, readonly=True) as store:
        ids = store.run_ids()
        if not ids:
            raise StoreError(f"{db} holds no runs yet; run `crawler run` first")
        run_id = run_id or ids[-1]
        if run_id not in ids:
            raise click.BadParameter(
                f"no run {run_id!r} in {db}; runs: {', '.join(ids[-5:])}", param_hint="RUN"
            )
        run = store.run_header(run_id)
        out.print(f"Run {escape(run.id)} ({run.status}), started {run.started_at}, {escape(run.browser)}")
        shown = 0
        for scenario_run_id in store.scenario_run_ids(run_id=run_id):
            result = store.load_scenario(scenario_run_id)
            if name and result.name != name:
                continue
            shown += 1
            _show_scenario(out, result)
        if name and not shown:
            raise click.BadParameter(f"run {run_id} has no scenario {name!r}", param_hint="--scenario")


def _show_scenario(out: Any, result: Any) -> None:
    out.print()
    out.print(
        f"[bold]{escape(result.name)}[/] — {result.status}"
        + (f": {escape(result.error)}" if result.error else "")
    )
    for failure in result.failures:
        out.print(f"  expectation failed: {escape(failure)}")
    steps = Table(title="Steps", title_justify="left")
    for column in ("#", "action", "name", "url", "pressed", "status", "not checked"):
        steps.add_column(column)
    for step in result.steps:
        steps.add_row(
            str(step.index),
            step.action,
            escape(step.name),
            escape(step.url),
            escape(f"{step.target_name} ({step.intent})" if step.intent else ""),
            str(step.http_status or ""),
            escape("; ".join(g.reason for g in step.gaps)),
        )
    out.print(steps)
    keys = list(dict.fromkeys(c.key for s in result.steps for c in s.controls if c.consent))
    if keys:
        grid = Table(
            title="Consent controls, step by step (☑ checked, ☐ unchecked, ▣ mixed, — absent)",
            title_justify="left",
        )
        grid.add_column("control")
        for step in result.steps:
            grid.add_column(str(step.index), justify="center")
        for key in keys:
            seen = {s.index: next((c for c in s.controls if c.key == key), None) for s in result.steps}
            label = next(c.shown_label for c in seen.values() if c is not None)
            grid.add_row(escape(label[:60]), *(_state(seen[s.index]) for s in result.steps))
        out.print(grid)
    for finding in result.findings:
        accepted = f" [accepted: {escape(finding.accepted_reason)}]" if finding.accepted else ""
        out.print(
            f"  [yellow]{finding.rule}[/] ({finding.severity}) at step {finding.step}: "
            f"“{escape(finding.label[:80])}”{accepted}"
        )
    if not result.findings:
        out.print("  no findings")


def _state(control: Any) -> str:
    if control is None:
        return "—"
    return {True: "☑", False: "☐", None: "▣"}[control.checked] + ("" if control.visible else " (hidden)")


@cli.command()
@click.argument("out", type=click.Path(dir_okay=False))
@click.argument("shards", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
def merge(out: str, shards: tuple[str, ...]) -> None:
    """Merge shard databases (and their screenshots) into OUT.

    Shards run with the same --run-id become one run. A scenario already in OUT is
    skipped, so merging the same shard twice changes nothing.

    \b
    Example:
      crawler merge nightly.db shard-1.db shard-2.db shard-3.db shard-4.db
    """
    from crawler.merge import merge as merge_files

    merged = merge_files(out, shards)
    err.print(
        f"{merged.added} scenario runs added, {merged.skipped} already there, {merged.runs} runs touched."
    )
    click.echo(out)


@cli.command()
@db_option
@click.option(
    "--since", metavar="DATE", default="", help="Only runs started on or after this date (YYYY-MM-DD)."
)
@click.argument("paths", nargs=-1, type=click.Path())
def rescore(db: str, since: str, paths: tuple[str, ...]) -> None:
    """Judge stored runs again with today's rules, and thresholds from PATHS' scenario files.

    Observations and screenshots stay as they were; findings and their crops are replaced.
    Without PATHS each scenario keeps the thresholds it ran with.

    \b
    Examples:
      crawler rescore --since 2026-11-01
      crawler rescore scenarios/ --db nightly.db
    """
    from crawler.rescore import rescore as rescore_all

    limits = {f.scenario.name: f.scenario.thresholds for f in scenario.load(paths)} if paths else None
    with Store(db) as store:
        changes = rescore_all(store, since, limits)
    for change in changes:
        if change.before != change.after:
            err.print(
                f"{escape(change.run_id)} {escape(change.scenario)}: "
                f"{change.before} → {change.after} findings"
            )
    err.print(f"{len(changes)} scenario runs rescored.")


@cli.command()
@click.argument("run_id", required=False, metavar="[RUN]")
@db_option
def verify(run_id: str | None, db: str) -> None:
    """Check that stored evidence is unchanged since the night it was taken.

    Recomputes the SHA-256 of every scenario's observations and every screenshot, and the
    run's digest, and compares them with what was recorded. Exit 0 when everything matches,
    1 when something changed (each change is listed).

    \b
    Example:
      crawler verify 20261202T020000Z-ab12 --db nightly.db
    """
    problems: list[str] = []
    checked = 0
    with Store(db, readonly=True) as store:
        runs = [run_id] if run_id else store.run_ids()
        for rid in runs:
            header = store.run_header(rid)
            for scenario_run_id in store.scenario_run_ids(run_id=rid):
                checked += 1
                problems += _verify_scenario(store, rid, scenario_run_id)
            if header.digest and store.run_digest(rid) != header.digest:
                problems.append(f"run {rid}: its digest no longer matches ({header.digest[:16]}…)")
            elif header.digest:
                err.print(f"run {escape(rid)}: digest {header.digest}")
    for problem in problems:
        err.print(f"[red]changed:[/] {escape(problem)}")
    err.print(f"{checked} scenario runs checked, {len(problems)} changes.")
    sys.exit(EXIT_FINDINGS if problems else EXIT_OK)


def _verify_scenario(store: Store, run_id: str, scenario_run_id: int) -> list[str]:
    problems = []
    try:
        result = store.load_scenario(scenario_run_id)
        name = result.name
        if observations_digest(result.steps) != store.scenario_digest(scenario_run_id):
            problems.append(f"run {run_id}, scenario {name}: its observations changed")
    except Exception as exc:
        name = str(scenario_run_id)
        problems.append(f"run {run_id}, scenario run {scenario_run_id}: cannot be read back ({exc})")
    for path, sha in store.artifacts(scenario_run_id):
        file = store.path.parent / path
        if not file.is_file():
            problems.append(f"run {run_id}, scenario {name}: {path} is missing")
        elif file_digest(file) != sha:
            problems.append(f"run {run_id}, scenario {name}: {path} changed")
    return problems


@cli.command()
@db_option
@click.option(
    "--webhook",
    envvar="CRAWLER_NOTIFY_WEBHOOK",
    required=True,
    metavar="URL",
    help="Where to POST the summary (also read from CRAWLER_NOTIFY_WEBHOOK).",
)
@click.option("--report-url", metavar="URL", help="Where the report is published, linked from the summary.")
def notify(db: str, webhook: str, report_url: str | None) -> None:
    """Post the latest completed night's summary (new and resolved findings) to a webhook.

    A failure is reported and retried once; it never fails the command.

    \b
    Example:
      crawler notify --db nightly.db --webhook https://hooks.slack.com/services/...
    """
    from crawler.cli.crawl import send_summary

    send_summary(db, webhook, report_url)


@cli.command()
@db_option
def migrate(db: str) -> None:
    """Bring a results database written by an older crawler up to this one's schema.

    A copy of the file as it was is kept beside it (<db>.schema-N-<time>.bak).
    """
    with Store(db) as store:
        err.print(f"{escape(db)} is at schema {store.version}.")


def night_summary(db: str, report_url: str | None, run_id: str | None = None) -> dict[str, Any] | None:
    """A night (by default the latest completed one) against the nights before, as the report's overview
    tells it: what a notification says. An interrupted night says so, with what its finished scenarios
    found."""
    from crawler.history import History
    from crawler.queries import Results

    with Results(db) as results:
        history = History(results, results.runs())
        latest = history.by_id.get(run_id) if run_id else history.latest_complete()
        if latest is None:
            return None
        changes = history.changes(latest)
    fields = ("scenario", "rule", "step", "control", "label", "severity")
    return notifier.summary_payload(
        run_id=latest.id,
        started_at=latest.started_at,
        status=str(latest.status),
        new=[{name: getattr(f, name) for name in fields} for f in changes.new],
        resolved=[{name: getattr(f, name) for name in fields} for f in changes.resolved],
        open_count=len(changes.open),
        report_url=report_url,
    )
