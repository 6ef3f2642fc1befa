"""From matched signals to the five impact dimensions, urgency, the crisis level and the CAP 1.2 profile.

Pure rules over the evidence the engine collected; every rule that fires adds a :class:`Signal` so an officer
can read why a mention is Siaga.

The level is read from this urgency x impact matrix (``LEVEL_MATRIX``), then raised to at least Siaga when
people are dead, injured or missing, or when an emergency status (``tanggap darurat``) has been declared
(unless the mention is a suspected hoax, whose claims are unverified):

| urgency \\ impact | 1 minor | 2 moderate | 3 significant | 4 severe |
| --- | --- | --- | --- | --- |
| **1 slow** | Normal | Normal | Waspada | Siaga |
| **2 days** | Normal | Waspada | Waspada | Siaga |
| **3 hours** | Waspada | Waspada | Siaga | Awas |
| **4 now** | Waspada | Siaga | Awas | Awas |

CAP 1.2 mapping: severity Awas -> Extreme, Siaga -> Severe, Waspada -> Moderate, Normal -> Minor; urgency
Immediate for Awas or urgency >= 3, Past for a recovery report with nothing ongoing, Expected for warnings and
urgency 2, Unknown for a Normal mention without threat; certainty Unlikely for a hoax already denied, Possible
for an unverified chain message, Likely for a warning or a social-media report, Observed for news reports;
category by topic (bencana -> Fire, Met or Geo; kesehatan -> Health; lingkungan -> Env; transportasi ->
Transport; infrastruktur -> Infra; keamanan -> Security; others -> Other).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.classification.schemas import (
    CapCategory,
    CapCertainty,
    CapProfile,
    CapSeverity,
    CapUrgency,
    Impact,
    OfficialAlert,
    Signal,
)
from app.classification.taxonomy import LEVEL_ORDER, Level, Sentiment, Topic

N, W, S, A = Level.normal, Level.waspada, Level.siaga, Level.awas
# LEVEL_MATRIX[urgency - 1][impact - 1]; the docstring above is the same table for the README.
LEVEL_MATRIX: tuple[tuple[Level, Level, Level, Level], ...] = (
    (N, N, W, S),
    (N, W, W, S),
    (W, W, S, A),
    (W, S, A, A),
)

NEWS_SOURCES = frozenset({"online_news", "print", "tv", "radio", "bmkg_cap", "internal"})
SOCIAL_SOURCES = frozenset({"x", "facebook", "instagram", "tiktok", "youtube"})
# How much the outlet alone says about reach: a news site or broadcast is seen by many, one post may not be.
SOURCE_REACH = {"online_news": 0.25, "tv": 0.25, "bmkg_cap": 0.25, "print": 0.25, "radio": 0.25}

# Events that threaten people where they happen: a flood, an outbreak, a riot, a spill, a crash, a crocodile.
EVENTS = ("disaster", "outbreak", "unrest", "pollution", "accident", "wildlife")
# Signals that describe harm happening (not a warning, not a claim being denied).
THREATS = frozenset({*EVENTS, "casualties", "missing", "evacuation"})
HARM_TO_PEOPLE = frozenset({"casualties", "missing"})


@dataclass(frozen=True, slots=True)
class Evidence:
    """What the rules read: matched keyword signals and the engine's other verdicts."""

    signals: Mapping[str, Sequence[str]]  # signal name -> distinct phrases matched
    sentiment: Sentiment
    topic: Topic
    agencies: Sequence[str]
    region_codes: Sequence[str]
    source_type: str
    metrics: Mapping[str, int]
    published_at: datetime | None
    now: datetime
    hoax_suspected: bool

    def has(self, *names: str) -> bool:
        return not self.signals.keys().isdisjoint(names)

    def count(self, name: str) -> int:
        return len(self.signals.get(name, ()))

    @property
    def harm_to_people(self) -> bool:
        """Dead, injured or missing people reported as fact (a hoax's claims are not facts)."""
        return not self.hoax_suspected and self.has(*HARM_TO_PEOPLE)

    @property
    def emergency_declared(self) -> bool:
        """An emergency status set by the authorities, reported as fact."""
        return not self.hoax_suspected and self.has("emergency_declared")


