"""app.issues.similarity: near-duplicates (MinHash + LSH band keys) and same-story matching (key terms, idf,
places), on hand-written Kalimantan Timur news. Pure: no database, no app."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterable, Sequence

import numpy as np
import pytest

from app.issues import similarity as s

# A news article, a syndicated copy with one sentence added, one under an agency dateline, one with one
# sentence reworded, and two unrelated stories.
SEMPAJA = (
    "Banjir kembali merendam ratusan rumah di Kelurahan Sempaja Selatan, Samarinda, setelah hujan deras "
    "mengguyur sejak Minggu malam. Ketinggian air mencapai satu meter di Jalan DI Panjaitan dan Perumahan "
    "Bengkuring. BPBD Samarinda mengerahkan perahu karet untuk mengevakuasi lansia dan balita ke posko "
    "pengungsian di masjid setempat. Warga mengeluhkan drainase yang tersumbat sampah dan pendangkalan "
    "Sungai Karang Mumus."
)
SEMPAJA_SYNDICATED = SEMPAJA + " Baca juga: harga cabai rawit di Pasar Segiri naik menjelang akhir tahun."
# The same article under a news agency's dateline: the clearest near-copy.
SEMPAJA_DATELINED = "SAMARINDA, ANTARA - " + SEMPAJA
SEMPAJA_REWORDED = SEMPAJA.replace(
    "Ketinggian air mencapai satu meter di Jalan DI Panjaitan dan Perumahan Bengkuring.",
    "Di Jalan DI Panjaitan dan Perumahan Bengkuring air setinggi lutut orang dewasa.",
)
TELUK_BALIKPAPAN = (
    "Tumpahan minyak mentah mencemari perairan Teluk Balikpapan sejak Sabtu pagi. Nelayan di Kampung Atas "
    "Air Margasari melaporkan lapisan hitam pekat di sekitar dermaga dan ikan mati mengapung. Pertamina "
    "RU V menyatakan sedang menelusuri sumber kebocoran pipa bawah laut, sementara DLH Kaltim mengambil "
    "sampel air."
)
TANJUNG_REDEB = (
    "Antrean truk dan mobil pribadi mengular hingga dua kilometer di SPBU Jalan Pemuda, Tanjung Redeb, "
    "sejak subuh. Sopir angkutan mengaku sudah tiga hari kesulitan mendapatkan solar bersubsidi, sementara "
    "Pertamina menyebut kapal tanker pengangkut BBM tertahan cuaca buruk di muara Sungai Segah."
)


def _signature(text: str) -> s.Signature:
    sig = s.signature(text)
    assert sig is not None, "the text is long enough to have a signature"
    return sig


# --- near-duplicates -------------------------------------------------------------------------------------


def test_syndicated_copy_with_an_added_sentence_is_a_near_duplicate() -> None:
    estimate = s.jaccard(_signature(SEMPAJA), _signature(SEMPAJA_SYNDICATED))
    assert estimate >= s.NEAR_DUPLICATE_JACCARD


def test_copy_with_one_sentence_reworded_is_a_near_duplicate() -> None:
    estimate = s.jaccard(_signature(SEMPAJA), _signature(SEMPAJA_REWORDED))
    assert estimate >= s.NEAR_DUPLICATE_JACCARD


@pytest.mark.parametrize("other", [TELUK_BALIKPAPAN, TANJUNG_REDEB])
def test_unrelated_story_is_far_below_the_near_duplicate_threshold(other: str) -> None:
    estimate = s.jaccard(_signature(SEMPAJA), _signature(other))
    assert estimate <= 0.2
    assert estimate < s.NEAR_DUPLICATE_JACCARD / 3


def test_identical_text_has_jaccard_one() -> None:
    assert s.jaccard(_signature(TELUK_BALIKPAPAN), _signature(TELUK_BALIKPAPAN)) == 1.0


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Banjir lagi di Sempaja!",
        # Seven words: five 3-shingles, one short of MIN_SHINGLES.
        "Banjir rendam Sempaja Selatan, warga mengungsi ke",
        # Many words but only a few distinct shingles: a repeated shout is no article.
        "banjir banjir banjir banjir banjir banjir banjir banjir banjir banjir banjir banjir",
    ],
)
def test_too_short_text_has_no_signature(text: str) -> None:
    assert s.signature(text) is None


def test_eight_words_is_just_long_enough() -> None:
    # Eight words make six 3-shingles, exactly MIN_SHINGLES.
    assert s.signature("Banjir rendam Sempaja Selatan, warga mengungsi ke masjid") is not None


def test_signature_shape_and_type() -> None:
    sig = _signature(SEMPAJA)
    assert sig.shape == (s.PERMUTATIONS,)
    assert sig.dtype == np.uint32


def test_signature_is_deterministic_across_calls() -> None:
    first, second = _signature(TANJUNG_REDEB), _signature(TANJUNG_REDEB)
    assert np.array_equal(first, second)
    assert s.band_keys(first) == s.band_keys(second)


def test_signature_does_not_depend_on_case_or_punctuation() -> None:
    shouted = TANJUNG_REDEB.upper().replace(",", " ").replace(".", " ! ")
    assert np.array_equal(_signature(shouted), _signature(TANJUNG_REDEB))


def test_band_keys_are_the_same_in_another_process() -> None:
    """Band keys are stored in the database: a process with another str-hash salt must compute the same."""
    code = (
        "import sys; from app.issues.similarity import signature, band_keys; "
        "print(band_keys(signature(sys.stdin.read())))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    done = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-c", code],
        input=SEMPAJA,
        capture_output=True,
        text=True,
        check=True,
        env=env,
        cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
    )
    assert done.stdout.strip() == str(s.band_keys(_signature(SEMPAJA)))


def test_band_keys_one_per_band_and_fit_a_signed_bigint() -> None:
    keys = s.band_keys(_signature(TELUK_BALIKPAPAN))
    assert len(keys) == s.BANDS
    assert all(-(1 << 63) <= key < (1 << 63) for key in keys)


def test_band_keys_of_a_clear_near_copy_meet_in_the_index() -> None:
    original, copy = _signature(SEMPAJA), _signature(SEMPAJA_DATELINED)
    assert s.jaccard(original, copy) >= 0.8  # a clear near-copy: one band in 8 matches with p > 0.98
    assert set(s.band_keys(original)) & set(s.band_keys(copy))


def test_band_keys_of_a_syndicated_copy_meet_in_the_index() -> None:
    assert set(s.band_keys(_signature(SEMPAJA))) & set(s.band_keys(_signature(SEMPAJA_SYNDICATED)))


def test_band_keys_of_unrelated_stories_do_not_meet() -> None:
    assert not set(s.band_keys(_signature(SEMPAJA))) & set(s.band_keys(_signature(TELUK_BALIKPAPAN)))


def test_band_position_is_part_of_the_key() -> None:
    # Every band holds the same four values: the keys must still differ, or band 0 of one mention would
    # match band 5 of another.
    sig = np.full(s.PERMUTATIONS, 7, dtype=np.uint32)
    assert len(set(s.band_keys(sig))) == s.BANDS


def test_signature_bytes_round_trip() -> None:
    sig = _signature(SEMPAJA_REWORDED)
    raw = s.signature_bytes(sig)
    assert isinstance(raw, bytes)
    assert len(raw) == 4 * s.PERMUTATIONS
    back = s.signature_from_bytes(raw)
    assert back.dtype == np.uint32
    assert np.array_equal(back, sig)
    assert s.jaccard(back, sig) == 1.0
    assert s.band_keys(back) == s.band_keys(sig)


def test_signature_bytes_are_little_endian_uint32() -> None:
    sig = np.arange(s.PERMUTATIONS, dtype=np.uint32)
    assert s.signature_bytes(sig)[:8] == b"\x00\x00\x00\x00\x01\x00\x00\x00"


# --- stemming --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "root"),
    [
        ("terendam", "rendam"),
        ("merendam", "rendam"),
        ("kebanjiran", "banjir"),
        ("pengungsian", "ungsi"),
        ("mengevakuasi", "evakuasi"),
    ],
)
def test_stem_finds_the_root(word: str, root: str) -> None:
    assert s.stem(word) == root


@pytest.mark.parametrize(
    "place", ["berau", "kutai", "sempaja", "tenggarong", "sangatta", "derawan", "bengalon", "sepinggan"]
)
def test_stem_leaves_gazetteer_place_names_whole(place: str) -> None:
    assert s.stem(place) == place


@pytest.mark.parametrize("word", ["air", "bbm", "km5", "rp25ribu", "covid19"])
def test_stem_leaves_short_and_non_alphabetic_words_alone(word: str) -> None:
    assert s.stem(word) == word


# --- key terms -------------------------------------------------------------------------------------------


def test_generic_words_and_city_names_are_never_key_terms() -> None:
    terms = s.key_terms(
        "Pemerintah Kota Samarinda minta warga waspada banjir",
        "Kepala BPBD Samarinda mengatakan warga di Balikpapan, Bontang dan Berau juga diminta waspada. "
        "Menurut pemerintah provinsi Kalimantan Timur, masyarakat harus segera melapor, kata dia.",
        ["samarinda", "kota samarinda", "balikpapan", "bontang", "berau", "kalimantan timur"],
    )
    generic = {"warga", "pemerintah", "kata", "mengatakan", "masyarakat", "menurut", "kepala", "kota"}
    cities = {"samarinda", "balikpapan", "bontang", "berau", "kalimantan", "timur", "kaltim"}
    assert not (generic | cities) & set(terms.terms)
    assert "banjir" in terms.terms
    assert "waspada" in terms.terms


def test_generic_terms_hold_the_stopwords_and_the_reviewed_list() -> None:
    generic = s.generic_terms()
    assert {"warga", "pemerintah", "kata", "samarinda", "yang", "dan"} <= generic


def test_stemmed_form_of_a_generic_word_is_not_a_key_term() -> None:
    # "warganya" and "dikatakan" are not listed, but their roots are.
    terms = s.key_terms(None, "Warganya dikatakan sudah mengungsi dari bantaran Karang Mumus.")
    assert "warga" not in terms.terms
    assert "kata" not in terms.terms
    assert "ungsi" in terms.terms


def test_title_words_outweigh_body_words() -> None:
    terms = s.key_terms(
        "Tumpahan minyak di Teluk Balikpapan",
        "Nelayan Margasari menemukan ikan mati di sekitar dermaga.",
    )
    assert terms.weights["minyak"] > terms.weights["nelayan"]
    assert terms.weights["tumpah"] > terms.weights["ikan"]


def test_repetition_helps_but_does_not_dominate() -> None:
    once = s.key_terms(None, "Solar langka di Tanjung Redeb.")
    thrice = s.key_terms(None, "Solar langka. Antrean solar panjang. Sopir menunggu solar di Tanjung Redeb.")
    assert thrice.weights["solar"] > once.weights["solar"]
    # Three times the count is not three times the weight.
    assert thrice.weights["solar"] < 3 * once.weights["solar"]


def test_places_add_weight() -> None:
    title, text = "Antrean solar mengular", "Sopir truk menunggu berjam-jam di SPBU Tanjung Redeb."
    without = s.key_terms(title, text)
    with_places = s.key_terms(title, text, ["tanjung redeb"])
    assert with_places.weights["redeb"] > without.weights["redeb"]
    assert with_places.weights["tanjung"] > without.weights["tanjung"]
    assert with_places.weights["solar"] == without.weights["solar"]


def test_place_given_only_as_evidence_becomes_a_term() -> None:
    terms = s.key_terms("Antrean solar mengular sejak subuh", None, ["gunung tabur"])
    assert {"gunung", "tabur"} <= set(terms.terms)


def test_key_terms_are_best_first() -> None:
    terms = s.key_terms("Banjir rendam Sempaja", SEMPAJA, ["sempaja", "sungai karang mumus"])
    weights = list(terms.weights.values())
    assert weights == sorted(weights, reverse=True)
    assert terms.terms[0] == "sempaja"


@pytest.mark.parametrize("limit", [1, 3, 5])
def test_limit_is_respected(limit: int) -> None:
    terms = s.key_terms("Banjir rendam Sempaja", SEMPAJA, limit=limit)
    assert len(terms.weights) == limit
    assert terms.terms == s.key_terms("Banjir rendam Sempaja", SEMPAJA).terms[:limit]


def test_default_limit_is_max_key_terms() -> None:
    long_text = " ".join([SEMPAJA, TELUK_BALIKPAPAN, TANJUNG_REDEB])
    assert len(s.key_terms(None, long_text).weights) == s.MAX_KEY_TERMS
    assert len(s.key_terms(None, long_text, limit=s.PROFILE_TERMS).weights) == s.PROFILE_TERMS


def test_top_keeps_the_best_terms_in_order() -> None:
    terms = s.key_terms("Banjir rendam Sempaja", SEMPAJA, limit=s.PROFILE_TERMS)
    assert terms.top(4).terms == terms.terms[:4]
    assert terms.top(4).weights == {t: terms.weights[t] for t in terms.terms[:4]}


def test_empty_mention_has_no_key_terms() -> None:
    assert s.key_terms(None, None).weights == {}
    assert s.key_terms("", "").weights == {}


# Each kabupaten/kota name, as officers and the gazetteer spell it. A regency's name alone says nothing
# about which of its stories a mention tells (app/issues/data/generic_terms.json).


@pytest.mark.parametrize(
    "name",
    [
        "Samarinda",
        "Balikpapan",
        "Bontang",
        "Berau",
        "Paser",
        "Kutai Kartanegara",
        "Kutai Timur",
        "Kalimantan Timur",
        "Kutai Barat",
        "Penajam Paser Utara",
    ],
)
def test_kabupaten_kota_name_is_no_key_term(name: str) -> None:
    assert s.key_terms(f"Kabupaten {name}", None, [name.lower()]).weights == {}


def test_of_mahakam_ulu_only_the_river_name_stays_a_key_term() -> None:
    # "Mahakam" is also the river and Jembatan Mahakam, which tell stories apart; one term never attaches.
    assert list(s.key_terms("Kabupaten Mahakam Ulu", None, ["mahakam ulu"]).weights) == ["mahakam"]


# --- idf -------------------------------------------------------------------------------------------------


def test_idf_decreases_with_issue_frequency() -> None:
    values = [s.idf(frequency, 40) for frequency in (0, 1, 5, 20, 40)]
    assert values == sorted(values, reverse=True)
    assert len(set(values)) == len(values)


def test_idf_of_a_word_in_every_open_issue_is_one() -> None:
    assert s.idf(25, 25) == pytest.approx(1.0)


def test_idf_of_an_unseen_word_grows_with_open_issues() -> None:
    assert s.idf(0, 100) > s.idf(0, 10) > s.idf(0, 0) == pytest.approx(1.0)


# --- same story: score and best_match --------------------------------------------------------------------

Mention = tuple[str, str | None, Sequence[str]]

SEMPAJA_REPORTS: list[Mention] = [
    (
        "Banjir rendam ratusan rumah di Sempaja Selatan",
        "Hujan deras sejak Minggu malam membuat Sungai Karang Mumus meluap. Ratusan rumah di Kelurahan "
        "Sempaja Selatan, Samarinda Utara, terendam hingga satu meter. BPBD Samarinda mengevakuasi lansia "
        "dan balita dengan perahu karet ke posko pengungsian.",
        ["sempaja", "samarinda utara", "sungai karang mumus", "samarinda"],
    ),
    (
        "Posko pengungsian banjir Sempaja kekurangan air bersih",
        "Pengungsi banjir di Sempaja Selatan mengeluhkan minimnya air bersih dan selimut di posko masjid. "
        "Genangan di Jalan DI Panjaitan belum surut karena drainase tersumbat sampah.",
        ["sempaja"],
    ),
]

BERAU_FLOOD: Mention = (
    "Banjir rendam permukiman di Tanjung Redeb",
    "Hujan deras dua hari membuat Sungai Segah dan Sungai Kelay meluap. Ratusan rumah di Kecamatan Tanjung "
    "Redeb, Berau, terendam setinggi pinggang. BPBD Berau mengevakuasi warga dengan perahu karet ke posko "
    "pengungsian di gedung sekolah.",
    ["tanjung redeb", "berau", "segah", "kelay"],
)

OIL_SPILL: Mention = (
    "Tumpahan minyak cemari Teluk Balikpapan",
    TELUK_BALIKPAPAN,
    ["teluk balikpapan", "balikpapan", "margasari"],
)

SOLAR_QUEUE: Mention = ("Antrean solar mengular di Tanjung Redeb", TANJUNG_REDEB, ["tanjung redeb", "segah"])


def _profile(mentions: Iterable[Mention]) -> dict[str, float]:
    """An issue's profile as intake builds it: per key term, how many of its mentions carry it."""
    profile: dict[str, float] = {}
    for title, text, places in mentions:
        for term in s.key_terms(title, text, places, limit=s.PROFILE_TERMS).weights:
            profile[term] = profile.get(term, 0) + 1
    return profile


