"""schemathesis 4 against the in-process app: every operation, every phase, every check, two agencies.

The run is what `schemathesis run --checks all` does (the same engine), on a private migrated and seeded
database with real commits, through the ASGI transport (no server, no network):

- phases: examples, coverage, fuzzing and stateful (links inferred from `Location` headers and from the
  schema's dependencies);
- checks: all of them, among them `object_level_authorization` (ST402), which needs several identities.
  They come from a Web Fuzzing Commons auth document: two kabupaten/kota clients, `diskominfo-samarinda`
  and `diskominfo-balikpapan`, each with every scope but `admin` — they are `peers` that must not see each
  other's objects — and a provincial admin, whom schemathesis escalates to on the admin-only routes.
- bounded and reproducible: a fixed seed, deterministic generation, no run cache, few examples per
  operation and no Hypothesis deadline, so it fits in `make test`;
- the world as a client sees it: the host names it makes up resolve to a public address (the machine is
  offline), positive cases send only cursors Sigap issued and fresh idempotency keys, and the run does
  not revoke its own keys.

Any finding fails the test; it is reported with its check, operation, the refusal's `code` and a curl line
to reproduce it.
"""

from __future__ import annotations

import itertools
import json
import os
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from schemathesis import engine
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events
from schemathesis.engine.recorder import CheckFailureInfo
from schemathesis.generation.case import Case
from schemathesis.hooks import HookContext
from schemathesis.specs.openapi.schemas import OpenApiSchema
from schemathesis.wfc.escalation import escalating_provider

from app.auth.models import Scope
from app.auth.service import create_client
from app.db import Database, build_engine
from app.main import create_app
from app.pagination import CursorCodec
from tests.conftest import DatabaseFactory, every_name_public, test_settings

SEED = 20261127
MAX_EXAMPLES = 8  # per operation and generation mode in the fuzzing phase
AGENCY_SCOPES = [scope for scope in Scope if scope is not Scope.admin]
IDENTITIES = {  # name -> (agency, scopes); order matters: schemathesis tries them in this order
    "samarinda": ("diskominfo-samarinda", AGENCY_SCOPES),
    "balikpapan": ("diskominfo-balikpapan", AGENCY_SCOPES),
    "admin": ("diskominfo", [Scope.admin]),
}
PEERS = ["samarinda", "balikpapan"]
MIN_PEER_READS = 5
# schemathesis' own defaults for `positive_data_acceptance` and `negative_data_rejection`
POSITIVE_EXPECTED = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]
NEGATIVE_EXPECTED = ["400", "401", "403", "404", "405", "406", "409", "415", "422", "428", "429", "5xx"]


@dataclass
class Outcome:
    operations: int = 0
    cases: Counter[str] = field(default_factory=Counter)  # per phase
    # (code, check, operation, first line of the message) -> (count, reproduction)
    failures: dict[tuple[str, str, str, str], tuple[int, str]] = field(default_factory=dict)
    errors: list[tuple[str, str]] = field(default_factory=list)  # operation, message
    checks_run: Counter[str] = field(default_factory=Counter)
    peer_reads: list[str] = field(default_factory=list)  # operations whose reads the other peer replayed
    stop_reason: str = ""
    seconds: float = 0.0

    def add_failure(self, check: str, operation: str, info: CheckFailureInfo, answer: object) -> None:
        failure = info.failure
        message = (failure.message or failure.title).strip().splitlines() or [failure.title]
        status = getattr(failure, "status_code", None)
        observed = f" (got {status}{_refusal(answer)})" if status else ""
        key = (failure.code, check, operation, f"{failure.title}{observed}: {message[0][:200]}")
        count, sample = self.failures.get(key, (0, info.code_sample))
        self.failures[key] = (count + 1, sample)

    def by_check(self) -> Counter[str]:
        totals: Counter[str] = Counter()
        for (_, check, _, _), (count, _) in self.failures.items():
            totals[check] += count
        return totals

    def report(self) -> str:
        lines = [
            f"{self.operations} operations; cases per phase {dict(self.cases)}; "
            f"failures by check {dict(self.by_check())}; {self.seconds:.0f} s ({self.stop_reason})",
            f"checks evaluated: {dict(sorted(self.checks_run.items()))}; "
            f"object-level authorization: the peer replayed {len(self.peer_reads)} operations' reads: "
            f"{', '.join(self.peer_reads)}",
        ]
        for (code, check, operation, message), (count, sample) in sorted(self.failures.items()):
            lines.append(f"- {code} {check} x{count}: {operation}: {message}\n    {sample[:600]}")
        errors = Counter(self.errors)
        lines += [
            f"- error x{count}: {operation}: {message}" for (operation, message), count in errors.items()
        ]
        return "\n".join(lines)


