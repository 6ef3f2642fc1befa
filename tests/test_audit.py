"""The audit trail: every write leaves an entry naming who, what and when, in the write's own transaction;
reads, dry runs, duplicates and refused requests leave none; there is no way to change the trail."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, func, select

from app.audit.models import AuditEntry
from app.auth.models import Scope
from tests.conftest import KeyMaker, bearer
from tests.factories import mention_payload

Headers = dict[str, str]


@pytest.fixture
def officer(make_key: KeyMaker) -> Headers:
    return bearer(
        make_key(
            Scope.mentions_write,
            Scope.mentions_read,
            Scope.issues_read,
            Scope.issues_write,
            agency="diskominfo-samarinda",
            name="Humas Diskominfo Samarinda",
        )
    )


def _count(session: Session) -> int:
    session.expire_all()
    return session.exec(select(func.count()).select_from(AuditEntry)).one()


def _latest(session: Session) -> AuditEntry:
    session.expire_all()
    entry = session.exec(select(AuditEntry).order_by(col(AuditEntry.id).desc())).first()
    assert entry is not None
    return entry


def _flood(**overrides: Any) -> dict[str, Any]:
    return mention_payload(
        title="Banjir Rendam Sempaja, Warga Samarinda Mengungsi",
        text="Sungai Karang Mumus meluap; warga Sempaja dan Lempake mengungsi ke GOR Segiri.",
        region_codes=["64.72"],
        author="@warga_sempaja",
        **overrides,
    )


def test_every_write_leaves_one_entry_naming_who_what_and_the_target(
    client: TestClient, session: Session, officer: Headers, admin_headers: Headers
) -> None:
    before = _count(session)
    created = client.post("/v1/mentions", headers=officer, json=_flood())
    assert created.status_code == 201
    entry = _latest(session)
    mention_id, issue_id = created.json()["id"], created.json()["issue_id"]
    assert (entry.action, entry.target_type, entry.target_id) == ("mentions.ingested", "mention", mention_id)
    assert (entry.actor, entry.agency_code) == ("Humas Diskominfo Samarinda", "diskominfo-samarinda")
    assert "warga_sempaja" not in str(entry.detail)  # ids only: no personal data in the trail

    batch = client.post(
        "/v1/mentions/batch", headers=officer, json={"items": [_flood(), _flood(), {"source_type": "x"}]}
    )
    assert batch.json()["created"] == 2
    assert _latest(session).detail["ids"] == [r["id"] for r in batch.json()["results"] if r["id"]]

    etag = client.get(f"/v1/issues/{issue_id}", headers=officer).headers["ETag"]
    patched = client.patch(
        f"/v1/issues/{issue_id}",
        headers={**officer, "If-Match": etag},
        json={"status": "handling", "reason": "Posko banjir dibuka di GOR Segiri."},
    )
    assert patched.status_code == 200
    entry = _latest(session)
    assert (entry.action, entry.target_type, entry.target_id) == (
        "PATCH /v1/issues/{issue_id}",
        "issue",
        issue_id,
    )

    label = client.post(
        f"/v1/mentions/{mention_id}/labels",
        headers=officer,
        json={"topic": "bencana", "reason": "Banjir adalah bencana hidrometeorologi."},
    )
    assert label.status_code == 201
    assert _latest(session).action == "POST /v1/mentions/{mention_id}/labels"

    client_created = client.post(
        "/v1/clients",
        headers=admin_headers,
        json={"name": "Dashboard Biro Adpim", "agency": "biro-adpim", "scopes": ["issues:read"]},
    )
    assert client_created.status_code == 201
    entry = _latest(session)
    assert (entry.action, entry.target_type) == ("POST /v1/clients", "client")
    assert client_created.json()["key"] not in str(entry.detail)
    assert _count(session) == before + 5

    listed = client.get("/v1/audit?limit=5", headers=admin_headers).json()["items"]
    assert [e["action"] for e in listed][:2] == ["POST /v1/clients", "POST /v1/mentions/{mention_id}/labels"]


def test_reads_dry_runs_duplicates_and_refusals_leave_no_entry(
    client: TestClient, session: Session, officer: Headers
) -> None:
    first = client.post("/v1/mentions", headers=officer, json=_flood(external_id="kp-audit-1"))
    assert first.status_code == 201
    before = _count(session)
    duplicate = client.post("/v1/mentions", headers=officer, json=_flood(external_id="kp-audit-1"))
    assert duplicate.status_code == 200 and duplicate.json()["duplicate"] is True
    assert (
        client.post("/v1/classify", headers=officer, json={"text": "Banjir di Samarinda"}).status_code == 200
    )
    assert client.get("/v1/mentions", headers=officer).status_code == 200
    refused = client.post("/v1/mentions", headers=officer, json={"source_type": "x"})
    assert refused.status_code == 422
    stale = client.patch(
        f"/v1/issues/{first.json()['issue_id']}",
        headers={**officer, "If-Match": '"issue-0-v0"'},
        json={"status": "triaged"},
    )
    assert stale.status_code == 412
    assert _count(session) == before


def test_the_trail_has_no_write_path(client: TestClient, admin_headers: Headers) -> None:
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        assert client.request(method, "/v1/audit", headers=admin_headers).status_code == 405
        assert client.request(method, "/v1/audit/1", headers=admin_headers).status_code in (404, 405)
