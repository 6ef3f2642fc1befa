"""CAP 1.2: each issue as an alert, and an Atom feed of the current Siaga and Awas issues."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from app.auth.deps import require
from app.auth.models import Scope
from app.auth.service import Principal
from app.cap import service
from app.cap.render import ATOM_MEDIA_TYPE, CAP_MEDIA_TYPE, render_alert, render_feed
from app.db import SessionDep
from app.deps import NowDep, SettingsDep
from app.issues.router import ExistingIssue
from app.openapi import problems

router = APIRouter(tags=["cap"])
Reader = Annotated[Principal, Depends(require(Scope.issues_read))]


def _sender(settings: SettingsDep) -> service.Sender:
    return service.Sender(settings.cap_sender, settings.cap_sender_name, settings.public_base_url.rstrip("/"))


@router.get(
    "/v1/issues/{issue_id}/cap",
    responses={**problems(404), 200: {"content": {CAP_MEDIA_TYPE: {"schema": {"type": "string"}}}}},
    response_class=Response,
)
def issue_cap(issue: ExistingIssue, session: SessionDep, _reader: Reader, settings: SettingsDep) -> Response:
    """The issue's latest CAP 1.2 message (`application/cap+xml`), valid against the OASIS XML schema.

    `msgType` follows the issue's history: `Alert` when it was recognised, `Update` for each later change of
    crisis level (referencing the earlier messages), `Cancel` once it is resolved or archived. Severity
    comes from the level (Awas → Extreme, Siaga → Severe, Waspada → Moderate, Normal → Minor); urgency,
    certainty and category from the classification's CAP triple. `info` in `id-ID` and `en-US` (the
    approved public-safety instruction, when there is one, in the Indonesian block); `area` lists the
    kabupaten/kota with their Kemendagri geocodes.
    """
    alert = service.latest_alert(session, issue, _sender(settings))
    return Response(content=render_alert(alert), media_type=CAP_MEDIA_TYPE)


@router.get(
    "/v1/cap/feed",
    responses={200: {"content": {ATOM_MEDIA_TYPE: {"schema": {"type": "string"}}}}},
    response_class=Response,
)
def cap_feed(
    session: SessionDep,
    reader: Reader,
    settings: SettingsDep,
    now: NowDep,
    limit: Annotated[int, Query(ge=1, le=200, description="Entries, newest first.")] = 50,
) -> Response:
    """Atom feed of the open issues at Siaga or Awas, most recently active first, each linking to its CAP
    message: what an early-warning system subscribes to."""
    sender = _sender(settings)
    entries = [
        service.feed_entry(session, issue, sender) for issue in service.feed_issues(session, limit, reader)
    ]
    body = render_feed(
        feed_id=f"{sender.base_url}/v1/cap/feed",
        title="Sigap — isu Siaga dan Awas Provinsi Kalimantan Timur",
        self_link=f"{sender.base_url}/v1/cap/feed",
        updated=max((e.updated for e in entries), default=now.replace(microsecond=0)),
        author=sender.name,
        entries=entries,
    )
    return Response(content=body, media_type=ATOM_MEDIA_TYPE)
