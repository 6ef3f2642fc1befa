"""app.issues.aggregate: an issue's verdict folded from its mentions' verdicts, spikes and the life-cycle
stage. Pure: hand-built mention verdicts in the JSON shape of a mention's classification, no database."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from app.classification.schemas import Classification
from app.classification.scoring import LEVEL_MATRIX
from app.classification.taxonomy import Level
from app.issues import aggregate as agg
from app.issues.models import Stage

MODEL_VERSION = {"rules": "rules-2025.11", "sentiment": "rules", "topic": "rules"}


def mention_verdict(
    *,
    sentiment: str = "negative",
    topic: str = "bencana",
    agencies: Sequence[str] = ("bpbd",),
    regions: Sequence[str] = ("64.72",),
    impact: tuple[int, int, int, int, int] = (1, 0, 0, 1, 0),
    impact_score: int = 2,
    urgency: int = 2,
    level: str | None = None,
    cap: dict[str, str] | None = None,
    opportunity: bool = False,
    hoax: bool = False,
    language: str = "id",
    signals: Iterable[tuple[str, float, Sequence[str]]] = (),
    model_version: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A mention's classification as stored (JSON); the level defaults to the one of LEVEL_MATRIX."""
    matrix_level = LEVEL_MATRIX[urgency - 1][impact_score - 1]
    return {
        "sentiment": {"label": sentiment, "score": 0.8},
        "topic": {"label": topic, "confidence": 0.7},
        "agencies": list(agencies),
        "region_codes": list(regions),
        "impact": {**dict(zip(agg.DIMENSIONS, impact, strict=True)), "score": impact_score},
        "urgency": urgency,
        "level": level or matrix_level.value,
        "cap": cap
        or {"urgency": "Expected", "severity": "Moderate", "certainty": "Observed", "category": "Met"},
        "opportunity": opportunity,
        "hoax_suspected": hoax,
        "language": {"code": language, "supported": language == "id"},
        "signals": [{"name": n, "weight": w, "evidence": list(e)} for n, w, e in signals],
        "model_version": model_version or dict(MODEL_VERSION),
    }


def fold_all(verdicts: Iterable[dict[str, Any] | tuple[dict[str, Any], bool]]) -> dict[str, Any]:
    """Fold verdicts (or ``(verdict, original)`` pairs; plain verdicts are originals) into a fresh tally."""
    tally = agg.empty_tally()
    for item in verdicts:
        verdict, original = item if isinstance(item, tuple) else (item, True)
        tally = agg.fold(tally, verdict, original=original)
    return tally


def issue_verdict(
    verdicts: Iterable[dict[str, Any] | tuple[dict[str, Any], bool]],
    *,
    spiking: bool = False,
    mentions_last_hour: int = 1,
) -> agg.IssueVerdict:
    return agg.verdict(fold_all(verdicts), spiking=spiking, mentions_last_hour=mentions_last_hour)


def test_factory_builds_a_valid_mention_classification() -> None:
    Classification.model_validate(mention_verdict(signals=[("disaster", 1.0, ["banjir"])]))


# --- fold and verdict ------------------------------------------------------------------------------------


def test_one_mention_gives_its_own_verdict_back() -> None:
    mention = mention_verdict(
        sentiment="negative",
        topic="bencana",
        agencies=["bpbd", "dinsos"],
        regions=["64.72"],
        impact=(2, 1, 0, 2, 1),
        impact_score=3,
        urgency=3,
        cap={"urgency": "Immediate", "severity": "Severe", "certainty": "Observed", "category": "Met"},
        signals=[("disaster", 1.0, ["banjir", "terendam"]), ("evacuation", 1.0, ["mengungsi"])],
    )
    result = issue_verdict([mention])
    assert result.level is Level.siaga
    assert result.urgency == 3
    assert result.topic == "bencana"
    assert result.region_codes == ["64.72"]
    assert result.agencies == ["bpbd", "dinsos"]
    classification = result.classification
    assert classification["impact"] == mention["impact"]
    assert classification["cap"] == mention["cap"]
    assert classification["sentiment"] == {"label": "negative", "score": 1.0}
    assert classification["topic"] == {"label": "bencana", "confidence": 1.0}
    assert classification["signals"] == mention["signals"]
    assert classification["model_version"] == MODEL_VERSION


