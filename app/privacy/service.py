"""Personal-data duties: export what is held about an author, erase them, pseudonymise after retention.

Mentions are found by their ``author`` (the exact string, case-insensitive; after the retention job, by the
author's pseudonym too); their copies by :mod:`app.privacy.copies`, in every table. The audit trail records
these requests with a keyed digest of the author, never the name.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Table, func, select, update
from sqlmodel import Session, col

from app.audit.service import record
from app.auth.service import Principal
from app.classification import service as classification
from app.classification.models import MentionLabel
from app.classification.views import LabelPublic
from app.issues import service as issues
from app.mentions.models import Mention
from app.mentions.schemas import MentionPublic
from app.mentions.service import regions_of
from app.privacy import copies
from app.privacy.matching import (
    PSEUDONYM_PREFIX,
    Rule,
    digest,
    erasure_rule,
    like_escape,
    normalise,
    pseudonym,
    pseudonymisation_rule,
)
from app.privacy.schemas import (
    ErasureReport,
    MentionLabels,
    PersonalDataExport,
    PseudonymisationReport,
)

AUDIT_TARGET = "personal_data"
BATCH = 500  # mentions pseudonymised per round; each round scans the copies once


def _authored_by(author: str, secret: str) -> ColumnElement[bool]:
    names = {author.strip().lower(), pseudonym(secret, author)}
    return func.lower(func.trim(col(Mention.author))).in_(sorted(names))


def _their_mentions(session: Session, author: str, secret: str) -> list[Mention]:
    wanted = {normalise(author), pseudonym(secret, author)}
    found = session.scalars(
        select(Mention)
        .where(_authored_by(author, secret))
        .order_by(col(Mention.published_at).desc(), col(Mention.id).desc())
    )
    return [m for m in found if m.author is not None and normalise(m.author) in wanted]


def export(session: Session, *, principal: Principal, author: str, secret: str) -> PersonalDataExport:
    """Their mentions (with verdicts and corrections), where else they are named, and how many copies."""
    mentions = _their_mentions(session, author, secret)
    ids = [m.id for m in mentions if m.id is not None]
    regions = regions_of(session, ids)
    views = classification.stored_views(session, ids)
    links = issues.placements(session, ids)
    labels: dict[int, list[LabelPublic]] = {}
    if ids:
        for label in session.scalars(
            select(MentionLabel).where(col(MentionLabel.mention_id).in_(ids)).order_by(col(MentionLabel.id))
        ):
            labels.setdefault(label.mention_id, []).append(
                LabelPublic.model_validate(label, from_attributes=True)
            )
    rule = erasure_rule(author, secret)
    result = PersonalDataExport(
        author=author,
        mentions=[
            MentionPublic.of(m, regions.get(m.id or 0, []), views.get(m.id or 0), links.get(m.id or 0))
            for m in mentions
        ],
        labels=[MentionLabels(mention_id=i, labels=labels[i]) for i in ids if i in labels],
        quoted_in=_quoted_in(session, rule, exclude=set(ids)),
        copies=copies.scrub(session, rule, write=False),
    )
    record(
        session,
        principal,
        "personal_data.exported",
        target_type=AUDIT_TARGET,
        target_id=0,
        detail={"author_digest": digest(secret, author), "mentions": len(ids)},
    )
    return result


def _quoted_in(session: Session, rule: Rule, *, exclude: set[int]) -> list[int]:
    table: Table = Mention.__table__  # type: ignore[attr-defined]
    found = []
    for row in session.execute(copies.matching_rows(table, rule)).mappings():
        if row["id"] in exclude:
            continue
        if any(
            row[name] is not None and rule.text(row[name]) != row[name]
            for name in ("title", "text", "url", "source_name")
        ):
            found.append(row["id"])
    return sorted(found, reverse=True)


def erase(session: Session, *, principal: Principal, author: str, secret: str) -> ErasureReport:
    """Remove the author everywhere; a second erasure finds nothing and changes nothing."""
    changed = copies.scrub(session, erasure_rule(author, secret))
    author_digest = digest(secret, author)
    record(
        session,
        principal,
        "personal_data.erased",
        target_type=AUDIT_TARGET,
        target_id=0,
        detail={"author_digest": author_digest, "rows_changed": changed},
    )
    return ErasureReport(author_digest=author_digest, rows_changed=changed, total=sum(changed.values()))


def pseudonymise(
    session: Session, *, secret: str, now: datetime, retention_days: int, dry_run: bool = False
) -> PseudonymisationReport:
    """Replace the authors of mentions received more than ``retention_days`` ago by their pseudonyms, in the
    mentions and in every copy. Mentions already pseudonymised are skipped, so a second run changes nothing.

    The mentions' own rows (verdicts, labels, issue links) follow each mention's age; copies elsewhere
    (issue titles, sources, stored answers, events, webhook bodies) are pseudonymised wherever they are.
    """
    cutoff = now - timedelta(days=retention_days)
    due = (
        (col(Mention.received_at) < cutoff)
        & col(Mention.author).is_not(None)
        & ~col(Mention.author).like(like_escape(PSEUDONYM_PREFIX) + "%", escape="\\")
    )
    authors: set[str] = set()
    mentions = 0
    changed: dict[str, int] = {}
    nested = session.begin_nested()
    try:
        while batch := session.execute(
            select(col(Mention.id), col(Mention.author)).where(due).order_by(col(Mention.id)).limit(BATCH)
        ).all():
            ids = [mention_id for mention_id, _ in batch]
            names = [author for _, author in batch if author and normalise(author)]
            _replace_authors(session, batch, secret)
            rule = pseudonymisation_rule(names, secret)
            for table, count in copies.scrub(session, rule, restrict=_own_rows(ids)).items():
                if table != "mention":  # every mention of the batch is already counted once
                    changed[table] = changed.get(table, 0) + count
            authors.update(normalise(n) for n in names)
            mentions += len(ids)
    except BaseException:
        nested.rollback()
        raise
    if mentions:
        changed["mention"] = mentions
    report = PseudonymisationReport(
        cutoff=cutoff, dry_run=dry_run, authors=len(authors), mentions=mentions, rows_changed=changed
    )
    if dry_run:
        nested.rollback()
        return report
    nested.commit()
    if report.changed_anything:
        record(
            session,
            None,
            "personal_data.pseudonymised",
            target_type=AUDIT_TARGET,
            target_id=0,
            detail={"cutoff": cutoff.isoformat(), "authors": len(authors), "rows_changed": changed},
        )
    return report


def _replace_authors(session: Session, batch: Sequence[Any], secret: str) -> None:
    by_value: dict[str | None, list[int]] = {}
    for mention_id, author in batch:
        value = pseudonym(secret, author) if normalise(author) else None
        by_value.setdefault(value, []).append(mention_id)
    for value, ids in by_value.items():
        table: Table = Mention.__table__  # type: ignore[attr-defined]
        session.execute(update(table).where(table.c.id.in_(ids)).values(author=value))


def _own_rows(ids: list[int]) -> copies.Restriction:
    """The batch's mentions and the rows that belong to them; every other table in full."""

    def restrict(table: Table) -> ColumnElement[bool] | None:
        if table.name == Mention.__tablename__:
            return table.c.id.in_(ids)
        if "mention_id" in table.c:
            return table.c.mention_id.in_(ids)
        return None

    return restrict
