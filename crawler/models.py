"""Scenario files as pydantic models: untrusted YAML, unknown keys are errors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    field_validator,
)
from pydantic_core import PydanticCustomError

from crawler.consent import CATEGORIES, Lexicon, LexiconError

Selector = Annotated[str, Field(min_length=1)]


def _one_message(message: str) -> WrapValidator:
    """Replace the per-branch errors of a union with one sentence a scenario author can act on."""

    def validate(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        try:
            return handler(value)
        except ValidationError:
            raise PydanticCustomError("invalid_choice", message) from None

    return WrapValidator(validate)


Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=80)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StepBase(Strict):
    name: str | None = None
    timeout_ms: Annotated[int, Field(gt=0, le=600_000)] | None = None


class FillArgs(Strict):
    selector: Selector
    value: str


class PressArgs(Strict):
    selector: Selector
    key: Annotated[str, Field(min_length=1)]


class SelectArgs(Strict):
    selector: Selector
    value: Annotated[str | list[str], _one_message("value takes an option value or a list of them")]


class WaitForUrl(Strict):
    url: Annotated[str, Field(min_length=1)]


class WaitForMs(Strict):
    ms: Annotated[int, Field(ge=0, le=600_000)]


class ClickStep(StepBase):
    click: Selector


class FillStep(StepBase):
    fill: FillArgs


class PressStep(StepBase):
    press: PressArgs


class CheckStep(StepBase):
    check: Selector


class UncheckStep(StepBase):
    uncheck: Selector


class SelectStep(StepBase):
    select: SelectArgs


class HoverStep(StepBase):
    hover: Selector


class ScrollStep(StepBase):
    scroll: Selector = Field(description="top, bottom, or a selector to scroll into view")


class WaitForStep(StepBase):
    wait_for: Annotated[
        Selector | WaitForUrl | WaitForMs,
        _one_message("wait_for takes a selector, {url: PATTERN} or {ms: MILLISECONDS}"),
    ]


class GotoStep(StepBase):
    goto: Annotated[str, Field(min_length=1)]


class SnapshotStep(StepBase):
    snapshot: str


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


class Viewport(Strict):
    width: Annotated[int, Field(gt=0, le=10_000)]
    height: Annotated[int, Field(gt=0, le=10_000)]


class Settle(Strict):
    """How long the page must stay free of DOM mutations before it is observed."""

    quiet_ms: Annotated[int, Field(ge=0, le=60_000)] = 600
    timeout_ms: Annotated[int, Field(ge=0, le=120_000)] = 5_000


class Thresholds(Strict):
    """Below these a checked consent control counts as inconspicuous (WCAG AA contrast, legible print)."""

    min_contrast: Annotated[float, Field(gt=0)] = 4.5
    min_font_px: Annotated[float, Field(gt=0)] = 12.0
    min_target_px: Annotated[float, Field(gt=0)] = 10.0
    min_opacity: Annotated[float, Field(gt=0, le=1)] = 0.5


class Scenario(Strict):
    name: Slug
    url: Annotated[str, Field(min_length=1)]
    title: str = ""
    description: str = ""
    tags: list[Annotated[str, Field(min_length=1)]] = []
    locale: str | None = None
    viewport: Viewport | None = None
    user_agent: str | None = None
    is_mobile: bool | None = None
    timezone_id: str | None = None
    color_scheme: Literal["light", "dark", "no-preference"] | None = None
    timeout_ms: Annotated[int, Field(gt=0, le=600_000)] = 10_000
    settle: Settle = Settle()
    thresholds: Thresholds = Thresholds()
    lexicon: dict[str, list[Annotated[str, Field(min_length=1)]]] = {}
    steps: list[Step] = []

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

    def context_options(self) -> dict[str, Any]:
        names = ("locale", "viewport", "user_agent", "is_mobile", "timezone_id", "color_scheme")
        return self.model_dump(include=set(names), exclude_none=True)


@dataclass(frozen=True)
class ScenarioFile:
    path: str
    scenario: Scenario
