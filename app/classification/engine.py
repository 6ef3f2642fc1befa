"""``classify``: a mention in; every verdict Sigap keeps about it out, each with the signals behind it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from app.classification import language, rules, scoring
from app.classification.compiled import predictions
from app.classification.learn import MAX_MODEL_CHARS, TrainedModel, tokens_of
from app.classification.lexicon import Hit, Keyword, keyword_index, signal_weights
from app.classification.regions import region_codes, region_index
from app.classification.schemas import (
    Classification,
    Document,
    Language,
    ModelVersion,
    SentimentVerdict,
    Signal,
    TextModel,
    TopicVerdict,
)
from app.classification.taxonomy import TOPICS, Level, Sentiment, Topic
from app.classification.text import NEG_PREFIX, mark_negation, tokenize_clauses

RULES_VERSION = "rules-2026.11.1"
# Long documents are analysed on a prefix: the lead and first paragraphs carry the story, and the cost of a
# mention must not grow with a 100 KB paste.
MAX_ANALYSED_CHARS = 20_000
# A second topic this close to the first brings its agencies along ("banjir" and "jalan rusak").
SECOND_TOPIC_SHARE = 0.6
SECOND_TOPIC_MIN = 3.0
# Responders a signal calls in whatever the topic: evacuations need shelters, hoaxes a clarification.
SIGNAL_AGENCIES = {"evacuation": ("bpbd", "dinsos"), "missing": ("bpbd",), "hoax": ("diskominfo",)}
# Low, honest confidence when the text is not Indonesian: the lexicons cannot read it.
UNSUPPORTED_CONFIDENCE = 0.2
# Positive news worth amplifying needs an audience, and positive words of its own: one "aman" or "cepat" in a
# report of a barge hitting a bridge does not make it good news.
OPPORTUNITY_REACH = 1_000
# The lexicon weight of positive words said outright when the rules read the sentiment; when a trained model
# reads it, the model must find "positive" more likely than not.
OPPORTUNITY_MIN_POSITIVE = 1.5
OPPORTUNITY_MIN_MODEL_SCORE = 0.5
# Never good news to amplify: people harmed or displaced, accidents, fires, clashes.
NOT_GOOD_NEWS = frozenset(
    {"casualties", "missing", "evacuation", "accident", "fire", "violence", "unrest", "wildlife"}
)
# Harm to things or trust: good news only when the story is about an award or a recovery ("perbaikan jalan
# amblas rampung", "penanaman mangrove" against abrasion). Left out: prices (a cheap market, "pasar murah
# diserbu warga", is good news told in a price story's words) and health (stunting falling, a campaign against
# dengue: a report of an outbreak growing reads negative anyway).
NEEDS_GOOD_FRAMING = frozenset(
    {"disaster", "pollution", "corruption", "service_failure", "damage", "closure"}
)
GOOD_FRAMING = frozenset({"positive", "recovery"})


def _bounded(doc: Document) -> tuple[str, str, list[Signal]]:
    title = (doc.title or "")[:MAX_ANALYSED_CHARS]
    text = doc.text or ""
    room = MAX_ANALYSED_CHARS - len(title)
    if len(text) <= room:
        return title, text, []
    # Cut at a space so the last analysed word is a whole one.
    cut = text.rfind(" ", 0, room)
    body = text[: cut if cut > room // 2 else room]
    analysed = f"analysed {len(title) + len(body)} of {len(title) + len(text)} characters"
    return title, body, [Signal(name="bounded_prefix", weight=0.0, evidence=[analysed])]


def _model_answers(
    reading: _Reading, models: Sequence[tuple[str, TextModel, type[Sentiment] | type[Topic]]]
) -> dict[str, tuple[str, float, Signal] | None]:
    """Per task the model's label with the signal that records it, or None for a label outside our taxonomy.

    Trained models read the words the engine already normalised, all of them in one compiled pass; any other
    model that reads tokens gets them, and the rest the text.
    """
    tokens = reading.model_tokens if reading.model_tokens is not None else tokens_of(reading.model_text)
    trained = tuple(model for _, model, _ in models if isinstance(model, TrainedModel))
    compiled = dict(zip(map(id, trained), predictions(trained, tokens), strict=True)) if trained else {}
    out: dict[str, tuple[str, float, Signal] | None] = {}
    for task, model, allowed in models:
        answer = compiled.get(id(model))
        if answer is None:
            predict_tokens = getattr(model, "predict_tokens", None)
            answer = predict_tokens(tokens) if predict_tokens else model.predict([reading.model_text])[0]
        label, probability = answer
        if label not in allowed.__members__:
            out[task] = None
            continue
        why = [f"{model.version}: {label}"]
        out[task] = (
            label,
            probability,
            Signal(name=f"{task}_model", weight=round(probability, 3), evidence=why),
        )
    return out


def _services(hits: Sequence[Hit[Keyword]]) -> dict[str, list[str]]:
    """Agency -> the phrases naming a public service it owns; the agency named most first, ties as named."""
    count: dict[str, int] = {}
    phrases: dict[str, list[str]] = {}
    for hit in hits:
        for agency in hit.value.services:
            count[agency] = count.get(agency, 0) + 1
            named = phrases.setdefault(agency, [])
            if hit.phrase not in named:
                named.append(hit.phrase)
    order = sorted(count, key=lambda agency: -count[agency])  # stable: ties keep first-named order
    return {agency: phrases[agency] for agency in order}


def _agencies(
    topic: Topic,
    ranked: Sequence[tuple[Topic, float]],
    found: dict[str, list[str]],
    services: dict[str, list[str]],
) -> tuple[list[str], bool]:
    """The responsible agencies, and whether the public services named chose some of them."""
    topics = [topic]
    if len(ranked) >= 2 and ranked[0][0] is topic:
        second, score = ranked[1]
        if score >= SECOND_TOPIC_MIN and score >= SECOND_TOPIC_SHARE * ranked[0][1]:
            topics.append(second)
    agencies: list[str] = []
    by_service = False
    for each in topics:
        # A public-service complaint goes to whoever runs the service it names (PDAM water to public works,
        # e-KTP to population administration); the topic's own agencies answer only when it names none.
        if each is Topic.pelayanan_publik and services:
            agencies.extend(services)
            by_service = True
        else:
            agencies.extend(TOPICS[each].agencies)
    for name, extra in SIGNAL_AGENCIES.items():
        if name in found:
            agencies.extend(extra)
    return list(dict.fromkeys(agencies)), by_service


# Only an official warning feed may declare its own severity; any other source is read like news.
OFFICIAL_SOURCE = "bmkg_cap"


def classify(
    doc: Document,
    *,
    now: datetime | None = None,
    sentiment_model: TextModel | None = None,
    topic_model: TextModel | None = None,
) -> Classification:
    """Classify one mention. Deterministic for the same document, ``now`` and models."""
    return classify_many([doc], now=now, sentiment_model=sentiment_model, topic_model=topic_model)[0]


@dataclass(slots=True)
class _Reading:
    """What the text analysis found in one document, before any model is asked."""

    doc: Document
    title: str
    body: str
    out: list[Signal]
    tokens: list[str]
    words: list[str]  # the tokens without negation marks: what a model and the gazetteer read
    negated: list[int]
    title_end: int
    code: str
    supported: bool
    model_text: str
    model_tokens: tuple[str, ...] | None


def _read(doc: Document) -> _Reading:
    title, body, out = _bounded(doc)
    title_words = tokenize_clauses(title)
    body_words = tokenize_clauses(body)
    negated: list[int] = []
    tokens = mark_negation(title_words, negated=negated)
    title_end = len(tokens)
    body_negated: list[int] = []
    tokens += mark_negation(body_words, negated=body_negated)
    negated += [title_end + position for position in body_negated]
    negated.sort()
    # mark_negation only drops clause ends and prefixes NEG_ (no word starts with it), so the plain words are
    # the tokens with the few marked ones unprefixed. The words a trained model reads (learn.tokens_of) are
    # these: normalising once serves the rules and both models.
    words = list(tokens)
    for position in negated:
        words[position] = words[position][len(NEG_PREFIX) :]

    code, supported, language_evidence = language.detect(tokens)
    if not supported:
        out.append(
            Signal(name="language_unsupported", weight=0.0, evidence=[f"language={code}", language_evidence])
        )
    model_text = f"{title}\n{body}".strip()
    # Longer texts are cut by the model at its own bound.
    model_tokens = tuple(words) if len(model_text) <= MAX_MODEL_CHARS else None
    return _Reading(
        doc, title, body, out, tokens, words, negated, title_end, code, supported, model_text, model_tokens
    )


def classify_many(
    docs: Sequence[Document],
    *,
    now: datetime | None = None,
    sentiment_model: TextModel | None = None,
    topic_model: TextModel | None = None,
) -> list[Classification]:
    """Classify mentions: the same verdicts as :func:`classify` one by one (each text is read alone)."""
    now = now or datetime.now(UTC)
    if now.tzinfo is None:
        # Sigap keeps UTC everywhere; a naive "now" from a caller means UTC, not the server's zone.
        now = now.replace(tzinfo=UTC)
    models = [
        (task, model, allowed)
        for task, model, allowed in (("topic", topic_model, Topic), ("sentiment", sentiment_model, Sentiment))
        if model is not None
    ]
    verdicts = []
    for doc in docs:
        reading = _read(doc)
        answers = _model_answers(reading, models) if models and reading.supported else {}
        verdicts.append(
            _verdict(
                reading,
                now,
                sentiment_model,
                topic_model,
                answers.get("sentiment"),
                answers.get("topic"),
            )
        )
    return verdicts


def _verdict(
    reading: _Reading,
    now: datetime,
    sentiment_model: TextModel | None,
    topic_model: TextModel | None,
    sentiment_answer: tuple[str, float, Signal] | None,
    topic_answer: tuple[str, float, Signal] | None,
) -> Classification:
    doc, out, tokens, title_end = reading.doc, reading.out, reading.tokens, reading.title_end
    supported = reading.supported
    hits = keyword_index().find(tokens, overlapping=True)
    found = rules.signals(hits)
    weights = signal_weights()
    for name, phrases in found.items():
        out.append(Signal(name=name, weight=weights[name] * min(len(phrases), 3), evidence=phrases[:6]))
    hoax = "hoax" in found
    versions = {"sentiment": RULES_VERSION, "topic": RULES_VERSION}

    topic_scores = rules.topic(hits, title_end)
    topic, topic_confidence = topic_scores.best, topic_scores.confidence
    if topic is not Topic.lainnya:
        weight = round(topic_scores.scores[topic], 2)
        out.append(
            Signal(name=f"topic:{topic.value}", weight=weight, evidence=topic_scores.evidence[topic][:6])
        )
    if topic_model is not None and topic_answer is not None:
        topic, topic_confidence, signal = Topic(topic_answer[0]), topic_answer[1], topic_answer[2]
        versions["topic"] = topic_model.version
        out.append(signal)

    rule_sentiment = rules.sentiment(hits, tokens, title_end, reading.negated)
    sentiment, sentiment_score = rule_sentiment.label, rule_sentiment.confidence
    if rule_sentiment.evidence:
        out.append(Signal(name="sentiment", weight=rule_sentiment.polarity, evidence=rule_sentiment.evidence))
    clearly_positive = rule_sentiment.affirmed_positive >= OPPORTUNITY_MIN_POSITIVE
    if sentiment_model is not None and sentiment_answer is not None:
        clearly_positive = sentiment_answer[1] >= OPPORTUNITY_MIN_MODEL_SCORE
        sentiment, sentiment_score, signal = (
            Sentiment(sentiment_answer[0]),
            sentiment_answer[1],
            sentiment_answer[2],
        )
        versions["sentiment"] = sentiment_model.version
        out.append(signal)
    if not supported:
        sentiment, sentiment_score = Sentiment.neutral, UNSUPPORTED_CONFIDENCE
        topic_confidence = min(topic_confidence, UNSUPPORTED_CONFIDENCE)

    # Negation does not hide a place: the gazetteer reads the plain words.
    places = region_index().find(reading.words)
    regions = region_codes(places, doc.region_hints)
    if places:
        out.append(
            Signal(
                name="places",
                weight=float(len(regions)),
                evidence=list(dict.fromkeys(h.phrase for h in places))[:6],
            )
        )
    if doc.region_hints:
        out.append(Signal(name="region_hints", weight=0.0, evidence=list(doc.region_hints)[:6]))

    services = _services(hits)
    agencies, by_service = _agencies(topic, topic_scores.ranked(), found, services)
    if by_service:
        routed = [f"{phrase}: {agency}" for agency, phrases in services.items() for phrase in phrases]
        out.append(Signal(name="service_agencies", weight=0.0, evidence=routed[:6]))
    evidence = scoring.Evidence(
        signals=found,
        sentiment=sentiment,
        topic=topic,
        agencies=agencies,
        region_codes=regions,
        source_type=doc.source_type,
        metrics=doc.metrics,
        published_at=doc.published_at,
        now=now,
        hoax_suspected=hoax,
    )
    impact, impact_signals = scoring.impact(evidence)
    urgency, urgency_signals = scoring.urgency(evidence)
    level, level_signals = scoring.level(urgency, impact, evidence)
    out.extend(impact_signals + urgency_signals + level_signals)
    official = doc.official_alert if doc.source_type == OFFICIAL_SOURCE else None
    if official is not None:
        urgency, level, signal = scoring.official_floor(official, urgency, level)
        out.append(signal)

    audience = max(
        doc.metrics.get("reach", 0), doc.metrics.get("views", 0), doc.metrics.get("shares", 0) * 10
    )
    opportunity = (
        sentiment is Sentiment.positive
        and not hoax
        # Never a story at Siaga or above (which every report of people dead, hurt or missing is), however
        # warm its words about the relief effort.
        and level.rank < Level.siaga.rank
        and (audience >= OPPORTUNITY_REACH or doc.source_type in scoring.NEWS_SOURCES)
        and clearly_positive
        and NOT_GOOD_NEWS.isdisjoint(found)
        and (NEEDS_GOOD_FRAMING.isdisjoint(found) or not GOOD_FRAMING.isdisjoint(found))
    )
    if opportunity:
        why = [f"positive ({sentiment_score:.2f}), source_type={doc.source_type}", f"audience={audience}"]
        out.append(Signal(name="opportunity", weight=1.0, evidence=why))

    return Classification(
        sentiment=SentimentVerdict(label=sentiment, score=round(sentiment_score, 3)),
        topic=TopicVerdict(label=topic, confidence=round(topic_confidence, 3)),
        agencies=agencies,
        region_codes=regions,
        impact=impact,
        urgency=urgency,
        level=level,
        cap=scoring.official_cap(official, scoring.cap(level, urgency, evidence)),
        opportunity=opportunity,
        hoax_suspected=hoax,
        language=Language(code=reading.code, supported=supported),
        signals=out,
        model_version=ModelVersion(rules=RULES_VERSION, **versions),
    )
