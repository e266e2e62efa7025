"""The crawler's own work per observed step on a page of 1,000 controls, screenshots on.

Two journeys on `observe_1000.py`'s page (main document, open shadow roots, a same-origin and a
cross-origin iframe): a short one (open, then 1 snapshot step) and a long one (open, then 1 + EXTRA
snapshot steps). Each is crawled by the real runner into its own SQLite file, alternately, so both see the
same machine load. The marginal cost of an observed step is

    (median long crawl - median short crawl) / EXTRA

and the crawler's own work is that less the settle wait it recorded for those steps (the page's quiet time,
which the crawler waits for but does not spend). Everything else of a step counts: the snapshot in every
frame, classification, keys, the screenshot, the evidence, and the write to SQLite.

    .venv/bin/python bench/step_cost.py [--repeats 5] [--extra 10] [--target-ms 500] [--profile]

`--profile` also runs the long journey once under cProfile and prints where the Python time goes.
Exit codes: 0 the work per step is at most --target-ms; 1 over it.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import os
import platform
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from crawler import runner, scenario
from crawler.server import SiteServer

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import observe_1000  # noqa: E402  (a sibling script, not a package)

RESULTS = HERE / "results" / "step_cost.json"


def write_journeys(folder: Path, extra: int) -> None:
    for name, steps in (("short", 1), ("long", 1 + extra)):
        body = "".join(f"  - snapshot: look {i}\n" for i in range(steps))
        (folder / f"{name}.yaml").write_text(
            f"name: {name}\nurl: /main.html\ntimeout_ms: 60000\nscenario_timeout_s: 1800\nsteps:\n{body}",
            encoding="utf-8",
        )


async def crawl(folder: Path, name: str, base_url: str, out: Path) -> dict[str, Any]:
    files = scenario.load([folder / f"{name}.yaml"])
    out.mkdir(parents=True)
    started = time.perf_counter()
    result = await runner.run(files, runner.RunOptions(base_url=base_url), out / "crawl.db")
    seconds = time.perf_counter() - started
    [done] = result.scenarios
    if done.status not in ("ok", "findings"):
        raise SystemExit(f"the {name} journey did not complete: {done.status} {done.error}")
    return {
        "seconds": seconds,
        "steps": len(done.steps),
        "controls": len(done.steps[-1].controls),
        "settle_s": sum(s.settle_ms for s in done.steps) / 1000,
        "screenshots": sum(1 for s in done.steps if s.screenshot),
    }


def profile(folder: Path, base_url: str, out: Path) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    asyncio.run(crawl(folder, "long", base_url, out))
    profiler.disable()
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(30)
    return text.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--extra", type=int, default=10, help="observed steps the long journey adds")
    parser.add_argument("--target-ms", type=float, default=500.0)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    runs: dict[str, list[dict[str, Any]]] = {"short": [], "long": []}
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="step-cost-") as tmp:
        root = Path(tmp)
        site = root / "site"
        site.mkdir()
        with SiteServer(site) as other, SiteServer(site) as server:
            observe_1000.write_pages(site, other.url)
            write_journeys(site, args.extra)
            for repeat in range(args.repeats):
                for name in ("short", "long") if repeat % 2 == 0 else ("long", "short"):
                    figures = asyncio.run(crawl(site, name, server.url, root / f"{name}-{repeat}"))
                    runs[name].append(figures)
                    print(
                        f"  {name:5} run {repeat + 1}: {figures['seconds']:.2f} s, {figures['steps']} steps,"
                        f" {figures['controls']} controls, settle {figures['settle_s']:.2f} s"
                    )
            profiled = profile(site, server.url, root / "profiled") if args.profile else ""
    median = {name: statistics.median(r["seconds"] for r in found) for name, found in runs.items()}
    settle = {name: statistics.median(r["settle_s"] for r in found) for name, found in runs.items()}
    per_step_s = (median["long"] - median["short"]) / args.extra
    settle_per_step_s = (settle["long"] - settle["short"]) / args.extra
    work_ms = (per_step_s - settle_per_step_s) * 1000
    report = {
        "controls": runs["long"][0]["controls"],
        "extra_steps": args.extra,
        "repeats": args.repeats,
        "median_seconds": median,
        "median_settle_seconds": settle,
        "step_ms": round(per_step_s * 1000, 1),
        "settle_ms_per_step": round(settle_per_step_s * 1000, 1),
        "work_ms_per_step": round(work_ms, 1),
        "target_ms": args.target_ms,
        "runs": runs,
        "machine": {
            "cpus": os.cpu_count(),
            "cpu": observe_1000._cpu_model(),
            "python": platform.python_version(),
            "load": [load_before, os.getloadavg()],
            "commit": observe_1000._git_commit(),
        },
    }
    ok = work_ms <= args.target_ms
    print()
    print(f"observed step on {report['controls']:,} controls, screenshots on (medians of {args.repeats}):")
    print(f"  whole step             {per_step_s * 1000:7.0f} ms")
    print(f"  settle wait (page)     {settle_per_step_s * 1000:7.0f} ms")
    verdict = "ok" if ok else "over"
    print(f"  crawler's own work     {work_ms:7.0f} ms   (at most {args.target_ms:.0f})  [{verdict}]")
    if profiled:
        print(profiled)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
