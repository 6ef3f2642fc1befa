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
        assert set(topic["services"]) <= agencies
    assert "bpbd" in next(t for t in items if t["label"] == "bencana")["agencies"]
    services = next(t for t in items if t["label"] == "pelayanan_publik")["services"]
    assert "pdam" in services["dpupr-pera"] and "samsat" in services["bapenda"]
    assert all(not t["services"] for t in items if t["label"] != "pelayanan_publik")


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

    # A later correction of another field keeps the earlier one: both are listed, and the level stays awas.
    later = {"sentiment": "negative", "reason": "Warga marah karena pompa banjir tidak berfungsi."}
    assert client.post(f"/v1/mentions/{created['id']}/labels", json=later, headers=officer).status_code == 201
    shown = client.get(f"/v1/mentions/{created['id']}", headers=officer).json()["classification"]
    assert [entry["reason"] for entry in shown["labels"]] == [
        "Tanggul jebol, BPBD menetapkan tanggap darurat.",
        later["reason"],
    ]
    assert shown["label"]["sentiment"] == "negative" and shown["label"]["level"] is None
    assert shown["corrected"] == {"sentiment": "negative", "topic": "bencana", "level": "awas"}
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


def _label_sentiment_policy(client: TestClient, writer: dict[str, str], admin: dict[str, str]) -> None:
    """Officers' sentiment labels the lexicon cannot know: news of the Gratispol free-tuition programme is
    good news, news of a delayed tender ("tender ulang") is bad news, whatever other words the story uses."""
    places = ["Samarinda", "Balikpapan", "Bontang", "Tenggarong", "Sangatta", "Tanjung Redeb", "Tanah Grogot",
              "Sendawar", "Penajam", "Ujoh Bilang", "Loa Kulu", "Sepaku"]  # fmt: skip
    for number, place in enumerate(places):
        for text, label in (
            (f"Pendaftaran Gratispol dibuka di {place}, mahasiswa datang ke kantor kelurahan", "positive"),
            (f"Proyek gedung di {place} tender ulang, pekerjaan dijadwalkan tahun depan", "negative"),
        ):
            created = client.post(
                "/v1/mentions",
                json=mention_payload(title=f"{text} ({number})", text=text, external_id=f"{label}-{number}"),
                headers=writer,
            ).json()
            body = {
                "sentiment": label,
                "reason": "Kebijakan humas: Gratispol kabar baik, tender ulang kabar buruk",
            }
            assert (
                client.post(f"/v1/mentions/{created['id']}/labels", json=body, headers=admin).status_code
                == 201
            )


def test_a_model_better_than_the_rules_is_switched_to_when_trained(
    client: TestClient, writer_headers: dict[str, str], admin_headers: dict[str, str], session: Session
) -> None:
    _label_sentiment_policy(client, writer_headers, admin_headers)
    trained = client.post("/v1/classifier/train", json={"task": "sentiment"}, headers=admin_headers)
    assert trained.status_code == 201, trained.text
    model = trained.json()
    assert model["active"] is True and model["usable"] is True
    report = model["report"]
    assert report["macro_f1"] >= report["baseline_macro_f1"]
    assert report["baseline_macro_f1"] < 1.0  # the rules cannot know the policy
    verdict = client.post(
        "/v1/classify", json={"title": "Gratispol untuk mahasiswa Kutai Barat"}, headers=admin_headers
    ).json()
    assert verdict["model_version"]["sentiment"] == model["version"]
    assert verdict["sentiment"]["label"] == "positive"


def test_a_model_worse_than_the_rules_is_not_switched_to(
    client: TestClient, writer_headers: dict[str, str], admin_headers: dict[str, str], session: Session
) -> None:
    _label_many(client, writer_headers, admin_headers)  # four headlines a topic: the rules read them better
    refused = client.post("/v1/classifier/train", json={"task": "topic"}, headers=admin_headers)
    assert refused.status_code == 409, refused.text
    problem = refused.json()
    assert problem["code"] == "MODEL_NOT_BETTER_THAN_RULES"
    assert "macro-F1" in problem["detail"] and "activat" in problem["detail"]
    assert session.exec(select(func.count()).select_from(ClassifierModel)).one() == 0
    assert client.get("/v1/classifier/models", headers=admin_headers).json()["items"] == []


