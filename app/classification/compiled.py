"""Trained models compiled for prediction: a text's words are looked up once, for every model at once.

Why this exists: prediction is bound by memory and by per-call overhead, not by arithmetic. A 1 KB text has
~150 words and ~250 word features, scattered over a model of ~50 000 features. Looked up one by one in
Python dictionaries of strings, each feature cost ~600 ns of cache misses (~200 µs a text per model); done as
numpy operations on a text's few hundred ids, the ~50 calls cost ~2 µs each whatever their size. Compiled:

- one vocabulary holds every model's word types; a token is found by its ``str`` hash (computed once, when
  the token was first looked up anywhere) in a table that fits in a core's cache;
- the rest runs in one numba-compiled function per text: a bigram is the integer code
  ``first * (types + 1) + second``, found in an open-addressed table of such codes; the features are counted
  and each distinct one reads one row, in which the models' coefficients sit side by side (a word's unigram
  and char scores share one row).

The arithmetic is the model's own (see ``learn._Design``): per model, the word block is the sublinear tf-idf
of its features, of unit length, and the char block the weighted mean of per-word char scores. A feature or
word one model does not know weighs zero in it, exactly as if the model had been asked alone. A text is always
scored alone, so its verdict does not depend on what else is classified with it.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache
from itertools import repeat
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
from numba import njit

from app.classification.learn import NEGATION_FEATURE_PREFIX, NEGATORS_FOR_MODELS, Settings

if TYPE_CHECKING:
    from app.classification.learn import TrainedModel

_F64 = npt.NDArray[np.float64]
_I64 = npt.NDArray[np.int64]
# Fibonacci hashing: the multiplier spreads codes that share a first word over the whole table.
_MIX = 0x9E3779B97F4A7C15
_VALUE_BITS = 24
_VALUE_MASK = (1 << _VALUE_BITS) - 1
# Words first met at prediction time keep their computed char scores; bounded so that a stream of typos
# cannot grow a process without limit.
_UNSEEN_CACHE_MAX = 50_000

# The compiled functions are cached on disk beside this module (or in numba's user cache when that is not
# writable), so only the first process after an install pays their ~5 s of compilation.


@njit(cache=True, nogil=True)
def _slot(code: int, shift: int) -> np.int64:  # pragma: no cover - compiled
    return np.int64((np.uint64(code) * np.uint64(_MIX)) >> np.uint64(shift))


@njit(cache=True, nogil=True)
def _build_table(codes: _I64, values: _I64, bits: int) -> _I64:  # pragma: no cover - compiled
    """Open addressing with linear probing: each entry packs a code and its value plus one (0: empty)."""
    table = np.zeros(1 << bits, np.int64)
    mask = (1 << bits) - 1
    for i in range(codes.shape[0]):
        slot = _slot(codes[i], 64 - bits)
        while table[slot] != 0:
            slot = (slot + 1) & mask
        table[slot] = (codes[i] << _VALUE_BITS) | (values[i] + 1)
    return table


@njit(cache=True, nogil=True)
def _build_words(hashes: _I64, bits: int) -> _I64:  # pragma: no cover - compiled
    """Open addressing by a word's ``hash()``: pairs of (hash, word id), word id -1 where a slot is empty."""
    table = np.full((1 << bits, 2), -1, np.int64)
    mask = (1 << bits) - 1
    for i in range(hashes.shape[0]):
        slot = _slot(hashes[i], 64 - bits)
        while table[slot, 1] != -1:
            slot = (slot + 1) & mask
        table[slot, 0] = hashes[i]
        table[slot, 1] = i
    return table


