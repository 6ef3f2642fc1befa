"""Recommending a response plan: SCCT cluster, strategy, phases and default tasks from an issue's facts."""

from __future__ import annotations

import dataclasses
from collections import Counter
from typing import Any

import pytest

from app.classification.taxonomy import Level
from app.datafiles import load_json
from app.plans import recommend
from app.plans.recommend import Cluster, IssueFacts, Phase, Recommendation, Strategy, StrategyRefused
from app.plans.sla import Deadline

REGIONAL = {
    "64.72": "diskominfo-samarinda",
    "64.03": "diskominfo-kutai-kartanegara",
    "64.71": "diskominfo-balikpapan",
}
AGENCY_CODES = frozenset(a["code"] for a in load_json("app.reference", "agencies.json"))
TEMPLATES = {t.key: t for t in recommend.templates()[0]}


def make_facts(**overrides: Any) -> IssueFacts:
    """A quiet issue with no crisis signals; each case overrides what makes it what it is."""
    values: dict[str, Any] = {
        "topic": "lainnya",
        "level": Level.normal,
        "impact": {"public_safety": 0, "economic_loss": 0, "public_trust": 0},
        "signals": {},
        "hoax_status": "none",
        "hoax_evidence": (),
        "hoax_suspected": False,
        "opportunity": False,
        "agencies": (),
        "region_codes": (),
        "text": "",
    }
    values.update(overrides)
    return IssueFacts(**values)


def flood_samarinda(**overrides: Any) -> IssueFacts:
    values: dict[str, Any] = {
        "topic": "bencana",
        "level": Level.awas,
        "impact": {"public_safety": 3, "economic_loss": 2, "public_trust": 1, "inter_agency": 3},
        "signals": {
            "disaster": ["banjir", "sungai meluap"],
            "weather": ["hujan deras"],
            "casualties": ["meninggal dunia"],
            "missing": ["hanyut"],
            "evacuation": ["mengungsi", "posko pengungsian"],
        },
        "agencies": ("bpbd",),
        "region_codes": ("64.72", "64.03"),
        "text": "Banjir setinggi 1,5 meter rendam Samarinda dan Loa Janan, dua warga meninggal dunia hanyut\n"
        "Ribuan warga Sempaja mengungsi setelah Sungai Karang Mumus meluap akibat hujan deras semalaman.",
    }
    values.update(overrides)
    return make_facts(**values)


def pungli_bansos(**overrides: Any) -> IssueFacts:
    values: dict[str, Any] = {
        "topic": "sosial",
        "level": Level.siaga,
        "impact": {"public_safety": 0, "economic_loss": 1, "public_trust": 3},
        "signals": {"corruption": ["pungli", "pungutan liar"]},
        "agencies": ("dinsos",),
        "region_codes": ("64.03",),
        "text": "Penerima bansos di Tenggarong mengaku dipotong Rp200 ribu saat pencairan\n"
        "Warga melaporkan pungutan liar di kantor penyaluran bantuan sosial Kutai Kartanegara.",
    }
    values.update(overrides)
    return make_facts(**values)


def pungli_samsat(**overrides: Any) -> IssueFacts:
    # Facts without agencies (as when no mention named a service or an OPD): the topic's owners lead.
    values: dict[str, Any] = {
        "topic": "pelayanan_publik",
        "level": Level.waspada,
        "impact": {"public_safety": 0, "public_trust": 2},
        "signals": {"corruption": ["pungli"]},
        "region_codes": ("64.72",),
        "text": "Video pungli cek fisik kendaraan di Samsat Samarinda Seberang viral di media sosial",
    }
    values.update(overrides)
    return make_facts(**values)


