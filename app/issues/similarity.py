"""What two mentions, or a mention and an issue, have in common: pure text logic, no database.

- Near-duplicates (syndicated copies, reposts, copy-paste chains): MinHash over word 3-shingles, with LSH band
  keys so that candidates come from an index look-up, never from a scan.
- Same story: the mention's *key terms* (stemmed content words; title words and places count double)
  against an issue's profile of the key terms of its mentions, each term weighted by how rare it is among
  the issues open in the time window (an idf over issues), plus agreement or conflict of places.

Hashes are fixed-constant polynomial hashes of UTF-8 bytes (``zlib.crc32`` seeded per permutation would do as
well): Python's ``hash`` of a ``str`` is salted per process, and every process must compute the same keys.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache

import numpy as np
import numpy.typing as npt

from app.classification.regions import gazetteer
from app.classification.text import stopwords, tokenize
from app.issues.datafiles import load

SHINGLE_WORDS = 3
PERMUTATIONS = 32
BANDS = 8  # 8 bands of 4 rows: a pair with Jaccard 0.6 shares a band with probability 0.65, 0.8 -> 0.98
ROWS = PERMUTATIONS // BANDS
NEAR_DUPLICATE_JACCARD = 0.6
MAX_KEY_TERMS = 20  # what a mention is matched with
PROFILE_TERMS = 32  # what it adds to its issue's profile and index
# Copy-paste chains are short; below this many shingles two texts are too short to call one a copy.
MIN_SHINGLES = 6

_PRIME = (1 << 61) - 1
_rng = np.random.default_rng(20261128)  # fixed: the permutations must be the same in every process, forever
_A = _rng.integers(1, _PRIME, size=PERMUTATIONS, dtype=np.uint64)
_B = _rng.integers(0, _PRIME, size=PERMUTATIONS, dtype=np.uint64)
_MASK32 = np.uint64(0xFFFFFFFF)

Signature = npt.NDArray[np.uint32]


@cache
def generic_terms() -> frozenset[str]:
    """Words every story uses ("warga", "kata", "pemerintah"): never key terms (data/generic_terms.json)."""
    words: list[str] = load("generic_terms.json")["terms"]
    return frozenset(words) | stopwords()


@cache
def _place_words() -> frozenset[str]:
    # Place names are kept whole: the stemmer would cut "Berau" to "rau" and "Kutai" to "kuta".
    return frozenset(word for names in gazetteer().values() for name in names for word in name.split())


@cache
def _stemmer() -> object:
    from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

    return StemmerFactory().create_stemmer()


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The root of an Indonesian word ("terendam", "merendam" -> "rendam") by PySastrawi, cached per word."""
    if len(word) <= 4 or not word.isalpha() or word in _place_words():
        return word
    root: str = _stemmer().stem(word)  # type: ignore[attr-defined]
    return root or word


def _shingle_hashes(words: Sequence[str]) -> npt.NDArray[np.uint64]:
    shingles = {" ".join(words[i : i + SHINGLE_WORDS]) for i in range(len(words) - SHINGLE_WORDS + 1)}
    return np.fromiter((zlib.crc32(s.encode()) for s in shingles), dtype=np.uint64, count=len(shingles))


def signature(text: str) -> Signature | None:
    """MinHash signature of the text's word 3-shingles; ``None`` for a text too short to judge."""
    hashes = _shingle_hashes(tokenize(text))
    if len(hashes) < MIN_SHINGLES:
        return None
    # (a*x + b) mod p per permutation, low 32 bits kept. As in datasketch, a*x wraps modulo 2**64 before the
    # reduction, so this is not exactly the textbook universal family; its estimates were measured unbiased
    # (tests/test_issue_similarity.py). Keeping a, b below 2**32 to avoid the wrap would make the hash
    # monotonic in x, and every signature the minimum shingle hash: worse, not better.
    mixed = (_A[:, None] * hashes[None, :] + _B[:, None]) % np.uint64(_PRIME)
    result: Signature = (mixed.min(axis=1) & _MASK32).astype(np.uint32)
    return result


def band_keys(sig: Signature) -> list[int]:
    """One signed 64-bit key per LSH band (the band's position is mixed in: equal rows in different bands
    are no match)."""
    keys = []
    for band in range(BANDS):
        raw = band.to_bytes(1, "little") + sig[band * ROWS : (band + 1) * ROWS].tobytes()
        key = int.from_bytes(raw[:8], "little") ^ (zlib.crc32(raw) << 32)
        keys.append(key - (1 << 64) if key >= 1 << 63 else key)
    return keys


def signature_bytes(sig: Signature) -> bytes:
    return sig.astype("<u4").tobytes()


def signature_from_bytes(raw: bytes) -> Signature:
    return np.frombuffer(raw, dtype="<u4").astype(np.uint32)


def jaccard(a: Signature, b: Signature) -> float:
    """Estimated Jaccard similarity of the two shingle sets."""
    return float(np.count_nonzero(a == b)) / PERMUTATIONS


@dataclass(frozen=True, slots=True)
class KeyTerms:
    """A mention's key terms with their weights (title words and places count double)."""

    weights: Mapping[str, float]

    @property
    def terms(self) -> list[str]:
        return list(self.weights)

    def top(self, count: int) -> KeyTerms:
        return KeyTerms(dict(list(self.weights.items())[:count]))


