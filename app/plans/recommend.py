"""Which response an issue calls for: crisis cluster, strategy, phases and default tasks. Pure: no database.

Coombs' Situational Crisis Communication Theory, as the Diskominfo team applies it:
- the **cluster** says how much the public will hold the government responsible: ``victim`` (disasters,
  violence by others, hoaxes aimed at the government), ``accidental`` (technical failures and service
  breakdowns nobody intended), ``preventable`` (misconduct, negligence, corruption);
- the **strategy** follows the cluster: ``rebuild`` (apology and corrective action) when the government is at
  fault, ``diminish`` (explain, give context) for accidents, ``deny`` only for a hoax confirmed with evidence,
  ``bolster`` for good news; and whenever public safety is touched ``instructing_information`` (what people
  must do, where to get help) comes first, before anything is said about responsibility;
- the phases follow the article's cycle *kenali → respon → penyesalan → perbaiki*; *penyesalan* (regret) is
  skipped, with the reason written out, when the government is not at fault.

Every choice carries a reason in Bahasa Indonesia and English, so an officer can see why and overrule it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from typing import Any

from app.classification.taxonomy import TOPICS, Level, Topic
from app.datafiles import load_json
from app.plans.sla import Deadline


class Cluster(StrEnum):
    victim = "victim"
    accidental = "accidental"
    preventable = "preventable"


class Strategy(StrEnum):
    instructing_information = "instructing_information"
    deny = "deny"
    diminish = "diminish"
    rebuild = "rebuild"
    bolster = "bolster"


class Phase(StrEnum):
    kenali = "kenali"
    respon = "respon"
    penyesalan = "penyesalan"
    perbaiki = "perbaiki"


PHASES = tuple(Phase)

# Signals of the classifier (app/classification/data/signals.json) that point to a cluster.
FAULT_SIGNALS = frozenset({"corruption"})
VICTIM_SIGNALS = frozenset({"disaster", "fire", "weather", "outbreak", "unrest", "violence"})
ACCIDENT_SIGNALS = frozenset({"service_failure", "damage", "closure", "pollution", "price_shock"})
CRISIS_SIGNALS = FAULT_SIGNALS | VICTIM_SIGNALS | ACCIDENT_SIGNALS | {"casualties", "missing", "evacuation"}
NATURAL_TOPICS = frozenset({Topic.bencana})


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    id: str
    en: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "id": self.id, "en": self.en}


@dataclass(frozen=True, slots=True)
class IssueFacts:
    """What the recommendation reads of an issue."""

    topic: str
    level: Level
    impact: Mapping[str, int]
    signals: Mapping[str, Sequence[str]]  # signal name -> evidence
    hoax_status: str  # none, suspected, confirmed, clarified
    hoax_evidence: Sequence[str]
    hoax_suspected: bool
    opportunity: bool
    agencies: Sequence[str]  # the issue's responsible agencies, most named first
    region_codes: Sequence[str]
    text: str = ""  # title and summary, for words of fault the signals do not cover


@dataclass(frozen=True, slots=True)
class TaskDraft:
    template: str
    phase: Phase
    title: str
    title_en: str
    agency: str
    due: Deadline


@dataclass(frozen=True, slots=True)
class PhaseDraft:
    name: Phase
    skipped: bool = False
    skip_reason: Reason | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name.value,
            "skipped": self.skipped,
            "skip_reason": self.skip_reason.as_dict() if self.skip_reason else None,
        }


@dataclass(frozen=True, slots=True)
class Recommendation:
    crisis_cluster: Cluster | None
    strategy: list[Strategy]
    rationale: list[Reason]
    phases: list[PhaseDraft]
    tasks: list[TaskDraft] = field(default_factory=list)


class StrategyRefused(ValueError):
    """An officer asked for a strategy the facts do not allow (``deny`` without a confirmed hoax)."""


@dataclass(frozen=True, slots=True)
class TaskTemplate:
    key: str
    phase: Phase
    agency: str
    due: Deadline
    title_id: str
    title_en: str
    when: Mapping[str, Any]


@cache
def templates() -> tuple[tuple[TaskTemplate, ...], tuple[str, ...]]:
    data = load_json("app.plans", "task_templates.json")
    tasks = tuple(
        TaskTemplate(
            key=t["key"],
            phase=Phase(t["phase"]),
            agency=t["agency"],
            due=Deadline(t["due"]),
            title_id=t["title_id"],
            title_en=t["title_en"],
            when=t.get("when", {}),
        )
        for t in data["tasks"]
    )
    return tasks, tuple(data["fault_terms"])


def _found(terms: Sequence[str], text: str) -> list[str]:
    lowered = text.lower()
    return [t for t in terms if re.search(rf"\b{re.escape(t)}\b", lowered)]


def is_crisis(facts: IssueFacts) -> bool:
    return bool(CRISIS_SIGNALS & facts.signals.keys()) or is_hoax(facts)


def is_hoax(facts: IssueFacts) -> bool:
    """Confirmed, or suspected by officers or by the classifier."""
    return facts.hoax_status in ("suspected", "confirmed") or facts.hoax_suspected


_HOAX_REASON = Reason(
    "cluster_victim_hoax",
    "Isu berupa informasi yang diduga atau terbukti hoaks dan menyasar pemerintah: klaster korban (victim). "
    "Bila tuduhan di dalamnya ternyata benar, ubah klaster menjadi preventable.",
    "The issue is suspected or confirmed misinformation aimed at the government: victim cluster. If an "
    "allegation in it proves true, change the cluster to preventable.",
)


def cluster_of(facts: IssueFacts) -> tuple[Cluster | None, Reason]:
    """The suggested cluster and why. None: no crisis at all (good news with reach)."""
    if is_hoax(facts):
        # A hoax that accuses officials is still a hoax: the government is its target. While it is only
        # suspected, nobody apologises for an unverified allegation; if it proves true, an officer changes
        # the cluster to preventable.
        return Cluster.victim, _HOAX_REASON
    fault = [*_evidence(facts, FAULT_SIGNALS), *_found(templates()[1], facts.text)]
    if facts.opportunity and not is_crisis(facts) and not fault:
        return None, Reason(
            "opportunity",
            "Kabar baik dengan jangkauan luas, bukan krisis: peluang untuk diamplifikasi.",
            "Good news with wide reach, not a crisis: an opportunity to amplify.",
        )
    if fault:
        words = ", ".join(dict.fromkeys(fault))
        return Cluster.preventable, Reason(
            "cluster_preventable",
            f"Ada tanda kesalahan atau pelanggaran oleh aparat pemerintah ({words}): klaster dapat dicegah "
            "(preventable); publik akan menuntut tanggung jawab.",
            f"There are signs of fault or misconduct by government officials ({words}): preventable cluster; "
            "the public will hold the government responsible.",
        )
    natural = _evidence(facts, VICTIM_SIGNALS)
    if facts.topic in NATURAL_TOPICS or natural:
        words = ", ".join(natural[:4]) or TOPICS[Topic(facts.topic)].name_id.lower()
        return Cluster.victim, Reason(
            "cluster_victim",
            f"Peristiwa di luar kendali pemerintah ({words}): klaster korban (victim); pemerintah dinilai "
            "tidak bersalah, tetapi harus sigap melindungi warga.",
            f"An event outside the government's control ({words}): victim cluster; the government is not "
            "held at fault but must act fast to protect people.",
        )
    accident = _evidence(facts, ACCIDENT_SIGNALS)
    if accident:
        words = ", ".join(accident[:4])
        return Cluster.accidental, Reason(
            "cluster_accidental",
            f"Gangguan teknis atau layanan yang tidak disengaja ({words}): klaster kecelakaan (accidental).",
            f"An unintended technical or service failure ({words}): accidental cluster.",
        )
    return Cluster.accidental, Reason(
        "cluster_default",
        "Belum ada tanda kesalahan aparat maupun penyebab dari luar: diperlakukan sebagai klaster kecelakaan "
        "(accidental) sampai fakta lebih jelas. Ubah bila fakta berkata lain.",
        "No sign yet of official fault or of an outside cause: treated as accidental until the facts are "
        "clearer. Change it if they say otherwise.",
    )


def _evidence(facts: IssueFacts, names: frozenset[str]) -> list[str]:
    return [word for name in sorted(names & facts.signals.keys()) for word in facts.signals[name] or [name]]


def hoax_confirmed(facts: IssueFacts) -> bool:
    return facts.hoax_status == "confirmed" and bool(facts.hoax_evidence)


def strategy_for(
    facts: IssueFacts, cluster: Cluster | None, requested: Sequence[Strategy] | None = None
) -> tuple[list[Strategy], list[Reason]]:
    """The strategies in the order they are used, with reasons. ``requested`` is an officer's choice, checked
    against the facts (``deny`` needs a hoax confirmed with evidence)."""
    if requested:
        picked = list(dict.fromkeys(requested))
        if Strategy.deny in picked and not hoax_confirmed(facts):
            raise StrategyRefused(
                "deny is only for a hoax confirmed with evidence: set the issue's hoax_status to confirmed "
                "with hoax_evidence first."
            )
        told = [
            Reason(
                "strategy_officer",
                "Strategi dipilih oleh petugas: " + ", ".join(picked) + ".",
                "Strategy chosen by the officer: " + ", ".join(picked) + ".",
            )
        ]
        if facts.impact.get("public_safety", 0) >= 1 and cluster is not None:
            # Whatever else is said, people first learn what to do to stay safe.
            picked = [
                Strategy.instructing_information,
                *(s for s in picked if s is not Strategy.instructing_information),
            ]
            told.append(_instructing_reason(facts.impact["public_safety"]))
        return picked, told
    chosen: list[Strategy] = []
    reasons: list[Reason] = []
    safety = facts.impact.get("public_safety", 0)
    if safety >= 1 and cluster is not None:
        chosen.append(Strategy.instructing_information)
        reasons.append(_instructing_reason(safety))
    if cluster is None:
        chosen.append(Strategy.bolster)
        reasons.append(
            Reason(
                "bolster",
                "Bolster: tonjolkan capaian dan kerja baik pemerintah bersama warga.",
                "Bolster: highlight the government's achievements and good work with the community.",
            )
        )
    elif cluster is Cluster.preventable:
        chosen.append(Strategy.rebuild)
        reasons.append(
            Reason(
                "rebuild",
                "Rebuild: akui kesalahan, minta maaf secara terbuka, dan umumkan tindakan perbaikan; "
                "menyangkal atau mengecilkan hanya memperparah hilangnya kepercayaan.",
                "Rebuild: admit the fault, apologise openly and announce the corrective action; denying or "
                "playing it down would only deepen the loss of trust.",
            )
        )
    elif cluster is Cluster.accidental:
        chosen.append(Strategy.diminish)
        reasons.append(
            Reason(
                "diminish",
                "Diminish: jelaskan penyebab dan konteksnya, bahwa kejadian tidak disengaja, dan kapan "
                "layanan "
                "pulih.",
                "Diminish: explain the cause and context, that it was not intended, and when service "
                "returns.",
            )
        )
    elif is_hoax(facts):
        if hoax_confirmed(facts):
            chosen.append(Strategy.deny)
            reasons.append(
                Reason(
                    "deny",
                    "Deny: hoaks telah dikonfirmasi dengan bukti ("
                    + ", ".join(facts.hoax_evidence[:3])
                    + "); bantah dengan klarifikasi resmi yang menyertakan bukti.",
                    "Deny: the hoax is confirmed with evidence ("
                    + ", ".join(facts.hoax_evidence[:3])
                    + "); refute it with an official clarification citing the evidence.",
                )
            )
        else:
            chosen.append(Strategy.diminish)
            reasons.append(
                Reason(
                    "deny_not_yet",
                    "Hoaks belum dikonfirmasi: jangan membantah dulu. Sampaikan apa yang sudah diketahui "
                    "sambil "
                    "memverifikasi; setelah status hoaks dikonfirmasi dengan bukti, strategi menjadi deny.",
                    "The hoax is not confirmed: do not deny yet. Say what is known while verifying; once the "
                    "hoax status is confirmed with evidence, the strategy becomes deny.",
                )
            )
    elif not chosen:
        chosen.append(Strategy.instructing_information)
        reasons.append(
            Reason(
                "victim_instructing",
                "Klaster korban: informasi instruktif dan ungkapan kepedulian sudah cukup.",
                "Victim cluster: instructing information and expressions of concern are enough.",
            )
        )
    return chosen, reasons


def _instructing_reason(safety: int) -> Reason:
    return Reason(
        "instructing_first",
        f"Keselamatan publik terdampak (skor {safety}/3): informasi instruktif lebih dulu — apa yang harus "
        "dilakukan warga dan ke mana mencari bantuan — sebelum membahas tanggung jawab.",
        f"Public safety is touched (score {safety}/3): instructing information first — what people must do "
        "and where to get help — before anything about responsibility.",
    )


def phases_for(cluster: Cluster | None) -> list[PhaseDraft]:
    phases = [PhaseDraft(Phase.kenali), PhaseDraft(Phase.respon)]
    if cluster is Cluster.preventable:
        phases.append(PhaseDraft(Phase.penyesalan))
    else:
        phases.append(PhaseDraft(Phase.penyesalan, skipped=True, skip_reason=_no_fault_reason(cluster)))
    if cluster is None:
        phases.append(
            PhaseDraft(
                Phase.perbaiki,
                skipped=True,
                skip_reason=Reason(
                    "nothing_to_correct",
                    "Kabar baik: tidak ada kesalahan yang perlu diperbaiki.",
                    "Good news: there is no mistake to correct.",
                ),
            )
        )
    else:
        phases.append(PhaseDraft(Phase.perbaiki))
    return phases


def _no_fault_reason(cluster: Cluster | None) -> Reason:
    if cluster is Cluster.victim:
        return Reason(
            "no_fault_victim",
            "Pemerintah bukan pihak yang bersalah (klaster korban): permintaan maaf tidak tepat; tunjukkan "
            "kepedulian melalui informasi instruktif dan bantuan.",
            "The government is not at fault (victim cluster): an apology does not fit; show concern through "
            "instructing information and help.",
        )
    if cluster is Cluster.accidental:
        return Reason(
            "no_fault_accidental",
            "Belum ada indikasi kelalaian pemerintah (klaster kecelakaan). Bila kemudian terbukti lalai, "
            "ubah "
            "klaster menjadi preventable dan fase ini diaktifkan.",
            "No sign of government negligence (accidental cluster). If negligence comes to light, change the "
            "cluster to preventable and this phase is switched on.",
        )
    return Reason(
        "no_fault_opportunity",
        "Kabar baik: tidak ada kesalahan yang perlu disesali.",
        "Good news: there is nothing to regret.",
    )


def _applies(
    template: TaskTemplate, facts: IssueFacts, cluster: Cluster | None, strategy: Sequence[str]
) -> bool:
    when = template.when
    if "clusters" in when and (cluster.value if cluster else None) not in when["clusters"]:
        return False
    if "topics" in when and facts.topic not in when["topics"]:
        return False
    if "min_level" in when and facts.level.rank < Level(when["min_level"]).rank:
        return False
    if "strategy" in when and not set(when["strategy"]) & set(strategy):
        return False
    if "hoax" in when and when["hoax"] != is_hoax(facts):
        return False
    return not ("opportunity" in when and when["opportunity"] != (cluster is None))


def lead_agencies(facts: IssueFacts) -> list[str]:
    """The OPD responsible for the issue: those named by its mentions, else the topic's owners."""
    return list(dict.fromkeys(facts.agencies)) or list(TOPICS[Topic(facts.topic)].agencies)


