"""Classification through the API: at intake, dry run, officers' corrections, training, model switching."""

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from app.auth.models import Scope
from app.classification.models import ClassifierModel, MentionClassification
from app.cli import _read_examples, main
from app.config import get_settings
from tests.conftest import DatabaseFactory, KeyMaker, bearer
from tests.factories import mention_payload

TOPICS = {
    "bencana", "kesehatan", "infrastruktur", "lingkungan", "ekonomi", "energi", "pendidikan", "keamanan",
    "tata_kelola", "pelayanan_publik", "transportasi", "sosial", "lainnya",
}  # fmt: skip


def _verdicts(session: Session) -> int:
    return session.exec(select(func.count()).select_from(MentionClassification)).one()


def test_topics_list_the_taxonomy_with_responsible_agencies(client: TestClient) -> None:
    items = client.get("/v1/topics").json()["items"]
    assert {t["label"] for t in items} == TOPICS
    agencies = {a["code"] for a in client.get("/v1/agencies").json()["items"]}
    for topic in items:
        assert topic["name"]["id"] and topic["name"]["en"]
        assert topic["agencies"] and set(topic["agencies"]) <= agencies
    assert "bpbd" in next(t for t in items if t["label"] == "bencana")["agencies"]


def test_every_mention_is_classified_at_intake_and_the_verdict_is_stored(
    client: TestClient, writer_headers: dict[str, str], session: Session
) -> None:
    payload = mention_payload(
        title="Banjir Samarinda: Dua Warga Hilang Terseret Arus, 400 KK Mengungsi",
        text="BPBD Kota Samarinda masih mencari dua warga yang hilang di Sungai Karang Mumus. "
        "Ratusan rumah di Sungai Pinang terendam dan warga mengungsi ke posko GOR Segiri.",
        region_codes=[],
    )
    created = client.post("/v1/mentions", json=payload, headers=writer_headers).json()
    machine = created["classification"]["machine"]
    assert machine["topic"]["label"] == "bencana"
    assert machine["level"] in {"siaga", "awas"}
    assert "64.72" in machine["region_codes"]
    assert "bpbd" in machine["agencies"]
    assert any(s["name"] and s["evidence"] for s in machine["signals"])
    assert created["classification"]["label"] is None

    stored = session.get(MentionClassification, created["id"])
    assert stored is not None and stored.level == machine["level"] and stored.topic == "bencana"
    again = client.get(f"/v1/mentions/{created['id']}", headers=writer_headers).json()
    assert again["classification"]["machine"] == machine
    listed = client.get("/v1/mentions", headers=writer_headers).json()["items"]
    assert listed[0]["classification"]["machine"]["level"] == machine["level"]


def test_batch_items_are_classified_too(
    client: TestClient, writer_headers: dict[str, str], session: Session
) -> None:
    before = _verdicts(session)
    response = client.post(
        "/v1/mentions/batch", json={"items": [mention_payload(), mention_payload()]}, headers=writer_headers
    )
    assert response.json()["created"] == 2
    assert _verdicts(session) == before + 2


def test_dry_run_classifies_and_stores_nothing(
    client: TestClient, writer_headers: dict[str, str], session: Session
) -> None:
    before = _verdicts(session)
    response = client.post(
        "/v1/classify",
        json={"title": "Harga Elpiji 3 Kg di Balikpapan Tembus Rp40 Ribu, Warga Antre Sejak Subuh"},
        headers=writer_headers,
    )
    assert response.status_code == 200
    assert response.json()["topic"]["label"] in {"ekonomi", "energi"}
    assert _verdicts(session) == before
    empty = client.post("/v1/classify", json={"title": " ", "text": ""}, headers=writer_headers)
    assert empty.status_code == 422
    naive = client.post(
        "/v1/classify",
        json={"title": "Banjir", "published_at": "2026-11-27T08:00:00"},
        headers=writer_headers,
    )
    assert naive.status_code == 422
    assert naive.json()["errors"][0]["type"] == "timezone_required"
    unknown = client.post(
        "/v1/classify", json={"title": "Banjir", "metrics": {"followers": 3}}, headers=writer_headers
    )
    assert unknown.status_code == 422


