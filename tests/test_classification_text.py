"""Indonesian normalisation, tokenisation and negation: pure, no database."""

from __future__ import annotations

import pytest

from app.classification.regions import find_places, gazetteer, region_codes
from app.classification.text import (
    NEGATORS,
    analysis_tokens,
    mark_negation,
    normalise,
    stopwords,
    tokenize,
)
from app.reference import catalog


def places(text: str) -> list[str]:
    return region_codes(find_places(analysis_tokens(text)))


def test_normalise_lowercases_and_drops_urls_handles_and_punctuation() -> None:
    text = "BANJIR di Samarinda!!! cek https://contoh.id/berita?id=1 dan www.contoh.id kata @pemkot_smd."
    assert normalise(text) == "banjir di samarinda cek dan kata"


@pytest.mark.parametrize(
    ("hashtag", "words"),
    [
        ("#BanjirSamarinda", "banjir samarinda"),
        ("#banjirsamarinda", "banjir samarinda"),
        ("#KaltimBerduka2026", "kaltim berduka 2026"),
        ("#xyzqwv", "xyzqwv"),
    ],
)
def test_hashtags_are_split_into_words(hashtag: str, words: str) -> None:
    assert normalise(f"Doakan {hashtag}") == f"doakan {words}"


def test_emphasis_letters_are_squeezed_but_real_double_letters_kept() -> None:
    assert normalise("Parahhh bangeeet, tolonggg") == "parah banget tolong"
    assert normalise("Mohon maaf, saat ini 1000 warga") == "mohon maaf saat ini 1000 warga"


@pytest.mark.parametrize(
    ("slang", "standard"),
    [
        ("gak ada", "tidak ada"),
        ("nggak", "tidak"),
        ("tdk", "tidak"),
        ("blm diperbaiki", "belum diperbaiki"),
        ("yg rusak", "yang rusak"),
        ("dgn cepat", "dengan cepat"),
        ("krn hujan", "karena hujan"),
        ("parah bgt", "parah banget"),
        ("gaada air", "tidak ada air"),
        ("rumah2 warga", "rumah rumah warga"),
        # Banjar, the everyday language of Samarinda and Balikpapan, and Javanese.
        ("banyu kada mengalir", "air tidak mengalir"),
        ("kadada perbaikan", "tidak ada perbaikan"),
        ("rumah tarandam", "rumah terendam"),
        ("dalan rusak ora didandani", "jalan rusak tidak diperbaiki"),
        ("omah kobong", "rumah terbakar"),
        ("durung didandani", "belum diperbaiki"),
    ],
)
def test_colloquial_forms_become_standard_indonesian(slang: str, standard: str) -> None:
    assert normalise(slang) == standard


def test_abbreviations_that_are_also_proper_names_are_left_alone() -> None:
    # "SMP" is a school level, "km" a distance: not slang for "sampai" and "kamu".
    assert normalise("Siswa SMP berjalan 5 km") == "siswa smp berjalan 5 km"


def test_typographic_quotes_dashes_and_emoji_are_separators() -> None:
    assert tokenize("“Parah”—jalan rusak…😡 lagi") == ["parah", "jalan", "rusak", "lagi"]


def test_tokenize_matches_normalise() -> None:
    text = "Warga Loa Janan: jalan yg rusak blm diperbaiki #JalanRusak"
    assert tokenize(text) == normalise(text).split()


def test_negation_marks_the_following_words() -> None:
    assert mark_negation(["tidak", "ada", "korban", "jiwa"]) == ["tidak", "NEG_ada", "NEG_korban", "NEG_jiwa"]


def test_negation_scope_ends_at_a_clause_or_conjunction() -> None:
    tokens = analysis_tokens("Jalan tidak bisa dilalui karena longsor. Banjir juga melanda.")
    assert "longsor" in tokens
    assert "banjir" in tokens
    assert "NEG_dilalui" in tokens


def test_negation_in_slang_is_still_negation() -> None:
    assert analysis_tokens("gak ada korban") == ["tidak", "NEG_ada", "NEG_korban"]
    assert analysis_tokens("kadada korban") == ["tidak", "NEG_ada", "NEG_korban"]


def test_sudah_starts_a_new_predicate_outside_the_negation() -> None:
    tokens = analysis_tokens("Air PDAM tidak mengalir sudah tiga hari")
    assert tokens[-4:] == ["NEG_mengalir", "sudah", "tiga", "hari"]


def test_nihil_negates_what_comes_before_it() -> None:
    assert analysis_tokens("Korban jiwa nihil.") == ["NEG_korban", "NEG_jiwa", "nihil"]


def test_tidak_hanya_is_not_a_negation() -> None:
    assert "NEG_longsor" not in analysis_tokens("Tidak hanya banjir, longsor juga terjadi")
    assert analysis_tokens("tidak hanya banjir")[-1] == "banjir"


def test_negators_are_never_stopwords() -> None:
    assert not (NEGATORS & stopwords())
    assert "yang" in stopwords()


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("Banjir di Berau", ["64.05"]),
        ("Warga Beraunya tidak terdampak", []),
        ("Longsor di Penajam Paser Utara", ["64.09"]),
        ("Kebakaran di Gunung Samarinda, Balikpapan Utara", ["64.71"]),
        ("Karyawan Pupuk Kaltim di Bontang Kuala", ["64.74"]),
        ("Gubernur Kaltim memberikan sambutan", ["64"]),
        ("Banjir di Kecamatan Sambutan", ["64.72"]),
        ("Samarinda, Kalimantan Timur - banjir", ["64.72"]),
        ("Pembangunan IKN di Sepaku", ["64.09"]),
        ("Jalan Tenggarong ke Sangatta", ["64.03", "64.04"]),
        ("Ujoh Bilang dan Long Bagun", ["64.11"]),
        ("Tanah Grogot, Sendawar, Tanjung Redeb", ["64.01", "64.02", "64.05"]),
        ("Loa Janan Ilir", ["64.72"]),
        ("Loa Janan", ["64.03"]),
    ],
)
def test_gazetteer_matches_whole_words_longest_first(text: str, codes: list[str]) -> None:
    assert places(text) == codes


def test_every_gazetteer_code_is_a_region_of_the_catalog() -> None:
    # Intake indexes the regions found in a text (mention_region, a foreign key to region) without checking.
    assert set(gazetteer()) <= catalog.region_codes()


def test_region_hints_accept_codes_and_place_names() -> None:
    assert region_codes([], ["64.71", "Tenggarong"]) == ["64.03", "64.71"]
