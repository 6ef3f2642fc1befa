"""Prometheus metrics: counted per route template, on commit only, and gauges read from the database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlmodel import Session, func, select

from app import metrics
from app.auth.models import Scope
from app.outbox.models import OutboxEvent
from app.outbox.service import emit
from tests.conftest import KeyMaker, bearer


def sample(client: TestClient, name: str, **labels: str) -> float:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    for family in text_string_to_metric_families(response.text):
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                return float(s.value)
    return 0.0


def test_requests_mentions_and_levels_are_counted(client: TestClient, make_key: KeyMaker) -> None:
    key = bearer(make_key(Scope.mentions_write, Scope.mentions_read, name="Crawler media Diskominfo"))
    route = {"method": "GET", "route": "/v1/mentions/{mention_id}", "status": "200"}
    before = (
        sample(client, "sigap_mentions_ingested_total", source_type="online_news"),
        sample(client, "sigap_http_requests_total", **route),
        sum(
            sample(client, "sigap_classifications_total", level=level)
            for level in ("normal", "waspada", "siaga", "awas")
        ),
    )
    created = client.post(
        "/v1/mentions",
        json={
            "source_type": "online_news",
            "source_name": "Kaltim Post",
            "url": "https://kaltim.example.id/metrik/banjir-loa-janan",
            "title": "Banjir Rendam Jalan Poros Loa Janan",
            "text": "Genangan setinggi 50 sentimeter merendam jalan poros Samarinda-Loa Janan sejak pagi.",
            "published_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
        },
        headers=key,
    )
    assert created.status_code == 201
    client.get(f"/v1/mentions/{created.json()['id']}", headers=key)
    after = (
        sample(client, "sigap_mentions_ingested_total", source_type="online_news"),
        sample(client, "sigap_http_requests_total", **route),
        sum(
            sample(client, "sigap_classifications_total", level=level)
            for level in ("normal", "waspada", "siaga", "awas")
        ),
    )
    assert after[0] - before[0] == 1
    assert after[1] - before[1] == 1  # by route template, not by id
    assert after[2] - before[2] == 1
    assert (
        sample(client, "sigap_http_request_duration_seconds_count", method="POST", route="/v1/mentions") >= 1
    )


def test_nothing_is_counted_for_a_rolled_back_transaction(session: Session) -> None:
    before = metrics.MENTIONS.labels("tv")._value.get()
    session.exec(select(func.count()).select_from(OutboxEvent)).one()  # inside a transaction, as intake is
    metrics.count_after_commit(session, metrics.MENTIONS, ["tv"])
    session.rollback()
    session.commit()
    assert metrics.MENTIONS.labels("tv")._value.get() == before
    metrics.count_after_commit(session, metrics.MENTIONS, ["tv"])
    session.commit()
    assert metrics.MENTIONS.labels("tv")._value.get() == before + 1


def test_outbox_depth_and_age_come_from_the_database(client: TestClient, session: Session) -> None:
    assert sample(client, "sigap_outbox_depth") == 0
    for n in (1, 2):
        emit(session, "issue.escalated", aggregate="issue", aggregate_id=n, payload={"issue_id": n})
    session.commit()
    assert sample(client, "sigap_outbox_depth") == 2
    assert sample(client, "sigap_outbox_oldest_age_seconds") >= 0
