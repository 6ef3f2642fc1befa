"""The daily brief (JSON, Markdown, CSV by content negotiation) and the dashboard summary."""

from __future__ import annotations

import csv
import io
import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.auth.models import Scope
from app.clock import to_wita
from app.reports.router import negotiate
from tests.conftest import KeyMaker, bearer

Headers = dict[str, str]
NOW = datetime.now(UTC).replace(microsecond=0)
TODAY = to_wita(NOW).date()
_ids = itertools.count(1)


@pytest.fixture
def writer(make_key: KeyMaker) -> Headers:
    return bearer(make_key(Scope.mentions_write, name="Crawler media Diskominfo"))


@pytest.fixture
def officer(make_key: KeyMaker) -> Headers:
    return bearer(make_key(Scope.issues_read, Scope.issues_write, name="Pranata Humas Diskominfo Kaltim"))


def post(client: TestClient, writer: Headers, title: str, text: str, at: datetime, **extra: Any) -> int:
    n = next(_ids)
    response = client.post(
        "/v1/mentions",
        json={
            "source_type": "online_news",
            "source_name": f"Media Kaltim {n}",
            "url": f"https://media{n}.example.id/brief/{n}",
            "title": title,
            "text": text,
            "published_at": at.isoformat(),
            **extra,
        },
        headers=writer,
    )
    assert response.status_code == 201, response.text
    issue_id: int = response.json()["issue_id"]
    return issue_id


def stories(client: TestClient, writer: Headers, officer: Headers) -> dict[str, int]:
    today = datetime.combine(TODAY, datetime.min.time(), tzinfo=to_wita(NOW).tzinfo)
    # Within today (WITA) whatever the hour the suite runs: in the first minutes after midnight "five minutes
    # ago" is yesterday, so then a few seconds into today (a time just ahead of the clock is accepted).
    at = max(today + timedelta(seconds=30), min(today + timedelta(hours=1), NOW - timedelta(minutes=5)))
    flood = post(
        client,
        writer,
        "Banjir Rendam Ratusan Rumah di Sempaja Samarinda",
        "Sungai Karang Mumus meluap; ratusan rumah di Sempaja terendam dan warga mengungsi ke posko BPBD.",
        at,
        region_codes=["64.72"],
    )
    festival = post(
        client,
        writer,
        "Festival Budaya Berau Dipadati Wisatawan, UMKM Raup Untung",
        "Festival budaya di Tanjung Redeb dipadati ribuan wisatawan; pelaku UMKM Berau mencatat penjualan "
        "naik tiga kali lipat dan pemerintah daerah mengapresiasi warga.",
        at,
        region_codes=["64.05"],
        metrics={"reach": 250000, "shares": 4000},
    )
    old = post(
        client,
        writer,
        "Jalan Poros Tenggarong Amblas",
        "Badan jalan poros Tenggarong - Kota Bangun amblas sepanjang 20 meter; warga meminta perbaikan.",
        NOW - timedelta(days=9),
        region_codes=["64.03"],
    )
    escalate = client.post(
        f"/v1/issues/{flood}/classification",
        json={"level": "awas", "reason": "BPBD Kota Samarinda menetapkan tanggap darurat."},
        headers=officer,
    )
    assert escalate.status_code == 200
    return {"flood": flood, "festival": festival, "old": old}


def test_the_brief_as_json_lists_the_days_issues(
    client: TestClient, writer: Headers, officer: Headers
) -> None:
    ids = stories(client, writer, officer)
    response = client.get("/v1/reports/daily-brief", headers=officer)
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    brief = response.json()
    assert brief["day"] == TODAY.isoformat()
    top = [i["id"] for i in brief["top_issues"]]
    assert top[0] == ids["flood"] and ids["old"] not in top  # most pressing first; last week's is not today's
    assert {i["id"] for i in brief["new_issues"]} >= {ids["flood"], ids["festival"]}
    assert any(e["issue_id"] == ids["flood"] and e["new"] == "awas" for e in brief["escalations"])
    assert [i["id"] for i in brief["opportunities"]] == [ids["festival"]]  # good news with reach
    assert len(brief["sentiment_trend"]) == 7 and brief["sentiment_trend"][-1]["day"] == TODAY.isoformat()
    assert brief["sentiment_trend"][-1]["mentions"] >= 2
    old_day = to_wita(NOW - timedelta(days=9)).date()
    earlier = client.get(f"/v1/reports/daily-brief?date={old_day}", headers=officer).json()
    assert [i["id"] for i in earlier["top_issues"]] == [ids["old"]]


def test_the_brief_in_markdown_reads_on_a_phone(
    client: TestClient, writer: Headers, officer: Headers
) -> None:
    stories(client, writer, officer)
    response = client.get("/v1/reports/daily-brief", headers={**officer, "Accept": "text/markdown"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/markdown")
    text = response.text
    assert text.startswith("# Ringkasan Harian Sigap")
    for heading in ("## Isu teratas", "## Naik status", "## Tugas terlambat", "## Tren sentimen (7 hari)"):
        assert heading in text
    assert "**[AWAS]** Banjir Rendam Ratusan Rumah di Sempaja Samarinda" in text


def test_the_brief_as_csv_has_one_row_per_issue_of_the_day(
    client: TestClient, writer: Headers, officer: Headers
) -> None:
    ids = stories(client, writer, officer)
    response = client.get("/v1/reports/daily-brief", headers={**officer, "Accept": "text/csv"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert {int(r["id"]) for r in rows} >= {ids["flood"], ids["festival"]}
    assert ids["old"] not in {int(r["id"]) for r in rows}
    flood = next(r for r in rows if int(r["id"]) == ids["flood"])
    assert flood["level"] == "awas" and flood["region_codes"] == "64.72"


def test_the_dashboard_counts_the_open_queue(client: TestClient, writer: Headers, officer: Headers) -> None:
    stories(client, writer, officer)
    summary = client.get("/v1/dashboard/summary", headers=officer).json()
    levels = {c["key"]: c["count"] for c in summary["by_level"]}
    assert levels.get("awas", 0) >= 1
    assert summary["open_issues"] == sum(levels.values())
    regions = {c["key"]: c["count"] for c in summary["by_region"]}
    assert regions.get("64.72", 0) >= 1 and "64.03" not in regions  # the old issue is dormant
    assert summary["mentions_last_24h"] >= 2
    assert summary["overdue_tasks"] == 0


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        (None, "application/json"),
        ("*/*", "application/json"),
        ("text/markdown", "text/markdown"),
        ("text/csv;q=0.5, text/markdown;q=0.9", "text/markdown"),
        ("text/html, text/csv", "text/csv"),
        ("image/png", "application/json"),
    ],
)
def test_content_negotiation(accept: str | None, media: str) -> None:
    assert negotiate(accept) == media


def test_reports_need_issues_read(client: TestClient, make_key: KeyMaker) -> None:
    key = bearer(make_key(Scope.mentions_write, name="Crawler"))
    assert client.get("/v1/reports/daily-brief", headers=key).status_code == 403
    assert client.get("/v1/dashboard/summary", headers=key).status_code == 403


def test_the_brief_day_is_written_yyyy_mm_dd(client: TestClient, officer: Headers) -> None:
    assert client.get("/v1/reports/daily-brief?date=2026-11-27", headers=officer).status_code == 200
    for bad in ("0", "1700000000", "2026-11-27T08:00", "27-11-2026", "2026-02-30"):
        response = client.get("/v1/reports/daily-brief", params={"date": bad}, headers=officer)
        assert response.status_code == 422, bad
        assert response.json()["errors"][0]["loc"] == ["query", "date"]
