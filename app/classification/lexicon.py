"""Whole-word phrase matching over analysis tokens, and the project's word lists compiled for it.

Phrases go through the same ``analysis_tokens`` as the text, so slang, hashtags and negation are handled once:
"tidak ada korban jiwa" in a text is ``tidak NEG_ada NEG_korban NEG_jiwa`` and never matches the phrase
"korban jiwa", while the phrase "tidak bisa dilalui" matches exactly its negated form.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import compress
from typing import Any, Generic, NamedTuple, TypeVar

from app.classification.datafiles import load
from app.classification.taxonomy import Topic
from app.classification.text import analysis_tokens

T = TypeVar("T")


class Hit(NamedTuple, Generic[T]):
    # A tuple, not a dataclass: one is built per match on every mention, and tuples are the cheapest to build.
    start: int
    end: int
    phrase: str
    value: T


# Longer phrases under one (first, second) token pair: (rest of the key after two tokens, phrase, value).
_Longer = list[tuple[list[str], str, T]]


class PhraseIndex(Generic[T]):
    """Phrases keyed by their first token, then their second; longer phrases are tried first.

    Most tokens start no phrase at all, and most that do start only a one-word phrase, so a position costs one
    dictionary look-up and multi-word phrases are only compared where their first two words already match.
    """

    def __init__(self, entries: Iterable[tuple[str, T]]) -> None:
        single: dict[str, tuple[str, T]] = {}
        longer: dict[str, dict[str, _Longer[T]]] = {}
        for phrase, value in entries:
            key = analysis_tokens(phrase)
            # Spellings that normalise alike ("tak"/"tidak bisa dilalui") are one phrase: the first one wins.
            if len(key) == 1:
                single.setdefault(key[0], (phrase, value))
            elif key:
                candidates = longer.setdefault(key[0], {}).setdefault(key[1], [])
                if all(rest != key[2:] for rest, _, _ in candidates):
                    candidates.append((key[2:], phrase, value))
        for by_second in longer.values():
            for candidates in by_second.values():
                candidates.sort(key=lambda candidate: -len(candidate[0]))
        self._first: dict[str, tuple[tuple[str, T] | None, dict[str, _Longer[T]]]] = {
            token: (single.get(token), longer.get(token, {})) for token in single.keys() | longer.keys()
        }

    def find(self, tokens: Sequence[str], *, overlapping: bool = False) -> list[Hit[T]]:
        """Phrases occurring in ``tokens``, ordered by start and, at one start, longest first.

        Without ``overlapping`` only the longest phrase at a position counts and matching resumes after it, so
        "Penajam Paser Utara" is one place, not also "Paser".
        """
        hits: list[Hit[T]] = []
        first = self._first
        count = len(tokens)
        resume = 0
        # Only positions whose token starts a phrase are visited, found by a C-level scan of the tokens.
        for position in compress(range(count), map(first.__contains__, tokens)):
            if position < resume:
                continue
            single, by_second = first[tokens[position]]
            step = 1
            if by_second and position + 1 < count:
                for rest, phrase, value in by_second.get(tokens[position + 1], ()):
                    end = position + 2 + len(rest)
                    if not rest or tokens[position + 2 : end] == rest:
                        hits.append(Hit(position, end, phrase, value))
                        if not overlapping:
                            step = end - position
                            break
            if single is not None and (overlapping or step == 1):
                hits.append(Hit(position, position + 1, single[0], single[1]))
            resume = position + step
        return hits


@cache
def signal_weights() -> dict[str, float]:
    signals: dict[str, dict[str, object]] = load("signals.json")["signals"]
    return {name: float(str(spec["weight"])) for name, spec in signals.items()}


def longest(hits: Iterable[Hit[T]]) -> list[Hit[T]]:
    """The longest phrase at each position, never overlapping (``hits`` ordered as ``find`` returns them)."""
    kept: list[Hit[T]] = []
    covered_until = 0
    for hit in hits:
        if hit.start >= covered_until:
            kept.append(hit)
            covered_until = hit.end
    return kept


@dataclass(frozen=True, slots=True)
class Keyword:
    """Everything the word lists say about one phrase, so the text is scanned once for all of them."""

    phrase: str
    signals: tuple[str, ...] = ()
    topics: tuple[tuple[Topic, float], ...] = ()
    sentiment: float | None = None
    services: tuple[str, ...] = ()  # agencies owning the public service the phrase names ("pdam")


@cache
def keyword_index() -> PhraseIndex[Keyword]:
    """Crisis signals, topic keywords, the sentiment lexicon and public services in one index."""
    merged: dict[tuple[str, ...], Keyword] = {}

    def add(phrase: str, **values: Any) -> None:
        key = tuple(analysis_tokens(phrase))
        current = merged.get(key) or Keyword(phrase)
        signals = current.signals + tuple(values.get("signals", ()))
        topics = current.topics + tuple(values.get("topics", ()))
        sentiment = values.get("sentiment", current.sentiment)
        services = tuple(dict.fromkeys(current.services + tuple(values.get("services", ()))))
        merged[key] = Keyword(current.phrase, tuple(dict.fromkeys(signals)), topics, sentiment, services)

    signal_lists: dict[str, dict[str, list[str]]] = load("signals.json")["signals"]
    for name, spec in signal_lists.items():
        for phrase in spec["phrases"]:
            add(phrase, signals=(name,))
    keywords: dict[str, dict[str, float]] = load("topics.json")["keywords"]
    for topic, words in keywords.items():
        for phrase, weight in words.items():
            add(phrase, topics=((Topic(topic), float(weight)),))
    weights: dict[str, float] = load("sentiment.json")["weights"]
    for phrase, weight in weights.items():
        add(phrase, sentiment=float(weight))
    for agency, phrases in service_agencies().items():
        for phrase in phrases:
            add(phrase, services=(agency,))
    return PhraseIndex((keyword.phrase, keyword) for keyword in merged.values())


@cache
def service_agencies() -> dict[str, list[str]]:
    """Agency code -> the phrases naming a public service it owns (``topics.json``, ``services``)."""
    services: dict[str, list[str]] = load("topics.json")["services"]
    return services


@cache
def sentiment_words() -> Mapping[str, float]:
    """Single-word entries, for flipping a negated word ("tidak berhasil") that no phrase covers."""
    weights: dict[str, float] = load("sentiment.json")["weights"]
    return {word: float(weight) for word, weight in weights.items() if " " not in word}


@cache
def language_words() -> tuple[frozenset[str], frozenset[str]]:
    """Indonesian and English words for the language check: Indonesian function words plus the words of the
    project's own Indonesian lexicons (a headline may have no function word), and English function and common
    news words."""
    data: dict[str, list[str]] = load("language.json")
    english = frozenset(data["en"])
    phrases = [phrase for spec in load("signals.json")["signals"].values() for phrase in spec["phrases"]]
    phrases += [phrase for words in load("topics.json")["keywords"].values() for phrase in words]
    phrases += list(load("sentiment.json")["weights"])
    content = {word for phrase in phrases for word in phrase.split() if len(word) >= 4 and word.isalpha()}
    return frozenset(data["id"]) | (frozenset(content) - english), english