def confirmed_hoax(**overrides: Any) -> IssueFacts:
    values: dict[str, Any] = {
        "topic": "kesehatan",
        "level": Level.siaga,
        "impact": {"public_safety": 1, "public_trust": 2},
        "signals": {"hoax": ["pesan berantai"], "outbreak": ["wabah kolera"]},
        "hoax_status": "confirmed",
        "hoax_evidence": (
            "https://www.komdigi.go.id/berita/klarifikasi-hoaks/detail/hoaks-wabah-kolera-di-samarinda",
            "https://dinkes.kaltimprov.go.id/berita/klarifikasi-tidak-ada-kasus-kolera",
        ),
        "hoax_suspected": True,
        "agencies": ("dinkes",),
        "region_codes": ("64.72",),
        "text": "Pesan berantai: wabah kolera di Samarinda, warga diminta tidak minum air PDAM\n"
        "Dinas Kesehatan Kaltim memastikan tidak ada kasus kolera.",
    }
    values.update(overrides)
    return make_facts(**values)


def hoax_accusing_governor(**overrides: Any) -> IssueFacts:
    values: dict[str, Any] = {
        "topic": "tata_kelola",
        "level": Level.waspada,
        "impact": {"public_safety": 0, "public_trust": 3},
        "signals": {"corruption": ["korupsi", "dana hibah"], "hoax": ["hoaks"]},
        "hoax_status": "confirmed",
        "hoax_evidence": ("https://turnbackhoax.id/2026/05/12/salah-gubernur-kaltim-ditangkap-kpk/",),
        "hoax_suspected": True,
        "agencies": ("inspektorat",),
        "region_codes": ("64",),
        "text": "Beredar video: Gubernur Kaltim ditangkap KPK karena korupsi dana hibah\n"
        "KPK membantah ada penangkapan; video itu rekaman tahun 2019 di provinsi lain.",
    }
    values.update(overrides)
    return make_facts(**values)


def suspected_hoax(**overrides: Any) -> IssueFacts:
    values: dict[str, Any] = {
        "topic": "pendidikan",
        "level": Level.waspada,
        "impact": {"public_safety": 0, "public_trust": 1},
        "signals": {"hoax": ["pesan berantai"]},
        "hoax_status": "suspected",
        "hoax_suspected": True,
        "agencies": ("disdikbud",),
        "region_codes": ("64.72",),
        "text": "Pesan berantai: pendaftaran Beasiswa Kaltim Tuntas ditutup besok, daftar lewat tautan ini",
    }
    values.update(overrides)
    return make_facts(**values)


def pdam_outage(**overrides: Any) -> IssueFacts:
    values: dict[str, Any] = {
        "topic": "infrastruktur",
        "level": Level.waspada,
        "impact": {"public_safety": 0, "economic_loss": 1, "public_trust": 2},
        "signals": {"service_failure": ["air mati", "gangguan distribusi"]},
        "agencies": ("dpupr-pera",),
        "region_codes": ("64.71",),
        "text": "Air PDAM mati tiga hari di Balikpapan Utara, warga antre air bersih\n"
        "Perumda Tirta Manuntung menyebut pipa transmisi bocor di Km 8.",
    }
    values.update(overrides)
    return make_facts(**values)


def good_news(**overrides: Any) -> IssueFacts:
    values: dict[str, Any] = {
        "topic": "ekonomi",
        "level": Level.normal,
        "signals": {"positive": ["tertinggi", "tumbuh"]},
        "opportunity": True,
        "agencies": ("biro-perekonomian",),
        "region_codes": ("64", "64.72"),
        "text": "Ekonomi Kaltim tumbuh 6,2 persen pada triwulan I, tertinggi di Kalimantan\n"
        "Warganet ramai membagikan capaian ekspor UMKM Samarinda.",
    }
    values.update(overrides)
    return make_facts(**values)


def school_roof_collapse(**overrides: Any) -> IssueFacts:
    # Fault is named only in the text: the classifier raised no corruption signal.
    values: dict[str, Any] = {
        "topic": "pendidikan",
        "level": Level.siaga,
        "impact": {"public_safety": 2, "public_trust": 2},
        "signals": {"damage": ["ambruk"], "casualties": ["luka luka"]},
        "agencies": ("disdikbud",),
        "region_codes": ("64.72",),
        "text": "Atap ruang kelas SDN 012 Samarinda ambruk, tiga siswa luka-luka\n"
        "Orang tua menuding kelalaian petugas pengawas proyek rehabilitasi sekolah.",
    }
    values.update(overrides)
    return make_facts(**values)


