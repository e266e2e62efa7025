"""Crawl throughput: scenarios per minute and peak memory at several concurrencies, and in worker processes.

A local site on loopback answers every request (page, stylesheet, script, the preference centre's JSON)
after a random 150-400 ms, like a real site across the internet, so a crawl is bound by latency, not by the
CPU of the server. Generated scenarios of 5 steps (open a page, then click, check, fill, select, scroll,
wait, goto, submit) are crawled by the real command line, `python -m crawler run FOLDER --concurrency N`,
in a child process:

- **one process**, `--concurrency N` for each N of `--concurrency` (default 1, 2, 4, 8): N browser
  contexts at once in one Chromium, the crawler's design;
- **worker processes**, `--workers WxC` (default 4x1 and 2x2): W `crawler run` processes at once, each
  with its own Chromium, its own database and `--shard K/W` of the scenarios, each at concurrency C.

Each is timed from start to the last process's exit, and the process trees (Python, Playwright's driver,
Chromium and its children) are sampled for memory: the sum of RSS over every process of every tree at each
sample, the maximum over samples (and the same for PSS, which counts pages shared between processes once).
CPU time is summed over the trees too. Every scenario must come back, none in error.

    .venv/bin/python bench/throughput.py [--scenarios 200] [--concurrency 1,2,4,8] [--workers 4x1,2x2]
        [--latency 150-400] [--repeats 1] [--serial-scenarios N] [--work bench-work/throughput]

It prints one line per crawl, then a table, and writes bench/results/throughput.json. Exit codes: 0 when
concurrency 4 reaches `--min-ratio` (default 3) times the throughput of concurrency 1, or when either was not
run; 1 below it; 2 when a scenario errored or went missing (a broken benchmark, not a slow crawler).
"""

from __future__ import annotations

import argparse
import html
import importlib.metadata
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from crawler import runner

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from observe_1000 import _cpu_model, _git_commit  # noqa: E402  (a sibling script, not a package)

ROOT = HERE.parent
RESULTS = HERE / "results" / "throughput.json"
DEFAULT_WORK = ROOT / "bench-work" / "throughput"

PAGES = 8
STEPS = 5
BOXES = 6
SAMPLE_S = 0.5
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

# Real consent phrasing, some of it pre-ticked on some pages: the rules have something to find.
BOX_LABELS = (
    "Send me offers and news by email",
    "Share my data with trusted partners for advertising",
    "Remember me on this device",
    "Use my browsing to personalise ads",
    "Help improve the service with anonymous analytics",
    "I agree to the Terms of Service",
    "Text me about my orders",
    "Show me products based on my location",
)
PREFERENCES = (
    ("strictly-necessary", "Strictly necessary"),
    ("analytics", "Analytics cookies"),
    ("ads", "Personalised advertising"),
    ("social", "Social media cookies"),
    ("video", "Embedded video"),
)
COUNTRIES = ("DE", "FR", "GB", "IT", "ES")

CSS = """
body { font: 16px/1.5 sans-serif; margin: 0; padding-bottom: 160px; color: #222; background: #fff; }
header { background: #224; padding: 8px 16px; } header a { color: #fff; margin-right: 12px; }
main { max-width: 720px; margin: 16px auto; padding: 0 16px; }
label { display: block; margin: 6px 0; }
input[type=checkbox] { width: 18px; height: 18px; }
#banner { position: fixed; bottom: 0; left: 0; right: 0; background: #f4f4f8; padding: 12px 16px;
  border-top: 1px solid #ccc; }
#preferences [role=switch] { display: block; margin: 6px 0; min-width: 44px; min-height: 24px; }
.filler { color: #555; }
"""

# The banner's "Customise" fetches the preference centre from the server, as consent managers do.
SCRIPT = """
document.addEventListener('click', async (event) => {
  const target = event.target.closest('button, [role=switch]');
  if (!target) return;
  if (target.id === 'accept' || target.id === 'reject') {
    document.getElementById('banner').hidden = true;
  } else if (target.id === 'customise') {
    const answer = await fetch('/api/prefs?page=' + document.body.dataset.page);
    const prefs = await answer.json();
    const box = document.getElementById('preferences');
    box.replaceChildren(...prefs.map((p) => {
      const button = document.createElement('button');
      button.type = 'button';
      button.id = 'pref-' + p.id;
      button.setAttribute('role', 'switch');
      button.setAttribute('aria-checked', String(p.on));
      button.textContent = p.label;
      return button;
    }));
    box.hidden = false;
  } else if (target.getAttribute('role') === 'switch') {
    target.setAttribute('aria-checked', target.getAttribute('aria-checked') === 'true' ? 'false' : 'true');
  }
});
"""