def _issue(
    issue_id: int,
    mentions: Iterable[Mention],
    regions: Sequence[str],
    topic: str = "bencana",
    *,
    hoax: bool = False,
) -> s.Candidate:
    return s.Candidate(issue_id, _profile(mentions), list(regions), topic, hoax)


def _terms(mention: Mention) -> s.KeyTerms:
    title, text, places = mention
    return s.key_terms(title, text, places)


def _score(
    mention: Mention,
    candidate: s.Candidate,
    *,
    regions: Sequence[str],
    topic: str = "bencana",
    hoax: bool = False,
    frequency: dict[str, int] | None = None,
    open_issues: int = 10,
) -> s.Match:
    terms = _terms(mention)
    rarity = {term: s.idf((frequency or {}).get(term, 0), open_issues) for term in terms.weights}
    return s.score(terms, rarity, candidate, region_codes=regions, topic=topic, hoax=hoax)


SEMPAJA_ISSUE = _issue(1, SEMPAJA_REPORTS, ["64.72"])

# The same flood, told by a resident in other words.
SEMPAJA_RETOLD: Mention = (
    "Air Karang Mumus meluap, Sempaja kebanjiran lagi",
    "Warga Sempaja Selatan terpaksa mengungsi ke masjid setelah rumah mereka terendam. Perahu karet BPBD "
    "hilir mudik mengevakuasi lansia.",
    ["karang mumus", "sempaja"],
)


