"""A cheap check that a text is Indonesian: the share of Indonesian versus English function words.

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
    id_hits = sum(1 for token in sample if token in indonesian)
    en_hits = sum(1 for token in sample if token in english)
    evidence = f"function words: {id_hits} Indonesian, {en_hits} English of {len(sample)}"
    if en_hits >= 3 and en_hits > 2 * id_hits:
        return "en", False, evidence
    foreign_script = sum(1 for token in sample if not token.isascii())
    if sample and foreign_script * 2 > len(sample):
        return "und", False, f"{foreign_script} of {len(sample)} words in another script"
    if len(sample) >= _MIN_TOKENS_FOR_UNKNOWN and id_hits == 0:
        return "und", False, evidence
    return "id", True, evidence
