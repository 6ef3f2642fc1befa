"""Which feed items a watchlist lets through. Pure: no FastAPI, no database.

Terms and texts are both read through the classifier's :func:`~app.classification.text.normalise` (lower
case, punctuation and hyphens to spaces, colloquial spellings to standard ones, ``#BanjirSamarinda`` split
into words), after accents are folded, so a term matches exactly where the classifier would see the same
words. A term matches whole words only: "PPU" is found in "Pemkab PPU" but not in "suppu".
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from app.classification.text import normalise
from app.datafiles import load_json


def load_default() -> tuple[str, ...]:
    """The province's reviewed default watchlist (``data/default_watchlist.json``)."""
    terms: list[str] = load_json("app.monitoring", "default_watchlist.json")["terms"]
    return tuple(terms)


def _fold_accents(text: str) -> str:
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _words(text: str) -> str:
    return normalise(_fold_accents(text))


class Watchlist:
    """Terms compiled for matching; build one with :func:`compile_watchlist`."""

    __slots__ = ("_needles", "terms")

    def __init__(self, terms: Sequence[str]) -> None:
        kept: list[str] = []
        needles: list[str] = []
        for term in terms:
            # Padded with spaces, a substring test on the padded text is a whole-word phrase match.
            needle = f" {_words(term)} "
            if needle.strip() and needle not in needles:
                kept.append(term)
                needles.append(needle)
        self.terms: tuple[str, ...] = tuple(kept)
        self._needles = tuple(needles)

    def __len__(self) -> int:
        return len(self.terms)

    def matches(self, *texts: str) -> list[str]:
        """The terms found in any of ``texts`` (as spelt in the watchlist), in watchlist order.

        Each text is matched on its own, so a phrase never spans a title and the text after it. An empty
        watchlist matches nothing: whether "no watchlist" means "take everything" is the caller's choice.
        """
        if not self._needles:
            return []
        haystacks = [f" {_words(text)} " for text in texts if text]
        return [
            term
            for term, needle in zip(self.terms, self._needles, strict=True)
            if any(needle in haystack for haystack in haystacks)
        ]


def compile_watchlist(terms: Sequence[str]) -> Watchlist:
    """A watchlist of ``terms``; terms that read the same once normalised count once (the first spelling)."""
    if isinstance(terms, str):
        raise TypeError("terms must be a sequence of strings, not one string")
    return Watchlist(terms)
