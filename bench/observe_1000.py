"""Observe a page holding 1,000 consent controls: the crawler's snapshot against the naive Playwright loop.

The page (generated at run time into a temporary folder) spreads 1,000 controls over the main document
(400), open shadow roots (150), a same-origin iframe (225) and a cross-origin iframe (225) served by a
second loopback server. Both approaches run in one process against one browser, interleaved, so they share
the machine's noise; the figures are medians.

    .venv/bin/python bench/observe_1000.py [--repeats 7] [--naive-repeats 3] [--min-ratio 20]

Exit codes: 0 ratio of medians at or above --min-ratio; 1 below it; 2 the two approaches disagree on what
the page holds (a broken benchmark, not a slow crawler).
"""

from __future__ import annotations

import argparse
import asyncio
import html
import importlib.metadata
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Frame, Page, async_playwright

from crawler import browser as browsers
from crawler import snapshot
from crawler.consent import Lexicon, default_lexicon
from crawler.identity import KeyMaker
from crawler.server import SiteServer
from crawler.snapshot import Collector

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "observe_1000.json"

MAIN_LIGHT = 400
SHADOW_HOSTS = 10
PER_SHADOW_HOST = 15
PER_IFRAME = 225
TOTAL = MAIN_LIGHT + SHADOW_HOSTS * PER_SHADOW_HOST + 2 * PER_IFRAME

# What a QA engineer writes: every toggleable thing Playwright can find. Its CSS engine pierces open
# shadow roots, so the main frame's locator also finds the controls inside them.
NAIVE_SELECTOR = (
    "input[type=checkbox], input[type=radio], [role=checkbox], [role=switch], [role=radio], "
    "[role=menuitemcheckbox]"
)
NAIVE_LABEL_JS = (
    "e => e.getAttribute('aria-label')"
    " || (e.labels && e.labels.length ? e.labels[0].innerText : e.innerText) || ''"
)

# Real labels, consent and not, in several languages: the lexicon has to work for its living.
PHRASES = (
    "I agree to the Terms of Service and the Privacy Policy",
    "Share my data with trusted partners",
    "Send me marketing emails about offers and events",
    "Keep me signed in",
    "Allow personalised advertising based on my activity",
    "Help us improve the product with analytics",
    "同意授权芝麻信用评估我的信用",
    "接收营销短信和优惠信息",
    "Remember this device",
    "Use my location to show nearby stores",
    "Ich willige in die Verarbeitung meiner Daten zu Werbezwecken ein",
    "Notify me when my order ships",
    "Use the compact layout",
    "Subscribe to our weekly newsletter",
    "You may contact me by phone about my account",
    "J'accepte le partage de mes données avec les partenaires",
    "Dark mode",
    "個人情報の第三者提供に同意する",
)
RADIO_CHOICES = ("Yes", "No", "Ask me later")

CSS = """
body { font: 15px/1.4 sans-serif; margin: 16px; color: #222; }
.row { display: block; margin: 4px 0; }
.fine { font-size: 11px; color: #999; }
fieldset { margin: 6px 0; padding: 4px 8px; }
.fancy { position: relative; display: block; margin: 4px 0; }
.fancy input { position: absolute; opacity: 0; width: 1px; height: 1px; }
.fancy .box { display: inline-block; width: 14px; height: 14px; border: 1px solid #555;
  vertical-align: middle; margin-right: 6px; }
[role=checkbox], [role=radio], [role=switch], [role=menuitemcheckbox] { display: block; margin: 4px 0;
  cursor: pointer; }
button[role=switch] { display: inline-block; }
.host { display: block; border: 1px dashed #ccc; margin: 8px 0; padding: 4px; }
"""


def _phrase(i: int) -> str:
    return PHRASES[(i * 7) % len(PHRASES)]


def _checked(i: int) -> bool:
    return (i * 37) % 5 == 0


