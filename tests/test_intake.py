from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from app.auth.models import Scope
from app.clock import WITA, utcnow
from app.mentions.models import Mention, MentionRegion
from tests.conftest import KeyMaker, bearer
from tests.factories import mention_payload


def _count(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Mention)).one()


def test_new_mention_is_201_with_location_and_stored_fields(
    client: TestClient, writer_headers: dict[str, str], session: Session
) -> None:
    payload = mention_payload(published_at="2026-11-27T00:15:00Z", region_codes=["64.72", "64.72", "64"])
    response = client.post("/v1/mentions", json=payload, headers=writer_headers)
    assert response.status_code == 201
    body = response.json()
    assert response.headers["location"] == f"/v1/mentions/{body['id']}"
    assert body["duplicate"] is False
    assert body["title"] == payload["title"]
    assert body["published_at"] == "2026-11-27T08:15:00+08:00"  # shown in WITA
    assert body["received_at"].endswith("+08:00")
    assert body["region_codes"] == ["64", "64.72"]
    assert body["metrics"]["reach"] == payload["metrics"]["reach"]
    assert body["language"] == "id"
    assert body["source_system"] == "Crawler media Diskominfo Kaltim"

    stored = session.get(Mention, body["id"])
    assert stored is not None and stored.url_key == payload["url"]
    rows = session.exec(select(MentionRegion).where(MentionRegion.mention_id == body["id"])).all()
    assert sorted(r.region_code for r in rows if not r.detected) == ["64", "64.72"]  # the hints
    detected = sorted(r.region_code for r in rows if r.detected)  # named in the text, not hinted
    machine = body["classification"]["machine"]["region_codes"]
    assert detected == sorted(set(machine) - {"64", "64.72"})
    assert (
        client.get(body and response.headers["location"], headers=writer_headers).json()["id"] == body["id"]
    )


def test_social_post_without_title_is_accepted(client: TestClient, writer_headers: dict[str, str]) -> None:
    post = mention_payload(
        source_type="tiktok", title=None, url=None, text="Antrean BBM di SPBU Sangatta 2 km!"
    )
    response = client.post("/v1/mentions", json=post, headers=writer_headers)
    assert response.status_code == 201
    assert response.json()["title"] is None


def test_same_external_id_from_same_client_is_a_duplicate(
    client: TestClient, writer_headers: dict[str, str], session: Session
) -> None:
    first = client.post("/v1/mentions", json=mention_payload(external_id="kp-77"), headers=writer_headers)
    before = _count(session)
    again = client.post(
        "/v1/mentions",
        json=mention_payload(external_id="kp-77", title="Judul diperbarui"),
        headers=writer_headers,
    )
    assert again.status_code == 200
    assert again.json()["duplicate"] is True
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["title"] == first.json()["title"]  # the stored mention, not the new body
    assert "location" not in again.headers
    assert _count(session) == before


def test_same_external_id_from_another_client_is_new(
    client: TestClient, writer_headers: dict[str, str], make_key: KeyMaker
) -> None:
    other = bearer(make_key(Scope.mentions_write, name="Social listening Diskominfo Bontang"))
    assert (
        client.post(
            "/v1/mentions", json=mention_payload(external_id="post-1"), headers=writer_headers
        ).status_code
        == 201
    )
    assert (
        client.post("/v1/mentions", json=mention_payload(external_id="post-1"), headers=other).status_code
        == 201
    )


def test_same_canonical_url_from_anyone_is_a_duplicate(
    client: TestClient, writer_headers: dict[str, str], make_key: KeyMaker
) -> None:
    url = "https://www.kaltimpost.example.id/samarinda/2026/11/27/pompa-banjir-mati"
    first = client.post("/v1/mentions", json=mention_payload(url=url), headers=writer_headers)
    other = bearer(make_key(Scope.mentions_write, name="Monitoring TV Diskominfo"))
    again = client.post(
        "/v1/mentions",
        json=mention_payload(
            url="HTTPS://WWW.KaltimPost.example.id/samarinda/2026/11/27/pompa-banjir-mati/?utm_source=fb#x"
        ),
        headers=other,
    )
    assert again.status_code == 200
    assert again.json() | {"duplicate": False} == first.json()


