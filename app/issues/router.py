"""Issues: the triage queue, one issue with its mentions, timeline and history, officers' changes."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Query, Request, Response, status

from app.auth.deps import get_principal, require
from app.auth.models import Scope
from app.auth.service import Principal
from app.classification.taxonomy import Topic
from app.clock import AwareInstant, utcnow
from app.db import SessionDep
from app.deps import Id, SettingsDep
from app.errors import Conflict
from app.issues import service
from app.issues.models import HoaxStatus, Issue, Stage
from app.issues.schemas import (
    ClassificationOverride,
    HistoryPage,
    IssueMentionPage,
    IssuePage,
    IssuePublic,
    IssueUpdate,
    LevelName,
    MergeRequest,
    SplitRequest,
    Timeline,
)
from app.openapi import problems
from app.pagination import CursorCodec, PageSize, scope_of
from app.reference.catalog import RegionCode
from app.responses import model_response

router = APIRouter(prefix="/v1/issues", tags=["issues"])

Reader = Annotated[Principal, Depends(require(Scope.issues_read))]
Triage = Annotated[Principal, Depends(require(Scope.issues_write))]
IfMatch = Annotated[str | None, Header(description="The `ETag` of the issue as you read it.", max_length=200)]
_ETAG_HEADER = {
    "ETag": {"description": "Version of the issue; send it back in `If-Match`.", "schema": {"type": "string"}}
}


def valid_issue(
    issue_id: Id, session: SessionDep, viewer: Annotated[Principal, Depends(get_principal)]
) -> Issue:
    """The issue, when it exists and the caller may see it (the route declares the scope)."""
    return service.get_issue(session, issue_id, viewer=viewer)


def locked(session: SessionDep, issue_id: int, viewer: Principal) -> Issue:
    """The issue, row-locked for the rest of the request (PostgreSQL).

    Called inside the endpoint, never as a dependency: a dependency runs in one worker thread and the endpoint
    in another, so a request would hold the lock while waiting for a second thread, and a burst of requests
    on one issue could take every thread and wait for each other forever.
    """
    return service.get_issue(session, issue_id, for_update=True, viewer=viewer)


ExistingIssue = Annotated[Issue, Depends(valid_issue)]


def _limit(limit: int, maximum: int) -> int:
    return min(limit, maximum)


def _answer(response: Response, issue: Issue, *, status_code: int = 200) -> Response:
    response.headers["ETag"] = service.etag(issue)
    return model_response(service.public(issue), response, status_code=status_code)


@router.get("", responses=problems(400))
def list_issues(
    request: Request,
    response: Response,
    session: SessionDep,
    reader: Reader,
    settings: SettingsDep,
    level: LevelName | None = None,
    min_level: Annotated[LevelName | None, Query(description="This level or worse.")] = None,
    status_: Annotated[
        service.StatusFilter,
        Query(
            alias="status",
            description="`open` (default: new, triaged, monitoring, handling), `any`, or one status.",
        ),
    ] = "open",
    stage: Stage | None = None,
    include_dormant: Annotated[
        bool, Query(description="Also open issues without mentions for 72 h (stage `dormant`).")
    ] = False,
    topic: Topic | None = None,
    region: Annotated[
        RegionCode | None, Query(description="Kemendagri code, e.g. `64.72` (Samarinda).")
    ] = None,
    agency: Annotated[
        str | None, Query(max_length=64, description="Responsible or assigned agency code.")
    ] = None,
    since: Annotated[
        AwareInstant | None, Query(description="Active (last mention) at or after this instant.")
    ] = None,
    q: Annotated[
        str | None, Query(min_length=1, max_length=200, description="Words in title or summary.")
    ] = None,
    opportunity: bool | None = None,
    hoax_status: HoaxStatus | None = None,
    sort: Annotated[
        service.Sort,
        Query(description="`priority`: level, then urgency, then velocity. `last_seen`: newest first."),
    ] = "priority",
    limit: PageSize = 50,
    cursor: Annotated[
        str | None, Query(max_length=1000, description="`next_cursor` of the page before.")
    ] = None,
) -> IssuePage:
    """The triage queue: open issues, most pressing first.

    Without filters this is what an officer works through: every open issue with mentions in the last 72 h,
    by priority (crisis level, then urgency, then velocity). `include_dormant=true` or `stage=dormant` adds or
    shows the quiet ones; `status=any` includes resolved and archived issues. Items carry the aggregated
    classification without its signals; `GET /v1/issues/{id}` has them.
    Pages are linked by `next_cursor` and a `Link: rel="next"` header.
    """
    limit = _limit(limit, settings.page_max)
    filters = service.IssueFilter(
        level=level,
        min_level=min_level,
        status=status_,
        stage=stage.value if stage else None,
        topic=topic.value if topic else None,
        region=region,
        agency=agency,
        since=since,
        q=q,
        opportunity=opportunity,
        hoax_status=hoax_status.value if hoax_status else None,
        sort=sort,
        include_dormant=include_dormant,
    )
    codec: CursorCodec = request.app.state.cursor_codec
    scope = scope_of("issues", asdict(filters))
    after = codec.decode(scope, cursor) if cursor is not None else None
    now = utcnow()
    issues, next_position = service.search(
        session, filters=filters, limit=limit, after=after, now=now, viewer=reader
    )
    next_cursor = None
    if next_position is not None:
        next_cursor = codec.encode(scope, next_position)
        response.headers["Link"] = f'<{request.url.include_query_params(cursor=next_cursor)}>; rel="next"'
    return IssuePage(items=[service.list_item(issue, now) for issue in issues], next_cursor=next_cursor)


@router.get(
    "/{issue_id}", responses={**problems(404), 200: {"headers": _ETAG_HEADER}}, response_model=IssuePublic
)
def get_issue(issue: ExistingIssue, response: Response, _reader: Reader) -> Response:
    """Read one issue, with its aggregated classification, life-cycle stage and workflow status."""
    return _answer(response, issue)


@router.patch(
    "/{issue_id}",
    responses={**problems(404, 412, 422, 428), 200: {"headers": _ETAG_HEADER}},
    response_model=IssuePublic,
)
def update_issue(
    issue_id: Id,
    body: IssueUpdate,
    session: SessionDep,
    principal: Triage,
    response: Response,
    if_match: IfMatch = None,
) -> Response:
    """Edit title, summary, workflow status, assigned agency or hoax status.

    Needs `If-Match` with the `ETag` you read (`428` without it, `412` when the issue changed meanwhile).
    Each change is kept in the issue's history with who made it and the optional `reason`.
    """
    issue = locked(session, issue_id, principal)
    service.check_if_match(issue, if_match)
    service.update_issue(session, issue, body, principal, utcnow())
    session.flush()
    return _answer(response, issue)


@router.get("/{issue_id}/mentions", responses=problems(400, 404))
def list_issue_mentions(
    request: Request,
    response: Response,
    issue: ExistingIssue,
    session: SessionDep,
    _reader: Reader,
    settings: SettingsDep,
    limit: PageSize = 50,
    cursor: Annotated[str | None, Query(max_length=1000)] = None,
) -> IssueMentionPage:
    """The issue's mentions, newest first, each with why it was attached (score, shared terms, copy of)."""
    limit = _limit(limit, settings.page_max)
    codec: CursorCodec = request.app.state.cursor_codec
    scope = scope_of("issue-mentions", {"issue_id": issue.id})
    after = None
    if cursor is not None:
        published_at, mention_id = codec.decode(scope, cursor)
        after = (datetime.fromisoformat(published_at), int(mention_id))
    items, next_position = service.mentions_page(session, issue, limit=limit, after=after)
    next_cursor = None
    if next_position is not None:
        next_cursor = codec.encode(scope, [next_position[0].isoformat(), next_position[1]])
        response.headers["Link"] = f'<{request.url.include_query_params(cursor=next_cursor)}>; rel="next"'
    return IssueMentionPage(items=items, next_cursor=next_cursor)