def controls_html(count: int, prefix: str) -> str:
    """`count` controls cycling through ten ways sites draw them; ids are unique within `prefix`."""
    parts: list[str] = []
    i = 0
    while i < count:
        slot = i % 10
        uid = f"{prefix}{i}"
        text = html.escape(_phrase(i))
        on = " checked" if _checked(i) else ""
        aria = "true" if _checked(i) else "false"
        if slot == 0:
            parts.append(f'<label class="row"><input type="checkbox" name="{uid}"{on}> {text}</label>')
        elif slot == 1:
            parts.append(
                f'<div class="row"><input type="checkbox" id="{uid}"{on}>'
                f' <label for="{uid}" class="fine">{text}</label></div>'
            )
        elif slot == 2:
            # A radio group of up to three: slots 2, 3 and 4.
            size = min(3, count - i)
            radios = "".join(
                f'<label class="row"><input type="radio" name="{uid}" value="{choice.lower()}"'
                f"{' checked' if k == 0 and _checked(i) else ''}> {choice}</label>"
                for k, choice in enumerate(RADIO_CHOICES[:size])
            )
            parts.append(f"<fieldset><legend>{text}?</legend>{radios}</fieldset>")
            i += size
            continue
        elif slot == 5:
            parts.append(
                f'<div class="row"><button type="button" role="switch" aria-checked="{aria}"'
                f' aria-label="{text}">{"On" if _checked(i) else "Off"}</button></div>'
            )
        elif slot == 6:
            parts.append(f'<div role="checkbox" tabindex="0" aria-checked="{aria}">{text}</div>')
        elif slot == 7:
            parts.append(
                f'<label class="fancy"><input type="checkbox" name="{uid}"{on}>'
                f'<span class="box"></span>{text}</label>'
            )
        elif slot == 8:
            parts.append(
                f'<div role="radiogroup" aria-label="Contact preference">'
                f'<div role="radio" tabindex="0" aria-checked="{aria}">{text}</div></div>'
            )
        else:
            parts.append(
                f'<div role="menu"><div role="menuitemcheckbox" aria-checked="{aria}">{text}</div></div>'
            )
        i += 1
    return "\n".join(parts)


def _document(title: str, body: str) -> str:
    return (
        f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f"<style>{CSS}</style></head>\n<body>\n{body}\n</body></html>\n"
    )


def write_pages(root: Path, cross_origin: str) -> None:
    """main.html (main document, shadow roots, both iframes) and frame.html (one iframe's content)."""
    shadow_hosts = "\n".join(
        f'<div class="host"><template shadowrootmode="open"><style>{CSS}</style>'
        f"<h3>Preferences section {h}</h3>{controls_html(PER_SHADOW_HOST, f's{h}-')}</template></div>"
        for h in range(SHADOW_HOSTS)
    )
    half = MAIN_LIGHT // 2
    main = (
        "<h1>Account settings</h1>\n"
        f"<section>{controls_html(half, 'a')}</section>\n"
        f"{shadow_hosts}\n"
        '<iframe id="same" src="/frame.html?where=same-origin" width="640" height="400"></iframe>\n'
        f'<iframe id="cross" src="{cross_origin}/frame.html?where=cross-origin" width="640" height="400">'
        "</iframe>\n"
        f"<section>{controls_html(MAIN_LIGHT - half, 'b')}</section>"
    )
    (root / "main.html").write_text(_document("1,000 controls", main), encoding="utf-8")
    frame = "<h2>Embedded preferences</h2>\n" + controls_html(PER_IFRAME, "f")
    (root / "frame.html").write_text(_document("Embedded", frame), encoding="utf-8")


# ------------------------------------------------------------------ the two ways of observing


@dataclass(frozen=True)
class Seen:
    frame_url: str
    checked: bool | None
    visible: bool
    label: str


