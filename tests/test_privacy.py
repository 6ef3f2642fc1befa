"""Personal data (UU 27/2022): export, erasure leaving no trace in any table, audit without the name, and
the retention job that pseudonymises authors of old mentions."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import JSON, String, Text, TypeDecorator, cast, func, or_, select, update
from sqlmodel import Session, col

from app.all_models import metadata
from app.auth.models import Scope
from app.auth.service import create_client
from app.cli import main
from app.clock import utcnow
from app.config import Settings, get_settings
from app.db import Database, build_engine
from app.mentions.models import Mention
from app.privacy import matching
from app.privacy.service import pseudonymise
from app.worker import Worker
from tests.conftest import DatabaseFactory, KeyMaker, bearer, test_settings

Headers = dict[str, str]
SECRET = "test-secret-key-for-cursors-0123456789"  # conftest's
RAHMAT = "@rahmat_smd"
SITI = "Siti Rahmawati"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return test_settings(database_url, webhook_allow_http_hosts="localhost")


@pytest.fixture
def admin(make_key: KeyMaker) -> Headers:
    return bearer(make_key(Scope.admin, name="Administrator Diskominfo Kaltim"))


@pytest.fixture
def worker(app: FastAPI, settings: Settings) -> Iterator[Worker]:
    running = Worker(app.state.db, settings)
    yield running
    running.close()


def x_post(n: int, author: str = RAHMAT, **extra: Any) -> dict[str, Any]:
    handle = author.lstrip("@")
    return {
        "source_type": "x",
        "source_name": author,
        "url": f"https://x.com/{handle}/status/18612345678901234{n:02d}",
        "external_id": f"18612345678901234{n:02d}",
        "text": f"{author}: Banjir lagi di Jalan Pemuda Samarinda, air sudah selutut dan motor mogok. "
        "Sungai Karang Mumus meluap sejak subuh, warga Sempaja minta BPBD segera turun. #BanjirSamarinda",
        "author": author,
        "published_at": "2026-11-27T06:40:00+08:00",
        "region_codes": ["64.72"],
        "metrics": {"reach": 5400, "likes": 210, "shares": 88},
        **extra,
    }


def facebook_post() -> dict[str, Any]:
    return {
        "source_type": "facebook",
        "source_name": "Grup Info Kukar",
        "url": "https://www.facebook.com/groups/infokukar/posts/2211",
        "external_id": "fb-infokukar-2211",
        "text": "Jalan poros Tenggarong - Kota Bangun amblas lagi di km 12, truk batu bara terjebak. "
        "Mohon Dinas PUPR segera perbaiki, anak-anak sekolah lewat sini tiap pagi.",
        "author": SITI,
        "published_at": "2026-11-27T07:05:00+08:00",
        "region_codes": ["64.03"],
    }


def quoting_post() -> dict[str, Any]:
    return {
        "source_type": "x",
        "source_name": "@warga_sempaja",
        "url": "https://x.com/warga_sempaja/status/1861234567890199999",
        "external_id": "1861234567890199999",
        "text": "Benar kata @Rahmat_SMD, banjir di Sempaja Samarinda makin tinggi. Posko BPBD di mana?",
        "author": "@warga_sempaja",
        "published_at": "2026-11-27T07:20:00+08:00",
        "region_codes": ["64.72"],
    }


def intake(client: TestClient, headers: Headers, body: dict[str, Any], key: str | None = None) -> Any:
    extra = {"Idempotency-Key": key} if key else {}
    response = client.post("/v1/mentions", json=body, headers={**headers, **extra})
    assert response.status_code in (200, 201), response.text
    return response.json()


@pytest.fixture
def stored(client: TestClient, admin: Headers, writer_headers: Headers, worker: Worker) -> dict[str, Any]:
    """Mentions taken in through the API with an Idempotency-Key, a label, and a webhook subscription, so
    the author is copied to every place copies live."""
    response = client.post(
        "/v1/webhooks",
        json={"url": "http://localhost:9/sigap/webhook", "description": "Command center Samarinda"},
        headers=admin,
    )
    assert response.status_code == 201, response.text
    rahmat = intake(client, writer_headers, x_post(1), key="crawler-x-2026-11-27-0640")
    siti = intake(client, writer_headers, facebook_post(), key="crawler-fb-2026-11-27-0705")
    quote = intake(client, writer_headers, quoting_post())
    label = client.post(
        f"/v1/mentions/{rahmat['id']}/labels",
        json={"level": "siaga", "reason": f"Foto {RAHMAT} menunjukkan air masuk rumah warga Sempaja."},
        headers=admin,
    )
    assert label.status_code == 201, label.text
    assert worker.fan_out() > 0
    return {"rahmat": rahmat, "siti": siti, "quote": quote}


def _holds_text(column: Any) -> bool:
    kind = column.type.impl_instance if isinstance(column.type, TypeDecorator) else column.type
    if isinstance(kind, String | JSON):
        return True
    try:
        return kind.python_type in (str, dict, list)
    except NotImplementedError:
        return False


def traces(session: Session, needle: str) -> dict[str, int]:
    """Rows per table holding ``needle`` in any string, text or JSON column, case-insensitively."""
    session.expire_all()
    found: dict[str, int] = {}
    for table in metadata.sorted_tables:
        columns = [c for c in table.columns if _holds_text(c)]
        if not columns:
            continue
        holds = or_(*(func.lower(cast(c, Text)).like(f"%{needle.lower()}%") for c in columns))
        count = session.execute(select(func.count()).select_from(table).where(holds)).scalar_one()
        if count:
            found[table.name] = count
    return found


# -- erasure ----------------------------------------------------------------------------------------------


def test_erasure_leaves_no_trace_of_the_author_in_any_table(
    client: TestClient, session: Session, admin: Headers, stored: dict[str, Any]
) -> None:
    before = traces(session, RAHMAT)
    # The copies exist, and the grep sees them: the test could fail.
    for table in ("mention", "mention_label", "issue", "issue_source", "idempotency_record"):
        assert table in before, (table, before)
    assert "outbox_event" in before and "webhook_delivery" in before, before
    assert traces(session, "/rahmat_smd")["mention"] == 1  # the account in the post's address

    response = client.post("/v1/personal-data/erase", json={"author": "@RAHMAT_smd"}, headers=admin)

    assert response.status_code == 200, response.text
    report = response.json()
    assert report["author_digest"].startswith("hmac-sha256:")
    assert set(before) <= set(report["rows_changed"])
    assert report["total"] == sum(report["rows_changed"].values())
    assert traces(session, RAHMAT) == {}
    assert traces(session, "rahmat_smd") == {}
    # The person is gone; the story and the other people are not.
    mention = client.get(f"/v1/mentions/{stored['rahmat']['id']}", headers=admin).json()
    assert mention["author"] is None and mention["source_name"] == matching.REDACTED
    assert "Banjir lagi di Jalan Pemuda Samarinda" in mention["text"]
    assert mention["text"].startswith(matching.REDACTED)
    quote = client.get(f"/v1/mentions/{stored['quote']['id']}", headers=admin).json()
    assert quote["author"] == "@warga_sempaja"
    assert quote["text"].startswith("Benar kata [dihapus], banjir")
    assert traces(session, SITI)["mention"] == 1


def test_erasure_is_idempotent_and_the_stored_answer_replays_without_the_author(
    client: TestClient, admin: Headers, writer_headers: Headers, stored: dict[str, Any]
) -> None:
    first = client.post("/v1/personal-data/erase", json={"author": RAHMAT}, headers=admin).json()
    again = client.post("/v1/personal-data/erase", json={"author": RAHMAT}, headers=admin)

    assert first["total"] > 0
    assert again.status_code == 200
    assert again.json()["rows_changed"] == {} and again.json()["total"] == 0
    replay = client.post(
        "/v1/mentions",
        json=x_post(1),
        headers={**writer_headers, "Idempotency-Key": "crawler-x-2026-11-27-0640"},
    )
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.status_code == 201
    assert replay.json()["id"] == stored["rahmat"]["id"] and replay.json()["author"] is None
    assert RAHMAT not in replay.text.lower()


def test_erasure_of_someone_unknown_changes_nothing(
    client: TestClient, session: Session, admin: Headers, stored: dict[str, Any]
) -> None:
    response = client.post("/v1/personal-data/erase", json={"author": "@rahmat"}, headers=admin)

    assert response.json()["total"] == 0  # a whole handle, not a prefix of another
    assert traces(session, RAHMAT)["mention"] == 2


# -- export -----------------------------------------------------------------------------------------------


def test_export_holds_their_mentions_labels_and_where_they_are_quoted(
    client: TestClient, admin: Headers, stored: dict[str, Any]
) -> None:
    response = client.get("/v1/personal-data", params={"author": "@Rahmat_SMD"}, headers=admin)

    assert response.status_code == 200, response.text
    assert response.headers["Cache-Control"] == "no-store"
    body = response.json()
    assert [m["id"] for m in body["mentions"]] == [stored["rahmat"]["id"]]
    mention = body["mentions"][0]
    assert mention["author"] == RAHMAT and mention["url"].startswith("https://x.com/rahmat_smd/")
    assert mention["classification"]["machine"]["level"]
    assert body["labels"] == [
        {"mention_id": stored["rahmat"]["id"], "labels": [pytest.approx(body["labels"][0]["labels"][0])]}
    ]
    assert body["labels"][0]["labels"][0]["level"] == "siaga"
    assert RAHMAT in body["labels"][0]["labels"][0]["reason"]
    assert body["quoted_in"] == [stored["quote"]["id"]]
    for table in ("mention", "issue", "issue_source", "idempotency_record", "webhook_delivery"):
        assert body["copies"].get(table), (table, body["copies"])


def test_export_of_a_named_citizen_is_exact_and_case_insensitive(
    client: TestClient, admin: Headers, stored: dict[str, Any]
) -> None:
    body = client.get("/v1/personal-data", params={"author": "siti rahmawati"}, headers=admin).json()
    assert [m["id"] for m in body["mentions"]] == [stored["siti"]["id"]]
    assert body["mentions"][0]["source_type"] == "facebook"
    assert body["labels"] == [] and body["quoted_in"] == []

    nobody = client.get("/v1/personal-data", params={"author": "Siti"}, headers=admin).json()
    assert nobody["mentions"] == []


def test_personal_data_needs_the_admin_scope(
    client: TestClient, make_key: KeyMaker, stored: dict[str, Any]
) -> None:
    officer = bearer(make_key(Scope.issues_write, Scope.mentions_read, Scope.issues_read, name="Humas BPBD"))

    export = client.get("/v1/personal-data", params={"author": RAHMAT}, headers=officer)
    erase = client.post("/v1/personal-data/erase", json={"author": RAHMAT}, headers=officer)

    assert export.status_code == erase.status_code == 403
    assert erase.json()["code"] == "INSUFFICIENT_SCOPE"
    assert client.get("/v1/personal-data", params={"author": RAHMAT}).status_code == 401


def test_requests_are_audited_with_a_keyed_digest_never_the_name(
    client: TestClient, session: Session, admin: Headers, stored: dict[str, Any]
) -> None:
    client.get("/v1/personal-data", params={"author": RAHMAT}, headers=admin)
    client.post("/v1/personal-data/erase", json={"author": RAHMAT}, headers=admin)

    entries = client.get("/v1/audit", params={"target_type": "personal_data"}, headers=admin).json()["items"]
    assert [e["action"] for e in entries] == ["personal_data.erased", "personal_data.exported"]
    digest = matching.digest(SECRET, RAHMAT)
    assert all(e["detail"]["author_digest"] == digest for e in entries)
    assert entries[0]["actor"] == "Administrator Diskominfo Kaltim"
    assert "audit_entry" not in traces(session, RAHMAT)
    assert "rahmat" not in json.dumps(entries).lower()


def test_bad_requests_are_problems(client: TestClient, admin: Headers) -> None:
    assert client.post("/v1/personal-data/erase", json={"author": "  "}, headers=admin).status_code == 422
    assert client.post("/v1/personal-data/erase", json={}, headers=admin).status_code == 422
    assert client.get("/v1/personal-data", headers=admin).status_code == 422


# -- pseudonymisation after retention ---------------------------------------------------------------------


def age(session: Session, mention_ids: list[int], days: int) -> None:
    session.execute(
        update(Mention)
        .where(col(Mention.id).in_(mention_ids))
        .values(received_at=utcnow() - timedelta(days=days))
    )
    session.commit()


def authors(session: Session) -> dict[int, str | None]:
    session.expire_all()
    return dict(session.execute(select(col(Mention.id), col(Mention.author))).all())  # type: ignore[arg-type]


def test_pseudonymisation_replaces_old_authors_and_their_copies_once(
    client: TestClient, session: Session, writer_headers: Headers, stored: dict[str, Any]
) -> None:
    # The same person again, handle in other case, also old; and a recent post of theirs.
    again = intake(
        client, writer_headers, x_post(2, author="@Rahmat_SMD", published_at="2026-11-26T17:00:00+08:00")
    )
    recent = intake(client, writer_headers, x_post(3, published_at="2026-11-27T09:00:00+08:00"))
    old = [stored["rahmat"]["id"], stored["siti"]["id"], again["id"]]
    age(session, old, days=200)

    report = pseudonymise(session, secret=SECRET, now=utcnow(), retention_days=180)
    session.commit()

    stored_authors = authors(session)
    alias = matching.pseudonym(SECRET, RAHMAT)
    assert stored_authors[stored["rahmat"]["id"]] == stored_authors[again["id"]] == alias
    assert stored_authors[stored["siti"]["id"]] == matching.pseudonym(SECRET, SITI) != alias
    assert stored_authors[recent["id"]] == RAHMAT  # within retention: kept
    assert stored_authors[stored["quote"]["id"]] == "@warga_sempaja"
    assert report.mentions == 3 and report.authors == 2 and not report.dry_run
    assert report.rows_changed["mention"] == 3
    for table in ("issue_source", "idempotency_record", "mention_label"):
        assert report.rows_changed.get(table), (table, report.rows_changed)
    # Old rows and every copy carry the pseudonym; only the recent mention keeps the name.
    remaining = traces(session, RAHMAT)
    assert remaining.get("mention") == 2  # the recent post and the quote, both within retention
    for table in ("idempotency_record", "mention_label", "issue_source"):
        assert table not in remaining, remaining
    assert traces(session, alias).get("issue_source")
    assert "mention" not in traces(session, SITI)

    second = pseudonymise(session, secret=SECRET, now=utcnow(), retention_days=180)
    assert second.mentions == 0 and second.rows_changed == {} and not second.changed_anything
    assert second.summary().startswith("personal data: nothing to pseudonymise")
    assert authors(session) == stored_authors


def test_a_short_or_generic_author_never_rewrites_other_data(
    client: TestClient, session: Session, admin: Headers, writer_headers: Headers
) -> None:
    """An author such as "00" must not turn "+00:00" into "+[dihapus]:[dihapus]", nor a byline such as
    "Redaksi" every "redaksi" in other people's text: only the author fields themselves change."""
    short = intake(client, writer_headers, x_post(40, author="00", external_id="short-00"))
    override = client.post(
        f"/v1/issues/{short['issue_id']}/classification",
        headers=admin,
        json={"level": "siaga", "reason": "Genangan meluas ke Jalan Pemuda."},
    )
    assert override.status_code == 200  # its set_at is stored as "...+00:00" in JSON
    byline = intake(
        client,
        writer_headers,
        {
            "source_type": "online_news",
            "source_name": "Portal Kaltim",
            "url": "https://kaltim.example.id/berita/2026/11/27/redaksi-jalan-rusak",
            "title": "Warga Sangatta Keluhkan Jalan Rusak, Redaksi Terima Puluhan Aduan",
            "text": "Redaksi menerima aduan warga soal jalan poros Sangatta yang berlubang.",
            "author": "Redaksi",
            "published_at": "2026-11-27T08:00:00+08:00",
        },
    )
    erased = client.post("/v1/personal-data/erase", headers=admin, json={"author": "00"})
    assert erased.status_code == 200, erased.text
    assert erased.json()["rows_changed"].get("mention") == 1
    assert authors(session)[short["id"]] is None
    issue = client.get(f"/v1/issues/{short['issue_id']}", headers=admin)
    assert issue.status_code == 200 and issue.json()["override"]["set_at"].endswith("+08:00")

    age(session, [byline["id"]], days=200)
    pseudonymise(session, secret=SECRET, now=utcnow(), retention_days=180)
    session.commit()
    assert authors(session)[byline["id"]] == matching.pseudonym(SECRET, "Redaksi")
    mention = client.get(f"/v1/mentions/{byline['id']}", headers=admin).json()
    assert mention["text"].startswith("Redaksi menerima aduan")


