"""What the API shows and accepts about response plans, tasks and statements."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from app.clock import AwareInstant, WitaDateTime
from app.contract import Trimmed, any_of, exactly_one_of, present, requires
from app.issues.schemas import Labels, LevelName, Reason, Title
from app.plans.drafting import StatementKind
from app.plans.lifecycle import PlanStatus, StatementStatus, TaskStatus
from app.plans.recommend import Cluster, Phase, Strategy
from app.plans.sla import Deadline
from app.reference.catalog import KNOWN_AGENCY

LongText = Annotated[str, Trimmed(1, 20_000)]
Notes = Annotated[str, Trimmed(0, 4000)]
Note = Annotated[str, Trimmed(0, 2000)]
AgencyCode = Annotated[str, StringConstraints(min_length=1, max_length=64), KNOWN_AGENCY]

PHASE_LABELS: dict[Phase, dict[str, str]] = {
    Phase.kenali: {"id": "Kenali", "en": "Recognise"},
    Phase.respon: {"id": "Respon", "en": "Respond"},
    Phase.penyesalan: {"id": "Penyesalan", "en": "Express regret"},
    Phase.perbaiki: {"id": "Perbaiki", "en": "Correct"},
}
STATEMENT_KIND_LABELS: dict[StatementKind, dict[str, str]] = {
    StatementKind.holding_statement: {"id": "Pernyataan sementara", "en": "Holding statement"},
    StatementKind.press_release: {"id": "Siaran pers", "en": "Press release"},
    StatementKind.clarification: {"id": "Klarifikasi", "en": "Clarification"},
    StatementKind.apology: {"id": "Permohonan maaf", "en": "Apology"},
    StatementKind.instruction: {"id": "Imbauan keselamatan", "en": "Public-safety instruction"},
}


class ReasonPublic(BaseModel):
    code: str = Field(description="Stable name of the rule that applied.")
    id: str = Field(description="Bahasa Indonesia.")
    en: str


class Links(BaseModel):
    model_config = ConfigDict(extra="allow")

    self: str


class TaskPublic(BaseModel):
    id: int
    plan_id: int
    phase: Phase
    template: str | None = Field(description="The default task it came from, e.g. `respon.instruct_public`.")
    title: str
    title_en: str | None = Field(description="The template's English title; null once the title was edited.")
    notes: str
    agency: str = Field(description="Code of the agency that owns the task.")
    due_at: WitaDateTime
    due_rule: str | None = Field(description="The SLA deadline the due time follows, e.g. `first_response`.")
    status: TaskStatus
    blocked_reason: str | None
    overdue: bool = Field(description="Not done and past its deadline.")
    started_at: WitaDateTime | None
    done_at: WitaDateTime | None
    created_at: WitaDateTime
    updated_at: WitaDateTime
    version: int
    links: Links


class TaskPage(BaseModel):
    items: list[TaskPublic]
    next_cursor: str | None


class PhasePublic(BaseModel):
    name: Phase
    label: Labels
    skipped: bool
    skip_reason: ReasonPublic | None
    tasks: list[TaskPublic]


class SlaPublic(BaseModel):
    level: LevelName
    started_at: WitaDateTime = Field(description="When the clock started: the plan was drafted.")
    first_response_due_at: WitaDateTime | None = Field(
        description="The first public word (holding statement or instruction) is due; null at Normal."
    )
    approval_due_at: WitaDateTime | None = Field(description="The plan must be approved by then.")
    spans: dict[str, str | None] = Field(
        description="The level's SLA: `1h` clock hours, `1wd` working days (WITA, holidays skipped)."
    )


class PlanPublic(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "id": 12,
                "issue_id": 41,
                "status": "draft",
                "crisis_cluster": "victim",
                "cluster_set_by": "machine",
                "strategy": ["instructing_information"],
                "rationale": [
                    {
                        "code": "cluster_victim",
                        "id": "Peristiwa di luar kendali pemerintah (banjir): klaster korban (victim).",
                        "en": "An event outside the government's control (banjir): victim cluster.",
                    }
                ],
            }
        }
    )

    id: int
    issue_id: int
    status: PlanStatus
    level: LevelName
    level_label: Labels
    crisis_cluster: Cluster | None = Field(description="SCCT cluster; null for good news (no crisis).")
    cluster_set_by: str
    strategy: list[Strategy] = Field(description="In the order they are used.")
    rationale: list[ReasonPublic]
    phases: list[PhasePublic]
    sla: SlaPublic
    needs_attention: bool = Field(description="A task went overdue and was announced (`task.overdue`).")
    overdue_tasks: int
    allowed_actions: list[str] = Field(description="What can be done to the plan now.")
    created_by: str
    submitted_at: WitaDateTime | None
    approved_by: str | None
    approved_at: WitaDateTime | None
    rejection_reason: str | None
    activated_at: WitaDateTime | None
    completed_at: WitaDateTime | None
    cancelled_at: WitaDateTime | None
    cancel_reason: str | None
    created_at: WitaDateTime
    updated_at: WitaDateTime
    version: int
    links: Links


class PlanList(BaseModel):
    items: list[PlanPublic]


class PlanCreate(BaseModel):
    """Empty for Sigap's recommendation; or an officer's cluster (with a reason) and/or strategy."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{}, {"crisis_cluster": "preventable", "cluster_reason": "..."}],
            **requires(present("cluster_reason"), when="crisis_cluster"),
        },
    )

    crisis_cluster: Cluster | None = None
    cluster_reason: Reason | None = Field(default=None, description="Required with `crisis_cluster`.")
    strategy: list[Strategy] | None = Field(default=None, min_length=1, max_length=5)

    @model_validator(mode="after")
    def _reason_with_cluster(self) -> PlanCreate:
        if self.crisis_cluster is not None and self.cluster_reason is None:
            raise ValueError("cluster_reason is required when you set crisis_cluster")
        return self


