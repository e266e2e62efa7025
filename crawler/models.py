"""Scenario files as pydantic models: untrusted YAML, unknown keys are errors."""

from __future__ import annotations

import difflib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    PrivateAttr,
    StrictInt,
    Tag,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from crawler import devices
from crawler.consent import CATEGORIES, Lexicon, LexiconError

MAX_STEPS = 1_000


def _one_message(message: str) -> WrapValidator:
    """Replace the per-branch errors of a union with one sentence a scenario author can act on."""

    def validate(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        try:
            return handler(value)
        except ValidationError:
            raise _error("invalid_choice", message) from None

    return WrapValidator(validate)


def _error(kind: str, message: str) -> PydanticCustomError:
    """A validation error whose message is used as written (braces in user text are not placeholders)."""
    return PydanticCustomError(kind, "{message}", {"message": message})


def _without_default(schema: dict[str, Any]) -> None:
    """For keys whose absence means "not checked" while `null` is a value of its own."""
    schema.pop("default", None)


Selector = Annotated[str, Field(min_length=1)]
Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=80)]

_C0_AND_SPACE = "".join(map(chr, range(0x21)))

# Schemes that never load a page a person visits; the crawler's evidence must be of real pages.
_REFUSED_SCHEMES = {
    "javascript": "it runs script instead of loading a page",
    "data": "it is inline content, not a page people visit",
    "blob": "it is an object inside another page",
    "about": "it is a browser-internal page (only about:blank is allowed)",
    "chrome": "it is a browser-internal page",
    "chrome-extension": "it belongs to a browser extension",
    "view-source": "it shows source code, not the page",
}


def _page_url(value: str, info: ValidationInfo) -> str:
    """Relative or http(s); `file:` only when the caller allows it; anything else is not a real page."""
    cleaned = value.strip(_C0_AND_SPACE)
    cleaned = cleaned.replace("\t", "").replace("\n", "").replace("\r", "")
    scheme = urlsplit(cleaned).scheme.lower()
    if scheme in ("", "http", "https") or cleaned.lower() == "about:blank":
        return value
    allow_file = bool(info.context and info.context.get("allow_file_urls"))
    if scheme == "file":
        if allow_file:
            return value
        raise _error("url_scheme", "file: URLs are refused unless the crawler runs with --allow-file-urls")
    why = _REFUSED_SCHEMES.get(scheme)
    if why is not None:
        raise _error(
            "url_scheme",
            f"{scheme}: URLs are refused: {why}; use http(s):// or a path relative to --base-url",
        )
    rest = cleaned.split(":", 1)[1]
    hint = f" (for a host and port write http://{cleaned})" if rest[:1].isdigit() else ""
    raise _error(
        "url_scheme",
        f"URL scheme '{scheme}:' is not supported; use http(s):// or a path relative to --base-url{hint}",
    )


