"""Regions (Kalimantan Timur and its kabupaten/kota) and agencies (OPD), seeded and read-only over the API."""

from __future__ import annotations

from enum import StrEnum

from pydantic import computed_field
from sqlalchemy import String
from sqlmodel import Field, SQLModel

from app.reference.catalog import REGION_TYPE_LABELS


class RegionType(StrEnum):
    provinsi = "provinsi"
    kabupaten = "kabupaten"
    kota = "kota"


class Label(SQLModel):
    """A label for people, in Indonesian and English."""

    id: str
    en: str


class RegionBase(SQLModel):
    code: str = Field(primary_key=True, max_length=8, description="Kemendagri code, e.g. `64.72`.")
    name: str = Field(max_length=100)
    # Plain strings, not native enums: adding a value later must not need an ALTER TYPE on PostgreSQL.
    type: str = Field(sa_type=String(16))
    capital: str = Field(max_length=100, description="Seat of the provincial or kabupaten/kota government.")
    parent_code: str | None = Field(default=None, foreign_key="region.code", max_length=8)


class Region(RegionBase, table=True):
    pass


class RegionPublic(RegionBase):
    type: RegionType

    model_config = {
        "json_schema_extra": {
            "example": {
                "code": "64.03",
                "name": "Kutai Kartanegara",
                "type": "kabupaten",
                "capital": "Tenggarong",
                "parent_code": "64",
                "type_label": {"id": "Kabupaten", "en": "Regency"},
            }
        }
    }

    @computed_field  # type: ignore[prop-decorator]
    @property
    def type_label(self) -> Label:
        return Label(**REGION_TYPE_LABELS[self.type])


class AgencyBase(SQLModel):
    code: str = Field(primary_key=True, max_length=64, description="Stable lowercase slug, e.g. `bpbd`.")
    name: str = Field(max_length=200, description="Official name in Indonesian.")
    name_en: str = Field(max_length=200, description="Name in English.")
    abbreviation: str = Field(max_length=64, description="Short name as used in the press.")
    region_code: str = Field(foreign_key="region.code", max_length=8, index=True)
    level: str = Field(sa_type=String(16), description="Government level the agency belongs to.")


class Agency(AgencyBase, table=True):
    pass


class AgencyPublic(AgencyBase):
    level: RegionType = Field(description="Government level the agency belongs to.")

    model_config = {
        "json_schema_extra": {
            "example": {
                "code": "bpbd",
                "name": "Badan Penanggulangan Bencana Daerah Provinsi Kalimantan Timur",
                "name_en": "Regional Disaster Management Agency, East Kalimantan Province",
                "abbreviation": "BPBD Kaltim",
                "region_code": "64",
                "level": "provinsi",
            }
        }
    }


class RegionList(SQLModel):
    items: list[RegionPublic]


class AgencyList(SQLModel):
    items: list[AgencyPublic]
