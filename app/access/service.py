"""Who sees which issue — one rule, written once as SQL, used by every list, detail, export, feed and webhook.

- The provincial Diskominfo (and administrators) see everything.
- The agencies *named* on an issue see it: the assigned agency and those it is shared with (`issue_share`).
- Unless the issue is `restricted`, also: a kabupaten/kota client sees the issues of its region and the
  province-wide ones (region `64`), and any agency sees the issues it has response-plan tasks for.
- A mention is seen with its issue; unless that issue is restricted, also by the agency that sent it and
  by the kabupaten/kota it is about.

What a client may not see does not exist for it: callers answer 404, exactly as for a missing id.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, exists, not_, or_
from sqlmodel import Session, col, select

from app.access.models import IssueShare
from app.auth.models import ApiClient
from app.auth.service import Principal, sees_every_agency
from app.db_types import json_array_contains
from app.issues.models import Issue, IssueMention
from app.mentions.models import Mention, MentionRegion
from app.plans.models import PlanTask, ResponsePlan
from app.reference.catalog import PROVINCE_CODE


def issue_clause(viewer: Principal) -> Any | None:
    """A WHERE clause on `issue` selecting what ``viewer`` sees; None when it sees everything."""
    if sees_every_agency(viewer):
        return None
    agency = viewer.agency_code
    shared = select(IssueShare.issue_id).where(col(IssueShare.agency_code) == agency)
    named = or_(col(Issue.assigned_agency) == agency, col(Issue.id).in_(shared))
    with_tasks = (
        select(ResponsePlan.issue_id)
        .join(PlanTask, col(PlanTask.plan_id) == col(ResponsePlan.id))
        .where(col(PlanTask.agency) == agency)
    )
    broad: list[Any] = [col(Issue.id).in_(with_tasks)]
    if viewer.region_code is not None:
        broad.append(json_array_contains(Issue.region_codes, viewer.region_code))
        broad.append(json_array_contains(Issue.region_codes, PROVINCE_CODE))
    return or_(named, and_(not_(col(Issue.restricted)), or_(*broad)))


def mention_clause(viewer: Principal) -> Any | None:
    """A WHERE clause on `mention` selecting what ``viewer`` sees; None when it sees everything."""
    issue_seen = issue_clause(viewer)
    if issue_seen is None:
        return None

    def its_issue(*where: Any) -> Any:
        return exists(
            select(IssueMention.mention_id)
            .join(Issue, col(Issue.id) == col(IssueMention.issue_id))
            .where(col(IssueMention.mention_id) == col(Mention.id), *where)
        )

    in_seen_issue = its_issue(issue_seen)
    in_restricted_issue = its_issue(col(Issue.restricted))
    own_clients = select(ApiClient.id).where(col(ApiClient.agency_code) == viewer.agency_code)
    broad: list[Any] = [col(Mention.source_client_id).in_(own_clients)]
    if viewer.region_code is not None:
        broad.append(
            exists(
                select(MentionRegion.mention_id).where(
                    col(MentionRegion.mention_id) == col(Mention.id),
                    col(MentionRegion.region_code).in_([viewer.region_code, PROVINCE_CODE]),
                    col(MentionRegion.detected).is_(False),  # by the sender's hints; issues go by the text
                )
            )
        )
    return or_(in_seen_issue, and_(not_(in_restricted_issue), or_(*broad)))


def sees_issue(session: Session, viewer: Principal, issue_id: int) -> bool:
    clause = issue_clause(viewer)
    if clause is None:
        return True
    return session.exec(select(Issue.id).where(col(Issue.id) == issue_id, clause)).first() is not None


def seen_issue_ids(session: Session, viewer: Principal, issue_ids: list[int]) -> set[int]:
    """The subset of ``issue_ids`` that ``viewer`` sees."""
    clause = issue_clause(viewer)
    if clause is None:
        return set(issue_ids)
    if not issue_ids:
        return set()
    found = session.exec(select(Issue.id).where(col(Issue.id).in_(issue_ids), clause)).all()
    return {i for i in found if i is not None}


def sees_mention(session: Session, viewer: Principal, mention_id: int) -> bool:
    clause = mention_clause(viewer)
    if clause is None:
        return True
    query = select(Mention.id).where(col(Mention.id) == mention_id, clause)
    return session.exec(query).first() is not None


def seen_mention_ids(session: Session, viewer: Principal, mention_ids: list[int]) -> set[int]:
    """The subset of ``mention_ids`` that ``viewer`` sees."""
    clause = mention_clause(viewer)
    if clause is None or not mention_ids:
        return set(mention_ids)
    found = session.exec(select(Mention.id).where(col(Mention.id).in_(mention_ids), clause)).all()
    return {i for i in found if i is not None}


def shares(session: Session, issue_id: int) -> list[IssueShare]:
    query = (
        select(IssueShare).where(col(IssueShare.issue_id) == issue_id).order_by(col(IssueShare.agency_code))
    )
    return list(session.exec(query).all())


def carry_over(session: Session, source: Issue, target: Issue) -> None:
    """Mentions moving from ``source`` to ``target`` (merge, split) keep their audience: a restricted source
    makes the target restricted, and whoever was named on the source is named on the target.

    Widening in the other direction is never automatic: an officer lifts a restriction explicitly.
    """
    assert target.id is not None and source.id is not None
    named = {s.agency_code: s for s in shares(session, source.id)}
    if not source.restricted and not named:
        return
    target.restricted = target.restricted or source.restricted
    present = {s.agency_code for s in shares(session, target.id)}
    carried = [(code, share.reason) for code, share in named.items()]
    if source.restricted and source.assigned_agency:
        carried.append((source.assigned_agency, f"assigned to issue {source.id}"))
    for code, reason in carried:
        if code in present or code == target.assigned_agency:
            continue
        present.add(code)
        session.add(
            IssueShare(
                issue_id=target.id,
                agency_code=code,
                reason=f"{reason} (carried over from issue {source.id})"[:2000],
                granted_by="sigap",
                granted_by_client_id=None,
            )
        )


def only_seen(issue_id_column: Any, viewer: Principal) -> list[Any]:
    """WHERE clauses keeping the rows of an issue (by ``issue_id_column``) to the issues ``viewer`` sees:
    none for those who see everything. Spread into ``.where(*...)``."""
    clause = issue_clause(viewer)
    if clause is None:
        return []
    if issue_id_column is Issue.id or issue_id_column is col(Issue.id):
        return [clause]
    return [col(issue_id_column).in_(select(Issue.id).where(clause))]


# --- changing who sees an issue ---------------------------------------------------------------------------


def may_manage(viewer: Principal, issue: Issue) -> bool:
    """The province manages every issue's audience; others may widen an unrestricted issue they see (share
    it with a neighbouring kabupaten, say), never a restricted one."""
    return sees_every_agency(viewer) or not issue.restricted


def describe(issue: Issue) -> str:
    if issue.restricted:
        return "restricted: the province, the assigned agency and the agencies shared with"
    return (
        "the province, the assigned agency, the agencies shared with, agencies with tasks for it and the "
        "kabupaten/kota Diskominfo of its regions"
    )


def share(session: Session, issue: Issue, agency: str, reason: str, by: Principal) -> bool:
    """Share; False when it was shared already (sharing again keeps the first grant)."""
    assert issue.id is not None
    if session.get(IssueShare, (issue.id, agency)) is not None:
        return False
    granted = IssueShare(
        issue_id=issue.id,
        agency_code=agency,
        reason=reason,
        granted_by=by.name,
        granted_by_client_id=by.client_id,
    )
    session.add(granted)
    session.flush()
    return True


def unshare(session: Session, issue: Issue, agency: str) -> bool:
    """Withdraw a share; False when there was none."""
    assert issue.id is not None
    found = session.get(IssueShare, (issue.id, agency))
    if found is None:
        return False
    session.delete(found)
    session.flush()
    return True
