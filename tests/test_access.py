"""Tenancy: the province sees everything; a kabupaten/kota its region's issues; an OPD what is assigned to it
or has tasks for it; restricted issues only the province and named agencies. Everything else is a 404,
exactly like an id that does not exist, in every list, detail, sub-resource, report, feed and webhook."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.auth.models import Scope
from tests.conftest import KeyMaker, bearer

Headers = dict[str, str]

READ_WRITE = (
    Scope.issues_read,
    Scope.issues_write,
    Scope.mentions_read,
    Scope.mentions_write,
    Scope.plans_read,
    Scope.plans_write,
)

# Three stories the provincial crawler reports. Each is written so that it clusters on its own.
STORIES = {
    "banjir_samarinda": {
        "title": "Banjir Rendam Lima Kelurahan di Samarinda Utara, Ratusan Warga Mengungsi",
        "text": "Sungai Karang Mumus meluap setelah hujan deras semalaman. Warga Sempaja dan Lempake "
        "mengungsi ke GOR Segiri; BPBD Kota Samarinda menyiagakan perahu karet.",
        "region_codes": ["64.72"],
    },
    "kebakaran_balikpapan": {
        "title": "Kebakaran Pasar Klandasan Balikpapan Hanguskan Puluhan Kios Pedagang",
        "text": "Api diduga berasal dari korsleting listrik di blok sayur Pasar Klandasan. Pedagang "
        "kehilangan barang dagangan; Damkar Balikpapan mengerahkan enam unit mobil pemadam.",
        "region_codes": ["64.71"],
    },
    "pungli_samarinda": {
        "title": "Dugaan Pungutan Liar Oknum Pejabat dalam Izin Usaha Tambang Galian C di Samarinda",
        "text": "Sejumlah pengusaha galian C mengaku dimintai setoran oleh oknum pejabat agar izin "
        "diterbitkan. Inspektorat diminta memeriksa laporan yang masuk melalui SP4N-LAPOR!.",
        "region_codes": ["64.72"],
    },
}


@dataclass
class World:
    province: Headers
    samarinda: Headers
    balikpapan: Headers
    bpbd: Headers
    inspektorat: Headers
    issue: dict[str, int]
    mention: dict[str, int]


def _post(client: TestClient, headers: Headers, key: str, n: int) -> dict[str, Any]:
    story = STORIES[key]
    response = client.post(
        "/v1/mentions",
        headers=headers,
        json={
            "source_type": "online_news",
            "source_name": "Kaltim Post",
            "url": f"https://kaltim.example.id/berita/2026/11/27/{key}-{n}",
            "title": story["title"],
            "text": story["text"],
            "published_at": f"2026-11-27T0{n}:15:00+08:00",
            "region_codes": story["region_codes"],
        },
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture
def world(client: TestClient, make_key: KeyMaker) -> World:
    province = bearer(make_key(*READ_WRITE, Scope.plans_approve, name="Meja Krisis Diskominfo Kaltim"))
    samarinda = bearer(make_key(*READ_WRITE, agency="diskominfo-samarinda", name="Diskominfo Samarinda"))
    balikpapan = bearer(make_key(*READ_WRITE, agency="diskominfo-balikpapan", name="Diskominfo Balikpapan"))
    bpbd = bearer(make_key(*READ_WRITE, agency="bpbd", name="Pusdalops BPBD Kaltim"))
    inspektorat = bearer(make_key(*READ_WRITE, agency="inspektorat", name="Inspektorat Kaltim"))
    issue: dict[str, int] = {}
    mention: dict[str, int] = {}
    for key in STORIES:
        created = _post(client, province, key, 1)
        issue[key], mention[key] = created["issue_id"], created["id"]
    assert len(set(issue.values())) == 3
    restricted = client.patch(
        f"/v1/issues/{issue['pungli_samarinda']}/access",
        headers=province,
        json={"restricted": True, "reason": "Dugaan pungli oknum pejabat; ditangani Inspektorat."},
    )
    assert restricted.status_code == 200, restricted.text
    return World(province, samarinda, balikpapan, bpbd, inspektorat, issue, mention)


def _ids(
    client: TestClient, headers: Headers, path: str = "/v1/issues?status=any&include_dormant=true"
) -> set[int]:
    response = client.get(path, headers=headers)
    assert response.status_code == 200, response.text
    return {item["id"] for item in response.json()["items"]}


def _not_found_like_missing(
    client: TestClient, headers: Headers, path: str, method: str = "GET", **kw: Any
) -> None:
    """The answer for a hidden resource is the answer for a missing one, word for word but the id."""
    hidden = client.request(method, path, headers=headers, **kw)
    assert hidden.status_code == 404, (path, hidden.status_code, hidden.text)
    parts = path.split("/")
    numeric = next(i for i in range(len(parts) - 1, -1, -1) if parts[i].isdigit())
    hidden_id = parts[numeric]
    parts[numeric] = "987654"
    missing = client.request(method, "/".join(parts), headers=headers, **kw)
    assert missing.status_code == 404
    strip = {"instance", "detail"}
    assert {k: v for k, v in hidden.json().items() if k not in strip} == {
        k: v for k, v in missing.json().items() if k not in strip
    }
    assert hidden.json()["detail"].replace(hidden_id, "987654") == missing.json()["detail"]


def test_the_province_sees_every_issue_and_a_kota_only_its_own(client: TestClient, world: World) -> None:
    everything = set(world.issue.values())
    assert _ids(client, world.province) >= everything
    assert _ids(client, world.samarinda) & everything == {world.issue["banjir_samarinda"]}
    assert _ids(client, world.balikpapan) & everything == {world.issue["kebakaran_balikpapan"]}
    assert _ids(client, world.bpbd) & everything == set()


def test_what_a_client_may_not_see_answers_404_everywhere(client: TestClient, world: World) -> None:
    other = world.issue["kebakaran_balikpapan"]
    hidden_mention = world.mention["kebakaran_balikpapan"]
    for path in (
        f"/v1/issues/{other}",
        f"/v1/issues/{other}/mentions",
        f"/v1/issues/{other}/timeline",
        f"/v1/issues/{other}/history",
        f"/v1/issues/{other}/cap",
        f"/v1/issues/{other}/access",
        f"/v1/issues/{other}/response-plans",
        f"/v1/issues/{other}/statements",
        f"/v1/mentions/{hidden_mention}",
    ):
        _not_found_like_missing(client, world.samarinda, path)
    reason = {"reason": "Uji akses lintas daerah."}
    writes: list[tuple[str, str, dict[str, Any]]] = [
        ("PATCH", f"/v1/issues/{other}", {"json": {"status": "triaged"}, "headers": {"If-Match": '"x"'}}),
        ("POST", f"/v1/issues/{other}/classification", {"json": {"level": "awas", **reason}}),
        ("DELETE", f"/v1/issues/{other}/classification", {}),
        ("POST", f"/v1/issues/{other}/split", {"json": {"mention_ids": [hidden_mention]}}),
        ("POST", f"/v1/issues/{other}/shares", {"json": {"agency": "diskominfo-samarinda", **reason}}),
        ("PATCH", f"/v1/issues/{other}/access", {"json": {"restricted": False, **reason}}),
        ("POST", f"/v1/issues/{other}/response-plans", {"json": {}}),
        ("POST", f"/v1/mentions/{hidden_mention}/labels", {"json": {"topic": "bencana", **reason}}),
    ]
    for method, path, extra in writes:
        headers = {**world.samarinda, **extra.pop("headers", {})}
        _not_found_like_missing(client, headers, path, method, **extra)
    # Merging a hidden issue into a visible one: the hidden one does not exist.
    merged = client.post(
        f"/v1/issues/{world.issue['banjir_samarinda']}/merge",
        headers=world.samarinda,
        json={"issue_ids": [other]},
    )
    assert merged.status_code == 404 and merged.json()["code"] == "ISSUE_NOT_FOUND"


def test_mentions_follow_their_issue(client: TestClient, world: World) -> None:
    seen = _ids(client, world.samarinda, "/v1/mentions?limit=200")
    assert world.mention["banjir_samarinda"] in seen
    assert world.mention["kebakaran_balikpapan"] not in seen
    # In Samarinda's region, but its issue is restricted: hidden too.
    assert world.mention["pungli_samarinda"] not in seen
    assert _ids(client, world.province, "/v1/mentions?limit=200") >= set(world.mention.values())


def test_an_agency_sees_what_is_assigned_to_it_or_has_its_tasks(client: TestClient, world: World) -> None:
    flood, fire = world.issue["banjir_samarinda"], world.issue["kebakaran_balikpapan"]
    etag = client.get(f"/v1/issues/{flood}", headers=world.province).headers["ETag"]
    assigned = client.patch(
        f"/v1/issues/{flood}",
        headers={**world.province, "If-Match": etag},
        json={"assigned_agency": "bpbd", "reason": "BPBD Provinsi memimpin penanganan banjir."},
    )
    assert assigned.status_code == 200, assigned.text
    assert _ids(client, world.bpbd) & set(world.issue.values()) == {flood}
    assert (
        client.get(f"/v1/mentions/{world.mention['banjir_samarinda']}", headers=world.bpbd).status_code == 200
    )

    plan = client.post(f"/v1/issues/{fire}/response-plans", headers=world.province, json={})
    assert plan.status_code == 201, plan.text
    task = client.post(
        f"/v1/response-plans/{plan.json()['id']}/tasks",
        headers=world.province,
        json={
            "title": "Siapkan data kios terdampak untuk bantuan",
            "agency": "bpbd",
            "phase": "respon",
            "due_rule": "first_response",
        },
    )
    assert task.status_code == 201, task.text
    assert _ids(client, world.bpbd) & set(world.issue.values()) == {flood, fire}
    queue = client.get("/v1/tasks?limit=200", headers=world.bpbd).json()["items"]
    assert task.json()["id"] in {t["id"] for t in queue}
    # Samarinda sees neither the plan nor its tasks.
    assert client.get(f"/v1/response-plans/{plan.json()['id']}", headers=world.samarinda).status_code == 404
    assert client.get(f"/v1/tasks/{task.json()['id']}", headers=world.samarinda).status_code == 404
    assert not {t["plan_id"] for t in client.get("/v1/tasks", headers=world.samarinda).json()["items"]} & {
        plan.json()["id"]
    }


def test_a_restricted_issue_is_seen_by_the_province_and_named_agencies_only(
    client: TestClient, world: World
) -> None:
    secret = world.issue["pungli_samarinda"]
    _not_found_like_missing(client, world.samarinda, f"/v1/issues/{secret}")
    _not_found_like_missing(client, world.inspektorat, f"/v1/issues/{secret}")
    assert client.get(f"/v1/issues/{secret}", headers=world.province).json()["restricted"] is True

    shared = client.post(
        f"/v1/issues/{secret}/shares",
        headers=world.province,
        json={"agency": "inspektorat", "reason": "Inspektorat memeriksa laporan pungli."},
    )
    assert shared.status_code == 201, shared.text
    assert [s["agency"] for s in shared.json()["shared_with"]] == ["inspektorat"]
    assert client.get(f"/v1/issues/{secret}", headers=world.inspektorat).status_code == 200
    assert (
        client.get(f"/v1/mentions/{world.mention['pungli_samarinda']}", headers=world.inspektorat).status_code
        == 200
    )
    # A named agency sees it but may not widen the audience of a restricted issue.
    widen = client.post(
        f"/v1/issues/{secret}/shares",
        headers=world.inspektorat,
        json={"agency": "diskominfo-samarinda", "reason": "Koordinasi dengan Pemkot Samarinda."},
    )
    assert widen.status_code == 403 and widen.json()["code"] == "PROVINCE_ONLY"
    lift = client.patch(
        f"/v1/issues/{secret}/access",
        headers=world.inspektorat,
        json={"restricted": False, "reason": "Pemeriksaan sudah selesai."},
    )
    assert lift.status_code == 403

    withdrawn = client.delete(f"/v1/issues/{secret}/shares/inspektorat", headers=world.province)
    assert withdrawn.status_code == 204
    assert client.get(f"/v1/issues/{secret}", headers=world.inspektorat).status_code == 404
    history = client.get(f"/v1/issues/{secret}/history", headers=world.province).json()["items"]
    assert {"restricted", "shared_with"} <= {h["field"] for h in history}


def test_a_kota_shares_its_issue_with_a_neighbour(client: TestClient, world: World) -> None:
    flood = world.issue["banjir_samarinda"]
    assert flood not in _ids(client, world.balikpapan)
    shared = client.post(
        f"/v1/issues/{flood}/shares",
        headers=world.samarinda,
        json={"agency": "diskominfo-balikpapan", "reason": "Pengungsi banjir dirujuk ke RS di Balikpapan."},
    )
    assert shared.status_code == 201, shared.text
    assert flood in _ids(client, world.balikpapan)
    again = client.post(
        f"/v1/issues/{flood}/shares",
        headers=world.samarinda,
        json={"agency": "diskominfo-balikpapan", "reason": "Pengungsi banjir dirujuk ke RS di Balikpapan."},
    )
    assert again.status_code == 201 and len(again.json()["shared_with"]) == 1
    unknown = client.post(
        f"/v1/issues/{flood}/shares",
        headers=world.samarinda,
        json={"agency": "dinas-fiktif", "reason": "Uji kode."},
    )
    assert unknown.status_code == 422 and unknown.json()["code"] == "UNKNOWN_AGENCY"
    assert client.delete(f"/v1/issues/{flood}/shares/bpbd", headers=world.samarinda).json()["code"] == (
        "SHARE_NOT_FOUND"
    )


def test_only_the_province_restricts(client: TestClient, world: World) -> None:
    flood = world.issue["banjir_samarinda"]
    refused = client.patch(
        f"/v1/issues/{flood}/access",
        headers=world.samarinda,
        json={"restricted": True, "reason": "Mohon dibatasi sementara."},
    )
    assert refused.status_code == 403 and refused.json()["code"] == "PROVINCE_ONLY"


def test_split_and_merge_keep_a_restriction(client: TestClient, world: World) -> None:
    secret = world.issue["pungli_samarinda"]
    second = _post(client, world.province, "pungli_samarinda", 2)
    assert second["issue_id"] == secret
    client.post(
        f"/v1/issues/{secret}/shares",
        headers=world.province,
        json={"agency": "inspektorat", "reason": "Inspektorat memeriksa laporan pungli."},
    )
    split = client.post(
        f"/v1/issues/{secret}/split",
        headers=world.province,
        json={"mention_ids": [second["id"]], "reason": "Laporan kedua menyangkut izin yang lain."},
    )
    assert split.status_code == 201, split.text
    new = split.json()
    assert new["restricted"] is True
    assert client.get(f"/v1/issues/{new['id']}", headers=world.inspektorat).status_code == 200
    assert client.get(f"/v1/issues/{new['id']}", headers=world.samarinda).status_code == 404

    flood = world.issue["banjir_samarinda"]
    merged = client.post(
        f"/v1/issues/{flood}/merge",
        headers=world.province,
        json={"issue_ids": [new["id"]], "reason": "Uji penggabungan isu terbatas."},
    )
    assert merged.status_code == 200, merged.text
    assert merged.json()["restricted"] is True
    assert client.get(f"/v1/issues/{flood}", headers=world.samarinda).status_code == 404


def test_reports_and_feeds_count_only_what_the_client_sees(client: TestClient, world: World) -> None:
    everything = set(world.issue.values())
    rows = list(
        csv.DictReader(io.StringIO(client.get("/v1/reports/issues.csv", headers=world.samarinda).text))
    )
    assert {int(r["id"]) for r in rows} & everything == {world.issue["banjir_samarinda"]}
    province_rows = client.get("/v1/reports/issues.csv", headers=world.province).text
    assert len(list(csv.DictReader(io.StringIO(province_rows)))) >= 3

    brief = client.get("/v1/reports/daily-brief?date=2026-11-27", headers=world.samarinda).json()
    listed = {i["id"] for key in ("top_issues", "new_issues") for i in brief[key]}
    assert listed & everything <= {world.issue["banjir_samarinda"]}
    assert sum(d["mentions"] for d in brief["sentiment_trend"]) == 1

    summary = client.get("/v1/dashboard/summary", headers=world.bpbd).json()
    assert summary["open_issues"] == 0 and summary["by_region"] == []

    feed = client.get("/v1/cap/feed", headers=world.samarinda).text
    for key in ("kebakaran_balikpapan", "pungli_samarinda"):
        assert f"/v1/issues/{world.issue[key]}/cap" not in feed


def test_a_duplicate_of_what_a_client_may_not_see_reveals_nothing_of_it(
    client: TestClient, world: World
) -> None:
    # Samarinda's crawler sends the same article the province sent about the Balikpapan fire.
    story = STORIES["kebakaran_balikpapan"]
    again = {
        "source_type": "online_news",
        "url": "https://kaltim.example.id/berita/2026/11/27/kebakaran_balikpapan-1",
        "title": story["title"],
        "text": story["text"],
        "published_at": "2026-11-27T01:15:00+08:00",
    }
    single = client.post("/v1/mentions", headers=world.samarinda, json=again)
    assert single.status_code == 200, single.text
    body = single.json()
    assert body["duplicate"] is True and body["id"] == world.mention["kebakaran_balikpapan"]
    assert body["issue_id"] is None and body["classification"] is None
    assert body["source_system"] == "Diskominfo Samarinda"  # its own submission, not the province's record
    batch = client.post("/v1/mentions/batch", headers=world.samarinda, json={"items": [again]}).json()
    assert batch["results"][0]["status"] == "duplicate" and batch["results"][0]["issue_id"] is None
    assert batch["results"][0]["verdict"] is None  # nor the verdict on it
    # The province, which sees it, gets the stored record.
    mine = client.post("/v1/mentions", headers=world.province, json=again).json()
    assert mine["issue_id"] == world.issue["kebakaran_balikpapan"]