def test_same_story_in_other_words_attaches() -> None:
    match = _score(SEMPAJA_RETOLD, SEMPAJA_ISSUE, regions=["64.72"])
    assert match.issue_id == 1
    assert match.score >= s.ATTACH_THRESHOLD
    assert match.shared_terms[0] == "sempaja"
    assert {"karang", "mumus", "banjir"} <= set(match.shared_terms)
    assert len(match.shared_terms) <= 8


def test_same_story_short_post_that_names_place_and_event_attaches() -> None:
    post: Mention = ("Sempaja terendam lagi, posko pengungsian penuh", None, ["sempaja"])
    assert _score(post, SEMPAJA_ISSUE, regions=["64.72"]).score >= s.ATTACH_THRESHOLD


def test_flood_in_another_kabupaten_is_penalised_below_threshold() -> None:
    # Both are floods with rising rivers, BPBD, rubber boats and shelters; one is in Berau, one in Samarinda.
    common_flood_words = {"banjir": 3, "rendam": 2, "hujan": 3, "deras": 2, "ungsi": 2}
    conflicting = _score(BERAU_FLOOD, SEMPAJA_ISSUE, regions=["64.05"], frequency=common_flood_words)
    assert {"banjir", "rendam", "luap", "perahu", "karet"} <= set(conflicting.shared_terms)
    assert conflicting.score < s.ATTACH_THRESHOLD
    # Without the region conflict the shared flood vocabulary alone would have attached it.
    unplaced = _score(BERAU_FLOOD, SEMPAJA_ISSUE, regions=[], frequency=common_flood_words)
    assert unplaced.score >= s.ATTACH_THRESHOLD
    assert conflicting.score == pytest.approx(
        (unplaced.score - s.TOPIC_AGREEMENT_BONUS) * s.REGION_CONFLICT_FACTOR + s.TOPIC_AGREEMENT_BONUS,
        abs=1e-3,
    )


