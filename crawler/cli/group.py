"""The `crawler` command group, and the console every command speaks to."""

from __future__ import annotations

import click
from rich.console import Console

from crawler import __version__

err = Console(stderr=True, highlight=False, soft_wrap=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="crawler")
def cli() -> None:
    """Replay user journeys in headless Chromium and flag consent dark patterns.

    \b
    Examples:
      crawler validate scenarios/
      crawler run scenarios/ --base-url https://staging.example.com --json out.json
      crawler nightly --db /var/lib/crawler/nightly.db --report /var/www/consent --fail-on new
      crawler report --db crawl.db --out reports/
      crawler demo
    """
