"""The reference data as shipped in ``data/*.json``: the one source the seed and input validation share.

Pure module (no database): intake validates ``region_codes`` against the same list the seed writes, without a
query per request.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Annotated, Any

from pydantic import AfterValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

PROVINCE_CODE = "64"  # Kalimantan Timur itself: province-wide subjects

REGION_TYPE_LABELS = {
    "provinsi": {"id": "Provinsi", "en": "Province"},
    "kabupaten": {"id": "Kabupaten", "en": "Regency"},
    "kota": {"id": "Kota", "en": "City"},
}


def _load(name: str) -> list[dict[str, Any]]:
    text = resources.files("app.reference").joinpath("data", name).read_text(encoding="utf-8")
    rows: list[dict[str, Any]] = json.loads(text)
    return rows


@cache
def regions() -> tuple[dict[str, Any], ...]:
    return tuple(_load("regions.json"))


@cache
def agencies() -> tuple[dict[str, Any], ...]:
    return tuple(_load("agencies.json"))


@cache
def region_codes() -> frozenset[str]:
    return frozenset(r["code"] for r in regions())


@cache
def agency_codes() -> frozenset[str]:
    return frozenset(a["code"] for a in agencies())


def known_region(code: str) -> str:
    if code not in region_codes():
        raise PydanticCustomError(
            "unknown_region", "unknown region code '{code}'; see GET /v1/regions", {"code": code}
        )
    return code


# In a request, an agency code as seeded: the contract lists them, the service answers 422 for any other.
KNOWN_AGENCY = WithJsonSchema({"type": "string", "enum": sorted(agency_codes()), "maxLength": 64})

# A Kemendagri code of Kalimantan Timur or one of its kabupaten/kota, as seeded; the contract lists them.
RegionCode = Annotated[
    str,
    AfterValidator(known_region),
    WithJsonSchema({"type": "string", "enum": sorted(region_codes()), "maxLength": 5}),
]
