"""Commands about scenario files and the machine: `validate`, `schema`, `init`, `rules`, `doctor`."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from pathlib import Path

import click
from rich.markup import escape

from crawler import scenario
from crawler.cli.group import cli, err
from crawler.cli.options import DEFAULT_SCENARIOS, browser_path_option
from crawler.rules import RULES


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "--allow-file-urls", is_flag=True, help="Accept file: URLs (as `crawler run --allow-file-urls`)."
)
def validate(paths: tuple[str, ...], allow_file_urls: bool) -> None:
    """Check scenario files without running them; print FILE:LINE problems.

    \b
    Example:
      crawler validate scenarios/ extra/checkout.yaml
    """
    files = scenario.load(paths or (DEFAULT_SCENARIOS,), allow_file_urls=allow_file_urls)
    steps = sum(len(f.scenario.steps) for f in files)
    click.echo(f"{len(files)} scenario{'s' if len(files) != 1 else ''} valid ({steps} steps).")


@cli.command()
def schema() -> None:
    """Print the JSON Schema of scenario files (for editor completion and checks).

    \b
    Example:
      crawler schema > scenarios/scenario.schema.json
    """
    from crawler import starter

    click.echo(starter.schema_text(), nl=False)


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
def rules() -> None:
    """List the rule ids with their severity, legal tags and meaning."""
    for rule in RULES.values():
        click.echo(f"{rule.id}\t{rule.severity}\t{','.join(rule.tags)}\t{rule.summary}")


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
    if not shutil.which("fc-list"):
        return False
    listed = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True, check=False)
    return bool(listed.stdout.strip())
