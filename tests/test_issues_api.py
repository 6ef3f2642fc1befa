"""Issues over HTTP: intake attaches mentions; the triage queue; officers' edits, overrides, merge, split."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, func, select

from app.auth.models import Scope
from app.issues.models import IssueHistory
from app.outbox.models import OutboxEvent
from tests.conftest import KeyMaker, bearer

Headers = dict[str, str]
_ids = itertools.count(1)
NOW = datetime.now(UTC).replace(microsecond=0)

FLOOD = [
    (
        "Banjir Rendam Ratusan Rumah di Sempaja, BPBD Samarinda Evakuasi Lansia",
        "Hujan deras sejak dini hari membuat Sungai Karang Mumus meluap. Ratusan rumah di Sempaja Selatan "
        "dan Bengkuring terendam hingga satu meter; BPBD Samarinda mengevakuasi lansia ke posko di masjid.",
    ),
    (
        "Sempaja dan Bengkuring Masih Terendam, Pengungsi Bertambah",
        "Genangan di Sempaja Selatan belum surut. Posko pengungsian BPBD di Bengkuring kini menampung 240 "
        "warga; Karang Mumus masih tinggi dan drainase di Jalan DI Panjaitan tersumbat sampah.",
    ),
    (
        "Warga Bengkuring Keluhkan Drainase, Banjir Sempaja Belum Surut",
        "Warga Bengkuring dan Sempaja meminta pemerintah mengeruk Sungai Karang Mumus. Air banjir masih "
        "merendam rumah mereka; BPBD Samarinda menyalurkan perahu karet dan logistik ke posko.",
    ),
]
OIL_SPILL = (
    "Tumpahan Minyak Cemari Teluk Balikpapan, Nelayan Kariangau Tak Bisa Melaut",
    "Lapisan minyak hitam terlihat di perairan Teluk Balikpapan sekitar Kariangau. Nelayan mengeluhkan "
    "jaring kotor dan bau menyengat; DLH mengambil sampel air untuk mencari sumber tumpahan.",
)
SOLAR = (
    "Antrean Solar Mengular di SPBU Tanjung Redeb",
    "Sopir truk dan nelayan di Tanjung Redeb mengantre solar sejak subuh. Pertamina menyebut pasokan ke "
    "Berau terlambat karena cuaca buruk; polisi berjaga di SPBU Gunung Tabur.",
)


def mention(title: str, text: str, *, at: datetime | None = None, **overrides: Any) -> dict[str, Any]:
    n = next(_ids)
    payload: dict[str, Any] = {
        "source_type": "online_news",
        "source_name": f"Media Kaltim {n}",
        "url": f"https://media{n}.example.id/berita/{n}",
        "external_id": f"issue-test-{n}",
        "title": title,
        "text": text,
        "published_at": (at or NOW - timedelta(minutes=30)).isoformat(),
        "metrics": {"reach": 5000 + n},
    }
    payload.update(overrides)
    return payload


@pytest.fixture
def writer(make_key: KeyMaker) -> Headers:
    return bearer(make_key(Scope.mentions_write, Scope.mentions_read, name="Crawler media Diskominfo"))


@pytest.fixture
def officer(make_key: KeyMaker) -> Headers:
    return bearer(make_key(Scope.issues_read, Scope.issues_write, name="Pranata Humas Diskominfo"))


def post(client: TestClient, headers: Headers, payload: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/v1/mentions", json=payload, headers=headers)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def issue_of(client: TestClient, headers: Headers, issue_id: int) -> tuple[dict[str, Any], str]:
    response = client.get(f"/v1/issues/{issue_id}", headers=headers)
    assert response.status_code == 200, response.text
    return response.json(), response.headers["ETag"]


def events(session: Session, issue_id: int) -> list[str]:
    rows = session.exec(
        select(OutboxEvent.event_type)
        .where(col(OutboxEvent.aggregate_id) == issue_id)
        .order_by(col(OutboxEvent.id))
    ).all()
    return list(rows)


def test_intake_attaches_the_same_story_in_other_words_and_separates_other_stories(
    client: TestClient, writer: Headers, officer: Headers
) -> None:
    first = post(client, writer, mention(*FLOOD[0]))
    second = post(client, writer, mention(*FLOOD[1]))
    other = post(client, writer, mention(*OIL_SPILL))

    assert first["issue_id"] is not None
    assert second["issue_id"] == first["issue_id"]
    assert second["clustering"]["score"] >= 0.3
    assert {"sempaja", "bengkuring"} <= set(second["clustering"]["shared_terms"])
    assert other["issue_id"] != first["issue_id"]

    issue, _ = issue_of(client, officer, first["issue_id"])
    assert issue["mention_count"] == 2
    assert issue["source_count"] == 2
    assert issue["topic"] == "bencana"
    assert issue["region_codes"] == ["64.72"]
    assert issue["status"] == "new"
    assert issue["level"] in ("waspada", "siaga", "awas")
    # Read back, the mention says where it went and why.
    stored = client.get(f"/v1/mentions/{second['id']}", headers=writer).json()
    assert stored["issue_id"] == first["issue_id"]
    assert stored["clustering"]["shared_terms"] == second["clustering"]["shared_terms"]


def test_a_syndicated_copy_is_a_near_duplicate_counted_for_volume_not_as_news(
    client: TestClient, writer: Headers, officer: Headers
) -> None:
    title, text = FLOOD[0]
    original = post(client, writer, mention(title, text, metrics={"reach": 10000}))
    copy = post(
        client,
        writer,
        mention(title.upper(), text + " (ant)", source_name="Antara Kaltim", metrics={"reach": 3000}),
    )
    assert copy["issue_id"] == original["issue_id"]
    assert copy["clustering"]["near_duplicate_of"] == original["id"]
    issue, _ = issue_of(client, officer, original["issue_id"])
    assert (issue["mention_count"], issue["original_count"]) == (2, 1)
    assert issue["reach_total"] == 13000


def test_batch_results_carry_the_issue_also_for_duplicates(client: TestClient, writer: Headers) -> None:
    items = [mention(*FLOOD[0]), mention(*SOLAR)]
    first = client.post("/v1/mentions/batch", json={"items": items}, headers=writer).json()
    issue_ids = [r["issue_id"] for r in first["results"]]
    assert all(issue_ids) and issue_ids[0] != issue_ids[1]
    again = client.post("/v1/mentions/batch", json={"items": items}, headers=writer).json()
    assert [r["status"] for r in again["results"]] == ["duplicate", "duplicate"]
    assert [r["issue_id"] for r in again["results"]] == issue_ids


def test_a_new_issue_is_announced_in_the_outbox_of_the_same_transaction(
    client: TestClient, writer: Headers, session: Session
) -> None:
    created = post(client, writer, mention(*SOLAR))
    assert events(session, created["issue_id"]) == ["issue.created"]
    payload = session.exec(
        select(OutboxEvent.payload).where(col(OutboxEvent.aggregate_id) == created["issue_id"])
    ).one()
    assert payload["links"]["self"] == f"/v1/issues/{created['issue_id']}"
    assert "text" not in payload  # thin: no mention text, no personal data


def test_patch_needs_the_current_etag(
    client: TestClient, writer: Headers, officer: Headers, session: Session
) -> None:
    issue_id = post(client, writer, mention(*OIL_SPILL))["issue_id"]
    _, etag = issue_of(client, officer, issue_id)
    change = {"status": "handling", "assigned_agency": "dlh", "reason": "DLH Provinsi memimpin penanganan."}

    missing = client.patch(f"/v1/issues/{issue_id}", json=change, headers=officer)
    assert missing.status_code == 428
    assert missing.headers["content-type"].startswith("application/problem+json")
    stale = client.patch(
        f"/v1/issues/{issue_id}", json=change, headers={**officer, "If-Match": '"issue-1-v0"'}
    )
    assert stale.status_code == 412
    assert stale.json()["code"] == "ISSUE_CHANGED"

    done = client.patch(f"/v1/issues/{issue_id}", json=change, headers={**officer, "If-Match": etag})
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "handling"
    assert done.json()["assigned_agency"] == "dlh"
    assert done.headers["ETag"] != etag
    # The old ETag is now stale.
    again = client.patch(
        f"/v1/issues/{issue_id}", json={"status": "resolved"}, headers={**officer, "If-Match": etag}
    )
    assert again.status_code == 412

    history = client.get(f"/v1/issues/{issue_id}/history", headers=officer).json()["items"]
    status_change = next(h for h in history if h["field"] == "status" and h["old"] == "new")
    assert status_change["new"] == "handling"
    assert status_change["cause"]["by"] == "Pranata Humas Diskominfo"
    assert status_change["cause"]["reason"] == "DLH Provinsi memimpin penanganan."
    assert any(h["field"] == "assigned_agency" and h["new"] == "dlh" for h in history)
    assert events(session, issue_id)[-1] == "issue.status_changed"


def test_patch_refuses_unknown_agencies_and_hoax_verdicts_without_evidence(
    client: TestClient, writer: Headers, officer: Headers
) -> None:
    issue_id = post(client, writer, mention(*SOLAR))["issue_id"]
    _, etag = issue_of(client, officer, issue_id)
    headers = {**officer, "If-Match": etag}
    unknown = client.patch(f"/v1/issues/{issue_id}", json={"assigned_agency": "dinas-entah"}, headers=headers)
    assert (unknown.status_code, unknown.json()["code"]) == (422, "UNKNOWN_AGENCY")
    bare = client.patch(f"/v1/issues/{issue_id}", json={"hoax_status": "clarified"}, headers=headers)
    assert (bare.status_code, bare.json()["code"]) == (422, "HOAX_EVIDENCE_REQUIRED")
    evidence = {
        "hoax_status": "clarified",
        "hoax_evidence": ["https://diskominfo.kaltimprov.go.id/klarifikasi/1"],
    }
    assert client.patch(f"/v1/issues/{issue_id}", json=evidence, headers=headers).status_code == 200
    empty = client.patch(f"/v1/issues/{issue_id}", json={"reason": "tidak ada perubahan"}, headers=headers)
    assert empty.status_code == 422


def test_an_officer_override_holds_while_the_machine_verdict_keeps_updating(
    client: TestClient, writer: Headers, officer: Headers, session: Session
) -> None:
    issue_id = post(client, writer, mention(*FLOOD[0]))["issue_id"]
    before, _ = issue_of(client, officer, issue_id)
    body = {"level": "awas", "reason": "Tanggul Karang Mumus retak; BPBD siapkan evakuasi Sempaja."}
    response = client.post(f"/v1/issues/{issue_id}/classification", json=body, headers=officer)
    assert response.status_code == 200, response.text
    issue = response.json()
    assert issue["level"] == "awas"
    assert issue["override"]["level"] == "awas"
    assert issue["override"]["set_by"] == "Pranata Humas Diskominfo"
    assert issue["classification"]["level"] == before["classification"]["level"]  # machine untouched
    assert events(session, issue_id)[-2:] == ["issue.level_changed", "issue.escalated"]

    post(client, writer, mention(*FLOOD[1]))
    grown, _ = issue_of(client, officer, issue_id)
    assert grown["mention_count"] == 2
    assert grown["level"] == "awas"

    cleared = client.request(
        "DELETE", f"/v1/issues/{issue_id}/classification", params={"reason": "Tanggul aman"}, headers=officer
    )
    assert cleared.status_code == 200
    assert cleared.json()["override"] is None
    assert cleared.json()["level"] == cleared.json()["classification"]["level"]
    fields = [
        h["field"] for h in client.get(f"/v1/issues/{issue_id}/history", headers=officer).json()["items"]
    ]
    assert fields.count("classification") == 2


def test_override_needs_a_reason_and_something_to_set(
    client: TestClient, writer: Headers, officer: Headers
) -> None:
    issue_id = post(client, writer, mention(*SOLAR))["issue_id"]
    url = f"/v1/issues/{issue_id}/classification"
    assert client.post(url, json={"level": "siaga"}, headers=officer).status_code == 422
    assert client.post(url, json={"reason": "cukup alasan di sini"}, headers=officer).status_code == 422
    impact = {
        "impact": {"public_safety": 3, "threat_readiness": 3},
        "reason": "Solar langka, nelayan tak melaut",
    }
    raised = client.post(url, json=impact, headers=officer).json()
    assert raised["override"]["impact"] == {"public_safety": 3, "threat_readiness": 3}
    assert raised["classification"]["impact"]["public_safety"] != 3 or raised["level"] != "normal"


def test_the_triage_queue_orders_open_issues_by_priority_and_pages_without_gaps(
    client: TestClient, writer: Headers, officer: Headers
) -> None:
    ids = {post(client, writer, mention(*story))["issue_id"] for story in (FLOOD[0], OIL_SPILL, SOLAR)}
    listed = client.get("/v1/issues", headers=officer).json()["items"]
    # Rows are brief: the signals (why) are on the issue itself.
    assert "signals" not in listed[0]["classification"]
    assert client.get(f"/v1/issues/{listed[0]['id']}", headers=officer).json()["classification"]["signals"]
    ranks = [({"normal": 0, "waspada": 1, "siaga": 2, "awas": 3}[i["level"]], i["urgency"]) for i in listed]
    assert ranks == sorted(ranks, reverse=True)
    assert ids <= {i["id"] for i in listed}

    seen: list[int] = []
    url = "/v1/issues?limit=1"
    while url:
        page = client.get(url, headers=officer)
        assert page.status_code == 200
        seen += [i["id"] for i in page.json()["items"]]
        cursor = page.json()["next_cursor"]
        url = f"/v1/issues?limit=1&cursor={cursor}" if cursor else ""
    assert seen == [i["id"] for i in listed]
    cursor = client.get("/v1/issues?limit=1", headers=officer).json()["next_cursor"]
    wrong = client.get(f"/v1/issues?limit=1&topic=energi&cursor={cursor}", headers=officer)
    assert wrong.status_code == 400


def test_filters_narrow_the_queue(client: TestClient, writer: Headers, officer: Headers) -> None:
    flood = post(client, writer, mention(*FLOOD[0]))["issue_id"]
    solar = post(client, writer, mention(*SOLAR))["issue_id"]

    def ids(query: str) -> set[int]:
        response = client.get(f"/v1/issues?{query}", headers=officer)
        assert response.status_code == 200, response.text
        return {i["id"] for i in response.json()["items"]}

    assert flood in ids("region=64.72") and solar not in ids("region=64.72")
    assert solar in ids("region=64.05") and flood not in ids("region=64.05")
    assert flood in ids("topic=bencana") and solar not in ids("topic=bencana")
    assert flood in ids("q=sempaja") and solar not in ids("q=sempaja")
    assert solar in ids("agency=dinas-esdm") or solar in ids("topic=energi")
    flood_level = client.get(f"/v1/issues/{flood}", headers=officer).json()["level"]
    assert flood in ids(f"level={flood_level}")
    assert ids("min_level=awas") <= ids("min_level=siaga") <= ids("min_level=waspada")

    _, etag = issue_of(client, officer, solar)
    client.patch(f"/v1/issues/{solar}", json={"status": "resolved"}, headers={**officer, "If-Match": etag})
    assert solar not in ids("")
    assert solar in ids("status=any") and solar in ids("status=resolved")
    assert client.get("/v1/issues?status=tutup", headers=officer).status_code == 422


def test_new_mentions_reopen_a_resolved_issue(client: TestClient, writer: Headers, officer: Headers) -> None:
    issue_id = post(client, writer, mention(*FLOOD[0]))["issue_id"]
    _, etag = issue_of(client, officer, issue_id)
    client.patch(f"/v1/issues/{issue_id}", json={"status": "resolved"}, headers={**officer, "If-Match": etag})
    assert post(client, writer, mention(*FLOOD[1]))["issue_id"] == issue_id
    assert issue_of(client, officer, issue_id)[0]["status"] == "monitoring"


def test_merge_folds_issues_together_and_archives_the_others(
    client: TestClient, writer: Headers, officer: Headers, session: Session
) -> None:
    flood = post(client, writer, mention(*FLOOD[0]))["issue_id"]
    oil = post(client, writer, mention(*OIL_SPILL))["issue_id"]
    merged = client.post(
        f"/v1/issues/{flood}/merge", json={"issue_ids": [oil], "reason": "Uji penggabungan"}, headers=officer
    )
    assert merged.status_code == 200, merged.text
    assert merged.json()["mention_count"] == 2
    assert set(merged.json()["region_codes"]) == {"64.72", "64.71"}
    other, _ = issue_of(client, officer, oil)
    assert (other["status"], other["merged_into"]) == ("archived", flood)
    mentions = client.get(f"/v1/issues/{flood}/mentions", headers=officer).json()["items"]
    assert len(mentions) == 2 and {m["attached_by"] for m in mentions} == {"machine", "merge"}
    assert "issue.status_changed" in events(session, oil)
    # What conflicts with the issues as stored now is a 409: the request itself was well formed.
    into_itself = client.post(f"/v1/issues/{flood}/merge", json={"issue_ids": [flood]}, headers=officer)
    assert (into_itself.status_code, into_itself.json()["code"]) == (409, "MERGE_INTO_SELF")
    again = client.post(f"/v1/issues/{flood}/merge", json={"issue_ids": [oil]}, headers=officer)
    assert (again.status_code, again.json()["code"]) == (409, "ALREADY_MERGED")
    assert (
        client.post(f"/v1/issues/{flood}/merge", json={"issue_ids": [999999]}, headers=officer).status_code
        == 404
    )
    # A new report of the oil spill now lands in the merged issue, not in the archived one.
    assert post(client, writer, mention(OIL_SPILL[0] + " (ant)", OIL_SPILL[1]))["issue_id"] == flood


def test_split_moves_mentions_into_a_new_issue(client: TestClient, writer: Headers, officer: Headers) -> None:
    first = post(client, writer, mention(*FLOOD[0]))
    second = post(client, writer, mention(*FLOOD[1]))
    issue_id = first["issue_id"]
    response = client.post(
        f"/v1/issues/{issue_id}/split",
        json={
            "mention_ids": [second["id"]],
            "title": "Pengungsi banjir Bengkuring",
            "reason": "Isu terpisah",
        },
        headers=officer,
    )
    assert response.status_code == 201, response.text
    new = response.json()
    assert response.headers["Location"] == f"/v1/issues/{new['id']}"
    assert (new["title"], new["mention_count"]) == ("Pengungsi banjir Bengkuring", 1)
    assert issue_of(client, officer, issue_id)[0]["mention_count"] == 1
    assert client.get(f"/v1/mentions/{second['id']}", headers=writer).json()["issue_id"] == new["id"]
    everything = client.post(
        f"/v1/issues/{issue_id}/split", json={"mention_ids": [first["id"]]}, headers=officer
    )
    assert (everything.status_code, everything.json()["code"]) == (409, "SPLIT_TAKES_ALL")
    foreign = client.post(
        f"/v1/issues/{issue_id}/split", json={"mention_ids": [second["id"]]}, headers=officer
    )
    assert (foreign.status_code, foreign.json()["code"]) == (409, "MENTION_NOT_IN_ISSUE")


def test_timeline_counts_per_hour_and_per_wita_day(
    client: TestClient, writer: Headers, officer: Headers
) -> None:
    # 23:30 and 00:30 WITA: two hours, two WITA days, although both are the same UTC day.
    evening = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)
    issue_id = post(client, writer, mention(*FLOOD[0], at=evening))["issue_id"]
    post(client, writer, mention(*FLOOD[1], at=evening + timedelta(hours=1)))
    hours = client.get(f"/v1/issues/{issue_id}/timeline?bucket=hour", headers=officer).json()
    assert [b["mentions"] for b in hours["items"]] == [1, 1]
    days = client.get(f"/v1/issues/{issue_id}/timeline?bucket=day", headers=officer).json()["items"]
    assert [b["start"] for b in days] == ["2026-11-20T00:00:00+08:00", "2026-11-21T00:00:00+08:00"]
    assert sum(b["negative"] + b["neutral"] + b["positive"] for b in days) == 2


def test_a_burst_of_mentions_is_a_spike_that_raises_urgency(
    client: TestClient, writer: Headers, officer: Headers
) -> None:
    # Inside one clock hour (the hour before now), whatever the minute the test runs at.
    start = NOW.replace(minute=0, second=0) - timedelta(hours=1) + timedelta(minutes=5)
    issue_id = None
    for n in range(6):
        title, text = FLOOD[n % 3]
        body = post(
            client,
            writer,
            mention(f"{title} ({n})", text + f" Laporan ke-{n}.", at=start + timedelta(minutes=n)),
        )
        issue_id = issue_id or body["issue_id"]
        assert body["issue_id"] == issue_id
    issue, _ = issue_of(client, officer, issue_id)
    assert issue["spike_at"] is not None
    assert issue["classification"]["signals"][0]["name"] == "spike"
    history = client.get(f"/v1/issues/{issue_id}/history", headers=officer).json()["items"]
    assert [h["field"] for h in history].count("spike") == 1


def test_a_dormant_issue_flares_back_with_new_mentions(
    client: TestClient, writer: Headers, officer: Headers, session: Session
) -> None:
    issue_id = post(client, writer, mention(*FLOOD[0], at=NOW - timedelta(days=4)))["issue_id"]
    assert issue_of(client, officer, issue_id)[0]["stage"] == "dormant"

    def listed(query: str) -> set[int]:
        return {i["id"] for i in client.get(f"/v1/issues?{query}", headers=officer).json()["items"]}

    # Quiet issues stay open but leave the triage queue until asked for.
    assert issue_id not in listed("")
    assert issue_id in listed("stage=dormant") and issue_id in listed("include_dormant=true")
    assert post(client, writer, mention(*FLOOD[1]))["issue_id"] == issue_id
    issue, _ = issue_of(client, officer, issue_id)
    assert issue["stage"] != "dormant"
    flare = session.exec(
        select(IssueHistory).where(col(IssueHistory.issue_id) == issue_id, col(IssueHistory.field) == "stage")
    ).all()
    assert any(h.old == "dormant" and "flare" in h.cause for h in flare)


def test_reading_and_changing_issues_need_their_scopes(
    client: TestClient, writer: Headers, make_key: KeyMaker
) -> None:
    issue_id = post(client, writer, mention(*SOLAR))["issue_id"]
    reader = bearer(make_key(Scope.issues_read, name="Dasbor pimpinan"))
    assert client.get(f"/v1/issues/{issue_id}", headers=reader).status_code == 200
    assert client.get("/v1/issues", headers=writer).status_code == 403
    forbidden = client.post(f"/v1/issues/{issue_id}/merge", json={"issue_ids": [1]}, headers=reader)
    assert forbidden.status_code == 403
    assert client.get("/v1/issues/987654", headers=reader).status_code == 404


def test_rolled_back_intake_leaves_no_issue_and_no_event(session: Session, make_key: KeyMaker) -> None:
    from app.demo import loader
    from app.mentions import service as mentions
    from app.mentions.schemas import MentionCreate

    principal = loader(session)
    before = session.exec(select(func.count()).select_from(OutboxEvent)).one()
    nested = session.begin_nested()
    mentions.store(session, principal=principal, items=[MentionCreate.model_validate(mention(*SOLAR))])
    assert session.exec(select(func.count()).select_from(OutboxEvent)).one() == before + 1
    nested.rollback()
    assert session.exec(select(func.count()).select_from(OutboxEvent)).one() == before
