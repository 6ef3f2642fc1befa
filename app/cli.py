"""The ``sigap`` command: serve, migrate, seed, manage API keys, write the OpenAPI document."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from app.config import get_settings

if TYPE_CHECKING:
    from sqlmodel import Session


@contextmanager
def _session(*, write: bool = True) -> Iterator[Session]:
    """One committed unit of work; the engine is disposed after it, so a command leaves no connection open."""
    from app.db import Database, build_engine

    database = Database(build_engine(get_settings()))
    try:
        with database.session(write=write) as session:
            yield session
    finally:
        database.dispose()


def cmd_migrate(args: argparse.Namespace) -> int:
    from app import migrations

    settings = get_settings()
    migrations.upgrade(settings.database_url)
    print("migrations: at head")
    if not args.no_seed:
        return cmd_seed(args)
    return 0


def cmd_seed(_args: argparse.Namespace) -> int:
    from app.reference.service import seed

    with _session() as session:
        written = seed(session)
    print(f"reference data: {written['regions']} region(s) and {written['agencies']} agency(ies) written")
    return 0


def tune_gc() -> None:
    """What ``sigap serve`` does to the garbage collector once the app is imported (benches do the same)."""
    import gc

    # The modules loaded so far live as long as the process: keep the cyclic collector from rescanning them,
    # and let it run less often under the many short-lived objects of batch intake (~10 % more mentions/s).
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 50, 50)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    import app.main  # noqa: F401 - loaded before the freeze below

    settings = get_settings()
    if settings.is_development:
        # Development is one command: schema, reference data and an admin key, then the server.
        cmd_migrate(argparse.Namespace(no_seed=False))
        _ensure_dev_admin()
    tune_gc()
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        log_level=settings.log_level,
        access_log=settings.access_log,
        proxy_headers=True,
    )
    return 0


def _ensure_dev_admin() -> None:
    from app.auth.service import ensure_admin

    settings = get_settings()
    bootstrap = settings.bootstrap_admin_key.get_secret_value() if settings.bootstrap_admin_key else None
    with _session() as session:
        key = ensure_admin(session, bootstrap_key=bootstrap, generate=True)
    if key and not bootstrap:
        print("\n  Development admin key (shown once; Sigap keeps only its hash):\n")
        print(f"    {key}\n")
        print("  Use it in Swagger UI (Authorize) or: curl -H 'Authorization: Bearer <key>' ...\n")
    elif not key:
        print("admin key: an active admin client exists (create another with `sigap keys create`)")


def cmd_keys_create(args: argparse.Namespace) -> int:
    from app.auth.models import Scope
    from app.auth.service import create_client

    try:
        scopes = [Scope(s.strip()) for part in args.scopes for s in part.split(",") if s.strip()]
    except ValueError as exc:
        print(f"error: {exc}; scopes are: {', '.join(s.value for s in Scope)}", file=sys.stderr)
        return 2
    with _session() as session:
        client, key = create_client(session, name=args.name, agency=args.agency, scopes=scopes)
    print(f"client {client.id} ({client.name}, {client.agency_code}) scopes={','.join(client.scopes)}")
    print(key)
    return 0


def cmd_keys_revoke(args: argparse.Namespace) -> int:
    from app.auth.service import revoke_client

    with _session() as session:
        client = revoke_client(session, args.client_id)
    print(f"client {client.id} ({client.name}) revoked at {client.revoked_at}")
    return 0


def cmd_keys_list(_args: argparse.Namespace) -> int:
    from app.auth.service import list_clients

    with _session(write=False) as session:
        for c in list_clients(session):
            state = "revoked" if c.revoked_at else "active"
            scopes = ",".join(c.scopes)
            print(f"{c.id:>4}  {state:<8} {c.key_prefix}…  {c.agency_code:<28} {scopes:<40} {c.name}")
    return 0


def cmd_classifier_train(args: argparse.Namespace) -> int:
    from app.classification import service

    with _session() as session:
        if args.from_file:
            texts, labels = _read_examples(Path(args.from_file))
            source = f"file {Path(args.from_file).name} ({len(texts)} examples)"
        else:
            texts, labels = service.labelled_examples(session, args.task)
            source = f"labels ({len(texts)} mentions)"
        model = service.train_and_store(
            session,
            task=args.task,
            texts=texts,
            labels=labels,
            source=source,
            trained_by="sigap classifier train",
            activate=not args.no_activate,
        )
    report = model.report
    print(f"{model.version} ({'active' if model.active else 'not active'}), trained on {source}")
    if not model.usable:
        print(f"  its labels are not Sigap {args.task} labels: kept for evaluation, it cannot be activated")
    for label, scores in sorted(report.get("per_class", {}).items()):
        print(f"  {label:<24} precision {scores['precision']:.3f}  recall {scores['recall']:.3f}")
    if report.get("macro_f1") is not None:
        print(f"  accuracy {report.get('accuracy', 0):.3f}  macro-F1 {report['macro_f1']:.3f}")
    if report.get("baseline_macro_f1") is not None:
        print(f"  the rules on the same hold-out: macro-F1 {report['baseline_macro_f1']:.3f}")
    return 0


def _read_examples(path: Path) -> tuple[list[str], list[str]]:
    """``text<TAB>label`` lines (UTF-8): blank lines are skipped, and so is a first line ``text<TAB>label``
    (a header); a line without exactly one tab is an error that names it."""
    try:
        content = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SystemExit(f"{path}: no such file") from None
    except UnicodeDecodeError as exc:
        raise SystemExit(f"{path}: not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
    texts: list[str] = []
    labels: list[str] = []
    for number, line in enumerate(content.splitlines(), start=1):
        if not line.strip():
            continue
        columns = line.split("\t")
        if number == 1 and [c.strip().lower() for c in columns] == ["text", "label"]:
            continue
        if len(columns) != 2 or not columns[0].strip() or not columns[1].strip():
            found = f"{len(columns)} columns" if len(columns) != 2 else "an empty column"
            raise SystemExit(f"{path}:{number}: expected 'text<TAB>label', found {found}")
        texts.append(columns[0].strip())
        labels.append(columns[1].strip())
    return texts, labels


def cmd_idempotency_purge(_args: argparse.Namespace) -> int:
    from app.idempotency.service import purge_expired

    with _session() as session:
        removed = purge_expired(session)
    print(f"idempotency keys: {removed} expired record(s) removed")
    return 0


def cmd_privacy_pseudonymise(args: argparse.Namespace) -> int:
    from app.clock import utcnow
    from app.privacy.service import pseudonymise

    settings = get_settings()
    with _session() as session:
        report = pseudonymise(
            session,
            secret=settings.secret_key.get_secret_value(),
            now=utcnow(),
            retention_days=args.days or settings.personal_data_retention_days,
            dry_run=args.dry_run,
        )
    print(report.summary())
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    import anyio

    from app.db import Database, build_engine
    from app.worker import Worker

    settings = get_settings()
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    database = Database(build_engine(settings))
    worker = Worker(database, settings)
    if args.metrics_port:
        from prometheus_client import start_http_server

        start_http_server(args.metrics_port, addr=args.metrics_host)  # its own counters: webhook attempts
    if args.once:
        print(worker.run_once())
        worker.close()
        return 0
    if settings.warm_up:
        from app.warmup import warm_up

        warm_up(database)  # a long-running worker classifies every polled item: see app.warmup
    anyio.run(worker.run)
    return 0


def cmd_brief(args: argparse.Namespace) -> int:
    from datetime import date

    from app.auth.service import OPERATOR
    from app.clock import utcnow
    from app.reports import render, service

    settings = get_settings()
    now = utcnow()
    day = date.fromisoformat(args.date) if args.date else service.today_wita(now)
    base = settings.public_base_url.rstrip("/")
    with _session(write=False) as session:
        brief = service.daily_brief(session, day, now, base, OPERATOR)
        if args.format == "md":
            print(render.brief_markdown(brief))
        elif args.format == "csv":
            start, end = service.wita_day_bounds(day)
            active = service.active_issues(session, start, end, OPERATOR)
            issues = [service.brief_issue(i, now, base) for i in active]
            sys.stdout.write(render.issues_csv(issues))
        else:
            print(brief.model_dump_json(indent=2))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from app.auth.service import OPERATOR
    from app.clock import utcnow
    from app.db import Database, build_engine
    from app.transfer import issue_csv_lines

    settings = get_settings()
    database = Database(build_engine(settings))
    out = sys.stdout if args.output == "-" else open(args.output, "w", encoding="utf-8", newline="")  # noqa: SIM115
    try:
        for line in issue_csv_lines(
            database,
            base_url=settings.public_base_url.rstrip("/"),
            now=utcnow(),
            viewer=OPERATOR,
            open_only=args.open,
        ):
            out.write(line)
    finally:
        if out is not sys.stdout:
            out.close()
        database.dispose()
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from app.db import Database, build_engine
    from app.transfer import ImportState, count_records, import_file

    path = Path(args.file)
    if not path.exists():
        print(f"error: {path} does not exist", file=sys.stderr)
        return 1
    total = count_records(path)

    def progress(state: ImportState) -> None:
        share = state.done / total if total else 1.0
        print(
            f"\r[{'#' * int(share * 30):<30}] {state.done}/{total} ({share:.0%}) · {state.created} new · "
            f"{state.duplicates} duplicate · {state.rejected} rejected",
            end="",
            file=sys.stderr,
            flush=True,
        )

    database = Database(build_engine(get_settings()))
    try:
        state = import_file(
            database, path, batch_size=args.batch_size, progress=progress, restart=args.restart
        )
    finally:
        database.dispose()
    print(file=sys.stderr)
    print(
        f"import {path.name}: {state.done} record(s): {state.created} created, "
        f"{state.duplicates} duplicate(s), {state.rejected} rejected"
    )
    return 0


def cmd_sources_poll(args: argparse.Namespace) -> int:
    from app.db import Database, build_engine
    from app.worker import Worker

    settings = get_settings()
    worker = Worker(Database(build_engine(settings)), settings)
    try:
        if args.id is not None:
            jobs = worker.claim_sources(args.id)
            if not jobs:
                print(
                    f"source {args.id}: not found, inactive, or being polled by a worker now", file=sys.stderr
                )
                return 1
        else:
            jobs = worker.claim_sources()
        for job in jobs:
            counts = worker.record_poll(job, worker.fetch(job))
            print(
                f"source {job.source_id}: {counts['seen']} item(s) seen, {counts['ingested']} new mention(s)"
            )
        if not jobs:
            print("no source is due")
    finally:
        worker.close()
    return 0


def cmd_tasks_sweep(_args: argparse.Namespace) -> int:
    from app.clock import utcnow
    from app.plans.tasks import sweep_overdue

    with _session() as session:
        announced = sweep_overdue(session, utcnow())
    print(f"tasks: {announced} newly overdue task(s) announced")
    return 0


def cmd_demo_load(args: argparse.Namespace) -> int:
    from app import demo

    try:
        stream = demo.read_stream(Path(args.file)) if args.file else demo.read_stream()
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    with _session() as session:
        counts = demo.load(session, stream)
    print(
        f"demo stream: {counts['created']} mention(s) stored, {counts['duplicates']} already there; "
        f"{len(stream.stories)} stories. Open the triage queue: GET /v1/issues"
    )
    return 0


def cmd_openapi(args: argparse.Namespace) -> int:
    from app.openapi_file import render, scope_table, with_scope_table

    text = render()
    if args.output == "-":
        sys.stdout.write(text)
    else:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"wrote {args.output}")
    if args.readme:
        readme = Path(args.readme)
        text = with_scope_table(readme.read_text(encoding="utf-8"), scope_table())
        readme.write_text(text, encoding="utf-8")
        print(f"wrote the scope table in {args.readme}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sigap", description="Sigap crisis-communication service.")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve the API (development: also migrate, seed, admin key)")
    serve.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    serve.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    serve.set_defaults(func=cmd_serve)

    migrate = sub.add_parser("migrate", help="apply database migrations, then seed reference data")
    migrate.add_argument("--no-seed", action="store_true", help="only migrate")
    migrate.set_defaults(func=cmd_migrate)

    sub.add_parser("seed", help="write regions and agencies (idempotent)").set_defaults(func=cmd_seed)

    keys = sub.add_parser("keys", help="manage API keys").add_subparsers(dest="keys_command", required=True)
    create = keys.add_parser("create", help="issue a key (printed once)")
    create.add_argument("--agency", required=True, help="agency code, e.g. diskominfo-samarinda")
    create.add_argument("--scopes", required=True, nargs="+", help="e.g. mentions:write,mentions:read")
    create.add_argument("--name", required=True, help="who or what uses the key")
    create.set_defaults(func=cmd_keys_create)
    revoke = keys.add_parser("revoke", help="revoke a key by client id")
    revoke.add_argument("client_id", type=int)
    revoke.set_defaults(func=cmd_keys_revoke)
    keys.add_parser("list", help="list clients").set_defaults(func=cmd_keys_list)

    classifier = sub.add_parser("classifier", help="trained sentiment and topic models").add_subparsers(
        dest="classifier_command", required=True
    )
    train = classifier.add_parser("train", help="train a new model version and (by default) activate it")
    source = train.add_mutually_exclusive_group(required=True)
    source.add_argument("--from-labels", action="store_true", help="officers' labels stored in Sigap")
    source.add_argument("--from-file", metavar="F.tsv", help="text<TAB>label lines, any label set")
    train.add_argument("--task", choices=["sentiment", "topic"], default="sentiment")
    train.add_argument("--no-activate", action="store_true", help="store the version without switching to it")
    train.set_defaults(func=cmd_classifier_train)

    idempotency = sub.add_parser("idempotency", help="stored answers to Idempotency-Key requests")
    idempotency.add_subparsers(dest="idempotency_command", required=True).add_parser(
        "purge", help="remove records past their retention (run daily, e.g. from cron)"
    ).set_defaults(func=cmd_idempotency_purge)

    export = sub.add_parser("export", help="write every issue as CSV (streamed; any size)")
    export.add_argument("--output", default="-", help="file, or - for standard output")
    export.add_argument("--open", action="store_true", help="open issues only")
    export.set_defaults(func=cmd_export)

    import_ = sub.add_parser("import", help="send mentions from a JSONL or CSV file through intake")
    import_.add_argument(
        "file", help="FILE.jsonl (one mention object per line) or FILE.csv (API field names)"
    )
    import_.add_argument("--batch-size", type=int, default=500)
    import_.add_argument("--restart", action="store_true", help="ignore a saved position and start over")
    import_.set_defaults(func=cmd_import)

    brief = sub.add_parser("brief", help="print the daily brief (as GET /v1/reports/daily-brief)")
    brief.add_argument("--date", help="a WITA day, YYYY-MM-DD (default: today)")
    brief.add_argument("--format", choices=["md", "json", "csv"], default="md")
    brief.set_defaults(func=cmd_brief)

    privacy = sub.add_parser("privacy", help="personal data of mention authors (UU 27/2022)")
    pseudonymise = privacy.add_subparsers(dest="privacy_command", required=True).add_parser(
        "pseudonymise", help="replace authors past retention by keyed pseudonyms (the worker does it daily)"
    )
    pseudonymise.add_argument("--dry-run", action="store_true", help="report what would change only")
    pseudonymise.add_argument("--days", type=int, help="default: SIGAP_PERSONAL_DATA_RETENTION_DAYS")
    pseudonymise.set_defaults(func=cmd_privacy_pseudonymise)

    worker = sub.add_parser("worker", help="deliver webhooks from the outbox and announce overdue tasks")
    worker.add_argument("--once", action="store_true", help="one turn, then exit (for cron and tests)")
    worker.add_argument(
        "--metrics-port", type=int, help="serve this worker's Prometheus metrics on this port"
    )
    worker.add_argument("--metrics-host", default="127.0.0.1", help="address for --metrics-port")
    worker.set_defaults(func=cmd_worker)

    sources = sub.add_parser("sources", help="feeds Sigap polls").add_subparsers(
        dest="sources_command", required=True
    )
    poll = sources.add_parser("poll", help="poll the due sources now (or one, with --id, due or not)")
    poll.add_argument("--id", type=int, help="the source to poll")
    poll.set_defaults(func=cmd_sources_poll)

    sub.add_parser("tasks", help="response-plan tasks").add_subparsers(
        dest="tasks_command", required=True
    ).add_parser(
        "sweep",
        help="announce tasks that went overdue (task.overdue, once each); servers also do it every minute",
    ).set_defaults(func=cmd_tasks_sweep)

    demo_cmd = sub.add_parser("demo", help="realistic demo data").add_subparsers(
        dest="demo_command", required=True
    )
    load = demo_cmd.add_parser(
        "load", help="send the team's Kaltim stream through intake (times shifted to end now; idempotent)"
    )
    load.add_argument(
        "--file", help="the stream JSON (default: tests/data/kaltim_stream.json of the checkout)"
    )
    load.set_defaults(func=cmd_demo_load)

    openapi = sub.add_parser("openapi", help="write the OpenAPI document as YAML")
    openapi.add_argument("--output", default="openapi.yaml", help="file, or - for standard output")
    openapi.add_argument("--readme", help="also rewrite the operation → scope table in this README")
    openapi.set_defaults(func=cmd_openapi)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    args = build_parser().parse_args(argv)
    from pydantic import ValidationError

    from app.errors import AppError

    try:
        get_settings()
    except ValidationError as exc:
        problems = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
        print(f"configuration error: {problems}", file=sys.stderr)
        return 2
    try:
        code: int = args.func(args)
    except AppError as exc:
        print(f"error: {exc.detail or exc.title}", file=sys.stderr)
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main())