PageUrl = Annotated[str, Field(min_length=1)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StepBase(Strict):
    name: str | None = Field(
        default=None, description="a name for the step, shown in reports and used by `expect:`"
    )
    timeout_ms: Annotated[int, Field(gt=0, le=600_000)] | None = Field(
        default=None,
        description="how long this step may wait for its target (default: the scenario's `timeout_ms`)",
    )


class FillArgs(Strict):
    """A field and the text to type into it."""

    selector: Selector = Field(description="any Playwright selector")
    value: str = Field(description="the text, replacing what the field held; `${NAME}` reads the environment")


class PressArgs(Strict):
    """A key pressed while an element has the focus."""

    selector: Selector = Field(description="any Playwright selector")
    key: Annotated[str, Field(min_length=1)] = Field(description="a key name such as Enter, Tab or Control+A")


class SelectArgs(Strict):
    """Options to choose in a <select>."""

    selector: Selector = Field(description="any Playwright selector")
    value: Annotated[str | list[str], _one_message("value takes an option value or a list of them")] = Field(
        description="an option's value, or a list of them for a multiple select"
    )


class WaitForUrl(Strict):
    """Wait until the page's URL matches."""

    url: Annotated[str, Field(min_length=1)] = Field(description="a URL, a path, or a glob such as **/report")


class WaitForMs(Strict):
    """Wait a fixed time."""

    ms: Annotated[int, Field(ge=0, le=600_000)] = Field(description="milliseconds")


class ClickStep(StepBase):
    """Click an element."""

    click: Selector = Field(description="click: any Playwright selector (css, text=, role=, xpath=)")


class FillStep(StepBase):
    """Type into a field."""

    fill: FillArgs = Field(description="fill: {selector, value}")


class PressStep(StepBase):
    """Press a key."""

    press: PressArgs = Field(description="press: {selector, key}")


class CheckStep(StepBase):
    """Tick a checkbox, radio or switch (nothing happens if it is already ticked)."""

    check: Selector = Field(description="check: the control's selector")


class UncheckStep(StepBase):
    """Untick a checkbox or switch (nothing happens if it is already unticked)."""

    uncheck: Selector = Field(description="uncheck: the control's selector")


class SelectStep(StepBase):
    """Choose options in a <select>."""

    select: SelectArgs = Field(description="select: {selector, value}")


class HoverStep(StepBase):
    """Move the mouse over an element."""

    hover: Selector = Field(description="hover: any Playwright selector")


class ScrollStep(StepBase):
    """Scroll the page."""

    scroll: Selector = Field(description="scroll: top, bottom, or a selector to scroll into view")


class WaitForStep(StepBase):
    """Wait for an element, a URL or a time."""

    wait_for: Annotated[
        Selector | WaitForUrl | WaitForMs,
        _one_message("wait_for takes a selector, {url: PATTERN} or {ms: MILLISECONDS}"),
    ] = Field(description="wait_for: a selector (until visible) | {url: PATTERN} | {ms: MILLISECONDS}")


class GotoStep(StepBase):
    """Navigate to another URL."""

    goto: PageUrl = Field(description="goto: a URL, relative to --base-url or http(s)://")

    @field_validator("goto")
    @classmethod
    def _real_page(cls, value: str, info: ValidationInfo) -> str:
        return _page_url(value, info)


class SnapshotStep(StepBase):
    """Observe only, under a name."""

    snapshot: str = Field(description="snapshot: a name for this observation")


STEP_MODELS: dict[str, type[StepBase]] = {
    "click": ClickStep,
    "fill": FillStep,
    "press": PressStep,
    "check": CheckStep,
    "uncheck": UncheckStep,
    "select": SelectStep,
    "hover": HoverStep,
    "scroll": ScrollStep,
    "wait_for": WaitForStep,
    "goto": GotoStep,
    "snapshot": SnapshotStep,
}


def step_action(step: StepBase) -> str:
    return next(key for key, model in STEP_MODELS.items() if isinstance(step, model))


def _step_tag(raw: Any) -> str | None:
    if isinstance(raw, StepBase):
        return step_action(raw)
    if isinstance(raw, dict):
        return next((key for key in raw if key in STEP_MODELS), None)
    return None


Step = Annotated[
    Annotated[ClickStep, Tag("click")]
    | Annotated[FillStep, Tag("fill")]
    | Annotated[PressStep, Tag("press")]
    | Annotated[CheckStep, Tag("check")]
    | Annotated[UncheckStep, Tag("uncheck")]
    | Annotated[SelectStep, Tag("select")]
    | Annotated[HoverStep, Tag("hover")]
    | Annotated[ScrollStep, Tag("scroll")]
    | Annotated[WaitForStep, Tag("wait_for")]
    | Annotated[GotoStep, Tag("goto")]
    | Annotated[SnapshotStep, Tag("snapshot")],
    Discriminator(
        _step_tag,
        custom_error_type="unknown_step",
        custom_error_message="a step needs exactly one action: " + ", ".join(STEP_MODELS),
    ),
]


def step_names(step: StepBase) -> tuple[str, ...]:
    """What `expect:` may call a step: its `name:`, and a snapshot's own name."""
    names = [step.name] if step.name else []
    if isinstance(step, SnapshotStep) and step.snapshot:
        names.append(step.snapshot)
    return tuple(names)


def _known_rule(value: str) -> str:
    from crawler.rules import RULES  # rules import this module for Thresholds

    if value not in RULES:
        close = difflib.get_close_matches(value, list(RULES), n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise _error("unknown_rule", f"unknown rule '{value}'{hint} (rules: {', '.join(RULES)})")
    return value


def _rule_ids(schema: dict[str, Any]) -> None:
    from crawler.rules import RULES

    schema["enum"] = list(RULES)


RuleId = Annotated[str, AfterValidator(_known_rule), Field(json_schema_extra=_rule_ids)]

AllowedFindings = Annotated[
    Annotated[Literal["none"], _one_message("findings takes none or a list of rule ids"), Tag("none")]
    | Annotated[list[RuleId], Tag("rules")],
    Discriminator(lambda value: "rules" if isinstance(value, list) else "none"),
]


class ControlExpectation(Strict):
    """A control the journey must show at a step, found by its words, optionally in a given state."""

    label: Annotated[str, Field(min_length=1)] = Field(
        description="part of the control's label or, without one, of its nearby text"
        " (compared after Unicode NFKC normalisation, ignoring case)"
    )
    step: Annotated[
        Annotated[StrictInt, Field(ge=0)] | Annotated[str, Field(min_length=1)],
        _one_message("step takes an index (0 or more), the name of a step, or last"),
    ] = Field(
        default="last",
        description="where: an index (0 is the page as first opened, N the page after the N-th step),"
        " the `name:` of a step, or last",
    )
    checked: bool | None = Field(
        default=None,
        description="true, false, or null for mixed; leave out to not check the state",
        json_schema_extra=_without_default,
    )
    visible: bool | None = Field(
        default=None,
        description="whether a person could see it; leave out to not check",
        json_schema_extra=_without_default,
    )
    _index: int | None = PrivateAttr(default=None)

    @property
    def expects_checked(self) -> bool:
        return "checked" in self.model_fields_set

    @property
    def index(self) -> int:
        """The observation the expectation is about; known once validated as part of a Scenario."""
        if self._index is None:
            raise RuntimeError("a control expectation is resolved when its Scenario is validated")
        return self._index

    def resolve(self, steps: Sequence[StepBase]) -> None:
        """Turn `step:` into an observation index, or raise ValueError saying which steps exist."""
        count = len(steps)
        if isinstance(self.step, int):
            if self.step > count:
                raise ValueError(
                    f"step {self.step} does not exist: 0 is the page as opened and this scenario has "
                    f"{count} step{'s' if count != 1 else ''}"
                )
            self._index = self.step
            return
        if self.step == "last":
            self._index = count
            return
        found = [i for i, step in enumerate(steps, start=1) if self.step in step_names(step)]
        if len(found) > 1:
            raise ValueError(
                f"several steps are named '{self.step}' ({', '.join(map(str, found))}); use an index"
            )
        if not found:
            known = [n for step in steps for n in step_names(step)]
            close = difflib.get_close_matches(self.step, known, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            listed = ", ".join(known) if known else "none has a name"
            raise ValueError(
                f"no step is named '{self.step}'{hint} (step names: {listed}; or use an index or last)"
            )
        self._index = found[0]


class Expect(Strict):
    """What the journey must show; each failed expectation becomes one sentence in the results."""

    findings: AllowedFindings | None = Field(
        default=None,
        description="none: no finding is allowed; or a list of the rule ids that are allowed"
        " (leave out to not check)",
    )
    controls: list[ControlExpectation] = Field(
        default=[],
        description="controls that must be present at a step,"
        " optionally checked or unchecked, visible or not",
    )


class Viewport(Strict):
    """The page's size in CSS pixels."""

    width: Annotated[int, Field(gt=0, le=10_000)] = Field(description="CSS pixels")
    height: Annotated[int, Field(gt=0, le=10_000)] = Field(description="CSS pixels")


class Settle(Strict):
    """How long the page must stay free of DOM mutations before it is observed."""

    quiet_ms: Annotated[int, Field(ge=0, le=60_000)] = Field(
        default=600, description="milliseconds without a DOM mutation that count as settled"
    )
    timeout_ms: Annotated[int, Field(ge=0, le=120_000)] = Field(
        default=5_000, description="observe anyway after this long (the step records `settled: false`)"
    )


class Thresholds(Strict):
    """Below these a checked consent control counts as inconspicuous (WCAG AA contrast, legible print)."""

    min_contrast: Annotated[float, Field(gt=0)] = Field(
        default=4.5, description="label contrast against its background"
    )
    min_font_px: Annotated[float, Field(gt=0)] = Field(
        default=12.0, description="label font size in CSS pixels"
    )
    min_target_px: Annotated[float, Field(gt=0)] = Field(
        default=10.0, description="drawn size of the tick-box"
    )
    min_opacity: Annotated[float, Field(gt=0, le=1)] = Field(default=0.5, description="effective opacity")


CONTEXT_KEYS = (
    "locale",
    "viewport",
    "user_agent",
    "is_mobile",
    "timezone_id",
    "color_scheme",
    "storage_state",
)


class Scenario(Strict):
    """A user journey for the consent crawler: a page to open and the steps a person takes there."""

    name: Slug = Field(description="a slug, unique in the set, e.g. annual-report-2017")
    url: PageUrl = Field(
        description="the first page: relative to --base-url, or http(s)://; any string may use ${NAME}"
    )
    title: str = Field(default="", description="a human title for reports")
    description: str = Field(default="", description="free text")
    tags: list[Annotated[str, Field(min_length=1)]] = Field(
        default=[], description="labels for `crawler run --tag`"
    )
    device: str | None = Field(
        default=None,
        description="a Playwright device preset, e.g. iPhone 13; the keys below override its values",
    )
    locale: str | None = Field(default=None, description="browser locale, e.g. zh-CN")
    viewport: Viewport | None = Field(default=None, description="{width, height} in CSS pixels")
    user_agent: str | None = Field(default=None, description="the User-Agent header and navigator.userAgent")
    is_mobile: bool | None = Field(default=None, description="honour the meta viewport tag, as a phone does")
    timezone_id: str | None = Field(default=None, description="an IANA time zone, e.g. Asia/Shanghai")
    color_scheme: Literal["light", "dark", "no-preference"] | None = Field(
        default=None, description="prefers-color-scheme"
    )
    storage_state: str | None = Field(
        default=None,
        description="a Playwright storage state (cookies, local storage) to start logged in;"
        " a path relative to this file",
    )
    timeout_ms: Annotated[int, Field(gt=0, le=600_000)] = Field(
        default=10_000, description="default timeout of every step and of the first page load"
    )
    scenario_timeout_s: Annotated[float, Field(gt=0, le=86_400)] = Field(
        default=300, description="deadline for the whole scenario, in seconds"
    )
    allow_http_status: list[Annotated[int, Field(ge=400, le=599)]] = Field(
        default=[],
        description="HTTP error statuses (400-599) the first page and `goto` may answer without failing",
    )
    settle: Settle = Field(
        default=Settle(), description="how long the page must stay quiet before each observation"
    )
    thresholds: Thresholds = Field(default=Thresholds(), description="overrides of the salience thresholds")
    lexicon: dict[str, list[Annotated[str, Field(min_length=1)]]] = Field(
        default={}, description="extra words per purpose for this product, e.g. {credit: [Zhima score]}"
    )
    steps: Annotated[list[Step], Field(max_length=MAX_STEPS)] = Field(
        default=[], description="what the person does, one action per step; observed after each"
    )
    expect: Expect | None = Field(default=None, description=Expect.__doc__)

    @field_validator("url")
    @classmethod
    def _real_page(cls, value: str, info: ValidationInfo) -> str:
        return _page_url(value, info)

    @field_validator("device")
    @classmethod
    def _known_device(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            known = devices.names()
        except devices.DevicesUnavailable as exc:
            raise ValueError(str(exc)) from None
        if value not in known:
            close = devices.closest(value)
            hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
            raise ValueError(
                f"unknown device '{value}'{hint} (Playwright's device names, e.g. 'iPhone 13', 'Pixel 7')"
            )
        return value

    @field_validator("storage_state")
    @classmethod
    def _state_file(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        base = Path(info.context["base_dir"]) if info.context and "base_dir" in info.context else Path.cwd()
        path = (base / value).resolve()
        if not path.is_file():
            raise ValueError(f"no file at {path} (the path is relative to the scenario file)")
        try:
            state = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise ValueError(f"{path} is not a readable JSON file ({exc})") from None
        if not isinstance(state, dict):
            raise ValueError(
                f"{path} is not a Playwright storage state (an object with cookies and origins,"
                " as context.storage_state(path=...) writes it)"
            )
        return str(path)

    @field_validator("lexicon")
    @classmethod
    def _known_categories(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        unknown = sorted(set(value) - CATEGORIES)
        if unknown:
            raise ValueError(
                f"unknown lexicon category {', '.join(unknown)}; use {', '.join(sorted(CATEGORIES))}"
            )
        try:
            Lexicon.load(value)
        except LexiconError as exc:
            raise ValueError(str(exc).removeprefix("extra: ")) from None
        return value

    @model_validator(mode="after")
    def _resolve_expected_steps(self) -> Scenario:
        problems: list[InitErrorDetails] = []
        for position, control in enumerate(self.expect.controls if self.expect else ()):
            try:
                control.resolve(self.steps)
            except ValueError as exc:
                problems.append(
                    InitErrorDetails(
                        type=_error("unknown_step_reference", str(exc)),
                        loc=("expect", "controls", position, "step"),
                        input=control.step,
                    )
                )
        if problems:
            raise ValidationError.from_exception_data(type(self).__name__, problems)
        return self

    def context_options(self) -> dict[str, Any]:
        """Options for `Browser.new_context`: the device preset, overridden by the scenario's own keys."""
        options = devices.descriptor(self.device) if self.device else {}
        options.update(self.model_dump(include=set(CONTEXT_KEYS), exclude_none=True))
        return options


@dataclass(frozen=True)
class ScenarioFile:
    path: str
    scenario: Scenario
    secrets: tuple[str, ...] = ()
    """Values substituted for `${NAME}` references, longest first: mask them in everything written."""
    step_lines: tuple[int, ...] = ()
    """1-based line of each step in the file."""
    url_line: int = 1

    def location(self, index: int) -> str:
        """`FILE:LINE` of observation `index`: 0 is the opening of `url`, N the N-th step."""
        line = self.step_lines[index - 1] if 0 < index <= len(self.step_lines) else self.url_line
        return f"{self.path}:{line}"