@dataclass
class Harness:
    app: FastAPI
    auth_file: Path  # the WFC auth document: a key per identity
    own_clients: frozenset[int]  # the API clients of those keys
    spare_client: int  # revoked in their place


@pytest.fixture(scope="module")
def running_app(databases: DatabaseFactory, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    """The app on its own migrated, seeded database, and a WFC auth document with a key per identity."""
    url = databases.create()
    settings = test_settings(url, db_pool_size=10)
    database = Database(build_engine(settings))
    users = []
    own: set[int] = set()
    with database.session() as session:
        for name, (agency, scopes) in IDENTITIES.items():
            client, key = create_client(session, name=f"schemathesis {name}", agency=agency, scopes=scopes)
            assert client.id is not None
            own.add(client.id)
            users.append(
                {"name": name, "fixedHeaders": [{"name": "Authorization", "value": f"Bearer {key}"}]}
            )
        spare, _ = create_client(
            session, name="schemathesis spare", agency="diskominfo", scopes=[Scope.admin]
        )
        session.commit()
        assert spare.id is not None
        spare_id = spare.id
    auth_file = tmp_path_factory.mktemp("schemathesis") / "auth.json"
    auth_file.write_text(json.dumps({"schemaVersion": "0.1.0", "auth": users}), encoding="utf-8")
    try:
        yield Harness(create_app(settings, database), auth_file, frozenset(own), spare_id)
    finally:
        database.dispose()


def _config(auth_file: Path) -> SchemathesisConfig:
    return SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            # No run cache: every run starts from the same state (a cache would carry identities and
            # requests from one local run into the next, and CI starts clean).
            "cache": {"enabled": False},
            "workers": 1,
            "continue-on-failure": True,
            "suppress-health-check": ["all"],  # inputs are bounded by design; slowness is the database's
            "generation": {"mode": "all", "max-examples": MAX_EXAMPLES, "deterministic": True},
            # Every check. Positive data may also meet 412/428: `If-Match` is a precondition on the server's
            # current state (an ETag it issued), not a property of the request's data that a schema can carry.
            "checks": {
                "enabled": True,
                "positive_data_acceptance": {"expected-statuses": [*POSITIVE_EXPECTED, "412", "428"]},
                # `If-Match` is evaluated before the body: a stale ETag is a refusal like any 4xx.
                "negative_data_rejection": {"expected-statuses": [*NEGATIVE_EXPECTED, "412"]},
            },
            "phases": {
                "examples": {"enabled": True},
                "coverage": {"enabled": True},
                "fuzzing": {"enabled": True},
                # Stateful: short chains, few of them; longer ones tripled the run time, found nothing more.
                "stateful": {"enabled": True, "max-steps": 5, "generation": {"max-examples": 10}},
            },
            "auth": {"wfc": {"path": str(auth_file), "peers": PEERS}},
        }
    )


def _as_a_client_would(schema: OpenApiSchema, harness: Harness) -> None:
    """Positive cases send what a real client sends where the contract says so in words, not in schema."""
    keys = itertools.count(1)
    cursors: CursorCodec = harness.app.state.cursor_codec

    @schema.hook
    def map_case(ctx: HookContext, case: Case) -> Case:
        # The run does not revoke its own keys: every later request of that identity would be a 401, and
        # schemathesis would move its operations to another identity (revocation: tests/test_auth.py).
        revoking = case.operation.label == "POST /v1/clients/{client_id}/revoke"
        if revoking and (case.path_parameters or {}).get("client_id") in harness.own_clients:
            case.path_parameters["client_id"] = harness.spare_client
        # Nor does it name one peer agency in a body (sharing with it, assigning to it, giving it a task):
        # that grants it the other's objects on purpose, which ST402 cannot know and would report as a leak.
        # Grants are tested in tests/test_access.py.
        if case.body is not None:
            case.body = _without_peers(case.body)
        if case.meta is None or not case.meta.generation.mode.is_positive:
            return case  # negative cases keep every generated value
        # "Any unique string": a generated key repeats across bodies, which is the documented
        # 422 IDEMPOTENCY_KEY_REUSED; the replay itself is tested in test_idempotency.py.
        if case.headers and "Idempotency-Key" in case.headers:
            case.headers["Idempotency-Key"] = f"schemathesis-{next(keys)}"
        # A cursor is only ever one Sigap issued (signed, tied to its filters); any other is a forgery,
        # answered 400 INVALID_CURSOR (tested in test_listing.py). Stateful links still follow real ones.
        if case.query and "cursor" in case.query and not cursors.issued(str(case.query["cursor"])):
            del case.query["cursor"]
        return case


