"""POST /v1/mentions/batch: each item judged on its own, one result per item, duplicates recognised."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import Session, col, select

from app.auth.models import Scope
from app.mentions.models import Mention, MentionRegion
from tests.conftest import KeyMaker, bearer
from tests.factories import mention_payload

Headers = dict[str, str]


def _batch(client: TestClient, headers: Headers, items: list[Any], **extra: str) -> dict[str, Any]:
    response = client.post("/v1/mentions/batch", json={"items": items}, headers={**headers, **extra})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _mention_count(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Mention)).one()


def _statuses(body: dict[str, Any]) -> list[str]:
    return [r["status"] for r in body["results"]]


def test_every_item_gets_a_result_in_order_with_totals(client: TestClient, writer_headers: Headers) -> None:
    items = [mention_payload() for _ in range(3)]

    body = _batch(client, writer_headers, items)

    assert [r["index"] for r in body["results"]] == [0, 1, 2]
    assert _statuses(body) == ["created", "created", "created"]
    assert all(r["errors"] is None for r in body["results"])
    assert (body["created"], body["duplicates"], body["rejected"]) == (3, 0, 0)
    for item, result in zip(items, body["results"], strict=True):
        stored = client.get(f"/v1/mentions/{result['id']}", headers=writer_headers).json()
        assert stored["external_id"] == item["external_id"]
        assert stored["title"] == item["title"]


def test_valid_items_are_stored_when_others_are_rejected(
    client: TestClient, writer_headers: Headers, session: Session
) -> None:
    items = [
        mention_payload(title="Longsor di Jalan Soekarno-Hatta Km 28, Arus Balikpapan-Samarinda Tersendat"),
        mention_payload(published_at="2026-11-27T08:15:00"),
        mention_payload(title="Air PDAM Tirta Kencana Keruh Sejak Tiga Hari di Loa Janan"),
    ]

    body = _batch(client, writer_headers, items)

    assert _statuses(body) == ["created", "rejected", "created"]
    assert (body["created"], body["duplicates"], body["rejected"]) == (2, 0, 1)
    assert body["results"][1]["id"] is None
    stored = session.exec(
        select(Mention).where(col(Mention.id).in_([body["results"][i]["id"] for i in (0, 2)]))
    )
    assert sorted(m.external_id or "" for m in stored) == sorted(
        [items[0]["external_id"], items[2]["external_id"]]
    )


def test_a_rejected_item_writes_nothing(
    client: TestClient, writer_headers: Headers, session: Session
) -> None:
    before = _mention_count(session)
    rejected = mention_payload(region_codes=["64.72", "63.71"])  # 63.71 is Banjarmasin, outside Kaltim

    body = _batch(client, writer_headers, [rejected])

    assert _statuses(body) == ["rejected"]
    assert _mention_count(session) == before
    assert session.exec(select(Mention).where(Mention.external_id == rejected["external_id"])).first() is None
    # Its external_id was not taken either: sending the item corrected stores it.
    again = _batch(client, writer_headers, [{**rejected, "region_codes": ["64.72"]}])
    assert _statuses(again) == ["created"]
    assert _mention_count(session) == before + 1


def test_rejected_items_say_where_and_what_is_wrong(client: TestClient, writer_headers: Headers) -> None:
    items = [
        mention_payload(),
        mention_payload(published_at="2026-11-27T08:15:00"),
        mention_payload(sentimen="negatif"),
        mention_payload(title="  ", text=None),
        mention_payload(region_codes=["64.72", "99.99"]),
        mention_payload(source_type="koran_dinding"),
    ]

    body = _batch(client, writer_headers, items)

    assert _statuses(body) == ["created", *["rejected"] * 5]
    errors = {r["index"]: r["errors"] for r in body["results"][1:]}
    expected = {
        1: (["body", "items", 1, "published_at"], "timezone_required"),
        2: (["body", "items", 2, "sentimen"], "extra_forbidden"),
        3: (["body", "items", 3], "content_required"),
        4: (["body", "items", 4, "region_codes", 1], "unknown_region"),
        5: (["body", "items", 5, "source_type"], "enum"),
    }
    for index, (loc, error_type) in expected.items():
        assert [(e["loc"], e["type"]) for e in errors[index]] == [(loc, error_type)], errors[index]
        assert errors[index][0]["msg"]
    assert "99.99" in errors[4][0]["msg"]


def test_duplicates_of_stored_mentions_answer_with_the_stored_id(
    client: TestClient, writer_headers: Headers, session: Session
) -> None:
    first = mention_payload(
        url="https://kaltim.example.id/berita/2026/11/27/jembatan-mahakam-ditutup-sementara"
    )
    stored_id = client.post("/v1/mentions", json=first, headers=writer_headers).json()["id"]
    before = _mention_count(session)

    body = _batch(
        client,
        writer_headers,
        [
            mention_payload(external_id=first["external_id"]),  # same external_id, other URL
            mention_payload(  # same canonical URL, other external_id
                url="HTTPS://Kaltim.Example.ID/berita/2026/11/27/jembatan-mahakam-ditutup-sementara/?utm_source=wa"
            ),
            mention_payload(),
        ],
    )

    assert _statuses(body) == ["duplicate", "duplicate", "created"]
    assert [r["id"] for r in body["results"][:2]] == [stored_id, stored_id]
    assert (body["created"], body["duplicates"], body["rejected"]) == (1, 2, 0)
    assert _mention_count(session) == before + 1


def test_each_stored_item_carries_its_verdict_in_brief(
    client: TestClient, writer_headers: Headers, session: Session
) -> None:
    flood = mention_payload(
        title="Banjir bandang di Sendawar, dua warga hilang terseret arus",
        text="BPBD Kutai Barat mengerahkan tim SAR gabungan; ratusan warga mengungsi ke posko.",
    )
    stored_id = client.post("/v1/mentions", json=flood, headers=writer_headers).json()["id"]
    body = _batch(
        client,
        writer_headers,
        [
            mention_payload(external_id=flood["external_id"]),  # a duplicate: the stored verdict
            mention_payload(title="Festival Erau di Tenggarong dibuka", text="Ribuan wisatawan hadir."),
            {"title": "tanpa sumber"},
        ],
    )
    duplicate, created, rejected = body["results"]
    stored = client.get(f"/v1/mentions/{stored_id}", headers=writer_headers).json()["classification"][
        "machine"
    ]
    assert duplicate["verdict"] == {
        "level": stored["level"],
        "urgency": stored["urgency"],
        "topic": stored["topic"]["label"],
        "sentiment": stored["sentiment"]["label"],
        "hoax_suspected": stored["hoax_suspected"],
        "opportunity": stored["opportunity"],
    }
    assert duplicate["verdict"]["level"] in ("siaga", "awas")
    full = client.get(f"/v1/mentions/{created['id']}", headers=writer_headers).json()["classification"][
        "machine"
    ]
    assert (
        created["verdict"]["level"] == full["level"] and created["verdict"]["topic"] == full["topic"]["label"]
    )
    assert rejected["status"] == "rejected" and rejected["verdict"] is None


def test_duplicates_within_one_batch_point_to_the_first(
    client: TestClient, writer_headers: Headers, session: Session
) -> None:
    url = "https://kaltim.example.id/berita/2026/11/27/tongkang-batu-bara-tabrak-jembatan-mahakam"
    items = [
        mention_payload(external_id="kp-tongkang-01", url=url),
        mention_payload(external_id="kp-tongkang-01"),  # same external_id
        mention_payload(
            url=url.replace("https://kaltim", "https://KALTIM") + "#komentar"
        ),  # same canonical URL
        mention_payload(external_id="kp-karhutla-07"),
        mention_payload(external_id="kp-karhutla-07"),
    ]
    before = _mention_count(session)

    body = _batch(client, writer_headers, items)

    assert _statuses(body) == ["created", "duplicate", "duplicate", "created", "duplicate"]
    ids = [r["id"] for r in body["results"]]
    assert ids[1] == ids[2] == ids[0]
    assert ids[4] == ids[3] != ids[0]
    assert (body["created"], body["duplicates"], body["rejected"]) == (2, 3, 0)
    assert _mention_count(session) == before + 2


def test_a_rejected_item_does_not_make_a_later_one_a_duplicate(
    client: TestClient, writer_headers: Headers
) -> None:
    body = _batch(
        client,
        writer_headers,
        [
            mention_payload(external_id="lapor-2026-5521", published_at="27/11/2026 08:00"),
            mention_payload(external_id="lapor-2026-5521"),
        ],
    )

    assert _statuses(body) == ["rejected", "created"]


def test_same_external_id_from_another_client_is_a_new_mention(
    client: TestClient, writer_headers: Headers, make_key: KeyMaker
) -> None:
    other = bearer(make_key(Scope.mentions_write, agency="bpbd", name="Aplikasi Lapor Bencana BPBD Kaltim"))
    mine = _batch(client, writer_headers, [mention_payload(external_id="post-0001")])

    theirs = _batch(client, other, [mention_payload(external_id="post-0001")])

    assert _statuses(theirs) == ["created"]
    assert theirs["results"][0]["id"] != mine["results"][0]["id"]


def test_more_than_1000_items_is_422(client: TestClient, writer_headers: Headers, session: Session) -> None:
    before = _mention_count(session)

    response = client.post(
        "/v1/mentions/batch", json={"items": [mention_payload() for _ in range(1001)]}, headers=writer_headers
    )

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["loc"] == ["body", "items"]
    assert _mention_count(session) == before


def test_exactly_1000_items_are_accepted(client: TestClient, writer_headers: Headers) -> None:
    body = _batch(client, writer_headers, [mention_payload() for _ in range(1000)])

    assert body["created"] == 1000
    assert len(body["results"]) == 1000


def test_empty_batch_is_422(client: TestClient, writer_headers: Headers) -> None:
    response = client.post("/v1/mentions/batch", json={"items": []}, headers=writer_headers)

    assert response.status_code == 422
    assert response.json()["code"] == "VALIDATION_FAILED"
    assert response.json()["errors"][0]["loc"] == ["body", "items"]


def test_batch_needs_an_items_list(client: TestClient, writer_headers: Headers) -> None:
    for body in ([mention_payload()], {"mentions": [mention_payload()]}, {"items": mention_payload()}):
        response = client.post("/v1/mentions/batch", json=body, headers=writer_headers)

        assert response.status_code == 422, body
        assert response.json()["code"] == "VALIDATION_FAILED"


def test_non_object_item_is_rejected_on_its_own_while_valid_items_are_stored(
    client: TestClient, writer_headers: Headers, session: Session
) -> None:
    # The endpoint promises "each item is checked on its own: valid items are stored even when others are
    # rejected". A crawler that emits a stray string or null must not lose the good items of its batch.
    valid = mention_payload()
    response = client.post(
        "/v1/mentions/batch",
        json={"items": [valid, "Banjir di Samarinda Utara", None]},
        headers=writer_headers,
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert _statuses(body) == ["created", "rejected", "rejected"]
    assert body["results"][1]["errors"][0]["loc"] == ["body", "items", 1]
    assert (
        session.exec(select(Mention).where(Mention.external_id == valid["external_id"])).first() is not None
    )


def test_batch_needs_mentions_write_scope(client: TestClient, make_key: KeyMaker, session: Session) -> None:
    reader = bearer(make_key(Scope.mentions_read, name="Dasbor Pimpinan Biro Adpim"))
    before = _mention_count(session)

    response = client.post("/v1/mentions/batch", json={"items": [mention_payload()]}, headers=reader)

    assert response.status_code == 403
    assert response.json()["code"] == "INSUFFICIENT_SCOPE"
    assert _mention_count(session) == before


def test_idempotency_key_replays_the_first_answer(
    client: TestClient, writer_headers: Headers, session: Session
) -> None:
    items = [mention_payload(), mention_payload(published_at="2026-11-27T08:15:00")]
    key = {"Idempotency-Key": "crawler-kaltimpost-2026-11-27-batch-0800"}

    first = client.post("/v1/mentions/batch", json={"items": items}, headers={**writer_headers, **key})
    count = _mention_count(session)
    replay = client.post("/v1/mentions/batch", json={"items": items}, headers={**writer_headers, **key})

    assert first.status_code == replay.status_code == 200
    assert "idempotent-replayed" not in first.headers
    assert replay.headers["idempotent-replayed"] == "true"
    assert replay.json() == first.json()
    assert _statuses(replay.json()) == ["created", "rejected"]  # not "duplicate": the first answer, replayed
    assert _mention_count(session) == count


def test_idempotency_key_reused_with_another_batch_is_422(
    client: TestClient, writer_headers: Headers
) -> None:
    key = {"Idempotency-Key": "crawler-tribunkaltim-0930"}
    _batch(client, writer_headers, [mention_payload()], **key)

    response = client.post(
        "/v1/mentions/batch", json={"items": [mention_payload()]}, headers={**writer_headers, **key}
    )

    assert response.status_code == 422
    assert response.json()["code"] == "IDEMPOTENCY_KEY_REUSED"


def test_region_codes_of_batch_items_are_stored(
    client: TestClient, writer_headers: Headers, session: Session
) -> None:
    body = _batch(
        client,
        writer_headers,
        [
            mention_payload(region_codes=["64.71", "64.09"]),
            mention_payload(region_codes=["64.05"]),
            mention_payload(region_codes=[]),
        ],
    )
    ids = [r["id"] for r in body["results"]]

    shown = [client.get(f"/v1/mentions/{i}", headers=writer_headers).json()["region_codes"] for i in ids]

    assert [sorted(codes) for codes in shown] == [["64.09", "64.71"], ["64.05"], []]
    rows = session.exec(select(MentionRegion).where(col(MentionRegion.mention_id).in_(ids))).all()
    assert sorted((r.mention_id, r.region_code) for r in rows if not r.detected) == [
        (ids[0], "64.09"),
        (ids[0], "64.71"),
        (ids[1], "64.05"),
    ]
    listed = client.get("/v1/mentions", params={"region": "64.05"}, headers=writer_headers).json()
    # Tagged 64.05, or naming a place in Berau in its text (the regions the classification found).
    expected = {
        i
        for i, codes in zip(ids, shown, strict=True)
        if "64.05" in codes
        or "64.05"
        in client.get(f"/v1/mentions/{i}", headers=writer_headers).json()["classification"]["machine"][
            "region_codes"
        ]
    }
    assert ids[1] in expected
    assert {m["id"] for m in listed["items"]} == expected


# --- inputs that pass validation but once made the database fail --------------------------------------


def test_text_with_a_nul_character_does_not_fail_the_batch(
    app: FastAPI, writer_headers: Headers, session: Session
) -> None:
    # Scraped pages sometimes carry a NUL byte; PostgreSQL text cannot hold one.
    with TestClient(app, raise_server_exceptions=False) as client:
        good = mention_payload()
        response = client.post(
            "/v1/mentions/batch",
            json={
                "items": [good, mention_payload(text="Banjir rob di Bontang Kuala\u0000 air setinggi lutut")]
            },
            headers=writer_headers,
        )

    assert response.status_code == 200, response.text
    assert [r["status"] for r in response.json()["results"]] == ["created", "created"]
    assert session.exec(select(Mention).where(Mention.external_id == good["external_id"])).first() is not None
    stored = session.get(Mention, response.json()["results"][1]["id"])
    assert stored is not None and stored.text == "Banjir rob di Bontang Kuala air setinggi lutut"


def test_url_whose_canonical_form_outgrows_2048_characters_does_not_fail_the_batch(
    app: FastAPI, writer_headers: Headers
) -> None:
    # 1 930 characters as sent; percent-encoding the query when canonicalising makes it far longer.
    url = "https://kaltim.example.id/cari?kata=" + "banjir é " * 210
    assert len(url) <= 2048
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.post(
            "/v1/mentions/batch",
            json={"items": [mention_payload(), mention_payload(url=url)]},
            headers=writer_headers,
        )

    assert response.status_code == 200, response.text
    assert [r["status"] for r in response.json()["results"]] == ["created", "created"]


def test_published_at_out_of_range_in_utc_is_stored_not_a_server_error(
    app: FastAPI, writer_headers: Headers
) -> None:
    # 0001-01-01 00:00 WITA is before 0001-01-01 UTC, the earliest time Python can hold.
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.post(
            "/v1/mentions/batch",
            json={"items": [mention_payload(), mention_payload(published_at="0001-01-01T00:00:00+08:00")]},
            headers=writer_headers,
        )

    assert response.status_code == 200, response.text
    assert [r["status"] for r in response.json()["results"]] == ["created", "created"]