def test_impact_is_the_strongest_per_dimension() -> None:
    # A flood report (safety), a report on ruined stalls (economy), a complaint about the Pemkot (trust).
    result = issue_verdict(
        [
            mention_verdict(impact=(2, 0, 0, 2, 0), impact_score=3),
            mention_verdict(impact=(1, 3, 0, 1, 0), impact_score=3),
            mention_verdict(impact=(0, 0, 2, 0, 1), impact_score=2),
        ]
    )
    assert result.classification["impact"] == {
        "public_safety": 2,
        "economic_loss": 3,
        "public_trust": 2,
        "threat_readiness": 2,
        "inter_agency": 1,
        "score": 3,
    }


def test_impact_score_is_the_strongest_of_the_mentions() -> None:
    result = issue_verdict(
        [mention_verdict(impact_score=1), mention_verdict(impact_score=4), mention_verdict()]
    )
    assert result.classification["impact"]["score"] == 4


def test_urgency_is_the_highest_of_the_mentions() -> None:
    result = issue_verdict(
        [mention_verdict(urgency=1), mention_verdict(urgency=3), mention_verdict(urgency=2)]
    )
    assert result.urgency == 3
    assert result.classification["urgency"] == 3


@pytest.mark.parametrize("urgency", [1, 2, 3, 4])
@pytest.mark.parametrize("impact_score", [1, 2, 3, 4])
def test_level_is_read_from_the_level_matrix(urgency: int, impact_score: int) -> None:
    result = issue_verdict([mention_verdict(urgency=urgency, impact_score=impact_score)])
    assert result.level is LEVEL_MATRIX[urgency - 1][impact_score - 1]
    assert result.classification["level"] == result.level.value


def test_level_combines_urgency_and_impact_of_different_mentions() -> None:
    # A fast, mild post (urgency 3, impact 2: waspada) and a slow, serious article (urgency 1, impact 3:
    # waspada) make an issue with urgency 3 and impact 3: siaga.
    fast = mention_verdict(urgency=3, impact_score=2)
    serious = mention_verdict(urgency=1, impact_score=3)
    assert fast["level"] == serious["level"] == "waspada"
    result = issue_verdict([fast, serious])
    assert result.level is LEVEL_MATRIX[2][2] is Level.siaga


def test_level_is_never_below_the_highest_mention_level() -> None:
    # Casualties floor one mention at siaga though its urgency/impact alone read waspada.
    casualties = mention_verdict(urgency=2, impact_score=2, level="siaga")
    calm = mention_verdict(urgency=1, impact_score=1)
    result = issue_verdict([calm, casualties, calm])
    assert LEVEL_MATRIX[1][1] is Level.waspada
    assert result.level is Level.siaga
    assert result.classification["cap"]["severity"] == "Severe"


@pytest.mark.parametrize(
    ("urgency", "expected"),
    [(1, 2), (2, 3), (3, 4), (4, 4)],
)
def test_spike_raises_urgency_by_one_step_capped_at_four(urgency: int, expected: int) -> None:
    mention = mention_verdict(urgency=urgency, impact_score=2)
    calm = issue_verdict([mention], spiking=False)
    spiking = issue_verdict([mention], spiking=True, mentions_last_hour=9)
    assert calm.urgency == urgency
    assert spiking.urgency == expected
    assert spiking.level is max(
        LEVEL_MATRIX[expected - 1][1], Level(mention["level"]), key=lambda level: level.rank
    )