@pytest.mark.parametrize(
    "claimed",
    [
        "2031-01-01T00:00:00+08:00",
        "1969-07-20T20:17:00Z",
        "0001-01-01T00:00:00+08:00",
        "9999-12-31T23:59:59-12:00",
    ],
)
def test_a_publication_time_that_cannot_be_right_becomes_the_receipt_time(
    client: TestClient, writer_headers: dict[str, str], session: Session, claimed: str
) -> None:
    # A broken clock or a mis-parsed date must not lose the mention, nor make it sort before or after
    # everything (or look fresh for years): Sigap records when it received it, and keeps the claim.
    response = client.post("/v1/mentions", json=mention_payload(published_at=claimed), headers=writer_headers)
    assert response.status_code == 201, response.text
    body = response.json()
    as_written = claimed.replace("Z", "+00:00")  # ISO 8601 as parsed, in the sender's own offset
    assert (body["published_at"], body["published_at_claimed"]) == (body["received_at"], as_written)
    stored = session.get(Mention, body["id"])
    assert stored is not None and stored.published_at_claimed == as_written


def test_a_plausible_publication_time_is_kept_as_sent(
    client: TestClient, writer_headers: dict[str, str]
) -> None:
    soon = (utcnow() + timedelta(hours=20)).astimezone(WITA).isoformat(timespec="seconds")  # a fast clock
    body = client.post("/v1/mentions", json=mention_payload(published_at=soon), headers=writer_headers).json()
    assert (body["published_at"], body["published_at_claimed"]) == (soon, None)


def test_source_system_is_the_calling_client_never_the_body(
    client: TestClient, writer_headers: dict[str, str]
) -> None:
    response = client.post(
        "/v1/mentions", json=mention_payload(source_system="Sistem Palsu"), headers=writer_headers
    )
    assert response.status_code == 422
    assert response.json()["errors"][0] == {
        "loc": ["body", "source_system"],
        "msg": "Extra inputs are not permitted",
        "type": "extra_forbidden",
    }


@pytest.mark.parametrize(
    ("overrides", "loc", "error_type"),
    [
        ({"published_at": "2026-11-27T08:15:00"}, ["body", "published_at"], "timezone_required"),
        ({"published_at": "kemarin sore"}, ["body", "published_at"], "datetime_from_date_parsing"),
        ({"published_at": None}, ["body", "published_at"], "datetime_type"),
        ({"title": None, "text": None}, ["body"], "content_required"),
        ({"title": "  ", "text": ""}, ["body"], "content_required"),
        ({"text": "a" * 100_001}, ["body", "text"], "string_too_long"),
        ({"region_codes": ["64.72", "63.71"]}, ["body", "region_codes", 1], "unknown_region"),
        ({"metrics": {"reach": -5}}, ["body", "metrics", "reach"], "greater_than_equal"),
        ({"metrics": {"followers": 5}}, ["body", "metrics", "followers"], "extra_forbidden"),
        ({"source_type": "koran"}, ["body", "source_type"], "enum"),
        ({"url": "javascript:alert(1)"}, ["body", "url"], "url_invalid"),
        ({"url": "kaltimpost.id/berita"}, ["body", "url"], "url_invalid"),
        ({"external_id": "x" * 256}, ["body", "external_id"], "string_too_long"),
        ({"language": "Bahasa Indonesia"}, ["body", "language"], "string_pattern_mismatch"),
        ({"sentiment": "negative"}, ["body", "sentiment"], "extra_forbidden"),
    ],
)
def test_invalid_mention_is_422_and_writes_nothing(
    client: TestClient,
    writer_headers: dict[str, str],
    session: Session,
    overrides: dict[str, Any],
    loc: list[Any],
    error_type: str,
) -> None:
    before = _count(session)
    response = client.post("/v1/mentions", json=mention_payload(**overrides), headers=writer_headers)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "VALIDATION_FAILED"
    assert problem["status"] == 422
    assert {"loc": loc, "type": error_type}.items() <= problem["errors"][0].items() or any(
        e["loc"] == loc and e["type"] == error_type for e in problem["errors"]
    ), problem["errors"]
    assert _count(session) == before


def test_naive_time_error_says_what_to_do(client: TestClient, writer_headers: dict[str, str]) -> None:
    response = client.post(
        "/v1/mentions", json=mention_payload(published_at="2026-11-27 08:15"), headers=writer_headers
    )
    assert response.status_code == 422
    assert "UTC offset" in response.json()["errors"][0]["msg"]


def test_text_of_exactly_100000_characters_is_accepted(
    client: TestClient, writer_headers: dict[str, str]
) -> None:
    response = client.post("/v1/mentions", json=mention_payload(text="b" * 100_000), headers=writer_headers)
    assert response.status_code == 201
