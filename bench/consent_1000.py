"""A TCF-sized vendor list: 1,000 consent toggles, a third pre-ticked, crawled with screenshots on.

The same page with nothing ticked is the baseline: evidence must not make a crawl with 335 findings cost more
than 1.5x the same crawl with none, nor write more than 40 MB. Runs alternate (ticked, clean, ticked, ...)
so both see the same machine load; the figures are medians.

    .venv/bin/python bench/consent_1000.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

from crawler import runner, scenario
from crawler.server import SiteServer

CONTROLS = 1000
TICKED = 335


def write_page(folder: Path, name: str, ticked: int) -> None:
    rows = []
    for i in range(CONTROLS):
        on = (i * ticked) % CONTROLS < ticked if ticked else False
        label = f"Vendor {i} may use my personal data for personalised advertising"
        if i % 2:
            rows.append(
                f'<div><label><input type="checkbox"{" checked" if on else ""}> {label}</label></div>'
            )
        else:
            rows.append(
                f'<div><span id="v{i}">{label}</span> <button role="switch" aria-labelledby="v{i}" '
                f'aria-checked="{"true" if on else "false"}">●</button></div>'
            )
    body = "\n".join(rows)
    (folder / f"{name}.html").write_text(
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Partners</title></head>'
        '<body><div role="dialog" aria-label="We and our 1,000 partners use cookies">'
        f"{body}</div></body></html>",
        encoding="utf-8",
    )
    (folder / f"{name}.yaml").write_text(
        f"name: {name}\nurl: /{name}.html\nsettle: {{quiet_ms: 600}}\ntimeout_ms: 60000\n"
        "steps:\n  - scroll: bottom\n",
        encoding="utf-8",
    )


def folder_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


async def crawl_once(folder: Path, name: str, base_url: str, out: Path) -> dict[str, float]:
    files = scenario.load([folder / f"{name}.yaml"])
    out.mkdir(parents=True)
    options = runner.RunOptions(base_url=base_url)
    started = time.perf_counter()
    result = await runner.run(files, options, out / "crawl.db")
    seconds = time.perf_counter() - started
    [scenario_result] = result.scenarios
    shots = out / "crawl-screenshots"
    return {
        "seconds": seconds,
        "findings": len(scenario_result.findings),
        "screenshot_bytes": folder_bytes(shots),
        "bytes_written": folder_bytes(out),
        "images": sum(1 for p in shots.rglob("*.jpg")),
        "settle_ms": sum(s.settle_ms for s in scenario_result.steps),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--max-ratio", type=float, default=1.5)
    parser.add_argument("--max-mb", type=float, default=40.0)
    args = parser.parse_args()
    runs: dict[str, list[dict[str, float]]] = {"ticked": [], "clean": []}
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="consent-1000-") as tmp:
        root = Path(tmp)
        site = root / "site"
        site.mkdir()
        write_page(site, "ticked", TICKED)
        write_page(site, "clean", 0)
        with SiteServer(site) as server:
            for repeat in range(args.repeats):
                for name in ("ticked", "clean"):
                    figures = asyncio.run(crawl_once(site, name, server.url, root / f"{name}-{repeat}"))
                    runs[name].append(figures)
                    print(
                        f"  {name:7} run {repeat + 1}: {figures['seconds']:.1f} s, "
                        f"{figures['findings']} findings,"
                        f" {figures['bytes_written'] / 1e6:.1f} MB written, {figures['images']} images"
                    )
    median = {name: statistics.median(r["seconds"] for r in found) for name, found in runs.items()}
    written = {name: statistics.median(r["bytes_written"] for r in found) for name, found in runs.items()}
    ratio = median["ticked"] / median["clean"]
    report = {
        "controls": CONTROLS,
        "ticked": TICKED,
        "repeats": args.repeats,
        "median_seconds": median,
        "median_bytes_written": written,
        "findings": runs["ticked"][0]["findings"],
        "images": {name: found[0]["images"] for name, found in runs.items()},
        "ratio": round(ratio, 2),
        "runs": runs,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load": [load_before, os.getloadavg()],
        },
    }
    print()
    print(f"{'':24}{'median s':>10}{'MB written':>12}")
    for name in ("clean", "ticked"):
        print(
            f"{name + ' (' + str(TICKED if name == 'ticked' else 0) + ' pre-ticked)':24}"
            f"{median[name]:>10.1f}{written[name] / 1e6:>12.1f}"
        )
    ok = ratio <= args.max_ratio and written["ticked"] <= args.max_mb * 1e6
    print(
        f"ratio {ratio:.2f}x (at most {args.max_ratio}x), "
        f"{written['ticked'] / 1e6:.1f} MB (at most {args.max_mb} MB)"
        f"  [{'ok' if ok else 'over'}]"
    )
    results = Path(__file__).parent / "results"
    results.mkdir(exist_ok=True)
    (results / "consent_1000.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