@router.get("/{issue_id}/timeline", responses=problems(404))
def issue_timeline(
    issue: ExistingIssue,
    session: SessionDep,
    _reader: Reader,
    bucket: Annotated[
        Literal["hour", "day"], Query(description="`day` is the calendar day in WITA.")
    ] = "hour",
) -> Timeline:
    """Mentions, reach and sentiment per hour or per WITA day."""
    return Timeline(bucket=bucket, items=service.timeline(session, issue, bucket))


@router.get("/{issue_id}/history", responses=problems(404))
def issue_history(issue: ExistingIssue, session: SessionDep, _reader: Reader) -> HistoryPage:
    """Every change of level, stage and status, spikes, overrides, merges, splits and edits, with causes."""
    return HistoryPage(items=service.history(session, issue))


@router.post(
    "/{issue_id}/classification",
    responses={**problems(404, 412, 422), 200: {"headers": _ETAG_HEADER}},
    response_model=IssuePublic,
)
def override_classification(
    issue_id: Id,
    body: ClassificationOverride,
    session: SessionDep,
    principal: Triage,
    response: Response,
    if_match: IfMatch = None,
) -> Response:
    """Set the issue's level and/or impact dimensions as an officer, with a required reason.

    The officer's classification holds until cleared (`DELETE`); the machine verdict keeps updating beside
    it in `classification`. `If-Match` is optional here; when sent it must match.
    """
    issue = locked(session, issue_id, principal)
    if if_match is not None:
        service.check_if_match(issue, if_match)
    service.set_override(session, issue, body, principal, utcnow())
    session.flush()
    return _answer(response, issue)


