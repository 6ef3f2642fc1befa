"""schemathesis 4 against the in-process app: every operation, every phase, every check, two agencies.

The run is what `schemathesis run --checks all` does (the same engine), on a private migrated and seeded
database with real commits, through the ASGI transport (no server, no network):

- phases: examples, coverage, fuzzing and stateful (links inferred from `Location` headers and from the
  schema's dependencies);
- checks: all of them, among them `object_level_authorization` (ST402), which needs several identities.
  They come from a Web Fuzzing Commons auth document: two kabupaten/kota clients, `diskominfo-samarinda`
  and `diskominfo-balikpapan`, each with every scope but `admin` — they are `peers` that must not see each
  other's objects — and a provincial admin, whom schemathesis escalates to on the admin-only routes.
- bounded and reproducible: a fixed seed, deterministic generation, few examples per operation and no
  Hypothesis deadline, so it fits in `make test`.

A failure is reported with its check, operation and a curl line to reproduce it.
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

import pytest
import schemathesis
from fastapi import FastAPI
from schemathesis import engine
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events
from schemathesis.engine.recorder import CheckFailureInfo
from schemathesis.generation.case import Case
from schemathesis.generation.meta import TestPhase
from schemathesis.hooks import HookContext
from schemathesis.specs.openapi.schemas import OpenApiSchema
from schemathesis.wfc.escalation import escalating_provider

from app.auth.models import Scope
from app.auth.service import create_client
from app.db import Database, build_engine
from app.main import create_app
from tests.conftest import DatabaseFactory, test_settings

SEED = 20261127
MAX_EXAMPLES = 8  # per operation and generation mode in the fuzzing phase
AGENCY_SCOPES = [scope for scope in Scope if scope is not Scope.admin]
IDENTITIES = {  # name -> (agency, scopes); order matters: schemathesis tries them in this order
    "samarinda": ("diskominfo-samarinda", AGENCY_SCOPES),
    "balikpapan": ("diskominfo-balikpapan", AGENCY_SCOPES),
    "admin": ("diskominfo", [Scope.admin]),
}
PEERS = ["samarinda", "balikpapan"]
# schemathesis' own defaults for `positive_data_acceptance` and `negative_data_rejection`
POSITIVE_EXPECTED = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]
NEGATIVE_EXPECTED = ["400", "401", "403", "404", "405", "406", "409", "415", "422", "428", "429", "5xx"]

_CROSS_FIELD = (
    "a rule across fields or over stored state that JSON Schema cannot carry; answered 422 with errors[]"
)
# What schemathesis still reports, (check or "error", operation) -> why it is not fixed in this change.
# They are printed on every run; anything not listed fails the test. Remove an entry when it is fixed.
KNOWN: dict[tuple[str, str], str] = {
    # The reported request is `?date=2000-01-01`, a valid day: the negative value generated (not a string,
    # e.g. a one-item array) serialises to the same query string. Non-days are refused: tests/test_reports.
    ("negative_data_rejection", "GET /v1/reports/daily-brief"): "query serialisation of a non-string day",
    ("positive_data_acceptance", "Stateful tests"): _CROSS_FIELD
    + " (see the operations below), and cursors the stateful phase makes up (400 INVALID_CURSOR)",
    # By design (README "Push many"): each item is validated on its own; invalid items come back as
    # `rejected` in a 200, so a batch holding a schema-violating item is not refused as a whole.
    ("negative_data_rejection", "POST /v1/mentions/batch"): "per-item validation is the documented contract",
    ("positive_data_acceptance", "POST /v1/mentions"): _CROSS_FIELD + " (title or text; published_at "
    "between 1990 and tomorrow; url must be http(s))",
    ("positive_data_acceptance", "POST /v1/mentions/batch"): _CROSS_FIELD,
    ("positive_data_acceptance", "POST /v1/classify"): _CROSS_FIELD + " (title or text)",
    ("positive_data_acceptance", "PATCH /v1/issues/{issue_id}"): _CROSS_FIELD + " (at least one change)",
    ("positive_data_acceptance", "PATCH /v1/response-plans/{plan_id}"): _CROSS_FIELD
    + " (cluster_reason with crisis_cluster)",
    ("positive_data_acceptance", "POST /v1/response-plans/{plan_id}/tasks"): _CROSS_FIELD
    + " (due_at or due_rule; not in a skipped phase)",
    ("positive_data_acceptance", "POST /v1/issues/{issue_id}/classification"): _CROSS_FIELD
    + " (a level, impact dimensions, or both)",
    ("positive_data_acceptance", "POST /v1/issues/{issue_id}/response-plans"): _CROSS_FIELD
    + " (cluster_reason with crisis_cluster; `deny` needs a hoax confirmed with evidence)",
    ("positive_data_acceptance", "PATCH /v1/tasks/{task_id}"): _CROSS_FIELD
    + " (a blocked task needs its reason)",
    ("positive_data_acceptance", "POST /v1/mentions/{mention_id}/labels"): _CROSS_FIELD
    + " (at least one of sentiment, topic or level)",
    ("positive_data_acceptance", "POST /v1/response-plans/{plan_id}/statements"): _CROSS_FIELD
    + " (a clarification Sigap drafts needs the issue's hoax evidence)",
    ("positive_data_acceptance", "POST /v1/issues/{issue_id}/merge"): _CROSS_FIELD
    + " (an issue cannot be merged into itself, nor an already merged one)",
    ("positive_data_acceptance", "POST /v1/issues/{issue_id}/split"): _CROSS_FIELD
    + " (the mentions must belong to the issue)",
    ("positive_data_acceptance", "POST /v1/classifier/train"): _CROSS_FIELD
    + " (NOT_ENOUGH_TRAINING_DATA until officers have labelled)",
    ("positive_data_acceptance", "POST /v1/webhooks"): _CROSS_FIELD + " (the URL must be a public host)",
    ("positive_data_acceptance", "POST /v1/sources"): _CROSS_FIELD + " (the feed URL must be a public host)",
}


@dataclass
class Outcome:
    operations: int = 0
    cases: Counter[str] = field(default_factory=Counter)  # per phase
    # (code, check, operation, first line of the message) -> (count, reproduction)
    failures: dict[tuple[str, str, str, str], tuple[int, str]] = field(default_factory=dict)
    errors: list[tuple[str, str]] = field(default_factory=list)  # operation, message
    checks_run: Counter[str] = field(default_factory=Counter)
    peer_probes: int = 0
    stop_reason: str = ""
    seconds: float = 0.0

    def add_failure(self, check: str, operation: str, info: CheckFailureInfo) -> None:
        failure = info.failure
        message = (failure.message or failure.title).strip().splitlines() or [failure.title]
        status = getattr(failure, "status_code", None)
        observed = f" (got {status})" if status else ""
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
            f"object-level authorization probes across peers: {self.peer_probes}",
        ]
        for (code, check, operation, message), (count, sample) in sorted(self.failures.items()):
            lines.append(f"- {code} {check} x{count}: {operation}: {message}\n    {sample[:600]}")
        errors = Counter(self.errors)
        lines += [
            f"- error x{count}: {operation}: {message}" for (operation, message), count in errors.items()
        ]
        return "\n".join(lines)


@pytest.fixture(scope="module")
def running_app(
    databases: DatabaseFactory, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[FastAPI, Path]]:
    """The app on its own migrated, seeded database, and a WFC auth document with a key per identity."""
    url = databases.create()
    settings = test_settings(url, db_pool_size=10)
    database = Database(build_engine(settings))
    users = []
    with database.session() as session:
        for name, (agency, scopes) in IDENTITIES.items():
            _, key = create_client(session, name=f"schemathesis {name}", agency=agency, scopes=scopes)
            users.append(
                {"name": name, "fixedHeaders": [{"name": "Authorization", "value": f"Bearer {key}"}]}
            )
        session.commit()
    auth_file = tmp_path_factory.mktemp("schemathesis") / "auth.json"
    auth_file.write_text(json.dumps({"schemaVersion": "0.1.0", "auth": users}), encoding="utf-8")
    try:
        yield create_app(settings, database), auth_file
    finally:
        database.dispose()


def _config(auth_file: Path) -> SchemathesisConfig:
    return SchemathesisConfig.from_dict(
        {
            "seed": SEED,
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


def _as_a_client_would(schema: OpenApiSchema) -> None:
    """Positive cases send what a real client sends where the contract says so in words, not in schema."""
    keys = itertools.count(1)

    @schema.hook
    def map_case(ctx: HookContext, case: Case) -> Case:
        if case.meta is None or not case.meta.generation.mode.is_positive:
            return case  # negative cases keep every generated value
        # "Any unique string": a generated key repeats across bodies, which is the documented
        # 422 IDEMPOTENCY_KEY_REUSED; the replay itself is tested in test_idempotency.py.
        if case.headers and "Idempotency-Key" in case.headers:
            case.headers["Idempotency-Key"] = f"schemathesis-{next(keys)}"
        # A cursor is only ever one Sigap issued (signed, tied to its filters); a generated one is a
        # forgery, answered 400 INVALID_CURSOR (tested in test_listing.py). Stateful links still follow
        # real `next_cursor` values.
        if case.query and "cursor" in case.query and case.meta.phase.name is not TestPhase.STATEFUL:
            del case.query["cursor"]
        return case


def _run(app: FastAPI, auth_file: Path) -> Outcome:
    config = _config(auth_file)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=config)
    _as_a_client_would(schema)
    outcome = Outcome(operations=len(list(schema.get_all_operations())))
    started = time.monotonic()
    for event in engine.from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            outcome.cases[str(event.phase)] += len(event.recorder.cases)
            for check_nodes in event.recorder.checks.values():
                for node in check_nodes:
                    outcome.checks_run[node.name] += 1
                    if node.failure_info is not None:
                        outcome.add_failure(node.name, event.recorder.label, node.failure_info)
        elif isinstance(event, events.NonFatalError):
            outcome.errors.append((event.label, event.info.message.strip().splitlines()[0][:200]))
        elif isinstance(event, events.FatalError):
            outcome.errors.append(("fatal", repr(event.exception)))
        elif isinstance(event, events.EngineFinished):
            outcome.stop_reason = str(event.stop_reason)
    outcome.seconds = time.monotonic() - started
    provider = escalating_provider(schema)
    assert provider is not None and set(provider.peers) == set(PEERS)  # ST402 has its two identities
    # How often one agency replayed the other's read; zero would mean ST402 never looked.
    outcome.peer_probes = len(getattr(provider, "_probed", ()))
    return outcome


def _error_key(operation: str, message: str) -> str:
    # An unbounded id can reach the database from any operation with one; the message names the cause.
    return message if "int too large" in message else operation


def test_schemathesis_finds_nothing(running_app: tuple[FastAPI, Path]) -> None:
    app, auth_file = running_app
    outcome = _run(app, auth_file)
    report = outcome.report()
    if os.environ.get("SIGAP_SCHEMATHESIS_REPORT"):
        Path(os.environ["SIGAP_SCHEMATHESIS_REPORT"]).write_text(report, encoding="utf-8")
    print(report)
    assert outcome.stop_reason == "completed"
    found = {("error", _error_key(operation, message)) for operation, message in outcome.errors} | {
        (check, operation) for _, check, operation, _ in outcome.failures
    }
    assert found - set(KNOWN) == set(), report
    stale = set(KNOWN) - found
    if stale:  # not a failure: a shorter run or the other backend may not meet them; worth a look
        print("known findings not met in this run:", sorted(stale))