ALL_CASES = (
    flood_samarinda,
    pungli_bansos,
    pungli_samsat,
    confirmed_hoax,
    hoax_accusing_governor,
    suspected_hoax,
    pdam_outage,
    good_news,
    school_roof_collapse,
)


def phase(rec: Recommendation, name: Phase) -> recommend.PhaseDraft:
    return next(p for p in rec.phases if p.name is name)


def owners(rec: Recommendation, template: str) -> set[str]:
    return {t.agency for t in rec.tasks if t.template == template}


# --- cluster --------------------------------------------------------------------------------------------


def test_flood_is_victim_cluster_citing_the_disaster_words() -> None:
    cluster, reason = recommend.cluster_of(flood_samarinda())
    assert cluster is Cluster.victim
    assert reason.code == "cluster_victim"
    assert "banjir" in reason.id
    assert "banjir" in reason.en


def test_corruption_signal_is_preventable_citing_the_evidence() -> None:
    cluster, reason = recommend.cluster_of(pungli_bansos())
    assert cluster is Cluster.preventable
    assert reason.code == "cluster_preventable"
    assert "pungli" in reason.id
    assert "pungutan liar" in reason.id


def test_pungli_at_samsat_is_preventable() -> None:
    cluster, reason = recommend.cluster_of(pungli_samsat())
    assert cluster is Cluster.preventable
    assert reason.code == "cluster_preventable"


def test_fault_words_in_the_text_alone_make_it_preventable() -> None:
    facts = school_roof_collapse()
    assert "corruption" not in facts.signals
    cluster, reason = recommend.cluster_of(facts)
    assert cluster is Cluster.preventable
    assert reason.code == "cluster_preventable"
    assert "kelalaian" in reason.id


def test_the_same_collapse_without_words_of_fault_is_accidental() -> None:
    facts = school_roof_collapse(text="Atap ruang kelas SDN 012 Samarinda ambruk diterjang angin kencang")
    cluster, reason = recommend.cluster_of(facts)
    assert cluster is Cluster.accidental
    assert reason.code == "cluster_accidental"
    assert "ambruk" in reason.id


def test_pdam_outage_is_accidental_citing_the_failure() -> None:
    cluster, reason = recommend.cluster_of(pdam_outage())
    assert cluster is Cluster.accidental
    assert reason.code == "cluster_accidental"
    assert "air mati" in reason.id


def test_no_signal_at_all_defaults_to_accidental_with_its_own_reason() -> None:
    facts = make_facts(topic="pelayanan_publik", text="Warga menanyakan jam layanan Mal Pelayanan Publik")
    cluster, reason = recommend.cluster_of(facts)
    assert cluster is Cluster.accidental
    assert reason.code == "cluster_default"


def test_confirmed_hoax_is_victim() -> None:
    cluster, reason = recommend.cluster_of(confirmed_hoax())
    assert cluster is Cluster.victim
    assert reason.code == "cluster_victim_hoax"


def test_confirmed_hoax_that_accuses_officials_of_corruption_stays_victim() -> None:
    facts = hoax_accusing_governor()
    assert "korupsi" in facts.text
    assert "corruption" in facts.signals
    cluster, reason = recommend.cluster_of(facts)
    assert cluster is Cluster.victim
    assert reason.code == "cluster_victim_hoax"
    rec = recommend.recommend(facts, REGIONAL)
    assert rec.strategy == [Strategy.deny]
    assert Strategy.rebuild not in rec.strategy
    assert phase(rec, Phase.penyesalan).skipped