@njit(cache=True, nogil=True)
def _score(  # pragma: no cover - compiled
    hashes: _I64,
    words: _I64,
    word_bits: int,
    ids: _I64,
    code_base: int,
    table: _I64,
    bits: int,
    bigrams: bool,
    window: int,
    negator: npt.NDArray[np.bool_],
    negated: _I64,
    type_rows: _F64,
    feature_rows: _F64,
    n_columns: int,
    model_of_column: _I64,
    unknown: int,
    out: _F64,
) -> float:
    """Add one text's word block to ``out``, put the known words' char block after it and the number of
    unknown words last; return the sum of the known words' char weights squared.

    A token's word id comes from its ``hash()`` in ``words`` (``unknown`` when absent) and is written to
    ``ids``; when ``word_bits`` is 0, ``ids`` already holds them.

    Feature ids below ``unknown`` are the word types: a ``type_rows`` row holds the type's unigram (idf *
    coefficient for every column, then idf squared per model) and then its char score for every column, so
    a word costs one memory access. Ids above ``unknown`` are bigrams and NEG_ words, whose ``feature_rows``
    row (``id - unknown - 1``) holds the first two parts.
    """
    n = ids.shape[0]
    if word_bits:
        word_mask = (1 << word_bits) - 1
        for i in range(n):
            ids[i] = unknown
            slot = _slot(hashes[i], 64 - word_bits)
            while words[slot, 1] != -1:
                if words[slot, 0] == hashes[i]:
                    ids[i] = words[slot, 1]
                    break
                slot = (slot + 1) & word_mask
    features = np.empty(n * (2 + window), np.int64)
    m = 0
    unknown_words = 0
    for i in range(n):
        features[m] = ids[i]
        m += 1
        if ids[i] == unknown:
            unknown_words += 1
    mask = (1 << bits) - 1
    shift = 64 - bits
    for i in range(n - 1):
        if bigrams:
            code = ids[i] * code_base + ids[i + 1]
            slot = _slot(code, shift)
            while table[slot] != 0:
                if (table[slot] >> _VALUE_BITS) == code:
                    features[m] = (table[slot] & _VALUE_MASK) - 1
                    m += 1
                    break
                slot = (slot + 1) & mask
        if negator[ids[i]]:
            for step in range(1, window + 1):
                if i + step < n and negated[ids[i + step]] >= 0:
                    features[m] = negated[ids[i + step]]
                    m += 1
    features = np.sort(features[:m])
    width = n_columns + model_of_column[-1] + 1
    sums = np.zeros(width)
    char_sums = np.zeros(n_columns)
    squares = 0.0
    i = 0
    while i < m:
        feature = features[i]
        j = i + 1
        while j < m and features[j] == feature:
            j += 1
        weight = 1.0 + math.log(j - i)
        if feature < unknown:
            for c in range(n_columns):
                sums[c] += weight * type_rows[feature, c]
            for c in range(n_columns, width):
                sums[c] += weight * weight * type_rows[feature, c]
            for c in range(n_columns):
                char_sums[c] += weight * type_rows[feature, width + c]
            squares += weight * weight
        elif feature > unknown:
            row = feature - unknown - 1
            for c in range(n_columns):
                sums[c] += weight * feature_rows[row, c]
            for c in range(n_columns, width):
                sums[c] += weight * weight * feature_rows[row, c]
        i = j
    for c in range(n_columns):
        norm = math.sqrt(sums[n_columns + model_of_column[c]])
        # A model that knows none of the text's word features adds nothing from them.
        if norm > 0.0:
            out[c] += sums[c] / norm
        out[n_columns + c] = char_sums[c]
    out[2 * n_columns] = unknown_words
    return squares


