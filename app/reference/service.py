"""Seeding and reading reference data."""

from __future__ import annotations

from sqlmodel import Session, col, select

from app.errors import NotFound
from app.reference import catalog
from app.reference.models import Agency, Region


def seed(session: Session) -> dict[str, int]:
    """Upsert regions and agencies from the shipped data; running it twice changes nothing."""
    written = {"regions": 0, "agencies": 0}
    # Parents first, so the region foreign key holds while inserting.
    for row in sorted(catalog.regions(), key=lambda r: r["parent_code"] is not None):
        written["regions"] += _upsert(session, Region, Region(**row))
    session.flush()
    for row in catalog.agencies():
        written["agencies"] += _upsert(session, Agency, Agency(**row))
    session.flush()
    return written


def _upsert(session: Session, model: type[Region] | type[Agency], wanted: Region | Agency) -> int:
    current = session.get(model, wanted.code)
    if current is None:
        session.add(wanted)
        return 1
    changed = False
    for name, value in wanted.model_dump().items():
        if getattr(current, name) != value:
            setattr(current, name, value)
            changed = True
    return int(changed)


def list_regions(session: Session) -> list[Region]:
    return list(session.exec(select(Region).order_by(col(Region.code))))


def list_agencies(session: Session, *, region_code: str | None = None) -> list[Agency]:
    query = select(Agency).order_by(col(Agency.region_code), col(Agency.code))
    if region_code is not None:
        query = query.where(Agency.region_code == region_code)
    return list(session.exec(query))


def get_agency(session: Session, code: str) -> Agency:
    agency = session.get(Agency, code)
    if agency is None:
        raise NotFound(f"Agency '{code}' does not exist.", code="AGENCY_NOT_FOUND")
    return agency
