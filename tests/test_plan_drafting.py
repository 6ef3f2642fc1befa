"""Drafting public statements from the reviewed templates: pure, no database."""

from __future__ import annotations

import copy
import dataclasses
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from app.classification.taxonomy import Topic
from app.datafiles import load_json
from app.plans.drafting import (
    StatementFacts,
    StatementKind,
    TemplateError,
    draft_statement,
    format_wita,
    join_id,
    statement_templates,
    validate_templates,
)

AS_OF = datetime(2026, 11, 28, 6, 30, tzinfo=UTC)  # Sabtu 14.30 WITA
AS_OF_TEXT = "Sabtu, 28 November 2026 pukul 14.30 WITA"
EVIDENCE = (
    "https://kaltimprov.go.id/berita/klarifikasi-bendungan",
    "https://www.komdigi.go.id/berita/hoaks/123",
)


def make_facts(**overrides: Any) -> StatementFacts:
    facts = StatementFacts(
        issue_title="Banjir di Samarinda Ulu",
        topic="bencana",
        topic_name="Bencana",
        level="siaga",
        level_name="Siaga",
        region_names=("Kota Samarinda", "Kabupaten Kutai Kartanegara"),
        agency_names=("BPBD Kaltim", "Dinas Sosial Kaltim"),
        as_of=AS_OF,
        hoax_evidence=EVIDENCE,
    )
    return dataclasses.replace(facts, **overrides)


def shipped_data() -> Any:
    return copy.deepcopy(load_json("app.plans", "statement_templates.json"))


# --- formatting ---


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (AS_OF, AS_OF_TEXT),
        # 16.05 UTC on New Year's Eve is already the next day, month and year in Samarinda
        (datetime(2026, 12, 31, 16, 5, tzinfo=UTC), "Jumat, 1 Januari 2027 pukul 00.05 WITA"),
        # an instant given in WIB (UTC+7) is shown an hour later in WITA
        (
            datetime(2026, 8, 17, 9, 0, tzinfo=timezone(timedelta(hours=7))),
            "Senin, 17 Agustus 2026 pukul 10.00 WITA",
        ),
    ],
)
def test_format_wita_shows_the_wita_wall_clock_in_indonesian(moment: datetime, expected: str) -> None:
    assert format_wita(moment) == expected


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        ((), ""),
        (("Paser",), "Paser"),
        (("Paser", "Berau"), "Paser dan Berau"),
        (("Paser", "Berau", "Bontang"), "Paser, Berau, dan Bontang"),
        (("Paser", "Berau", "Bontang", "Mahakam Ulu"), "Paser, Berau, Bontang, dan Mahakam Ulu"),
    ],
)
def test_join_id_writes_an_indonesian_list(items: tuple[str, ...], expected: str) -> None:
    assert join_id(items) == expected


# --- every kind and every variant ---


def all_variants() -> list[tuple[StatementKind, str]]:
    templates = statement_templates()
    return [(kind, topic) for kind in StatementKind for topic in ("lainnya", *templates.kinds[kind].topics)]


@pytest.mark.parametrize(("kind", "topic"), all_variants())
def test_every_template_renders_completely_with_title_regions_and_time(
    kind: StatementKind, topic: str
) -> None:
    text = draft_statement(kind, make_facts(topic=topic))

    assert "{" not in text
    assert "}" not in text
    assert "“Banjir di Samarinda Ulu”" in text
    assert "Kota Samarinda dan Kabupaten Kutai Kartanegara" in text
    assert AS_OF_TEXT in text
    assert "\n\n\n" not in text


@pytest.mark.parametrize("kind", list(StatementKind))
def test_kind_is_accepted_as_its_string_value(kind: StatementKind) -> None:
    assert draft_statement(kind.value, make_facts()) == draft_statement(kind, make_facts())


def test_topic_variants_are_keyed_by_real_topics_and_cover_the_instruction_topics() -> None:
    templates = statement_templates()
    for kind_templates in templates.kinds.values():
        assert set(kind_templates.topics) <= set(Topic)
    required = {"bencana", "kesehatan", "lingkungan", "infrastruktur", "transportasi", "energi", "keamanan"}
    assert required <= set(templates.kinds[StatementKind.instruction].topics)


