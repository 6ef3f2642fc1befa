"""A cheap check that a text is Indonesian: Indonesian words (function words and the lexicons' own) against
English ones.

Sigap's lexicons and models are Indonesian; on anything else they would give confident nonsense, so the engine
must know when to step back.
"""

from __future__ import annotations

from collections.abc import Sequence

from app.classification.lexicon import language_words

# Function words are frequent: a few hundred tokens decide, the rest of a long text adds nothing.
_SAMPLE = 400
# Below this many words a headline may well have no function word at all and still be Indonesian.
_MIN_TOKENS_FOR_UNKNOWN = 15


def detect(tokens: Sequence[str]) -> tuple[str, bool, str]:
    """``(code, supported, evidence)`` with code ``id``, ``en`` or ``und`` (undetermined)."""
    indonesian, english = language_words()
    sample = tokens[:_SAMPLE]
    # map() over the set's membership test: no Python frame per token (this runs on every mention).
    id_hits = sum(map(indonesian.__contains__, sample))
    en_hits = sum(map(english.__contains__, sample))
    evidence = f"known words: {id_hits} Indonesian, {en_hits} English of {len(sample)}"
    if en_hits >= 3 and en_hits > 2 * id_hits:
        return "en", False, evidence
    # A short English headline has few function words; with no Indonesian word beside them two suffice.
    if en_hits >= 2 and id_hits == 0:
        return "en", False, evidence
    # Nearly every mention is all ASCII: one check of the joined words answers for all of them.
    joined = " ".join(sample)
    if not any(map(str.isalpha, joined)):
        return "und", False, "no words"
    foreign_script = 0 if joined.isascii() else sum(not token.isascii() for token in sample)
    if sample and foreign_script * 2 > len(sample):
        return "und", False, f"{foreign_script} of {len(sample)} words in another script"
    if len(sample) >= _MIN_TOKENS_FOR_UNKNOWN and id_hits == 0:
        return "und", False, evidence
    return "id", True, evidence