async def naive(page: Page, limit: int | None = None) -> list[Seen]:
    """Locator, count, then three round trips per control: state, visibility, label."""
    seen: list[Seen] = []
    for frame in page.frames:
        controls = frame.locator(NAIVE_SELECTOR)
        count = await controls.count()
        for i in range(count if limit is None else min(limit, count)):
            item = controls.nth(i)
            checked: bool | None
            try:
                checked = await item.is_checked()
            except PlaywrightError:
                aria = await item.get_attribute("aria-checked")
                checked = None if aria == "mixed" else aria == "true"
            visible = await item.is_visible()
            label = await item.evaluate(NAIVE_LABEL_JS)
            seen.append(Seen(frame.url, checked, visible, str(label)))
    return seen


async def ours(collector: Collector, page: Page, lexicon: Lexicon) -> list[Seen]:
    """What the crawler does at every step."""
    controls, _gaps, _probed = await collector.take(page, lexicon)
    return [Seen(c.frame_url, c.checked, c.visible, c.label) for c in controls]


async def bare_evaluate(collector: Collector, frame: Frame) -> tuple[float, int]:
    """One frame's collector round trip alone: (ms, bytes of JSON)."""
    started = time.perf_counter()
    data = await collector.call(frame, "snapshot", {"reset": False})
    return (time.perf_counter() - started) * 1000, len(json.dumps(data).encode())


async def breakdown(collector: Collector, page: Page, lexicon: Lexicon) -> tuple[float, float]:
    """`take` in its two halves, through its private helpers: (frame views ms, Python build ms)."""
    frames = [f for f in page.frames if not f.is_detached()]
    started = time.perf_counter()
    views = await asyncio.gather(*(collector._frame_view(f, page.main_frame) for f in frames))
    gathered = time.perf_counter()
    main = next(v.data for v in views if v.frame is page.main_frame)
    keys = KeyMaker()
    for view in views:
        for item in view.data.get("controls", []):
            snapshot._control(item, view, main["viewport"], main["scroll"], keys, lexicon)
    built = time.perf_counter()
    return (gathered - started) * 1000, (built - gathered) * 1000


# ------------------------------------------------------------------ measuring

T = TypeVar("T")


async def timed(work: Callable[[], Awaitable[T]]) -> tuple[float, T]:
    started = time.perf_counter()
    result = await work()
    return (time.perf_counter() - started) * 1000, result


def schedule(n_ours: int, n_naive: int) -> list[str]:
    """Naive runs spread evenly among ours: 7 and 3 give o o n o o n o o n o."""
    after: Counter[int] = Counter(min(n_ours - 1, int((j + 0.5) * n_ours / n_naive)) for j in range(n_naive))
    order: list[str] = []
    for i in range(n_ours):
        order.append("ours")
        order.extend(["naive"] * after[i])
    return order


def summary(values: Sequence[float]) -> dict[str, Any]:
    return {
        "median": round(statistics.median(values), 1),
        "min": round(min(values), 1),
        "max": round(max(values), 1),
        "runs": [round(v, 1) for v in values],
    }


@dataclass
class Figures:
    take: list[float] = field(default_factory=list)
    naive: list[float] = field(default_factory=list)
    frame_views: list[float] = field(default_factory=list)
    python_build: list[float] = field(default_factory=list)
    evaluate: dict[str, list[float]] = field(default_factory=dict)
    payload_bytes: dict[str, int] = field(default_factory=dict)


class Disagreement(Exception):
    pass


def frame_name(page: Page, frame: Frame) -> str:
    if frame is page.main_frame:
        return "main"
    return "same-origin" if "same-origin" in frame.url else "cross-origin"


def describe(seen: Sequence[Seen], page: Page) -> dict[str, Any]:
    names = {f.url: frame_name(page, f) for f in page.frames}
    return {
        "total": len(seen),
        "per_frame": dict(Counter(names.get(s.frame_url, s.frame_url) for s in seen)),
        "checked": sum(1 for s in seen if s.checked),
        "visible": sum(1 for s in seen if s.visible),
        "labelled": sum(1 for s in seen if s.label.strip()),
    }