PEER_AGENCIES = frozenset(IDENTITIES[name][0] for name in PEERS)


def _without_peers(value: Any) -> Any:
    """``value`` with every peer agency code replaced by another agency's (BPBD)."""
    if isinstance(value, str):
        return "bpbd" if value in PEER_AGENCIES else value
    if isinstance(value, list):
        return [_without_peers(item) for item in value]
    if isinstance(value, dict):
        return {key: _without_peers(item) for key, item in value.items()}
    return value


def _run(harness: Harness) -> Outcome:
    config = _config(harness.auth_file)
    schema = schemathesis.openapi.from_asgi("/openapi.json", harness.app, config=config)
    _as_a_client_would(schema, harness)
    outcome = Outcome(operations=len(list(schema.get_all_operations())))
    started = time.monotonic()
    for event in engine.from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            outcome.cases[str(event.phase)] += len(event.recorder.cases)
            for case_id, check_nodes in event.recorder.checks.items():
                for node in check_nodes:
                    outcome.checks_run[node.name] += 1
                    if node.failure_info is not None:
                        interaction = event.recorder.interactions.get(case_id)
                        answer = _json(interaction.response) if interaction and interaction.response else None
                        outcome.add_failure(node.name, event.recorder.label, node.failure_info, answer)
        elif isinstance(event, events.NonFatalError):
            outcome.errors.append((event.label, event.info.message.strip().splitlines()[0][:200]))
        elif isinstance(event, events.FatalError):
            outcome.errors.append(("fatal", repr(event.exception)))
        elif isinstance(event, events.EngineFinished):
            outcome.stop_reason = str(event.stop_reason)
    outcome.seconds = time.monotonic() - started
    provider = escalating_provider(schema)
    assert provider is not None and set(provider.peers) == set(PEERS)  # ST402 has its two identities
    # Reads one agency replayed as the other (once per operation and resource); none: ST402 never looked.
    probed = getattr(provider, "_probed", set())
    outcome.peer_reads = sorted({key[1] for key in probed if key[0] == "read"})
    return outcome


def _json(response: object) -> object:
    try:
        return response.json()  # type: ignore[attr-defined]
    except ValueError:
        return None


def _refusal(answer: object) -> str:
    """` CODE [field error types]` of a problem+json answer, so the report says which rule refused."""
    if not isinstance(answer, dict) or "code" not in answer:
        return ""
    kinds = sorted({str(e.get("type")) for e in answer.get("errors") or [] if isinstance(e, dict)})
    return f" {answer['code']}" + (f" {kinds}" if kinds else "")


def _error_key(operation: str, message: str) -> str:
    # An unbounded id can reach the database from any operation with one; the message names the cause.
    return message if "int too large" in message else operation


def test_schemathesis_finds_nothing(running_app: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    # The receivers and feeds it makes up must resolve, as a client's real ones do; where names point is
    # checked by tests/test_outbound_safety.py and test_webhooks.py.
    with every_name_public(monkeypatch):
        outcome = _run(running_app)
    report = outcome.report()
    if os.environ.get("SIGAP_SCHEMATHESIS_REPORT"):
        Path(os.environ["SIGAP_SCHEMATHESIS_REPORT"]).write_text(report, encoding="utf-8")
    print(report)
    assert outcome.stop_reason == "completed"
    found = {("error", _error_key(operation, message)) for operation, message in outcome.errors} | {
        (check, operation) for _, check, operation, _ in outcome.failures
    }
    assert found == set(), report
    # ST402 looked: an agency replayed the other's reads of objects the other created (once per operation
    # and resource, by schemathesis' design). Tenancy itself is proven in tests/test_access.py.
    assert len(outcome.peer_reads) >= MIN_PEER_READS, report
