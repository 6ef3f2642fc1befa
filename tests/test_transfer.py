"""Streaming issue export and resumable mention import (API, functions and the CLI)."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app import transfer
from app.auth.models import Scope
from app.auth.service import OPERATOR
from tests.conftest import KeyMaker, bearer

NOW = datetime.now(UTC).replace(microsecond=0)
STORIES = [
    (
        "Banjir Rendam Sempaja, Warga Mengungsi",
        "Sungai Karang Mumus meluap dan merendam rumah warga Sempaja.",
        "64.72",
    ),
    (
        "Jalan Poros Tenggarong Amblas",
        "Jalan poros Tenggarong - Kota Bangun amblas, truk batu bara terjebak.",
        "64.03",
    ),
    (
        "Kabut Asap Karhutla di Penajam",
        "Kebakaran lahan di Penajam Paser Utara membuat kabut asap tebal.",
        "64.09",
    ),
    (
        "Antrean Solar di Tanjung Redeb",
        "Sopir truk di Tanjung Redeb mengantre solar sejak subuh di SPBU.",
        "64.05",
    ),
    (
        "Festival Budaya Berau Ramai",
        "Ribuan wisatawan memadati festival budaya di Tanjung Redeb, Berau.",
        "64.05",
    ),
    ("PDAM Balikpapan Gangguan", "Air PDAM di Balikpapan Selatan mati dua hari karena pipa bocor.", "64.71"),
]


def mention(n: int, **extra: Any) -> dict[str, Any]:
    title, text, region = STORIES[n % len(STORIES)]
    return {
        "source_type": "online_news",
        "source_name": "Arsip Kaltim Post",
        "external_id": f"arsip-{n}",
        "url": f"https://arsip.example.id/berita/{n}",
        "title": f"{title} ({n})",
        "text": text,
        "published_at": (NOW - timedelta(hours=n + 1)).isoformat(),
        "region_codes": [region],
        **extra,
    }


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def test_import_reports_created_duplicates_and_rejected(app: FastAPI, tmp_path: Path) -> None:
    records = [mention(n) for n in range(6)] + [{**mention(99), "published_at": "kemarin sore"}]
    path = write_jsonl(tmp_path / "arsip.jsonl", records)
    state = transfer.import_file(app.state.db, path, batch_size=3)
    assert (state.done, state.created, state.duplicates, state.rejected) == (7, 6, 0, 1)
    assert not (tmp_path / "arsip.jsonl.sigap-import").exists()
    (refused,) = [json.loads(line) for line in transfer.rejects_file(path).read_text().splitlines()]
    assert refused["record"] == 7 and refused["errors"][0]["loc"][-1] == "published_at"
    again = transfer.import_file(app.state.db, path, batch_size=3)
    assert (again.created, again.duplicates, again.rejected) == (0, 6, 1)


def test_an_interrupted_import_resumes_after_the_last_committed_batch(app: FastAPI, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "arsip.jsonl", [mention(n) for n in range(7)])
    calls = 0

    def crash_after_first_batch(state: transfer.ImportState) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        transfer.import_file(app.state.db, path, batch_size=3, progress=crash_after_first_batch)
    saved = json.loads((tmp_path / "arsip.jsonl.sigap-import").read_text())
    assert saved["done"] == 3 and saved["created"] == 3
    sent: list[int] = []
    resumed = transfer.import_file(app.state.db, path, batch_size=3, progress=lambda s: sent.append(s.done))
    assert sent == [6, 7]  # the first batch was not sent again
    assert (resumed.done, resumed.created, resumed.duplicates) == (7, 7, 0)


def test_csv_import_reads_regions_and_metrics(app: FastAPI, tmp_path: Path) -> None:
    path = tmp_path / "arsip.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(
            handle, ["source_type", "title", "text", "published_at", "region_codes", "metrics"]
        )
        writer.writeheader()
        for n in range(3):
            record = mention(n)
            writer.writerow(
                {
                    "source_type": "facebook",
                    "title": record["title"],
                    "text": record["text"],
                    "published_at": record["published_at"],
                    "region_codes": " ".join(record["region_codes"]),
                    "metrics": json.dumps({"reach": 1000 * (n + 1)}),
                }
            )
    assert transfer.count_records(path) == 3
    state = transfer.import_file(app.state.db, path)
    assert (state.created, state.rejected) == (3, 0)


def test_the_issue_export_streams_every_issue(
    app: FastAPI, client: TestClient, make_key: KeyMaker, tmp_path: Path
) -> None:
    transfer.import_file(app.state.db, write_jsonl(tmp_path / "a.jsonl", [mention(n) for n in range(6)]))
    reader = bearer(make_key(Scope.issues_read, name="Dasbor pimpinan"))
    with client.stream("GET", "/v1/reports/issues.csv", headers=reader) as response:
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
        body = "".join(response.iter_text())
    rows = list(csv.DictReader(io.StringIO(body)))
    assert len(rows) >= 5 and [int(r["id"]) for r in rows] == sorted(int(r["id"]) for r in rows)
    assert {r["region_codes"] for r in rows} >= {"64.72", "64.03"}
    assert all(r["link"].endswith(f"/v1/issues/{r['id']}") for r in rows)
    lines = list(transfer.issue_csv_lines(app.state.db, base_url="https://x", now=NOW, viewer=OPERATOR))
    assert len(lines) == len(rows) + 1 and lines[0].startswith("id,title,level")
    assert (
        client.get("/v1/reports/issues.csv", headers=bearer(make_key(Scope.mentions_write))).status_code
        == 403
    )