def compare(ours_seen: dict[str, Any], naive_seen: dict[str, Any]) -> None:
    """Both must find the same controls, frame by frame, in the same states; visibility and labels differ
    by design (the crawler counts a hidden input drawn by a stand-in as visible, and reads more label
    sources), so they are reported, not compared."""
    problems = [
        f"{what}: ours {ours_seen[what]} != naive {naive_seen[what]}"
        for what in ("total", "per_frame", "checked")
        if ours_seen[what] != naive_seen[what]
    ]
    if ours_seen["total"] != TOTAL:
        problems.append(f"the page should hold {TOTAL} controls, ours found {ours_seen['total']}")
    if problems:
        raise Disagreement("; ".join(problems))


async def measure(args: argparse.Namespace, figures: Figures) -> dict[str, Any]:
    lexicon = default_lexicon()
    with tempfile.TemporaryDirectory(prefix="observe-1000-") as folder:
        root = Path(folder)
        with SiteServer(root) as site, SiteServer(root) as other:
            cross = other.url.replace("127.0.0.1", args.cross_host)
            write_pages(root, cross)
            async with async_playwright() as playwright:
                chromium = await browsers.launch(playwright, browsers.BrowserOptions(path=args.browser_path))
                try:
                    context = await chromium.new_context()
                    collector = Collector.new()
                    await collector.install(context)
                    page = await context.new_page()
                    await page.goto(f"{site.url}/main.html", wait_until="load")
                    if len(page.frames) != 3:
                        raise Disagreement(f"expected 3 frames, got {[f.url for f in page.frames]}")
                    # Warm both paths up (JIT, Playwright's injected script in every frame): not timed.
                    await ours(collector, page, lexicon)
                    await naive(page, limit=20)
                    counts: dict[str, Any] = {}
                    for index, which in enumerate(schedule(args.repeats, args.naive_repeats), start=1):
                        if which == "ours":
                            ms, seen = await timed(lambda: ours(collector, page, lexicon))
                            figures.take.append(ms)
                            views_ms, build_ms = await breakdown(collector, page, lexicon)
                            figures.frame_views.append(views_ms)
                            figures.python_build.append(build_ms)
                            for frame in page.frames:
                                name = frame_name(page, frame)
                                eval_ms, size = await bare_evaluate(collector, frame)
                                figures.evaluate.setdefault(name, []).append(eval_ms)
                                figures.payload_bytes[name] = size
                        else:
                            ms, seen = await timed(lambda: naive(page))
                            figures.naive.append(ms)
                        counts.setdefault(which, describe(seen, page))
                        if "ours" in counts and "naive" in counts:
                            compare(counts["ours"], counts["naive"])
                        print(f"  run {index:2d} {which:5s} {ms:9.1f} ms  ({len(seen)} controls)", flush=True)
                    version = chromium.version
                finally:
                    await chromium.close()
    counts["cross_origin_url"] = cross
    counts["chromium"] = version
    return counts


# ------------------------------------------------------------------ reporting


