"""The naive baseline for ``bench/intake.py``: FastAPI + SQLModel written the way the tutorials show it.

One table, no auth, no validation beyond the body's types, no de-duplication: ``add``, ``commit``,
``refresh``, return the row. ``POST /mentions/batch`` does ``add_all`` of every item and one commit. The
engine is a plain ``create_engine(url)``; the only option is SQLite's ``check_same_thread=False``, which the
SQLModel tutorial adds because FastAPI runs sync endpoints on a thread pool.

Run: ``NAIVE_DATABASE_URL=sqlite:///naive.db uvicorn naive_app:app --app-dir bench``.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, FastAPI
from sqlmodel import Field, Session, SQLModel, create_engine

DATABASE_URL = os.environ.get("NAIVE_DATABASE_URL", "sqlite:///./naive.db")
connect_args = {"check_same_thread": False} if DATABASE_URL.startswith("sqlite") else {}
engine = create_engine(DATABASE_URL, connect_args=connect_args)


class MentionIn(SQLModel):
    source_type: str
    source_name: str
    external_id: str
    url: str
    title: str
    text: str
    published_at: datetime
    region_codes: list[str] = []
    metrics: dict[str, Any] = {}


class Mention(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    source_type: str
    source_name: str
    external_id: str
    url: str
    title: str
    text: str
    published_at: datetime
    region_codes: str  # JSON text
    metrics: str  # JSON text


class BatchIn(SQLModel):
    items: list[MentionIn]


def to_row(item: MentionIn) -> Mention:
    return Mention(
        **item.model_dump(exclude={"region_codes", "metrics"}),
        region_codes=json.dumps(item.region_codes),
        metrics=json.dumps(item.metrics),
    )


def get_session() -> Iterator[Session]:
    with Session(engine) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


@asynccontextmanager
async def lifespan(_: FastAPI) -> AsyncIterator[None]:
    SQLModel.metadata.create_all(engine)
    yield
    engine.dispose()


app = FastAPI(title="naive intake", lifespan=lifespan)


@app.get("/readyz")
def readyz() -> dict[str, str]:
    """Ready once the lifespan has created the table."""
    return {"status": "ok"}


@app.post("/mentions", status_code=201)
def create_mention(item: MentionIn, session: SessionDep) -> Mention:
    """Insert one mention, no checks."""
    row = to_row(item)
    session.add(row)
    session.commit()
    session.refresh(row)
    return row


@app.post("/mentions/batch")
def create_mentions(batch: BatchIn, session: SessionDep) -> dict[str, int]:
    """Insert every item of the batch in one commit, no checks."""
    session.add_all([to_row(item) for item in batch.items])
    session.commit()
    return {"created": len(batch.items)}
