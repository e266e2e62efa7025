"""What a crawl says while it runs: a live display on a terminal, one plain line per event in a log or CI."""

from __future__ import annotations

import time
from datetime import datetime
from types import TracebackType

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from crawler.results import Attempt, RunResult, ScenarioResult, Status

MARKS = {
    Status.ERROR: "[red]✘[/]",
    Status.FAILED: "[red]✘[/]",
    Status.FINDINGS: "[yellow]![/]",
    Status.OK: "[green]✔[/]",
}


def describe(result: ScenarioResult) -> str:
    if result.status == Status.ERROR:
        return f"error: {escape(result.error or '')}"
    if result.status == Status.FAILED:
        return f"expectations failed: {escape('; '.join(result.failures))}"
    if result.findings:
        count = len(result.findings)
        rules = ", ".join(sorted({f.rule for f in result.findings}))
        return f"{count} finding{'s' if count != 1 else ''} ({rules})"
    return "no findings"


class Lines:
    """One line per event: readable in a log file, a CI job or `journalctl`."""

    def __init__(self, console: Console, total: int) -> None:
        self.console, self.total, self.done = console, total, 0
        self._running: dict[str, float] = {}

    def __enter__(self) -> Lines:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        pass

    def started(self, name: str) -> None:
        self._running[name] = time.monotonic()

    def retrying(self, name: str, attempt: Attempt) -> None:
        self.console.print(
            f"[{self.done}/{self.total}] ↻ {escape(name)}: attempt {attempt.number} failed "
            f"({escape(attempt.reason)}); trying again"
        )

    def finished(self, result: ScenarioResult) -> None:
        self.done += 1
        took = time.monotonic() - self._running.pop(result.name, time.monotonic())
        mark = MARKS.get(result.status, "")
        self.console.print(
            f"[{self.done}/{self.total}] {mark} {escape(result.name)}: {describe(result)} ({took:.1f}s)"
        )

    def note(self, message: str) -> None:
        self.console.print(escape(message))


class Live(Lines):
    """On a terminal: a progress bar with done, running, left, elapsed and ETA; results scroll above it."""

    def __init__(self, console: Console, total: int) -> None:
        super().__init__(console, total)
        self.bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("running {task.fields[running]}"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=console,
            transient=True,
        )
        self.task: TaskID | None = None

    def __enter__(self) -> Live:
        self.bar.start()
        self.task = self.bar.add_task("scenarios", total=self.total, running=0)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.bar.stop()

    def _refresh(self) -> None:
        if self.task is not None:
            self.bar.update(self.task, completed=self.done, running=len(self._running))

    def started(self, name: str) -> None:
        super().started(name)
        self._refresh()

    def finished(self, result: ScenarioResult) -> None:
        super().finished(result)
        self._refresh()


def for_console(console: Console, total: int) -> Lines:
    return Live(console, total) if console.is_terminal else Lines(console, total)


def summary(console: Console, run: RunResult, elapsed_s: float) -> None:
    """A table of the run's scenarios, then one line of totals."""
    if run.scenarios and console.is_terminal:
        table = Table(title=f"Run {run.id}", show_lines=False)
        for column in ("scenario", "status", "findings", "steps", "seconds"):
            table.add_column(
                column, justify="right" if column in ("findings", "steps", "seconds") else "left"
            )
        for result in run.scenarios:
            table.add_row(
                escape(result.name),
                f"{MARKS.get(result.status, '')} {result.status}",
                str(len(result.findings)),
                str(len(result.steps)),
                f"{_seconds(result):.1f}",
            )
        console.print(table)
    findings = sum(len(s.findings) for s in run.scenarios)
    errors = sum(s.status == Status.ERROR for s in run.scenarios)
    failed = sum(s.status == Status.FAILED for s in run.scenarios)
    stopped = f", stopped by {run.stopped_by}" if run.stopped_by else ""
    console.print(
        f"Run {run.id}: {len(run.scenarios)} scenarios, {findings} findings, {errors} errors, "
        f"{failed} failed expectations in {elapsed_s:.1f}s{stopped}."
    )


def _seconds(result: ScenarioResult) -> float:
    try:
        started = datetime.fromisoformat(result.started_at.replace("Z", "+00:00"))
        finished = datetime.fromisoformat(result.finished_at.replace("Z", "+00:00"))
    except ValueError:
        return 0.0
    return (finished - started).total_seconds()