class CompiledModels:
    """One or more trained models with the same feature settings, predicting together.

    ``predict_tokens`` gives one ``(label, probability)`` per model, in the order given.
    """

    def __init__(self, models: Sequence[TrainedModel]) -> None:
        if not models:
            raise ValueError("nothing to compile: give at least one model")
        settings = models[0].settings
        if any(_word_features(m.settings) != _word_features(settings) for m in models):
            raise ValueError("models compiled together must share their word feature settings")
        self.models = tuple(models)
        self.settings: Settings = settings
        self._labels = [m.labels for m in models]
        self._temperatures = [m.temperature for m in models]
        # Columns of the fused score vector: each model's labels, side by side.
        widths = [len(m.labels) for m in models]
        bounds: list[int] = np.cumsum([0, *widths]).tolist()
        self._bounds = bounds
        self._n_columns = bounds[-1]
        self._model_of_column = np.repeat(np.arange(len(models), dtype=np.int64), widths)
        self._intercept = np.concatenate([m.intercept for m in models])

        vocabulary, features = _numbered(models)
        self._vocabulary = vocabulary
        n_types = len(vocabulary)
        self._unknown = n_types  # a word no model knows; its feature row stays empty
        self._code_base = n_types + 1
        if self._code_base**2 >= 1 << (63 - _VALUE_BITS) or len(features) + 1 >= _VALUE_MASK:
            raise ValueError(f"too many word types ({n_types}) or features ({len(features)}) to compile")
        self._word_bits, self._words = _by_hash(vocabulary)

        self._negated = np.full(n_types + 1, -1, dtype=np.int64)
        self._negator = np.zeros(n_types + 1, dtype=np.bool_)
        for word in NEGATORS_FOR_MODELS:
            self._negator[vocabulary[word]] = True
        codes: list[int] = []
        code_rows: list[int] = []
        for feature, row in features.items():
            if " " in feature:
                first, second = feature.split(" ")
                codes.append(vocabulary[first] * self._code_base + vocabulary[second])
                code_rows.append(row)
            elif feature.startswith(NEGATION_FEATURE_PREFIX):
                self._negated[vocabulary[feature[len(NEGATION_FEATURE_PREFIX) :]]] = row
        # At most half full, so that a probe meets an empty slot soon.
        self._bits = max(4, (2 * len(codes)).bit_length())
        self._table = _build_table(
            np.array(codes, dtype=np.int64), np.array(code_rows, dtype=np.int64), self._bits
        )

        rows = _weight_rows(models, features, bounds)
        # One row per word type: its unigram, then its char scores (see _score).
        self._type_rows = np.ascontiguousarray(
            np.hstack((rows[:n_types], _char_rows(models, vocabulary, bounds)))
        )
        self._feature_rows = np.ascontiguousarray(rows[n_types + 1 :])
        self._unseen: dict[str, _F64] = {}

    def _unseen_score(self, word: str) -> _F64:
        found = self._unseen.get(word)
        if found is None:
            found = np.concatenate([m.char_score(word) for m in self.models])
            if len(self._unseen) >= _UNSEEN_CACHE_MAX:
                self._unseen = {}
            self._unseen[word] = found
        return found

    def scores(self, tokens: Sequence[str]) -> list[float]:
        """Decision scores of every model's labels, side by side, for one text's tokens."""
        k = self._n_columns
        n = len(tokens)
        if not n:
            result: list[float] = self._intercept.tolist()
            return result
        unknown = self._unknown
        if self._word_bits:
            hashes: _I64 = np.fromiter(map(hash, tokens), np.int64, n)
            ids: _I64 = np.empty(n, np.int64)
        else:
            hashes = ids = np.fromiter(map(self._vocabulary.get, tokens, repeat(unknown)), np.int64, n)
        out = np.zeros(2 * k + 1)
        out[:k] = self._intercept
        settings = self.settings
        squares = _score(
            hashes,
            self._words,
            self._word_bits,
            ids,
            self._code_base,
            self._table,
            self._bits,
            settings.word_max_n >= 2,
            settings.negation_window,
            self._negator,
            self._negated,
            self._type_rows,
            self._feature_rows,
            k,
            self._model_of_column,
            unknown,
            out,
        )
        values: list[float] = out.tolist()
        total, char = values[:k], values[k : 2 * k]
        if values[-1]:
            # Words no model knows: each is a type of its own, scored from its char n-grams.
            unseen = Counter([tokens[i] for i in np.flatnonzero(ids == unknown).tolist()])
            for word, count in unseen.items():
                weight = 1.0 + math.log(count)
                char = [c + weight * s for c, s in zip(char, self._unseen_score(word).tolist(), strict=True)]
                squares += weight * weight
        scale = 1.0 / math.sqrt(squares)
        return [t + c * scale for t, c in zip(total, char, strict=True)]

    def probabilities(self, tokens: Sequence[str]) -> list[list[float]]:
        """Per model, the probability of each of its labels."""
        scores = self.scores(tokens)
        out = []
        for index, temperature in enumerate(self._temperatures):
            z = scores[self._bounds[index] : self._bounds[index + 1]]
            top = max(z)
            # Softmax in plain floats: a handful of labels, where numpy's per-call cost would dominate.
            exps = [math.exp((v - top) * temperature) for v in z]
            total = sum(exps)
            out.append([e / total for e in exps])
        return out

    def predict_tokens(self, tokens: Sequence[str]) -> list[tuple[str, float]]:
        """Per model, its most probable label and that probability."""
        out = []
        for labels, probabilities in zip(self._labels, self.probabilities(tokens), strict=True):
            best = probabilities.index(max(probabilities))  # the first of equal ones, as numpy's argmax
            out.append((labels[best], probabilities[best]))
        return out


def _numbered(models: Sequence[TrainedModel]) -> tuple[dict[str, int], dict[str, int]]:
    """Word type -> id, and word feature -> feature row.

    The types are every model's words and the negators, which must be recognised even where no model knows
    them. Features start with the types (a type's row is its unigram); after them comes the row of a word no
    model knows, then bigrams and NEG_ words. Common ones come first (lowest idf in any model): the rows most
    texts read then share cache lines and pages, which matters more here than any arithmetic.
    """
    idf: dict[str, float] = {}
    for m in models:
        for feature, value in zip(m.words, m.word_rows[:, 0].tolist(), strict=True):
            idf[feature] = min(value, idf.get(feature, value))
    types = {word for m in models for word in m.types} | NEGATORS_FOR_MODELS
    vocabulary = {word: i for i, word in enumerate(sorted(types, key=lambda w: (idf.get(w, math.inf), w)))}
    others = sorted(
        (value, feature)
        for feature, value in idf.items()
        if " " in feature or feature.startswith(NEGATION_FEATURE_PREFIX)
    )
    features = dict(vocabulary)
    features.update((feature, len(vocabulary) + 1 + i) for i, (_, feature) in enumerate(others))
    return vocabulary, features