def test_spike_adds_a_spike_signal_first() -> None:
    mention = mention_verdict(signals=[("disaster", 2.0, ["banjir"])])
    result = issue_verdict([mention], spiking=True, mentions_last_hour=14)
    signals = result.classification["signals"]
    assert signals[0] == {"name": "spike", "weight": 1.0, "evidence": ["14 mentions in the last hour"]}
    assert [s["name"] for s in signals] == ["spike", "disaster"]
    assert not [s for s in issue_verdict([mention]).classification["signals"] if s["name"] == "spike"]


def test_spike_to_urgency_three_makes_cap_urgency_immediate() -> None:
    mention = mention_verdict(
        urgency=2,
        cap={"urgency": "Expected", "severity": "Moderate", "certainty": "Likely", "category": "Env"},
    )
    assert issue_verdict([mention]).classification["cap"]["urgency"] == "Expected"
    assert issue_verdict([mention], spiking=True, mentions_last_hour=6).classification["cap"]["urgency"] == (
        "Immediate"
    )


def test_cap_comes_from_the_strongest_mention_with_the_issue_severity() -> None:
    weak = mention_verdict(
        urgency=1,
        impact_score=1,
        cap={"urgency": "Unknown", "severity": "Minor", "certainty": "Likely", "category": "Other"},
    )
    strong = mention_verdict(
        urgency=2,
        impact_score=4,
        cap={"urgency": "Expected", "severity": "Severe", "certainty": "Observed", "category": "Env"},
    )
    result = issue_verdict([weak, strong, weak])
    assert result.level is Level.siaga
    assert result.classification["cap"] == {
        "urgency": "Expected",
        "severity": "Severe",
        "certainty": "Observed",
        "category": "Env",
    }


def test_sentiment_is_the_majority_with_its_share() -> None:
    sentiments = ["negative", "negative", "neutral", "negative", "positive"]
    result = issue_verdict([mention_verdict(sentiment=label) for label in sentiments])
    assert result.classification["sentiment"] == {"label": "negative", "score": 0.6}


def test_positive_majority() -> None:
    sentiments = ["positive", "positive", "neutral"]
    result = issue_verdict([mention_verdict(sentiment=label) for label in sentiments])
    assert result.classification["sentiment"] == {"label": "positive", "score": 0.667}


def test_topic_regions_and_agencies_ranked_by_mentions() -> None:
    result = issue_verdict(
        [
            mention_verdict(topic="lingkungan", agencies=["dlh"], regions=["64.71"]),
            mention_verdict(topic="lingkungan", agencies=["dlh", "esdm"], regions=["64.71", "64.09"]),
            mention_verdict(topic="energi", agencies=["esdm"], regions=["64.09"]),
            mention_verdict(topic="lingkungan", agencies=["dlh"], regions=["64.71"]),
        ]
    )
    assert result.topic == "lingkungan"
    assert result.classification["topic"] == {"label": "lingkungan", "confidence": 0.75}
    assert result.region_codes == ["64.71", "64.09"]
    assert result.agencies == ["dlh", "esdm"]


def test_hoax_suspected_when_a_third_of_the_originals_are_flagged() -> None:
    flagged, real = mention_verdict(hoax=True), mention_verdict(hoax=False)
    assert issue_verdict([flagged, real, real]).hoax_suspected is True
    assert issue_verdict([flagged, real, real, real]).hoax_suspected is False
    assert issue_verdict([flagged]).hoax_suspected is True
    assert issue_verdict([real, real]).hoax_suspected is False


def test_near_duplicate_hoax_copies_do_not_count() -> None:
    # One chain message forwarded five times (near-duplicates) against three real reports: 1 of 4 originals.
    flagged, real = mention_verdict(hoax=True), mention_verdict(hoax=False)
    result = issue_verdict([flagged, *[(flagged, False)] * 5, real, real, real])
    assert result.hoax_suspected is False
    assert result.classification["hoax_suspected"] is False


def test_near_duplicates_do_not_dilute_the_hoax_share() -> None:
    # One chain message and two real reports, each real report syndicated four times.
    flagged, real = mention_verdict(hoax=True), mention_verdict(hoax=False)
    result = issue_verdict([flagged, real, *[(real, False)] * 4, real, *[(real, False)] * 4])
    assert result.hoax_suspected is True


