"""Read-only reference data: regions and agencies."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from app.db import SessionDep
from app.openapi import problems
from app.reference import service
from app.reference.models import AgencyList, AgencyPublic, RegionList, RegionPublic

router = APIRouter(prefix="/v1", tags=["reference"])


@router.get("/regions")
def list_regions(session: SessionDep) -> RegionList:
    """List Kalimantan Timur and its ten kabupaten/kota.

    Codes are Kemendagri's (`64`, `64.01` … `64.74`); use them in `region_codes` and `region` filters.
    """
    return RegionList(items=[RegionPublic.model_validate(r) for r in service.list_regions(session)])


@router.get("/agencies")
def list_agencies(
    session: SessionDep,
    region: Annotated[str | None, Query(max_length=8, description="Only agencies of this region.")] = None,
) -> AgencyList:
    """List the agencies (OPD) Sigap routes work to.

    Provincial OPDs carry region `64`; each kabupaten/kota Diskominfo carries its own region code.
    """
    return AgencyList(
        items=[AgencyPublic.model_validate(a) for a in service.list_agencies(session, region_code=region)]
    )


@router.get("/agencies/{code}", responses=problems(404))
def get_agency(code: Annotated[str, Path(max_length=64)], session: SessionDep) -> AgencyPublic:
    """Read one agency by its code.

    Codes are stable lowercase slugs, e.g. `bpbd`, `dinkes` or `diskominfo-bontang`; they appear in API
    clients, task owners and routing.
    """
    return AgencyPublic.model_validate(service.get_agency(session, code))
