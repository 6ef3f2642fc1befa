"""Reports for people: the daily brief (JSON, Markdown, CSV) and the dashboard summary."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import StreamingResponse

from app import transfer
from app.auth.deps import require
from app.auth.models import Scope
from app.auth.service import Principal
from app.clock import IsoDate
from app.db import SessionDep
from app.deps import NowDep, SettingsDep
from app.openapi import problems
from app.reports import render, service
from app.reports.schemas import DailyBrief, DashboardSummary

router = APIRouter(tags=["reports"])
Reader = Annotated[Principal, Depends(require(Scope.issues_read))]

MARKDOWN = "text/markdown"
CSV = "text/csv"


ACCEPT_MAX = 500


def negotiate(accept: str | None) -> str:
    """The first of JSON, Markdown or CSV the client accepts, by its q-values; JSON when it does not say."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept or "application/json").split(",")):
        media, *params = (p.strip() for p in part.split(";"))
        q = next(
            (float(p[2:]) for p in params if p.startswith("q=") and p[2:].replace(".", "", 1).isdigit()), 1.0
        )
        ranked.append((-q, position, media.lower()))
    for _, _, media in sorted(ranked):
        if media in (MARKDOWN, CSV, "application/json"):
            return media
        if media in ("*/*", "application/*", "text/*"):
            return MARKDOWN if media == "text/*" else "application/json"
    return "application/json"


@router.get(
    "/v1/reports/daily-brief",
    response_model=DailyBrief,
    responses={
        **problems(422),
        200: {
            "content": {
                MARKDOWN: {"schema": {"type": "string"}},
                CSV: {"schema": {"type": "string"}},
            }
        },
    },
)
def daily_brief(
    request: Request,
    session: SessionDep,
    reader: Reader,
    settings: SettingsDep,
    now: NowDep,
    day: Annotated[
        IsoDate | None, Query(alias="date", description="A WITA calendar day; default today.")
    ] = None,
) -> Response:
    """The day's brief for leaders: top issues by level, new and escalated issues, overdue tasks, approved
    statements, opportunities to amplify and the week's sentiment trend.

    Content negotiation (`Accept`): `application/json` (default), `text/markdown` (readable on a phone),
    `text/csv` (one row per issue active that day). `sigap brief --date ... --format md` prints the same.
    """
    brief = service.daily_brief(
        session, day or service.today_wita(now), now, settings.public_base_url.rstrip("/"), reader
    )
    # Read here, not declared as a header parameter: OpenAPI ignores parameters named Accept, and the
    # responses' content types already document the choice. Only a bounded prefix is looked at.
    media = negotiate(request.headers.get("accept", "")[:ACCEPT_MAX] or None)
    if media == MARKDOWN:
        return Response(render.brief_markdown(brief), media_type=f"{MARKDOWN}; charset=utf-8")
    if media == CSV:
        start, end = service.wita_day_bounds(brief.day)
        rows = [
            service.brief_issue(i, now, settings.public_base_url.rstrip("/"))
            for i in service.active_issues(session, start, end, reader)
        ]
        filename = f"sigap-isu-{brief.day.isoformat()}.csv"
        return Response(
            render.issues_csv(rows),
            media_type=f"{CSV}; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}"', "Vary": "Accept"},
        )
    return Response(brief.model_dump_json(), media_type="application/json", headers={"Vary": "Accept"})


@router.get(
    "/v1/reports/issues.csv",
    response_class=StreamingResponse,
    responses={200: {"content": {CSV: {"schema": {"type": "string"}}}}},
)
def issues_csv(
    request: Request,
    reader: Reader,
    settings: SettingsDep,
    now: NowDep,
    status: Annotated[Literal["open", "any"], Query(description="`open` issues only, or all.")] = "any",
) -> StreamingResponse:
    """Every issue as CSV, streamed as it is read (any size, flat memory); `sigap export` writes the same."""
    lines = transfer.issue_csv_lines(
        request.app.state.db,
        base_url=settings.public_base_url.rstrip("/"),
        now=now,
        open_only=status == "open",
        viewer=reader,
    )
    return StreamingResponse(
        (line.encode() for line in lines),
        media_type=f"{CSV}; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="sigap-isu.csv"'},
    )


@router.get("/v1/dashboard/summary")
def dashboard_summary(session: SessionDep, reader: Reader, now: NowDep) -> DashboardSummary:
    """The triage queue at a glance: open issues active in the last 72 h by level, stage, topic and region;
    mentions in the last 24 hours; overdue tasks."""
    return service.dashboard(session, now, reader)