def test_an_unverified_allegation_of_corruption_is_not_apologised_for() -> None:
    facts = dataclasses.replace(hoax_accusing_governor(), hoax_status="suspected", hoax_evidence=())
    rec = recommend.recommend(facts, REGIONAL)
    assert rec.crisis_cluster is Cluster.victim
    assert Strategy.rebuild not in rec.strategy and Strategy.deny not in rec.strategy
    assert phase(rec, Phase.penyesalan).skipped
    assert not any(t.phase is Phase.penyesalan for t in rec.tasks)
    # Once the officers find the allegation true, they set the cluster and the apology follows.
    proven = recommend.recommend(
        facts, REGIONAL, cluster=Cluster.preventable, cluster_reason="Inspektorat membenarkan dugaan itu."
    )
    assert Strategy.rebuild in proven.strategy and not phase(proven, Phase.penyesalan).skipped


def test_suspected_hoax_is_victim() -> None:
    cluster, reason = recommend.cluster_of(suspected_hoax())
    assert cluster is Cluster.victim
    assert reason.code == "cluster_victim_hoax"


def test_good_news_with_reach_is_no_crisis() -> None:
    cluster, reason = recommend.cluster_of(good_news())
    assert cluster is None
    assert reason.code == "opportunity"


def test_good_news_with_a_crisis_signal_is_not_an_opportunity() -> None:
    facts = good_news(signals={"positive": ["tertinggi"], "service_failure": ["listrik padam"]})
    cluster, _ = recommend.cluster_of(facts)
    assert cluster is Cluster.accidental


def test_fake_good_news_suspected_as_hoax_is_not_amplified() -> None:
    facts = make_facts(
        topic="pendidikan",
        level=Level.waspada,
        signals={"positive": ["beasiswa"]},
        hoax_suspected=True,
        opportunity=True,
        agencies=("disdikbud",),
        region_codes=("64.72",),
        text="Pemprov Kaltim bagikan beasiswa Rp10 juta untuk pelajar, daftar segera lewat tautan berikut",
    )
    rec = recommend.recommend(facts, REGIONAL)
    assert rec.crisis_cluster is Cluster.victim
    assert Strategy.bolster not in rec.strategy
    assert not owners(rec, "respon.amplify")


# --- strategy -------------------------------------------------------------------------------------------


def test_flood_strategy_is_instructing_information_only() -> None:
    strategy, reasons = recommend.strategy_for(flood_samarinda(), Cluster.victim)
    assert strategy == [Strategy.instructing_information]
    assert reasons[0].code == "instructing_first"
    assert "3/3" in reasons[0].id


def test_victim_without_public_safety_still_gets_instructing_information() -> None:
    facts = flood_samarinda(impact={"public_safety": 0}, level=Level.waspada)
    strategy, reasons = recommend.strategy_for(facts, Cluster.victim)
    assert strategy == [Strategy.instructing_information]
    assert [r.code for r in reasons] == ["victim_instructing"]


def test_preventable_strategy_is_rebuild() -> None:
    strategy, reasons = recommend.strategy_for(pungli_bansos(), Cluster.preventable)
    assert strategy == [Strategy.rebuild]
    assert [r.code for r in reasons] == ["rebuild"]


def test_preventable_with_injuries_instructs_first_then_rebuilds() -> None:
    rec = recommend.recommend(school_roof_collapse(), REGIONAL)
    assert rec.strategy == [Strategy.instructing_information, Strategy.rebuild]
    assert [r.code for r in rec.rationale] == ["cluster_preventable", "instructing_first", "rebuild"]


def test_accidental_strategy_is_diminish() -> None:
    strategy, _ = recommend.strategy_for(pdam_outage(), Cluster.accidental)
    assert strategy == [Strategy.diminish]


def test_accidental_touching_public_safety_instructs_first_then_diminishes() -> None:
    facts = pdam_outage(impact={"public_safety": 1, "public_trust": 2})
    strategy, _ = recommend.strategy_for(facts, Cluster.accidental)
    assert strategy == [Strategy.instructing_information, Strategy.diminish]


def test_confirmed_hoax_with_evidence_is_denied_after_instructing() -> None:
    facts = confirmed_hoax()
    strategy, reasons = recommend.strategy_for(facts, Cluster.victim)
    assert strategy == [Strategy.instructing_information, Strategy.deny]
    deny = reasons[-1]
    assert deny.code == "deny"
    assert facts.hoax_evidence[0] in deny.id


