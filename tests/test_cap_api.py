"""CAP 1.2 over HTTP: an issue's latest message follows its history and validates against the OASIS schema."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from typing import Any

import capvalidator
import pytest
from fastapi.testclient import TestClient

from app.auth.models import Scope
from tests.conftest import KeyMaker, bearer

Headers = dict[str, str]
CAP = {"cap": "urn:oasis:names:tc:emergency:cap:1.2"}
ATOM = {"a": "http://www.w3.org/2005/Atom"}
NOW = datetime.now(UTC).replace(microsecond=0)
_ids = itertools.count(1)

FLOOD = (
    "Banjir Rendam Ratusan Rumah di Sempaja, Warga Mengungsi",
    "Sungai Karang Mumus meluap dan merendam ratusan rumah di Sempaja Selatan, Samarinda. BPBD Samarinda "
    "mengevakuasi warga ke posko pengungsian.",
)
HAZE = (
    "Kabut Asap Karhutla Selimuti Penajam, Sekolah Diliburkan",
    "Kebakaran lahan di Penajam Paser Utara membuat kabut asap tebal; Dinas Pendidikan meliburkan sekolah "
    "dan Dinas Kesehatan membagikan masker.",
)
CONCERT = (
    "Festival Musik Tepian Mahakam Dipadati Penonton",
    "Ribuan penonton memadati festival musik di tepian Sungai Mahakam; pelaku UMKM mencatat penjualan naik.",
)


@pytest.fixture
def writer(make_key: KeyMaker) -> Headers:
    return bearer(make_key(Scope.mentions_write, name="Crawler media Diskominfo"))


@pytest.fixture
def officer(make_key: KeyMaker) -> Headers:
    return bearer(make_key(Scope.issues_read, Scope.issues_write, name="Pranata Humas Diskominfo Kaltim"))


def issue_from(client: TestClient, writer: Headers, story: tuple[str, str], **extra: Any) -> int:
    n = next(_ids)
    response = client.post(
        "/v1/mentions",
        json={
            "source_type": "online_news",
            "source_name": f"Media Kaltim {n}",
            "url": f"https://media{n}.example.id/cap/{n}",
            "title": story[0],
            "text": story[1],
            "published_at": (NOW - timedelta(minutes=30 + n)).isoformat(),
            **extra,
        },
        headers=writer,
    )
    assert response.status_code == 201, response.text
    issue_id: int = response.json()["issue_id"]
    return issue_id


def set_level(client: TestClient, officer: Headers, issue_id: int, level: str) -> None:
    response = client.post(
        f"/v1/issues/{issue_id}/classification",
        json={"level": level, "reason": "Penilaian petugas berdasarkan laporan BPBD."},
        headers=officer,
    )
    assert response.status_code == 200, response.text


def cap_of(client: TestClient, officer: Headers, issue_id: int) -> tuple[bytes, ET.Element]:
    response = client.get(f"/v1/issues/{issue_id}/cap", headers=officer)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/cap+xml")
    result = capvalidator.check_schema(response.content)
    assert result.passed, result.message
    return response.content, ET.fromstring(response.content)  # noqa: S314 - our own output


def text(root: ET.Element, path: str) -> str:
    found = root.find(path, CAP)
    assert found is not None and found.text is not None, path
    return found.text


@pytest.mark.parametrize("level", ["normal", "waspada", "siaga", "awas"])
def test_every_level_makes_a_valid_alert_with_its_severity(
    client: TestClient, writer: Headers, officer: Headers, level: str
) -> None:
    issue_id = issue_from(client, writer, FLOOD, region_codes=["64.72"])
    set_level(client, officer, issue_id, level)
    _, root = cap_of(client, officer, issue_id)
    severity = {"normal": "Minor", "waspada": "Moderate", "siaga": "Severe", "awas": "Extreme"}[level]
    infos = root.findall("cap:info", CAP)
    assert [text(i, "cap:language") for i in infos] == ["id-ID", "en-US"]
    assert {text(i, "cap:severity") for i in infos} == {severity}
    assert text(root, "cap:sender") == "diskominfo@kaltimprov.go.id"
    geocodes = [g.text for g in root.iterfind("cap:info/cap:area/cap:geocode/cap:value", CAP)]
    assert "64.72" in geocodes
    assert "Samarinda" in text(root, "cap:info/cap:area/cap:areaDesc")


def test_messages_follow_the_history_alert_update_cancel(
    client: TestClient, writer: Headers, officer: Headers
) -> None:
    issue_id = issue_from(client, writer, CONCERT)
    _, first = cap_of(client, officer, issue_id)
    assert text(first, "cap:msgType") == "Alert"
    assert first.find("cap:references", CAP) is None
    assert first.find("cap:info/cap:area", CAP) is None or text(first, "cap:info/cap:area/cap:areaDesc")

    set_level(client, officer, issue_id, "siaga")
    _, update = cap_of(client, officer, issue_id)
    assert text(update, "cap:msgType") == "Update"
    assert text(first, "cap:identifier") in text(update, "cap:references")

    issue = client.get(f"/v1/issues/{issue_id}", headers=officer)
    closed = client.patch(
        f"/v1/issues/{issue_id}",
        json={"status": "resolved", "reason": "Acara selesai dengan aman."},
        headers={**officer, "If-Match": issue.headers["ETag"]},
    )
    assert closed.status_code == 200, closed.text
    _, cancel = cap_of(client, officer, issue_id)
    assert text(cancel, "cap:msgType") == "Cancel"
    references = text(cancel, "cap:references").split(" ")
    assert len(references) == 2 and text(update, "cap:identifier") in references[1]
    assert {text(i, "cap:urgency") for i in cancel.findall("cap:info", CAP)} == {"Past"}


def test_the_feed_lists_open_siaga_and_awas_issues_newest_first(
    client: TestClient, writer: Headers, officer: Headers
) -> None:
    flood = issue_from(client, writer, FLOOD, region_codes=["64.72"])
    haze = issue_from(client, writer, HAZE, region_codes=["64.09"])
    calm = issue_from(client, writer, CONCERT)
    set_level(client, officer, flood, "awas")
    set_level(client, officer, haze, "siaga")
    set_level(client, officer, calm, "waspada")
    response = client.get("/v1/cap/feed", headers=officer)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)  # noqa: S314 - our own output
    links = [
        link.get("href")
        for link in feed.iterfind("a:entry/a:link", ATOM)
        if link.get("type") == "application/cap+xml"
    ]
    # The flood's mention was published later than the haze's: it was active most recently.
    assert links == [
        f"https://sigap.kaltimprov.go.id/v1/issues/{flood}/cap",
        f"https://sigap.kaltimprov.go.id/v1/issues/{haze}/cap",
    ]
    assert client.get("/v1/cap/feed", headers=bearer_none()).status_code == 401


def bearer_none() -> Headers:
    return {}
