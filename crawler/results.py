"""What the crawler produces: frozen records of what it observed and concluded, shared by every stage."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    """Every status a run or a scenario can have: one vocabulary for the runner, store, JSON and report."""

    # runs
    RUNNING = "running"
    COMPLETED = "completed"
    INTERRUPTED = "interrupted"
    ABANDONED = "abandoned"
    # scenarios
    OK = "ok"
    FINDINGS = "findings"
    FAILED = "failed"
    ERROR = "error"


RUN_STATUSES = (Status.RUNNING, Status.COMPLETED, Status.INTERRUPTED, Status.ABANDONED)
SCENARIO_STATUSES = (Status.OK, Status.FINDINGS, Status.FAILED, Status.ERROR)


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class LabelStyle:
    font_size: float
    color: str
    background: str
    contrast: float
    opacity: float


@dataclass(frozen=True)
class Control:
    """One control as a person could see it at one step."""

    key: str
    kind: str
    role: str
    label: str
    label_source: str
    nearby_text: str
    checked: bool | None
    disabled: bool
    visible: bool
    frame_url: str
    shadow: bool
    shadow_mode: str | None
    selector: str
    acted: bool
    consent: bool = False
    refusal: bool = False
    purposes: tuple[str, ...] = ()
    matched: tuple[str, ...] = ()
    box: Box | None = None
    in_viewport: bool = False
    below_fold: float = 0.0
    opacity: float = 1.0
    covered: bool = False
    label_style: LabelStyle | None = None
    native: bool = False
    name: str = ""
    value: str = ""
    group: str = ""
    context: str = ""

    @property
    def shown_label(self) -> str:
        return self.label or self.nearby_text

    @property
    def gives_consent(self) -> bool:
        """Ticked, on a consent control, and not an option that refuses."""
        return self.consent and self.checked is True and not self.refusal


@dataclass(frozen=True)
class Gap:
    """Something on the page that could not be inspected, so the report says "not checked"."""

    reason: str
    detail: str
    frame_url: str = ""


@dataclass(frozen=True)
class Observation:
    index: int
    action: str
    name: str
    url: str
    controls: tuple[Control, ...]
    settle_ms: float = 0.0
    settled: bool = True
    screenshot: str | None = None
    gaps: tuple[Gap, ...] = ()
    target: str | None = None
    screenshot_size: tuple[float, float] | None = None
    """Width and height of the screenshot in CSS px: page coordinates map onto it one to one."""
    automation_probed: tuple[str, ...] = ()
    """What the page read to find out whether a robot drives the browser (navigator.webdriver)."""


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str
    step: int
    control: str
    label: str
    detail: str
    tags: tuple[str, ...] = ()
    measures: dict[str, Any] = field(default_factory=dict)
    frame_url: str = ""
    selector: str = ""
    evidence: dict[str, Any] = field(default_factory=dict)
    evidence_step: int | None = None
    """The step whose screenshot shows the control, when it is not `step` (say, a modal opened later)."""
    accepted: bool = False
    """A baseline entry accepts this finding: it is reported, but does not fail the run."""
    accepted_reason: str = ""


@dataclass(frozen=True)
class Attempt:
    """One try at a scenario; a scenario retried after a transient failure has several."""

    number: int
    started_at: str
    finished_at: str
    status: Status
    reason: str = ""


@dataclass
class ScenarioResult:
    name: str
    title: str
    file: str
    tags: tuple[str, ...]
    started_at: str
    finished_at: str = ""
    status: Status = Status.OK
    error: str | None = None
    steps: list[Observation] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    """Expectations of the scenario's `expect:` block that did not hold, one sentence each."""
    attempts: list[Attempt] = field(default_factory=list)


@dataclass
class RunResult:
    id: str
    started_at: str
    base_url: str
    finished_at: str = ""
    status: Status = Status.RUNNING
    scenarios: list[ScenarioResult] = field(default_factory=list)
