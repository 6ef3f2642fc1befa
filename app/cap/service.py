"""An issue as CAP 1.2 messages, and the feed of current Siaga and Awas issues.

An issue's CAP messages follow its history: the first is an ``Alert`` (when the issue was recognised), each
later change of crisis level is an ``Update`` referencing the messages before it, and resolving or archiving
the issue sends a ``Cancel``. ``GET /v1/issues/{id}/cap`` is the latest message; identifiers and times are
stable, so an early-warning system that polls sees a new identifier exactly when something changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from app.access import service as access
from app.auth.service import Principal
from app.cap.render import Alert, Area, FeedEntry, InfoBlock, Reference
from app.classification.taxonomy import LEVEL_LABELS, TOPICS, Level, Topic
from app.issues.models import Issue, IssueHistory, Status
from app.plans.models import Statement
from app.reference.models import Region

CLOSED = (Status.resolved, Status.archived)
MAX_REFERENCES = 20
_SEVERITY = {Level.awas: "Extreme", Level.siaga: "Severe", Level.waspada: "Moderate", Level.normal: "Minor"}


@dataclass(frozen=True, slots=True)
class Sender:
    address: str
    name: str
    base_url: str


@dataclass(frozen=True, slots=True)
class Message:
    msg_type: str
    identifier: str
    sent: datetime


def messages(issue: Issue, history: Sequence[IssueHistory]) -> list[Message]:
    """The issue's CAP message sequence, oldest first."""
    out: list[Message] = []
    created = next((h.at for h in history if h.field == "level" and h.old is None), issue.first_seen_at)
    out.append(Message("Alert", _identifier(issue, 1), created))
    for row in history:
        if row.field == "level" and row.old is not None and row.old != row.new:
            out.append(Message("Update", _identifier(issue, len(out) + 1), row.at))
    closing = [h for h in history if h.field == "status" and h.new in CLOSED]
    if issue.status in CLOSED and closing:
        out.append(Message("Cancel", _identifier(issue, len(out) + 1), closing[-1].at))
    # CAP times have whole seconds; references compare them.
    return [Message(m.msg_type, m.identifier, m.sent.replace(microsecond=0)) for m in out]


def _identifier(issue: Issue, number: int) -> str:
    return f"urn:sigap:kaltimprov:issue:{issue.id}:{number}"


def latest_alert(session: Session, issue: Issue, sender: Sender) -> Alert:
    history = session.exec(
        select(IssueHistory)
        .where(col(IssueHistory.issue_id) == issue.id, col(IssueHistory.field).in_(("level", "status")))
        .order_by(col(IssueHistory.at), col(IssueHistory.id))
    ).all()
    sequence = messages(issue, history)
    last = sequence[-1]
    earlier = sequence[:-1][-MAX_REFERENCES:]
    return alert(
        session, issue, sender, last, [Reference(sender.address, m.identifier, m.sent) for m in earlier]
    )


def alert(
    session: Session, issue: Issue, sender: Sender, message: Message, references: list[Reference]
) -> Alert:
    level = Level(issue.level)
    cap = issue.machine.get("cap", {})
    topic = TOPICS[Topic(issue.topic)]
    regions = session.exec(select(Region).where(col(Region.code).in_(issue.region_codes))).all()
    by_code = {r.code: r for r in regions}
    areas = tuple(
        Area(code, f"{by_code[code].type.capitalize()} {by_code[code].name}")
        for code in issue.region_codes
        if code in by_code
    )
    place_id = ", ".join(a.name for a in areas) or "Kalimantan Timur"
    instruction = session.exec(
        select(Statement.text).where(
            col(Statement.issue_id) == issue.id,
            col(Statement.kind) == "instruction",
            col(Statement.status) == "approved",
        )
    ).first()
    link = f"{sender.base_url}/v1/issues/{issue.id}"
    label = LEVEL_LABELS[level]
    cancelled = message.msg_type == "Cancel"
    infos = (
        InfoBlock(
            language="id-ID",
            event=topic.name_id,
            headline=f"[{label['id']}] {issue.title}"[:160],
            description=("Isu telah ditutup oleh Pemerintah Provinsi. " if cancelled else "")
            + (issue.summary or issue.title)
            + f" Wilayah: {place_id}.",
            instruction=None if cancelled else instruction,
            web=link,
            contact="Diskominfo Provinsi Kalimantan Timur / Call Center 112",
        ),
        InfoBlock(
            language="en-US",
            event=topic.name_en,
            headline=f"[{label['en']}] {topic.name_en} in {place_id}"[:160],
            description=("The provincial government has closed this issue. " if cancelled else "")
            + f"{topic.name_en} issue at level {label['en']} ({label['id']}) in {place_id}: {issue.title}",
            instruction=None,
            web=link,
            contact="Diskominfo Provinsi Kalimantan Timur / Call Center 112",
        ),
    )
    return Alert(
        identifier=message.identifier,
        sender=sender.address,
        sender_name=sender.name,
        sent=message.sent,
        msg_type=message.msg_type,
        category=cap.get("category", "Other"),
        urgency="Past" if cancelled else cap.get("urgency", "Unknown"),
        severity=_SEVERITY[level],
        certainty=cap.get("certainty", "Unknown"),
        infos=infos,
        areas=areas,
        references=tuple(references),
        event_code=("SIGAP_TOPIC", issue.topic),
    )


def feed_issues(session: Session, limit: int, viewer: Principal) -> list[Issue]:
    """Open issues at Siaga or Awas that ``viewer`` sees, most recently active first."""
    query = select(Issue).where(col(Issue.is_open).is_(True), col(Issue.level_rank) >= Level.siaga.rank)
    seen = access.issue_clause(viewer)
    if seen is not None:
        query = query.where(seen)
    return list(
        session.exec(query.order_by(col(Issue.last_seen_at).desc(), col(Issue.id).desc()).limit(limit)).all()
    )


def feed_entry(session: Session, issue: Issue, sender: Sender) -> FeedEntry:
    current = latest_alert(session, issue, sender)
    return FeedEntry(
        alert=current,
        link=f"{sender.base_url}/v1/issues/{issue.id}/cap",
        title=current.infos[0].headline,
        updated=max(current.sent, issue.updated_at.replace(microsecond=0)),
        summary=current.infos[0].description[:500],
    )