def test_confirmed_hoax_without_public_safety_is_deny_alone() -> None:
    strategy, _ = recommend.strategy_for(confirmed_hoax(impact={"public_safety": 0}), Cluster.victim)
    assert strategy == [Strategy.deny]


def test_suspected_hoax_is_not_denied_yet() -> None:
    strategy, reasons = recommend.strategy_for(suspected_hoax(), Cluster.victim)
    assert Strategy.deny not in strategy
    assert strategy == [Strategy.diminish]
    assert [r.code for r in reasons] == ["deny_not_yet"]


def test_hoax_marked_confirmed_without_evidence_is_not_denied() -> None:
    facts = confirmed_hoax(hoax_evidence=(), impact={"public_safety": 0})
    strategy, reasons = recommend.strategy_for(facts, Cluster.victim)
    assert strategy == [Strategy.diminish]
    assert reasons[-1].code == "deny_not_yet"


def test_good_news_is_bolstered_without_instructing_even_with_a_safety_score() -> None:
    facts = good_news(impact={"public_safety": 1})
    strategy, reasons = recommend.strategy_for(facts, None)
    assert strategy == [Strategy.bolster]
    assert [r.code for r in reasons] == ["bolster"]


@pytest.mark.parametrize(
    "facts",
    [suspected_hoax(), confirmed_hoax(hoax_evidence=()), pungli_bansos(), flood_samarinda()],
    ids=["suspected", "confirmed-without-evidence", "pungli", "flood"],
)
def test_officer_cannot_deny_without_a_confirmed_hoax_with_evidence(facts: IssueFacts) -> None:
    cluster, _ = recommend.cluster_of(facts)
    with pytest.raises(StrategyRefused, match="confirmed"):
        recommend.strategy_for(facts, cluster, requested=[Strategy.deny])
    with pytest.raises(StrategyRefused):
        recommend.recommend(facts, REGIONAL, strategy=[Strategy.instructing_information, Strategy.deny])


def test_officer_may_deny_a_confirmed_hoax_with_evidence() -> None:
    facts = confirmed_hoax()
    strategy, reasons = recommend.strategy_for(
        facts, Cluster.victim, requested=[Strategy.deny, Strategy.deny]
    )
    # The officer's deny is kept (once); public safety is touched, so instructing information still leads.
    assert strategy == [Strategy.instructing_information, Strategy.deny]
    assert [r.code for r in reasons] == ["strategy_officer", "instructing_first"]
    assert "deny" in reasons[0].id


def test_an_officers_strategy_keeps_instructing_information_first_only_when_safety_is_touched() -> None:
    safe = dataclasses.replace(confirmed_hoax(), impact={"public_safety": 0, "public_trust": 2})
    strategy, reasons = recommend.strategy_for(safe, Cluster.victim, requested=[Strategy.deny])
    assert strategy == [Strategy.deny] and [r.code for r in reasons] == ["strategy_officer"]
    reordered, _ = recommend.strategy_for(
        confirmed_hoax(), Cluster.victim, requested=[Strategy.deny, Strategy.instructing_information]
    )
    assert reordered == [Strategy.instructing_information, Strategy.deny]


# --- phases ---------------------------------------------------------------------------------------------


def test_phases_follow_the_cycle_in_order() -> None:
    for case in ALL_CASES:
        rec = recommend.recommend(case(), REGIONAL)
        assert [p.name for p in rec.phases] == list(recommend.PHASES), case.__name__


@pytest.mark.parametrize(
    ("case", "code"),
    [
        (flood_samarinda, "no_fault_victim"),
        (confirmed_hoax, "no_fault_victim"),
        (pdam_outage, "no_fault_accidental"),
        (good_news, "no_fault_opportunity"),
    ],
)
def test_penyesalan_is_skipped_with_a_reason_unless_preventable(case: Any, code: str) -> None:
    rec = recommend.recommend(case(), REGIONAL)
    regret = phase(rec, Phase.penyesalan)
    assert regret.skipped
    assert regret.skip_reason is not None
    assert regret.skip_reason.code == code
    assert regret.as_dict()["skip_reason"]["code"] == code
    assert not [t for t in rec.tasks if t.phase is Phase.penyesalan]


