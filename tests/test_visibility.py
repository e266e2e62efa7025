"""Visibility by the rules of CSS, checked on the collector's own helper in real Chromium.

Each case is one small page; `hiddenReason` is what the snapshot uses to decide whether a person can see a
control (None: visible).
"""

from __future__ import annotations

import pytest

from tests.conftest import CollectorPage

BOX = '<input type="checkbox" id="box" checked>'
SCROLL_LOCKED = "<style>html,body{overflow:hidden;height:100px;margin:0}</style>"
TALL = '<div style="height:3000px"></div>'

CASES = {
    # A consent manager's panel, fixed to the viewport, while the page's scrolling is locked: visible.
    "fixed panel, html and body overflow hidden": (
        SCROLL_LOCKED,
        f'{TALL}<div role="dialog" style="position:fixed;bottom:0;left:0;right:0;height:200px">{BOX}</div>',
        None,
    ),
    "fixed panel inside a small overflow-hidden wrapper": (
        "",
        f'<div style="overflow:hidden;height:10px"><div style="position:fixed;top:100px">{BOX}</div></div>',
        None,
    ),
    # A transformed ancestor contains fixed descendants, so its overflow clips them again.
    "fixed panel inside a transformed overflow-hidden wrapper, outside it": (
        "",
        '<div style="overflow:hidden;height:10px;transform:translateZ(0)">'
        f'<div style="position:fixed;top:100px">{BOX}</div></div>',
        "clipped",
    ),
    "absolute box escaping an overflow-hidden ancestor that is not positioned": (
        "",
        '<div style="position:relative"><div style="overflow:hidden;height:10px">'
        f'<div style="position:absolute;top:100px">{BOX}</div></div></div>',
        None,
    ),
    "absolute box clipped by a positioned overflow-hidden ancestor": (
        "",
        '<div style="position:relative;overflow:hidden;height:10px">'
        f'<div style="position:absolute;top:100px">{BOX}</div></div>',
        "clipped",
    ),
    "in-flow box below an overflow-hidden ancestor's edge": (
        "",
        f'<div style="overflow:hidden;height:10px"><div style="height:50px"></div>{BOX}</div>',
        "clipped",
    ),
    "body overflow hidden (propagated to the viewport) does not clip content below the fold": (
        "<style>body{overflow:hidden;margin:0}</style>",
        f"{TALL}{BOX}",
        None,
    ),
    "body overflow hidden with html overflow hidden clips like any box": (
        "<style>html{overflow:hidden}body{overflow:hidden;height:50px;margin:0}</style>",
        f'<div style="height:100px"></div>{BOX}',
        "clipped",
    ),
    "clip-path inset(50%) on an ancestor": (
        "",
        f'<div style="clip-path:inset(50%)">{BOX}</div>',
        "clipped",
    ),
    "clip-path inset(0 0 50% 0) leaves the top half": (
        "",
        f'<div style="clip-path:inset(0 0 50% 0);height:100px">{BOX}</div>',
        None,
    ),
    "clip-path circle(0) on the box": (
        "",
        '<input type="checkbox" id="box" style="clip-path:circle(0)">',
        "clipped",
    ),
    "contain: paint clips a fixed descendant outside it": (
        "",
        f'<div style="contain:paint;height:10px"><div style="position:fixed;top:100px">{BOX}</div></div>',
        "clipped",
    ),
    "content-visibility: hidden": ("", f'<div style="content-visibility:hidden">{BOX}</div>', "not-rendered"),
    "fixed box placed outside the viewport": (
        "",
        f'<div style="position:fixed;top:-500px">{BOX}</div>',
        "off-screen",
    ),
    "clip rect(0 0 0 0) on an absolute box": (
        "",
        '<input type="checkbox" id="box" style="position:absolute;clip:rect(0 0 0 0)">',
        "clipped",
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_visibility_follows_css(collector_page: CollectorPage, case: str) -> None:
    head, body, expected = CASES[case]
    collector_page.load(body, head)
    assert collector_page.helper("hiddenReason", "#box") == expected


def test_a_panel_opened_while_the_page_is_scroll_locked_is_visible_in_the_snapshot(
    collector_page: CollectorPage,
) -> None:
    collector_page.load(
        f"""{TALL}
        <button id="open">Cookie settings</button>
        <div id="panel" role="dialog" aria-label="Cookie settings" hidden
             style="position:fixed;inset:auto 0 0 0;height:240px;background:#fff">
          <label><input type="checkbox" checked> Analytics cookies</label>
        </div>
        <script>
          document.getElementById('open').onclick = () => {{
            document.documentElement.style.overflow = 'hidden';
            document.body.style.cssText = 'overflow:hidden;height:100px';
            document.getElementById('panel').hidden = false;
          }};
        </script>"""
    )
    collector_page.page.click("#open")
    controls = collector_page.snapshot()["controls"]
    assert [(c["label"], c["visible"]) for c in controls] == [("Analytics cookies", True)]


@pytest.mark.parametrize(
    ("color", "rgba"),
    [
        ("rgb(255, 0, 0)", {"r": 255, "g": 0, "b": 0, "a": 1}),
        ("rgba(0, 0, 0, 0.5)", {"r": 0, "g": 0, "b": 0, "a": 0.5}),
        ("rgb(10 20 30 / 25%)", {"r": 10, "g": 20, "b": 30, "a": 0.25}),
        ("transparent", None),
    ],
)
def test_colours_are_parsed_as_computed_styles_write_them(
    collector_page: CollectorPage, color: str, rgba: dict[str, float] | None
) -> None:
    collector_page.load("")
    assert collector_page.helper("parseColor", None, color) == rgba


@pytest.mark.parametrize(
    ("a", "b", "ratio"),
    [
        ((0, 0, 0), (255, 255, 255), 21.0),
        ((255, 255, 255), (255, 255, 255), 1.0),
        ((119, 119, 119), (255, 255, 255), 4.48),  # #777 on white: just below WCAG AA
        ((153, 153, 153), (255, 255, 255), 2.85),
    ],
)
def test_contrast_is_the_wcag_ratio(
    collector_page: CollectorPage, a: tuple[int, int, int], b: tuple[int, int, int], ratio: float
) -> None:
    collector_page.load("")
    colour = {"r": a[0], "g": a[1], "b": a[2], "a": 1}
    background = {"r": b[0], "g": b[1], "b": b[2], "a": 1}
    assert collector_page.helper("contrastRatio", None, colour, background) == ratio
