"""learn.py: trainable classifiers on small Kalimantan Timur examples the team wrote (no shared data)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest

from app.classification import learn
from app.classification.learn import TrainedModel, TrainingReport, evaluate, train
from app.classification.schemas import TextModel

NOW = datetime(2026, 11, 28, 7, 15, tzinfo=UTC)

NEGATIVE = [
    "Warga Samarinda kecewa, banjir di Jalan Antasari tidak kunjung surut sejak pagi",
    "Jalan poros Samarinda-Bontang rusak parah dan berlubang, pengendara mengeluh",
    "Pelayanan RSUD di Tenggarong lambat, pasien menunggu berjam-jam tanpa kepastian",
    "Air PDAM di Balikpapan mati tiga hari, warga kesal dan marah",
    "Listrik padam berulang kali di Sangatta, usaha warga merugi",
    "Jembatan di Kutai Barat ambruk, akses warga terputus total",
    "Harga elpiji di Penajam melonjak, ibu rumah tangga kesulitan",
    "Kabut asap karhutla bikin warga Paser sesak napas, pemerintah dinilai lamban",
    "Pungli di kantor kelurahan Bontang dikeluhkan warga, sangat mengecewakan",
    "Sekolah di Mahakam Ulu rusak dan tidak layak pakai, murid belajar di lantai",
    "Antrean BBM solar di Berau mengular, sopir truk kecewa berat",
    "Sampah menumpuk di pasar Segiri, bau busuk dan warga jengkel",
    "Pelayanan KTP elektronik di Disdukcapil buruk, blangko kosong berbulan-bulan",
    "Banjir rob merendam rumah warga Tanjung Redeb, warga kesal tidak ada bantuan",
]
NEUTRAL = [
    "Dinas Perhubungan Kaltim menggelar rapat koordinasi angkutan lebaran di Samarinda",
    "Gubernur Kalimantan Timur menerima kunjungan kerja anggota DPR di Balikpapan",
    "BPS Kaltim merilis data inflasi bulanan pada Senin pagi",
    "Pemkab Kutai Kartanegara menggelar sosialisasi aplikasi layanan perizinan",
    "Jadwal penerbangan Balikpapan-Jakarta berubah mulai bulan depan",
    "DPRD Kaltim membahas rancangan peraturan daerah tentang tata ruang",
    "Bupati Berau menghadiri upacara peringatan hari jadi kabupaten",
    "Dinas Pendidikan Kaltim mengumumkan jadwal penerimaan peserta didik baru",
    "Rapat paripurna DPRD Bontang digelar di gedung dewan pada Kamis",
    "Kantor Samsat Samarinda buka pada hari Sabtu pekan ini",
    "Pemprov Kaltim mendata jumlah aparatur sipil negara yang pindah ke IKN",
    "BMKG Balikpapan memperkirakan cuaca berawan pada akhir pekan",
    "Kepala OPD se-Kaltim mengikuti rapat evaluasi anggaran triwulan",
    "Dishub Samarinda memasang rambu lalu lintas baru di simpang Lembuswana",
]
POSITIVE = [
    "Warga Samarinda senang, jalan di Loa Janan kini mulus dan nyaman dilalui",
    "Pelayanan Puskesmas di Tenggarong cepat dan ramah, warga puas",
    "Jembatan baru di Kutai Timur resmi dibuka, akses warga makin lancar",
    "Program beasiswa Kaltim Tuntas membantu ribuan mahasiswa, orang tua bersyukur",
    "Festival Erau di Tenggarong sukses menarik ribuan wisatawan",
    "Air bersih kini mengalir lancar di Penajam, warga berterima kasih",
    "Pemprov Kaltim raih penghargaan pelayanan publik terbaik nasional",
    "Petugas BPBD sigap mengevakuasi warga, masyarakat mengapresiasi kerja cepat",
    "Harga cabai di pasar Balikpapan turun, pedagang dan pembeli lega",
    "Bandara APT Pranoto makin ramai, ekonomi Samarinda tumbuh positif",
    "Layanan Samsat keliling sangat membantu warga Berau, prosesnya mudah",
    "Rumah sakit di Bontang kini punya alat cuci darah baru, pasien senang",
    "Perbaikan drainase berhasil, kawasan Sempaja tidak lagi tergenang",
    "Siswa Kaltim juara olimpiade sains nasional, gubernur bangga",
]

BENCANA = [
    "Banjir merendam ratusan rumah di Samarinda Utara, warga mengungsi",
    "Tanah longsor menutup jalan poros di Kutai Barat setelah hujan deras",
    "Kebakaran hutan dan lahan meluas di Paser, titik panas terpantau satelit",
    "BPBD Kaltim mengevakuasi korban banjir di Mahakam Ulu dengan perahu karet",
    "Puting beliung merusak puluhan rumah warga di Penajam Paser Utara",
    "Banjir bandang melanda Sangatta, dua warga dilaporkan hilang terseret arus",
    "Kabut asap karhutla menyelimuti Balikpapan, jarak pandang menurun",
    "Longsor di Bontang menimbun tiga rumah, tim SAR masih mencari korban",
    "Sungai Mahakam meluap, desa di Kutai Kartanegara terendam banjir",
    "Gempa kecil dirasakan warga Berau, BMKG memastikan tidak berpotensi tsunami",
]
KESEHATAN = [
    "Kasus demam berdarah meningkat di Samarinda, Dinkes lakukan fogging",
    "Puskesmas di Tenggarong kekurangan obat dan tenaga dokter",
    "Dinas Kesehatan Kaltim menggelar imunisasi campak untuk balita",
    "RSUD Abdul Wahab Sjahranie menambah ruang rawat inap pasien",
    "Angka stunting di Kutai Timur turun berkat program gizi anak",
    "Warga Balikpapan diare massal setelah minum air sumur tercemar",
    "BPJS Kesehatan memperluas layanan klinik di Berau",
    "Dinkes Bontang mengimbau warga waspada kasus malaria",
    "Vaksinasi polio digelar serentak di sekolah dasar Penajam",
    "Rumah sakit di Paser kekurangan perawat dan tempat tidur pasien",
]
INFRASTRUKTUR = [
    "Pembangunan jalan tol Balikpapan-Samarinda seksi lima rampung tahun ini",
    "Jembatan Mahakam Ulu diperbaiki setelah retak pada bagian tiang",
    "Jalan poros Kutai Barat berlubang dan rusak, truk sering terperosok",
    "Proyek drainase kota Samarinda dikerjakan untuk mengurangi genangan",
    "Dinas PUPR Kaltim mengaspal ulang jalan provinsi di Berau",
    "Pelabuhan peti kemas Palaran diperluas untuk kapal besar",
    "Pembangunan bendungan di Penajam Paser Utara memasuki tahap akhir",
    "Jalan penghubung Sangatta-Bengalon diperlebar dan dicor beton",
    "Perbaikan jembatan di Tenggarong membuat lalu lintas dialihkan",
    "Lampu penerangan jalan umum dipasang di ruas baru kota Bontang",
]


def sentiment_data() -> tuple[list[str], list[str]]:
    texts = NEGATIVE + NEUTRAL + POSITIVE
    labels = ["negative"] * len(NEGATIVE) + ["neutral"] * len(NEUTRAL) + ["positive"] * len(POSITIVE)
    return texts, labels


def topic_data() -> tuple[list[str], list[str]]:
    texts = BENCANA + KESEHATAN + INFRASTRUKTUR
    labels = (
        ["bencana"] * len(BENCANA) + ["kesehatan"] * len(KESEHATAN) + ["infrastruktur"] * len(INFRASTRUKTUR)
    )
    return texts, labels


@pytest.fixture(scope="module")
def sentiment() -> tuple[TrainedModel, TrainingReport]:
    return train(*sentiment_data(), task="sentiment", now=NOW)


@pytest.fixture(scope="module")
def topic() -> tuple[TrainedModel, TrainingReport]:
    return train(*topic_data(), task="topic", now=NOW)


def test_sentiment_model_reads_obvious_cases(sentiment: tuple[TrainedModel, TrainingReport]) -> None:
    model, _ = sentiment
    predicted = model.predict(
        [
            "Warga kecewa, jalan rusak parah dan berlubang di Samarinda",
            "Warga puas, pelayanan rumah sakit cepat dan ramah",
        ]
    )
    assert [label for label, _ in predicted] == ["negative", "positive"]
    assert all(0.0 <= p <= 1.0 for _, p in predicted)
    assert all(p > 1 / 3 for _, p in predicted)  # the winner beats chance among three labels


def test_negation_changes_the_verdict(sentiment: tuple[TrainedModel, TrainingReport]) -> None:
    model, _ = sentiment
    plain = model.probabilities("pelayanan puskesmas cepat dan ramah, warga puas")
    negated = model.probabilities("pelayanan puskesmas tidak cepat dan tidak ramah, warga tidak puas")
    positive = model.labels.index("positive")
    assert negated[positive] < plain[positive]


def test_topic_model_with_its_own_label_set(topic: tuple[TrainedModel, TrainingReport]) -> None:
    model, report = topic
    assert model.labels == ("bencana", "infrastruktur", "kesehatan")
    assert report.labels == ["bencana", "infrastruktur", "kesehatan"]
    predicted = model.predict(
        [
            "Banjir dan longsor melanda Kutai Barat, warga mengungsi",
            "Dinkes Samarinda catat lonjakan kasus demam berdarah, puskesmas penuh pasien",
            "Jalan poros berlubang diperbaiki Dinas PUPR, jembatan juga dicor ulang",
        ]
    )
    assert [label for label, _ in predicted] == ["bencana", "kesehatan", "infrastruktur"]


def test_round_trip_through_bytes_predicts_identically(
    sentiment: tuple[TrainedModel, TrainingReport],
) -> None:
    model, _ = sentiment
    restored = TrainedModel.from_bytes(model.to_bytes())
    texts = [*NEGATIVE[:3], *POSITIVE[:3], "teks yang sama sekali baru tentang IKN di Sepaku"]
    assert restored.version == model.version
    assert restored.labels == model.labels
    assert restored.task == "sentiment"
    assert restored.predict(texts) == model.predict(texts)
    assert restored.digest() == model.digest()


def test_unknown_or_foreign_bytes_are_refused(sentiment: tuple[TrainedModel, TrainingReport]) -> None:
    model, _ = sentiment
    with pytest.raises(ValueError, match="not a Sigap text model"):
        TrainedModel.from_bytes(b"definitely not a model")
    data = model.to_bytes()
    newer = _with_header(data, format_version=learn.FORMAT_VERSION + 1)
    with pytest.raises(ValueError, match="unsupported model format version"):
        TrainedModel.from_bytes(newer)


def _with_header(data: bytes, **changes: object) -> bytes:
    import io

    import numpy as np

    with np.load(io.BytesIO(data), allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    header = json.loads(arrays.pop("header").tobytes().decode())
    header.update(changes)
    buffer = io.BytesIO()
    np.savez(buffer, header=np.frombuffer(json.dumps(header).encode(), dtype=np.uint8), **arrays)
    return buffer.getvalue()


def test_version_names_task_time_and_artifact(
    sentiment: tuple[TrainedModel, TrainingReport], topic: tuple[TrainedModel, TrainingReport]
) -> None:
    model, report = sentiment
    assert re.fullmatch(r"sentiment-20261128T071500Z-[0-9a-f]{8}", model.version)
    assert model.version.endswith(model.digest()[:8])
    assert report.version == model.version
    assert topic[0].version.startswith("topic-20261128T071500Z-")


def test_report_fields_and_json(sentiment: tuple[TrainedModel, TrainingReport]) -> None:
    _, report = sentiment
    n = len(sentiment_data()[0])
    assert report.task == "sentiment"
    assert report.n_train == n
    assert report.n_holdout == 9  # ceil(0.2 * 42), stratified
    assert report.accuracy is not None
    assert 0.0 <= report.accuracy <= 1.0
    assert report.macro_f1 is not None
    assert set(report.per_class) == {"negative", "neutral", "positive"}
    assert sum(m["support"] for m in report.per_class.values()) == report.n_holdout
    for metrics in report.per_class.values():
        assert set(metrics) == {"precision", "recall", "f1", "support"}
    assert any("refitted on all" in note for note in report.notes)
    assert json.loads(json.dumps(report.as_dict()))["per_class"] == report.per_class


def test_evaluate_reports_on_given_data(sentiment: tuple[TrainedModel, TrainingReport]) -> None:
    model, _ = sentiment
    result = evaluate(
        model, ["Warga kecewa banjir tidak surut", "Warga puas jalan mulus"], ["negative", "positive"]
    )
    assert result.n_holdout == 2
    assert result.accuracy == 1.0
    assert result.per_class["neutral"]["support"] == 0
    unknown = evaluate(model, ["Warga puas jalan mulus"], ["sarkasme"])
    assert unknown.accuracy == 0.0
    assert any("sarkasme" in note for note in unknown.notes)


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        (["positive"] * 10, "at least 2 different labels"),
        (["positive", "negative", "positive"], "at least 6"),
    ],
)
def test_refuses_what_cannot_be_learned(labels: list[str], message: str) -> None:
    texts = POSITIVE[: len(labels)]
    with pytest.raises(ValueError, match=message):
        train(texts, labels, task="sentiment", now=NOW)


def test_refuses_mismatched_lengths() -> None:
    with pytest.raises(ValueError, match="one label per text"):
        train(POSITIVE, ["positive"], task="sentiment", now=NOW)


def test_label_with_one_example_trains_without_holdout() -> None:
    texts = [*NEGATIVE[:6], *POSITIVE[:6], "Warga bingung soal pengumuman jadwal"]
    labels = ["negative"] * 6 + ["positive"] * 6 + ["neutral"]
    model, report = train(texts, labels, task="sentiment", now=NOW)
    assert report.n_holdout == 0
    assert report.macro_f1 is None
    assert report.accuracy is None
    assert any("no hold-out" in note and "'neutral'" in note for note in report.notes)
    assert model.labels == ("negative", "neutral", "positive")


def test_binary_label_set() -> None:
    texts = NEGATIVE + POSITIVE
    labels = ["keluhan"] * len(NEGATIVE) + ["apresiasi"] * len(POSITIVE)
    model, report = train(texts, labels, task="feedback", now=NOW)
    assert model.labels == ("apresiasi", "keluhan")
    ((label, probability),) = model.predict(["Warga kecewa, jalan rusak dan pelayanan lambat"])
    assert label == "keluhan"
    assert 0.5 < probability <= 1.0
    assert report.macro_f1 is not None


def test_same_seed_same_model_and_report() -> None:
    first_model, first = train(*topic_data(), task="topic", now=NOW, seed=7)
    second_model, second = train(*topic_data(), task="topic", now=NOW, seed=7)
    assert first_model.version == second_model.version
    assert first_model.to_bytes() == second_model.to_bytes()
    assert first.as_dict() == second.as_dict()


def test_satisfies_the_engine_protocol(sentiment: tuple[TrainedModel, TrainingReport]) -> None:
    model: TextModel = sentiment[0]
    assert model.predict(["Banjir di Samarinda"])[0][0] in {"negative", "neutral", "positive"}


def test_empty_and_long_texts_are_answered(sentiment: tuple[TrainedModel, TrainingReport]) -> None:
    model, _ = sentiment
    long_text = "Warga kecewa jalan rusak parah. " * 2_000
    (empty_label, empty_p), (long_label, long_p) = model.predict(["", long_text])
    assert empty_label in model.labels
    assert 0.0 <= empty_p <= 1.0
    assert long_label == "negative"
    assert 0.0 <= long_p <= 1.0


def test_a_model_saved_before_a_setting_existed_keeps_its_old_default(
    sentiment: tuple[TrainedModel, TrainingReport],
) -> None:
    import io

    import numpy as np

    model, _ = sentiment
    with np.load(io.BytesIO(model.to_bytes()), allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    header = json.loads(arrays["header"].tobytes().decode())
    del header["settings"]["pair_min_df"]  # as written before bigrams had their own minimum
    arrays["header"] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    old = TrainedModel.from_bytes(buffer.getvalue())
    assert old.settings.pair_min_df == 1
    assert model.settings.pair_min_df == 2
    text = "Warga Samarinda kecewa, jalan rusak dan pelayanan lambat"
    assert old.predict([text]) == model.predict([text])
