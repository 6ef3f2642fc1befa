"""Start-up work that would otherwise fall on the first requests, and on the garbage collector forever after.

The classifier's word lists and indexes and the trained models are hundreds of thousands of long-lived
objects. CPython's full collections walk every tracked object, so with them in the heap an intake batch paid
a pause of ~100 ms every few requests (measured: a 100-item batch took 160 ms, and 260 ms every fifth one).
Built once at start-up and then frozen (``gc.freeze``), they are left out of every later collection. The
classifier's numba functions are compiled (or loaded from numba's cache) here too, not on the first mention.
"""

from __future__ import annotations

import gc
import logging
from datetime import UTC, datetime

from sqlalchemy.exc import SQLAlchemyError

from app.classification.compiled import compile_kernels
from app.classification.engine import classify
from app.classification.registry import ACTIVE_MODELS
from app.classification.schemas import Document
from app.db import Database

logger = logging.getLogger(__name__)

_SAMPLE = Document(
    title="Banjir rendam Samarinda Utara, BPBD evakuasi warga",
    text="Hujan deras sejak Rabu malam membuat Sungai Karang Mumus meluap; dua warga dilaporkan hilang.",
    source_type="online_news",
)


def warm_up(database: Database) -> None:
    models = {}
    try:
        with database.session() as session:
            models = ACTIVE_MODELS.get(session)
    except SQLAlchemyError as exc:  # not migrated or not reachable yet: the first request loads them
        logger.info("classifier models not loaded at start-up (%s)", exc.__class__.__name__)
    compile_kernels()  # whether or not a model is trained yet: the first one must not wait for numba
    classify(
        _SAMPLE,
        now=datetime.now(UTC),
        sentiment_model=models.get("sentiment"),
        topic_model=models.get("topic"),
    )
    freeze()


def freeze() -> None:
    """Move what is alive now out of the collector's sight. Collected first, so no garbage is kept."""
    gc.collect()
    gc.freeze()


def thaw() -> None:
    """At shutdown: what was frozen may be collected again (an app stopped inside a longer-lived process,
    as in tests, would otherwise keep its cycles for good)."""
    gc.unfreeze()
