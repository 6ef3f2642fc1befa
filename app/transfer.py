"""Bulk export of issues and bulk import of mentions, for any size.

Export streams: rows are read from the database in chunks (a server-side cursor on PostgreSQL) and written as
they come, so memory stays flat however many issues there are. Import sends a JSONL or CSV file through the
same intake as the API in batches, each its own transaction, and records how far it got in a state file next
to the input, so an interrupted import resumes where it stopped. Re-sending a batch is harmless: intake
recognises mentions it already holds.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import load_only
from sqlmodel import col, select

from app.access import service as access
from app.auth.service import Principal, intake_client
from app.clock import to_wita
from app.db import Database
from app.issues.models import Issue
from app.issues.state import current_stage
from app.mentions import service as mentions
from app.reports.render import CSV_COLUMNS

CHUNK = 1000
IMPORT_CLIENT = "Impor berkas (sigap import)"
_ISSUE_COLUMNS = (
    "id", "title", "level", "stage", "status", "topic", "region_codes", "mention_count", "negative_count",
    "first_seen_at", "last_seen_at",
)  # fmt: skip


def _csv_line(values: list[Any]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(values)
    return out.getvalue()


def issue_csv_lines(
    database: Database, *, base_url: str, now: datetime, viewer: Principal, open_only: bool = False
) -> Iterator[str]:
    """The issues ``viewer`` sees as CSV lines (header first), read ``CHUNK`` rows at a time in id order."""
    yield _csv_line(list(CSV_COLUMNS))
    query = (
        select(Issue).options(load_only(*(getattr(Issue, c) for c in _ISSUE_COLUMNS))).order_by(col(Issue.id))
    )
    if open_only:
        query = query.where(col(Issue.is_open).is_(True))
    query = query.where(*access.only_seen(Issue.id, viewer))
    with database.session(write=False) as session:
        rows = session.exec(query.execution_options(yield_per=CHUNK))
        for issue in rows:
            share = round(issue.negative_count / issue.mention_count, 3) if issue.mention_count else ""
            yield _csv_line(
                [
                    issue.id, issue.title, issue.level, current_stage(issue, now), issue.status, issue.topic,
                    " ".join(issue.region_codes), issue.mention_count, share,
                    to_wita(issue.first_seen_at).isoformat(), to_wita(issue.last_seen_at).isoformat(),
                    f"{base_url}/v1/issues/{issue.id}",
                ]
            )  # fmt: skip
            session.expunge(issue)  # nothing kept behind: memory stays flat


# --- import -----------------------------------------------------------------------------------------------


@dataclass
class ImportState:
    path: str
    size: int
    done: int = 0  # records sent and committed
    created: int = 0
    duplicates: int = 0
    rejected: int = 0


def _records(path: Path) -> Iterator[dict[str, Any]]:
    """Mentions from a JSONL file (one object per line) or a CSV file with the API's field names;
    ``region_codes`` space-separated and ``metrics`` as JSON in CSV."""
    with path.open(encoding="utf-8", newline="") as handle:
        if path.suffix.lower() == ".csv":
            for row in csv.DictReader(handle):
                record: dict[str, Any] = {k: v for k, v in row.items() if v not in (None, "")}
                if "region_codes" in record:
                    record["region_codes"] = record["region_codes"].split()
                if "metrics" in record:
                    record["metrics"] = json.loads(record["metrics"])
                yield record
        else:
            for line in handle:
                if line.strip():
                    yield json.loads(line)


def count_records(path: Path) -> int:
    """How many records the file holds (one streaming pass), for the progress bar."""
    with path.open(encoding="utf-8", newline="") as handle:
        if path.suffix.lower() == ".csv":
            return sum(1 for _ in csv.DictReader(handle))
        return sum(1 for line in handle if line.strip())


def rejects_file(path: Path) -> Path:
    return path.with_name(path.name + ".rejected.jsonl")


def _state_file(path: Path) -> Path:
    return path.with_name(path.name + ".sigap-import")


def _save(state: ImportState, where: Path) -> None:
    temporary = where.with_suffix(".tmp")
    temporary.write_text(json.dumps(asdict(state)), encoding="utf-8")
    os.replace(temporary, where)  # atomic: a crash leaves the old state or the new one, never half


def import_file(
    database: Database,
    path: Path,
    *,
    batch_size: int = 500,
    progress: Callable[[ImportState], None] = lambda state: None,
    restart: bool = False,
) -> ImportState:
    where = _state_file(path)
    size = path.stat().st_size
    state = ImportState(str(path.resolve()), size)
    if where.exists() and not restart:
        saved = ImportState(**json.loads(where.read_text(encoding="utf-8")))
        if saved.path == state.path and saved.size == size:
            state = saved  # the same file: resume after the last committed batch
    batch: list[Any] = []
    for index, record in enumerate(_records(path)):
        if index < state.done:
            continue
        batch.append(record)
        if len(batch) >= batch_size:
            _send(database, batch, state, where)
            progress(state)
            batch = []
    if batch:
        _send(database, batch, state, where)
        progress(state)
    where.unlink(missing_ok=True)
    return state


def _send(database: Database, batch: list[Any], state: ImportState, where: Path) -> None:
    with database.session() as session:
        result = mentions.store_batch(session, principal=intake_client(session, IMPORT_CLIENT), items=batch)
    rejected = [r for r in result.results if r.status == "rejected"]
    if rejected:
        # Each refused record with why, beside the input: fix them and import that file.
        with rejects_file(Path(state.path)).open("a", encoding="utf-8") as out:
            for r in rejected:
                out.write(
                    json.dumps(
                        {
                            "record": state.done + r.index + 1,
                            "errors": [e.model_dump() for e in r.errors or []],
                            "input": batch[r.index],
                        },
                        ensure_ascii=False,
                        default=str,
                    )
                    + "\n"
                )
    state.done += len(batch)
    state.created += result.created
    state.duplicates += result.duplicates
    state.rejected += result.rejected
    _save(state, where)
