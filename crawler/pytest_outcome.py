"""What a scenario run under pytest comes to: its problems in words, and the artifacts pytest-playwright's
options keep (`--tracing`, `--video`, `--screenshot`, in `--output`)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

from crawler.models import Scenario
from crawler.results import Finding, ScenarioResult


def problems(scenario: Scenario, result: ScenarioResult) -> list[str]:
    """Everything that fails the item, one line each; empty when it passes.

    A finding counts unless a baseline accepts it or the scenario's `expect: findings:` lists its rule (a
    finding outside that list is already one of the failed expectations).
    """
    lines = [f"error: {result.error}"] if result.error else []
    lines.extend(f"expectation failed: {failure}" for failure in result.failures)
    judged_by_expect = scenario.expect is not None and scenario.expect.findings is not None
    if not judged_by_expect:
        lines.extend(_finding(f) for f in result.findings if not f.accepted)
    return lines


def _finding(finding: Finding) -> str:
    label = " ".join(finding.label.split())[:80]
    return (
        f"finding {finding.rule} ({finding.severity}) at step {finding.step} on “{label}”: {finding.detail}"
    )


@dataclass(frozen=True)
class Keep:
    """pytest-playwright's artifact options."""

    tracing: str = "off"
    video: str = "off"
    screenshot: str = "off"

    @classmethod
    def from_config(cls, config: Any) -> Keep:
        def option(name: str) -> str:
            return str(config.getoption(name, default="off") or "off")

        return cls(option("--tracing"), option("--video"), option("--screenshot"))

    def trace(self, failed: bool) -> bool:
        return self.tracing == "on" or (failed and self.tracing == "retain-on-failure")

    def videos(self, failed: bool) -> bool:
        return self.video == "on" or (failed and self.video == "retain-on-failure")

    def screenshots(self, failed: bool) -> bool:
        return self.screenshot == "on" or (failed and self.screenshot == "only-on-failure")


def keep_artifacts(
    result: ScenarioResult, root: Path, videos: Path | None, output: Path, keep: Keep, failed: bool
) -> list[tuple[str, Path]]:
    """Copy what the options keep into the item's `output` folder; returns (kind, path) of each.

    A trace the options do not keep is deleted, and dropped from the result, so the database (with
    `--crawler-db`) holds the same traces as `--output`.
    """
    kept: list[tuple[str, Path]] = []
    if result.trace:
        trace = root / result.trace
        if keep.trace(failed):
            kept.append(("trace", _copy(trace, output / "trace.zip")))
        else:
            trace.unlink(missing_ok=True)
            result.trace = None
    recorded = sorted(videos.glob("*.webm")) if videos is not None and videos.is_dir() else []
    if keep.videos(failed):
        for number, video in enumerate(recorded, start=1):
            name = "video.webm" if len(recorded) == 1 else f"video-{number}.webm"
            kept.append(("video", _copy(video, output / name, move=True)))
    else:
        for video in recorded:
            video.unlink(missing_ok=True)
    last = result.error_screenshot or next(
        (s.screenshot for s in reversed(result.steps) if s.screenshot), None
    )
    if last and keep.screenshots(failed) and (root / last).is_file():
        target = output / f"test-{'failed' if failed else 'finished'}-1.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        with Image.open(root / last) as image:
            image.save(target, "PNG")
        kept.append(("screenshot", target))
    return kept


def _copy(source: Path, target: Path, *, move: bool = False) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    if move:
        shutil.move(source, target)
    else:
        shutil.copyfile(source, target)
    return target