def _git_commit() -> str:
    done = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=HERE, capture_output=True, text=True, check=False
    )
    return done.stdout.strip() or "unknown"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _loadavg() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def report(
    args: argparse.Namespace, figures: Figures, counts: dict[str, Any], machine: dict[str, Any]
) -> bool:
    ratio = statistics.median(figures.naive) / statistics.median(figures.take)
    passed = bool(ratio >= args.min_ratio)
    rows = [
        ("ours: snapshot.take (all frames)", figures.take),
        ("naive: locator loop (all frames)", figures.naive),
        ("  take: frame views (JS + offsets)", figures.frame_views),
        ("  take: Python build (1,000 controls)", figures.python_build),
        *((f"  bare evaluate, {name} frame", values) for name, values in figures.evaluate.items()),
    ]
    print()
    print(f"{'observe 1,000 controls':40s} {'runs':>4s} {'median':>10s} {'min':>10s} {'max':>10s}  (ms)")
    for name, values in rows:
        s = summary(values)
        print(f"{name:40s} {len(values):4d} {s['median']:10.1f} {s['min']:10.1f} {s['max']:10.1f}")
    ours_counts, naive_counts = counts["ours"], counts["naive"]
    print()
    print(
        f"controls found: ours {ours_counts['total']} {ours_counts['per_frame']}"
        f", naive {naive_counts['total']} {naive_counts['per_frame']}"
        f"; checked: ours {ours_counts['checked']}, naive {naive_counts['checked']}"
        f"; visible: ours {ours_counts['visible']}, naive {naive_counts['visible']}"
    )
    verdict = "ok" if passed else f"BELOW {args.min_ratio:g}x"
    print(f"ratio of medians (naive / ours): {ratio:.1f}x  [{verdict}]")
    print(f"machine: {machine['cpus']} CPUs, load {machine['loadavg_before']} -> {machine['loadavg_after']}")

    document = {
        "benchmark": "observe_1000",
        "date": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "commit": _git_commit(),
        "command": " ".join([".venv/bin/python", "bench/observe_1000.py", *sys.argv[1:]]),
        "page": {
            "controls": TOTAL,
            "main_document": MAIN_LIGHT,
            "open_shadow_roots": SHADOW_HOSTS * PER_SHADOW_HOST,
            "same_origin_iframe": PER_IFRAME,
            "cross_origin_iframe": PER_IFRAME,
            "cross_origin_url": counts["cross_origin_url"],
        },
        "ms": {
            "take": summary(figures.take),
            "naive": summary(figures.naive),
            "take_frame_views": summary(figures.frame_views),
            "take_python_build": summary(figures.python_build),
            "bare_evaluate": {name: summary(values) for name, values in figures.evaluate.items()},
        },
        "ratio_of_medians": round(ratio, 1),
        "min_ratio": args.min_ratio,
        "passed": passed,
        "found": {"ours": ours_counts, "naive": naive_counts},
        "snapshot_json_bytes": figures.payload_bytes,
        "machine": {**machine, "chromium": counts["chromium"]},
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS.relative_to(HERE.parent)}")
    return passed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeats", type=int, default=7, help="timed runs of ours (default 7)")
    parser.add_argument(
        "--naive-repeats", type=int, default=3, help="timed runs of the naive loop (default 3)"
    )
    parser.add_argument("--min-ratio", type=float, default=20.0, help="fail below this ratio (default 20)")
    parser.add_argument(
        "--cross-host",
        default="localhost",
        help="host of the cross-origin iframe's server (default localhost: cross-site too, so Chromium "
        "renders it out of process; 127.0.0.1 keeps it same-site, in process)",
    )
    parser.add_argument(
        "--browser-path", default=None, help="Chromium to use (default: as the crawler finds it)"
    )
    args = parser.parse_args(argv)
    if args.repeats < 1 or args.naive_repeats < 1:
        parser.error("--repeats and --naive-repeats must be at least 1")

    machine = {
        "cpus": os.cpu_count(),
        "cpu": _cpu_model(),
        "loadavg_before": _loadavg(),
        "python": platform.python_version(),
        "playwright": importlib.metadata.version("playwright"),
        "platform": platform.platform(),
    }
    figures = Figures()
    print(f"observe_1000: {TOTAL} controls, {args.repeats} runs of ours, {args.naive_repeats} of naive")
    try:
        counts = asyncio.run(measure(args, figures))
    except Disagreement as exc:
        print(f"FAIL: the two approaches disagree: {exc}", file=sys.stderr)
        return 2
    machine["loadavg_after"] = _loadavg()
    return 0 if report(args, figures, counts, machine) else 1


if __name__ == "__main__":
    sys.exit(main())
