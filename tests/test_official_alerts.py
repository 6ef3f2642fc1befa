"""Official warnings set a floor under the crisis level and reach the public CAP feed, so only clients holding
`alerts:official` may send `bmkg_cap` mentions or register CAP feeds; any other key is refused."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.auth.models import Scope
from app.config import Settings
from tests.conftest import KeyMaker, bearer, test_settings


@pytest.fixture
def settings(database_url: str) -> Settings:
    return test_settings(database_url, outbound_allow_http_hosts="localhost")


WARNING: dict[str, Any] = {
    "source_type": "bmkg_cap",
    "source_name": "BMKG Stasiun Meteorologi APT Pranoto",
    "title": "Peringatan Dini Cuaca: Hujan Lebat disertai Petir di Samarinda dan Kutai Kartanegara",
    "text": "Waspada potensi hujan lebat disertai petir dan angin kencang pukul 14.00-17.00 WITA di "
    "Samarinda, Tenggarong dan Loa Janan.",
    "published_at": "2026-11-27T13:40:00+08:00",
    "official_alert": {"urgency": "Immediate", "severity": "Extreme", "certainty": "Observed"},
}


def test_a_crawler_key_cannot_raise_an_official_warning(client: TestClient, make_key: KeyMaker) -> None:
    crawler = bearer(make_key(Scope.mentions_write, Scope.mentions_read, agency="diskominfo-samarinda"))
    refused = client.post("/v1/mentions", headers=crawler, json={**WARNING, "external_id": "bmkg-1"})
    assert refused.status_code == 403 and refused.json()["code"] == "INSUFFICIENT_SCOPE"
    assert "alerts:official" in refused.json()["detail"]
    batch = client.post(
        "/v1/mentions/batch",
        headers=crawler,
        json={"items": [{**WARNING, "external_id": "bmkg-2"}, {**WARNING, "source_type": "online_news"}]},
    ).json()
    assert [r["status"] for r in batch["results"]] == ["rejected", "created"]
    assert batch["results"][0]["errors"][0]["type"] == "scope_required"

    bridge = bearer(make_key(Scope.mentions_write, Scope.alerts_official, name="Jembatan BMKG Kaltim"))
    accepted = client.post("/v1/mentions", headers=bridge, json={**WARNING, "external_id": "bmkg-3"})
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["classification"]["machine"]["level"] == "awas"


def test_only_trusted_clients_register_cap_feeds(client: TestClient, make_key: KeyMaker) -> None:
    manager = bearer(make_key(Scope.sources_manage, agency="diskominfo-samarinda"))
    feed = {"url": "http://localhost:9/cap/kaltim.xml", "name": "Peringatan dini (uji)"}
    refused = client.post("/v1/sources", headers=manager, json={**feed, "kind": "cap"})
    assert refused.status_code == 403 and refused.json()["code"] == "INSUFFICIENT_SCOPE"
    rss = client.post("/v1/sources", headers=manager, json={**feed, "kind": "rss"})
    assert rss.status_code == 201, rss.text
    switched = client.patch(f"/v1/sources/{rss.json()['id']}", headers=manager, json={"kind": "cap"})
    assert switched.status_code == 422  # a source's kind never changes

    trusted = bearer(make_key(Scope.sources_manage, Scope.alerts_official, agency="diskominfo-samarinda"))
    cap = client.post("/v1/sources", headers=trusted, json={**feed, "kind": "cap"})
    assert cap.status_code == 201, cap.text
    # A colleague of the same agency without the scope cannot point the CAP feed elsewhere.
    moved = client.patch(
        f"/v1/sources/{cap.json()['id']}", headers=manager, json={"url": "http://localhost:9/cap/lain.xml"}
    )
    assert moved.status_code == 403
    renamed = client.patch(f"/v1/sources/{cap.json()['id']}", headers=trusted, json={"name": "BMKG Kaltim"})
    assert renamed.status_code == 200