def _clamp(value: int, low: int = 0, high: int = 3) -> int:
    return max(low, min(high, value))


def impact_score(dims: Sequence[int]) -> int:
    """Overall impact 1-4 from the five dimensions (public safety first, in the order of :class:`Impact`)."""
    safety, _, _, readiness, _ = dims
    top, total = max(dims), sum(dims)
    if safety == 3 and (readiness == 3 or total >= 9):
        return 4
    if top == 3 or total >= 6:
        return 3
    if top == 2 or total >= 2:
        return 2
    return 1


def impact(evidence: Evidence) -> tuple[Impact, list[Signal]]:
    e = evidence
    # A suspected hoax threatens trust and calm, not (yet) lives or property: its claimed harm is discounted.
    claimed = e.hoax_suspected

    if e.harm_to_people:
        safety = 3
    elif not claimed and (e.has("evacuation", "violence") or (e.has("outbreak") and e.has("ongoing"))):
        safety = 2
    elif e.has(*EVENTS):
        safety = 1
    else:
        safety = 0
    if e.has("no_casualties") and not e.has(*HARM_TO_PEOPLE):
        safety = _clamp(safety - 1)

    economic = 0
    if e.has("price_shock"):
        economic = 3 if e.count("price_shock") >= 4 or e.has("ongoing") else 2
    if e.has("damage"):
        economic = max(economic, 2 if e.count("damage") >= 2 or e.has("closure") else 1)
    if e.has("closure"):
        economic += 1
    if e.has("disaster") and e.has("affected", "damage"):
        economic = max(economic, 1) + (1 if e.count("affected") >= 2 else 0)
    if claimed:
        economic = min(economic, 1)
    economic = _clamp(economic)

    trust = 0
    if e.has("corruption"):
        trust = 3 if e.count("corruption") >= 3 else 2
    if e.has("service_failure"):
        trust = max(trust, 2 if e.count("service_failure") >= 3 else 1)
    if e.hoax_suspected:
        trust = max(trust, 2 if e.has(*THREATS) else 1)
    if e.sentiment is Sentiment.negative and e.has("government") and trust:
        trust += 1
    elif e.sentiment is Sentiment.negative and e.has("government"):
        trust = 1
    trust = _clamp(trust)

    readiness = 0
    if e.has(*EVENTS):
        readiness = 1
        if e.has("ongoing"):
            readiness += 1
        if e.has("evacuation", "violence") or e.harm_to_people:
            readiness += 1
    elif e.has("warning"):
        readiness = 1
    if e.hoax_suspected:
        # Panic from a chain message needs the same readiness as a small real threat.
        readiness = max(1, min(readiness, 2))
    readiness = _clamp(readiness)

    kabupaten = [code for code in e.region_codes if code != "64"]
    coordination = 0
    if len(e.agencies) >= 2:
        coordination += 1
    if len(e.agencies) >= 3:
        coordination += 1
    if len(kabupaten) >= 2:
        coordination += 1
    if not e.hoax_suspected and e.has("evacuation"):
        coordination += 1
    coordination = _clamp(coordination)

    dims = (safety, economic, trust, readiness, coordination)
    score = impact_score(dims)
    result = Impact(
        public_safety=safety,
        economic_loss=economic,
        public_trust=trust,
        threat_readiness=readiness,
        inter_agency=coordination,
        score=score,
    )
    names = ("public_safety", "economic_loss", "public_trust", "threat_readiness", "inter_agency")
    evidence_text = [f"{name}={value}" for name, value in zip(names, dims, strict=True) if value]
    return result, [Signal(name="impact", weight=float(score), evidence=evidence_text)]