def test_province_code_is_not_a_specific_region() -> None:
    # "64" (the whole province) neither conflicts with nor agrees with a kabupaten.
    province = _score(BERAU_FLOOD, SEMPAJA_ISSUE, regions=["64"])
    unplaced = _score(BERAU_FLOOD, SEMPAJA_ISSUE, regions=[])
    assert province.score == unplaced.score


def test_shared_region_adds_a_bonus() -> None:
    same = _score(SEMPAJA_RETOLD, SEMPAJA_ISSUE, regions=["64.72"])
    unplaced = _score(SEMPAJA_RETOLD, SEMPAJA_ISSUE, regions=[])
    assert same.score == pytest.approx(unplaced.score + s.REGION_AGREEMENT_BONUS, abs=1e-3)


def test_one_shared_word_is_never_enough() -> None:
    # A landslide at a mine that only shares "banjir" with the Sempaja flood.
    mention: Mention = (
        "Banjir juga di Loa Bakung",
        "Lumpur menutup akses setelah longsor tambang.",
        ["loa bakung"],
    )
    match = _score(mention, SEMPAJA_ISSUE, regions=["64.72"])
    assert match.shared_terms == ["banjir"]
    assert len(match.shared_terms) < s.MIN_SHARED_TERMS
    assert match.score == 0.0


