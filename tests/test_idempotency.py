from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from app.auth.models import Scope
from app.cli import main
from app.clock import utcnow
from app.config import get_settings
from app.idempotency.models import IdempotencyRecord
from app.idempotency.service import purge_expired
from app.mentions.models import Mention
from tests.conftest import DatabaseFactory, KeyMaker, bearer
from tests.factories import mention_payload


def _mentions(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Mention)).one()


def test_replay_returns_the_first_answer_and_writes_nothing(
    client: TestClient, writer_headers: dict[str, str], session: Session
) -> None:
    headers = {**writer_headers, "Idempotency-Key": "kp-sync-2026-11-27T08:00"}
    payload = mention_payload()
    first = client.post("/v1/mentions", json=payload, headers=headers)
    count = _mentions(session)
    replay = client.post("/v1/mentions", json=payload, headers=headers)
    assert first.status_code == replay.status_code == 201
    assert replay.content == first.content
    assert replay.headers["location"] == first.headers["location"]
    assert replay.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert _mentions(session) == count


def test_same_key_with_a_different_body_is_422(client: TestClient, writer_headers: dict[str, str]) -> None:
    headers = {**writer_headers, "Idempotency-Key": "laporan-banjir-01"}
    assert client.post("/v1/mentions", json=mention_payload(), headers=headers).status_code == 201
    reused = client.post("/v1/mentions", json=mention_payload(), headers=headers)
    assert reused.status_code == 422
    assert reused.json()["code"] == "IDEMPOTENCY_KEY_REUSED"
    on_batch = client.post("/v1/mentions/batch", json={"items": [mention_payload()]}, headers=headers)
    assert on_batch.json()["code"] == "IDEMPOTENCY_KEY_REUSED"


def test_keys_are_scoped_per_client(
    client: TestClient, writer_headers: dict[str, str], make_key: KeyMaker
) -> None:
    other = {
        **bearer(make_key(Scope.mentions_write, name="Crawler Diskominfo PPU")),
        "Idempotency-Key": "k-1",
    }
    mine = {**writer_headers, "Idempotency-Key": "k-1"}
    a = client.post("/v1/mentions", json=mention_payload(), headers=mine)
    b = client.post("/v1/mentions", json=mention_payload(), headers=other)
    assert a.status_code == b.status_code == 201
    assert a.json()["id"] != b.json()["id"]


def test_duplicate_answer_is_replayed_too(client: TestClient, writer_headers: dict[str, str]) -> None:
    payload = mention_payload()
    client.post("/v1/mentions", json=payload, headers=writer_headers)
    headers = {**writer_headers, "Idempotency-Key": "ulang-duplikat"}
    first = client.post("/v1/mentions", json=payload, headers=headers)
    replay = client.post("/v1/mentions", json=payload, headers=headers)
    assert first.status_code == replay.status_code == 200
    assert replay.json()["duplicate"] is True


def test_key_longer_than_255_is_422(client: TestClient, writer_headers: dict[str, str]) -> None:
    response = client.post(
        "/v1/mentions", json=mention_payload(), headers={**writer_headers, "Idempotency-Key": "k" * 256}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["header", "Idempotency-Key"]
    ok = client.post(
        "/v1/mentions", json=mention_payload(), headers={**writer_headers, "Idempotency-Key": "k" * 255}
    )
    assert ok.status_code == 201


def test_failed_request_does_not_burn_the_key(client: TestClient, writer_headers: dict[str, str]) -> None:
    headers = {**writer_headers, "Idempotency-Key": "coba-lagi"}
    bad = client.post("/v1/mentions", json=mention_payload(region_codes=["99.99"]), headers=headers)
    assert bad.status_code == 422
    assert client.post("/v1/mentions", json=mention_payload(), headers=headers).status_code == 201


def test_keys_are_kept_at_least_24_hours_and_expired_ones_are_reusable(
    client: TestClient, writer_headers: dict[str, str], session: Session
) -> None:
    headers = {**writer_headers, "Idempotency-Key": "kedaluwarsa"}
    client.post("/v1/mentions", json=mention_payload(), headers=headers)
    record = session.exec(select(IdempotencyRecord).where(IdempotencyRecord.key == "kedaluwarsa")).one()
    assert record.expires_at - record.created_at >= timedelta(hours=24)

    record.expires_at = utcnow() - timedelta(seconds=1)
    session.add(record)
    session.commit()
    fresh = client.post("/v1/mentions", json=mention_payload(), headers=headers)
    assert fresh.status_code == 201
    assert "idempotent-replayed" not in fresh.headers


def test_purge_removes_only_expired_records(
    client: TestClient, writer_headers: dict[str, str], session: Session
) -> None:
    for key in ("tetap", "lama"):
        client.post(
            "/v1/mentions", json=mention_payload(), headers={**writer_headers, "Idempotency-Key": key}
        )
    old = session.exec(select(IdempotencyRecord).where(IdempotencyRecord.key == "lama")).one()
    old.expires_at = utcnow() - timedelta(minutes=1)
    session.add(old)
    session.flush()
    assert purge_expired(session) == 1
    assert [r.key for r in session.exec(select(IdempotencyRecord))] == ["tetap"]


def test_cli_purge_reports_what_it_removed(
    databases: DatabaseFactory, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SIGAP_DATABASE_URL", databases.create())
    get_settings.cache_clear()
    try:
        assert main(["idempotency", "purge"]) == 0
    finally:
        get_settings.cache_clear()
    assert "0 expired record(s) removed" in capsys.readouterr().out
