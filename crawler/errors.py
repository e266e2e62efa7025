"""Every error a user can cause or meet, each with a message that says how to fix it."""

from __future__ import annotations

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_SCENARIO_ERROR = 3
EXIT_ENVIRONMENT = 4
EXIT_EXPECTATIONS = 5
EXIT_OUTPUT = 6
EXIT_INTERNAL = 70
EXIT_DEADLINE = 124
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143


class CrawlerError(Exception):
    """Base class: the message is shown to the user as it is, without a traceback."""

    exit_code = EXIT_USAGE


class ScenarioError(CrawlerError):
    """One or more scenario files are invalid; each problem is one `FILE:LINE: message` line."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


class BrowserNotFound(CrawlerError):
    """No Chromium could be found or launched."""

    exit_code = EXIT_ENVIRONMENT


class StoreError(CrawlerError):
    """The results database cannot be opened or is from a newer crawler."""

    exit_code = EXIT_ENVIRONMENT


class OutputError(CrawlerError):
    """The run is saved, but an output it was asked for (report, JSON, JUnit) could not be written."""

    exit_code = EXIT_OUTPUT


def reason(exc: BaseException) -> str:
    """The first line of a browser error, which is the part a person can act on."""
    text = str(exc).strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    return first.removeprefix("Error: ").strip()


class StepFailed(Exception):
    """A step could not run (selector never appeared, navigation failed); ends its scenario as `error`."""