def test_penyesalan_is_live_when_preventable() -> None:
    rec = recommend.recommend(pungli_bansos(), REGIONAL)
    regret = phase(rec, Phase.penyesalan)
    assert not regret.skipped
    assert regret.skip_reason is None
    assert regret.as_dict() == {"name": "penyesalan", "skipped": False, "skip_reason": None}


def test_perbaiki_is_skipped_for_good_news_only() -> None:
    rec = recommend.recommend(good_news(), REGIONAL)
    repair = phase(rec, Phase.perbaiki)
    assert repair.skipped
    assert repair.skip_reason is not None
    assert repair.skip_reason.code == "nothing_to_correct"
    assert not [t for t in rec.tasks if t.phase in (Phase.penyesalan, Phase.perbaiki)]
    for case in (flood_samarinda, pungli_bansos, pdam_outage, confirmed_hoax):
        assert not phase(recommend.recommend(case(), REGIONAL), Phase.perbaiki).skipped, case.__name__


# --- tasks ----------------------------------------------------------------------------------------------


def test_flood_at_awas_tasks_go_to_bpbd_dinsos_and_each_regional_diskominfo() -> None:
    rec = recommend.recommend(flood_samarinda(), REGIONAL)
    assert rec.crisis_cluster is Cluster.victim
    assert owners(rec, "kenali.verify") == {"bpbd"}
    assert owners(rec, "respon.instruct_public") == {"bpbd"}
    assert owners(rec, "respon.shelter_logistics") == {"dinsos"}
    assert owners(rec, "respon.health_post") == {"dinkes"}
    assert owners(rec, "respon.regional_dissemination") == {
        "diskominfo-samarinda",
        "diskominfo-kutai-kartanegara",
    }
    assert owners(rec, "respon.holding_statement") == {"diskominfo"}
    assert owners(rec, "perbaiki.recovery") == {"bpbd"}
    # Balikpapan is in the mapping but not affected.
    assert "diskominfo-balikpapan" not in {t.agency for t in rec.tasks}


def test_flood_tasks_carry_their_template_deadline() -> None:
    rec = recommend.recommend(flood_samarinda(), REGIONAL)
    due = {t.template: t.due for t in rec.tasks}
    assert due["respon.holding_statement"] is Deadline.first_response
    assert due["respon.shelter_logistics"] is Deadline.plan_approval
    assert due["perbaiki.recovery"] is Deadline.correction


@pytest.mark.parametrize("case", ALL_CASES, ids=lambda c: c.__name__)
def test_no_task_in_a_skipped_phase_and_no_duplicate_pair(case: Any) -> None:
    rec = recommend.recommend(case(), REGIONAL)
    skipped = {p.name for p in rec.phases if p.skipped}
    assert not [t for t in rec.tasks if t.phase in skipped]
    pairs = Counter((t.template, t.agency) for t in rec.tasks)
    assert [pair for pair, n in pairs.items() if n > 1] == []
    assert rec.tasks, "every case gets at least one default task"


def test_duplicated_regions_and_agencies_still_give_one_task_per_pair() -> None:
    facts = flood_samarinda(agencies=("bpbd", "bpbd"), region_codes=("64.72", "64.72", "64.03"))
    rec = recommend.recommend(facts, REGIONAL)
    pairs = Counter((t.template, t.agency) for t in rec.tasks)
    assert max(pairs.values()) == 1
    assert [t.agency for t in rec.tasks if t.template == "respon.regional_dissemination"] == [
        "diskominfo-samarinda",
        "diskominfo-kutai-kartanegara",
    ]


