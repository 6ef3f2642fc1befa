"""Personal data of mention authors (UU 27/2022): access and erasure, for administrators."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from app.auth.deps import AdminPrincipal
from app.db import SessionDep
from app.deps import SettingsDep
from app.openapi import problems
from app.privacy import service
from app.privacy.schemas import AUTHOR_DESCRIPTION, ErasureReport, ErasureRequest, PersonalDataExport

router = APIRouter(prefix="/v1/personal-data", tags=["personal data"])


@router.get("", responses=problems(422))
def export_personal_data(
    session: SessionDep,
    admin: AdminPrincipal,
    settings: SettingsDep,
    response: Response,
    author: Annotated[str, Query(min_length=1, max_length=200, description=AUTHOR_DESCRIPTION)],
) -> PersonalDataExport:
    """Export everything held about one author: their mentions, corrections on them, and their copies.

    Matches the exact author string, case-insensitively (and the author's pseudonym once the retention job
    has replaced it). The request is audited with a keyed digest of the author, never the name.
    """
    response.headers["Cache-Control"] = "no-store"
    return service.export(
        session, principal=admin, author=author, secret=settings.secret_key.get_secret_value()
    )


@router.post("/erase", responses=problems(422))
def erase_personal_data(
    body: ErasureRequest, session: SessionDep, admin: AdminPrincipal, settings: SettingsDep
) -> ErasureReport:
    """Erase one author from every table: mentions, their copies, stored answers, events, webhook bodies.

    The author field of their mentions becomes null; every other occurrence of the name (issue titles,
    quotes in other posts, the account in a post's address, …) becomes `[dihapus]`. The answer counts the
    rows changed per table; erasing again changes nothing. Audited with a keyed digest, never the name.
    """
    return service.erase(
        session, principal=admin, author=body.author, secret=settings.secret_key.get_secret_value()
    )
