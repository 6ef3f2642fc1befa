"""The rule/lexicon classification engine over the team's own Kalimantan Timur cases: pure, no database."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from app.classification.engine import MAX_ANALYSED_CHARS, RULES_VERSION, classify
from app.classification.lexicon import service_agencies
from app.classification.schemas import Classification, Document
from app.classification.scoring import LEVEL_MATRIX
from app.classification.taxonomy import TOPICS, Level, Sentiment, Topic
from app.reference.catalog import agency_codes

NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)
CASES: list[dict[str, Any]] = json.loads(
    (Path(__file__).parent / "data" / "kaltim_cases.json").read_text(encoding="utf-8")
)["cases"]


def run(case: dict[str, Any]) -> Classification:
    doc = Document(
        title=case["title"] or None,
        text=case["text"],
        source_type=case["source_type"],
        metrics=case["metrics"],
        published_at=NOW - timedelta(hours=case["hours_ago"]),
    )
    return classify(doc, now=NOW)


RESULTS = [(case, run(case)) for case in CASES]


def signal(result: Classification, name: str) -> list[str]:
    return next((s.evidence for s in result.signals if s.name == name), [])


def test_cases_cover_every_topic_and_level() -> None:
    assert len(CASES) >= 60
    assert {c["expected"]["topic"] for c in CASES} == {t.value for t in Topic}
    assert {c["expected"]["level"] for c in CASES} == {level.value for level in Level}


def test_topic_is_exact_for_at_least_85_percent_of_cases() -> None:
    wrong = [(c["id"], r.topic.label.value) for c, r in RESULTS if r.topic.label != c["expected"]["topic"]]
    assert len(wrong) <= 0.15 * len(CASES), wrong


def test_level_is_within_one_step_for_every_case() -> None:
    far = [
        (c["id"], r.level.value, c["expected"]["level"])
        for c, r in RESULTS
        if abs(r.level.rank - Level(c["expected"]["level"]).rank) > 1
    ]
    assert far == []


def test_every_case_with_casualties_or_missing_people_is_at_least_siaga() -> None:
    low = [c["id"] for c, r in RESULTS if c["expected"]["casualties"] and r.level.rank < Level.siaga.rank]
    assert low == []


def test_regions_are_detected_for_every_case() -> None:
    wrong = [
        (c["id"], r.region_codes)
        for c, r in RESULTS
        if r.region_codes != sorted(c["expected"]["region_codes"])
    ]
    assert wrong == []


def test_sentiment_agrees_with_the_officer_for_most_cases() -> None:
    agree = sum(r.sentiment.label == c["expected"]["sentiment"] for c, r in RESULTS)
    assert agree >= 0.8 * len(CASES)


def test_agencies_follow_the_topic_or_the_service_named_and_exist_in_the_seeded_list() -> None:
    known = agency_codes()
    for _, result in RESULTS:
        routed = signal(result, "service_agencies")
        if result.topic.label is Topic.pelayanan_publik and routed:
            owners = {evidence.rpartition(": ")[2] for evidence in routed}
            assert owners <= set(result.agencies)
            assert not set(TOPICS[Topic.pelayanan_publik].agencies) & set(result.agencies) - owners
        else:
            assert set(TOPICS[result.topic.label].agencies) <= set(result.agencies)
        assert set(result.agencies) <= known


def test_every_service_owner_is_a_seeded_agency() -> None:
    assert set(service_agencies()) <= agency_codes()
    assert all(service_agencies().values())


def _agencies_of(title: str, text: str) -> list[str]:
    return classify(Document(title=title, text=text, source_type="online_news"), now=NOW).agencies


def test_a_public_service_complaint_goes_to_the_agency_running_that_service() -> None:
    water = _agencies_of(
        "Air PDAM Tidak Mengalir Lima Hari di Loa Janan Ilir",
        "Warga Loa Janan Ilir mengeluhkan air PDAM yang mati sejak Senin. Pelayanan dinilai lambat.",
    )
    assert water[0] == "dpupr-pera"
    papers = _agencies_of(
        "Antrean e-KTP Mengular di Disdukcapil Samarinda",
        "Warga mengeluhkan pelayanan perekaman KTP elektronik yang lambat; blanko juga dikabarkan habis.",
    )
    assert papers[0] == "dkp3a"
    tax = _agencies_of(
        "Pelayanan Samsat Samarinda Lambat, Wajib Pajak Mengeluh",
        "Antrean pembayaran pajak kendaraan bermotor di Samsat Samarinda Seberang mengular sejak pagi.",
    )
    assert tax[0] == "bapenda"
    assert "dpmptsp" not in water + papers + tax  # the licensing office owns none of these services


def test_a_public_service_complaint_naming_no_service_goes_to_the_topic_owners() -> None:
    result = classify(
        Document(
            title="Pelayanan di Kantor Kelurahan Lambat, Warga Mengeluh",
            text="Warga mengeluhkan pelayanan kantor kelurahan yang lambat, petugas sering tidak di tempat.",
            source_type="lapor",
        ),
        now=NOW,
    )
    assert result.topic.label is Topic.pelayanan_publik
    assert result.agencies == list(TOPICS[Topic.pelayanan_publik].agencies)
    assert signal(result, "service_agencies") == []


def test_services_route_only_public_service_complaints() -> None:
    # A flood story mentioning clean water for evacuees stays with the disaster agency.
    result = classify(
        Document(
            title="Banjir Rendam Sangatta Utara, Ratusan Warga Mengungsi",
            text="BPBD Kutai Timur mengevakuasi warga dan menyalurkan air bersih ke posko pengungsian.",
            source_type="online_news",
        ),
        now=NOW,
    )
    assert result.topic.label is Topic.bencana
    assert result.agencies[0] == "bpbd"
    assert "dpupr-pera" not in result.agencies


def test_no_casualties_reported_does_not_count_as_casualties() -> None:
    result = classify(
        Document(
            title="Kebakaran Gudang di Balikpapan Barat",
            text="Api berhasil dipadamkan dalam satu jam. Tidak ada korban jiwa, korban luka nihil.",
            source_type="online_news",
        ),
        now=NOW,
    )
    assert signal(result, "casualties") == []
    assert signal(result, "no_casualties")
    assert result.impact.public_safety <= 1
    assert result.level.rank < Level.siaga.rank


def test_casualties_raise_a_quiet_story_to_siaga() -> None:
    doc = Document(
        title="Warga Tenggelam di Sungai Mahakam", text="Seorang warga Loa Kulu tenggelam.", source_type="x"
    )
    result = classify(doc, now=NOW)
    assert result.level is Level.siaga
    assert signal(result, "casualties") == ["warga tenggelam"]
    assert result.impact.public_safety == 3


def _news(text: str, **extra: Any) -> Classification:
    return classify(Document(text=text, source_type="online_news", published_at=NOW, **extra), now=NOW)


@pytest.mark.parametrize(
    "text",
    [
        "Banjir di Samarinda menewaskan dua warga",
        "Tiga penambang tertimbun di lubang tambang Kutai Kartanegara",
        "Bocah tenggelam di Sungai Mahakam saat berenang, jasadnya ditemukan tim SAR",
        "Anak tetangga kami di Graha Indah belum ketemu sejak longsor subuh tadi",
        "Kebocoran amonia di kawasan industri Bontang, puluhan warga sesak napas dibawa ke rumah sakit",
    ],
)
def test_people_killed_hurt_trapped_or_missing_are_at_least_siaga(text: str) -> None:
    result = _news(text)
    assert result.level.rank >= Level.siaga.rank, result.signals
    assert result.impact.public_safety == 3


@pytest.mark.parametrize(
    "text",
    [
        "Ratusan rumah warga di Samarinda Utara tenggelam akibat banjir",
        "#SamarindaTenggelam hujan sejak subuh",
        "Tiga rumah di Graha Indah rusak berat akibat tertimbun longsor",
        "Ribuan pengendara terjebak macet di Jalan Soekarno-Hatta Balikpapan",
    ],
)
def test_submerged_or_buried_things_are_not_people_harmed(text: str) -> None:
    result = _news(text)
    assert not signal(result, "casualties") and not signal(result, "missing")


def test_a_declared_emergency_is_at_least_siaga_but_an_emergency_fund_is_not() -> None:
    declared = _news(
        "Tumpahan minyak cemari Teluk Balikpapan, nelayan tidak bisa melaut. "
        "Pemkot tetapkan status tanggap darurat"
    )
    assert declared.level.rank >= Level.siaga.rank
    assert signal(declared, "emergency_floor") and declared.impact.economic_loss >= 1
    fund = _news("Perbaikan atap SD di Long Bagun dibiayai dana tanggap darurat dan dimulai bulan ini")
    assert not signal(fund, "emergency_declared") and fund.level.rank < Level.siaga.rank
    # Neither a fund nor a company's response team says the event is still going on.
    assert not signal(fund, "ongoing")
    team = _news("Perusahaan mengerahkan tim tanggap darurat untuk membantu pembersihan pantai")
    assert not signal(team, "ongoing") and not signal(team, "emergency_declared")
    assert signal(_news("Posko tanggap darurat banjir di Sangatta masih dibuka"), "ongoing")


def test_children_taken_to_a_puskesmas_are_people_harmed() -> None:
    result = _news(
        "Puluhan siswa SD di Tenggarong diduga keracunan makanan program makan bergizi gratis, "
        "mual dan muntah, lalu dibawa ke puskesmas"
    )
    assert signal(result, "casualties") == ["dibawa ke puskesmas"]
    assert result.level.rank >= Level.siaga.rank


def test_a_complaint_in_banjar_is_read_like_one_in_indonesian() -> None:
    banjar = _news("Banyu PDAM di Sungai Kunjang kada mengalir sudah tiga hari, ulun kada kawa mandi")
    indonesian = _news("Air PDAM di Sungai Kunjang tidak mengalir sudah tiga hari, saya tidak bisa mandi")
    for result in (banjar, indonesian):
        assert signal(result, "service_failure") == ["tidak mengalir"]
        assert signal(result, "ongoing") == ["sudah tiga hari"]
        assert result.topic.label is Topic.pelayanan_publik and result.agencies == ["dpupr-pera"]
    assert (banjar.level, banjar.urgency, banjar.impact) == (
        indonesian.level,
        indonesian.urgency,
        indonesian.impact,
    )


def test_an_oil_spill_with_helpful_words_is_not_good_news() -> None:
    result = _news(
        "Tumpahan minyak di Teluk Balikpapan: perusahaan membantah kebocoran pipa, namun mengerahkan tim "
        "tanggap darurat dan kapal untuk membantu pembersihan.",
        metrics={"reach": 47_000},
    )
    assert result.sentiment.label is Sentiment.negative
    assert not result.opportunity


def test_accidents_and_wildlife_are_threats_and_a_coal_barge_is_not_pollution() -> None:
    barge = _news("Kapal tongkang batu bara tabrak jembatan Mahakam, lalu lintas sungai ditutup")
    assert signal(barge, "accident") and not signal(barge, "pollution")
    assert barge.level is Level.waspada and barge.topic.label == "transportasi"
    crocodile = _news("Buaya muncul di Sungai Sangatta, warga diminta waspada")
    assert signal(crocodile, "wildlife") and crocodile.impact.public_safety >= 1
    assert crocodile.level is Level.waspada


def test_a_deadly_disaster_is_never_an_opportunity() -> None:
    result = _news(
        "Banjir di Samarinda, dua warga tewas. Bantuan sembako berhasil disalurkan, relawan sukses membantu "
        "warga, penghargaan untuk relawan terbaik, festival solidaritas meriah dan inspiratif.",
        metrics={"reach": 200_000},
    )
    assert result.level.rank >= Level.siaga.rank
    assert not result.opportunity


@pytest.mark.parametrize(
    "text",
    [
        "jalan rusak tidak pernah diperbaiki pemkot",
        "jalan rusak parahhhh bgt gak pernah diperbaiki",
        "Ratusan guru honorer di Kutai Timur belum menerima gaji selama enam bulan",
        "@pemkot_balikpapan kapan jalan diperbaiki?",
    ],
)
def test_complaints_are_not_read_as_good_news(text: str) -> None:
    result = _news(text)
    assert result.sentiment.label != "positive" and not result.opportunity


def test_a_word_repeated_all_through_a_long_text_counts_a_few_times_only() -> None:
    lead = "Banjir bandang di Sendawar menewaskan tiga warga dan merusak puluhan rumah."
    alone = _news(lead)
    repeated = _news(lead + " Pemkab menjanjikan perbaikan jalan." * 300)
    assert alone.sentiment.label == "negative"
    # Three hundred "perbaikan" (+0.5 each) weigh as five, not 150: the deaths are not outweighed.
    assert "perbaikan (+2.5)" in signal(repeated, "sentiment")
    assert repeated.sentiment.label != "positive" and repeated.level.rank >= Level.siaga.rank


def test_non_indonesian_text_is_flagged_not_confidently_classified() -> None:
    text = (
        "Heavy floods have hit the city of Samarinda after days of rain, and the authorities said that "
        "several districts were under water. Residents were told to stay away from the river banks."
    )
    result = classify(Document(title="Floods hit Samarinda", text=text, source_type="online_news"), now=NOW)
    assert result.language.model_dump() == {"code": "en", "supported": False}
    assert result.sentiment.label == "neutral"
    assert result.sentiment.score <= 0.2
    assert result.topic.confidence <= 0.2
    assert signal(result, "language_unsupported")
    assert result.region_codes == ["64.72"]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Massive flooding hit Samarinda, two people missing", "en"),
        ("😀😀 123 456", "und"),
        ("https://kaltim.example.id/berita/123", "und"),
        (
            "Tumpahan minyak cemari Teluk Balikpapan, nelayan tidak bisa melaut, ikan mati, "
            "pemkot tetapkan status tanggap darurat",
            "id",
        ),
    ],
)
def test_short_english_and_wordless_texts_are_not_read_as_indonesian(text: str, code: str) -> None:
    result = _news(text)
    assert result.language.code == code
    assert result.language.supported is (code == "id")


def test_indonesian_headline_without_function_words_is_supported() -> None:
    result = classify(
        Document(title="Harga Cabai Melonjak Jelang Ramadan", source_type="online_news"), now=NOW
    )
    assert result.language.supported


def test_huge_text_is_analysed_on_a_bounded_prefix() -> None:
    paragraph = "Warga Samarinda mengeluhkan jalan rusak yang tidak kunjung diperbaiki pemkot. " * 4000
    tail = " Dua warga meninggal dunia tertimbun longsor di Sendawar."
    result = classify(Document(title="Keluhan warga", text=paragraph + tail, source_type="lapor"), now=NOW)
    assert len(paragraph) > MAX_ANALYSED_CHARS
    assert signal(result, "bounded_prefix")
    assert signal(result, "casualties") == []
    assert result.region_codes == ["64.72"]


def test_classification_is_deterministic() -> None:
    case = CASES[0]
    first, second = run(case), run(case)
    assert first.model_dump() == second.model_dump()


def test_every_verdict_is_explained_by_signals() -> None:
    for _, result in RESULTS:
        names = {s.name for s in result.signals}
        assert {"impact", "matrix"} <= names
        if result.topic.label is not Topic.lainnya:
            assert f"topic:{result.topic.label.value}" in names
        if result.region_codes:
            assert "places" in names


def test_hoax_chain_message_is_flagged_and_its_claims_are_not_facts() -> None:
    case = next(c for c in CASES if c["id"] == "hoaks-bendungan-samboja")
    result = run(case)
    assert result.hoax_suspected
    assert result.cap.certainty in {"Unlikely", "Possible"}
    assert "diskominfo" in result.agencies
    assert result.impact.public_safety < 3


def test_positive_news_with_reach_is_an_opportunity() -> None:
    case = next(c for c in CASES if c["id"] == "festival-umkm-berau")
    result = run(case)
    assert result.opportunity
    assert result.level is Level.normal
    assert signal(result, "opportunity")


@pytest.mark.parametrize(
    "text",
    [
        # One mild word ("aman") in an accident report.
        "Tongkang batu bara menabrak pilar Jembatan Mahakam pagi ini, semoga jembatannya aman",
        # A harm denied is not good news: the fire is the story.
        "Kebakaran melanda rumah kayu di Gang Baqa, Samarinda Seberang. Beruntung tidak ada korban jiwa",
        # Weak warm words in a corruption probe.
        "Akhirnya ada yang usut dana hibah di Kutai Barat, bantuan dari dulu tidak pernah sampai ke kampung",
        # A clash stays a clash, however "kondusif" the police say the village now is.
        "Polres Kukar menerjunkan dua SSK ke Muara Badak usai bentrokan warga, situasi diklaim kondusif",
    ],
)
def test_bad_news_with_a_warm_word_is_not_an_opportunity(text: str) -> None:
    result = _news(text, metrics={"reach": 50_000})
    assert not result.opportunity, result.signals


def test_a_repair_completed_is_an_opportunity_though_it_names_the_damage() -> None:
    result = _news(
        "Perbaikan jalan amblas di km 42 poros Samarinda-Balikpapan rampung, jalan kembali dibuka "
        "dan lancar. Warga mengapresiasi kerja cepat Dinas PUPR",
        metrics={"reach": 30_000},
    )
    assert signal(result, "damage") and signal(result, "recovery")
    assert result.sentiment.label is Sentiment.positive and result.opportunity


def test_old_news_is_less_urgent_than_fresh_news() -> None:
    case = next(c for c in CASES if c["id"] == "banjir-samarinda-lima-kecamatan")
    fresh = run(case)
    stale = run({**case, "hours_ago": 24 * 10})
    assert stale.urgency < fresh.urgency


def test_awas_maps_to_extreme_immediate_cap() -> None:
    result = next(r for c, r in RESULTS if c["id"] == "banjir-bandang-sangatta")
    assert result.level is Level.awas
    assert (result.cap.severity, result.cap.urgency, result.cap.certainty) == (
        "Extreme",
        "Immediate",
        "Observed",
    )
    assert result.cap.category == "Met"


def test_level_matrix_grows_with_urgency_and_impact() -> None:
    for row in LEVEL_MATRIX:
        assert [level.rank for level in row] == sorted(level.rank for level in row)
    for column in range(4):
        ranks = [LEVEL_MATRIX[row][column].rank for row in range(4)]
        assert ranks == sorted(ranks)


@dataclass
class FixedModel:
    version: str
    answer: tuple[str, float]
    seen: list[str]

    def predict(self, texts: Sequence[str]) -> list[tuple[str, float]]:
        self.seen.extend(texts)
        return [self.answer for _ in texts]


def test_trained_models_answer_when_given_and_are_recorded() -> None:
    sentiment = FixedModel("sentiment-2026-11-28T10", ("positive", 0.91), [])
    topic = FixedModel("topic-2026-11-28T10", ("ekonomi", 0.77), [])
    doc = Document(title="Pasar Murah di Sangatta", text="Warga antusias.", source_type="online_news")
    result = classify(doc, now=NOW, sentiment_model=sentiment, topic_model=topic)
    assert result.sentiment.model_dump() == {"label": "positive", "score": 0.91}
    assert result.topic.model_dump() == {"label": "ekonomi", "confidence": 0.77}
    assert result.model_version.model_dump() == {
        "rules": RULES_VERSION,
        "sentiment": "sentiment-2026-11-28T10",
        "topic": "topic-2026-11-28T10",
    }
    assert signal(result, "sentiment_model") and signal(result, "topic_model")
    assert sentiment.seen == ["Pasar Murah di Sangatta\nWarga antusias."]


def test_a_model_label_outside_the_taxonomy_leaves_the_rules_in_charge() -> None:
    topic = FixedModel("topic-sib200", ("science/technology", 0.99), [])
    result = classify(Document(title="Banjir di Samarinda", source_type="x"), now=NOW, topic_model=topic)
    assert result.topic.label is Topic.bencana
    assert result.model_version.topic == RULES_VERSION


@pytest.mark.parametrize("title", ["", "   "])
def test_empty_text_classifies_as_nothing_happening(title: str) -> None:
    result = classify(Document(title=title, text=None, source_type="other"), now=NOW)
    assert (result.level, result.topic.label, result.region_codes) == (Level.normal, Topic.lainnya, [])


# An official warning (CAP from BMKG) sets the least level; it is read only from the official source type.
_WARNING_TEXT = (
    "Peringatan dini cuaca: hujan lebat disertai kilat dan angin kencang berpotensi terjadi di Kota "
    "Samarinda dan sekitarnya pada sore hingga malam hari."
)


@pytest.mark.parametrize(
    ("severity", "certainty", "least"),
    [
        ("Extreme", "Observed", "awas"),
        ("Severe", "Likely", "siaga"),
        ("Severe", "Possible", "waspada"),
        ("Moderate", "Likely", "waspada"),
        ("Extreme", "Unlikely", "normal"),
    ],
)
def test_an_official_warning_sets_the_least_level(severity: str, certainty: str, least: str) -> None:
    from app.classification.schemas import OfficialAlert
    from app.classification.taxonomy import Level

    alert = OfficialAlert(
        urgency="Immediate", severity=severity, certainty=certainty, event="Hujan lebat", sender="BMKG"
    )  # type: ignore[arg-type]
    official = classify(
        Document(
            title="Peringatan Dini Cuaca Kaltim",
            text=_WARNING_TEXT,
            source_type="bmkg_cap",
            official_alert=alert,
        )
    )
    plain = classify(
        Document(
            title="Peringatan Dini Cuaca Kaltim", text=_WARNING_TEXT, source_type="x", official_alert=alert
        )
    )
    assert Level(official.level).rank >= Level(least).rank
    assert Level(official.level).rank >= Level(plain.level).rank
    signal = next(s for s in official.signals if s.name == "official_warning")
    assert f"severity={severity}" in signal.evidence
    assert (official.cap.severity, official.cap.certainty) == (severity, certainty)
    assert not any(
        s.name == "official_warning" for s in plain.signals
    )  # only the official source type counts
    if least != "normal":
        assert official.urgency >= 4


class RecordingModel:
    """A model that reads tokens the way learn.TrainedModel does, and records what the engine gave it."""

    version = "sentiment-recording"

    def __init__(self) -> None:
        self.tokens: list[tuple[str, ...]] = []
        self.texts: list[str] = []

    def predict(self, texts: Sequence[str]) -> list[tuple[str, float]]:
        self.texts.extend(texts)
        return [("neutral", 0.5) for _ in texts]

    def predict_tokens(self, tokens: tuple[str, ...]) -> tuple[str, float]:
        self.tokens.append(tokens)
        return "neutral", 0.5


@pytest.mark.parametrize("case", CASES[:40], ids=lambda case: case["title"][:30] or "untitled")
def test_models_read_the_words_they_were_trained_on(case: dict[str, Any]) -> None:
    # The engine normalises once for rules and models; what a model reads must be exactly learn.tokens_of of
    # the text it would otherwise be given, or training and prediction would see different words.
    from app.classification.learn import tokens_of

    model = RecordingModel()
    title = f"{case['title']} #BanjirSamarinda @bpbd_kaltim https://x.co/a" if case["title"] else None
    doc = Document(title=title, text=case["text"] + " gaada korbannn, rumah2 terendam!!", source_type="x")
    classify(doc, now=NOW, sentiment_model=model)
    expected = tokens_of(f"{title or ''}\n{doc.text}".strip())
    assert model.tokens == [expected]
    assert model.texts == []