def test_one_shared_word_is_not_enough_even_when_it_is_all_the_mention_says() -> None:
    terms = s.KeyTerms({"banjir": 2.0})
    match = s.score(terms, {}, SEMPAJA_ISSUE, region_codes=["64.72"], topic="bencana", hoax=False)
    assert match.score == 0.0


def test_mention_without_key_terms_scores_zero() -> None:
    match = s.score(s.KeyTerms({}), {}, SEMPAJA_ISSUE, region_codes=["64.72"], topic="bencana", hoax=False)
    assert match.score == 0.0
    assert match.shared_terms == []


HOAX_CHAIN: Mention = (
    "Pesan berantai soal Bendungan Benanga jebol",
    "Beredar pesan berantai bahwa Bendungan Benanga jebol dan air bah akan merendam Sempaja malam ini. "
    "Sebarkan ke grup keluarga!",
    ["sempaja"],
)


def test_hoax_against_real_report_is_penalised() -> None:
    as_report = _score(HOAX_CHAIN, SEMPAJA_ISSUE, regions=["64.72"], hoax=False)
    as_hoax = _score(HOAX_CHAIN, SEMPAJA_ISSUE, regions=["64.72"], hoax=True)
    assert as_report.score >= s.ATTACH_THRESHOLD
    assert as_hoax.score < s.ATTACH_THRESHOLD
    assert as_hoax.score == pytest.approx(as_report.score * s.HOAX_MISMATCH_FACTOR, abs=1e-3)


