"""Accessible names three ways: the collector's own accname, dom-accessibility-api, Chromium's AX tree.

1. Conformance: the vendored Web Platform Tests (`tests/wpt/accname/`), counting only the elements the
   crawler reports (checkbox, radio, switch, menuitemcheckbox, menuitemradio, toggle button) or clicks
   (buttons, links).
2. Speed: the 1,000-control page of `observe_1000.py` (main document, open shadow roots, a same-origin and a
   cross-origin iframe): the time to name every control in every frame, medians of --repeats runs; then how
   many names change once the page patches `Element.prototype.getAttribute` and `Node.prototype.textContent`.

    .venv/bin/python bench/accname.py [--repeats 5] [--verbose]

dom-accessibility-api is installed with npm into a temporary folder and bundled with esbuild for this run only
(nothing of it is kept). Chromium's tree is read over CDP, `Accessibility.getFullAXTree` once per frame; a
crawler would also need `DOM.getDocument` to map its nodes to the elements it reports, timed as a second row.
Exit codes: 0 done; 2 npm could not provide dom-accessibility-api, or ours did not find the page's 1,000
controls (a broken benchmark).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from playwright.async_api import BrowserContext, CDPSession, Frame, Page, async_playwright
from playwright.async_api import Error as PlaywrightError

from crawler import browser as browsers
from crawler.server import SiteServer
from crawler.snapshot import Collector

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from observe_1000 import TOTAL, write_pages  # noqa: E402

WPT = HERE.parent / "tests" / "wpt"
HARNESS_JS = (WPT / "harness.js").read_text(encoding="utf-8")
DOM_ACCESSIBILITY_API = "dom-accessibility-api@0.7.1"
ESBUILD = "esbuild@0.28.2"
APPROACHES = ("ours", "dom-accessibility-api", "chromium AX tree")
REPORTED_ROLES = {"checkbox", "radio", "switch", "menuitemcheckbox", "menuitemradio"}

# Every element the crawler reports, in document order, through open shadow roots: the same list for the
# two in-page approaches.
FIND_JS = """
const SELECTOR = 'input[type=checkbox i],input[type=radio i],[role~=checkbox i],[role~=switch i],'
  + '[role~=radio i],[role~=menuitemcheckbox i],[role~=menuitemradio i],[aria-pressed]';
