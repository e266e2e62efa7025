"""Accessible names and descriptions as W3C accname 1.2 computes them, in real Chromium with the collector.

Every vendored Web Platform Test file (`tests/wpt/accname/`, see its README) is served on loopback and loaded
with the collector installed; an init script stands in for WPT's harness and records what the file expects
(`data-expectedlabel` on the automated tests, `ATTAcomm` steps on the manual ones). For every checked element
that is a kind the crawler reports (checkbox, radio, switch, menuitemcheckbox, menuitemradio, toggle button)
or a button or link, our name (and description) must be the expected one.

Left out on purpose:
- Elements of other roles (text fields, images, headings, landmarks, tables): the crawler never reports or
  clicks them by name. They are still read as parts of other names (a text field inside a checkbox's label).
- comp_label.html "Hidden button's label should be the empty string": the crawler names a hidden control as if
  it were shown (an input under a drawn switch must still say what it consents to).
- comp_label.html "button with leading nbsp char in aria-label is valid (and uses aria-label)": a name is
  trimmed of no-break spaces at both ends, as comp_text_node.html expects of text; the spec does not say
  whether an aria-label's differ (Playwright's own implementation makes the same choice).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from crawler.server import SiteServer
from crawler.snapshot import Collector

WPT = Path(__file__).parent / "wpt"
WPT_FILES = sorted(str(p.relative_to(WPT)) for p in (WPT / "accname").rglob("*.html"))
EXCLUDED = {
    ("accname/name/comp_label.html", "Hidden button's label should be the empty string"),
    (
        "accname/name/comp_label.html",
        "button with leading nbsp char in aria-label is valid (and uses aria-label)",
    ),
}

HARNESS_JS = (WPT / "harness.js").read_text(encoding="utf-8")

CHECK_JS = r"""([gate, key]) => {
  const helpers = window[gate](key).helpers;
  return window.__accnameChecks.map((check) => {
    const element = check.element || document.querySelector(check.selector);
    const role = helpers.role(element);
    return {
      title: check.title || check.selector,
      property: check.property,
      expected: check.expected,
      reported: !!helpers.classify(element) || role === 'button' || role === 'link',
      got: check.property === 'name' ? helpers.name(element).text : helpers.description(element),
    };
  });
}"""


@dataclass
class NamesPage:
    """One page with the collector installed, reused across tests: pages are written into `folder`."""

    page: Page
    collector: Collector
    url: str
    folder: Path

    @property
    def _secret(self) -> dict[str, str]:
        return {"gate": self.collector.gate, "key": self.collector.key}

    def goto(self, path: str) -> None:
        self.page.goto(f"{self.url}/{path}")

    def open(self, body: str, head: str = "") -> None:
        name = f"{uuid.uuid4().hex}.html"
        html = f'<!doctype html><html lang="en"><head><meta charset="utf-8">{head}</head><body>{body}</body>'
        (self.folder / name).write_text(html, encoding="utf-8")
        self.goto(name)

    def helper(self, name: str, selector: str) -> Any:
        return self.page.evaluate(
            "(a) => window[a.gate](a.key).helpers[a.helper](document.querySelector(a.selector))",
            {**self._secret, "helper": name, "selector": selector},
        )

    def name(self, selector: str) -> str:
        return str(self.helper("name", selector)["text"])

    def source(self, selector: str) -> str:
        return str(self.helper("name", selector)["source"])

    def controls(self) -> dict[str, dict[str, Any]]:
        # Object arguments and a JSON answer: Playwright's own array handling breaks on a patched page.
        raw = self.page.evaluate("(a) => window[a.gate](a.key).snapshot({reset: false})", self._secret)
        return {c["id"]: c for c in json.loads(raw)["controls"]}

    def target(self, selector: str) -> dict[str, str]:
        raw = self.page.evaluate(
            "(a) => window[a.gate](a.key).describeTarget(document.querySelector(a.selector))",
            {**self._secret, "selector": selector},
        )
        return dict(json.loads(raw))


@pytest.fixture(scope="module")
def names(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[NamesPage]:
    folder = tmp_path_factory.mktemp("names")
    (folder / "wpt").symlink_to(WPT, target_is_directory=True)
    collector = Collector.new()
    with SiteServer(folder) as site:
        context = browser.new_context()
        context.add_init_script(collector.source)
        context.add_init_script(HARNESS_JS)
        try:
            yield NamesPage(context.new_page(), collector, site.url, folder)
        finally:
            context.close()


# ------------------------------------------------------------------ Web Platform Tests


@pytest.mark.parametrize("path", WPT_FILES)
def test_wpt_accname(names: NamesPage, path: str) -> None:
    names.goto(f"wpt/{path}")
    checks = names.page.evaluate(CHECK_JS, [names.collector.gate, names.collector.key])
    ours = [c for c in checks if c["reported"] and (path, c["title"]) not in EXCLUDED]
    assert ours, f"{path} checks no element the crawler reports: it should not be vendored"
    wrong = [f"{c['title']}: {c['property']} {c['got']!r}, expected {c['expected']!r}" for c in ours]
    wrong = [w for w, c in zip(wrong, ours, strict=True) if c["got"] != c["expected"]]
    assert not wrong, "\n".join(wrong)


# ------------------------------------------------------------------ hidden content


def test_aria_hidden_parts_of_a_label_are_not_in_the_name(names: NamesPage) -> None:
    names.open(
        '<label><input type="checkbox" role="switch" id="s">'
        '<span aria-hidden="true">Off</span><span aria-hidden="true">On</span></label>'
        '<label><input type="checkbox" id="c"> Share my data'
        ' <span aria-hidden="true">(recommended)</span></label>'
    )
    assert names.name("#s") == ""
    assert names.source("#s") == "none"
    assert names.name("#c") == "Share my data"


def test_hidden_labels_count_when_referenced_by_aria_labelledby(names: NamesPage) -> None:
    names.open(
        '<div id="h" style="display:none">Share <span aria-hidden="true">my data</span></div>'
        '<span id="v">with partners <span aria-hidden="true">(recommended)</span></span>'
        '<span id="gone" hidden>never shown</span>'
        '<div role="checkbox" aria-checked="false" id="c" aria-labelledby="h v">Ignored content</div>'
        '<button aria-pressed="false" id="t">Show <span style="display:none">secret</span> more</button>'
    )
    assert names.name("#c") == "Share my data with partners"
    assert names.source("#c") == "aria-labelledby"
    assert names.name("#t") == "Show more"


def test_a_hidden_control_is_named_as_if_shown(names: NamesPage) -> None:
    names.open(
        '<input type="checkbox" id="c" style="display:none"><label for="c">Send me offers</label>'
        '<div role="switch" aria-checked="true" id="s" hidden>Personalised ads</div>'
        '<div role="switch" aria-checked="false" id="v" style="visibility:hidden">'
        '<span aria-hidden="true">Off</span> Analytics <span style="display:none">cookies</span></div>'
    )
    assert names.name("#c") == "Send me offers"
    assert names.name("#s") == "Personalised ads"
    assert names.name("#v") == "Analytics cookies"


# ------------------------------------------------------------------ embedded controls and generated content


def test_embedded_controls_contribute_their_values(names: NamesPage) -> None:
    names.open(
        '<label><input type="checkbox" id="text"> Email me every <input value="3"> days</label>'
        '<label><input type="checkbox" id="select"> Email me every'
        " <select><option>1</option><option selected>7</option><option>30</option></select> days</label>"
        '<label><input type="checkbox" id="range"> Keep data for'
        ' <input type="range" min="1" max="12" value="6"> months</label>'
        '<label><input type="checkbox" id="slider"> Keep data for'
        ' <span role="slider" aria-valuenow="6" aria-valuetext="six">6.0</span> months</label>'
        '<label><input type="checkbox" id="spin"> Keep data for'
        ' <span role="spinbutton" aria-valuenow="6">6.0</span> months</label>'
        '<label><input type="checkbox" id="listbox"> Share with'
        ' <ul role="listbox" style="display:inline-block">'
        '<li role="option">nobody</li><li role="option" aria-selected="true">partners</li></ul></label>'
        '<label><input type="checkbox" id="secret"> Remember <input type="password" value="hunter2"></label>'
    )
    assert names.name("#text") == "Email me every 3 days"
    assert names.name("#select") == "Email me every 7 days"
    assert names.name("#range") == "Keep data for 6 months"
    assert names.name("#slider") == "Keep data for six months"
    assert names.name("#spin") == "Keep data for 6 months"
    assert names.name("#listbox") == "Share with partners"
    assert names.name("#secret") == "Remember"


def test_a_menu_inside_a_label_contributes_nothing(names: NamesPage) -> None:
    names.open(
        '<input type="radio" id="r"><label for="r">Notify me <span role="menu">'
        '<span role="menuitem">daily</span><span role="menuitem">weekly</span></span> by email</label>'
    )
    assert names.name("#r") == "Notify me by email"


def test_generated_content_is_part_of_the_name(names: NamesPage) -> None:
    names.open(
        '<label for="c" class="star">Share my data</label><input type="checkbox" id="c">'
        '<button aria-pressed="true" id="b" class="icon">Ads</button>'
        '<a href="#" id="a" data-tip="(new tab)" class="tip">Privacy policy</a>',
        head="<style>.star::before { content: 'I agree: ' } .star::after { content: '\\2014 now'; }"
        " .icon::before { content: '\\2605' / 'Starred'; display: inline-block }"
        " .tip::after { content: ' ' attr(data-tip) }</style>",
    )
    assert names.name("#c") == "I agree: Share my data\u2014now"
    assert names.name("#b") == "Starred Ads"
    assert names.name("#a") == "Privacy policy (new tab)"


# ------------------------------------------------------------------ whitespace


def test_inline_parts_run_on_and_boxes_are_set_apart(names: NamesPage) -> None:
    names.open(
        '<input type="checkbox" id="a"><label for="a">foo<input type="text" value="bar">baz</label>'
        '<div role="checkbox" id="b">con<b>sent</b> to <span style="display:inline-block">ads</span></div>'
        '<button aria-pressed="false" id="c"><div>Share</div><div>data</div></button>'
        '<div role="radio" id="d">Yes,&nbsp;please <br>now</div>'
    )
    assert names.name("#a") == "foo bar baz"
    assert names.name("#b") == "consent to ads"
    assert names.name("#c") == "Share data"
    assert names.name("#d") == "Yes,\u00a0please now"


# ------------------------------------------------------------------ where names come from


def test_name_sources_follow_the_spec_order(names: NamesPage) -> None:
    names.open(
        '<span id="l1">Referenced</span>'
        '<input type="checkbox" id="by-ref" aria-labelledby="l1" aria-label="Ignored">'
        '<input type="checkbox" id="by-aria" aria-label="Author label"><label for="by-aria">Ignored</label>'
        '<label>Wrapped <input type="checkbox" id="by-label" title="Ignored"></label>'
        '<input type="checkbox" id="by-for">'
        '<label for="by-for">First</label><label for="by-for">second</label>'
        '<input type="checkbox" id="by-title" title="From the title" placeholder="Never">'
        '<input type="checkbox" id="nothing" placeholder="Not a checkbox attribute">'
        '<div role="menuitemradio" id="by-content" title="Ignored">From content</div>'
        '<div role="checkbox" id="self-ref" aria-labelledby="self-ref l1" aria-label="Self"></div>'
        '<input type="submit" id="submit"><input type="reset" id="reset" value="Start over">'
        '<input type="image" id="image" alt="Send" src="data:,">'
        '<label for="btn">Label of a button</label><button id="btn">Content</button>'
    )
    expected = {
        "#by-ref": ("Referenced", "aria-labelledby"),
        "#by-aria": ("Author label", "aria-label"),
        "#by-label": ("Wrapped", "label"),
        "#by-for": ("First second", "label"),
        "#by-title": ("From the title", "title"),
        "#nothing": ("", "none"),
        "#by-content": ("From content", "content"),
        "#self-ref": ("Self Referenced", "aria-labelledby"),
        "#submit": ("Submit", "default"),
        "#reset": ("Start over", "value"),
        "#image": ("Send", "alt"),
        "#btn": ("Label of a button", "label"),
    }
    assert {s: (names.name(s), names.source(s)) for s in expected} == expected


def test_screen_reader_only_text_is_named_but_the_carrier_is_the_visible_text(names: NamesPage) -> None:
    names.open(
        '<label><input type="checkbox" id="c"><span class="sr-only">Consent:</span>'
        '<span style="font-size:9px">share my data</span></label>',
        head="<style>.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden;"
        " clip: rect(0 0 0 0); white-space: nowrap; }</style>",
    )
    control = names.controls()["c"]
    assert control["label"] == "Consent: share my data"
    assert control["label_style"]["font_size"] == 9


def test_a_clicked_button_or_link_is_described_by_its_name(names: NamesPage) -> None:
    names.open(
        '<a href="#" id="a"><img alt="Accept" src="data:,"> all</a>'
        '<input type="button" id="i" value="Reject all">'
        '<div id="d" onclick="void 0">Manage <i>choices</i></div>'
    )
    assert names.target("#a")["name"] == "Accept all"
    assert names.target("#i")["name"] == "Reject all"
    assert names.target("#d")["name"] == "Manage choices"


# ------------------------------------------------------------------ descriptions, kinds and states


def test_description_comes_from_aria_describedby(names: NamesPage) -> None:
    names.open(
        '<label><input type="checkbox" id="a" aria-describedby="d1 d2"> Share my data</label>'
        '<p id="d1">with 312 partners</p><p id="d2" hidden>for advertising</p>'
        '<div role="switch" aria-checked="false" id="b" aria-description="Used for ads">Personalise</div>'
        '<button aria-pressed="false" id="c" title="Saves a cookie">Remember me</button>'
        '<input type="checkbox" id="d" title="Only a name">'
    )
    controls = names.controls()
    assert controls["a"]["description"] == "with 312 partners for advertising"
    assert controls["b"]["description"] == "Used for ads"
    assert controls["c"]["description"] == "Saves a cookie"
    assert controls["d"]["description"] == ""
    assert names.helper("description", "#a") == "with 312 partners for advertising"


def test_menuitemradio_is_reported_and_a_mixed_switch_is_off(names: NamesPage) -> None:
    names.open(
        '<div role="menu"><div role="menuitemradio" id="r1" aria-checked="true">Daily digest</div>'
        '<div role="menuitemradio" id="r2" aria-checked="false">Weekly digest</div></div>'
        '<div role="switch" id="s" aria-checked="mixed">Analytics</div>'
        '<div role="checkbox" id="c" aria-checked="mixed">All purposes</div>'
        '<div role="menuitemcheckbox" id="m" aria-checked="mixed">Partners</div>'
    )
    controls = names.controls()
    assert (controls["r1"]["kind"], controls["r1"]["checked"], controls["r1"]["label"]) == (
        "menuitemradio",
        True,
        "Daily digest",
    )
    assert (controls["r2"]["kind"], controls["r2"]["checked"]) == ("menuitemradio", False)
    assert (controls["s"]["kind"], controls["s"]["checked"]) == ("switch", False)
    assert controls["c"]["checked"] is None
    assert controls["m"]["checked"] is None


# ------------------------------------------------------------------ tamper resistance

TAMPER_PAGE = (
    '<label class="star"><input type="checkbox" id="a"> Share my data with'
    " <select><option>nobody</option><option selected>partners</option></select></label>"
    '<span id="ref" hidden>Personalised ads</span>'
    '<div role="switch" aria-checked="true" id="b" aria-labelledby="ref"></div>'
    '<button aria-pressed="false" id="c" aria-describedby="why">Remember <span aria-hidden="true">me</span>'
    '</button><p id="why">Keeps you signed in</p>'
)
PATCH_JS = """() => {
  Element.prototype.getAttribute = () => 'patched';
  Object.defineProperty(Node.prototype, 'textContent', { get: () => 'patched', configurable: true });
  window.getComputedStyle = () => ({ getPropertyValue: () => 'none', display: 'none' });
  Array.prototype.push = () => { throw new Error('patched'); };
  String.prototype.trim = () => 'patched';
}"""


def test_names_survive_a_page_that_patches_built_ins_after_load(names: NamesPage) -> None:
    names.open(TAMPER_PAGE, head="<style>.star::before { content: 'Yes: ' }</style>")
    before = {k: (c["label"], c["description"]) for k, c in names.controls().items()}
    assert before == {
        "a": ("Yes: Share my data with partners", ""),
        "b": ("Personalised ads", ""),
        "c": ("Remember", "Keeps you signed in"),
    }
    names.page.evaluate(PATCH_JS)
    after = {k: (c["label"], c["description"]) for k, c in names.controls().items()}
    assert after == before
    assert names.target("#c")["name"] == "Remember"
