"""The trained models in use, per process.

Which version is active lives in the database (one committed update switches it, for every process); each
process re-reads that at most every few seconds and loads an artifact once per version.
"""

from __future__ import annotations

import logging
import threading
import time

from sqlmodel import Session, col, select

from app.classification.compiled import prepare
from app.classification.learn import TrainedModel
from app.classification.models import ClassifierModel

REFRESH_SECONDS = 10.0
log = logging.getLogger(__name__)


class ActiveModels:
    def __init__(self, refresh_seconds: float = REFRESH_SECONDS) -> None:
        self.refresh_seconds = refresh_seconds
        self._models: dict[str, TrainedModel] = {}
        self._checked_at = float("-inf")
        self._lock = threading.Lock()

    def get(self, session: Session) -> dict[str, TrainedModel]:
        """Active model per task (``sentiment``, ``topic``); tasks without a trained model are absent."""
        if time.monotonic() - self._checked_at < self.refresh_seconds:
            return self._models
        with self._lock:
            active = dict(
                session.execute(
                    select(col(ClassifierModel.task), col(ClassifierModel.version)).where(
                        col(ClassifierModel.active).is_(True)
                    )
                ).all()
            )
            models = {task: m for task, m in self._models.items() if active.get(task) == m.version}
            loaded = False
            for task, version in active.items():
                if task not in models:
                    artifact = session.exec(
                        select(ClassifierModel.artifact).where(ClassifierModel.version == version)
                    ).one()
                    try:
                        models[task] = TrainedModel.from_bytes(artifact)
                        loaded = True
                    except ValueError as exc:
                        # An artifact of an older format (or damaged): the rules answer for this task until
                        # an officer retrains, rather than every intake failing.
                        log.warning("classifier model %s not loaded, rules answer: %s", version, exc)
            self._models = models  # swapped whole: a reader sees the old set or the new one, never a mix
            self._checked_at = time.monotonic()
        if loaded:
            from app.warmup import freeze  # app.warmup imports this module

            prepare(models.values())
            freeze()  # a new model's arrays and dicts live as long as it does (see app.warmup)
        return models

    def invalidate(self) -> None:
        self._checked_at = float("-inf")


ACTIVE_MODELS = ActiveModels()