def test_a_dry_run_reports_and_changes_nothing(session: Session, stored: dict[str, Any]) -> None:
    age(session, [stored["siti"]["id"]], days=181)
    before = traces(session, SITI)

    report = pseudonymise(session, secret=SECRET, now=utcnow(), retention_days=180, dry_run=True)

    assert report.dry_run and report.mentions == 1 and report.authors == 1
    assert "would pseudonymise 1 author(s) of 1 mention(s)" in report.summary()
    assert traces(session, SITI) == before
    assert authors(session)[stored["siti"]["id"]] == SITI


def test_erasure_after_pseudonymisation_finds_the_person_by_pseudonym(
    client: TestClient, session: Session, admin: Headers, stored: dict[str, Any]
) -> None:
    age(session, [stored["rahmat"]["id"]], days=365)
    pseudonymise(session, secret=SECRET, now=utcnow(), retention_days=180)
    session.commit()
    alias = matching.pseudonym(SECRET, RAHMAT)

    export = client.get("/v1/personal-data", params={"author": RAHMAT}, headers=admin).json()
    assert [m["author"] for m in export["mentions"]] == [alias]
    client.post("/v1/personal-data/erase", json={"author": RAHMAT}, headers=admin)

    assert traces(session, alias) == {}
    assert traces(session, RAHMAT) == {}