def test_holding_statement_is_short_and_promises_the_next_update() -> None:
    without_summary = draft_statement(StatementKind.holding_statement, make_facts())
    with_summary = draft_statement(
        StatementKind.holding_statement,
        make_facts(summary="Air setinggi satu meter merendam tiga kelurahan sejak Jumat malam"),
    )

    for text in (without_summary, with_summary):
        assert 80 <= len(text.split()) <= 150
        assert "BPBD Kaltim dan Dinas Sosial Kaltim" in text
        assert "Call Center 112" in text
    # siaga: six hours after 14.30, rounded up to the full hour
    assert "paling lambat Sabtu, 28 November 2026 pukul 21.00 WITA" in without_summary
    assert "Air setinggi satu meter merendam tiga kelurahan sejak Jumat malam." in with_summary


def test_next_update_on_the_hour_is_not_pushed_later() -> None:
    text = draft_statement(
        StatementKind.holding_statement,
        make_facts(level="awas", level_name="Awas", as_of=datetime(2026, 11, 28, 6, 0, tzinfo=UTC)),
    )
    assert "paling lambat Sabtu, 28 November 2026 pukul 17.00 WITA" in text


def test_unknown_level_is_refused() -> None:
    with pytest.raises(ValueError, match="level"):
        draft_statement(StatementKind.holding_statement, make_facts(level="darurat"))


def test_blank_title_is_refused() -> None:
    with pytest.raises(ValueError, match="title"):
        draft_statement(StatementKind.press_release, make_facts(issue_title="  "))


# --- instructions ---


def test_flood_instruction_gives_evacuation_guidance_unlike_the_generic_one() -> None:
    flood = draft_statement(StatementKind.instruction, make_facts(topic="bencana"))
    generic = draft_statement(StatementKind.instruction, make_facts(topic="lainnya"))

    assert flood != generic
    for guidance in (
        "perintah evakuasi dari BPBD",
        "tempat yang lebih tinggi",
        "bantaran sungai",
        "telepon seluler",
    ):
        assert guidance in flood
        assert guidance not in generic
    assert "112" in flood
    assert "\n1. " in flood
    assert "\n2. " in flood
    assert "status Siaga" in flood


def test_health_instruction_says_boil_water_and_go_to_the_puskesmas() -> None:
    text = draft_statement(
        StatementKind.instruction, make_facts(topic="kesehatan", agency_names=("Dinkes Kaltim",))
    )
    assert "Merebus air minum" in text
    assert "puskesmas" in text
    assert "perintah evakuasi" not in text


def test_safety_guidance_adds_the_emergency_number_when_the_contact_lacks_it() -> None:
    own_post = draft_statement(
        StatementKind.instruction, make_facts(contact="Posko BPBD Kaltim (0541) 741042")
    )
    default = draft_statement(StatementKind.instruction, make_facts())

    assert "Posko BPBD Kaltim (0541) 741042 atau layanan darurat 112" in own_post
    assert "segera menghubungi Call Center 112." in default


# --- clarification and apology ---


def test_clarification_lists_every_evidence_link() -> None:
    text = draft_statement(StatementKind.clarification, make_facts())
    assert f"1. {EVIDENCE[0]}" in text
    assert f"2. {EVIDENCE[1]}" in text
    assert "tidak benar" in text


@pytest.mark.parametrize("evidence", [(), ("", "   ")])
def test_clarification_without_evidence_is_refused(evidence: tuple[str, ...]) -> None:
    with pytest.raises(ValueError, match="evidence"):
        draft_statement(StatementKind.clarification, make_facts(hoax_evidence=evidence))


def test_evidence_appears_only_in_a_clarification() -> None:
    text = draft_statement(StatementKind.press_release, make_facts())
    assert EVIDENCE[0] not in text


def test_apology_says_sorry_and_when_the_correction_is_reported() -> None:
    text = draft_statement(
        StatementKind.apology, make_facts(issue_title="Keterlambatan pencairan bantuan sosial")
    )
    assert "memohon maaf" in text
    assert "bertanggung jawab" in text
    assert "paling lambat Sabtu, 5 Desember 2026" in text


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown statement kind"):
        draft_statement("condolence", make_facts())


