"""The FastAPI application: ``create_app()`` wires settings, database, routers and the error handlers."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio.to_thread
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from sqlalchemy.exc import SQLAlchemyError

from app import __version__, docs, handlers, migrations
from app.access.router import router as access_router
from app.audit import net as audit_net
from app.audit.router import router as audit_router
from app.auth import service as auth_service
from app.auth.deps import AuthCache
from app.auth.router import router as clients_router
from app.cap.router import router as cap_router
from app.classification.router import router as classification_router
from app.clock import utcnow
from app.config import Settings, get_settings
from app.db import Database, build_engine
from app.health.router import router as health_router
from app.issues.router import router as issues_router
from app.mentions.router import router as mentions_router
from app.metrics import MetricsMiddleware
from app.middleware import BodyGuardMiddleware, SecurityHeadersMiddleware
from app.monitoring.router import router as sources_router
from app.openapi import build_openapi
from app.pagination import CursorCodec
from app.plans import sla
from app.plans.calendar import load_calendar
from app.plans.router import router as plans_router
from app.plans.service import Planning
from app.plans.statement_router import router as statements_router
from app.plans.task_router import router as tasks_router
from app.privacy.router import router as privacy_router
from app.ratelimit.middleware import RateLimitMiddleware
from app.ratelimit.service import RateLimiter
from app.reference.router import router as reference_router
from app.reports.router import router as reports_router
from app.warmup import thaw, warm_up
from app.webhooks.router import router as webhooks_router
from app.worker import Worker

logger = logging.getLogger("sigap")

DESCRIPTION = """
**Sigap** is the crisis-communication service of Diskominfo Provinsi Kalimantan Timur. Monitoring tools,
the SP4N-LAPOR! bridge and agency apps push **mentions** (news articles, broadcasts, social-media posts)
into it; Pranata Humas officers triage them by urgency and impact and answer with a response plan.

