"""Reading verdicts, taking officers' corrections, training and switching models."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from app.auth.service import Principal
from app.classification import learn, taxonomy
from app.classification.engine import classify
from app.classification.intake import document_of
from app.classification.models import ClassifierModel, MentionClassification, MentionLabel
from app.classification.registry import ACTIVE_MODELS
from app.classification.schemas import Classification
from app.classification.views import (
    ClassifyRequest,
    LabelCreate,
    LabelPublic,
    ModelPublic,
    StoredClassification,
    TopicPublic,
)
from app.clock import plausible, utcnow
from app.errors import Conflict, NotFound, UnprocessableEntity
from app.mentions.models import Mention


def topics() -> list[TopicPublic]:
    return [
        TopicPublic(
            label=info.label, name={"id": info.name_id, "en": info.name_en}, agencies=list(info.agencies)
        )
        for info in taxonomy.TOPICS.values()
    ]


def dry_run(session: Session, request: ClassifyRequest) -> Classification:
    models = ACTIVE_MODELS.get(session)
    now = utcnow()
    row = request.model_dump()
    # As intake records it: an implausible publication time counts as now.
    row["published_at"] = plausible(request.published_at, now)[0] if request.published_at else None
    return classify(
        document_of(row),
        now=now,
        sentiment_model=models.get("sentiment"),
        topic_model=models.get("topic"),
    )


def stored_views(session: Session, mention_ids: Sequence[int]) -> dict[int, StoredClassification]:
    """Verdict and latest label for each of ``mention_ids`` (two queries, whatever their number)."""
    if not mention_ids:
        return {}
    verdicts = session.exec(
        select(MentionClassification).where(col(MentionClassification.mention_id).in_(mention_ids))
    )
    latest: dict[int, MentionLabel] = {}
    for label in session.exec(
        select(MentionLabel)
        .where(col(MentionLabel.mention_id).in_(mention_ids))
        .order_by(col(MentionLabel.id))
    ):
        latest[label.mention_id] = label
    return {
        v.mention_id: StoredClassification(
            machine=Classification.model_validate(v.verdict),
            label=_label_public(latest.get(v.mention_id)),
            classified_at=v.classified_at,
        )
        for v in verdicts
    }


def fresh_view(verdict: Classification, classified_at: datetime) -> StoredClassification:
    return StoredClassification(machine=verdict, label=None, classified_at=classified_at)


def _label_public(label: MentionLabel | None) -> LabelPublic | None:
    return None if label is None else LabelPublic.model_validate(label, from_attributes=True)


def add_label(session: Session, *, mention_id: int, body: LabelCreate, principal: Principal) -> LabelPublic:
    if session.get(Mention, mention_id) is None:
        raise NotFound(f"Mention {mention_id} does not exist.", code="MENTION_NOT_FOUND")
    if body.topic is not None and body.topic not in taxonomy.Topic.__members__:
        raise UnprocessableEntity(
            f"Unknown topic '{body.topic}'; see GET /v1/topics.",
            errors=[{"loc": ["body", "topic"], "msg": "unknown topic", "type": "unknown_topic"}],
        )
    label = MentionLabel(
        mention_id=mention_id,
        sentiment=body.sentiment,
        topic=body.topic,
        level=body.level,
        reason=body.reason,
        labelled_by_client_id=principal.client_id,
        labelled_by=principal.name,
    )
    session.add(label)
    session.flush()
    public = _label_public(label)
    assert public is not None
    return public


def labelled_examples(session: Session, task: str) -> tuple[list[str], list[str]]:
    """Officers' latest label per mention for ``task``, with the mention's title and text."""
    field = col(MentionLabel.sentiment) if task == "sentiment" else col(MentionLabel.topic)
    latest: dict[int, tuple[str, str]] = {}
    query = (
        select(col(MentionLabel.mention_id), field, col(Mention.title), col(Mention.text))
        .join(Mention, col(Mention.id) == col(MentionLabel.mention_id))
        .where(field.is_not(None))
        .order_by(col(MentionLabel.id))
    )
    for mention_id, value, title, text in session.execute(query):
        latest[mention_id] = (" ".join(p for p in (title, text) if p), value)
    texts = [t for t, _ in latest.values()]
    labels = [v for _, v in latest.values()]
    return texts, labels


def train_and_store(
    session: Session,
    *,
    task: str,
    texts: Sequence[str],
    labels: Sequence[str],
    source: str,
    trained_by: str,
    activate: bool,
) -> ModelPublic:
    try:
        model, report = learn.train(texts, labels, task=task)
    except ValueError as exc:
        raise Conflict(str(exc), code="NOT_ENOUGH_TRAINING_DATA") from None
    row = ClassifierModel(
        task=task,
        version=model.version,
        labels=list(model.labels),
        report=report.as_dict(),
        source=source,
        artifact=model.to_bytes(),
        trained_by=trained_by,
    )
    session.add(row)
    session.flush()
    if activate:
        return activate_model(session, model.version)
    return _model_public(row)


def list_models(session: Session) -> list[ModelPublic]:
    rows = session.exec(select(ClassifierModel).order_by(col(ClassifierModel.id).desc()))
    return [_model_public(r) for r in rows]


def activate_model(session: Session, version: str) -> ModelPublic:
    """Make ``version`` the active model of its task; the previous one stays available to switch back to."""
    row = session.exec(select(ClassifierModel).where(ClassifierModel.version == version)).first()
    if row is None:
        raise NotFound(f"Model version '{version}' does not exist.", code="MODEL_NOT_FOUND")
    session.execute(
        update(ClassifierModel)
        .where(col(ClassifierModel.task) == row.task, col(ClassifierModel.version) != version)
        .values(active=False)
    )
    row.active = True
    session.add(row)
    session.flush()
    ACTIVE_MODELS.invalidate()
    return _model_public(row)


def _model_public(row: ClassifierModel) -> ModelPublic:
    return ModelPublic.model_validate(row, from_attributes=True)