def _speed(e: Evidence) -> tuple[float, list[str]]:
    """How fast harm unfolds, from the event signals."""
    if e.harm_to_people:
        points, why = 2.5, ["casualties or missing people"]
    elif not e.hoax_suspected and e.has("evacuation"):
        points, why = 2.0, ["evacuation"]
    elif not e.hoax_suspected and e.has("violence"):
        points, why = 2.0, ["violence"]
    elif e.hoax_suspected:
        # A chain message spreads until it is denied; once officially denied it mostly needs amplifying.
        points, why = (1.0, ["hoax already denied"]) if e.has("hoax_denied") else (1.5, ["hoax spreading"])
    elif e.has("disaster", "outbreak", "unrest", "accident", "wildlife") or e.emergency_declared:
        points, why = 1.5, ["active threat"]
    elif e.has("corruption"):
        # Arrests and suspects are a breaking trust crisis, not a slow-burning complaint.
        points, why = 1.5, ["corruption case"]
    elif e.has("price_shock", "service_failure", "pollution", "damage"):
        points, why = 1.0, ["harm to services, prices or trust"]
    elif e.has("warning"):
        points, why = 0.75, ["warning"]
    else:
        return 0.0, []
    if e.has("ongoing") and e.has(*THREATS, "price_shock", "service_failure"):
        points += 0.75
        why.append("ongoing")
    if e.has("recovery") and not e.has("ongoing"):
        points -= 1.5
        why.append("recovering")
    return points, why


def _reach(e: Evidence) -> tuple[float, list[str]]:
    audience = max(e.metrics.get("reach", 0), e.metrics.get("views", 0))
    shares = e.metrics.get("shares", 0)
    points = 0.0
    why: list[str] = []
    if audience >= 100_000:
        points += 0.75
    elif audience >= 10_000:
        points += 0.5
    if audience >= 10_000:
        why.append(f"reach={audience}")
    if shares >= 1_000:
        points += 0.5
        why.append(f"shares={shares} (viral)")
    elif shares >= 100:
        points += 0.25
        why.append(f"shares={shares}")
    return min(points, 1.0), why


def _recency(e: Evidence) -> tuple[float, list[str]]:
    if e.published_at is None or e.published_at.tzinfo is None:
        return 0.0, []
    age = e.now - e.published_at
    hours = age.total_seconds() / 3600
    if age <= timedelta(hours=6):
        points = 0.25
    elif age <= timedelta(hours=24):
        points = 0.0
    elif age <= timedelta(days=3):
        points = -0.25
    elif age <= timedelta(days=7):
        points = -0.5
    else:
        points = -1.0
    return points, [f"published {hours:.0f} h ago"]


def urgency(evidence: Evidence) -> tuple[int, list[Signal]]:
    """1 (can wait) to 4 (act now): speed of harm + reach and virality + source + recency."""
    signals: list[Signal] = []
    total = 0.0
    speed, why = _speed(evidence)
    reach, reach_why = _reach(evidence)
    source = SOURCE_REACH.get(evidence.source_type, 0.0)
    recency, recency_why = _recency(evidence)
    for name, points, reasons in (
        ("speed", speed, why),
        ("reach", reach, reach_why),
        ("source", source, [f"source_type={evidence.source_type}"]),
        ("recency", recency, recency_why),
    ):
        if points:
            signals.append(Signal(name=name, weight=points, evidence=reasons))
            total += points
    # Reach only makes a story urgent when there is something to be urgent about.
    if speed <= 0:
        total = min(total, 1.0)
    level = 1 if total < 1.5 else 2 if total < 2.75 else 3 if total < 4.0 else 4
    return level, signals


