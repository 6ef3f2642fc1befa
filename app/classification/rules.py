"""The cold-start verdicts: keyword signals, topic and sentiment from the project's own word lists.

They answer until a trained model exists, and keep answering for whatever a model does not cover.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app.classification.lexicon import Hit, Keyword, longest, sentiment_words
from app.classification.taxonomy import Sentiment, Topic
from app.classification.text import NEG_PREFIX

# The headline is what readers see and what editors chose: its words count more.
TITLE_WEIGHT = 2.0
# A negated word counts against its polarity, weaker than the plain word ("tidak berhasil" is not "gagal").
NEGATED_FACTOR = -0.5
# Below this much keyword weight no topic is claimed.
MIN_TOPIC_SCORE = 1.5
# polarity = (positive - negative) / (positive + negative + damping): one weak word stays near neutral.
_DAMPING = 1.0
_POLARITY_THRESHOLD = 0.25
# A phrase counts at most this many times its weight: a long report that says "perbaikan" forty times is not
# forty times as positive, nor forty times as much about infrastructure.
PHRASE_REPEAT_CAP = 5.0


def _capped(total: float, weight: float) -> float:
    limit = abs(weight) * PHRASE_REPEAT_CAP
    return max(-limit, min(limit, total))


def signals(hits: Sequence[Hit[Keyword]]) -> dict[str, list[str]]:
    """Signal name -> the distinct phrases that matched it, in order of first appearance.

    Phrases of different signals may overlap ("apel siaga" is a warning, "siaga" alone is not), but within one
    signal the longest phrase wins, so "air pdam mati" is not also counted as "pdam mati".
    """
    found: dict[str, list[str]] = {}
    covered_until: dict[str, int] = {}
    for hit in hits:
        for name in hit.value.signals:
            if hit.start < covered_until.get(name, 0):
                continue
            covered_until[name] = hit.end
            phrases = found.setdefault(name, [])
            if hit.phrase not in phrases:
                phrases.append(hit.phrase)
    return found


_TOPIC_ORDER = {topic: index for index, topic in enumerate(Topic)}


@dataclass(frozen=True, slots=True)
class TopicScores:
    best: Topic
    confidence: float
    scores: dict[Topic, float]
    evidence: dict[Topic, list[str]]

    def ranked(self) -> list[tuple[Topic, float]]:
        return sorted(self.scores.items(), key=lambda item: (-item[1], _TOPIC_ORDER[item[0]]))


def topic(hits: Sequence[Hit[Keyword]], title_end: int) -> TopicScores:
    scores: dict[Topic, float] = {}
    evidence: dict[Topic, list[str]] = {}
    by_phrase: dict[tuple[Topic, str], float] = {}
    for hit in longest(hit for hit in hits if hit.value.topics):
        factor = TITLE_WEIGHT if hit.start < title_end else 1.0
        for label, weight in hit.value.topics:
            key = (label, hit.phrase)
            before = by_phrase.get(key, 0.0)
            by_phrase[key] = after = _capped(before + weight * factor, weight)
            scores[label] = scores.get(label, 0.0) + after - before
            words = evidence.setdefault(label, [])
            if hit.phrase not in words:
                words.append(hit.phrase)
    result = TopicScores(Topic.lainnya, 0.5, scores, evidence)
    ranked = result.ranked()
    if not ranked or ranked[0][1] < MIN_TOPIC_SCORE:
        return result
    best, top = ranked[0]
    # Share of the evidence, shrunk towards zero when there is little of it.
    confidence = top / (sum(scores.values()) + 2.0)
    return TopicScores(best, round(confidence, 3), scores, evidence)


@dataclass(frozen=True, slots=True)
class SentimentScore:
    label: Sentiment
    confidence: float
    polarity: float
    evidence: list[str]
    # The weight of positive words said outright: a harm denied ("tidak ada korban") is not good news itself.
    affirmed_positive: float = 0.0


def sentiment(
    hits: Sequence[Hit[Keyword]],
    tokens: Sequence[str],
    title_end: int,
    negated: Sequence[int] | None = None,
) -> SentimentScore:
    """Polarity of the lexicon phrases and of negated single words; ``negated`` (ascending positions of the
    ``NEG_`` tokens, from ``mark_negation``) spares a scan of every token."""
    positive = negative = 0.0
    contributions: dict[str, float] = {}
    covered: set[int] = set()
    for hit in longest(hit for hit in hits if hit.value.sentiment is not None):
        weight = hit.value.sentiment or 0.0
        value = weight * (TITLE_WEIGHT if hit.start < title_end else 1.0)
        contributions[hit.phrase] = _capped(contributions.get(hit.phrase, 0.0) + value, weight)
        covered.update(range(hit.start, hit.end))
    words = sentiment_words()
    if negated is None:
        negated = [position for position, token in enumerate(tokens) if token.startswith(NEG_PREFIX)]
    for position in negated:
        token = tokens[position]
        if position not in covered:
            base = token[len(NEG_PREFIX) :]
            word_weight = words.get(base)
            if word_weight is not None:
                flipped = word_weight * NEGATED_FACTOR
                value = flipped * (TITLE_WEIGHT if position < title_end else 1.0)
                contributions[token] = _capped(contributions.get(token, 0.0) + value, flipped)
    for value in contributions.values():
        if value > 0:
            positive += value
        else:
            negative -= value
    polarity = (positive - negative) / (positive + negative + _DAMPING)
    if polarity >= _POLARITY_THRESHOLD:
        label, confidence = Sentiment.positive, 0.5 + 0.5 * polarity
    elif polarity <= -_POLARITY_THRESHOLD:
        label, confidence = Sentiment.negative, 0.5 - 0.5 * polarity
    else:
        label, confidence = Sentiment.neutral, 0.6 - abs(polarity)
    strongest = sorted(contributions.items(), key=lambda item: (-abs(item[1]), item[0]))[:8]
    evidence = [f"{phrase} ({value:+.1f})" for phrase, value in strongest]
    affirmed = sum(v for phrase, v in contributions.items() if v > 0 and not phrase.startswith(NEG_PREFIX))
    return SentimentScore(label, round(confidence, 3), round(polarity, 3), evidence, round(affirmed, 3))
