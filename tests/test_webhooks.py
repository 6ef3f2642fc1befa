"""Webhooks: subscriptions, Standard Webhooks signatures (checked with the reference library), retries on a
fake clock, leases that survive a crashed worker, 410 Gone, Retry-After, redirects, SSRF refusals."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select
from standardwebhooks.webhooks import Webhook

from app.auth.models import Scope
from app.config import Settings
from app.outbound.refusal import PUBLIC_URL
from app.webhooks.models import WebhookDelivery, WebhookSubscription
from app.worker import Worker
from tests.conftest import KeyMaker, bearer, every_name_public, test_settings
from tests.factories import mention_payload

Headers = dict[str, str]


class Receiver:
    """A webhook receiver on loopback that answers from a script and records what it got."""

    def __init__(self) -> None:
        self.script: list[tuple[int, dict[str, str]]] = []
        self.received: list[dict[str, Any]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0))).decode()
                receiver.received.append({"path": self.path, "headers": dict(self.headers), "body": body})
                status, headers = receiver.script.pop(0) if receiver.script else (204, {})
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://localhost:{self.server.server_port}/sigap/webhook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


class Clock:
    def __init__(self) -> None:
        # Starts at the real time: the reference library refuses signatures older than five minutes.
        self.now = datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return test_settings(
        database_url, webhook_allow_http_hosts="localhost", webhook_retry_schedule="0,5,300,1800,7200"
    )


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def clock(app: FastAPI) -> Clock:
    fake = Clock()
    app.state.clock = fake
    return fake


@pytest.fixture
def worker(app: FastAPI, settings: Settings, clock: Clock) -> Iterator[Worker]:
    running = Worker(app.state.db, settings, clock)
    yield running
    running.close()


@pytest.fixture
def admin(make_key: KeyMaker) -> Headers:
    return bearer(make_key(Scope.admin, name="Administrator Diskominfo"))


def subscribe(client: TestClient, headers: Headers, url: str, **extra: Any) -> dict[str, Any]:
    response = client.post("/v1/webhooks", json={"url": url, **extra}, headers=headers)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def announce(session: Session, event_type: str = "issue.escalated", **payload: Any) -> None:
    from app.outbox.service import emit

    emit(
        session,
        event_type,
        aggregate="issue",
        aggregate_id=41,
        payload={"issue_id": 41, "level": "awas", **payload},
    )
    session.commit()


def deliveries(session: Session, subscription_id: int) -> list[WebhookDelivery]:
    session.expire_all()
    return list(
        session.exec(
            select(WebhookDelivery).where(col(WebhookDelivery.subscription_id) == subscription_id)
        ).all()
    )


def test_a_subscription_shows_its_secret_once_and_deliveries_verify_with_the_reference_library(
    client: TestClient, session: Session, admin: Headers, receiver: Receiver, worker: Worker
) -> None:
    sub = subscribe(
        client, admin, receiver.url, event_types=["issue.escalated"], description="EWS BPBD Kaltim"
    )
    assert sub["secret"].startswith("whsec_") and len(sub["secret"]) >= 6 + 32
    shown = client.get(f"/v1/webhooks/{sub['id']}", headers=admin).json()
    assert "secret" not in shown and shown["event_types"] == ["issue.escalated"]

    announce(session, "issue.escalated", title="Banjir Sempaja")
    announce(session, "plan.created")  # not subscribed
    worker.run_once()
    assert len(receiver.received) == 1
    got = receiver.received[0]
    verified = Webhook(sub["secret"]).verify(got["body"], got["headers"])
    assert verified["type"] == "issue.escalated"
    assert verified["data"]["issue_id"] == 41 and verified["data"]["title"] == "Banjir Sempaja"
    assert "author" not in got["body"]
    with pytest.raises(Exception, match=r"(?i)signature"):
        Webhook("whsec_" + "A" * 44).verify(got["body"], got["headers"])
    (delivery,) = deliveries(session, sub["id"])
    assert delivery.status == "succeeded" and delivery.attempts == 1


def test_a_receiver_failing_three_times_gets_four_attempts_with_one_webhook_id(
    client: TestClient, session: Session, admin: Headers, receiver: Receiver, worker: Worker, clock: Clock
) -> None:
    sub = subscribe(client, admin, receiver.url)
    receiver.script = [(500, {}), (502, {}), (503, {})]
    announce(session)
    worker.run_once()  # attempt 1 at once
    clock.advance(3)
    worker.run_once()  # 5 s (±10 %) not yet passed: nothing
    assert len(receiver.received) == 1
    for wait in (6, 331, 1981):  # 5 s, 300 s and 1800 s, each with its jitter
        clock.advance(wait)
        worker.run_once()
    assert len(receiver.received) == 4
    assert len({r["headers"]["webhook-id"] for r in receiver.received}) == 1
    timestamps = [int(r["headers"]["webhook-timestamp"]) for r in receiver.received]
    assert timestamps == sorted(timestamps) and timestamps[-1] - timestamps[0] >= 2000
    (delivery,) = deliveries(session, sub["id"])
    assert delivery.status == "succeeded" and delivery.attempts == 4
    log = client.get(f"/v1/webhooks/{sub['id']}/deliveries", headers=admin).json()["items"][0]
    assert [a["status_code"] for a in log["attempt_log"]] == [500, 502, 503, 204]


def test_the_schedule_runs_out_and_the_delivery_fails(
    client: TestClient, session: Session, admin: Headers, receiver: Receiver, worker: Worker, clock: Clock
) -> None:
    sub = subscribe(client, admin, receiver.url)
    receiver.script = [(500, {})] * 10
    announce(session)
    for _ in range(8):
        worker.run_once()
        clock.advance(8000)
    (delivery,) = deliveries(session, sub["id"])
    assert delivery.status == "failed" and delivery.attempts == 5  # the test schedule has five delays
    receiver.script = []  # the receiver is fixed; an officer sends it again
    retried = client.post(f"/v1/webhooks/{sub['id']}/deliveries/{delivery.id}/retry", headers=admin)
    assert retried.status_code == 200 and retried.json()["status"] == "pending"
    worker.run_once()
    assert deliveries(session, sub["id"])[0].status == "succeeded"


def test_a_worker_killed_after_claiming_leaves_a_lease_that_runs_out(
    client: TestClient,
    session: Session,
    admin: Headers,
    receiver: Receiver,
    app: FastAPI,
    settings: Settings,
    clock: Clock,
) -> None:
    sub = subscribe(client, admin, receiver.url)
    announce(session)
    crashed = Worker(app.state.db, settings, clock)
    crashed.fan_out()
    assert len(crashed.claim()) == 1  # committed: leased to the crashed worker ...
    crashed.close()  # ... which dies before sending
    restarted = Worker(app.state.db, settings, clock)
    restarted.run_once()
    assert receiver.received == []  # the lease still holds: nobody sends it twice at once
    clock.advance(restarted.config.lease.total_seconds() + 1)
    restarted.run_once()
    restarted.close()
    assert len(receiver.received) == 1
    assert receiver.received[0]["headers"]["webhook-id"] == deliveries(session, sub["id"])[0].message_id


def test_410_gone_disables_the_subscription_and_cancels_what_is_pending(
    client: TestClient, session: Session, admin: Headers, receiver: Receiver, worker: Worker
) -> None:
    sub = subscribe(client, admin, receiver.url)
    receiver.script = [(410, {})]
    announce(session)
    worker.run_once()
    stored = client.get(f"/v1/webhooks/{sub['id']}", headers=admin).json()
    assert stored["active"] is False and "410" in stored["disabled_reason"]
    announce(session, "issue.status_changed")
    worker.run_once()
    assert len(receiver.received) == 1
    assert {d.status for d in deliveries(session, sub["id"])} == {"cancelled"}
    again = client.patch(f"/v1/webhooks/{sub['id']}", json={"active": True}, headers=admin).json()
    assert again["active"] is True and again["disabled_reason"] is None


def test_retry_after_is_honoured_and_redirects_are_not_followed(
    client: TestClient, session: Session, admin: Headers, receiver: Receiver, worker: Worker, clock: Clock
) -> None:
    sub = subscribe(client, admin, receiver.url)
    receiver.script = [(503, {"Retry-After": "120"}), (302, {"Location": receiver.url + "/elsewhere"})]
    announce(session)
    worker.run_once()
    (delivery,) = deliveries(session, sub["id"])
    assert delivery.next_attempt_at >= clock.now + timedelta(seconds=120)
    clock.advance(60)
    worker.run_once()
    assert len(receiver.received) == 1
    clock.advance(61)
    worker.run_once()
    assert [r["path"] for r in receiver.received] == ["/sigap/webhook", "/sigap/webhook"]
    (delivery,) = deliveries(session, sub["id"])
    assert delivery.status == "pending" and delivery.last_status_code == 302  # a redirect is not success


def test_a_rotated_secret_signs_beside_the_new_one_during_the_grace_period(
    client: TestClient, session: Session, admin: Headers, receiver: Receiver, worker: Worker
) -> None:
    sub = subscribe(client, admin, receiver.url)
    rotated = client.post(f"/v1/webhooks/{sub['id']}/rotate-secret", headers=admin).json()
    assert rotated["secret"] != sub["secret"] and rotated["secret_rotating_until"]
    announce(session)
    worker.run_once()
    got = receiver.received[0]
    assert len(got["headers"]["webhook-signature"].split(" ")) == 2
    for secret in (sub["secret"], rotated["secret"]):
        assert Webhook(secret).verify(got["body"], got["headers"])["type"] == "issue.escalated"


def test_an_agency_hears_only_of_issues_it_may_see(
    client: TestClient, make_key: KeyMaker, receiver: Receiver, worker: Worker
) -> None:
    """Fan-out follows app/access: a subscription never hears of an issue its agency would get 404 for."""
    crawler = bearer(make_key(Scope.mentions_write, Scope.issues_write, Scope.issues_read))
    samarinda = bearer(
        make_key(Scope.webhooks_manage, agency="diskominfo-samarinda", name="Diskominfo Samarinda")
    )
    bpbd = bearer(make_key(Scope.webhooks_manage, agency="bpbd", name="Pusdalops BPBD Kaltim"))
    sub = subscribe(client, samarinda, receiver.url, event_types=["issue.created", "issue.status_changed"])
    assert sub["agency"] == "diskominfo-samarinda" and sub["all_agencies"] is False
    bpbd_receiver = Receiver()
    try:
        subscribe(client, bpbd, bpbd_receiver.url, event_types=["issue.status_changed"])
        flood = client.post(
            "/v1/mentions",
            headers=crawler,
            json=mention_payload(
                title="Banjir Rendam Sempaja, Warga Samarinda Mengungsi",
                text="Sungai Karang Mumus meluap; warga Sempaja mengungsi ke GOR Segiri.",
                region_codes=["64.72"],
            ),
        ).json()
        client.post(
            "/v1/mentions",
            headers=crawler,
            json=mention_payload(
                title="Kebakaran Pasar Klandasan Balikpapan",
                text="Puluhan kios di Pasar Klandasan Balikpapan terbakar dini hari.",
                region_codes=["64.71"],
            ),
        )
        worker.run_once()
        heard = [json.loads(r["body"])["data"]["issue_id"] for r in receiver.received]
        assert heard == [flood["issue_id"]]
        assert bpbd_receiver.received == []
        # Once the flood is assigned to BPBD, BPBD hears of it.
        etag = client.get(f"/v1/issues/{flood['issue_id']}", headers=crawler).headers["ETag"]
        client.patch(
            f"/v1/issues/{flood['issue_id']}",
            headers={**crawler, "If-Match": etag},
            json={"status": "handling", "assigned_agency": "bpbd", "reason": "BPBD memimpin."},
        )
        worker.run_once()
        assert [json.loads(r["body"])["type"] for r in bpbd_receiver.received] == ["issue.status_changed"]
    finally:
        bpbd_receiver.close()
    assert client.get(f"/v1/webhooks/{sub['id']}", headers=bpbd).status_code == 404
    assert client.get("/v1/webhooks", headers=bpbd).json()["items"] != []  # its own only
    assert all(w["agency"] == "bpbd" for w in client.get("/v1/webhooks", headers=bpbd).json()["items"])


def test_a_test_message_is_delivered_on_request(
    client: TestClient, admin: Headers, receiver: Receiver, worker: Worker
) -> None:
    sub = subscribe(client, admin, receiver.url, event_types=["task.overdue"])
    queued = client.post(f"/v1/webhooks/{sub['id']}/test", headers=admin)
    assert queued.status_code == 202 and queued.json()["event_type"] == "webhook.test"
    worker.run_once()
    assert json.loads(receiver.received[0]["body"])["type"] == "webhook.test"


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("http://ews.bpbd.example/hook", "https_required"),
        ("https://10.0.0.5/hook", "address_not_global"),
        ("https://169.254.169.254/latest/meta-data/", "address_not_global"),
        ("https://100.64.1.1/hook", "address_not_global"),
        ("https://[::ffff:127.0.0.1]/hook", "address_not_global"),
        ("https://2130706433/hook", "address_not_global"),
        ("https://0177.0.0.1/hook", "address_not_global"),
        ("https://0.0.0.0/hook", "address_not_global"),
        ("https://admin:rahasia@ews.example/hook", "userinfo_not_allowed"),
    ],
)
def test_unsafe_urls_are_refused_at_subscription(
    client: TestClient, admin: Headers, url: str, code: str
) -> None:
    response = client.post("/v1/webhooks", json={"url": url}, headers=admin)
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "UNSAFE_WEBHOOK_URL"
    assert response.json()["errors"][0]["type"] == code


@pytest.mark.parametrize(
    "url",
    [
        "https://93.184.215.14/hook",  # public, but an IP literal
        "https://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]/hook",
        "https://ews.bpbd-kaltim.exämple/hook",  # an IDN goes as punycode
        "https://ews_bpbd.example/hook",
    ],
)
def test_a_receiver_is_named_by_its_dns_name(
    client: TestClient, admin: Headers, url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with every_name_public(monkeypatch):
        response = client.post("/v1/webhooks", json={"url": url}, headers=admin)
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["type"] == "host_name_required"
        assert not re.match(PUBLIC_URL, url)  # the published pattern refuses it as well
        named = client.post(
            "/v1/webhooks", json={"url": "https://ews.bpbd-kaltim.example/hook"}, headers=admin
        )
        assert named.status_code == 201, named.text


def test_the_address_is_checked_again_at_delivery(
    client: TestClient, session: Session, admin: Headers, receiver: Receiver, worker: Worker
) -> None:
    sub = subscribe(client, admin, receiver.url)
    stored = session.get(WebhookSubscription, sub["id"])
    assert stored is not None
    stored.url = "https://127.0.0.1:9/hook"  # e.g. DNS now points inside; not allow-listed over https
    session.commit()
    announce(session)
    worker.run_once()
    (delivery,) = deliveries(session, sub["id"])
    assert delivery.status == "pending" and delivery.last_status_code is None
    assert delivery.last_error is not None and delivery.last_error.startswith("refused")


def test_managing_webhooks_needs_its_scope(client: TestClient, make_key: KeyMaker) -> None:
    officer = bearer(make_key(Scope.plans_write, Scope.issues_write, name="Pranata Humas"))
    assert client.get("/v1/webhooks", headers=officer).status_code == 403


def test_workers_side_by_side_never_claim_the_same_delivery(
    backend: str, databases: Any, receiver: Receiver
) -> None:
    """PostgreSQL: FOR UPDATE SKIP LOCKED; while one worker's claim is uncommitted, another takes the rest."""
    if backend != "postgres":
        pytest.skip("SQLite has one writer at a time; side-by-side workers are a PostgreSQL deployment")
    from app.db import Database, build_engine
    from app.outbox.service import emit
    from app.webhooks import delivery, signing

    url = databases.create()
    settings = test_settings(url, webhook_allow_http_hosts="localhost")
    database = Database(build_engine(settings))
    config = Worker(database, settings).config
    now = datetime.now(UTC)
    try:
        with database.session() as session:
            session.add(
                WebhookSubscription(
                    url=receiver.url, agency_code="diskominfo", all_agencies=True, secret=signing.new_secret()
                )
            )
            for n in range(30):
                emit(session, "issue.escalated", aggregate="issue", aggregate_id=n, payload={"issue_id": n})
        with database.session() as session:
            assert delivery.fan_out(session, now) == 30
        first = database.make_session(write=True)
        second = database.make_session(write=True)
        try:
            mine = delivery.claim(first, now, config, limit=20)
            theirs = delivery.claim(second, now, config, limit=20)
            assert len(mine) == 20 and len(theirs) == 10
            assert not {j.delivery_id for j in mine} & {j.delivery_id for j in theirs}
            first.commit()
            second.commit()
        finally:
            first.close()
            second.close()
        with database.session() as session:
            assert delivery.claim(session, now, config) == []  # all leased
    finally:
        database.dispose()


def test_a_rolled_back_change_sends_nothing(
    client: TestClient, session: Session, admin: Headers, receiver: Receiver, worker: Worker
) -> None:
    from app.outbox.service import emit

    subscribe(client, admin, receiver.url)

    def failing_request() -> None:
        with session.begin_nested():
            emit(session, "issue.escalated", aggregate="issue", aggregate_id=7, payload={"issue_id": 7})
            raise RuntimeError("the request failed after writing its event")

    with pytest.raises(RuntimeError):
        failing_request()
    session.commit()
    worker.run_once()
    assert receiver.received == []