def _ticked(page: int, box: int) -> bool:
    return (page * 7 + box * 3) % 5 == 0


def page_html(number: int) -> str:
    nav = " ".join(f'<a id="nav-{k}" href="/p/{k}">Page {k}</a>' for k in range(PAGES))
    boxes = "\n".join(
        f'<label><input type="checkbox" id="c{b}" name="c{b}"{" checked" if _ticked(number, b) else ""}> '
        f"{html.escape(BOX_LABELS[(number + b) % len(BOX_LABELS)])}</label>"
        for b in range(BOXES)
    )
    countries = "".join(f'<option value="{c}">{c}</option>' for c in COUNTRIES)
    filler = "\n".join(
        f'<p class="filler">Paragraph {i} of page {number}: an account page has text around its form.</p>'
        for i in range(12)
    )
    following = (number + 1) % PAGES
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<title>Account page {number}</title><link rel="icon" href="data:,">'
        '<link rel="stylesheet" href="/site.css"><script src="/site.js" defer></script></head>\n'
        f'<body data-page="{number}">\n<header><nav>{nav}</nav></header>\n<main>\n'
        f"<h1>Account page {number}</h1>\n"
        f'<form id="signup" action="/p/{following}" method="get">\n'
        '<label>Email <input id="email" name="email" type="email"></label>\n'
        f'<label>Country <select id="country" name="country">{countries}</select></label>\n'
        f"{boxes}\n"
        '<button id="save" type="submit">Save</button>\n</form>\n'
        f'<div id="preferences" role="group" aria-label="Cookie preferences" hidden></div>\n'
        f"{filler}\n"
        f'<p><a id="next" href="/p/{following}">Next page</a></p>\n</main>\n'
        '<div id="banner" role="dialog" aria-label="Cookies">We use cookies. '
        '<button id="accept" type="button">Accept all</button> '
        '<button id="reject" type="button">Reject all</button> '
        '<button id="customise" type="button">Customise</button></div>\n'
        "</body></html>\n"
    )


def prefs_json(number: int) -> str:
    return json.dumps(
        [
            {"id": key, "label": label, "on": i == 0 or (number + i) % 3 == 0}
            for i, (key, label) in enumerate(PREFERENCES)
        ]
    )


# ------------------------------------------------------------------ the site


