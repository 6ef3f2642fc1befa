"""The team's realistic Kaltim stream (``tests/data/kaltim_stream.json``) loaded through the real intake path.

``sigap demo load`` uses it so a new user sees a live triage queue; the clustering tests and
``bench/cluster_quality.py`` use it with its story labels. The times are shifted so that the stream ends a few
minutes before now, keeping its spacing: the issues are live, not dormant.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import Session

from app.auth.service import Principal, intake_client
from app.clock import utcnow
from app.mentions import service as mentions
from app.mentions.schemas import MentionCreate

STREAM = Path(__file__).resolve().parent.parent / "tests" / "data" / "kaltim_stream.json"
CLIENT_NAME = "Demo: aliran berita Kaltim"
LABEL_KEYS = ("story", "near_duplicate_of")
BATCH = 200


@dataclass(frozen=True, slots=True)
class Stream:
    stories: list[dict[str, Any]]
    mentions: list[dict[str, Any]]


def read_stream(path: Path = STREAM) -> Stream:
    if not path.is_file():
        raise FileNotFoundError(
            f"demo stream not found at {path}: run from a Sigap checkout, or pass --file with its path"
        )
    data = json.loads(path.read_text(encoding="utf-8"))
    return Stream(stories=data["stories"], mentions=data["mentions"])


def shifted(items: Sequence[dict[str, Any]], end: datetime) -> list[dict[str, Any]]:
    """The mentions without their labels, moved in time so the last one is published at ``end``."""
    times = [datetime.fromisoformat(m["published_at"]) for m in items]
    offset = end - max(times)
    return [
        {**{k: v for k, v in m.items() if k not in LABEL_KEYS}, "published_at": (t + offset).isoformat()}
        for m, t in zip(items, times, strict=True)
    ]


def loader(session: Session) -> Principal:
    """The API client the demo stream is sent as (created once)."""
    return intake_client(session, CLIENT_NAME)


def load(session: Session, stream: Stream, *, end: datetime | None = None) -> dict[str, int]:
    """Send the stream through intake in batches, in published order. Returns created and duplicate counts;
    loading it twice stores nothing new (the external ids are the same)."""
    principal = loader(session)
    items = shifted(stream.mentions, end or utcnow() - timedelta(minutes=5))
    created = duplicates = 0
    for start in range(0, len(items), BATCH):
        batch = [MentionCreate.model_validate(item) for item in items[start : start + BATCH]]
        for stored in mentions.store(session, principal=principal, items=batch):
            created += stored.created
            duplicates += not stored.created
    return {"created": created, "duplicates": duplicates}