@pytest.mark.parametrize("case", ALL_CASES, ids=lambda c: c.__name__)
def test_every_task_agency_is_resolved_from_its_role_or_a_known_code(case: Any) -> None:
    facts = case()
    rec = recommend.recommend(facts, REGIONAL)
    leads = set(recommend.lead_agencies(facts))
    regional = {REGIONAL[c] for c in facts.region_codes if c in REGIONAL}
    for task in rec.tasks:
        role = TEMPLATES[task.template].agency
        if role == "lead":
            assert task.agency in leads, task
        elif role == "regional_diskominfo":
            assert task.agency in regional, task
        else:
            assert task.agency == role, task
        assert task.agency in AGENCY_CODES, task


def test_lead_falls_back_to_the_topic_owners_when_no_agency_is_named() -> None:
    facts = pungli_samsat()
    assert recommend.lead_agencies(facts) == ["biro-organisasi", "diskominfo"]
    rec = recommend.recommend(facts, REGIONAL)
    assert owners(rec, "kenali.verify") == {"biro-organisasi", "diskominfo"}


def test_preventable_case_has_an_apology_and_an_inspektorat_review() -> None:
    rec = recommend.recommend(pungli_bansos(), REGIONAL)
    by_key = {t.template: t for t in rec.tasks}
    assert by_key["penyesalan.apology"].agency == "biro-adpim"
    assert by_key["penyesalan.apology"].phase is Phase.penyesalan
    assert by_key["perbaiki.internal_review"].agency == "inspektorat"
    assert by_key["perbaiki.internal_review"].phase is Phase.perbaiki
    assert owners(rec, "penyesalan.affected_contact") == {"dinsos"}
    assert owners(rec, "perbaiki.corrective_action") == {"dinsos"}


def test_accidental_case_has_no_apology_or_internal_review() -> None:
    rec = recommend.recommend(pdam_outage(), REGIONAL)
    assert not owners(rec, "penyesalan.apology")
    assert not owners(rec, "perbaiki.internal_review")
    assert owners(rec, "respon.explain_context") == {"dpupr-pera"}
    assert owners(rec, "perbaiki.corrective_action") == {"dpupr-pera"}


def test_confirmed_hoax_gets_a_clarification_and_a_trace() -> None:
    rec = recommend.recommend(confirmed_hoax(), REGIONAL)
    assert owners(rec, "respon.clarification") == {"diskominfo"}
    assert owners(rec, "kenali.trace_hoax") == {"diskominfo"}
    assert owners(rec, "respon.confirm_with_agency") == {"dinkes"}


def test_suspected_hoax_gets_no_clarification_yet() -> None:
    rec = recommend.recommend(suspected_hoax(), REGIONAL)
    assert not owners(rec, "respon.clarification")
    assert owners(rec, "kenali.trace_hoax") == {"diskominfo"}


def test_good_news_is_amplified_by_the_province_and_the_city() -> None:
    rec = recommend.recommend(good_news(), REGIONAL)
    assert rec.crisis_cluster is None
    assert rec.strategy == [Strategy.bolster]
    assert owners(rec, "respon.amplify") == {"diskominfo"}
    assert owners(rec, "respon.amplify_regional") == {"diskominfo-samarinda"}
    assert owners(rec, "kenali.collect_achievement") == {"biro-perekonomian"}
    assert not owners(rec, "kenali.verify")
    assert not owners(rec, "respon.holding_statement")


def test_min_level_drops_logistics_for_a_flood_at_waspada() -> None:
    at_awas = recommend.recommend(flood_samarinda(), REGIONAL)
    at_waspada = recommend.recommend(flood_samarinda(level=Level.waspada), REGIONAL)
    assert owners(at_awas, "respon.shelter_logistics") == {"dinsos"}
    assert not owners(at_waspada, "respon.shelter_logistics")
    assert not owners(at_waspada, "respon.health_post")
    assert not owners(at_waspada, "respon.coordination")
    assert "dinsos" not in {t.agency for t in at_waspada.tasks}
    # Waspada still reaches the regency and city channels.
    assert owners(at_waspada, "respon.regional_dissemination") == {
        "diskominfo-samarinda",
        "diskominfo-kutai-kartanegara",
    }


