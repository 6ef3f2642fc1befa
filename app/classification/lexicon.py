"""Whole-word phrase matching over analysis tokens, and the project's word lists compiled for it.

Phrases go through the same ``analysis_tokens`` as the text, so slang, hashtags and negation are handled once:
"tidak ada korban jiwa" in a text is ``tidak NEG_ada NEG_korban NEG_jiwa`` and never matches the phrase
"korban jiwa", while the phrase "tidak bisa dilalui" matches exactly its negated form.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Generic, TypeVar

from app.classification.datafiles import load
from app.classification.taxonomy import Topic
from app.classification.text import analysis_tokens

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Hit(Generic[T]):
    start: int
    end: int
    phrase: str
    value: T


class PhraseIndex(Generic[T]):
    """Phrases keyed by their first token; candidates at a position are tried longest first."""

    def __init__(self, entries: Iterable[tuple[str, T]]) -> None:
        by_first: dict[str, list[tuple[list[str], str, T]]] = {}
        seen: set[tuple[str, ...]] = set()
        for phrase, value in entries:
            key = analysis_tokens(phrase)
            # Spellings that normalise alike ("tak"/"tidak bisa dilalui") are one phrase.
            if key and tuple(key) not in seen:
                seen.add(tuple(key))
                by_first.setdefault(key[0], []).append((key, phrase, value))
        for candidates in by_first.values():
            candidates.sort(key=lambda candidate: -len(candidate[0]))
        self._by_first = by_first

    def find(self, tokens: Sequence[str], *, overlapping: bool = False) -> list[Hit[T]]:
        """Phrases occurring in ``tokens``.

        Without ``overlapping`` only the longest phrase at a position counts and matching resumes after it, so
        "Penajam Paser Utara" is one place, not also "Paser".
        """
        hits: list[Hit[T]] = []
        get = self._by_first.get
        position = 0
        count = len(tokens)
        while position < count:
            candidates = get(tokens[position])
            step = 1
            if candidates is not None:
                for key, phrase, value in candidates:
                    end = position + len(key)
                    if end - position == 1 or tokens[position:end] == key:
                        hits.append(Hit(position, end, phrase, value))
                        if not overlapping:
                            step = end - position
                            break
            position += step
        return hits


@cache
def signal_weights() -> dict[str, float]:
    signals: dict[str, dict[str, object]] = load("signals.json")["signals"]
    return {name: float(str(spec["weight"])) for name, spec in signals.items()}


def _grouped(pairs: Iterable[tuple[str, T]]) -> list[tuple[str, tuple[T, ...]]]:
    # One phrase may serve several signals or topics ("kebakaran": disaster and fire): match it once.
    grouped: dict[str, list[T]] = {}
    for phrase, value in pairs:
        grouped.setdefault(phrase, []).append(value)
    return [(phrase, tuple(values)) for phrase, values in grouped.items()]


@cache
def signal_index() -> PhraseIndex[tuple[str, ...]]:
    signals: dict[str, dict[str, list[str]]] = load("signals.json")["signals"]
    pairs = ((phrase, name) for name, spec in signals.items() for phrase in spec["phrases"])
    return PhraseIndex(_grouped(pairs))


@cache
def topic_index() -> PhraseIndex[tuple[tuple[Topic, float], ...]]:
    keywords: dict[str, dict[str, float]] = load("topics.json")["keywords"]
    pairs = (
        (phrase, (Topic(topic), float(weight)))
        for topic, words in keywords.items()
        for phrase, weight in words.items()
    )
    return PhraseIndex(_grouped(pairs))


@cache
def sentiment_index() -> PhraseIndex[float]:
    weights: dict[str, float] = load("sentiment.json")["weights"]
    return PhraseIndex((phrase, float(weight)) for phrase, weight in weights.items())


@cache
def sentiment_words() -> Mapping[str, float]:
    """Single-word entries, for flipping a negated word ("tidak berhasil") that no phrase covers."""
    weights: dict[str, float] = load("sentiment.json")["weights"]
    return {word: float(weight) for word, weight in weights.items() if " " not in word}


@cache
def language_words() -> tuple[frozenset[str], frozenset[str]]:
    """Indonesian and English function words for the language check."""
    data: dict[str, list[str]] = load("language.json")
    return frozenset(data["id"]), frozenset(data["en"])