def test_the_worker_pseudonymises_at_most_once_a_day(
    app: FastAPI, session: Session, settings: Settings, stored: dict[str, Any]
) -> None:
    now = [utcnow()]
    running = Worker(app.state.db, settings, lambda: now[0])
    try:
        age(session, [stored["rahmat"]["id"]], days=200)
        assert running.pseudonymise() == 1
        age(session, [stored["siti"]["id"]], days=200)
        now[0] += timedelta(hours=23)
        assert running.pseudonymise() == 0  # not a day yet
        now[0] += timedelta(hours=1)
        assert running.pseudonymise() == 1
    finally:
        running.close()
    assert authors(session)[stored["siti"]["id"]] == matching.pseudonym(SECRET, SITI)


# -- matching, without a database -------------------------------------------------------------------------


def test_pseudonyms_are_keyed_stable_and_recognisable() -> None:
    alias = matching.pseudonym(SECRET, "@Rahmat_SMD ")
    assert alias == matching.pseudonym(SECRET, "@rahmat_smd")
    assert alias != matching.pseudonym("another-secret", "@rahmat_smd")
    assert matching.is_pseudonym(alias) and not matching.is_pseudonym("anon:rahmat")
    assert matching.digest(SECRET, RAHMAT) != alias


def test_names_are_matched_as_whole_words_and_handles_in_addresses() -> None:
    rule = matching.erasure_rule("@ani", SECRET)
    assert rule.text("kata @ani dan @anita, kata @ANI.") == "kata [dihapus] dan @anita, kata [dihapus]."
    assert (
        rule.text("https://x.com/ani/status/1 dan Samarinda")
        == "https://x.com/[dihapus]/status/1 dan Samarinda"
    )
    stored = json.dumps({"author": "@Ani", "text": "oleh @ani", "metrics": {"reach": 3}})
    assert json.loads(rule.stored_text(stored) or "") == {
        "author": None,
        "text": "oleh [dihapus]",
        "metrics": {"reach": 3},
    }
    assert rule.stored_text("{not json @ani") == "{not json [dihapus]"


