"""Response plans over HTTP: a whole flood crisis walked through, a misconduct case, a hoax, and the rules
around them (four eyes, transitions, ETags, statements, the overdue sweep, scopes)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from app.audit.models import AuditEntry
from app.auth.models import Scope
from app.clock import WITA
from app.outbox.models import OutboxEvent
from app.plans.tasks import sweep_overdue
from tests.conftest import KeyMaker, bearer

Headers = dict[str, str]
_ids = itertools.count(1)

# Wednesday 13 May 2026, 14:00 WITA: the next day is Kenaikan Yesus Kristus, then cuti bersama and a weekend.
T0 = datetime(2026, 5, 13, 14, 0, tzinfo=WITA).astimezone(UTC)

FLOOD = [
    (
        "Banjir Rendam Ratusan Rumah di Sempaja, Dua Warga Hanyut",
        "Hujan deras sejak dini hari membuat Sungai Karang Mumus meluap. Ratusan rumah di Sempaja Selatan "
        "terendam hingga satu meter; dua warga hanyut dan belum ditemukan. BPBD Samarinda mengevakuasi "
        "300 warga ke posko pengungsian di masjid.",
    ),
    (
        "Sempaja Masih Terendam, Pengungsi Banjir Samarinda Bertambah",
        "Genangan banjir di Sempaja Selatan belum surut. Posko pengungsian BPBD Samarinda kini menampung 450 "
        "warga; Sungai Karang Mumus masih tinggi dan tim SAR gabungan mencari dua warga yang hanyut.",
    ),
    (
        "Banjir Sempaja: Warga Mengungsi, Tim SAR Cari Korban Hanyut",
        "Tim SAR gabungan dan BPBD Samarinda menyisir Sungai Karang Mumus mencari dua warga yang hanyut. "
        "Ratusan warga Sempaja masih mengungsi karena rumah mereka terendam banjir.",
    ),
]
AFTER_FLOOD = [
    (
        "Banjir Sempaja Mulai Surut, Warga Kembali Bersihkan Rumah",
        "Air banjir di Sempaja Selatan mulai surut. Warga kembali ke rumah dan membersihkan lumpur, BPBD "
        "Samarinda menyalurkan bantuan air bersih dari posko pengungsian.",
    ),
    (
        "Posko Banjir Sempaja Salurkan Bantuan, Pengungsi Berkurang",
        "Pengungsi banjir Sempaja berkurang setelah air surut. BPBD Samarinda dan relawan menyalurkan "
        "bantuan makanan dan obat-obatan di posko pengungsian.",
    ),
]
PUNGLI = (
    "Oknum Petugas Samsat Samarinda Diduga Lakukan Pungli Perpanjangan STNK",
    "Warga mengeluhkan pungli di kantor Samsat Samarinda. Oknum petugas meminta uang tambahan Rp 200 ribu "
    "agar perpanjangan STNK cepat selesai; video pungutan liar itu viral dan warga menuntut Pemprov "
    "bertindak.",
)
HOAX = (
    "Beredar Pesan Berantai Bendungan Benanga Jebol, BPBD: Hoaks",
    "Beredar pesan berantai di grup WhatsApp yang menyebut Bendungan Benanga di Samarinda jebol dan warga "
    "harus mengungsi malam ini. Informasi itu belum terverifikasi; BPBD Samarinda menyebut kabar itu hoaks.",
)


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock(app: FastAPI) -> Clock:
    fake = Clock(T0)
    app.state.clock = fake
    return fake


@pytest.fixture
def writer(make_key: KeyMaker) -> Headers:
    return bearer(make_key(Scope.mentions_write, Scope.mentions_read, name="Crawler media Diskominfo"))


@pytest.fixture
def officer(make_key: KeyMaker) -> Headers:
    scopes = (Scope.issues_read, Scope.issues_write, Scope.plans_read, Scope.plans_write)
    return bearer(make_key(*scopes, name="Pranata Humas Diskominfo Kaltim"))


@pytest.fixture
def leader(make_key: KeyMaker) -> Headers:
    scopes = (Scope.issues_read, Scope.plans_read, Scope.plans_write, Scope.plans_approve)
    return bearer(make_key(*scopes, name="Kepala Diskominfo Kaltim"))


@pytest.fixture
def bpbd_app(make_key: KeyMaker) -> Headers:
    return bearer(
        make_key(Scope.plans_read, Scope.plans_write, agency="bpbd", name="Aplikasi Pusdalops BPBD")
    )


def mention(title: str, text: str, at: datetime, **overrides: Any) -> dict[str, Any]:
    n = next(_ids)
    return {
        "source_type": "online_news",
        "source_name": f"Media Kaltim {n}",
        "url": f"https://media{n}.example.id/berita/rencana-{n}",
        "title": title,
        "text": text,
        "published_at": at.isoformat(),
        "metrics": {"reach": 20000 + n},
        **overrides,
    }


def post_mention(client: TestClient, headers: Headers, payload: dict[str, Any]) -> int:
    response = client.post("/v1/mentions", json=payload, headers=headers)
    assert response.status_code == 201, response.text
    issue_id: int = response.json()["issue_id"]
    return issue_id


def ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


def wita(value: str) -> datetime:
    return datetime.fromisoformat(value).astimezone(WITA)


def set_level(client: TestClient, headers: Headers, issue_id: int, level: str) -> None:
    ok(
        client.post(
            f"/v1/issues/{issue_id}/classification",
            json={"level": level, "reason": "BPBD Kota Samarinda menetapkan status tanggap darurat banjir."},
            headers=headers,
        )
    )


def flood_issue(client: TestClient, writer: Headers, officer: Headers) -> int:
    ids = {
        post_mention(client, writer, mention(t, x, T0 - timedelta(hours=3 - i)))
        for i, (t, x) in enumerate(FLOOD)
    }
    assert len(ids) == 1, "the three flood reports are one story"
    issue_id = ids.pop()
    set_level(client, officer, issue_id, "awas")
    return issue_id


def tasks_by(plan: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for phase in plan["phases"]:
        for task in phase["tasks"]:
            found.setdefault(task["agency"], []).append(task)
    return found


def phase(plan: dict[str, Any], name: str) -> dict[str, Any]:
    return next(p for p in plan["phases"] if p["name"] == name)


def event_types(session: Session, aggregate: str, aggregate_id: int) -> list[str]:
    rows = session.exec(
        select(OutboxEvent.event_type)
        .where(col(OutboxEvent.aggregate) == aggregate, col(OutboxEvent.aggregate_id) == aggregate_id)
        .order_by(col(OutboxEvent.id))
    ).all()
    return list(rows)


def test_a_flood_at_awas_walked_through_from_recommendation_to_evaluation(
    client: TestClient,
    session: Session,
    clock: Clock,
    writer: Headers,
    officer: Headers,
    leader: Headers,
    bpbd_app: Headers,
) -> None:
    issue_id = flood_issue(client, writer, officer)

    # Recommendation: victim cluster, instructing information first, no apology, tasks per agency by the SLA.
    created = client.post(f"/v1/issues/{issue_id}/response-plans", headers=officer)
    plan = ok(created, 201)
    plan_id = plan["id"]
    assert created.headers["Location"] == f"/v1/response-plans/{plan_id}"
    assert plan["status"] == "draft" and plan["level"] == "awas"
    assert plan["crisis_cluster"] == "victim"
    assert plan["strategy"][0] == "instructing_information"
    assert {r["code"] for r in plan["rationale"]} >= {"cluster_victim", "instructing_first"}
    assert [p["name"] for p in plan["phases"]] == ["kenali", "respon", "penyesalan", "perbaiki"]
    penyesalan = phase(plan, "penyesalan")
    assert penyesalan["skipped"] and penyesalan["tasks"] == []
    assert penyesalan["skip_reason"]["code"] == "no_fault_victim"
    owners = tasks_by(plan)
    assert {"bpbd", "dinsos", "diskominfo-samarinda", "diskominfo"} <= owners.keys()
    # Awas: the first public word within the hour and the plan approved within three, on the clock.
    assert wita(plan["sla"]["first_response_due_at"]) == datetime(2026, 5, 13, 15, 0, tzinfo=WITA)
    assert wita(plan["sla"]["approval_due_at"]) == datetime(2026, 5, 13, 17, 0, tzinfo=WITA)
    instruct = next(t for t in owners["bpbd"] if t["template"] == "respon.instruct_public")
    assert wita(instruct["due_at"]) == datetime(2026, 5, 13, 15, 0, tzinfo=WITA)
    logistics = next(t for t in owners["dinsos"] if t["template"] == "respon.shelter_logistics")
    assert wita(logistics["due_at"]) == datetime(2026, 5, 13, 17, 0, tzinfo=WITA)
    # Recovery is office work in working days: Kenaikan (Thu 14 May), cuti bersama (Fri 15 May) and the
    # weekend are skipped, so five working days from Wednesday 14:00 end on Friday 22 May, not Wednesday 20.
    recovery = next(t for t in owners["bpbd"] if t["template"] == "perbaiki.recovery")
    assert wita(recovery["due_at"]) == datetime(2026, 5, 22, 14, 0, tzinfo=WITA)
    assert plan["allowed_actions"] == ["submit", "cancel"]

    # Submit, rejected by the head of office, fixed, submitted again, approved by another client.
    clock.advance(minutes=10)
    ok(client.post(f"/v1/response-plans/{plan_id}/submit", headers=officer))
    rejected = ok(
        client.post(
            f"/v1/response-plans/{plan_id}/reject",
            json={"reason": "Tambahkan tugas Dinas Kesehatan untuk layanan kesehatan di posko pengungsian."},
            headers=leader,
        )
    )
    assert rejected["status"] == "draft" and rejected["rejection_reason"].startswith("Tambahkan")
    health = ok(
        client.post(
            f"/v1/response-plans/{plan_id}/tasks",
            json={
                "phase": "respon",
                "title": "Buka pos kesehatan dan layanan obat di posko pengungsian Sempaja",
                "agency": "dinkes",
                "due_rule": "follow_up",
            },
            headers=officer,
        ),
        201,
    )
    assert wita(health["due_at"]) == datetime(2026, 5, 14, 14, 0, tzinfo=WITA)  # awas follow-up: 24 h
    ok(client.post(f"/v1/response-plans/{plan_id}/submit", headers=officer))
    own = client.post(f"/v1/response-plans/{plan_id}/approve", headers=officer)
    assert own.status_code == 403  # no plans:approve
    approved = ok(client.post(f"/v1/response-plans/{plan_id}/approve", headers=leader))
    assert approved["status"] == "approved" and approved["approved_by"] == "Kepala Diskominfo Kaltim"
    activated = ok(client.post(f"/v1/response-plans/{plan_id}/activate", headers=officer))
    assert activated["status"] == "active"
    assert ok(client.get(f"/v1/issues/{issue_id}", headers=officer))["status"] == "handling"

    # The holding statement: drafted from the template, edited, approved: the single narrative.
    clock.advance(minutes=15)
    draft = client.post(
        f"/v1/response-plans/{plan_id}/statements", json={"kind": "holding_statement"}, headers=officer
    )
    statement = ok(draft, 201)
    assert statement["generated"] and statement["number"] == 1
    assert "Samarinda" in statement["text"] and "WITA" in statement["text"]
    edited_text = statement["text"] + "\n\nPosko utama berada di Masjid Al-Ikhlas Sempaja Selatan."
    stale = client.patch(f"/v1/statements/{statement['id']}", json={"text": edited_text}, headers=officer)
    assert stale.status_code == 428
    edited = ok(
        client.patch(
            f"/v1/statements/{statement['id']}",
            json={"text": edited_text},
            headers={**officer, "If-Match": draft.headers["ETag"]},
        )
    )
    assert not edited["generated"]
    clock.advance(minutes=5)
    ok(client.post(f"/v1/statements/{statement['id']}/submit", headers=officer))
    clock.advance(minutes=10)  # 40 minutes after the plan was drafted
    ok(client.post(f"/v1/statements/{statement['id']}/approve", headers=leader))
    narrative = ok(client.get(f"/v1/issues/{issue_id}/statements?status=approved", headers=bpbd_app))
    assert [s["id"] for s in narrative["items"]] == [statement["id"]]
    assert narrative["items"][0]["current"] and narrative["items"][0]["text"] == edited_text

    # Agencies report back. Everything due in the first hours is done on time except Dinsos's logistics.
    plan = ok(client.get(f"/v1/response-plans/{plan_id}", headers=bpbd_app))
    all_tasks = [t for p in plan["phases"] for t in p["tasks"]]
    approval_due = wita(plan["sla"]["approval_due_at"])
    early = [t for t in all_tasks if t["id"] != logistics["id"] and wita(t["due_at"]) <= approval_due]
    assert early
    for task in early:
        ok(client.patch(f"/v1/tasks/{task['id']}", json={"status": "done"}, headers=bpbd_app))
    blocked = client.patch(f"/v1/tasks/{logistics['id']}", json={"status": "blocked"}, headers=bpbd_app)
    assert blocked.status_code == 422  # a blocked task needs its reason
    ok(
        client.patch(
            f"/v1/tasks/{logistics['id']}",
            json={
                "status": "blocked",
                "blocked_reason": "Truk logistik tertahan di Jalan DI Panjaitan yang tergenang.",
            },
            headers=bpbd_app,
        )
    )

    # 17:30: the logistics deadline (17:00) passed. The sweep announces it once and raises the plan.
    clock.now = datetime(2026, 5, 13, 17, 30, tzinfo=WITA).astimezone(UTC)
    assert sweep_overdue(session, clock.now) == 1
    assert sweep_overdue(session, clock.now) == 0
    session.commit()
    assert event_types(session, "task", logistics["id"]).count("task.overdue") == 1
    queue = ok(client.get("/v1/tasks?agency=dinsos&overdue=true", headers=bpbd_app))
    assert [t["id"] for t in queue["items"]] == [logistics["id"]]
    assert queue["items"][0]["overdue"] and queue["items"][0]["status"] == "blocked"
    plan = ok(client.get(f"/v1/response-plans/{plan_id}", headers=officer))
    assert plan["needs_attention"] and plan["overdue_tasks"] >= 1

    clock.advance(minutes=30)
    ok(client.patch(f"/v1/tasks/{logistics['id']}", json={"status": "done"}, headers=bpbd_app))
    assert ok(client.get(f"/v1/response-plans/{plan_id}", headers=officer))["needs_attention"] is False

    # The water goes down; the story turns. Then the plan completes and is evaluated.
    for i, (title, text) in enumerate(AFTER_FLOOD):
        post_mention(client, writer, mention(title, text, clock.now - timedelta(minutes=60 - 20 * i)))
    clock.advance(minutes=30)
    completed = ok(
        client.post(
            f"/v1/response-plans/{plan_id}/complete",
            json={
                "lessons_learned": "Logistik harus disiapkan sebelum jalan akses tergenang; "
                "siagakan truk di posko."
            },
            headers=officer,
        )
    )
    assert completed["status"] == "completed" and completed["allowed_actions"] == []
    evaluation = ok(client.get(f"/v1/response-plans/{plan_id}/evaluation", headers=leader))
    first = evaluation["first_response"]
    assert first["within_sla"] is True and first["minutes_after_start"] == 40.0
    done_late = 1  # the logistics task
    outcome = evaluation["tasks"]
    assert outcome["late"] == done_late + sum(
        1
        for t in all_tasks
        if t["id"] not in {x["id"] for x in early} | {logistics["id"]} and wita(t["due_at"]) < clock.now
    )
    assert outcome["on_time"] == len(early)
    assert outcome["total"] == len(all_tasks)

    # The windows count exactly the issue's mentions, by sentiment.
    started = wita(plan["sla"]["started_at"])
    length = clock.now - started
    mentions = ok(client.get(f"/v1/issues/{issue_id}/mentions?limit=200", headers=officer))["items"]
    for name, lo, hi in (("before", started - length, started), ("after", started, started + length)):
        inside = [m for m in mentions if lo <= wita(m["published_at"]) < hi]
        window = evaluation[name]
        assert window["mentions"] == len(inside), name
        for label in ("negative", "neutral", "positive"):
            assert window[label] == sum(1 for m in inside if m["sentiment"] == label), (name, label)
    assert evaluation["before"]["mentions"] == 3
    assert evaluation["change"]["mentions"] == evaluation["after"]["mentions"] - 3
    assert evaluation["lessons_learned"].startswith("Logistik")

    # Told to listeners and kept in the audit trail.
    plan_events = event_types(session, "response_plan", plan_id)
    assert plan_events == [
        "plan.created",
        "plan.submitted",
        "plan.rejected",
        "plan.submitted",
        "plan.approved",
        "plan.activated",
        "plan.completed",
    ]
    approval = session.exec(
        select(AuditEntry).where(
            col(AuditEntry.action) == "plan.approved", col(AuditEntry.target_id) == plan_id
        )
    ).one()
    assert approval.actor == "Kepala Diskominfo Kaltim" and approval.detail == {
        "from": "submitted",
        "to": "approved",
    }


def test_misconduct_is_preventable_and_the_plan_apologises(
    client: TestClient, clock: Clock, writer: Headers, officer: Headers
) -> None:
    issue_id = post_mention(client, writer, mention(*PUNGLI, T0 - timedelta(hours=2)))
    plan = ok(client.post(f"/v1/issues/{issue_id}/response-plans", json={}, headers=officer), 201)
    assert plan["crisis_cluster"] == "preventable"
    assert "rebuild" in plan["strategy"]
    penyesalan = phase(plan, "penyesalan")
    assert not penyesalan["skipped"]
    assert {t["agency"] for t in penyesalan["tasks"]} >= {"biro-adpim"}
    assert any(t["agency"] == "inspektorat" for t in phase(plan, "perbaiki")["tasks"])
    apology = ok(
        client.post(f"/v1/response-plans/{plan['id']}/statements", json={"kind": "apology"}, headers=officer),
        201,
    )
    assert "maaf" in apology["text"].lower()
    assert apology["kind_label"] == {"id": "Permohonan maaf", "en": "Apology"}
    # A clarification is drafted from the issue's hoax evidence; without any, the issue's state is in the way.
    undrafted = client.post(
        f"/v1/response-plans/{plan['id']}/statements", json={"kind": "clarification"}, headers=officer
    )
    assert (undrafted.status_code, undrafted.json()["code"]) == (409, "CANNOT_DRAFT")


def test_a_hoax_is_denied_only_once_confirmed_with_evidence_and_cannot_close_without_a_clarification(
    client: TestClient, clock: Clock, writer: Headers, officer: Headers, leader: Headers
) -> None:
    issue_id = post_mention(client, writer, mention(*HOAX, T0 - timedelta(hours=1)))
    refused = client.post(
        f"/v1/issues/{issue_id}/response-plans", json={"strategy": ["deny"]}, headers=officer
    )
    assert refused.status_code == 409 and refused.json()["code"] == "DENY_NEEDS_CONFIRMED_HOAX"

    issue = client.get(f"/v1/issues/{issue_id}", headers=officer)
    evidence = ["https://bpbd.samarindakota.go.id/klarifikasi-bendungan-benanga"]
    ok(
        client.patch(
            f"/v1/issues/{issue_id}",
            json={"hoax_status": "confirmed", "hoax_evidence": evidence},
            headers={**officer, "If-Match": issue.headers["ETag"]},
        )
    )
    plan = ok(client.post(f"/v1/issues/{issue_id}/response-plans", headers=officer), 201)
    assert plan["crisis_cluster"] == "victim" and "deny" in plan["strategy"]
    deny = next(r for r in plan["rationale"] if r["code"] == "deny")
    assert evidence[0] in deny["id"] and evidence[0] in deny["en"]
    assert phase(plan, "penyesalan")["skipped"]

    # A confirmed hoax stays open until a clarification is approved.
    issue = client.get(f"/v1/issues/{issue_id}", headers=officer)
    closing = client.patch(
        f"/v1/issues/{issue_id}",
        json={"status": "resolved"},
        headers={**officer, "If-Match": issue.headers["ETag"]},
    )
    assert closing.status_code == 409 and closing.json()["code"] == "CLARIFICATION_REQUIRED"
    clarification = ok(
        client.post(
            f"/v1/response-plans/{plan['id']}/statements", json={"kind": "clarification"}, headers=officer
        ),
        201,
    )
    assert evidence[0] in clarification["text"]
    ok(client.post(f"/v1/statements/{clarification['id']}/submit", headers=officer))
    ok(client.post(f"/v1/statements/{clarification['id']}/approve", headers=leader))
    issue = client.get(f"/v1/issues/{issue_id}", headers=officer)
    resolved = client.patch(
        f"/v1/issues/{issue_id}",
        json={"status": "resolved"},
        headers={**officer, "If-Match": issue.headers["ETag"]},
    )
    assert ok(resolved)["status"] == "resolved"


def test_illegal_transitions_answer_409_naming_the_allowed_ones(
    client: TestClient, clock: Clock, writer: Headers, officer: Headers, leader: Headers
) -> None:
    issue_id = flood_issue(client, writer, officer)
    plan_id = ok(client.post(f"/v1/issues/{issue_id}/response-plans", headers=officer), 201)["id"]
    early = client.post(f"/v1/response-plans/{plan_id}/activate", headers=officer)
    assert early.status_code == 409
    problem = early.json()
    assert problem["code"] == "INVALID_TRANSITION" and problem["allowed_actions"] == ["submit", "cancel"]
    assert early.headers["content-type"].startswith("application/problem+json")
    ok(client.post(f"/v1/response-plans/{plan_id}/submit", headers=leader))
    # The submitter cannot approve its own submission, even with the scope.
    same = client.post(f"/v1/response-plans/{plan_id}/approve", headers=leader)
    assert same.status_code == 403 and same.json()["code"] == "SAME_SUBMITTER"
    twice = client.post(f"/v1/response-plans/{plan_id}/submit", headers=officer)
    assert twice.status_code == 409 and twice.json()["allowed_actions"] == ["approve", "reject", "cancel"]
    cancelled = client.post(
        f"/v1/response-plans/{plan_id}/cancel", json={"reason": "Salah isu"}, headers=officer
    )
    assert ok(cancelled)["status"] == "cancelled"
    closed = client.post(
        f"/v1/response-plans/{plan_id}/cancel", json={"reason": "Dibatalkan lagi"}, headers=officer
    )
    assert closed.status_code == 409 and closed.json()["allowed_actions"] == []
    # With the old plan cancelled a new one may be drafted; two open plans may not exist.
    ok(client.post(f"/v1/issues/{issue_id}/response-plans", headers=officer), 201)
    again = client.post(f"/v1/issues/{issue_id}/response-plans", headers=officer)
    assert again.status_code == 409 and again.json()["code"] == "PLAN_EXISTS"
    listed = ok(client.get(f"/v1/issues/{issue_id}/response-plans", headers=officer))["items"]
    assert [p["status"] for p in listed] == ["draft", "cancelled"]


def test_editing_a_draft_needs_its_etag_and_a_new_cluster_reshapes_the_plan(
    client: TestClient, clock: Clock, writer: Headers, officer: Headers
) -> None:
    issue_id = flood_issue(client, writer, officer)
    created = client.post(f"/v1/issues/{issue_id}/response-plans", headers=officer)
    plan = ok(created, 201)
    url = f"/v1/response-plans/{plan['id']}"
    change = {
        "crisis_cluster": "preventable",
        "cluster_reason": "Tanggul jebol karena proyek normalisasi lalai.",
    }
    assert client.patch(url, json=change, headers=officer).status_code == 428
    assert client.patch(url, json=change, headers={**officer, "If-Match": '"plan-1-v99"'}).status_code == 412
    kept = next(t for t in tasks_by(plan)["bpbd"] if t["phase"] == "kenali")
    ok(
        client.patch(
            f"/v1/tasks/{kept['id']}", json={"notes": "Koordinasi dengan lurah Sempaja."}, headers=officer
        )
    )
    current = client.get(url, headers=officer)
    reshaped = ok(client.patch(url, json=change, headers={**officer, "If-Match": current.headers["ETag"]}))
    assert reshaped["crisis_cluster"] == "preventable" and reshaped["cluster_set_by"] == "officer"
    assert "rebuild" in reshaped["strategy"]
    assert not phase(reshaped, "penyesalan")["skipped"] and phase(reshaped, "penyesalan")["tasks"]
    assert any(r["code"] == "cluster_officer" for r in reshaped["rationale"])
    # The task an officer touched stays; none is doubled.
    tasks = [(t["phase"], t["agency"], t["title"]) for p in reshaped["phases"] for t in p["tasks"]]
    assert len(tasks) == len(set(tasks))
    assert any(t["id"] == kept["id"] for t in phase(reshaped, "kenali")["tasks"])
    ok(client.post(f"{url}/submit", headers=officer))
    locked = client.patch(url, json={"strategy": ["diminish"]}, headers={**officer, "If-Match": "*"})
    assert locked.status_code == 409 and locked.json()["code"] == "PLAN_NOT_DRAFT"


def test_approving_a_new_statement_version_supersedes_the_old_one(
    client: TestClient, clock: Clock, writer: Headers, officer: Headers, leader: Headers
) -> None:
    issue_id = flood_issue(client, writer, officer)
    plan_id = ok(client.post(f"/v1/issues/{issue_id}/response-plans", headers=officer), 201)["id"]

    def approved(text: str) -> dict[str, Any]:
        body = {"kind": "instruction", "text": text}
        made = ok(client.post(f"/v1/response-plans/{plan_id}/statements", json=body, headers=officer), 201)
        ok(client.post(f"/v1/statements/{made['id']}/submit", headers=officer))
        return ok(client.post(f"/v1/statements/{made['id']}/approve", headers=leader))

    first = approved("Warga bantaran Karang Mumus diminta mengungsi ke posko Masjid Al-Ikhlas.")
    second = approved("Warga bantaran Karang Mumus diminta mengungsi ke posko GOR Segiri; hubungi 112.")
    assert (first["number"], second["number"]) == (1, 2)
    current = ok(client.get(f"/v1/issues/{issue_id}/statements?status=approved", headers=officer))["items"]
    assert [s["id"] for s in current] == [second["id"]]
    old = ok(client.get(f"/v1/statements/{first['id']}", headers=officer))
    assert old["status"] == "superseded" and not old["current"]
    final = client.patch(
        f"/v1/statements/{second['id']}", json={"text": "Ubah"}, headers={**officer, "If-Match": "*"}
    )
    assert final.status_code == 409 and final.json()["code"] == "STATEMENT_NOT_DRAFT"


def test_the_task_queue_pages_soonest_first_and_filters(
    client: TestClient, clock: Clock, writer: Headers, officer: Headers
) -> None:
    issue_id = flood_issue(client, writer, officer)
    plan_id = ok(client.post(f"/v1/issues/{issue_id}/response-plans", headers=officer), 201)["id"]
    seen: list[dict[str, Any]] = []
    url: str | None = f"/v1/tasks?plan_id={plan_id}&limit=3"
    while url:
        page = client.get(url, headers=officer)
        body = ok(page)
        seen.extend(body["items"])
        url = (
            f"/v1/tasks?plan_id={plan_id}&limit=3&cursor={body['next_cursor']}"
            if body["next_cursor"]
            else None
        )
    keys = [(wita(t["due_at"]), t["id"]) for t in seen]
    assert keys == sorted(keys) and len({t["id"] for t in seen}) == len(seen) > 3
    cutoff = T0 + timedelta(hours=2)
    before = ok(
        client.get(
            "/v1/tasks", params={"plan_id": plan_id, "due_before": cutoff.isoformat()}, headers=officer
        )
    )
    assert before["items"] and all(wita(t["due_at"]) < cutoff for t in before["items"])
    bad = client.post(
        f"/v1/response-plans/{plan_id}/tasks",
        json={
            "phase": "respon",
            "title": "Tugas tanpa pemilik yang dikenal",
            "agency": "dinas-fiktif",
            "due_rule": "follow_up",
        },
        headers=officer,
    )
    assert bad.status_code == 422 and bad.json()["code"] == "UNKNOWN_AGENCY"
    skipped = client.post(
        f"/v1/response-plans/{plan_id}/tasks",
        json={
            "phase": "penyesalan",
            "title": "Sampaikan permohonan maaf",
            "agency": "biro-adpim",
            "due_rule": "follow_up",
        },
        headers=officer,
    )
    assert skipped.status_code == 409 and skipped.json()["code"] == "PHASE_SKIPPED"


def test_plans_need_their_scopes(
    client: TestClient, clock: Clock, writer: Headers, officer: Headers, make_key: KeyMaker
) -> None:
    issue_id = flood_issue(client, writer, officer)
    reader = bearer(make_key(Scope.issues_read, name="Dasbor pimpinan"))
    assert client.post(f"/v1/issues/{issue_id}/response-plans", headers=reader).status_code == 403
    plan_id = ok(client.post(f"/v1/issues/{issue_id}/response-plans", headers=officer), 201)["id"]
    assert client.get(f"/v1/response-plans/{plan_id}", headers=reader).status_code == 403
    assert client.get("/v1/tasks", headers=reader).status_code == 403
    assert client.get("/v1/audit", headers=officer).status_code == 403
    audit = client.get(
        f"/v1/audit?target_type=response_plan&target_id={plan_id}", headers=bearer(make_key(Scope.admin))
    )
    assert [e["action"] for e in ok(audit)["items"]] == ["plan.created"]
    assert client.get("/v1/response-plans/999999", headers=officer).status_code == 404


def test_the_agency_an_officer_assigned_leads_the_tasks(
    client: TestClient, clock: Clock, writer: Headers, officer: Headers
) -> None:
    issue_id = flood_issue(client, writer, officer)
    issue = client.get(f"/v1/issues/{issue_id}", headers=officer)
    ok(
        client.patch(
            f"/v1/issues/{issue_id}",
            json={"assigned_agency": "dpupr-pera", "reason": "Tanggul Karang Mumus jebol: PUPR memimpin."},
            headers={**officer, "If-Match": issue.headers["ETag"]},
        )
    )
    plan = ok(client.post(f"/v1/issues/{issue_id}/response-plans", headers=officer), 201)
    verify = [t["agency"] for t in phase(plan, "kenali")["tasks"] if t["template"] == "kenali.verify"]
    assert verify[0] == "dpupr-pera" and "bpbd" in verify
