"""Indonesian text normalisation, tokenisation and negation marking for classification.

Everything downstream (lexicon look-ups, keyword signals, the trainable models) sees text through
:func:`normalise`, so a keyword list written in standard Indonesian also matches ``gak ada korban`` or
``#BanjirSamarinda``. Plain Python and precompiled regular expressions: this runs on every mention at intake.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from typing import Any

from app.classification.datafiles import load

NEG_PREFIX = "NEG_"
# How many tokens after a negator it still governs: "tidak ada warga yang meninggal" needs four.
NEGATION_WINDOW = 4
# Words that negate in their standard and colloquial spellings; kept as tokens, never dropped as stopwords.
NEGATORS = frozenset(
    {"tidak", "belum", "bukan", "tak", "jangan", "tanpa", "gak", "nggak", "enggak", "ga", "tdk", "blm", "bkn"}
)
# "korban jiwa nihil": Indonesian news reports the absence of casualties after the noun.
POST_NEGATORS = frozenset({"nihil"})
# "tidak hanya banjir tetapi juga longsor", "tidak sedikit warga": the negator does not deny what follows.
# ("tidak pernah diperbaiki" does deny: never repaired.)
_NEGATION_CANCELLERS = frozenset({"hanya", "cuma", "sedikit", "kurang", "lain", "jarang", "henti"})
# A negation's scope ends at a clause: "jalan tidak bisa dilalui karena longsor" still reports a landslide.
_SCOPE_ENDERS = frozenset(
    {
        "karena", "akibat", "sehingga", "tetapi", "tapi", "namun", "sedangkan", "dan", "serta", "setelah",
        "sejak", "ketika", "saat", "usai", "hingga", "melainkan", "padahal", "meski", "meskipun", "walau",
        # No negator governs "sudah": "air tidak mengalir sudah tiga hari" says it has lasted three days.
        "sudah",
    }
)  # fmt: skip

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_HANDLE = re.compile(r"(?<![\w.])@\w+")
_HASHTAG = re.compile(r"#(\w+)")
_CAMEL = re.compile(
    r"(?<=[a-z])(?=[A-Z])|(?<=[A-Za-z])(?=[0-9])|(?<=[0-9])(?=[A-Za-z])|(?<=[A-Z])(?=[A-Z][a-z])"
)
# Letters typed three or more times ("bangeeet", "tolonggg") are emphasis, never spelling.
_REPEATS = re.compile(r"([a-z])\1{2,}")
# Informal reduplication "rumah2" means "rumah rumah".
_REDUP = re.compile(r"\b([a-z]{3,})2\b")
_WORDS = re.compile(r"[^\W_]+")
# What the ASCII table cannot reach: typographic quotes and dashes, symbols, emoji.
_NON_WORD = re.compile(r"[^\w\n]|_")
_TYPOGRAPHIC = "\u201c\u201d\u2018\u2019\u2013\u2014\u2026\u00a0\u200b\u2022"
_ASCII_NON_WORD = [chr(code) for code in range(128) if not chr(code).isalnum()]
_SPACE_TABLE = str.maketrans(dict.fromkeys(_ASCII_NON_WORD, " "))
# Clause ends become line breaks so a negation's scope can stop there; other punctuation becomes a space.
_CLAUSE_TABLE = str.maketrans({char: "\n" if char in ".,;:!?\n" else " " for char in _ASCII_NON_WORD})
CLAUSE_END = "."
# Tokens that open or close a negation scope: all mark_negation has to look at outside one.
_SCOPE_CHANGERS = NEGATORS | POST_NEGATORS | {CLAUSE_END}
_HASHTAG_SEGMENT_MAX = 40


@cache
def slang_map() -> dict[str, str]:
    """Colloquial form -> standard Indonesian (``data/slang.json``)."""
    mapping: dict[str, str] = load("slang.json")["map"]
    return mapping


@cache
def _multi_word_slang() -> frozenset[str]:
    """Colloquial forms whose standard form is several words: only texts with one need a second split."""
    return frozenset(form for form, standard in slang_map().items() if len(standard.split()) != 1)


@cache
def stopwords() -> frozenset[str]:
    """Indonesian function words for models that want them removed; never contains a negator."""
    words: list[str] = load("language.json")["id"]
    return frozenset(words) - NEGATORS - POST_NEGATORS


def _words_in(value: Any, into: set[str]) -> None:
    if isinstance(value, str):
        into.update(_WORDS.findall(value.lower()))
    elif isinstance(value, dict):
        for key, item in value.items():
            if not key.startswith("_"):
                _words_in(key, into)
                _words_in(item, into)
    elif isinstance(value, list):
        for item in value:
            _words_in(item, into)


@cache
def _segmentation_vocabulary() -> frozenset[str]:
    # Every word the project's own lists know: a lower-case hashtag is only split into words we would match.
    words: set[str] = set()
    for name in (
        "slang.json",
        "sentiment.json",
        "signals.json",
        "topics.json",
        "gazetteer.json",
        "language.json",
    ):
        _words_in(load(name), words)
    return frozenset(w for w in words if len(w) >= 2 and not w.isdigit())


def _segment(tag: str) -> str:
    """Split a lower-case hashtag into known words (fewest pieces), or leave it whole."""
    if len(tag) > _HASHTAG_SEGMENT_MAX:
        return tag
    vocabulary = _segmentation_vocabulary()
    if tag in vocabulary:
        return tag
    n = len(tag)
    best: list[list[str] | None] = [None] * (n + 1)
    best[0] = []
    for end in range(2, n + 1):
        for start in range(max(0, end - 20), end - 1):
            head = best[start]
            if head is not None and tag[start:end] in vocabulary:
                candidate = [*head, tag[start:end]]
                current = best[end]
                if current is None or len(candidate) < len(current):
                    best[end] = candidate
    found = best[n]
    return " ".join(found) if found else tag


def _split_hashtag(match: re.Match[str]) -> str:
    tag = match.group(1)
    if tag.islower() or tag.isupper():
        return " " + _segment(tag.lower()) + " "
    return " " + _CAMEL.sub(" ", tag) + " "


def _has_letter_run(text: str) -> bool:
    """Whether an ASCII letter occurs three times in a row, without a regex scan of the whole text.

    Most texts have none, and the backreference regex costs more than the rest of :func:`normalise`: XOR-ing
    the text with itself shifted by one byte turns equal neighbours into zero bytes, so a run of three is two
    zero bytes side by side; only those few positions are then checked for being letters.
    """
    raw = text.encode()
    value = int.from_bytes(raw, "big")
    diff = (value ^ (value >> 8)).to_bytes(len(raw), "big")
    at = diff.find(b"\0\0")
    while at != -1:
        if 97 <= raw[at] <= 122:
            return True
        at = diff.find(b"\0\0", at + 1)
    return False


def _has_reduplication(text: str) -> bool:
    at = text.find("2")
    while at != -1:
        if at and text[at - 1].isalpha():
            return True
        at = text.find("2", at + 1)
    return False


def _clean(text: str, table: dict[int, str]) -> str:
    """Lower-cased text with URLs and handles gone, hashtags split and punctuation translated by ``table``."""
    # Cheap membership tests first: most news text has no URL, handle or hashtag, and a miss costs nothing.
    if "://" in text or "www." in text:
        text = _URL.sub(" ", text)
    if "@" in text:
        text = _HANDLE.sub(" ", text)
    if "#" in text:
        text = _HASHTAG.sub(_split_hashtag, text)
    text = text.lower()
    if not text.isascii():
        # Typographic quotes and dashes are the usual non-ASCII in news; replacing them keeps the fast path.
        for char in _TYPOGRAPHIC:
            if char in text:
                text = text.replace(char, " ")
    # str.translate with one-character values has an ASCII fast path; a regex tokeniser costs four times more.
    text = text.translate(table)
    if not text.isascii():
        text = _NON_WORD.sub(" ", text)
    if _has_letter_run(text):
        text = _REPEATS.sub(r"\1", text)
    if _has_reduplication(text):
        text = _REDUP.sub(r"\1 \1", text)
    return text


def normalise(text: str) -> str:
    """Lower-cased standard Indonesian words separated by single spaces.

    URLs and @handles are removed, hashtags split into words, letters repeated for emphasis squeezed,
    colloquial forms mapped to standard ones, punctuation turned into spaces.
    """
    slang = slang_map()
    # A multi-word standard form ("gaada" -> "tidak ada") comes apart when the caller splits the result.
    return " ".join([slang.get(token, token) for token in _clean(text, _SPACE_TABLE).split()])


def tokenize(text: str) -> list[str]:
    """The words of :func:`normalise`."""
    return normalise(text).split()


def tokenize_clauses(text: str) -> list[str]:
    """Like :func:`tokenize`, with a ``.`` token wherever a clause ends (``. , ; : ! ?`` or a line break)."""
    # The clauses that have words, joined by " . " so the split and the slang map run once over the whole text
    # rather than per clause (no slang form maps to nothing, so a clause with words keeps them).
    clauses = [part for part in _clean(text, _CLAUSE_TABLE).split("\n") if part and not part.isspace()]
    if not clauses:
        return []
    words = (" . ".join(clauses) + " " + CLAUSE_END).split()
    if _multi_word_slang().isdisjoint(words):
        return list(map(slang_map().get, words, words))
    # A multi-word standard form ("gaada" -> "tidak ada") comes apart in the second split.
    return " ".join(map(slang_map().get, words, words)).split()


def mark_negation(
    tokens: Sequence[str], window: int = NEGATION_WINDOW, *, negated: list[int] | None = None
) -> list[str]:
    """Prefix with ``NEG_`` the tokens a negator governs.

    A negator governs up to ``window`` following tokens in its clause ("tidak ada korban" ->
    ``tidak NEG_ada NEG_korban``); "nihil" governs up to ``window`` tokens before it ("korban jiwa nihil").
    Negators themselves are kept unmarked. A ``.`` token (from :func:`tokenize_clauses`) ends a scope and is
    dropped. ``negated``, when given, receives the positions in the result of the marked tokens (not sorted:
    "nihil" marks backwards), so readers of the negated words need not scan every token.
    """
    marked = negated if negated is not None else []
    out: list[str] = []
    remaining = 0
    clause_start = 0
    for index, token in enumerate(tokens):
        # Most tokens are plain words outside any scope: one set look-up settles them.
        if not remaining and token not in _SCOPE_CHANGERS:
            out.append(token)
            continue
        if token == CLAUSE_END:
            remaining = 0
            clause_start = len(out)
            continue
        if token in NEGATORS:
            following = tokens[index + 1] if index + 1 < len(tokens) else ""
            remaining = 0 if following in _NEGATION_CANCELLERS else window
            out.append(token)
            continue
        if token in POST_NEGATORS:
            for back in range(max(clause_start, len(out) - window), len(out)):
                if not out[back].startswith(NEG_PREFIX) and out[back] not in NEGATORS:
                    out[back] = NEG_PREFIX + out[back]
                    marked.append(back)
            out.append(token)
            remaining = 0
            continue
        if token in _SCOPE_ENDERS:
            remaining = 0
        if remaining:
            marked.append(len(out))
            out.append(NEG_PREFIX + token)
            remaining -= 1
        else:
            out.append(token)
    return out


def analysis_tokens(text: str) -> list[str]:
    """Normalised tokens with negation marked within clauses: what the rule engine reads."""
    return mark_negation(tokenize_clauses(text))