def test_officer_correction_is_kept_beside_the_machine_verdict(
    client: TestClient, writer_headers: dict[str, str], make_key: KeyMaker
) -> None:
    officer = bearer(
        make_key(Scope.issues_write, Scope.mentions_read, name="Pranata Humas Diskominfo Kaltim")
    )
    created = client.post("/v1/mentions", json=mention_payload(), headers=writer_headers).json()
    label = client.post(
        f"/v1/mentions/{created['id']}/labels",
        json={
            "level": "awas",
            "topic": "bencana",
            "reason": "Tanggul jebol, BPBD menetapkan tanggap darurat.",
        },
        headers=officer,
    )
    assert label.status_code == 201
    assert label.json()["labelled_by"] == "Pranata Humas Diskominfo Kaltim"
    shown = client.get(f"/v1/mentions/{created['id']}", headers=officer).json()["classification"]
    assert shown["label"]["level"] == "awas"
    assert shown["machine"] == created["classification"]["machine"]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"level": "siaga"}, 422),  # reason is required
        ({"reason": "Salah klasifikasi topik"}, 422),  # nothing corrected
        ({"topic": "olahraga", "reason": "Bukan topik Sigap"}, 422),
        ({"level": "kritis", "reason": "Level tidak dikenal"}, 422),
    ],
)
def test_bad_corrections_are_422(
    client: TestClient, writer_headers: dict[str, str], admin_headers: dict[str, str], body: dict, status: int
) -> None:
    created = client.post("/v1/mentions", json=mention_payload(), headers=writer_headers).json()
    assert (
        client.post(f"/v1/mentions/{created['id']}/labels", json=body, headers=admin_headers).status_code
        == status
    )


def test_correction_needs_triage_scope_and_an_existing_mention(
    client: TestClient, writer_headers: dict[str, str], admin_headers: dict[str, str]
) -> None:
    created = client.post("/v1/mentions", json=mention_payload(), headers=writer_headers).json()
    body = {"sentiment": "negative", "reason": "Keluhan warga soal pompa banjir"}
    assert (
        client.post(f"/v1/mentions/{created['id']}/labels", json=body, headers=writer_headers).status_code
        == 403
    )
    missing = client.post("/v1/mentions/999999/labels", json=body, headers=admin_headers)
    assert missing.status_code == 404


def _label_many(client: TestClient, writer: dict[str, str], admin: dict[str, str]) -> None:
    examples = [
        ("Banjir rendam permukiman warga Sungai Pinang, BPBD buka posko pengungsian", "bencana"),
        ("Tanah longsor tutup jalan poros Kutai Barat, warga terisolasi", "bencana"),
        ("Kebakaran lahan gambut di Penajam meluas, kabut asap pekat", "bencana"),
        ("Banjir rob genangi Bontang Kuala, perahu warga rusak", "bencana"),
        ("Kasus DBD di Bontang naik, puskesmas kewalahan tangani pasien", "kesehatan"),
        ("Dinkes Kaltim gelar imunisasi campak serentak di sekolah", "kesehatan"),
        ("Puluhan siswa Tenggarong keracunan makanan, dirawat di RSUD", "kesehatan"),
        ("Stunting di Mahakam Ulu turun berkat posyandu aktif", "kesehatan"),
        ("Jalan poros Sangatta rusak parah, lubang besar bahayakan pengendara", "infrastruktur"),
        ("Jembatan Mahakam IV diperbaiki, lalu lintas dialihkan", "infrastruktur"),
        ("Proyek drainase Samarinda molor, warga keluhkan genangan", "infrastruktur"),
        ("Pembangunan jalan tol Balikpapan Samarinda seksi baru rampung", "infrastruktur"),
    ]
    for title, topic in examples:
        created = client.post(
            "/v1/mentions", json=mention_payload(title=title, text=title), headers=writer
        ).json()
        body = {"topic": topic, "reason": "Koreksi topik oleh Pranata Humas"}
        assert (
            client.post(f"/v1/mentions/{created['id']}/labels", json=body, headers=admin).status_code == 201
        )


