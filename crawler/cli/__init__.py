"""Command line: the only place where errors become messages and exit codes."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import NoReturn

import click
from rich.markup import escape

from crawler.cli import crawl, files, stored  # noqa: F401 - each module registers its commands
from crawler.cli.group import cli, err
from crawler.errors import EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_OK, CrawlerError, ScenarioError

__all__ = ["cli", "main"]


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
            EXIT_INTERNAL,
        )
    sys.exit(EXIT_OK)