class PlanUpdate(PlanCreate):
    """Change the cluster and/or strategy of a draft. Template tasks nobody edited follow the new choice."""


class ReasonBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Reason


class NoteBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: Note | None = None


class CompleteBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lessons_learned: Annotated[str, Trimmed(10, 20_000)] = Field(
        description="What went well, what did not, and what to do differently next time."
    )


class TaskCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra=exactly_one_of(present("due_at"), present("due_rule")),
    )

    phase: Phase
    title: Title
    agency: AgencyCode
    notes: Notes = ""
    due_at: AwareInstant | None = Field(default=None, description="Or leave it out and give `due_rule`.")
    due_rule: Deadline | None = Field(default=None, description="An SLA deadline of the plan's level.")

    @model_validator(mode="after")
    def _one_deadline(self) -> TaskCreate:
        if (self.due_at is None) == (self.due_rule is None):
            raise ValueError("give exactly one of due_at and due_rule")
        return self


class TaskUpdate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra=any_of(
            {
                "properties": {
                    "status": {"enum": [s.value for s in TaskStatus if s is not TaskStatus.blocked] + [None]}
                }
            },
            present("blocked_reason"),
        ),
    )

    title: Title | None = None
    notes: Notes | None = None
    agency: AgencyCode | None = None
    due_at: AwareInstant | None = None
    status: TaskStatus | None = None
    blocked_reason: Reason | None = Field(default=None, description="Required when status is `blocked`.")

    @model_validator(mode="after")
    def _reason_when_blocked(self) -> TaskUpdate:
        if self.status is TaskStatus.blocked and not self.blocked_reason:
            raise ValueError("blocked_reason is required when status is blocked")
        return self


class StatementCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"kind": "holding_statement"}]},
    )

    kind: StatementKind
    text: LongText | None = Field(default=None, description="Leave it out to get a draft from the templates.")


class StatementUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: LongText


class StatementPublic(BaseModel):
    id: int
    plan_id: int
    issue_id: int
    kind: StatementKind
    kind_label: Labels
    number: int = Field(description="Version number within the issue and kind.")
    text: str
    generated: bool
    status: StatementStatus
    current: bool = Field(description="The approved version: the single narrative (narasi tunggal).")
    allowed_actions: list[str]
    created_by: str
    submitted_at: WitaDateTime | None
    approved_by: str | None
    approved_at: WitaDateTime | None
    rejection_reason: str | None
    superseded_at: WitaDateTime | None
    created_at: WitaDateTime
    updated_at: WitaDateTime
    version: int
    links: Links


class StatementList(BaseModel):
    items: list[StatementPublic]


class FirstResponse(BaseModel):
    due_at: WitaDateTime | None = Field(description="The SLA's deadline for the first public word.")
    at: WitaDateTime | None = Field(description="When the first statement of the plan was approved.")
    minutes_after_start: float | None
    within_sla: bool | None = Field(description="Null when the level sets no first-response deadline.")


class TaskOutcomes(BaseModel):
    total: int
    done: int
    on_time: int = Field(description="Done by their deadline.")
    late: int = Field(description="Done after the deadline, or still open past it at completion.")
    not_done: int


class MentionWindow(BaseModel):
    start: WitaDateTime
    end: WitaDateTime
    mentions: int
    negative: int
    neutral: int
    positive: int
    negative_share: float | None
    positive_share: float | None


class WindowChange(BaseModel):
    mentions: int = Field(description="After minus before.")
    negative_share: float | None
    positive_share: float | None


class Evaluation(BaseModel):
    """Did trust come back? Recorded when the plan completed."""

    plan_id: int
    completed_at: WitaDateTime
    first_response: FirstResponse
    tasks: TaskOutcomes
    before: MentionWindow = Field(description="The issue's mentions in the window just before the plan.")
    after: MentionWindow = Field(description="The same length of time from the plan's start.")
    change: WindowChange
    lessons_learned: str