def test_hoax_against_hoax_issue_is_not_penalised() -> None:
    hoax_issue = _issue(2, [HOAX_CHAIN], ["64.72"], hoax=True)
    similar_chain: Mention = (
        "Hoaks Bendungan Benanga jebol beredar lagi",
        "Pesan berantai Bendungan Benanga jebol kembali beredar di grup keluarga Sempaja.",
        ["sempaja"],
    )
    as_hoax = _score(similar_chain, hoax_issue, regions=["64.72"], hoax=True)
    as_report = _score(similar_chain, hoax_issue, regions=["64.72"], hoax=False)
    assert as_hoax.score >= s.ATTACH_THRESHOLD
    assert as_report.score < as_hoax.score


def test_topic_mismatch_is_penalised_but_lainnya_is_neutral() -> None:
    same = _score(SEMPAJA_RETOLD, SEMPAJA_ISSUE, regions=[], topic="bencana")
    other = _score(SEMPAJA_RETOLD, SEMPAJA_ISSUE, regions=[], topic="lingkungan")
    unknown = _score(SEMPAJA_RETOLD, SEMPAJA_ISSUE, regions=[], topic="lainnya")
    assert same.score == pytest.approx(unknown.score + s.TOPIC_AGREEMENT_BONUS, abs=1e-3)
    assert other.score == pytest.approx(unknown.score * s.TOPIC_MISMATCH_FACTOR, abs=1e-3)