def test_opportunity_only_for_positive_non_hoax() -> None:
    good_news = mention_verdict(sentiment="positive", opportunity=True, topic="ekonomi")
    praise = mention_verdict(sentiment="positive", topic="ekonomi")
    complaint = mention_verdict(sentiment="negative", topic="ekonomi")
    assert issue_verdict([good_news, praise]).opportunity is True
    assert issue_verdict([good_news, praise]).classification["opportunity"] is True
    assert issue_verdict([praise, praise]).opportunity is False
    assert issue_verdict([good_news, complaint, complaint]).opportunity is False
    hoax_good_news = mention_verdict(sentiment="positive", opportunity=True, hoax=True)
    result = issue_verdict([hoax_good_news, praise])
    assert result.hoax_suspected is True
    assert result.opportunity is False


def test_signals_merged_by_name_with_max_weight_and_evidence_union() -> None:
    result = issue_verdict(
        [
            mention_verdict(signals=[("disaster", 1.0, ["banjir"]), ("evacuation", 1.0, ["mengungsi"])]),
            mention_verdict(signals=[("disaster", 2.0, ["banjir", "terendam"])]),
            mention_verdict(signals=[("sentiment", -2.5, ["keluh"]), ("disaster", 1.5, ["luap"])]),
        ]
    )
    signals = result.classification["signals"]
    by_name = {s["name"]: s for s in signals}
    assert by_name["disaster"] == {
        "name": "disaster",
        "weight": 2.0,
        "evidence": ["banjir", "terendam", "luap"],
    }
    assert by_name["evacuation"]["weight"] == 1.0
    # Heaviest first, by absolute weight.
    assert [s["name"] for s in signals] == ["sentiment", "disaster", "evacuation"]


def test_signal_evidence_is_capped() -> None:
    places = ["sempaja", "bengkuring", "temindung", "lempake", "sungai pinang", "air hitam", "palaran", "skm"]
    tally = fold_all(mention_verdict(signals=[("places", 1.0, [place])]) for place in places)
    evidence = tally["signals"]["places"]["evidence"]
    assert evidence == places[: agg.MAX_EVIDENCE]
    one_long = fold_all([mention_verdict(signals=[("places", 1.0, places)])])
    assert len(one_long["signals"]["places"]["evidence"]) == agg.MAX_EVIDENCE


def test_signals_are_capped_keeping_the_heaviest() -> None:
    signals = [(f"signal_{i:02d}", float(i), [f"bukti {i}"]) for i in range(agg.MAX_SIGNALS + 6)]
    result = issue_verdict([mention_verdict(signals=signals[:15]), mention_verdict(signals=signals[15:])])
    names = [s["name"] for s in result.classification["signals"]]
    assert len(names) == agg.MAX_SIGNALS
    assert "signal_00" not in names
    assert names[0] == f"signal_{agg.MAX_SIGNALS + 5:02d}"


def test_language_is_the_most_common() -> None:
    result = issue_verdict([mention_verdict(language="en"), mention_verdict(), mention_verdict()])
    assert result.classification["language"] == {"code": "id", "supported": True}
    english = issue_verdict([mention_verdict(language="en")])
    assert english.classification["language"] == {"code": "en", "supported": False}


def test_model_version_of_the_latest_mention() -> None:
    newer = {"rules": "rules-2025.12", "sentiment": "nb-3", "topic": "nb-3"}
    result = issue_verdict([mention_verdict(), mention_verdict(model_version=newer)])
    assert result.classification["model_version"] == newer