* Authenticate with an API key: `Authorization: Bearer sgp_…` (use **Authorize** above).
* Every error is `application/problem+json` (RFC 9457) with a stable `code`.
* Times carry a UTC offset; Sigap answers in WITA (`+08:00`, Asia/Makassar).
* Send `Idempotency-Key` on POSTs you may retry.
"""

TAGS: list[dict[str, Any]] = [
    {
        "name": "mentions",
        "description": "Intake of articles and posts (*temuan*) from monitoring systems and officers, "
        "and search over them. Duplicates are recognised and never stored twice.",
    },
    {
        "name": "classification",
        "description": "How Sigap reads a mention: sentiment, topic and responsible OPD, regions, the five "
        "impact dimensions, urgency and the crisis level (Normal, Waspada, Siaga, Awas) with its CAP 1.2 "
        "mapping, each verdict with the signals that moved it. Officers correct verdicts; corrections train "
        "new models.",
    },
    {
        "name": "issues",
        "description": "Mentions clustered into issues (*isu*): one story told by many outlets and posts. "
        "The triage queue, each issue's aggregated level, life-cycle stage, timeline and history, and the "
        "officers' workflow: status, assignment, overrides, merge and split.",
    },
    {
        "name": "response plans",
        "description": "The answer to an issue (*rencana respons*): Sigap recommends the SCCT crisis cluster "
        "and strategy and the phases *kenali, respon, penyesalan, perbaiki* with tasks per agency due by the "
        "SLA of the crisis level (WITA working time, holidays skipped); officers edit, submit and approve "
        "it, "
        "and its evaluation tells whether trust came back.",
    },
    {
        "name": "tasks",
        "description": "Each agency's share of a plan and its work queue (*disposisi*). Overdue tasks are "
        "announced once (`task.overdue`) and raise the plan's attention.",
    },
    {
        "name": "statements",
        "description": "Public statements drafted in Bahasa Indonesia from templates, edited, approved, "
        "versioned: one approved version per kind is the government's single narrative (*narasi tunggal*).",
    },
    {
        "name": "reference",
        "description": "Kalimantan Timur's regions (Kemendagri codes) and the agencies (OPD) Sigap "
        "works with.",
    },
    {"name": "clients", "description": "API keys for integrating systems and apps (administrators only)."},
    {
        "name": "reports",
        "description": "For people: the daily brief for leaders (JSON, Markdown, CSV) and the dashboard "
        "summary.",
    },
    {
        "name": "cap",
        "description": "OASIS Common Alerting Protocol 1.2: each issue as an alert, and an Atom feed of the "
        "current Siaga and Awas issues for early-warning systems.",
    },
    {
        "name": "webhooks",
        "description": "Signed deliveries of Sigap's events (Standard Webhooks) to other government systems: "
        "escalations, plans, tasks, statements. Retries with backoff; delivery log per subscription.",
    },
    {
        "name": "sources",
        "description": "Active monitoring: news RSS/Atom feeds and CAP alert feeds Sigap polls itself, with "
        "keyword watchlists, conditional fetches, back-off and per-source health.",
    },
    {"name": "audit", "description": "Who did what and when (administrators only); append-only."},
    {
        "name": "personal data",
        "description": "Mention authors' names and handles are personal data (UU 27/2022): export and erase "
        "one person (administrators only, audited without the name); pseudonymised after retention.",
    },
    {"name": "health", "description": "Liveness and readiness probes."},
]


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    settings = settings or get_settings()
    own_database = database is None
    database = database or Database(build_engine(settings))
    rate_limiter = RateLimiter.for_app(settings, database, own_pool=own_database)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.worker_threads
        await anyio.to_thread.run_sync(_bootstrap_admin, settings, database)
        if settings.warm_up:
            await anyio.to_thread.run_sync(warm_up, database)
        async with anyio.create_task_group() as background:
            if settings.runs_worker_in_process:
                background.start_soon(Worker(database, settings, lambda: app.state.clock()).run)
            yield
            background.cancel_scope.cancel()
        thaw()
        database.dispose()
        rate_limiter.dispose()

    app = FastAPI(
        title="Sigap API",
        version=__version__,
        summary="Crisis communication for the Pemprov Kalimantan Timur: mention intake, triage and response.",
        description=DESCRIPTION,
        openapi_tags=TAGS,
        contact={
            "name": "Diskominfo Provinsi Kalimantan Timur",
            "url": "https://diskominfo.kaltimprov.go.id",
        },
        lifespan=lifespan,
        docs_url=None,  # served by app.docs from local assets, not from a CDN
        redoc_url=None,
        openapi_url="/openapi.json" if settings.docs_enabled else None,
    )
    app.state.settings = settings
    app.state.db = database
    app.state.auth_cache = AuthCache(settings.auth_cache_seconds)
    app.state.before_commit = (audit_net.before_commit,)
    app.state.rate_limiter = rate_limiter
    app.state.cursor_codec = CursorCodec(settings.secret_key.get_secret_value())
    app.state.clock = utcnow
    app.state.planning = Planning(load_calendar(settings.holidays_file), sla.policies(settings.sla))

    handlers.install(app)
    # Innermost: bodies too large or not JSON are refused before anything is counted.
    app.add_middleware(RateLimitMiddleware, limiter=rate_limiter)
    app.add_middleware(BodyGuardMiddleware, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(MetricsMiddleware)
    if settings.cors_origins:
        # Outside the guards above, so their refusals (413, 415, 429) carry CORS headers too.
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "If-Match", "If-None-Match"],
            expose_headers=[
                "ETag",
                "Location",
                "Link",
                "Retry-After",
                "Idempotent-Replayed",
                "RateLimit",
                "RateLimit-Policy",
            ],
            max_age=600,
        )
    app.add_middleware(SecurityHeadersMiddleware)  # outermost: CORS preflight answers get the headers too
    routers = (
        mentions_router,
        classification_router,
        issues_router,
        access_router,
        cap_router,
        reports_router,
        plans_router,
        tasks_router,
        statements_router,
        reference_router,
        clients_router,
        audit_router,
        webhooks_router,
        sources_router,
        privacy_router,
        health_router,
    )
    for router in routers:
        app.include_router(router)
    if settings.docs_enabled:
        docs.install(app)
    app.openapi = lambda: build_openapi(app)  # type: ignore[method-assign]
    return app


def _bootstrap_admin(settings: Settings, database: Database) -> None:
    """Create the admin client from SIGAP_BOOTSTRAP_ADMIN_KEY when there is none (scripted set-ups)."""
    if settings.bootstrap_admin_key is None:
        return
    try:
        if not migrations.at_head(database.engine, settings.database_url):
            logger.warning("database is not migrated; skipping the bootstrap admin key (run `sigap migrate`)")
            return
        with database.session() as session:
            key = settings.bootstrap_admin_key.get_secret_value()
            if auth_service.ensure_admin(session, bootstrap_key=key, generate=False):
                logger.info("created the admin client from SIGAP_BOOTSTRAP_ADMIN_KEY")
    except SQLAlchemyError as exc:
        logger.warning(
            "database unavailable at start-up (%s); serving, /readyz will say so", exc.__class__.__name__
        )
