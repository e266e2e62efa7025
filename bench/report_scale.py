"""Render the report of a year of nights: database size, full and incremental render time, peak memory.

The database is built through the project's own storage code (`Store.begin_run`, `save_scenario`,
`finish_run`) from synthetic `ScenarioResult`s judged by the real rules, with churn like a real site's:
each night about 1% of observations change state, visibility or geometry, 0.2% of labels are reworded
(a reworded control gets a new key), and a few controls appear or disappear.

    .venv/bin/python bench/report_scale.py [--nights 365] [--scenarios 200] [--work DIR] [--reuse]

Renders run as the real command line (`crawler report`) in a child process, so the peak memory (RSS) is
the render's own. It prints the churn, then one JSON object with `observations`, `db_bytes`,
`full_render_s`, `incremental_render_s`, `peak_rss_mb` (and more), also written to
bench/results/report_scale.json.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import random
import resource
import shutil
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from PIL import Image

from crawler import rules
from crawler.identity import KeyMaker
from crawler.results import Box, Control, Finding, Observation, RunResult, ScenarioResult, Status
from crawler.store import Store

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "report_scale.json"
FRAME = "https://shop.example/checkout"
PURPOSES = ("marketing", "sharing", "analytics", "personalised-ads", "credit", "location")
TAGS = ("checkout", "signup", "mobile", "cn", "de", "settings")


@dataclass
class SimControl:
    serial: int
    consent: bool
    purpose: str
    checked: bool
    visible: bool
    box: Box
    wording: int = 0

    def label(self, scenario: int) -> str:
        if self.consent:
            return (
                f"I agree that Example Ltd may use my data for {self.purpose} in product {scenario} "
                f"(option {self.serial}, text version {self.wording})"
            )
        return f"Remember my choice {self.serial} (version {self.wording})"


@dataclass
class Simulation:
    """Every scenario's pool of controls; each step shows a window of `controls` of them."""

    scenarios: int
    steps: int
    controls: int
    seed: int
    night: int = 0
    pools: list[list[SimControl]] = field(default_factory=list)
    serial: int = 0
    rng: random.Random = field(default_factory=random.Random)

    def __post_init__(self) -> None:
        self.rng.seed(self.seed)
        if not self.pools:
            self.pools = [
                [self._new() for _ in range(self.controls + self.steps - 1)] for _ in range(self.scenarios)
            ]

    def _new(self) -> SimControl:
        self.serial += 1
        consent = self.rng.random() < 0.35
        return SimControl(
            serial=self.serial,
            consent=consent,
            purpose=self.rng.choice(PURPOSES),
            checked=self.rng.random() < (0.04 if consent else 0.3),
            visible=self.rng.random() > 0.05,
            box=Box(20.0, 100.0 + 40 * (self.serial % 30), 16.0, 16.0),
        )

    def advance(self) -> dict[str, int]:
        """One night of churn; returns how many controls each kind of change touched."""
        self.night += 1
        churn = {"state": 0, "visibility": 0, "geometry": 0, "reworded": 0, "appeared": 0, "disappeared": 0}
        for pool in self.pools:
            for control in pool:
                roll = self.rng.random()
                if roll < 0.004:
                    control.checked = not control.checked
                    churn["state"] += 1
                elif roll < 0.006:
                    control.visible = not control.visible
                    churn["visibility"] += 1
                elif roll < 0.010:
                    control.box = replace(control.box, y=control.box.y + self.rng.choice((-8.0, 8.0)))
                    churn["geometry"] += 1
                elif roll < 0.012:
                    control.wording += 1
                    churn["reworded"] += 1
        for _ in range(3):
            pool = self.rng.choice(self.pools)
            pool[self.rng.randrange(len(pool))] = self._new()
            churn["appeared"] += 1
            churn["disappeared"] += 1
        return churn

    def result(self, number: int, started: datetime, shots: str | None) -> ScenarioResult:
        pool = self.pools[number]
        name = f"scenario-{number:03}"
        errored = self.rng.random() < 0.005
        last = self.rng.randrange(1, self.steps) if errored else self.steps
        observations = []
        for index in range(last):
            keys = KeyMaker()
            controls = []
            for control in pool[index : index + self.controls]:
                label = control.label(number)
                controls.append(
                    Control(
                        key=keys.key(FRAME, "checkbox", label, ""),
                        kind="checkbox",
                        role="checkbox",
                        label=label,
                        label_source="label",
                        frame_url=FRAME,
                        selector=f"#c{control.serial}",
                        native=True,
                        consent=control.consent,
                        purposes=(control.purpose,) if control.consent else (),
                        matched=("I agree",) if control.consent else (),
                        consent_from="label" if control.consent else "",
                        checked=control.checked,
                        visible=control.visible,
                        box=control.box,
                        in_viewport=control.box.y < 800,
                    )
                )
            observations.append(
                Observation(
                    index=index,
                    action="open" if index == 0 else "click",
                    name=f"step {index}",
                    url=FRAME,
                    controls=tuple(controls),
                    settle_ms=600.0,
                    screenshot=f"{shots}/{name}/step-{index}.jpg" if shots else None,
                    screenshot_size=(1280.0, 2000.0),
                    http_status=200 if index == 0 else None,
                )
            )
        findings = [_with_evidence(f, observations) for f in rules.evaluate(observations)]
        status = Status.ERROR if errored else Status.FINDINGS if findings else Status.OK
        return ScenarioResult(
            name=name,
            title=f"Journey {number}",
            file=f"scenarios/{name}.yaml",
            tags=tuple(dict.fromkeys((TAGS[number % len(TAGS)], TAGS[(number // 7) % len(TAGS)]))),
            started_at=_stamp(started),
            finished_at=_stamp(started + timedelta(seconds=20)),
            status=status,
            error=f"Step {last} (click '#next'): selector never appeared" if errored else None,
            steps=observations,
            findings=findings,
        )


def _with_evidence(finding: Finding, observations: list[Observation]) -> Finding:
    step = observations[finding.step]
    control = next(c for c in step.controls if c.key == finding.control)
    box = control.box or Box(0, 0, 0, 0)
    return replace(
        finding,
        evidence={"screenshot": step.screenshot or "", "step": step.index, "box": vars(box)},
    )


def _stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _observation_changes(before: list[ScenarioResult], after: list[ScenarioResult]) -> tuple[int, int]:
    """Observations at the same scenario, step and key whose state or geometry differ; and the total."""
    changed = total = 0
    for old, new in zip(before, after, strict=True):
        for old_step, new_step in zip(old.steps, new.steps, strict=False):
            was = {c.key: (c.checked, c.visible, c.box) for c in old_step.controls}
            for control in new_step.controls:
                total += 1
                if control.key in was and was[control.key] != (control.checked, control.visible, control.box):
                    changed += 1
    return changed, total


class Builder:
    def __init__(self, work: Path, sim: Simulation, first_night: datetime, shot_nights: int) -> None:
        self.work = work
        self.sim = sim
        self.first_night = first_night
        self.shot_nights = shot_nights
        self.db = work / "bench.db"
        self.template = work / "template.jpg"
        if not self.template.exists():
            Image.new("RGB", (320, 500), (240, 240, 240)).save(self.template, quality=60)
        self.last: list[ScenarioResult] = []
        self.churn: list[dict[str, int]] = []

    def add_night(self, store: Store, total_nights: int) -> None:
        night = self.sim.night
        started = self.first_night + timedelta(days=night)
        run = RunResult(
            id=started.strftime("%Y%m%dT%H%M%SZ") + f"-{night:04x}",
            started_at=_stamp(started),
            base_url=FRAME,
            crawler_version="bench",
            browser="chromium synthetic",
            host="bench",
        )
        store.begin_run(run)
        with_shots = night >= total_nights - self.shot_nights
        shots = store.relative(store.screenshot_root / run.id) if with_shots else None
        results = []
        for number in range(self.sim.scenarios):
            result = self.sim.result(number, started + timedelta(seconds=number), shots)
            if with_shots:
                self._link_shots(store, result)
            store.save_scenario(run.id, result)
            results.append(result)
        run.status, run.finished_at = Status.COMPLETED, _stamp(started + timedelta(hours=1))
        store.finish_run(run)
        if self.last:
            changed, total = _observation_changes(self.last, results)
            churn = self.sim.advance()
            churn.update(observations_changed=changed, observations_compared=total)
            self.churn.append(churn)
        else:
            self.sim.advance()
        self.last = results

    def _link_shots(self, store: Store, result: ScenarioResult) -> None:
        """Screenshots as hard links to one small JPEG per night (a file system allows ~65,000 links)."""
        for step in result.steps:
            if step.screenshot:
                target = store.path.parent / step.screenshot
                night = target.parents[1] / "night.jpg"
                if not night.exists():
                    night.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy(self.template, night)
                target.parent.mkdir(parents=True, exist_ok=True)
                if not target.exists():
                    os.link(night, target)


def _render(db: Path, out: Path) -> tuple[float, float, float]:
    """Wall-clock seconds, CPU seconds and peak RSS (MB) of one `crawler report` in its own process.

    The machine is shared, so the CPU time says what the render costs when the wall clock says little."""
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "crawler", "report", "--db", str(db), "--out", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(child.pid, 0)
    took = time.perf_counter() - started
    stderr = child.stderr.read().decode() if child.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"crawler report failed: {stderr}")
    return took, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def _folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--nights", type=int, default=365)
    parser.add_argument("--scenarios", type=int, default=200)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--controls", type=int, default=20)
    parser.add_argument("--shot-nights", type=int, default=8, help="nights whose screenshots exist as files")
    parser.add_argument("--work", type=Path, default=Path("bench-work"))
    parser.add_argument("--reuse", action="store_true", help="keep a database built by an earlier run")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--build-only", action="store_true", help="build the database, render nothing")
    args = parser.parse_args()

    work: Path = args.work
    state = work / "simulation.pickle"
    if not (args.reuse and state.exists()):
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        first = datetime.now(UTC).replace(hour=2, minute=0, second=0, microsecond=0) - timedelta(
            days=args.nights
        )
        builder = Builder(
            work, Simulation(args.scenarios, args.steps, args.controls, args.seed), first, args.shot_nights
        )
        store = Store(builder.db)
        started = time.perf_counter()
        for night in range(args.nights):
            builder.add_night(store, args.nights)
            if night % 10 == 9:
                rate = (time.perf_counter() - started) / (night + 1)
                print(f"night {night + 1}/{args.nights}: {rate:.1f} s a night", file=sys.stderr, flush=True)
        store.close()
        builder.build_s = time.perf_counter() - started  # type: ignore[attr-defined]
        state.write_bytes(pickle.dumps(builder))
    builder = pickle.loads(state.read_bytes())
    if args.build_only:
        return

    out = work / "reports"
    shutil.rmtree(out, ignore_errors=True)
    full_s, full_cpu, full_rss = _render(builder.db, out)
    index_bytes = (out / "index.html").stat().st_size

    store = Store(builder.db)
    started = time.perf_counter()
    builder.add_night(store, builder.sim.night + 1)
    night_s = time.perf_counter() - started
    store.close()
    incremental_s, incremental_cpu, incremental_rss = _render(builder.db, out)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    state.write_bytes(pickle.dumps(builder))

    with sqlite3.connect(builder.db) as db:
        observations = db.execute(
            "select coalesce(sum(o.size), 0) from steps s join observation_sets o on o.id = s.set_id"
        ).fetchone()[0]
        nights = db.execute("select count(*) from runs").fetchone()[0]
    churn = builder.churn[-30:]
    mean = {k: round(sum(c[k] for c in churn) / len(churn), 1) for k in churn[0]} if churn else {}
    if mean:
        print(
            "churn a night (mean of the last 30): "
            f"{mean['observations_changed']:.0f} of {mean['observations_compared']:.0f} observations changed "
            f"({100 * mean['observations_changed'] / max(mean['observations_compared'], 1):.2f}%); controls: "
            f"{mean['state']} state, {mean['visibility']} visibility, {mean['geometry']} geometry, "
            f"{mean['reworded']} reworded, {mean['appeared']} appeared, {mean['disappeared']} disappeared",
            file=sys.stderr,
        )
    figures: dict[str, Any] = {
        "nights": nights,
        "scenarios": args.scenarios,
        "observations": observations,
        "db_bytes": builder.db.stat().st_size,
        "build_s": round(getattr(builder, "build_s", 0.0), 1),
        "save_night_s": round(night_s, 2),
        "full_render_s": round(full_s, 2),
        "incremental_render_s": round(incremental_s, 2),
        "full_render_cpu_s": round(full_cpu, 2),
        "incremental_render_cpu_s": round(incremental_cpu, 2),
        "incremental_files_written": manifest["written"],
        "peak_rss_mb": round(max(full_rss, incremental_rss), 1),
        "index_html_bytes": index_bytes,
        "report_bytes": _folder_bytes(out),
        "churn_per_night": mean,
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg()[0],
        "self_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