def key_terms(
    title: str | None, text: str | None, places: Iterable[str] = (), *, limit: int = MAX_KEY_TERMS
) -> KeyTerms:
    """The ``limit`` most telling stemmed content words of a mention, best first."""
    generic = generic_terms()
    counts: dict[str, float] = {}
    for weight, part in ((2.0, title), (1.0, text)):
        if not part:
            continue
        for word in tokenize(part):
            if len(word) < 3 or word in generic or not word.isalpha():
                continue
            root = stem(word)
            if root in generic or len(root) < 3:
                continue
            counts[root] = counts.get(root, 0.0) + weight
    for place in places:
        for word in place.split():
            if word not in generic and len(word) >= 3:
                root = stem(word)
                counts[root] = counts.get(root, 0.0) + 2.0
    # Repetition helps a little (a lead repeats its subject), but never lets one word crowd out the rest.
    scored = {term: 1.0 + math.log(count) for term, count in counts.items()}
    top = sorted(scored.items(), key=lambda item: (-item[1], item[0]))[:limit]
    return KeyTerms(dict(top))


@dataclass(frozen=True, slots=True)
class Candidate:
    """An open issue as the matcher sees it."""

    issue_id: int
    profile: Mapping[str, float]  # key term -> how many of the issue's mentions carry it
    region_codes: Sequence[str]
    topic: str
    hoax: bool
    hours_apart: float = 1e9  # between the mention and the issue's latest mention


@dataclass(frozen=True, slots=True)
class Match:
    issue_id: int
    score: float
    shared_terms: list[str]


# Tuned on the a-* mentions of tests/data/kaltim_stream.json: the highest recall at precision 1.0 there
# (bench/cluster_quality.py --sweep); the b-* mentions are held out.
ATTACH_THRESHOLD = 0.30
REGION_CONFLICT_FACTOR = 0.45
REGION_AGREEMENT_BONUS = 0.08
TOPIC_AGREEMENT_BONUS = 0.04
TOPIC_MISMATCH_FACTOR = 0.85
LAINNYA = "lainnya"
HOAX_MISMATCH_FACTOR = 0.7
PROVINCE = "64"
# Reports of one story follow each other within hours: an issue active in the last 12 h gets a little credit.
RECENT_HOURS = 12.0
RECENT_BONUS = 0.04
MIN_SHARED_TERMS = 2  # one shared word is a coincidence, not a story


def idf(issue_frequency: int, open_issues: int) -> float:
    """Rarity of a term among the issues open in the window: a word in every issue tells nothing.

    At least 1: postings are read with a day's slack, so a term may count more issues than are open."""
    return math.log((1.0 + open_issues) / (1.0 + min(issue_frequency, open_issues))) + 1.0


def rarity(terms: KeyTerms, issue_frequency: Mapping[str, int], open_issues: int) -> dict[str, float]:
    """:func:`idf` of each of the mention's terms."""
    return {term: idf(issue_frequency.get(term, 0), open_issues) for term in terms.weights}


def score(
    terms: KeyTerms,
    rarity: Mapping[str, float],
    candidate: Candidate,
    *,
    region_codes: Sequence[str],
    topic: str,
    hoax: bool,
) -> Match:
    """How much of the mention's weighted information the issue already carries, adjusted for places.

    A term weighs its weight in the mention times its rarity; the score is the share of that weight the
    issue's profile holds, so a short post that names the place and the event scores as high as a long
    article. An issue active within the last :data:`RECENT_HOURS` gets a small bonus. Specific
    kabupaten/kota on both sides that do not overlap make one story unlikely (two floods in two regencies in
    the same week are two issues); a hoax and a report of the real event are two issues.
    """
    total = 0.0
    shared_weight = 0.0
    shared: list[tuple[float, str]] = []
    for term, weight in terms.weights.items():
        value = weight * rarity.get(term, 1.0)
        total += value
        if term in candidate.profile:
            shared_weight += value
            shared.append((value, term))
    if not total or len(shared) < MIN_SHARED_TERMS:
        return Match(candidate.issue_id, 0.0, [term for _, term in shared])
    result = shared_weight / total
    ours = {code for code in region_codes if code != PROVINCE}
    theirs = {code for code in candidate.region_codes if code != PROVINCE}
    if ours and theirs:
        result = result + REGION_AGREEMENT_BONUS if ours & theirs else result * REGION_CONFLICT_FACTOR
    if topic == candidate.topic:
        result += TOPIC_AGREEMENT_BONUS
    elif LAINNYA not in (topic, candidate.topic):
        result *= TOPIC_MISMATCH_FACTOR
    if hoax != candidate.hoax:
        result *= HOAX_MISMATCH_FACTOR
    if candidate.hours_apart <= RECENT_HOURS:
        result += RECENT_BONUS
    shared.sort(key=lambda item: (-item[0], item[1]))
    return Match(candidate.issue_id, round(min(result, 1.0), 4), [term for _, term in shared[:8]])


def best_match(
    terms: KeyTerms,
    candidates: Sequence[Candidate],
    issue_frequency: Mapping[str, int],
    open_issues: int,
    *,
    region_codes: Sequence[str],
    topic: str,
    hoax: bool,
    threshold: float | None = None,
) -> Match | None:
    """The candidate issue this mention is about, or ``None`` when none scores above ``threshold``
    (default :data:`ATTACH_THRESHOLD`)."""
    threshold = ATTACH_THRESHOLD if threshold is None else threshold
    weights = rarity(terms, issue_frequency, open_issues)
    best: Match | None = None
    for candidate in candidates:
        match = score(terms, weights, candidate, region_codes=region_codes, topic=topic, hoax=hoax)
        if match.score >= threshold and (best is None or match.score > best.score):
            best = match
    return best
