"""Reading verdicts, taking officers' corrections, training and switching models."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from app.auth.service import Principal
from app.classification import learn, taxonomy
from app.classification.engine import classify, classify_many
from app.classification.intake import document_of
from app.classification.lexicon import service_agencies
from app.classification.models import ClassifierModel, MentionClassification, MentionLabel
from app.classification.registry import ACTIVE_MODELS
from app.classification.schemas import Classification
from app.classification.views import (
    ClassifyRequest,
    CorrectedValues,
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
            label=info.label,
            name={"id": info.name_id, "en": info.name_en},
            agencies=list(info.agencies),
            services=dict(service_agencies()) if info.label is taxonomy.Topic.pelayanan_publik else {},
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
    history: dict[int, list[MentionLabel]] = {}
    for label in session.exec(
        select(MentionLabel)
        .where(col(MentionLabel.mention_id).in_(mention_ids))
        .order_by(col(MentionLabel.id))
    ):
        history.setdefault(label.mention_id, []).append(label)
    return {
        v.mention_id: _stored_view(
            Classification.model_validate(v.verdict), history.get(v.mention_id, []), v.classified_at
        )
        for v in verdicts
    }


def _stored_view(
    verdict: Classification, labels: Sequence[MentionLabel], classified_at: datetime
) -> StoredClassification:
    public = [LabelPublic.model_validate(label, from_attributes=True) for label in labels]
    corrected = CorrectedValues()
    for label in public:
        for name in ("sentiment", "topic", "level"):
            if getattr(label, name) is not None:
                setattr(corrected, name, getattr(label, name))
    return StoredClassification(
        machine=verdict,
        label=public[-1] if public else None,
        labels=public,
        corrected=corrected,
        classified_at=classified_at,
    )


def fresh_view(verdict: Classification, classified_at: datetime) -> StoredClassification:
    return _stored_view(verdict, [], classified_at)


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


def rules_labels(task: str, texts: Sequence[str]) -> list[str]:
    """What the rule and lexicon path answers for ``task`` on each text: the bar a new model must clear."""
    docs = [document_of({"text": text}) for text in texts]
    verdicts = classify_many(docs, now=utcnow())
    if task == "sentiment":
        return [verdict.sentiment.label.value for verdict in verdicts]
    return [verdict.topic.label.value for verdict in verdicts]


def _outside_taxonomy(task: str, labels: Sequence[str]) -> list[str]:
    return sorted(set(labels) - taxonomy.task_labels(task))


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
    """Train, store and (with ``activate``) switch to a new version.

    A version that is switched to at once must answer in Sigap's own labels and do at least as well as the
    rules on the hold-out; otherwise nothing is stored and the answer says why (``activate=false`` keeps such
    a version for evaluation, and an admin may still switch to it explicitly)."""
    foreign = _outside_taxonomy(task, labels)
    if activate and foreign:
        raise Conflict(
            f"The labels {', '.join(foreign)} are not Sigap {task} labels "
            f"({', '.join(sorted(taxonomy.task_labels(task)))}), so the model could never answer. "
            "Map them to Sigap's labels, or train without activating to keep it for evaluation.",
            code="LABELS_OUTSIDE_TAXONOMY",
        )
    try:
        model, report = learn.train(
            texts, labels, task=task, baseline=None if foreign else lambda held: rules_labels(task, held)
        )
    except ValueError as exc:
        raise Conflict(str(exc), code="NOT_ENOUGH_TRAINING_DATA") from None
    if activate and (
        report.macro_f1 is None
        or report.baseline_macro_f1 is None
        or report.macro_f1 < report.baseline_macro_f1
    ):
        measured = (
            "there are too few examples for a hold-out to measure it"
            if report.macro_f1 is None
            else f"on the hold-out of {report.n_holdout} examples its macro-F1 is {report.macro_f1:.3f}, "
            f"the rules' {report.baseline_macro_f1:.3f}"
        )
        raise Conflict(
            f"The new {task} model was not switched to: {measured}. Give it more examples, or train "
            "without activating to keep it for evaluation and switch to it explicitly.",
            code="MODEL_NOT_BETTER_THAN_RULES",
        )
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
    row = _model_row(session, version)
    foreign = _outside_taxonomy(row.task, row.labels)
    if foreign:
        raise Conflict(
            f"Model '{version}' predicts {', '.join(foreign)}, which are not Sigap {row.task} labels: "
            "it is kept for evaluation and cannot answer.",
            code="LABELS_OUTSIDE_TAXONOMY",
        )
    session.execute(
        update(ClassifierModel)
        .where(col(ClassifierModel.task) == row.task, col(ClassifierModel.version) != version)
        .values(active=False)
    )
    return _switch(session, row, active=True)


def deactivate_model(session: Session, version: str) -> ModelPublic:
    """Stop using ``version``: its task falls back to the rule and lexicon path until another is activated."""
    row = _model_row(session, version)
    return _switch(session, row, active=False) if row.active else _model_public(row)


def _switch(session: Session, row: ClassifierModel, *, active: bool) -> ModelPublic:
    row.active = active
    session.add(row)
    session.flush()
    ACTIVE_MODELS.invalidate()  # this process at once; the others within the registry's refresh
    return _model_public(row)


def _model_row(session: Session, version: str) -> ClassifierModel:
    row = session.exec(select(ClassifierModel).where(ClassifierModel.version == version)).first()
    if row is None:
        raise NotFound(f"Model version '{version}' does not exist.", code="MODEL_NOT_FOUND")
    return row


def _model_public(row: ClassifierModel) -> ModelPublic:
    public = ModelPublic.model_validate(row, from_attributes=True)
    public.usable = not _outside_taxonomy(row.task, row.labels)
    return public
