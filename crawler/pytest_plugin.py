"""`pytest scenarios/`: each scenario file is a test item, run in Chromium with pytest-playwright's options.

A `.yaml`/`.yml` file is collected only when it looks like a scenario (top-level `name:` and `url:` keys);
other YAML (CI workflows, manifests, test data) is left alone. An item fails on a step error, a failed
expectation, or a finding its `expect: findings:` does not allow, with one line for each.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import pytest

from crawler.errors import CrawlerError, ScenarioError

if TYPE_CHECKING:
    # Imported when a scenario is collected, not whenever pytest starts in an environment with the crawler.
    from crawler.models import ScenarioFile
    from crawler.results import ScenarioResult

SUFFIXES = (".yaml", ".yml")
_TOP_LEVEL_KEY = re.compile(r"^(name|url)\s*:", re.MULTILINE)
_SNIFF_BYTES = 1 << 20
_NAMES = pytest.StashKey[dict[str, Path]]()
_TAGS = pytest.StashKey[set[str]]()
# pytest gives these markers a meaning: a scenario tagged `skip` must not be skipped.
PYTEST_MARKERS = frozenset({"skip", "skipif", "xfail", "usefixtures", "filterwarnings", "parametrize"})
# Context arguments the crawler decides itself (see _context_args).
_NOT_FOR_CONTEXTS = ("base_url", "default_browser_type", "record_video_dir")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("consent-crawler", "consent crawler scenarios (YAML)")
    group.addoption(
        "--crawler-db",
        metavar="PATH",
        default=None,
        help="Also store the scenarios' results in this SQLite database, as `crawler run --db` does "
        "(one run per pytest session; `crawler show` and `crawler report` read it).",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "scenario: a consent-crawler YAML scenario")
    config.stash[_NAMES] = {}
    config.stash[_TAGS] = set()


def looks_like_scenario(path: Path) -> bool:
    """Top-level `name:` and `url:` keys, at the start of a line, in the first MiB."""
    try:
        with path.open("rb") as stream:
            head = stream.read(_SNIFF_BYTES).decode("utf-8", errors="replace")
    except OSError:
        return False
    return {match.group(1) for match in _TOP_LEVEL_KEY.finditer(head)} == {"name", "url"}


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix in SUFFIXES and looks_like_scenario(file_path):
        collector: ScenarioYaml = ScenarioYaml.from_parent(parent, path=file_path)
        return collector
    return None


class ScenarioYaml(pytest.File):
    """One scenario file: validated as `crawler validate` does, problems reported as `FILE:LINE: message`."""

    def collect(self) -> Iterator[pytest.Item]:
        from crawler import scenario

        if not self.config.pluginmanager.hasplugin("playwright"):
            raise self.CollectError(
                f"{self.path}: running scenarios under pytest needs pytest-playwright; "
                "pip install 'consent-crawler[pytest]'"
            )
        try:
            (loaded,) = scenario.load([_as_given(self.path, self.config.invocation_params.dir)])
        except ScenarioError as exc:
            raise self.CollectError(str(exc)) from None
        name = loaded.scenario.name
        names = self.config.stash[_NAMES]
        if names.setdefault(name, self.path) != self.path:
            raise self.CollectError(
                f"{self.path}: name '{name}' is already used by {names[name]}; scenario names must be unique"
            )
        item: ScenarioItem = ScenarioItem.from_parent(self, name=name, callobj=_fixtures, loaded=loaded)
        registered = self.config.stash[_TAGS]
        for tag in (t for t in loaded.scenario.tags if t not in PYTEST_MARKERS):
            if tag not in registered:
                self.config.addinivalue_line("markers", f"{tag}: scenarios tagged {tag}")
                registered.add(tag)
            item.add_marker(tag)
        item.add_marker("scenario")
        yield item


def _fixtures(
    _consent_crawler_session: Any,
    base_url: str | None,
    browser_context_args: dict[str, Any],
    output_path: str,
    pytestconfig: pytest.Config,
) -> None:
    """The fixtures a scenario item requests (pytest reads them from this signature)."""


class ScenarioItem(pytest.Function):
    """A scenario as a test: runs it, stores it with `--crawler-db`, keeps artifacts, fails with reasons."""

    def __init__(self, *, loaded: ScenarioFile, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.loaded = loaded

    def runtest(self) -> None:
        from crawler import pytest_outcome
        from crawler.pytest_session import ScenarioSession

        session = cast(ScenarioSession, self.funcargs["_consent_crawler_session"])
        base_url = str(self.funcargs["base_url"] or "")
        relative = relative_url(self.loaded)
        if relative and not base_url:
            pytest.fail(
                f"{self.loaded.path}: URL {relative!r} is relative; pass --base-url "
                "(e.g. --base-url https://staging.example.com) or set base_url in the pytest configuration",
                pytrace=False,
            )
        keep = pytest_outcome.Keep.from_config(self.config)
        given = cast(dict[str, Any], self.funcargs["browser_context_args"])
        context_args, videos = _context_args(given, session.scratch, self.name)
        try:
            result = session.run(self.loaded, base_url, context_args, trace=keep.tracing != "off")
        except CrawlerError as exc:
            raise pytest.fail.Exception(str(exc), pytrace=False) from None
        lines = pytest_outcome.problems(self.loaded.scenario, result)
        output = Path(str(self.funcargs["output_path"]))
        kept = pytest_outcome.keep_artifacts(result, session.root(), videos, output, keep, bool(lines))
        session.save(result)
        for kind, path in kept:
            self.user_properties.append((f"playwright_{kind}", str(path)))
        if lines:
            pytest.fail(self._message(result, lines, session.root(), kept), pytrace=False)

    def _message(
        self, result: ScenarioResult, lines: list[str], root: Path, kept: list[tuple[str, Path]]
    ) -> str:
        head = f"scenario {self.name} ({self.loaded.path}): {result.status}"
        shown = [head, *(f"  {line}" for line in lines)]
        if result.error_screenshot:
            shown.append(f"  the page when it failed: {root / result.error_screenshot}")
        shown.extend(f"  trace: playwright show-trace {path}" for kind, path in kept if kind == "trace")
        return "\n".join(shown)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.loaded.url_line - 1, f"scenario {self.name}"


def _as_given(path: Path, start: Path) -> Path:
    """The path as a person would type it from where pytest was started: messages say `FILE:LINE`."""
    try:
        return path.relative_to(start)
    except ValueError:
        return path


def relative_url(item: ScenarioFile) -> str | None:
    """The first URL of the scenario that needs a base URL, if any."""
    from crawler.models import GotoStep

    urls = [item.scenario.url] + [s.goto for s in item.scenario.steps if isinstance(s, GotoStep)]
    return next((u for u in urls if "://" not in u and not u.startswith("about:")), None)


def _context_args(given: dict[str, Any], scratch: Path, name: str) -> tuple[dict[str, Any], Path | None]:
    """pytest-playwright's context arguments (`--device`, a conftest's overrides) for one scenario's context.

    The base URL is the crawler's to resolve; a video goes to a folder of this item's own, so it can be
    kept or dropped with the item's outcome.
    """
    args = {k: v for k, v in given.items() if k not in _NOT_FOR_CONTEXTS}
    if "record_video_dir" not in given:
        return args, None
    videos = scratch / "videos" / name
    args["record_video_dir"] = str(videos)
    return args, videos


@pytest.fixture(scope="session")
def _consent_crawler_session(
    pytestconfig: pytest.Config,
    request: pytest.FixtureRequest,
    browser_type_launch_args: dict[str, Any],
    connect_options: dict[str, Any] | None,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Any]:
    from crawler.pytest_session import ScenarioSession, browser_options

    browsers = pytestconfig.getoption("--browser", default=None) or ["chromium"]
    if set(browsers) != {"chromium"}:
        pytest.fail(f"scenarios run in Chromium only, not {', '.join(browsers)}", pytrace=False)
    db = pytestconfig.getoption("--crawler-db")
    recorded = {
        "runner": "pytest",
        **{
            name: pytestconfig.getoption(name, default=None)
            for name in ("device", "tracing", "video", "screenshot", "headed", "slowmo", "browser_channel")
            if pytestconfig.getoption(name, default=None)
        },
    }
    session = ScenarioSession(
        browser_options(browser_type_launch_args, connect_options),
        tmp_path_factory.mktemp("consent-crawler"),
        Path(db) if db else None,
        recorded,
    )
    yield session
    # -x, --maxfail or Ctrl-C stopped the session before every scenario ran.
    session.close(interrupted=bool(request.session.shouldstop or request.session.shouldfail))