const findControls = (root, out) => {
  for (const el of root.querySelectorAll('*')) {
    if (el.matches(SELECTOR)) out.push(el);
    if (el.shadowRoot) findControls(el.shadowRoot, out);
  }
  return out;
};
"""
OURS_PAGE_JS = (
    "(a) => {"
    + FIND_JS
    + "const helpers = window[a.gate](a.key).helpers;"
    + "return findControls(document, []).map((el) => helpers.name(el).text); }"
)
DOM_API_PAGE_JS = (
    "() => {"
    + FIND_JS
    + "const api = window.__domAccessibilityApi;"
    + "return findControls(document, []).map((el) => api.computeAccessibleName(el)); }"
)
# For each check of a WPT file: whether the crawler reports or clicks the element, and each in-page answer.
# The element is tagged so that the AX tree's node for it can be found by its attribute.
WPT_PAGE_JS = """(a) => {
  const helpers = window[a.gate](a.key).helpers;
  const api = window.__domAccessibilityApi;
  return window.__accnameChecks.map((check, index) => {
    const element = check.element || document.querySelector(check.selector);
    element.setAttribute('data-bench-check', String(index));
    const role = helpers.role(element);
    const name = check.property === 'name';
    return {
      title: check.title, property: check.property, expected: check.expected,
      reported: !!helpers.classify(element) || role === 'button' || role === 'link',
      ours: name ? helpers.name(element).text : helpers.description(element),
      dom: name ? api.computeAccessibleName(element) : api.computeAccessibleDescription(element),
    };
  });
}"""

PATCH_JS = """() => {
  Element.prototype.getAttribute = function () { return 'patched'; };
  Object.defineProperty(Node.prototype, 'textContent', { get() { return 'patched'; }, configurable: true });
}"""

T = TypeVar("T")


class BenchError(Exception):
    pass


# ------------------------------------------------------------------ dom-accessibility-api, for this run only


def bundle_dom_accessibility_api(folder: Path) -> str:
    """npm install into `folder`, then esbuild into one script that sets window.__domAccessibilityApi."""
    entry = folder / "entry.mjs"
    entry.write_text(
        'import { computeAccessibleName, computeAccessibleDescription } from "dom-accessibility-api";\n'
        "window.__domAccessibilityApi = { computeAccessibleName, computeAccessibleDescription };\n",
        encoding="utf-8",
    )
    (folder / "package.json").write_text('{"private": true}\n', encoding="utf-8")
    commands = [
        ["npm", "install", "--no-audit", "--no-fund", "--silent", DOM_ACCESSIBILITY_API, ESBUILD],
        ["npx", "--no-install", "esbuild", "entry.mjs", "--bundle", "--format=iife", "--outfile=bundle.js"],
    ]
    for command in commands:
        try:
            done = subprocess.run(
                command, cwd=folder, capture_output=True, text=True, timeout=300, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise BenchError(f"{' '.join(command[:2])} failed: {exc}") from None
        if done.returncode != 0:
            raise BenchError(f"{' '.join(command[:2])} failed: {(done.stderr or done.stdout).strip()[-400:]}")
    return (folder / "bundle.js").read_text(encoding="utf-8")


# ------------------------------------------------------------------ Chromium's accessibility tree over CDP


class AXReader:
    """Reads Chromium's accessibility tree of every frame: one CDP session per renderer process."""

    def __init__(self, context: BrowserContext, page: Page) -> None:
        self.context = context
        self.page = page
        self.sessions: dict[Frame, tuple[CDPSession, str | None]] = {}

    async def attach(self) -> None:
        main = await self.context.new_cdp_session(self.page)
        tree = (await main.send("Page.getFrameTree"))["frameTree"]
        ids = _frame_ids(tree)
        for frame in self.page.frames:
            if frame is self.page.main_frame:
                self.sessions[frame] = (main, None)
                continue
            try:
                # An out-of-process iframe has its own target, and its document is that session's root.
                self.sessions[frame] = (await self.context.new_cdp_session(frame), None)
            except PlaywrightError:
                self.sessions[frame] = (main, ids[frame.url])

    async def tree(self, frame: Frame) -> list[dict[str, Any]]:
        session, frame_id = self.sessions[frame]
        params = {"frameId": frame_id} if frame_id else {}
        nodes: list[dict[str, Any]] = (await session.send("Accessibility.getFullAXTree", params))["nodes"]
        return nodes

    async def document(self, frame: Frame) -> dict[str, Any]:
        session, _ = self.sessions[frame]
        root: dict[str, Any] = (await session.send("DOM.getDocument", {"depth": -1, "pierce": True}))["root"]
        return root

    async def control_names(self, frame: Frame, with_dom: bool) -> list[str]:
        nodes = await self.tree(frame)
        if with_dom:
            await self.document(frame)
        return [_ax_text(n, "name") for n in nodes if _is_reported(n)]


def _frame_ids(tree: dict[str, Any]) -> dict[str, str]:
    ids = {tree["frame"]["url"]: tree["frame"]["id"]}
    for child in tree.get("childFrames", []):
        ids.update(_frame_ids(child))
    return ids


def _ax_text(node: dict[str, Any], field: str) -> str:
    value = node.get(field) or {}
    return str(value.get("value") or "")


def _is_reported(node: dict[str, Any]) -> bool:
    if node.get("ignored"):
        return False
    role = _ax_text(node, "role")
    pressed = any(p.get("name") == "pressed" for p in node.get("properties", []))
    return role in REPORTED_ROLES or (role == "button" and pressed)


def _backend_ids(node: dict[str, Any], found: dict[int, int]) -> dict[int, int]:
    """backendNodeId of every element tagged data-bench-check, by check index."""
    attributes = node.get("attributes") or []
    for name, value in zip(attributes[::2], attributes[1::2], strict=True):
        if name == "data-bench-check":
            found[int(value)] = node["backendNodeId"]
    for key in ("children", "shadowRoots"):
        for child in node.get(key) or []:
            _backend_ids(child, found)
    if node.get("contentDocument"):
        _backend_ids(node["contentDocument"], found)
    return found


# ------------------------------------------------------------------ 1. conformance