def test_training_from_labels_makes_an_active_version_that_classifies(
    client: TestClient, writer_headers: dict[str, str], admin_headers: dict[str, str], session: Session
) -> None:
    _label_many(client, writer_headers, admin_headers)
    trained = client.post("/v1/classifier/train", json={"task": "topic"}, headers=admin_headers)
    assert trained.status_code == 201, trained.text
    model = trained.json()
    assert model["active"] is True and model["task"] == "topic"
    assert set(model["labels"]) == {"bencana", "kesehatan", "infrastruktur"}
    assert {"precision", "recall"} <= set(next(iter(model["report"]["per_class"].values())))

    verdict = client.post(
        "/v1/classify", json={"title": "Banjir dan longsor landa Kutai Barat"}, headers=admin_headers
    )
    assert verdict.json()["model_version"]["topic"] == model["version"]

    listed = client.get("/v1/classifier/models", headers=admin_headers).json()["items"]
    assert [m["version"] for m in listed if m["active"]] == [model["version"]]
    assert (
        session.exec(select(ClassifierModel).where(ClassifierModel.version == model["version"]))
        .one()
        .artifact
    )


def test_switching_back_to_an_earlier_version(
    client: TestClient, writer_headers: dict[str, str], admin_headers: dict[str, str]
) -> None:
    _label_many(client, writer_headers, admin_headers)
    first = client.post("/v1/classifier/train", json={"task": "topic"}, headers=admin_headers).json()
    second = client.post("/v1/classifier/train", json={"task": "topic"}, headers=admin_headers).json()
    assert first["version"] != second["version"]
    back = client.post(f"/v1/classifier/models/{first['version']}/activate", headers=admin_headers)
    assert back.status_code == 200 and back.json()["active"] is True
    active = [
        m["version"]
        for m in client.get("/v1/classifier/models", headers=admin_headers).json()["items"]
        if m["active"]
    ]
    assert active == [first["version"]]
    assert client.post("/v1/classifier/models/tidak-ada/activate", headers=admin_headers).status_code == 404


def test_training_without_enough_labels_is_409(client: TestClient, admin_headers: dict[str, str]) -> None:
    response = client.post("/v1/classifier/train", json={"task": "sentiment"}, headers=admin_headers)
    assert response.status_code == 409
    assert response.json()["code"] == "NOT_ENOUGH_TRAINING_DATA"


def test_training_needs_admin(client: TestClient, writer_headers: dict[str, str]) -> None:
    assert (
        client.post("/v1/classifier/train", json={"task": "topic"}, headers=writer_headers).status_code == 403
    )


def test_training_file_is_text_tab_label(tmp_path: Path) -> None:
    good = tmp_path / "contoh.tsv"
    good.write_text("Banjir di Samarinda\tbencana\n\nHarga cabai naik\tekonomi\n", encoding="utf-8")
    assert _read_examples(good) == (["Banjir di Samarinda", "Harga cabai naik"], ["bencana", "ekonomi"])
    bad = tmp_path / "rusak.tsv"
    bad.write_text("tanpa tab\n", encoding="utf-8")
    with pytest.raises(SystemExit):
        _read_examples(bad)


def test_readme_level_matrix_is_the_one_the_code_uses() -> None:
    from app.classification.scoring import LEVEL_MATRIX

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    table = readme.split("| urgency \\\\ impact |", 1)[1].splitlines()[2:6]
    documented = [tuple(cell.strip().lower() for cell in row.strip("|").split("|")[1:]) for row in table]
    assert documented == [tuple(level.value for level in row) for row in LEVEL_MATRIX]


def test_cli_trains_from_a_file_and_activates_the_version(
    databases: DatabaseFactory,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = databases.create()
    monkeypatch.setenv("SIGAP_DATABASE_URL", url)
    get_settings.cache_clear()
    examples = tmp_path / "topik.tsv"
    lines = [
        f"{title}\t{label}"
        for label, titles in {
            "bencana": [
                "Banjir rendam Sungai Pinang",
                "Longsor di Kutai Barat",
                "Kebakaran lahan di Penajam",
                "Banjir rob di Bontang Kuala",
                "Puting beliung rusak rumah di Tenggarong",
            ],
            "kesehatan": [
                "Kasus DBD naik di Bontang",
                "Imunisasi campak di Samarinda",
                "Keracunan makanan siswa",
                "Stunting turun di Mahakam Ulu",
                "Puskesmas Sangatta kekurangan dokter",
            ],
        }.items()
        for title in titles
    ]
    examples.write_text("\n".join(lines), encoding="utf-8")
    try:
        assert main(["classifier", "train", "--from-file", str(examples), "--task", "topic"]) == 0
        out = capsys.readouterr().out
        assert "(active)" in out and "bencana" in out and "precision" in out
        assert main(["classifier", "train", "--from-labels", "--task", "sentiment"]) == 1  # no labels yet
    finally:
        get_settings.cache_clear()
