"""An issue's verdict from its mentions' verdicts, its life-cycle stage, and spikes. Pure: no database.

The issue keeps a :class:`Tally` (JSON in ``issue.tallies``) that each new mention's verdict is folded into,
so intake pays for one mention, not for the whole issue; merge and split fold the mentions again from the
start, through the same function, so both paths give the same answer.

Aggregation rules, documented for officers:
- impact: each of the five dimensions is the strongest any mention showed; the overall score likewise;
- urgency: the highest of the mentions', raised by one step (at most 4) while the issue spikes;
- level: ``LEVEL_MATRIX[urgency][impact]`` and never below the highest level of a mention (casualty floors);
- sentiment: the majority, with its share as the score; topic and regions by how many mentions carry
  them; agencies: the two named most, and any other named by at least a third of the mentions;
- hoax suspected when at least a third of the original mentions are flagged;
- signals: per signal name the heaviest weight and the union of the evidence.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from app.classification.scoring import LEVEL_MATRIX
from app.classification.taxonomy import LEVEL_ORDER, Level
from app.issues.models import Stage

DIMENSIONS = ("public_safety", "economic_loss", "public_trust", "threat_readiness", "inter_agency")
MAX_SIGNALS = 24
MAX_EVIDENCE = 6
HOAX_SHARE = 1 / 3

# Life cycle (see stage()).
DORMANT_AFTER = timedelta(hours=72)
EMERGING_MENTIONS = 3
CURRENT_MENTIONS = 10
CURRENT_SOURCES = 3
CURRENT_SPAN = timedelta(hours=12)
CRISIS_MENTIONS = 3

# Spikes: mentions in an hour against the issue's own mean per hour over the 24 hours before it.
SPIKE_MIN_MENTIONS = 5
SPIKE_RATIO = 3.0
BASELINE_HOURS = 24
SPIKE_HOLDS = timedelta(hours=6)

_SEVERITY = {Level.awas: "Extreme", Level.siaga: "Severe", Level.waspada: "Moderate", Level.normal: "Minor"}


def empty_tally() -> dict[str, Any]:
    return {
        "topics": {},
        "regions": {},
        "agencies": {},
        "languages": {},
        "sentiments": {"negative": 0, "neutral": 0, "positive": 0},
        "impact": dict.fromkeys(DIMENSIONS, 0),
        "impact_score": 1,
        "urgency": 1,
        "level_rank": 0,
        "originals": 0,
        "hoax": 0,
        "opportunity": 0,
        "signals": {},
        "strongest": None,
        "model_version": None,
    }


def _bump(counter: dict[str, int], keys: Sequence[str]) -> None:
    for key in keys:
        counter[key] = counter.get(key, 0) + 1


def fold(tally: dict[str, Any], verdict: Mapping[str, Any], *, original: bool) -> dict[str, Any]:
    """Add one mention's verdict (the JSON of a mention's classification) to ``tally``; returns it."""
    _bump(tally["topics"], [verdict["topic"]["label"]])
    _bump(tally["regions"], verdict["region_codes"])
    _bump(tally["agencies"], verdict["agencies"])
    _bump(tally["languages"], [verdict["language"]["code"]])
    tally["sentiments"][verdict["sentiment"]["label"]] += 1
    impact = verdict["impact"]
    for dim in DIMENSIONS:
        tally["impact"][dim] = max(tally["impact"][dim], impact[dim])
    tally["impact_score"] = max(tally["impact_score"], impact["score"])
    tally["urgency"] = max(tally["urgency"], verdict["urgency"])
    rank = Level(verdict["level"]).rank
    if tally["strongest"] is None or rank >= tally["strongest"]["rank"]:
        tally["strongest"] = {"rank": rank, "cap": verdict["cap"]}
    tally["level_rank"] = max(tally["level_rank"], rank)
    if original:
        tally["originals"] += 1
        tally["hoax"] += bool(verdict["hoax_suspected"])
    tally["opportunity"] += bool(verdict["opportunity"])
    signals: dict[str, Any] = tally["signals"]
    for signal in verdict["signals"]:
        known = signals.get(signal["name"])
        if known is None:
            signals[signal["name"]] = {
                "weight": signal["weight"],
                "evidence": signal["evidence"][:MAX_EVIDENCE],
            }
            continue
        known["weight"] = max(known["weight"], signal["weight"])
        merged = list(dict.fromkeys([*known["evidence"], *signal["evidence"]]))
        known["evidence"] = merged[:MAX_EVIDENCE]
    if len(signals) > MAX_SIGNALS:
        keep = sorted(signals.items(), key=lambda item: (-abs(item[1]["weight"]), item[0]))[:MAX_SIGNALS]
        tally["signals"] = dict(keep)
    tally["model_version"] = verdict["model_version"]
    return tally


def _ranked(counter: Mapping[str, int]) -> list[str]:
    return [key for key, _ in sorted(counter.items(), key=lambda item: (-item[1], item[0]))]


def _main(counter: Mapping[str, int], total: int, *, keep: int) -> list[str]:
    """The first ``keep`` by count, then those named by at least a third of the mentions: one article that
    mentions another office in passing does not make it responsible for the issue."""
    return [key for i, key in enumerate(_ranked(counter)) if i < keep or counter[key] * 3 >= total]


@dataclass(frozen=True, slots=True)
class IssueVerdict:
    """The issue's machine verdict: ``classification`` has the shape of a mention's classification."""

    classification: dict[str, Any]
    level: Level
    urgency: int
    topic: str
    region_codes: list[str]
    agencies: list[str]
    opportunity: bool
    hoax_suspected: bool


def verdict(tally: Mapping[str, Any], *, spiking: bool, mentions_last_hour: int) -> IssueVerdict:
    """The aggregated classification (see the module docstring for the rules)."""
    urgency = min(4, tally["urgency"] + (1 if spiking else 0))
    impact_score = tally["impact_score"]
    level = LEVEL_MATRIX[urgency - 1][impact_score - 1]
    floor = LEVEL_ORDER[tally["level_rank"]]
    level = max(level, floor, key=lambda value: value.rank)
    counts = tally["sentiments"]
    total = max(1, sum(counts.values()))
    sentiment = max(("negative", "positive", "neutral"), key=lambda label: counts[label])
    topics = _ranked(tally["topics"]) or ["lainnya"]
    topic_share = tally["topics"].get(topics[0], 0) / total
    originals = max(1, tally["originals"])
    hoax = tally["hoax"] / originals >= HOAX_SHARE and tally["hoax"] > 0
    opportunity = tally["opportunity"] > 0 and sentiment == "positive" and not hoax
    signals = [
        {"name": name, "weight": value["weight"], "evidence": value["evidence"]}
        for name, value in sorted(
            tally["signals"].items(), key=lambda item: (-abs(item[1]["weight"]), item[0])
        )
    ]
    if spiking:
        signals.insert(
            0,
            {"name": "spike", "weight": 1.0, "evidence": [f"{mentions_last_hour} mentions in the last hour"]},
        )
    cap = (
        dict(tally["strongest"]["cap"])
        if tally["strongest"]
        else {"category": "Other", "certainty": "Unknown"}
    )
    cap["severity"] = _SEVERITY[level]
    if level is Level.awas or urgency >= 3:
        cap["urgency"] = "Immediate"
    cap.setdefault("urgency", "Unknown")
    languages = _ranked(tally["languages"]) or ["id"]
    region_codes = _ranked(tally["regions"])
    agencies = _main(tally["agencies"], total, keep=2)
    classification = {
        "sentiment": {"label": sentiment, "score": round(counts[sentiment] / total, 3)},
        "topic": {"label": topics[0], "confidence": round(topic_share, 3)},
        "agencies": agencies,
        "region_codes": region_codes,
        "impact": {**tally["impact"], "score": impact_score},
        "urgency": urgency,
        "level": level.value,
        "cap": cap,
        "opportunity": opportunity,
        "hoax_suspected": hoax,
        "language": {"code": languages[0], "supported": languages[0] == "id"},
        "signals": signals,
        "model_version": tally["model_version"] or {"rules": "", "sentiment": "", "topic": ""},
    }
    return IssueVerdict(
        classification=classification,
        level=level,
        urgency=urgency,
        topic=topics[0],
        region_codes=region_codes,
        agencies=agencies,
        opportunity=opportunity,
        hoax_suspected=hoax,
    )


def is_spike(mentions_this_hour: int, previous_hours: Sequence[int]) -> bool:
    """A spike: at least :data:`SPIKE_MIN_MENTIONS` this hour and :data:`SPIKE_RATIO` times the mean per hour
    of the :data:`BASELINE_HOURS` before it (hours without mentions count as zero)."""
    baseline = sum(previous_hours) / BASELINE_HOURS
    return mentions_this_hour >= SPIKE_MIN_MENTIONS and mentions_this_hour >= SPIKE_RATIO * baseline


def spiking(spike_hour: datetime | None, now: datetime) -> bool:
    """A recorded spike keeps urgency raised for :data:`SPIKE_HOLDS`."""
    return spike_hour is not None and now - spike_hour < SPIKE_HOLDS + timedelta(hours=1)


def stage(
    *,
    level: Level,
    mention_count: int,
    source_count: int,
    first_seen_at: datetime,
    last_seen_at: datetime,
    now: datetime,
    spiking: bool,
) -> Stage:
    """Life-cycle stage:

    - ``dormant``: nothing new for :data:`DORMANT_AFTER` (a new mention flares it back);
    - ``crisis``: level Siaga or Awas, reported at least :data:`CRISIS_MENTIONS` times or spiking;
    - ``current``: established — :data:`CURRENT_MENTIONS` mentions from :data:`CURRENT_SOURCES` sources over
      at least :data:`CURRENT_SPAN`;
    - ``emerging``: :data:`EMERGING_MENTIONS` mentions from two sources, or a spike;
    - ``potential``: a first signal.
    """
    if now - last_seen_at >= DORMANT_AFTER:
        return Stage.dormant
    if level.rank >= Level.siaga.rank and (mention_count >= CRISIS_MENTIONS or spiking):
        return Stage.crisis
    if (
        mention_count >= CURRENT_MENTIONS
        and source_count >= CURRENT_SOURCES
        and last_seen_at - first_seen_at >= CURRENT_SPAN
    ):
        return Stage.current
    if spiking or (mention_count >= EMERGING_MENTIONS and source_count >= 2):
        return Stage.emerging
    return Stage.potential