def level(urgency_score: int, impact: Impact, evidence: Evidence) -> tuple[Level, list[Signal]]:
    from_matrix = LEVEL_MATRIX[urgency_score - 1][impact.score - 1]
    reason = [f"urgency={urgency_score}", f"impact={impact.score}", from_matrix.value]
    signals = [Signal(name="matrix", weight=float(from_matrix.rank), evidence=reason)]
    if from_matrix.rank < Level.siaga.rank:
        if evidence.harm_to_people:
            floor = "casualty_floor"
        elif evidence.emergency_declared:
            floor = "emergency_floor"
        else:
            return from_matrix, signals
        signals.append(Signal(name=floor, weight=float(Level.siaga.rank), evidence=["at least siaga"]))
        return Level.siaga, signals
    return from_matrix, signals


_SEVERITY: dict[Level, CapSeverity] = {N: "Minor", W: "Moderate", S: "Severe", A: "Extreme"}
_CATEGORY: dict[Topic, CapCategory] = {
    Topic.kesehatan: "Health",
    Topic.lingkungan: "Env",
    Topic.transportasi: "Transport",
    Topic.infrastruktur: "Infra",
    Topic.keamanan: "Security",
}


def cap(level_: Level, urgency_score: int, evidence: Evidence) -> CapProfile:
    e = evidence
    severity = _SEVERITY[level_]

    cap_urgency: CapUrgency
    if level_ is Level.awas or urgency_score >= 3:
        cap_urgency = "Immediate"
    elif e.has("recovery") and not e.has("ongoing"):
        cap_urgency = "Past"
    elif e.has("warning") or urgency_score == 2:
        cap_urgency = "Expected"
    elif level_ is Level.normal and not e.has(*THREATS):
        cap_urgency = "Unknown"
    else:
        cap_urgency = "Future"

    certainty: CapCertainty
    if e.hoax_suspected:
        certainty = "Unlikely" if e.has("hoax_denied") else "Possible"
    elif e.has("warning") and not e.has(*THREATS):
        certainty = "Likely"
    elif e.source_type in NEWS_SOURCES:
        certainty = "Observed"
    else:
        certainty = "Likely"

    category: CapCategory
    if e.topic is Topic.bencana:
        category = "Fire" if e.has("fire") and not e.has("weather") else "Met" if e.has("weather") else "Geo"
    else:
        category = _CATEGORY.get(e.topic, "Other")
    return CapProfile(urgency=cap_urgency, severity=severity, certainty=certainty, category=category)


# An official warning's severity sets the least level the verdict may have (when the agency is sure enough).
_OFFICIAL_FLOOR: dict[str, Level] = {"Extreme": A, "Severe": S, "Moderate": W, "Minor": N}
_OFFICIAL_URGENCY = {"Immediate": 4, "Expected": 3, "Future": 2}


def official_floor(alert: OfficialAlert, urgency_score: int, current: Level) -> tuple[int, Level, Signal]:
    """Raise urgency and level to what the issuing agency declared. Observed or Likely count in full; Possible
    one level less; Unlikely or Unknown not at all. Never lowers the verdict."""
    floor = _OFFICIAL_FLOOR.get(alert.severity, N)
    if alert.certainty == "Possible":
        floor = LEVEL_ORDER[max(floor.rank - 1, 0)]
    elif alert.certainty not in ("Observed", "Likely"):
        floor = N
    raised_urgency = max(urgency_score, _OFFICIAL_URGENCY.get(alert.urgency, 1))
    level = floor if floor.rank > current.rank else current
    evidence = [
        alert.event or "peringatan resmi",
        f"severity={alert.severity}",
        f"urgency={alert.urgency}",
        f"certainty={alert.certainty}",
    ] + ([f"from {alert.sender}"] if alert.sender else [])
    return raised_urgency, level, Signal(name="official_warning", weight=float(floor.rank), evidence=evidence)


def official_cap(alert: OfficialAlert | None, computed: CapProfile) -> CapProfile:
    """An official warning keeps the issuing agency's own urgency, severity and certainty."""
    if alert is None:
        return computed
    return CapProfile(
        urgency=alert.urgency, severity=alert.severity, certainty=alert.certainty, category=computed.category
    )
