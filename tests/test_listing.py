"""Searching mentions: GET /v1/mentions (filters, order, cursor paging) and GET /v1/mentions/{id}."""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.auth.models import Scope
from tests.conftest import KeyMaker, bearer
from tests.factories import mention_payload

Headers = dict[str, str]


def _post(client: TestClient, headers: Headers, **overrides: Any) -> int:
    response = client.post("/v1/mentions", json=mention_payload(**overrides), headers=headers)
    assert response.status_code == 201, response.text
    mention_id: int = response.json()["id"]
    return mention_id


def _post_many(client: TestClient, headers: Headers, items: list[dict[str, Any]]) -> list[int]:
    ids: list[int] = []
    for start in range(0, len(items), 1000):
        response = client.post(
            "/v1/mentions/batch", json={"items": items[start : start + 1000]}, headers=headers
        )
        assert response.status_code == 200, response.text
        assert response.json()["rejected"] == 0
        ids.extend(r["id"] for r in response.json()["results"])
    return ids


def _list(client: TestClient, headers: Headers, **params: Any) -> dict[str, Any]:
    response = client.get("/v1/mentions", params=params, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _ids(page: dict[str, Any]) -> list[int]:
    return [item["id"] for item in page["items"]]


def _walk(client: TestClient, headers: Headers, **params: Any) -> tuple[list[int], int]:
    """Every id over all pages, following next_cursor; also how many pages there were."""
    ids: list[int] = []
    pages = 0
    cursor = None
    while True:
        page = _list(client, headers, **params, **({"cursor": cursor} if cursor else {}))
        pages += 1
        ids.extend(_ids(page))
        cursor = page["next_cursor"]
        if cursor is None:
            return ids, pages
        assert pages < 100, "paging does not end"


def _problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["code"] == code
    return body


def _flip(text: str, position: int) -> str:
    replacement = "B" if text[position] == "A" else "A"
    return text[:position] + replacement + text[position + 1 :]


# --- filters ---------------------------------------------------------------------------------------------


def test_source_type_filter_returns_only_that_kind_of_source(
    client: TestClient, writer_headers: Headers
) -> None:
    news = _post(client, writer_headers, source_type="online_news")
    tv = _post(client, writer_headers, source_type="tv", source_name="TVRI Kalimantan Timur")
    radio = _post(client, writer_headers, source_type="radio", source_name="RRI Samarinda")

    assert _ids(_list(client, writer_headers, source_type="tv")) == [tv]
    assert set(_ids(_list(client, writer_headers))) == {news, tv, radio}


def test_unknown_source_type_is_422(client: TestClient, writer_headers: Headers) -> None:
    response = client.get("/v1/mentions", params={"source_type": "koran_dinding"}, headers=writer_headers)

    body = _problem(response, 422, "VALIDATION_FAILED")
    assert body["errors"][0]["loc"] == ["query", "source_type"]


def test_since_is_inclusive_and_until_is_exclusive_whatever_the_offset(
    client: TestClient, writer_headers: Headers
) -> None:
    early = _post(client, writer_headers, published_at="2026-11-27T06:00:00+08:00")
    at_since = _post(client, writer_headers, published_at="2026-11-27T07:00:00+08:00")
    middle = _post(client, writer_headers, published_at="2026-11-27T08:30:00+08:00")
    at_until = _post(client, writer_headers, published_at="2026-11-27T10:00:00+08:00")

    # The same instants written in UTC and in WIB (+07:00): comparison is by instant, not by wall clock.
    window = _list(client, writer_headers, since="2026-11-26T23:00:00Z", until="2026-11-27T09:00:00+07:00")
    assert _ids(window) == [middle, at_since]

    assert _ids(_list(client, writer_headers, since="2026-11-27T10:00:00+08:00")) == [at_until]
    assert _ids(_list(client, writer_headers, until="2026-11-27T07:00:00+08:00")) == [early]


def test_naive_since_or_until_is_refused_with_timezone_required(
    client: TestClient, writer_headers: Headers
) -> None:
    for name in ("since", "until"):
        response = client.get("/v1/mentions", params={name: "2026-11-27T07:00:00"}, headers=writer_headers)

        body = _problem(response, 422, "VALIDATION_FAILED")
        assert body["errors"][0]["type"] == "timezone_required"
        assert body["errors"][0]["loc"] == ["query", name]


def test_q_finds_title_or_text_case_insensitively(client: TestClient, writer_headers: Headers) -> None:
    in_title = _post(
        client,
        writer_headers,
        title="Sungai Karang Mumus Meluap, Jalan Pahlawan Tergenang",
        text="Genangan setinggi lutut orang dewasa membuat kendaraan roda dua mogok.",
    )
    in_text = _post(
        client,
        writer_headers,
        title="Posko Pengungsian Dibuka di GOR Segiri",
        text="Warga bantaran karang mumus mengungsi sejak dini hari.",
    )
    _post(
        client,
        writer_headers,
        title="Festival Erau Digelar di Tenggarong",
        text="Ribuan warga Kutai Kartanegara memadati Museum Mulawarman.",
    )

    assert set(_ids(_list(client, writer_headers, q="KARANG mumus"))) == {in_title, in_text}
    assert _ids(_list(client, writer_headers, q="gor segiri")) == [in_text]
    assert _ids(_list(client, writer_headers, q="banjir bandang di sangatta")) == []


def test_q_treats_percent_and_underscore_literally(client: TestClient, writer_headers: Headers) -> None:
    percent = _post(client, writer_headers, title="Harga Cabai di Pasar Segiri Naik 50% Jelang Natal")
    _post(client, writer_headers, title="Harga Cabai di Pasar Segiri Naik 500 Rupiah per Kilogram")
    underscore = _post(
        client,
        writer_headers,
        title=None,
        text="Pantau terus informasi banjir lewat #banjir_samarinda ya warga",
    )
    _post(client, writer_headers, title=None, text="Update banjir samarinda: air mulai surut di Sempaja")
    _post(client, writer_headers, title=None, text="Jalur banjir-samarinda dialihkan lewat Jalan Juanda")

    assert _ids(_list(client, writer_headers, q="naik 50%")) == [percent]
    assert _ids(_list(client, writer_headers, q="banjir_samarinda")) == [underscore]
    assert _ids(_list(client, writer_headers, q="%")) == [percent]
    assert _ids(_list(client, writer_headers, q="_")) == [underscore]


def test_region_filter_returns_mentions_tagged_with_that_code(
    client: TestClient, writer_headers: Headers
) -> None:
    # Texts that name no place: only the senders' hints place them.
    placeless = {
        "title": "Harga cabai rawit naik lagi",
        "text": "Pedagang pasar mengeluhkan pasokan berkurang.",
    }
    samarinda = _post(client, writer_headers, region_codes=["64.72"], **placeless)
    balikpapan_ppu = _post(client, writer_headers, region_codes=["64.71", "64.09"], **placeless)
    _post(client, writer_headers, region_codes=[], **placeless)

    assert _ids(_list(client, writer_headers, region="64.09")) == [balikpapan_ppu]
    assert _ids(_list(client, writer_headers, region="64.72")) == [samarinda]
    assert _ids(_list(client, writer_headers, region="64.74")) == []


def test_region_filter_also_finds_mentions_whose_text_names_a_place_there(
    client: TestClient, writer_headers: Headers
) -> None:
    sangatta = _post(
        client,
        writer_headers,
        region_codes=[],
        title="Buaya muncul di Sungai Sangatta",
        text="Warga Sangatta Utara diminta tidak beraktivitas di tepi sungai.",
    )
    hinted_elsewhere = _post(
        client,
        writer_headers,
        region_codes=["64.72"],
        title="Warga Samarinda antre elpiji",
        text="Antrean juga terlihat di Sangatta sejak pagi.",
    )
    found = _list(client, writer_headers, region="64.04")["items"]
    assert sorted(_ids({"items": found})) == sorted([hinted_elsewhere, sangatta])
    by_id = {item["id"]: item for item in found}
    # What the sender tagged stays what it was; what the text names is in the verdict.
    assert by_id[sangatta]["region_codes"] == []
    assert by_id[hinted_elsewhere]["region_codes"] == ["64.72"]
    assert "64.04" in by_id[sangatta]["classification"]["machine"]["region_codes"]
    assert _ids(_list(client, writer_headers, region="64.72")) == [hinted_elsewhere]


# A text naming no place: the region filter also matches places named in the text.
HAZE = "Asap tipis menyelimuti kota sejak pagi, jarak pandang berkurang."


def test_filters_combine(client: TestClient, writer_headers: Headers) -> None:
    wanted = _post(
        client,
        writer_headers,
        source_type="tv",
        title="Kabut Asap Selimuti Balikpapan",
        text=HAZE,
        region_codes=["64.71"],
        published_at="2026-11-27T09:00:00+08:00",
    )
    _post(  # other source type
        client,
        writer_headers,
        title="Kabut Asap di Balikpapan Barat",
        text=HAZE,
        region_codes=["64.71"],
        published_at="2026-11-27T09:00:00+08:00",
    )
    _post(  # other region
        client,
        writer_headers,
        source_type="tv",
        title="Kabut Asap di Penajam",
        text=HAZE,
        region_codes=["64.09"],
        published_at="2026-11-27T09:00:00+08:00",
    )
    _post(  # too early
        client,
        writer_headers,
        source_type="tv",
        title="Kabut Asap Pagi di Balikpapan",
        text=HAZE,
        region_codes=["64.71"],
        published_at="2026-11-26T09:00:00+08:00",
    )

    page = _list(
        client,
        writer_headers,
        source_type="tv",
        q="kabut asap",
        region="64.71",
        since="2026-11-27T00:00:00+08:00",
    )
    assert _ids(page) == [wanted]


# --- order and paging ------------------------------------------------------------------------------------


def test_newest_first_by_instant_then_by_id(client: TestClient, writer_headers: Headers) -> None:
    wita_nine = _post(client, writer_headers, published_at="2026-11-27T09:00:00+08:00")
    wib_eight = _post(client, writer_headers, published_at="2026-11-27T08:00:00+07:00")  # same instant
    utc_morning = _post(client, writer_headers, published_at="2026-11-27T02:30:00Z")  # 10:30 WITA
    seven = _post(client, writer_headers, published_at="2026-11-27T07:00:00+08:00")
    yesterday = _post(client, writer_headers, published_at="2026-11-26T23:59:00+08:00")

    assert _ids(_list(client, writer_headers)) == [utc_morning, wib_eight, wita_nine, seven, yesterday]


def test_cursor_paging_returns_every_mention_exactly_once(
    client: TestClient, writer_headers: Headers
) -> None:
    # Three publication times shared by 23 mentions, so page boundaries fall inside runs of equal times.
    times = [
        "2026-11-27T08:00:00+08:00",
        "2026-11-27T09:15:00.250000+08:00",
        "2026-11-27T11:30:00.000001+08:00",
    ]
    created = _post_many(
        client, writer_headers, [mention_payload(published_at=times[i % 3]) for i in range(23)]
    )
    everything = _ids(_list(client, writer_headers, limit=200))

    paged, pages = _walk(client, writer_headers, limit=4)

    assert pages == 6
    assert paged == everything
    assert sorted(paged) == sorted(created)


def test_cursor_paging_keeps_the_filters(client: TestClient, writer_headers: Headers) -> None:
    flood = _post_many(
        client, writer_headers, [mention_payload(title=f"Banjir Sempaja Hari ke-{i}") for i in range(1, 8)]
    )
    _post_many(
        client, writer_headers, [mention_payload(title=f"Karhutla Muara Badak Titik {i}") for i in range(5)]
    )

    paged, pages = _walk(client, writer_headers, q="banjir sempaja", limit=3)

    assert pages == 3
    assert sorted(paged) == sorted(flood)


def test_link_header_points_to_the_next_page_and_is_absent_on_the_last(
    client: TestClient, writer_headers: Headers
) -> None:
    _post_many(
        client, writer_headers, [mention_payload(published_at="2026-11-27T10:00:00+08:00") for _ in range(7)]
    )
    params = {"limit": 3, "since": "2026-11-27T00:00:00+08:00", "q": "kalimantan timur 100%"}
    _post(client, writer_headers, title="Kalimantan Timur 100% Siap Hadapi Musim Hujan")
    _post_many(
        client,
        writer_headers,
        [mention_payload(title=f"Kalimantan Timur 100% siap: laporan ke-{i}") for i in range(6)],
    )
    expected = _ids(_list(client, writer_headers, **{**params, "limit": 200}))
    assert len(expected) == 7

    seen: list[int] = []
    response = client.get("/v1/mentions", params=params, headers=writer_headers)
    while True:
        assert response.status_code == 200, response.text
        seen.extend(_ids(response.json()))
        if response.json()["next_cursor"] is None:
            break
        match = re.fullmatch(r'<([^>]+)>; rel="next"', response.headers["link"])
        assert match is not None
        assert response.json()["next_cursor"] in match.group(1)
        response = client.get(match.group(1), headers=writer_headers)

    assert "link" not in response.headers
    assert seen == expected
    assert [len(chunk) for chunk in (seen[:3], seen[3:6], seen[6:])] == [3, 3, 1]


def test_next_cursor_is_null_when_everything_fits(client: TestClient, writer_headers: Headers) -> None:
    _post(client, writer_headers)
    _post(client, writer_headers)

    response = client.get("/v1/mentions", params={"limit": 2}, headers=writer_headers)

    assert len(response.json()["items"]) == 2
    assert response.json()["next_cursor"] is None
    assert "link" not in response.headers


def test_limit_defaults_to_50(client: TestClient, writer_headers: Headers) -> None:
    _post_many(client, writer_headers, [mention_payload() for _ in range(51)])

    page = _list(client, writer_headers)

    assert len(page["items"]) == 50
    assert page["next_cursor"] is not None
    assert len(_list(client, writer_headers, cursor=page["next_cursor"])["items"]) == 1


def test_limit_above_200_is_treated_as_200(client: TestClient, writer_headers: Headers) -> None:
    _post_many(client, writer_headers, [mention_payload() for _ in range(205)])

    page = _list(client, writer_headers, limit=500)

    assert len(page["items"]) == 200
    assert page["next_cursor"] is not None
    rest = _list(client, writer_headers, limit=500, cursor=page["next_cursor"])
    assert len(rest["items"]) == 5
    assert rest["next_cursor"] is None


def test_limit_below_one_is_refused_by_the_contract(client: TestClient, writer_headers: Headers) -> None:
    for path in ("/v1/mentions", "/v1/issues", "/v1/tasks", "/v1/audit"):
        for limit in (0, -1):
            response = client.get(path, params={"limit": limit}, headers=writer_headers)
            if response.status_code == 403:  # /v1/audit and /v1/tasks need other scopes than this key's
                continue
            _problem(response, 422, "VALIDATION_FAILED")
            assert response.json()["errors"][0]["loc"] == ["query", "limit"]


# --- cursors that must be refused ------------------------------------------------------------------------


def _first_cursor(client: TestClient, headers: Headers, **params: Any) -> str:
    _post_many(client, headers, [mention_payload(title=f"Banjir Rob di Bontang Kuala {i}") for i in range(3)])
    cursor = _list(client, headers, limit=1, **params)["next_cursor"]
    assert isinstance(cursor, str)
    return cursor


def test_cursor_with_a_changed_payload_is_invalid_cursor(client: TestClient, writer_headers: Headers) -> None:
    cursor = _first_cursor(client, writer_headers)
    payload, _signature = cursor.split(".")

    response = client.get(
        "/v1/mentions",
        params={"limit": 1, "cursor": _flip(cursor, len(payload) // 2)},
        headers=writer_headers,
    )

    _problem(response, 400, "INVALID_CURSOR")


def test_cursor_with_a_changed_signature_is_invalid_cursor(
    client: TestClient, writer_headers: Headers
) -> None:
    cursor = _first_cursor(client, writer_headers)
    payload, signature = cursor.split(".")

    tampered = _flip(cursor, len(payload) + 1 + len(signature) // 2)
    response = client.get("/v1/mentions", params={"limit": 1, "cursor": tampered}, headers=writer_headers)

    _problem(response, 400, "INVALID_CURSOR")


def test_cursor_that_is_not_a_cursor_is_invalid_cursor(client: TestClient, writer_headers: Headers) -> None:
    for garbage in ("halaman-dua", "...", "é.é", "eyJzIjoiYWJjIn0"):
        response = client.get("/v1/mentions", params={"cursor": garbage}, headers=writer_headers)

        _problem(response, 400, "INVALID_CURSOR")


def test_cursor_issued_for_other_filters_is_invalid_cursor(
    client: TestClient, writer_headers: Headers
) -> None:
    cursor = _first_cursor(client, writer_headers, q="banjir rob")

    for other in ({"q": "bontang kuala"}, {}, {"q": "banjir rob", "source_type": "online_news"}):
        response = client.get(
            "/v1/mentions", params={"limit": 1, "cursor": cursor, **other}, headers=writer_headers
        )

        _problem(response, 400, "INVALID_CURSOR")
    assert _list(client, writer_headers, limit=1, q="banjir rob", cursor=cursor)["items"]


# --- one mention, access, times --------------------------------------------------------------------------


def test_get_one_mention_returns_it_as_stored(client: TestClient, writer_headers: Headers) -> None:
    payload = mention_payload(region_codes=["64.71", "64.09"], metrics={"reach": 52000, "shares": 340})
    mention_id = client.post("/v1/mentions", json=payload, headers=writer_headers).json()["id"]

    response = client.get(f"/v1/mentions/{mention_id}", headers=writer_headers)

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == mention_id
    assert (body["title"], body["text"], body["url"]) == (payload["title"], payload["text"], payload["url"])
    assert body["external_id"] == payload["external_id"]
    assert sorted(body["region_codes"]) == ["64.09", "64.71"]
    assert body["metrics"]["reach"] == 52000
    assert body["source_system"] == "Crawler media Diskominfo Kaltim"


def test_unknown_mention_is_404_mention_not_found(client: TestClient, writer_headers: Headers) -> None:
    response = client.get("/v1/mentions/987654321", headers=writer_headers)

    body = _problem(response, 404, "MENTION_NOT_FOUND")
    assert body["instance"] == "/v1/mentions/987654321"


def test_reader_needs_mentions_read_scope(
    client: TestClient, make_key: KeyMaker, writer_headers: Headers
) -> None:
    mention_id = _post(client, writer_headers)
    write_only = bearer(make_key(Scope.mentions_write, name="Pengirim LAPOR! tanpa akses baca"))

    for path in ("/v1/mentions", f"/v1/mentions/{mention_id}"):
        response = client.get(path, headers=write_only)

        _problem(response, 403, "INSUFFICIENT_SCOPE")


def test_listing_without_a_key_is_401(client: TestClient) -> None:
    response = client.get("/v1/mentions")

    _problem(response, 401, "AUTHENTICATION_REQUIRED")


def test_times_are_answered_in_wita(client: TestClient, writer_headers: Headers) -> None:
    mention_id = _post(client, writer_headers, published_at="2026-11-27T00:15:00Z")

    one = client.get(f"/v1/mentions/{mention_id}", headers=writer_headers).json()
    listed = _list(client, writer_headers)["items"][0]

    for body in (one, listed):
        assert body["published_at"] == "2026-11-27T08:15:00+08:00"
        assert body["received_at"].endswith("+08:00")


# --- odd input that must not become a server error ---------------------------------------------------------


def test_since_before_year_one_in_utc_is_not_a_server_error(app: FastAPI, writer_headers: Headers) -> None:
    # 0001-01-01 00:00 WITA is earlier than the earliest instant Python can hold in UTC.
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get(
            "/v1/mentions", params={"since": "0001-01-01T00:00:00+08:00"}, headers=writer_headers
        )

    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["type"] == "datetime_out_of_range"


def test_nul_character_in_q_or_region_is_not_a_server_error(app: FastAPI, writer_headers: Headers) -> None:
    with TestClient(app, raise_server_exceptions=False) as client:
        for params in ({"q": "banjir\x00samarinda"}, {"region": "64\x00"}):
            response = client.get("/v1/mentions", params=params, headers=writer_headers)

            assert response.status_code == 422, (params, response.text)