def _by_hash(vocabulary: dict[str, int]) -> tuple[int, _I64]:
    """``(bits, table)`` to find words by their ``str`` hash, or ``(0, ...)``: ask the dictionary.

    A token's hash is cached on the string since it was first looked up anywhere, and the table fits in a
    core's cache, where a dict look-up paid ~300 ns of misses per word. Hashes are per process, and so is
    this table. Should two words of the vocabulary share one (about 1 in 10^10 for 20 000 words), the
    dictionary answers instead; a word outside it that shares a word's hash (about 1 in 10^15 per token)
    reads as that word.
    """
    hashes = np.fromiter(map(hash, vocabulary), dtype=np.int64, count=len(vocabulary))
    if len(np.unique(hashes)) != len(vocabulary):
        return 0, np.zeros((1, 2), dtype=np.int64)
    bits = max(4, (2 * len(vocabulary)).bit_length())
    return bits, _build_words(hashes, bits)


def _weight_rows(models: Sequence[TrainedModel], features: dict[str, int], bounds: list[int]) -> _F64:
    """Per feature row: idf * coefficient for every column (the numerator), then idf squared per model (the
    norm); zero where a model lacks the feature."""
    n_columns = bounds[-1]
    rows = np.zeros((len(features) + 1, n_columns + len(models)))
    for index, m in enumerate(models):
        at = np.fromiter(map(features.__getitem__, m.words), dtype=np.intp, count=len(m.words))
        idf = m.word_rows[:, 0]
        rows[at, bounds[index] : bounds[index + 1]] = idf[:, None] * m.word_rows[:, 1:]
        rows[at, n_columns + index] = idf * idf
    return rows


def _char_rows(models: Sequence[TrainedModel], vocabulary: dict[str, int], bounds: list[int]) -> _F64:
    """Per word type its char score in every model; a type one model never saw is scored from the n-grams
    it does know, as that model alone would score it."""
    char = np.zeros((len(vocabulary), bounds[-1]))
    for index, m in enumerate(models):
        known = {word: position for position, word in enumerate(m.types)}
        block = char[:, bounds[index] : bounds[index + 1]]
        for word, gid in vocabulary.items():
            position = known.get(word)
            block[gid] = m.type_scores[position] if position is not None else m.char_score(word)
    return char


def _word_features(settings: Settings) -> tuple[int, int]:
    # What prediction reads the same way for every model; the rest (char n-grams, training parameters) each
    # model applies itself, or applied when it was trained.
    return settings.word_max_n, settings.negation_window


@lru_cache(maxsize=2)
def compile_models(models: tuple[TrainedModel, ...]) -> tuple[CompiledModels, ...]:
    """The models compiled in groups of equal word feature settings (normally one group), cached per tuple of
    models.

    The cache keeps two sets: the active models, and the ones before a switch, which requests already under
    way may still be using. More would keep retired models (tens of MB each) alive.
    """
    groups: dict[tuple[int, int], list[TrainedModel]] = {}
    for m in models:
        groups.setdefault(_word_features(m.settings), []).append(m)
    return tuple(CompiledModels(group) for group in groups.values())


def prepare(models: Iterable[TrainedModel]) -> None:
    """Compile a set of models now (a registry that just loaded them), not on the first text."""
    compile_models(_canonical(models))


def _canonical(models: Iterable[TrainedModel]) -> tuple[TrainedModel, ...]:
    # One cache entry per set of models, whatever order a caller names them in.
    return tuple(sorted(set(models), key=lambda m: m.version))


def predictions(models: tuple[TrainedModel, ...], tokens: Sequence[str]) -> list[tuple[str, float]]:
    """``(label, probability)`` of each model, in order, for one text's tokens."""
    answers: dict[int, tuple[str, float]] = {}
    for group in compile_models(_canonical(models)):
        answers.update(zip(map(id, group.models), group.predict_tokens(tokens), strict=True))
    return [answers[id(m)] for m in models]


def compile_kernels() -> None:
    """Compile (or load from the on-disk cache) the numba functions, so that no request pays for it."""
    table = _build_table(np.array([5], dtype=np.int64), np.array([1], dtype=np.int64), 4)
    words = _build_words(np.array([7, -3], dtype=np.int64), 4)
    _score(
        np.array([7, -3], dtype=np.int64),
        words,
        4,
        np.zeros(2, dtype=np.int64),
        3,
        table,
        4,
        True,
        1,
        np.zeros(3, dtype=np.bool_),
        np.full(3, -1, dtype=np.int64),
        np.zeros((2, 3)),
        np.zeros((1, 2)),
        1,
        np.zeros(1, dtype=np.int64),
        2,
        np.zeros(3),
    )