async def conformance(page: Page, collector: Collector, site: str) -> tuple[dict[str, list[int]], list[str]]:
    """Per WPT file [checks, then passes of each approach: exact, then after flattening white space];
    and each failed check, one a line."""
    session = await page.context.new_cdp_session(page)
    per_file: dict[str, list[int]] = {}
    failures: list[str] = []
    secret = {"gate": collector.gate, "key": collector.key}
    for path in sorted(str(p.relative_to(WPT)) for p in (WPT / "accname").rglob("*.html")):
        await page.goto(f"{site}/{path}")
        checks = await page.evaluate(WPT_PAGE_JS, secret)
        root = (await session.send("DOM.getDocument", {"depth": -1, "pierce": True}))["root"]
        backend = _backend_ids(root, {})
        nodes = (await session.send("Accessibility.getFullAXTree"))["nodes"]
        by_backend = {n["backendDOMNodeId"]: n for n in nodes if "backendDOMNodeId" in n}
        counts = [0] * (1 + 2 * len(APPROACHES))
        for index, check in enumerate(checks):
            if not check["reported"]:
                continue
            counts[0] += 1
            node = by_backend.get(backend.get(index, -1), {})
            ax = "" if node.get("ignored") else _ax_text(node, check["property"])
            for k, answer in enumerate((check["ours"], check["dom"], ax)):
                exact = answer == check["expected"]
                flat = flatten(answer) == flatten(check["expected"])
                counts[1 + k] += exact
                counts[1 + len(APPROACHES) + k] += flat
                if not exact:
                    why = "white space only" if flat else "wrong"
                    failures.append(
                        f"{APPROACHES[k]:22s} {why:16s} {path} [{check['title']}]"
                        f" {answer!r} != {check['expected']!r}"
                    )
        per_file[path] = counts
    await session.detach()
    return per_file, failures


def flatten(text: str) -> str:
    """Runs of ASCII white space as one space, ends trimmed: what any consumer of a name does first."""
    return " ".join(text.replace("\xa0", "\x00").split()).replace("\x00", "\xa0").strip()


# ------------------------------------------------------------------ 2. speed


async def timed(work: Callable[[], Awaitable[T]]) -> tuple[float, T]:
    started = time.perf_counter()
    result = await work()
    return (time.perf_counter() - started) * 1000, result


async def in_page(page: Page, script: str, arg: Any = None) -> list[list[str]]:
    """One evaluate per frame, all frames at once, as the crawler's snapshot does."""
    return list(await asyncio.gather(*(f.evaluate(script, arg) for f in page.frames)))


async def speed(
    page: Page, collector: Collector, reader: AXReader, repeats: int
) -> tuple[dict[str, list[float]], dict[str, Any]]:
    secret = {"gate": collector.gate, "key": collector.key}
    runs: dict[str, Callable[[], Awaitable[list[list[str]]]]] = {
        "ours": lambda: in_page(page, OURS_PAGE_JS, secret),
        "dom-accessibility-api": lambda: in_page(page, DOM_API_PAGE_JS),
        "chromium AX tree": lambda: _ax_names(page, reader, with_dom=False),
        "chromium AX tree + DOM mapping": lambda: _ax_names(page, reader, with_dom=True),
    }
    names: dict[str, list[list[str]]] = {}
    for name, run in runs.items():  # warm up: JIT, accessibility tree built once
        names[name] = await run()
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():  # interleaved, so all share the machine's noise
            ms, _result = await timed(run)
            times[name].append(ms)
    summary = agreement(names)
    # A page that patches DOM built-ins after load: how many names each approach now reports differently.
    await asyncio.gather(*(f.evaluate(PATCH_JS) for f in page.frames))
    for name, run in runs.items():
        after = await run()
        summary[name]["changed_by_patching"] = sum(
            sum(a != b for a, b in zip(frame_a, frame_b, strict=False)) + abs(len(frame_a) - len(frame_b))
            for frame_a, frame_b in zip(names[name], after, strict=True)
        )
    return times, summary


async def _ax_names(page: Page, reader: AXReader, with_dom: bool) -> list[list[str]]:
    return list(await asyncio.gather(*(reader.control_names(f, with_dom) for f in page.frames)))


def agreement(names: dict[str, list[list[str]]]) -> dict[str, Any]:
    """How many controls each approach found and named, and how many of its names are also ours."""
    ours = Counter(n for frame in names["ours"] for n in frame)
    summary: dict[str, Any] = {}
    for name, frames in names.items():
        flat = [n for frame in frames for n in frame]
        theirs = Counter(flat)
        summary[name] = {
            "found": len(flat),
            "named": sum(1 for n in flat if n.strip()),
            "same_names_as_ours": sum((theirs & ours).values()),
        }
    if summary["ours"]["found"] != TOTAL:
        raise BenchError(f"ours found {summary['ours']['found']} controls, the page holds {TOTAL}")
    return summary