def test_score_never_exceeds_one() -> None:
    own = SEMPAJA_REPORTS[0]
    match = _score(own, SEMPAJA_ISSUE, regions=["64.72"])
    assert match.score == 1.0


def test_rare_shared_terms_count_more_than_common_ones() -> None:
    # The shared words are all flood words: the more open issues use them, the less the match means.
    rare = _score(BERAU_FLOOD, SEMPAJA_ISSUE, regions=[], frequency={}, open_issues=30)
    common = _score(
        BERAU_FLOOD,
        SEMPAJA_ISSUE,
        regions=[],
        frequency={"banjir": 30, "rendam": 30, "luap": 30, "perahu": 30, "karet": 30, "posko": 30},
        open_issues=30,
    )
    assert common.score < rare.score


OIL_ISSUE = _issue(3, [OIL_SPILL], ["64.71"], "lingkungan")
SOLAR_ISSUE = _issue(4, [SOLAR_QUEUE], ["64.05"], "energi")
BERAU_ISSUE = _issue(5, [BERAU_FLOOD], ["64.05"])


FREQUENCY = {"banjir": 2, "rendam": 2, "hujan": 2, "sungai": 3}
OPEN_ISSUES = 12


def _best(
    mention: Mention,
    candidates: Sequence[s.Candidate],
    *,
    regions: Sequence[str] = (),
    topic: str = "bencana",
    hoax: bool = False,
    threshold: float | None = None,
) -> s.Match | None:
    return s.best_match(
        _terms(mention),
        candidates,
        FREQUENCY,
        OPEN_ISSUES,
        region_codes=regions,
        topic=topic,
        hoax=hoax,
        threshold=threshold,
    )


def test_best_match_picks_the_highest_scoring_candidate() -> None:
    candidates = [OIL_ISSUE, BERAU_ISSUE, SEMPAJA_ISSUE, SOLAR_ISSUE]
    match = _best(SEMPAJA_RETOLD, candidates, regions=["64.72"])
    assert match is not None
    assert match.issue_id == SEMPAJA_ISSUE.issue_id
    terms = _terms(SEMPAJA_RETOLD)
    rarity = {term: s.idf(FREQUENCY.get(term, 0), OPEN_ISSUES) for term in terms.weights}
    scores = [
        s.score(terms, rarity, c, region_codes=["64.72"], topic="bencana", hoax=False).score
        for c in candidates
    ]
    assert match.score == max(scores)
    assert sorted(scores)[-2] < match.score


def test_best_match_order_of_candidates_does_not_matter() -> None:
    candidates = [OIL_ISSUE, BERAU_ISSUE, SEMPAJA_ISSUE, SOLAR_ISSUE]
    forward = _best(SEMPAJA_RETOLD, candidates, regions=["64.72"])
    backward = _best(SEMPAJA_RETOLD, candidates[::-1], regions=["64.72"])
    assert forward == backward