@pytest.mark.parametrize("spiking", [False, True])
def test_classification_validates_as_a_mention_classification(spiking: bool) -> None:
    result = issue_verdict(
        [
            mention_verdict(
                sentiment="negative",
                topic="lingkungan",
                agencies=["dlh"],
                regions=["64.71"],
                impact=(1, 2, 1, 2, 1),
                impact_score=3,
                urgency=3,
                cap={
                    "urgency": "Immediate",
                    "severity": "Severe",
                    "certainty": "Observed",
                    "category": "Env",
                },
                signals=[("pollution", 1.0, ["tumpahan minyak", "ikan mati"])],
            ),
            (mention_verdict(sentiment="neutral", topic="lingkungan", regions=["64.71", "64.09"]), False),
            mention_verdict(sentiment="negative", hoax=True, language="en"),
        ],
        spiking=spiking,
        mentions_last_hour=11,
    )
    parsed = Classification.model_validate(result.classification)
    assert parsed.level is result.level
    assert parsed.urgency == result.urgency
    # And the tally and the verdict survive the JSON column they are stored in.
    assert Classification.model_validate(json.loads(json.dumps(result.classification))) == parsed


def test_verdict_of_an_empty_tally_is_valid() -> None:
    result = agg.verdict(agg.empty_tally(), spiking=False, mentions_last_hour=0)
    Classification.model_validate(result.classification)
    assert result.level is Level.normal
    assert result.topic == "lainnya"
    assert result.hoax_suspected is False


def test_tally_round_trips_through_json_between_mentions() -> None:
    # The tally lives in a JSON column: folding into a reloaded tally must give the same verdict.
    first = mention_verdict(signals=[("disaster", 1.0, ["banjir"])], urgency=3, impact_score=2)
    second = mention_verdict(sentiment="neutral", signals=[("disaster", 2.0, ["terendam"])], impact_score=3)
    direct = fold_all([first, second])
    reloaded = agg.fold(json.loads(json.dumps(fold_all([first]))), second, original=True)
    assert reloaded == direct
    assert agg.verdict(reloaded, spiking=False, mentions_last_hour=2) == agg.verdict(
        direct, spiking=False, mentions_last_hour=2
    )


def test_fold_does_not_change_the_mention_verdict() -> None:
    mention = mention_verdict(signals=[("disaster", 1.0, ["banjir"])])
    before = copy.deepcopy(mention)
    tally = fold_all([mention, mention_verdict(signals=[("disaster", 2.0, ["luap"])])])
    agg.verdict(tally, spiking=True, mentions_last_hour=5)
    assert mention == before


# --- spikes ----------------------------------------------------------------------------------------------


def test_five_mentions_after_a_quiet_day_is_a_spike() -> None:
    assert agg.is_spike(5, [0] * agg.BASELINE_HOURS) is True
    assert agg.is_spike(5, []) is True
    assert agg.is_spike(5, [1, 0, 0, 1] + [0] * 20) is True


def test_six_against_a_steady_four_an_hour_is_no_spike() -> None:
    assert agg.is_spike(6, [4] * agg.BASELINE_HOURS) is False


def test_three_times_the_baseline_is_a_spike() -> None:
    assert agg.is_spike(12, [4] * agg.BASELINE_HOURS) is True
    assert agg.is_spike(11, [4] * agg.BASELINE_HOURS) is False


@pytest.mark.parametrize("count", range(agg.SPIKE_MIN_MENTIONS))
def test_below_the_minimum_never_a_spike(count: int) -> None:
    assert agg.is_spike(count, [0] * agg.BASELINE_HOURS) is False
    assert agg.is_spike(count, []) is False


def test_hours_without_mentions_count_as_zero() -> None:
    # Only the hours with mentions are passed: 24 over one hour is 1/hour over the day, not 24/hour.
    assert agg.is_spike(5, [24]) is True
    assert agg.is_spike(5, [24] + [0] * 23) is True


NOW = datetime(2025, 11, 28, 9, 0, tzinfo=UTC)