@router.delete(
    "/{issue_id}/classification",
    responses={**problems(404), 200: {"headers": _ETAG_HEADER}},
    response_model=IssuePublic,
)
def clear_classification(
    issue_id: Id,
    session: SessionDep,
    principal: Triage,
    response: Response,
    reason: Annotated[str | None, Query(min_length=5, max_length=2000)] = None,
) -> Response:
    """Clear the officer's classification: the machine's level applies again."""
    issue = locked(session, issue_id, principal)
    service.clear_override(session, issue, principal, reason, utcnow())
    session.flush()
    return _answer(response, issue)


@router.post(
    "/{issue_id}/merge",
    responses={**problems(404, 409, 422), 200: {"headers": _ETAG_HEADER}},
    response_model=IssuePublic,
)
def merge_issues(
    issue_id: Id, body: MergeRequest, session: SessionDep, principal: Triage, response: Response
) -> Response:
    """Fold other issues (the same story) into this one.

    Their mentions move here; counts, timeline, history and classification are recomputed. The merged issues
    are archived with `merged_into` pointing here.
    """
    issue = locked(session, issue_id, principal)
    if issue.merged_into is not None:
        raise Conflict(
            f"Issue {issue.id} was merged into {issue.merged_into}; merge into that one.",
            code="ALREADY_MERGED",
        )
    service.merge(session, issue, body.issue_ids, principal, body.reason, utcnow())
    session.flush()
    return _answer(response, issue)


@router.post(
    "/{issue_id}/split",
    status_code=status.HTTP_201_CREATED,
    responses={
        **problems(404, 409, 422),
        201: {"headers": {"Location": {"description": "The new issue.", "schema": {"type": "string"}}}},
    },
    response_model=IssuePublic,
)
def split_issue(
    issue_id: Id, body: SplitRequest, session: SessionDep, principal: Triage, response: Response
) -> Response:
    """Move some of the issue's mentions into a new issue (a different story); answers with the new issue."""
    issue = locked(session, issue_id, principal)
    new = service.split(session, issue, body.mention_ids, principal, body.title, body.reason, utcnow())
    session.flush()
    response.headers["Location"] = f"/v1/issues/{new.id}"
    return _answer(response, new, status_code=201)
