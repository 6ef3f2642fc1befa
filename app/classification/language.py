"""A cheap check that a text is Indonesian: the share of Indonesian versus English function words.

Sigap's lexicons and models are Indonesian; on anything else they would give confident nonsense, so the engine
must know when to step back.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from functools import cache

from app.classification.lexicon import language_words

# Function words are frequent: a few hundred tokens decide, the rest of a long text adds nothing.
_SAMPLE = 400
# Below this many words a headline may well have no function word at all and still be Indonesian.
_MIN_TOKENS_FOR_UNKNOWN = 15


@cache
def function_words() -> dict[str, str]:
    """Function word -> ``id`` or ``en``; a word in both lists counts for neither (it decides nothing)."""
    indonesian, english = language_words()
    return dict.fromkeys(indonesian - english, "id") | dict.fromkeys(english - indonesian, "en")


def detect(tokens: Sequence[str]) -> tuple[str, bool, str]:
    """``(code, supported, evidence)`` with code ``id``, ``en`` or ``und`` (undetermined)."""
    sample = tokens[:_SAMPLE]
    # One C-level pass over the sample: no Python frame per token (this runs on every mention).
    hits = Counter(map(function_words().get, sample))
    id_hits, en_hits = hits["id"], hits["en"]
    evidence = f"function words: {id_hits} Indonesian, {en_hits} English of {len(sample)}"
    if en_hits >= 3 and en_hits > 2 * id_hits:
        return "en", False, evidence
    # Nearly every mention is all ASCII: one check of the joined words answers for all of them.
    foreign_script = 0 if " ".join(sample).isascii() else sum(not token.isascii() for token in sample)
    if sample and foreign_script * 2 > len(sample):
        return "und", False, f"{foreign_script} of {len(sample)} words in another script"
    if len(sample) >= _MIN_TOKENS_FOR_UNKNOWN and id_hits == 0:
        return "und", False, evidence
    return "id", True, evidence