def test_spike_holds_for_six_hours_after_its_hour() -> None:
    spike_hour = datetime(2025, 11, 28, 3, 0, tzinfo=UTC)
    assert agg.spiking(spike_hour, spike_hour + timedelta(minutes=30)) is True
    assert agg.spiking(spike_hour, spike_hour + agg.SPIKE_HOLDS + timedelta(minutes=59)) is True
    assert agg.spiking(spike_hour, spike_hour + agg.SPIKE_HOLDS + timedelta(hours=1)) is False
    assert agg.spiking(None, NOW) is False


# --- life-cycle stage ------------------------------------------------------------------------------------


def _stage(
    *,
    level: Level = Level.waspada,
    mentions: int = 1,
    sources: int = 1,
    span: timedelta = timedelta(0),
    silence: timedelta = timedelta(0),
    spiking: bool = False,
) -> Stage:
    last_seen = NOW - silence
    return agg.stage(
        level=level,
        mention_count=mentions,
        source_count=sources,
        first_seen_at=last_seen - span,
        last_seen_at=last_seen,
        now=NOW,
        spiking=spiking,
    )


def test_first_signal_is_potential() -> None:
    assert _stage() is Stage.potential


def test_dormant_after_three_days_of_silence() -> None:
    assert _stage(silence=agg.DORMANT_AFTER) is Stage.dormant
    assert _stage(silence=agg.DORMANT_AFTER - timedelta(seconds=1)) is Stage.potential


def test_dormant_wins_even_over_crisis() -> None:
    kwargs: dict[str, Any] = {"level": Level.awas, "mentions": 40, "sources": 12, "span": timedelta(days=2)}
    assert _stage(**kwargs) is Stage.crisis
    assert _stage(**kwargs, silence=timedelta(hours=72)) is Stage.dormant
    assert _stage(**kwargs, silence=timedelta(hours=71, minutes=59)) is Stage.crisis


@pytest.mark.parametrize("level", [Level.siaga, Level.awas])
def test_crisis_for_siaga_or_awas_reported_three_times(level: Level) -> None:
    assert _stage(level=level, mentions=agg.CRISIS_MENTIONS) is Stage.crisis
    assert _stage(level=level, mentions=agg.CRISIS_MENTIONS - 1) is Stage.potential


@pytest.mark.parametrize("level", [Level.siaga, Level.awas])
def test_crisis_for_siaga_or_awas_spiking(level: Level) -> None:
    assert _stage(level=level, mentions=1, spiking=True) is Stage.crisis


@pytest.mark.parametrize("level", [Level.normal, Level.waspada])
def test_no_crisis_below_siaga(level: Level) -> None:
    assert (
        _stage(level=level, mentions=50, sources=10, span=timedelta(hours=1), spiking=True) is Stage.emerging
    )
    assert _stage(level=level, mentions=50, sources=10, span=timedelta(hours=20)) is Stage.current


def test_current_needs_mentions_sources_and_span() -> None:
    mentions, sources, span = agg.CURRENT_MENTIONS, agg.CURRENT_SOURCES, agg.CURRENT_SPAN
    assert _stage(mentions=mentions, sources=sources, span=span) is Stage.current
    assert _stage(mentions=mentions - 1, sources=sources, span=span) is Stage.emerging
    assert _stage(mentions=mentions, sources=sources - 1, span=span) is Stage.emerging
    assert _stage(mentions=mentions, sources=sources, span=span - timedelta(minutes=1)) is Stage.emerging


def test_current_issue_at_siaga_with_three_mentions_is_crisis() -> None:
    assert _stage(level=Level.siaga, mentions=30, sources=8, span=timedelta(days=1)) is Stage.crisis


def test_emerging_needs_three_mentions_from_two_sources() -> None:
    assert _stage(mentions=agg.EMERGING_MENTIONS, sources=2) is Stage.emerging
    assert _stage(mentions=agg.EMERGING_MENTIONS - 1, sources=2) is Stage.potential
    # Many copies from a single outlet are still only a first signal.
    assert _stage(mentions=9, sources=1) is Stage.potential


def test_spike_makes_an_issue_emerging() -> None:
    assert _stage(mentions=1, sources=1, spiking=True) is Stage.emerging