# ------------------------------------------------------------------ running and reporting


async def measure(args: argparse.Namespace, bundle: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="accname-bench-") as folder:
        root = Path(folder)
        (root / "wpt").symlink_to(WPT, target_is_directory=True)
        with SiteServer(root) as site, SiteServer(root) as other:
            write_pages(root, other.url.replace("127.0.0.1", "localhost"))
            async with async_playwright() as playwright:
                chromium = await browsers.launch(playwright, args.browser_path)
                try:
                    context = await chromium.new_context()
                    collector = Collector.new()
                    await collector.install(context)
                    await context.add_init_script(script=bundle)
                    await context.add_init_script(script=HARNESS_JS)
                    page = await context.new_page()
                    per_file, failures = await conformance(page, collector, f"{site.url}/wpt")
                    await page.goto(f"{site.url}/main.html", wait_until="load")
                    reader = AXReader(context, page)
                    await reader.attach()
                    times, found = await speed(page, collector, reader, args.repeats)
                    version = chromium.version
                finally:
                    await chromium.close()
    return {"wpt": per_file, "failures": failures, "ms": times, "found": found, "chromium": version}


def report(result: dict[str, Any], verbose: bool) -> None:
    per_file: dict[str, list[int]] = result["wpt"]
    totals = [sum(c[i] for c in per_file.values()) for i in range(1 + 2 * len(APPROACHES))]
    n = len(APPROACHES)
    print(f"\n1. WPT accname: {totals[0]} checks of reported kinds, buttons, links in {len(per_file)} files")
    print(f"{'file (passes, exact)':72s} {'checks':>6s} {'ours':>5s} {'dom-a11y':>8s} {'AX tree':>7s}")
    for path, counts in per_file.items():
        if verbose or len(set(counts[: 1 + n])) > 1:
            print(f"{path:72s} {counts[0]:6d} {counts[1]:5d} {counts[2]:8d} {counts[3]:7d}")
    print(f"{'all files, exact':72s} {totals[0]:6d} {totals[1]:5d} {totals[2]:8d} {totals[3]:7d}")
    flat = totals[1 + n :]
    print(f"{'all files, white space flattened':72s} {totals[0]:6d} {flat[0]:5d} {flat[1]:8d} {flat[2]:7d}")
    if verbose:
        print("\n".join(["", *result["failures"]]))
    print(
        f"\n2. Naming the {TOTAL} controls of observe_1000's page, all frames (Chromium {result['chromium']})"
    )
    heads = ("median ms", "min", "max", "found", "named", "as ours", "patched")
    print(f"{'approach':32s} " + " ".join(f"{h:>9s}" for h in heads))
    for name, values in result["ms"].items():
        found = result["found"][name]
        print(
            f"{name:32s} {statistics.median(values):9.1f} {min(values):9.1f} {max(values):9.1f}"
            f" {found['found']:9d} {found['named']:9d} {found['same_names_as_ours']:9d}"
            f" {found['changed_by_patching']:9d}"
        )
    print(
        "found: controls found; named: with a name; as ours: names equal to ours; patched: names that"
        " changed once the page replaced Element.prototype.getAttribute and Node.prototype.textContent"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeats", type=int, default=5, help="timed runs of each approach (default 5)")
    parser.add_argument("--verbose", action="store_true", help="every WPT file and every failed check")
    parser.add_argument(
        "--browser-path", default=None, help="Chromium to use (default: as the crawler finds it)"
    )
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    try:
        with tempfile.TemporaryDirectory(prefix="dom-accessibility-api-") as npm_folder:
            print(
                f"installing {DOM_ACCESSIBILITY_API} and {ESBUILD} with npm into a temporary folder",
                flush=True,
            )
            bundle = bundle_dom_accessibility_api(Path(npm_folder))
        result = asyncio.run(measure(args, bundle))
    except BenchError as exc:
        print(f"FAIL: {exc}", file=sys.stderr)
        return 2
    report(result, args.verbose)
    results = HERE / "results" / "accname.json"
    results.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {results.relative_to(HERE.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