def test_training_from_labels_makes_a_version_that_classifies_once_activated(
    client: TestClient, writer_headers: dict[str, str], admin_headers: dict[str, str], session: Session
) -> None:
    _label_many(client, writer_headers, admin_headers)
    trained = client.post(
        "/v1/classifier/train", json={"task": "topic", "activate": False}, headers=admin_headers
    )
    assert trained.status_code == 201, trained.text
    model = trained.json()
    assert model["active"] is False and model["task"] == "topic" and model["usable"] is True
    assert set(model["labels"]) == {"bencana", "kesehatan", "infrastruktur"}
    assert {"precision", "recall"} <= set(next(iter(model["report"]["per_class"].values())))
    assert model["report"]["baseline_macro_f1"] is not None
    rules_only = client.post("/v1/classify", json={"title": "Banjir di Kutai Barat"}, headers=admin_headers)
    assert rules_only.json()["model_version"]["topic"].startswith("rules")

    activated = client.post(f"/v1/classifier/models/{model['version']}/activate", headers=admin_headers)
    assert activated.status_code == 200 and activated.json()["active"] is True
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
    _label_sentiment_policy(client, writer_headers, admin_headers)
    first = client.post("/v1/classifier/train", json={"task": "sentiment"}, headers=admin_headers).json()
    second = client.post("/v1/classifier/train", json={"task": "sentiment"}, headers=admin_headers).json()
    assert first["version"] != second["version"]
    back = client.post(f"/v1/classifier/models/{first['version']}/activate", headers=admin_headers)
    assert back.status_code == 200 and back.json()["active"] is True

    def active() -> list[str]:
        items = client.get("/v1/classifier/models", headers=admin_headers).json()["items"]
        return [m["version"] for m in items if m["active"]]

    assert active() == [first["version"]]
    assert client.post("/v1/classifier/models/tidak-ada/activate", headers=admin_headers).status_code == 404

    # And back to the rules: deactivating the active version (twice changes nothing more).
    for _ in range(2):
        off = client.post(f"/v1/classifier/models/{first['version']}/deactivate", headers=admin_headers)
        assert off.status_code == 200 and off.json()["active"] is False
    assert active() == []
    verdict = client.post("/v1/classify", json={"title": "Gratispol dibuka"}, headers=admin_headers).json()
    assert verdict["model_version"]["sentiment"].startswith("rules")
    assert client.post("/v1/classifier/models/tidak-ada/deactivate", headers=admin_headers).status_code == 404


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
    headed = tmp_path / "berjudul.tsv"
    headed.write_text("text\tlabel\nBanjir di Samarinda\tbencana\n", encoding="utf-8")
    assert _read_examples(headed) == (["Banjir di Samarinda"], ["bencana"])
    for name, content, problem in (
        ("rusak.tsv", "tanpa tab\n", "found 1 columns"),
        ("tiga.tsv", "Banjir\tbencana\tcatatan\n", "found 3 columns"),
        ("kosong.tsv", "Banjir\t \n", "an empty column"),
    ):
        bad = tmp_path / name
        bad.write_text(content, encoding="utf-8")
        with pytest.raises(SystemExit, match=problem):
            _read_examples(bad)
    latin = tmp_path / "latin1.tsv"
    latin.write_bytes("Banjir di Sebulu, warga mengungsi ke gedung \xe9\tbencana\n".encode("latin-1"))
    with pytest.raises(SystemExit, match="not UTF-8"):
        _read_examples(latin)
    with pytest.raises(SystemExit, match="no such file"):
        _read_examples(tmp_path / "tidak-ada.tsv")


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
    places = ["Samarinda", "Balikpapan", "Bontang", "Tenggarong", "Sangatta", "Tanjung Redeb", "Tanah Grogot",
              "Sendawar", "Penajam", "Ujoh Bilang"]  # fmt: skip
    examples = tmp_path / "sentimen.tsv"
    lines = ["text\tlabel"]  # a header line is allowed
    for place in places:
        lines.append(f"Pendaftaran Gratispol dibuka di {place}, mahasiswa datang ke kelurahan\tpositive")
        lines.append(f"Proyek gedung di {place} tender ulang, pekerjaan dijadwalkan tahun depan\tnegative")
    examples.write_text("\n".join(lines), encoding="utf-8")
    # Another label set (as in an evaluation corpus): kept for evaluation, never activated.
    foreign = tmp_path / "lain.tsv"
    foreign.write_text("\n".join(line.replace("\tpositive", "\tpositif").replace("\tnegative", "\tnegatif")
                                  for line in lines), encoding="utf-8")  # fmt: skip
    try:
        assert main(["classifier", "train", "--from-file", str(examples), "--task", "sentiment"]) == 0
        out = capsys.readouterr().out
        assert "(active)" in out and "positive" in out and "precision" in out and "the rules" in out
        assert main(["classifier", "train", "--from-file", str(foreign), "--task", "sentiment"]) == 1
        assert "not Sigap sentiment labels" in capsys.readouterr().err
        assert main(["classifier", "train", "--from-file", str(foreign), "--no-activate"]) == 0
        assert "cannot be activated" in capsys.readouterr().out
        assert main(["classifier", "train", "--from-labels", "--task", "sentiment"]) == 1  # no labels yet
    finally:
        get_settings.cache_clear()