def test_empty_regions_and_agencies_fall_back_to_the_province() -> None:
    text = draft_statement(StatementKind.holding_statement, make_facts(region_names=(), agency_names=()))
    assert "“Banjir di Samarinda Ulu” di Kalimantan Timur." in text
    assert "perangkat daerah terkait telah menangani" in text


def test_blank_and_repeated_names_are_dropped() -> None:
    text = draft_statement(
        StatementKind.holding_statement,
        make_facts(region_names=(" Kota Bontang ", "", "Kota Bontang"), agency_names=("BPBD Kaltim", " ")),
    )
    assert "di Kota Bontang." in text
    assert "Hingga Sabtu, 28 November 2026 pukul 14.30 WITA, BPBD Kaltim telah" in text


# --- template validation ---


def test_shipped_templates_are_valid() -> None:
    templates = validate_templates(shipped_data())
    assert set(templates.kinds) == set(StatementKind)


def test_validator_rejects_an_unknown_placeholder() -> None:
    data = shipped_data()
    data["kinds"]["holding_statement"]["default"][1] += " Lihat {isue_title}."

    with pytest.raises(
        TemplateError, match=r"kinds\.holding_statement\.default\[1\]: unknown placeholder \{isue_title\}"
    ):
        validate_templates(data)


def test_validator_rejects_an_unknown_placeholder_inside_a_step() -> None:
    data = shipped_data()
    data["kinds"]["instruction"]["topics"]["bencana"][3][0] = "Ikuti arahan {petugas}."

    with pytest.raises(TemplateError, match=r"topics\.bencana\[3\]\[0\]: unknown placeholder \{petugas\}"):
        validate_templates(data)


@pytest.mark.parametrize(
    ("paragraph", "problem"),
    [
        ("Lihat {issue_title.__class__}.", "plain name"),
        ("Lihat {0}.", "plain name"),
        ("Lihat {as_of!r}.", "conversion or format spec"),
        ("Lihat {as_of:>40}.", "conversion or format spec"),
        ("Kurung {{kurawal}}.", "literal brace"),
        ("Kurung {terbuka.", "expected '}'"),
    ],
)
def test_validator_rejects_fields_that_are_not_plain_placeholders(paragraph: str, problem: str) -> None:
    data = shipped_data()
    data["kinds"]["apology"]["default"].append(paragraph)

    with pytest.raises(TemplateError, match=problem):
        validate_templates(data)


def test_validator_requires_a_clarification_to_cite_evidence() -> None:
    data = shipped_data()
    data["kinds"]["clarification"]["default"].remove("{evidence}")

    with pytest.raises(TemplateError, match=r"clarification must cite \{evidence\}"):
        validate_templates(data)


def test_validator_rejects_evidence_outside_a_clarification() -> None:
    data = shipped_data()
    data["kinds"]["press_release"]["default"].append("{evidence}")

    with pytest.raises(
        TemplateError, match=r"press_release\.default: \{evidence\} is only filled in a clarification"
    ):
        validate_templates(data)


def test_validator_requires_title_regions_time_and_contact() -> None:
    data = shipped_data()
    data["kinds"]["instruction"]["topics"]["energi"] = ["Hemat energi."]

    with pytest.raises(TemplateError) as caught:
        validate_templates(data)
    message = str(caught.value)
    assert "topics.energi: must use {as_of}, {issue_title}, {regions}" in message
    assert "topics.energi: must tell where to get information" in message


def test_validator_requires_every_kind_and_refuses_unknown_ones() -> None:
    data = shipped_data()
    data["kinds"]["condolence"] = data["kinds"].pop("apology")

    with pytest.raises(TemplateError) as caught:
        validate_templates(data)
    assert "kinds.condolence: unknown statement kind" in str(caught.value)
    assert "kinds.apology: needs a 'default' template" in str(caught.value)


def test_validator_requires_an_update_interval_for_every_level() -> None:
    data = shipped_data()
    del data["settings"]["next_update_hours"]["awas"]

    with pytest.raises(TemplateError, match="next_update_hours"):
        validate_templates(data)