class LatencySite:
    """A threaded HTTP server on 127.0.0.1 whose every answer waits a random time (seeded) first."""

    def __init__(self, latency_ms: tuple[float, float], seed: int) -> None:
        self.latency_ms = latency_ms
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.requests = 0
        self.waited_s = 0.0
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                site.answer(self)

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: a crawl makes thousands of requests."""

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def delay(self) -> float:
        low, high = self.latency_ms
        with self.lock:
            seconds = self.rng.uniform(low, high) / 1000
            self.requests += 1
            self.waited_s += seconds
        return seconds

    def answer(self, request: BaseHTTPRequestHandler) -> None:
        time.sleep(self.delay())
        path = urlsplit(request.path)
        status, kind, body = 200, "text/html; charset=utf-8", ""
        if match := re.fullmatch(r"/p/([0-9]+)", path.path):
            body = page_html(int(match[1]) % PAGES)
        elif path.path == "/site.css":
            kind, body = "text/css", CSS
        elif path.path == "/site.js":
            kind, body = "text/javascript", SCRIPT
        elif path.path == "/api/prefs":
            page = parse_qs(path.query).get("page", ["0"])[0]
            kind, body = "application/json", prefs_json(int(page) if page.isdigit() else 0)
        else:
            status, kind, body = 404, "text/plain", "not found"
        data = body.encode("utf-8")
        request.send_response(status)
        request.send_header("Content-Type", kind)
        request.send_header("Content-Length", str(len(data)))
        request.send_header("Cache-Control", "no-store")
        request.end_headers()
        request.wfile.write(data)

    def __enter__(self) -> LatencySite:
        self.thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


# ------------------------------------------------------------------ the scenarios


def journey(rng: random.Random) -> tuple[int, list[str]]:
    """A first page and 5 steps a person could take there, each valid where the previous ones left them.
    At least two of them load a page (a link, a form, a goto), as real journeys do."""
    while True:
        page = rng.randrange(PAGES)
        banner, prefs = True, False
        steps: list[str] = []
        navigations = 0
        for _ in range(STEPS):
            choices = ["check", "uncheck", "fill", "select", "scroll", "next", "goto", "save", "nav"]
            if banner and not prefs:
                choices += ["customise", "customise", "accept"]
            if prefs:
                choices += ["switch", "switch"]
            action = rng.choice(choices)
            box = rng.randrange(BOXES)
            if action == "check":
                steps.append(f'check: "#c{box}"')
            elif action == "uncheck":
                steps.append(f'uncheck: "#c{box}"')
            elif action == "fill":
                steps.append(f'fill: {{selector: "#email", value: "user{rng.randrange(1000)}@example.com"}}')
            elif action == "select":
                steps.append(f'select: {{selector: "#country", value: {rng.choice(COUNTRIES)}}}')
            elif action == "scroll":
                steps.append("scroll: bottom")
            elif action == "customise":
                steps.append('click: "#customise"')
                prefs = True
                if len(steps) < STEPS:
                    steps.append('wait_for: "#preferences"')
            elif action == "switch":
                steps.append(f'click: "#pref-{rng.choice(PREFERENCES[1:])[0]}"')
            elif action == "accept":
                steps.append('click: "#accept"')
                banner = False
            else:
                navigations += 1
                banner, prefs = True, False
                if action == "next":
                    steps.append('click: "#next"')
                elif action == "save":
                    steps.append('click: "#save"')
                elif action == "nav":
                    steps.append(f'click: "#nav-{rng.randrange(PAGES)}"')
                else:
                    steps.append(f"goto: /p/{rng.randrange(PAGES)}")
            if len(steps) >= STEPS:
                break
        if navigations >= 2 and len(steps) == STEPS:
            return page, steps


def write_scenarios(folder: Path, count: int, seed: int) -> None:
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    rng = random.Random(seed)
    for number in range(count):
        page, steps = journey(rng)
        lines = [
            f"name: tp-{number:04d}",
            f"title: Generated journey {number}",
            f"url: /p/{page}",
            "tags: [throughput]",
            "viewport: {width: 1280, height: 800}",
            "steps:",
            *(f"  - {step}" for step in steps),
        ]
        (folder / f"tp-{number:04d}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


# ------------------------------------------------------------------ measuring a crawl


@dataclass(frozen=True)
class Mode:
    processes: int
    concurrency: int
    scenarios: int

    @property
    def key(self) -> str:
        return f"c{self.concurrency}" if self.processes == 1 else f"{self.processes}x{self.concurrency}"

    @property
    def label(self) -> str:
        if self.processes == 1:
            return f"1 process, concurrency {self.concurrency}"
        return f"{self.processes} processes x concurrency {self.concurrency}"

    @property
    def parallelism(self) -> int:
        return self.processes * self.concurrency


@dataclass
class Tree:
    """Memory and CPU of every process under some roots, sampled from /proc."""

    roots: list[int]
    peak_rss: int = 0
    peak_pss: int = 0
    peak_processes: int = 0
    cpu_ticks: dict[int, int] = field(default_factory=dict)
    kinds: dict[int, str] = field(default_factory=dict)

    def sample(self) -> None:
        parents: dict[int, list[int]] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            stat = _stat(int(entry))
            if stat is not None:
                parents.setdefault(stat[0], []).append(int(entry))
        members: list[int] = []
        todo = list(self.roots)
        while todo:
            pid = todo.pop()
            members.append(pid)
            todo.extend(parents.get(pid, ()))
        rss = pss = 0
        for pid in members:
            stat = _stat(pid)
            if stat is None:
                continue
            # Keyed by pid and start time: a pid used again is another process.
            key = pid * 1_000_003 + stat[2]
            self.cpu_ticks[key] = stat[1]
            if key not in self.kinds:
                self.kinds[key] = _kind(pid)
            rss += _rss(pid)
            pss += _pss(pid)
        self.peak_rss = max(self.peak_rss, rss)
        self.peak_pss = max(self.peak_pss, pss)
        self.peak_processes = max(self.peak_processes, len(members))

    @property
    def cpu_s(self) -> float:
        return sum(self.cpu_ticks.values()) / CLOCK_TICKS

    def cpu_by_kind(self) -> dict[str, float]:
        kinds: dict[str, float] = {}
        for key, ticks in self.cpu_ticks.items():
            kind = self.kinds.get(key, "other")
            kinds[kind] = kinds.get(kind, 0.0) + ticks / CLOCK_TICKS
        return dict(sorted(kinds.items(), key=lambda item: -item[1]))


def _kind(pid: int) -> str:
    """crawler (Python), driver (Playwright's Node), browser, renderer, gpu, network, storage, zygote..."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return "other"
    # Chromium's children rewrite their command line as one string, arguments joined by spaces.
    argv = raw.replace("\0", " ").split()
    program = Path(argv[0]).name if argv else ""
    if program.startswith("python"):
        return "crawler"
    if program == "node":
        return "driver"
    options = dict(arg[2:].split("=", 1) for arg in argv[1:] if arg.startswith("--") and "=" in arg)
    kind = options.get("type", "browser" if "chrom" in program else program or "other")
    if kind == "utility":
        return options.get("utility-sub-type", "utility").split(".")[0]
    if kind == "renderer" and "--top-chrome-webui" in argv:
        return "renderer (webui)"
    return kind.removesuffix("-process")


def machine_cpu() -> tuple[int, int]:
    """(busy, total) clock ticks of all CPUs since boot, from /proc/stat."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    except (OSError, ValueError, IndexError):
        return 0, 0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return sum(fields) - idle, sum(fields)


def _stat(pid: int) -> tuple[int, int, int] | None:
    """(parent pid, user + system clock ticks, start time) of a live process."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return int(fields[1]), int(fields[11]) + int(fields[12]), int(fields[19])


def _rss(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_SIZE
    except (OSError, IndexError, ValueError):
        return 0


def _pss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except (OSError, IndexError, ValueError):
        pass
    return 0


def crawl(mode: Mode, folder: Path, out: Path, base_url: str, extra: Sequence[str]) -> dict[str, Any]:
    """Run `mode` over the scenarios in `folder`: its processes at once, sampled until the last one exits."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    processes: list[subprocess.Popen[bytes]] = []
    logs = []
    load_before = _loadavg()
    machine_before = machine_cpu()
    started = time.perf_counter()
    for k in range(1, mode.processes + 1):
        command = [
            sys.executable, "-m", "crawler", "run", str(folder),
            "--base-url", base_url,
            "--db", str(out / f"crawl-{k}.db"),
            "--json", str(out / f"crawl-{k}.json"),
            "--concurrency", str(mode.concurrency),
            "--fail-on", "never",
            "--run-id", f"throughput-{out.name}",
        ]  # fmt: skip
        if mode.processes > 1:
            command += ["--shard", f"{k}/{mode.processes}"]
        command += extra
        log = (out / f"crawl-{k}.log").open("wb")
        logs.append(log)
        processes.append(subprocess.Popen(command, cwd=out, env=env, stdout=log, stderr=log))
    tree = Tree([p.pid for p in processes])
    next_sample = 0.0
    while any(p.poll() is None for p in processes):
        if time.perf_counter() >= next_sample:
            tree.sample()
            next_sample = time.perf_counter() + SAMPLE_S
        time.sleep(0.05)
    wall_s = time.perf_counter() - started
    machine_after = machine_cpu()
    machine_ticks = machine_after[1] - machine_before[1]
    for log in logs:
        log.close()
    return {
        "wall_s": wall_s,
        "exit_codes": [p.returncode for p in processes],
        "peak_rss_mb": tree.peak_rss / 2**20,
        "peak_pss_mb": tree.peak_pss / 2**20,
        "peak_processes": tree.peak_processes,
        "cpu_s": tree.cpu_s,
        "cpu_s_by_process": {k: round(v, 1) for k, v in tree.cpu_by_kind().items()},
        "machine_busy": (machine_after[0] - machine_before[0]) / machine_ticks if machine_ticks else None,
        "loadavg": [load_before, _loadavg()],
        **outcome(out, mode),
    }


def _seconds(start: str, end: str) -> float:
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()


def outcome(out: Path, mode: Mode) -> dict[str, Any]:
    """What the crawls' `--json` documents say: every scenario back, none in error, and where time went."""
    scenarios: list[dict[str, Any]] = []
    browsers: set[str] = set()
    shard_sizes = []
    problems: list[str] = []
    for k in range(1, mode.processes + 1):
        path = out / f"crawl-{k}.json"
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            problems.append(f"{path.name}: {exc} (see {path.with_suffix('.log')})")
            continue
        browsers.add(document["run"].get("browser", ""))
        shard_sizes.append(len(document["scenarios"]))
        scenarios.extend(document["scenarios"])
    errors = [f"{s['name']}: {s['error']}" for s in scenarios if s["status"] == "error"]
    missing = mode.scenarios - len(scenarios)
    if missing:
        problems.append(f"{missing} of {mode.scenarios} scenarios missing")
    durations = [_seconds(s["started_at"], s["finished_at"]) for s in scenarios]
    steps = [step for s in scenarios for step in s["steps"]]
    return {
        "scenarios_done": len(scenarios),
        "shard_sizes": shard_sizes,
        "errors": errors,
        "problems": problems,
        "findings": sum(len(s["findings"]) for s in scenarios),
        "observations": len(steps),
        "scenario_s_mean": statistics.fmean(durations) if durations else 0.0,
        "settle_s_per_scenario": sum(step["settle_ms"] for step in steps) / 1000 / max(1, len(scenarios)),
        "unsettled_observations": sum(1 for step in steps if not step["settled"]),
        "browser": sorted(browsers),
    }


# ------------------------------------------------------------------ reporting


def _loadavg() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def _available_mb() -> int:
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * PAGE_SIZE // 2**20
    except (ValueError, OSError):
        return 0


def summarise(mode: Mode, runs: list[dict[str, Any]]) -> dict[str, Any]:
    rates = [r["scenarios_done"] / r["wall_s"] * 60 for r in runs]
    return {
        "mode": mode.key,
        "label": mode.label,
        "processes": mode.processes,
        "concurrency": mode.concurrency,
        "parallelism": mode.parallelism,
        "scenarios": mode.scenarios,
        "scenarios_per_min": round(statistics.median(rates), 2),
        "scenarios_per_min_runs": [round(r, 2) for r in rates],
        "wall_s": round(statistics.median(r["wall_s"] for r in runs), 1),
        "peak_rss_mb": round(statistics.median(r["peak_rss_mb"] for r in runs)),
        "peak_pss_mb": round(statistics.median(r["peak_pss_mb"] for r in runs)),
        "peak_processes": max(r["peak_processes"] for r in runs),
        "cpu_s_per_scenario": round(
            statistics.median(r["cpu_s"] / max(1, r["scenarios_done"]) for r in runs), 2
        ),
        "cores_busy": round(statistics.median(r["cpu_s"] / r["wall_s"] for r in runs), 2),
        "machine_busy": round(statistics.median(r["machine_busy"] or 0 for r in runs), 2),
        "scenario_s_mean": round(statistics.median(r["scenario_s_mean"] for r in runs), 2),
        "settle_s_per_scenario": round(statistics.median(r["settle_s_per_scenario"] for r in runs), 2),
        "errors": sum(len(r["errors"]) for r in runs),
        "problems": [p for r in runs for p in r["problems"]],
        "shard_sizes": runs[0]["shard_sizes"],
        "runs": runs,
    }


def table(rows: list[dict[str, Any]]) -> None:
    """One line a mode. `crawl cores`: CPU seconds of its processes per wall second; `machine`: how busy
    all CPUs were meanwhile, other people's work included."""
    base = next((r["scenarios_per_min"] for r in rows if r["mode"] == "c1"), None)
    print()
    print(
        f"{'mode':36s} {'scen.':>5s} {'scen/min':>8s} {'x c1':>5s} {'RSS MB':>7s} {'PSS MB':>7s}"
        f" {'CPU s/scen':>10s} {'crawl cores':>11s} {'machine':>7s} {'scen s':>6s} {'settle s':>8s}"
        f" {'errors':>6s}"
    )
    for r in rows:
        ratio = f"{r['scenarios_per_min'] / base:.2f}" if base else "-"
        print(
            f"{r['label']:36s} {r['scenarios']:5d} {r['scenarios_per_min']:8.1f} {ratio:>5s}"
            f" {r['peak_rss_mb']:7d} {r['peak_pss_mb']:7d} {r['cpu_s_per_scenario']:10.2f}"
            f" {r['cores_busy']:11.2f} {r['machine_busy']:7.0%} {r['scenario_s_mean']:6.2f}"
            f" {r['settle_s_per_scenario']:8.2f} {r['errors']:6d}"
        )


def parse_modes(args: argparse.Namespace, parser: argparse.ArgumentParser) -> list[Mode]:
    modes: list[Mode] = []
    try:
        for n in filter(None, args.concurrency.split(",")):
            c = int(n)
            count = args.serial_scenarios if c == 1 and args.serial_scenarios else args.scenarios
            modes.append(Mode(1, c, count))
        for spec in filter(None, args.workers.split(",")):
            w, c = (int(x) for x in spec.lower().split("x"))
            modes.append(Mode(w, c, args.scenarios))
    except ValueError:
        parser.error("--concurrency is a list like 1,2,4,8 and --workers one like 4x1,2x2")
    if any(m.processes < 1 or m.concurrency < 1 for m in modes) or not modes:
        parser.error("every concurrency and worker count must be at least 1")
    return modes


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--scenarios", type=int, default=200, help="generated scenarios (default 200)")
    parser.add_argument(
        "--serial-scenarios",
        type=int,
        default=0,
        help="crawl only the first N at concurrency 1 (a rate needs fewer; default: all)",
    )
    parser.add_argument("--concurrency", default="1,2,4,8", help="one process at each (default 1,2,4,8)")
    parser.add_argument(
        "--workers", default="4x1,2x2", help="W processes x concurrency C, comma-separated (default 4x1,2x2)"
    )
    parser.add_argument(
        "--latency", default="150-400", help="ms every answer waits, LOW-HIGH (default 150-400)"
    )
    parser.add_argument("--repeats", type=int, default=1, help="crawls of each mode, interleaved (default 1)")
    parser.add_argument("--min-ratio", type=float, default=3.0, help="c4 / c1 target (default 3)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--work", type=Path, default=DEFAULT_WORK, help=f"work folder (default {DEFAULT_WORK})"
    )
    parser.add_argument(
        "--browser-path", default=None, help="Chromium to use (default: as the crawler finds it)"
    )
    parser.add_argument(
        "--results",
        type=Path,
        default=RESULTS,
        help=f"where the JSON goes (default {RESULTS.relative_to(ROOT)})",
    )
    parser.add_argument(
        "--crawl-arg",
        action="append",
        default=[],
        metavar="ARG",
        help="one more argument of every `crawler run`, e.g. --crawl-arg=--no-screenshots (repeatable)",
    )
    args = parser.parse_args(argv)
    try:
        low, high = (float(x) for x in args.latency.split("-"))
    except ValueError:
        parser.error("--latency is LOW-HIGH in ms, e.g. 150-400")
    if args.scenarios < 1 or args.repeats < 1 or not 0 <= low <= high:
        parser.error("--scenarios and --repeats must be at least 1, and 0 <= LOW <= HIGH")
    if args.serial_scenarios > args.scenarios:
        parser.error("--serial-scenarios cannot exceed --scenarios")
    modes = parse_modes(args, parser)

    extra = [*args.crawl_arg, *(["--browser-path", args.browser_path] if args.browser_path else [])]
    work: Path = args.work.resolve()
    shutil.rmtree(work / "runs", ignore_errors=True)
    folders = {args.scenarios: work / "scenarios"}
    write_scenarios(folders[args.scenarios], args.scenarios, args.seed)
    for mode in modes:
        if mode.scenarios not in folders:
            folders[mode.scenarios] = work / f"scenarios-{mode.scenarios}"
            write_scenarios(folders[mode.scenarios], mode.scenarios, args.seed)

    machine: dict[str, Any] = {
        "cpus": os.cpu_count(),
        "cpu": _cpu_model(),
        "memory_available_mb": _available_mb(),
        "default_concurrency": runner.default_concurrency(),
        "loadavg_before": _loadavg(),
        "python": platform.python_version(),
        "playwright": importlib.metadata.version("playwright"),
        "platform": platform.platform(),
    }
    print(
        f"throughput: {args.scenarios} scenarios of {STEPS} steps, latency {low:g}-{high:g} ms, "
        f"modes {', '.join(m.key for m in modes)}, {args.repeats} repeat(s); {machine['cpus']} CPUs, "
        f"default --concurrency here {machine['default_concurrency']}",
        flush=True,
    )
    runs: dict[str, list[dict[str, Any]]] = {m.key: [] for m in modes}
    started = time.perf_counter()
    with LatencySite((low, high), args.seed) as site:
        for repeat in range(args.repeats):
            # Each repeat starts one mode later, so no mode always runs first (or last) in the session.
            order = modes[repeat % len(modes) :] + modes[: repeat % len(modes)]
            for mode in order:
                out = work / "runs" / f"{mode.key}-{repeat + 1}"
                result = crawl(mode, folders[mode.scenarios], out, site.url, extra)
                runs[mode.key].append(result)
                rate = result["scenarios_done"] / result["wall_s"] * 60
                print(
                    f"  {mode.label:36s} run {repeat + 1}: {result['scenarios_done']:4d} scenarios in "
                    f"{result['wall_s']:6.1f} s = {rate:6.1f}/min,"
                    f" peak RSS {result['peak_rss_mb']:5.0f} MB (PSS {result['peak_pss_mb']:4.0f}),"
                    f" CPU {result['cpu_s']:6.1f} s, {len(result['errors'])} errors,"
                    f" load {result['loadavg'][1][:1]}",
                    flush=True,
                )
                for problem in result["problems"] + result["errors"][:5]:
                    print(f"    ! {problem}", flush=True)
        server = {"requests": site.requests, "mean_latency_ms": round(site.waited_s / site.requests * 1000)}
    machine["loadavg_after"] = _loadavg()
    rows = [summarise(mode, runs[mode.key]) for mode in modes]
    table(rows)
    by_key = {r["mode"]: r for r in rows}
    ratio = (
        by_key["c4"]["scenarios_per_min"] / by_key["c1"]["scenarios_per_min"]
        if "c1" in by_key and "c4" in by_key
        else None
    )
    broken = any(r["errors"] or r["problems"] for r in rows)
    passed = ratio is None or ratio >= args.min_ratio
    print()
    if ratio is not None:
        verdict = "ok" if passed else f"BELOW {args.min_ratio:g}x"
        print(f"concurrency 4 / concurrency 1: {ratio:.2f}x  [{verdict}]")
    browsers = sorted({b for r in rows for run in r["runs"] for b in run["browser"]})
    machine["chromium"] = browsers
    print(
        f"machine: {machine['cpus']} CPUs, load {machine['loadavg_before']} -> {machine['loadavg_after']}, "
        f"{', '.join(browsers)}; {server['requests']} requests served, "
        f"mean latency {server['mean_latency_ms']} ms;"
        f" {time.perf_counter() - started:.0f} s in all"
    )
    document = {
        "benchmark": "throughput",
        "date": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "commit": _git_commit(),
        "command": " ".join([".venv/bin/python", "bench/throughput.py", *(argv or sys.argv[1:])]),
        "site": {"pages": PAGES, "latency_ms": [low, high], **server},
        "scenarios": args.scenarios,
        "steps_per_scenario": STEPS,
        "repeats": args.repeats,
        "crawl_args": extra,
        "ratio_c4_c1": round(ratio, 2) if ratio is not None else None,
        "min_ratio": args.min_ratio,
        "passed": passed,
        "modes": rows,
        "machine": machine,
    }
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {args.results}")
    if broken:
        print("FAIL: some scenarios errored or went missing (see above and the crawl logs)", file=sys.stderr)
        return 2
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
