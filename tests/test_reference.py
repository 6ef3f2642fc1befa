from fastapi.testclient import TestClient
from sqlmodel import Session

from app.reference import catalog
from app.reference.service import seed

REQUIRED_AGENCIES = {
    "diskominfo", "dinkes", "dpupr-pera", "bpbd", "disdikbud", "dishub", "dlh", "esdm", "dinsos", "satpol-pp",
    "kesbangpol", "inspektorat", "biro-perekonomian", "biro-adpim", "dpmptsp", "disnakertrans",
    "biro-organisasi", "dkp3a", "bapenda",
    "diskominfo-samarinda", "diskominfo-bontang", "diskominfo-balikpapan",
}  # fmt: skip


def test_regions_are_the_province_and_its_ten_kabupaten_kota(client: TestClient) -> None:
    response = client.get("/v1/regions")
    assert response.status_code == 200
    regions = {r["code"]: r for r in response.json()["items"]}
    assert set(regions) == {
        "64", "64.01", "64.02", "64.03", "64.04", "64.05", "64.09", "64.11", "64.71", "64.72", "64.74",
    }  # fmt: skip
    assert regions["64.72"]["name"] == "Samarinda"
    assert regions["64.72"]["type"] == "kota"
    assert regions["64.03"]["capital"] == "Tenggarong"
    assert regions["64.03"]["type_label"] == {"id": "Kabupaten", "en": "Regency"}
    assert regions["64"]["parent_code"] is None


def test_agencies_cover_the_opds_and_every_kabupaten_kota_diskominfo(client: TestClient) -> None:
    agencies = {a["code"]: a for a in client.get("/v1/agencies").json()["items"]}
    assert REQUIRED_AGENCIES <= set(agencies)
    kabkota = [a for a in agencies.values() if a["code"].startswith("diskominfo-")]
    assert {a["region_code"] for a in kabkota} == {r["code"] for r in catalog.regions()} - {"64"}
    assert agencies["bpbd"]["name_en"].startswith("Regional Disaster Management Agency")
    assert agencies["diskominfo-bontang"]["region_code"] == "64.74"


def test_agencies_filter_by_region_and_unknown_agency_is_404(client: TestClient) -> None:
    only = client.get("/v1/agencies", params={"region": "64.72"}).json()["items"]
    assert [a["code"] for a in only] == ["diskominfo-samarinda"]
    missing = client.get("/v1/agencies/dinas-tidak-ada")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert missing.json()["code"] == "AGENCY_NOT_FOUND"


def test_seed_is_idempotent(session: Session) -> None:
    assert seed(session) == {"regions": 0, "agencies": 0}