def test_best_match_finds_the_berau_flood_for_a_berau_report() -> None:
    report: Mention = (
        "Sungai Segah meluap, Tanjung Redeb terendam",
        "Warga Tanjung Redeb mengungsi ke gedung sekolah setelah banjir setinggi pinggang merendam rumah.",
        ["tanjung redeb", "segah"],
    )
    match = _best(report, [SEMPAJA_ISSUE, BERAU_ISSUE, SOLAR_ISSUE], regions=["64.05"])
    assert match is not None
    assert match.issue_id == BERAU_ISSUE.issue_id


def test_best_match_is_none_when_nothing_reaches_the_threshold() -> None:
    festival: Mention = (
        "Festival Derawan 2025 dibuka, kunjungan wisatawan naik",
        "Ribuan wisatawan memadati Pulau Derawan dan Maratua untuk menyaksikan lomba perahu hias dan tari "
        "tradisional Dayak.",
        ["derawan", "maratua"],
    )
    assert _best(festival, [SEMPAJA_ISSUE, OIL_ISSUE, SOLAR_ISSUE], regions=["64.05"], topic="sosial") is None


def test_best_match_with_no_candidates_is_none() -> None:
    assert _best(SEMPAJA_RETOLD, [], regions=["64.72"]) is None


def test_best_match_threshold_can_be_raised() -> None:
    default = _best(SEMPAJA_RETOLD, [SEMPAJA_ISSUE], regions=["64.72"])
    assert default is not None
    assert _best(SEMPAJA_RETOLD, [SEMPAJA_ISSUE], regions=["64.72"], threshold=default.score + 0.01) is None
    # At exactly its score the candidate still attaches.
    assert _best(SEMPAJA_RETOLD, [SEMPAJA_ISSUE], regions=["64.72"], threshold=default.score) == default


def test_best_match_rejects_the_other_regency_flood() -> None:
    match = s.best_match(
        _terms(BERAU_FLOOD),
        [SEMPAJA_ISSUE],
        {"banjir": 3, "rendam": 2, "hujan": 3, "deras": 2, "ungsi": 2},
        10,
        region_codes=["64.05"],
        topic="bencana",
        hoax=False,
    )
    assert match is None


# A flood issue in Mahakam Ulu, and posts about other Mahakam Ulu stories that share nothing with it but the
# regency's name. The Samarinda counterpart shows the intended behaviour.
MAHULU_FLOOD: Mention = (
    "Banjir rendam Ujoh Bilang, Mahakam Ulu",
    "Sungai Mahakam meluap setelah hujan deras di hulu. Puluhan rumah di Ujoh Bilang terendam dan BPBD "
    "Mahakam Ulu mendirikan posko pengungsian.",
    ["ujoh bilang", "mahakam ulu"],
)
SAMARINDA_FLOOD: Mention = (
    "Banjir rendam Sempaja, Samarinda",
    "Sungai Karang Mumus meluap setelah hujan deras. Puluhan rumah di Sempaja terendam dan BPBD Samarinda "
    "mendirikan posko pengungsian.",
    ["sempaja", "samarinda"],
)


def test_other_story_in_the_same_city_does_not_attach_by_the_city_name() -> None:
    issue = _issue(8, [SAMARINDA_FLOOD], ["64.72"])
    post: Mention = ("Guru honorer di Samarinda belum gajian tiga bulan", None, ["samarinda"])
    match = s.best_match(_terms(post), [issue], {}, 8, region_codes=["64.72"], topic="pendidikan", hoax=False)
    assert match is None


def test_other_story_in_mahakam_ulu_does_not_attach_by_the_regency_name() -> None:
    issue = _issue(7, [MAHULU_FLOOD], ["64.11"])
    post: Mention = ("Guru honorer di Mahakam Ulu belum gajian tiga bulan", None, ["mahakam ulu"])
    match = s.best_match(
        _terms(post),
        [issue],
        {"mahakam": 1, "ulu": 1},
        8,
        region_codes=["64.11"],
        topic="pendidikan",
        hoax=False,
    )
    assert match is None
