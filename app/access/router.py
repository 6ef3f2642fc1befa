"""An issue's audience: read it, restrict the issue, share it with an agency or withdraw the share."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response, status

from app.access import service
from app.access.schemas import AccessUpdate, IssueAccess, ShareCreate, SharePublic
from app.audit import service as audit
from app.auth.deps import require
from app.auth.models import Scope
from app.auth.service import Principal, sees_every_agency
from app.db import SessionDep
from app.deps import Id, NowDep
from app.errors import Forbidden, NotFound, UnprocessableEntity
from app.issues import service as issues
from app.issues import state
from app.issues.models import Issue
from app.issues.router import ExistingIssue, locked
from app.openapi import problems
from app.reference.models import Agency

router = APIRouter(prefix="/v1/issues", tags=["issues"])

Reader = Annotated[Principal, Depends(require(Scope.issues_read))]
Triage = Annotated[Principal, Depends(require(Scope.issues_write))]


def _access(session: SessionDep, issue: Issue) -> IssueAccess:
    assert issue.id is not None
    return IssueAccess(
        issue_id=issue.id,
        restricted=issue.restricted,
        assigned_agency=issue.assigned_agency,
        shared_with=[
            SharePublic(
                agency=s.agency_code, reason=s.reason, granted_by=s.granted_by, granted_at=s.granted_at
            )
            for s in service.shares(session, issue.id)
        ],
        rule=service.describe(issue),
    )


def _managed(issue: Issue, principal: Principal) -> None:
    if not service.may_manage(principal, issue):
        raise Forbidden(
            "Only the provincial Diskominfo changes who sees a restricted issue.", code="PROVINCE_ONLY"
        )


@router.get("/{issue_id}/access", responses=problems(404))
def get_access(issue: ExistingIssue, session: SessionDep, _reader: Reader) -> IssueAccess:
    """Who sees the issue: whether it is restricted, the assigned agency and the agencies it is shared with.

    The provincial Diskominfo sees every issue. An unrestricted issue is also seen by the kabupaten/kota
    Diskominfo of its regions (and of province-wide issues) and by agencies with response-plan tasks for it.
    A restricted one (e.g. allegations against officials) only by the assigned agency and those shared with.
    Everyone else gets 404 for it, everywhere.
    """
    return _access(session, issue)


@router.patch("/{issue_id}/access", responses=problems(403, 404, 422))
def update_access(
    issue_id: Id, body: AccessUpdate, session: SessionDep, principal: Triage, now: NowDep
) -> IssueAccess:
    """Restrict the issue, or lift the restriction (the provincial Diskominfo only), with a reason.

    Mentions that later join a restricted issue, and issues split from or merged with it, stay restricted.
    """
    issue = locked(session, issue_id, principal)
    if not sees_every_agency(principal):
        raise Forbidden("Only the provincial Diskominfo restricts issues.", code="PROVINCE_ONLY")
    if issue.restricted != body.restricted:
        old = issue.restricted
        issue.restricted = body.restricted
        issues.touch(issue, now)
        cause = {"by": principal.name, "client_id": principal.client_id, "reason": body.reason}
        state.history(
            session, issue, "restricted", str(old).lower(), str(body.restricted).lower(), cause, now
        )
        audit.record(
            session,
            principal,
            "issue.restricted" if body.restricted else "issue.unrestricted",
            target_type="issue",
            target_id=issue_id,
            detail={"reason": body.reason},
        )
    session.flush()
    return _access(session, issue)


@router.post("/{issue_id}/shares", status_code=status.HTTP_201_CREATED, responses=problems(403, 404, 422))
def share_issue(
    issue_id: Id, body: ShareCreate, session: SessionDep, principal: Triage, response: Response, now: NowDep
) -> IssueAccess:
    """Share the issue with an agency that would not see it otherwise (idempotent).

    Any client that sees an unrestricted issue may share it; a restricted issue only the province shares.
    """
    issue = locked(session, issue_id, principal)
    _managed(issue, principal)
    if session.get(Agency, body.agency) is None:
        raise UnprocessableEntity(
            f"Unknown agency '{body.agency}'; see GET /v1/agencies.",
            code="UNKNOWN_AGENCY",
            errors=[{"loc": ["body", "agency"], "msg": "unknown agency code", "type": "unknown_agency"}],
        )
    if service.share(session, issue, body.agency, body.reason, principal):
        cause = {"by": principal.name, "client_id": principal.client_id, "reason": body.reason}
        state.history(session, issue, "shared_with", None, body.agency, cause, now)
        audit.record(
            session,
            principal,
            "issue.shared",
            target_type="issue",
            target_id=issue_id,
            detail={"agency": body.agency, "reason": body.reason},
        )
    response.headers["Location"] = f"/v1/issues/{issue_id}/access"
    return _access(session, issue)


@router.delete(
    "/{issue_id}/shares/{agency}", status_code=status.HTTP_204_NO_CONTENT, responses=problems(403, 404)
)
def unshare_issue(
    issue_id: Id,
    agency: Annotated[str, Path(max_length=64)],
    session: SessionDep,
    principal: Triage,
    now: NowDep,
) -> Response:
    """Withdraw a share. `404 SHARE_NOT_FOUND` when the issue was not shared with that agency."""
    issue = locked(session, issue_id, principal)
    _managed(issue, principal)
    if not service.unshare(session, issue, agency):
        raise NotFound(f"Issue {issue_id} is not shared with '{agency}'.", code="SHARE_NOT_FOUND")
    cause = {"by": principal.name, "client_id": principal.client_id}
    state.history(session, issue, "shared_with", agency, None, cause, now)
    audit.record(
        session,
        principal,
        "issue.unshared",
        target_type="issue",
        target_id=issue_id,
        detail={"agency": agency},
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)