def test_flood_at_siaga_has_logistics_but_no_health_post() -> None:
    rec = recommend.recommend(flood_samarinda(level=Level.siaga), REGIONAL)
    assert owners(rec, "respon.shelter_logistics") == {"dinsos"}
    assert not owners(rec, "respon.health_post")


def test_province_wide_region_alone_gives_no_regional_diskominfo_task() -> None:
    rec = recommend.recommend(flood_samarinda(region_codes=("64",)), REGIONAL)
    assert not owners(rec, "respon.regional_dissemination")
    assert not {t.agency for t in rec.tasks} & set(REGIONAL.values())
    # The rest of the flood plan is still there.
    assert owners(rec, "respon.shelter_logistics") == {"dinsos"}


def test_provincial_diskominfo_code_can_be_renamed() -> None:
    facts = pdam_outage()
    cluster, _ = recommend.cluster_of(facts)
    strategy, _ = recommend.strategy_for(facts, cluster)
    tasks = recommend.tasks_for(
        facts, cluster, strategy, recommend.phases_for(cluster), REGIONAL, provincial_diskominfo="dkip"
    )
    assert {t.agency for t in tasks if t.template == "kenali.monitor"} == {"dkip"}
    assert "diskominfo" not in {t.agency for t in tasks}


# --- officer overrides ----------------------------------------------------------------------------------


def test_officer_sets_preventable_and_penyesalan_switches_on() -> None:
    facts = pdam_outage()
    assert phase(recommend.recommend(facts, REGIONAL), Phase.penyesalan).skipped
    why = "Audit Inspektorat: pipa transmisi tidak dirawat sesuai SOP sejak 2024"
    rec = recommend.recommend(facts, REGIONAL, cluster=Cluster.preventable, cluster_reason=why)
    assert rec.crisis_cluster is Cluster.preventable
    assert rec.rationale[0].code == "cluster_officer"
    assert why in rec.rationale[0].id
    assert why in rec.rationale[0].en
    assert "preventable" in rec.rationale[0].id
    assert rec.strategy == [Strategy.rebuild]
    assert not phase(rec, Phase.penyesalan).skipped
    assert owners(rec, "penyesalan.apology") == {"biro-adpim"}
    assert owners(rec, "perbaiki.internal_review") == {"inspektorat"}


def test_officer_strategy_replaces_the_recommendation() -> None:
    rec = recommend.recommend(
        pdam_outage(), REGIONAL, strategy=[Strategy.instructing_information, Strategy.diminish]
    )
    assert rec.strategy == [Strategy.instructing_information, Strategy.diminish]
    assert [r.code for r in rec.rationale] == ["cluster_accidental", "strategy_officer"]
    assert owners(rec, "respon.instruct_public") == {"dpupr-pera"}


# --- reasons --------------------------------------------------------------------------------------------


def test_every_reason_is_written_in_indonesian_and_english() -> None:
    recs = [recommend.recommend(case(), REGIONAL) for case in ALL_CASES]
    recs.append(recommend.recommend(pdam_outage(), REGIONAL, cluster=Cluster.victim, cluster_reason="Banjir"))
    reasons = [r for rec in recs for r in rec.rationale]
    reasons += [p.skip_reason for rec in recs for p in rec.phases if p.skip_reason is not None]
    codes = {r.code for r in reasons}
    # The cases between them reach every branch worth reading.
    assert {
        "cluster_victim",
        "cluster_victim_hoax",
        "cluster_preventable",
        "cluster_accidental",
        "cluster_officer",
        "opportunity",
        "instructing_first",
        "rebuild",
        "diminish",
        "deny",
        "deny_not_yet",
        "bolster",
        "no_fault_victim",
        "no_fault_accidental",
        "no_fault_opportunity",
        "nothing_to_correct",
    } <= codes
    for reason in reasons:
        assert reason.code.strip(), reason
        assert reason.id.strip(), reason
        assert reason.en.strip(), reason
        assert reason.id != reason.en, reason
        assert reason.as_dict() == {"code": reason.code, "id": reason.id, "en": reason.en}