def test_the_cli_pseudonymises_with_a_dry_run_first(
    databases: DatabaseFactory, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = databases.create()
    monkeypatch.setenv("SIGAP_DATABASE_URL", url)
    monkeypatch.setenv("SIGAP_ENV", "test")
    monkeypatch.setenv("SIGAP_SECRET_KEY", SECRET)
    get_settings.cache_clear()
    database = Database(build_engine(test_settings(url)))
    try:
        with database.session() as session:
            client, _ = create_client(session, name="Bridge SP4N-LAPOR!", agency="diskominfo", scopes=[])
            session.add(
                Mention(
                    source_client_id=client.id or 0,
                    source_system=client.name,
                    source_type="lapor",
                    text="Lampu jalan di Jl. Juanda Samarinda mati sejak seminggu, rawan begal.",
                    author=SITI,
                    published_at=utcnow() - timedelta(days=400),
                    received_at=utcnow() - timedelta(days=400),
                    language="id",
                )
            )
        assert main(["privacy", "pseudonymise", "--dry-run"]) == 0
        assert "would pseudonymise 1 author(s) of 1 mention(s)" in capsys.readouterr().out
        assert main(["privacy", "pseudonymise"]) == 0
        assert "personal data: pseudonymised 1 author(s) of 1 mention(s)" in capsys.readouterr().out
        assert main(["privacy", "pseudonymise"]) == 0
        assert "nothing to pseudonymise" in capsys.readouterr().out
        with database.session() as session:
            assert session.scalars(select(col(Mention.author))).all() == [matching.pseudonym(SECRET, SITI)]
    finally:
        database.dispose()
        get_settings.cache_clear()
