"""Geometry of the report's charts, computed at render time; the templates draw it as inline SVG.

Charts are plain shapes with their numbers beside them in text, so they read without JavaScript, print,
and need nothing from outside the report folder.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

WIDTH = 720.0
HEIGHT = 180.0
# Drawn series never exceed this many points: older nights are summed into buckets.
MAX_POINTS = 400


@dataclass(frozen=True)
class Series:
    rule: str
    points: str
    total: int
    latest: int
    peak: int


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class TrendChart:
    """Findings per night by rule over one window of nights."""

    window: str
    nights: int
    first: str
    last: str
    top: int
    series: list[Series]
    ticks: list[Tick]
    width: float = WIDTH
    height: float = HEIGHT


def trend(
    window: str,
    nights: Sequence[tuple[str, str]],
    counts: Mapping[str, Mapping[str, int]],
    rules: Sequence[str],
) -> TrendChart:
    """`nights` is (run id, date) oldest first; `counts` run id -> rule -> findings."""
    buckets = _buckets(len(nights))
    values = {
        rule: [sum(counts.get(nights[i][0], {}).get(rule, 0) for i in b) for b in buckets] for rule in rules
    }
    top = max([1, *(v for series in values.values() for v in series)])
    step = WIDTH / max(len(buckets) - 1, 1)
    series = []
    for rule in rules:
        ys = values[rule]
        points = " ".join(f"{i * step:.1f},{HEIGHT - HEIGHT * v / top:.1f}" for i, v in enumerate(ys))
        series.append(Series(rule, points, sum(ys), ys[-1] if ys else 0, max(ys, default=0)))
    ticks = []
    month = ""
    for i, bucket in enumerate(buckets):
        date = nights[bucket[0]][1]
        if date[:7] != month:
            month = date[:7]
            ticks.append(Tick(round(i * step, 1), month))
    if len(ticks) > 12:
        ticks = ticks[:: -(-len(ticks) // 12)]
    return TrendChart(
        window=window,
        nights=len(nights),
        first=nights[0][1] if nights else "",
        last=nights[-1][1] if nights else "",
        top=top,
        series=series,
        ticks=ticks,
    )


def _buckets(count: int) -> list[list[int]]:
    size = max(1, -(-count // MAX_POINTS))
    return [list(range(start, min(start + size, count))) for start in range(0, count, size)]


@dataclass(frozen=True)
class Band:
    x: int
    width: int
    status: str


@dataclass(frozen=True)
class Strip:
    """A scenario's recent nights: one band per run of equal statuses, and its finding counts as a line."""

    nights: int
    bands: list[Band]
    line: str
    peak: int
    summary: str


def strip(cells: Sequence[tuple[str, int]]) -> Strip:
    """`cells` is (status, findings) per night, oldest first."""
    bands: list[Band] = []
    for x, (status, _) in enumerate(cells):
        if bands and bands[-1].status == status:
            last = bands[-1]
            bands[-1] = Band(last.x, last.width + 1, status)
        else:
            bands.append(Band(x, 1, status))
    peak = max([0, *(count for _, count in cells)])
    path = []
    previous = None
    for x, (_, count) in enumerate(cells):
        y = 10 - 10 * count / peak if peak else 10
        if previous is None:
            path.append(f"M{x},{y:g}")
        elif y != previous:
            path.append(f"H{x}V{y:g}")
        previous = y
    if cells:
        path.append(f"H{len(cells)}")
    counts: dict[str, int] = {}
    for status, _ in cells:
        counts[status] = counts.get(status, 0) + 1
    summary = ", ".join(f"{n} {status.replace('-', ' ')}" for status, n in counts.items())
    return Strip(len(cells), bands, "".join(path), peak, summary)
