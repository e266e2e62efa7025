"""What the crawler produces: frozen records of what it observed and concluded, shared by every stage.

These dataclasses are the one definition of every measured field. The store derives its columns from them
(`crawler.records`), the `--json` document and the read model are the same records, so adding a field to a
control means adding it here (and to the collector that measures it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from crawler.consent import Intent
from crawler.models import Thresholds

# Which part of storage a control's field belongs to: what a control is changes rarely, what it looks like
# at a step changes often. See crawler/store.py.
STATE = {"part": "state"}


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
    contrast: float | None
    opacity: float


@dataclass(frozen=True)
class Control:
    """One control as a person could see it at one step."""

    key: str
    kind: str
    role: str = ""
    label: str = ""
    label_source: str = "none"
    nearby_text: str = ""
    description: str = ""
    """Its accessible description (aria-describedby, aria-description)."""
    context: str = ""
    """The name of the dialog, fieldset or section around it."""
    group: str = ""
    frame_url: str = ""
    shadow: bool = False
    shadow_mode: str | None = None
    selector: str = ""
    native: bool = False
    name: str = ""
    value: str = ""
    tab: int = 0
    """0 for the journey's page; 1 and up for a tab or popup a step opened."""
    consent: bool = False
    refusal: bool = False
    purposes: tuple[str, ...] = ()
    matched: tuple[str, ...] = ()
    """The lexicon phrases that decided whether it asks for consent."""
    consent_from: str = ""
    """Where those phrases were found: label, description, nearby_text or context."""
    checked: bool | None = field(default=False, metadata=STATE)
    disabled: bool = field(default=False, metadata=STATE)
    visible: bool = field(default=True, metadata=STATE)
    acted: bool = field(default=False, metadata=STATE)
    box: Box | None = field(default=None, metadata=STATE)
    in_viewport: bool = field(default=False, metadata=STATE)
    below_fold: float = field(default=0.0, metadata=STATE)
    opacity: float = field(default=1.0, metadata=STATE)
    covered: bool = field(default=False, metadata=STATE)
    label_style: LabelStyle | None = field(default=None, metadata=STATE)

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
    """One step of a journey and every control seen after it."""

    index: int
    action: str
    name: str
    url: str
    controls: tuple[Control, ...] = ()
    settle_ms: float = 0.0
    settled: bool = True
    screenshot: str | None = None
    gaps: tuple[Gap, ...] = ()
    target: str | None = None
    target_name: str = ""
    """The accessible name of what the step pressed ("Accept all")."""
    intent: Intent | None = None
    http_status: int | None = None
    """Status of the main document's response, when the step loaded one."""
    page_errors: tuple[str, ...] = ()
    failed_requests: tuple[str, ...] = ()
    screenshot_size: tuple[float, float] | None = None
    """Width and height of the screenshot in CSS px: page coordinates map onto it one to one."""
    automation_probed: tuple[str, ...] = ()
    """What the page read to find out whether a robot drives the browser (navigator.webdriver)."""

    @property
    def judged(self) -> bool:
        """An error page is not the page the journey meant to check: its controls are not judged (unless the
        scenario allows that status, in which case no `http-error` gap was recorded)."""
        return not any(gap.reason == "http-error" for gap in self.gaps)


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
    file_hash: str = ""
    """SHA-256 of the scenario file as it was run."""
    error_screenshot: str | None = None
    """The page at the moment a step failed."""
    trace: str | None = None
    """A Playwright trace of the scenario (`--trace`), for `playwright show-trace`."""
    thresholds: Thresholds = field(default_factory=Thresholds)
    lexicon: dict[str, list[str]] = field(default_factory=dict)
    """The scenario's own words per purpose: with `thresholds`, what rescoring needs to judge again."""

    @property
    def complete(self) -> bool:
        """The journey reached its last step: what it never reached cannot count against the page."""
        return self.status != Status.ERROR


@dataclass
class RunResult:
    id: str
    started_at: str
    base_url: str
    finished_at: str = ""
    status: Status = Status.RUNNING
    scenarios: list[ScenarioResult] = field(default_factory=list)
    crawler_version: str = ""
    browser: str = ""
    """Browser name and version, as the browser reports them."""
    host: str = ""
    shard: str = ""
    options: dict[str, Any] = field(default_factory=dict)
    stopped_by: str = ""
    """What ended an interrupted run: SIGTERM, SIGINT or max-duration."""
    digest: str = ""
    """SHA-256 over the run's stored observations and screenshots: `crawler verify` checks it."""
