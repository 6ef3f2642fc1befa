"""Which kabupaten/kota of Kalimantan Timur a text is about, from the gazetteer in ``data/gazetteer.json``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache

from app.classification.datafiles import load
from app.classification.lexicon import Hit, PhraseIndex
from app.classification.text import NEG_PREFIX, analysis_tokens

PROVINCE = "64"


@cache
def gazetteer() -> dict[str, list[str]]:
    regions: dict[str, list[str]] = load("gazetteer.json")["regions"]
    return regions


@cache
def region_index() -> PhraseIndex[str]:
    return PhraseIndex((name, code) for code, names in gazetteer().items() for name in names)


def find_places(tokens: Sequence[str]) -> list[Hit[str]]:
    """Gazetteer names in the tokens, longest first and never overlapping; negation does not hide a place."""
    if NEG_PREFIX in " ".join(tokens):
        tokens = [token.removeprefix(NEG_PREFIX) for token in tokens]
    return region_index().find(tokens)


def region_codes(hits: Iterable[Hit[str]], hints: Iterable[str] = ()) -> list[str]:
    """Sorted kabupaten/kota codes named, or the province alone when only it is named.

    A hint is a code known to the gazetteer or a place name looked up in it.
    """
    codes = {hit.value for hit in hits}
    known = gazetteer()
    for hint in hints:
        if hint in known:
            codes.add(hint)
        else:
            codes.update(hit.value for hit in find_places(analysis_tokens(hint)))
    if len(codes) > 1:
        # "Samarinda, Kalimantan Timur" is about Samarinda: the province only stands for itself.
        codes.discard(PROVINCE)
    return sorted(codes)