def tasks_for(
    facts: IssueFacts,
    cluster: Cluster | None,
    strategy: Sequence[str],
    phases: Sequence[PhaseDraft],
    regional_diskominfo: Mapping[str, str],
    *,
    provincial_diskominfo: str = "diskominfo",
) -> list[TaskDraft]:
    """Default tasks from the templates, one per owning agency; none for skipped phases."""
    live = {p.name for p in phases if not p.skipped}
    regional = [regional_diskominfo[c] for c in facts.region_codes if c in regional_diskominfo]
    drafts: list[TaskDraft] = []
    seen: set[tuple[str, str]] = set()
    for template in templates()[0]:
        if template.phase not in live or not _applies(template, facts, cluster, strategy):
            continue
        if template.agency == "lead":
            owners = lead_agencies(facts)
        elif template.agency == "regional_diskominfo":
            owners = regional
        elif template.agency == "diskominfo":
            owners = [provincial_diskominfo]
        else:
            owners = [template.agency]
        for agency in owners:
            if (template.key, agency) in seen:
                continue
            seen.add((template.key, agency))
            drafts.append(
                TaskDraft(
                    template.key, template.phase, template.title_id, template.title_en, agency, template.due
                )
            )
    return drafts


def recommend(
    facts: IssueFacts,
    regional_diskominfo: Mapping[str, str],
    *,
    cluster: Cluster | None = None,
    cluster_reason: str | None = None,
    strategy: Sequence[Strategy] | None = None,
) -> Recommendation:
    """The whole recommendation. ``cluster``/``strategy`` are an officer's overrides (with a reason)."""
    if cluster is None and cluster_reason is None:
        chosen_cluster, why = cluster_of(facts)
    else:
        chosen_cluster = cluster
        why = Reason(
            "cluster_officer",
            f"Klaster ditetapkan petugas: {cluster}. Alasan: {cluster_reason or '-'}",
            f"Cluster set by an officer: {cluster}. Reason: {cluster_reason or '-'}",
        )
    chosen, reasons = strategy_for(facts, chosen_cluster, strategy)
    phases = phases_for(chosen_cluster)
    tasks = tasks_for(facts, chosen_cluster, chosen, phases, regional_diskominfo)
    return Recommendation(chosen_cluster, chosen, [why, *reasons], phases, tasks)
