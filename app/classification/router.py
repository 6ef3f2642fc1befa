"""Classification: topics, dry runs, officers' corrections, training and model versions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response, status

from app.access import service as access
from app.auth.deps import AdminPrincipal, require
from app.auth.models import Scope
from app.auth.service import Principal
from app.classification import service
from app.classification.schemas import Classification
from app.classification.views import (
    ClassifyRequest,
    LabelCreate,
    LabelPublic,
    ModelList,
    ModelPublic,
    TopicList,
    TrainRequest,
)
from app.db import SessionDep
from app.deps import Id
from app.mentions import service as mentions
from app.openapi import problems

router = APIRouter(prefix="/v1", tags=["classification"])

Reader = Annotated[Principal, Depends(require(Scope.mentions_read))]
Triage = Annotated[Principal, Depends(require(Scope.issues_write))]


@router.get("/topics")
def list_topics() -> TopicList:
    """List the topic taxonomy and the agencies (OPD) responsible for each topic.

    Topic labels are API values (`bencana`, `kesehatan`, …); `name` gives the Indonesian and English
    display names.
    """
    return TopicList(items=service.topics())


@router.post("/classify", responses=problems(422))
def classify_text(body: ClassifyRequest, session: SessionDep, _reader: Reader) -> Classification:
    """Classify a text without storing anything (dry run).

    Officers and integrators use it to test wording: the answer is exactly what intake would store, with every
    signal that moved the verdict.
    """
    return service.dry_run(session, body)


@router.post(
    "/mentions/{mention_id}/labels", status_code=status.HTTP_201_CREATED, responses=problems(404, 422)
)
def label_mention(
    mention_id: Id, body: LabelCreate, session: SessionDep, principal: Triage, response: Response
) -> LabelPublic:
    """Correct the machine verdict on a mention.

    The correction is kept with who made it, when and why, next to the untouched machine verdict, and
    becomes a training example for the next model (`POST /v1/classifier/train`).
    """
    if not access.sees_mention(session, principal, mention_id):
        raise mentions.mention_not_found(mention_id)
    label = service.add_label(session, mention_id=mention_id, body=body, principal=principal)
    response.headers["Location"] = f"/v1/mentions/{mention_id}"
    return label


@router.post("/classifier/train", status_code=status.HTTP_201_CREATED, responses=problems(409, 422))
def train_classifier(body: TrainRequest, session: SessionDep, admin: AdminPrincipal) -> ModelPublic:
    """Train a new model version from officers' labels.

    Reports per-class precision and recall on a held-out split, beside the rules' macro-F1 on the same
    split. With `activate` (default) the new version answers from the next classification on, provided it does
    at least as well as the rules there (else 409 `MODEL_NOT_BETTER_THAN_RULES` and nothing is stored); the
    previous one stays listed and can be switched back.
    """
    texts, labels = service.labelled_examples(session, body.task)
    return service.train_and_store(
        session,
        task=body.task,
        texts=texts,
        labels=labels,
        source=f"labels ({len(texts)} mentions)",
        trained_by=admin.name,
        activate=body.activate,
    )


@router.get("/classifier/models")
def list_models(session: SessionDep, _admin: AdminPrincipal) -> ModelList:
    """List trained model versions, newest first, with their scores and which one is active.

    Until a model for a task is trained and active, the rule and lexicon path answers for it.
    """
    return ModelList(items=service.list_models(session))


@router.post("/classifier/models/{version}/activate", responses=problems(404, 409))
def activate_model(
    version: Annotated[str, Path(max_length=100)], session: SessionDep, _admin: AdminPrincipal
) -> ModelPublic:
    """Make a model version the active one for its task (for example, switch back to an earlier one).

    Only a version whose labels are Sigap's own can answer (`usable`); another is 409. Every server process
    picks the switch up within ten seconds.
    """
    return service.activate_model(session, version)


@router.post("/classifier/models/{version}/deactivate", responses=problems(404))
def deactivate_model(
    version: Annotated[str, Path(max_length=100)], session: SessionDep, _admin: AdminPrincipal
) -> ModelPublic:
    """Stop using a model version: its task goes back to the rule and lexicon path.

    Deactivating a version that is not active changes nothing. Every server process picks the switch up
    within ten seconds.
    """
    return service.deactivate_model(session, version)
