"""Trainable text classifiers (sentiment, topic or any label set) learned from labelled examples.

Pure module: no FastAPI, no database. ``train`` fits TF-IDF features of the normalised text -- word unigrams
and bigrams, the ``NEG_`` form of a word after a negator, character 2-5-grams within words -- with a
class-balanced multinomial logistic regression (scikit-learn). Features are hashed with fixed constants in
vectorised numpy, and ``TrainedModel`` predicts with numpy alone: intake pays neither scikit-learn's per-call
validation nor a Python loop per n-gram. Training and prediction share one feature function, so what is
evaluated is what runs.

Artifacts are ``numpy.savez`` archives (arrays and one JSON header) read with ``allow_pickle=False``: loading
a model cannot execute code, whoever wrote the bytes.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import cache, lru_cache
from typing import Any, TypedDict

import numpy as np
import numpy.typing as npt

from app.classification.text import NEGATORS, normalise

FORMAT = "sigap-text-model"
FORMAT_VERSION = 1
# Models see a bounded prefix, as the rule engine does: the lead carries the story, and a 100 KB paste must
# not cost a hundred times more than a post.
MAX_MODEL_CHARS = 5_000
_MAX_BYTES = 4 * MAX_MODEL_CHARS
MIN_EXAMPLES = 6
# Per label; below it no stratified hold-out can hold every label.
MIN_PER_LABEL_FOR_HOLDOUT = 2

_F64 = npt.NDArray[np.float64]
_I32 = npt.NDArray[np.int32]
_U64 = npt.NDArray[np.uint64]
_Index = npt.NDArray[np.intp]


@dataclass(frozen=True)
class Settings:
    """Feature and model hyper-parameters, chosen on SmSA valid, IndoLEM dev and SIB-200 dev (never a test
    split); ``bench/classify_eval.py --tune`` reprints the comparison."""

    word_max_n: int = 2
    negation_window: int = 1
    char_min_n: int = 2
    char_max_n: int = 5
    hash_bits: int = 21
    min_df: int = 1
    c: float = 10.0
    balanced: bool = True
    max_iter: int = 2_000

    def __post_init__(self) -> None:
        if not 2 <= self.char_min_n <= self.char_max_n:
            raise ValueError("character n-grams need 2 <= char_min_n <= char_max_n")
        if not 1 <= self.word_max_n <= 2:
            raise ValueError("word_max_n must be 1 or 2")
        if not 10 <= self.hash_bits <= 26:
            raise ValueError("hash_bits must be between 10 and 26")


class ClassMetrics(TypedDict):
    precision: float
    recall: float
    f1: float
    support: int


@dataclass
class TrainingReport:
    """What a training run (or an evaluation) measured; ``as_dict`` is JSON-ready.

    ``n_holdout`` is the number of examples the metrics were computed on (the hold-out split, or the data
    given to :func:`evaluate`); the metrics are ``None`` when no hold-out was possible.
    """

    task: str
    version: str
    labels: list[str]
    n_train: int
    n_holdout: int
    accuracy: float | None
    macro_f1: float | None
    per_class: dict[str, ClassMetrics]
    notes: list[str] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@lru_cache(maxsize=8)
def _normalised(text: str) -> str:
    # The engine asks the sentiment and the topic model about the same text, one after the other.
    return normalise(text[:MAX_MODEL_CHARS])


# "kurang enak" reads as "tidak enak" in reviews and complaints (+0.02 macro-F1 on IndoLEM dev).
_NEGATORS = NEGATORS | {"kurang"}

# Polynomial hashes of UTF-8 bytes modulo 2**64 (uint64 arithmetic wraps), then multiplicative hashing to the
# top bits. Fixed constants: a bucket must mean the same n-gram in every process, and Python's str hash is
# salted per process. Salts keep kinds apart: the word "ab" and the character bigram "ab" differ.
_BASE = 0x100000001B3
_UNIGRAM = np.uint64(0x9E3779B97F4A7C15)
_BIGRAM = np.uint64(0xC2B2AE3D27D4EB4F)
_NEGATED = np.uint64(0x165667B19E3779F9)
_CHAR = np.uint64(0x27D4EB2F165667C5)
_MIX = np.uint64(0xFF51AFD7ED558CCD)
_SPACE = 32
_ONE = np.int32(1)


@cache
def _powers() -> tuple[_U64, _U64]:
    """BASE**i and BASE**-i modulo 2**64, for every byte position of a bounded text."""
    n = _MAX_BYTES + 3
    powers = np.ones(n, dtype=np.uint64)
    inverses = np.ones(n, dtype=np.uint64)
    powers[1:] = np.cumprod(np.full(n - 1, _BASE, dtype=np.uint64))
    inverses[1:] = np.cumprod(np.full(n - 1, pow(_BASE, -1, 1 << 64), dtype=np.uint64))
    return powers, inverses


def _prefix_sums(raw: bytes) -> _U64:
    codes = np.frombuffer(raw, dtype=np.uint8).astype(np.uint64)
    prefix = np.zeros(len(raw) + 1, dtype=np.uint64)
    np.cumsum(codes * _powers()[1][: len(raw)], out=prefix[1:])
    return prefix


def _span_hashes(prefix: _U64, start: _Index, end: _Index) -> _U64:
    # Hash of bytes [start, end) = sum of c[j] * BASE**(end-1-j), the same wherever the span lies.
    result: _U64 = (prefix.take(end) - prefix.take(start)) * _powers()[0].take(end - 1)
    return result


@cache
def _negator_hashes() -> _U64:
    hashes = []
    for word in _NEGATORS:
        raw = word.encode()
        whole = np.array([0, len(raw)], dtype=np.intp)
        hashes.append(_span_hashes(_prefix_sums(raw), whole[:1], whole[1:])[0])
    return np.sort(np.array(hashes, dtype=np.uint64))


@dataclass(frozen=True)
class _Windows:
    """Every byte window of min_n..max_n bytes in a bounded text, ordered by where it ends, so the windows of
    a text of ``length`` bytes are the first ``fit[length]``; with what each needs besides the text."""

    start: _Index
    end: _Index
    last_interior: _Index  # end - 2: the window is within one word if no space lies in (start, end - 1)
    end_power: _U64  # BASE**(end - 1)
    salt: _U64  # per n-gram length
    fit: _Index


@cache
def _windows(min_n: int, max_n: int) -> _Windows:
    ends = np.arange(_MAX_BYTES + 1, dtype=np.intp)
    lengths = np.arange(min_n, max_n + 1, dtype=np.intp)
    start = (ends[:, None] - lengths[None, :]).ravel()
    n = np.broadcast_to(lengths, (len(ends), len(lengths))).ravel()
    end = start + n
    keep = start >= 0
    start, end, n = start[keep], end[keep], n[keep]
    return _Windows(
        start=start,
        end=end,
        last_interior=end - 2,
        end_power=_powers()[0][end - 1],
        salt=_CHAR * n.astype(np.uint64),
        fit=np.searchsorted(end, ends, side="right"),
    )


@lru_cache(maxsize=8)
def _buckets(norm: str, settings: Settings) -> tuple[_U64, _U64]:
    """Hash buckets of one normalised text's word features and of its character n-grams.

    Word features: unigrams, bigrams (``word_max_n`` 2) and the ``NEG_`` form of the words a negator governs.
    Character n-grams lie within one word and its bounding spaces, as scikit-learn's ``char_wb``. All of it is
    vectorised over the bytes: no Python loop runs per word or n-gram.
    """
    raw = f" {norm} ".encode()[:_MAX_BYTES]
    length = len(raw)
    prefix = _prefix_sums(raw)
    shift = np.uint64(64 - settings.hash_bits)
    is_space = np.frombuffer(raw, dtype=np.uint8) == _SPACE

    spaces = np.flatnonzero(is_space)
    word_parts: list[_U64] = []
    if len(spaces) >= 2:
        starts, ends = spaces[:-1] + 1, spaces[1:]
        unigrams = _span_hashes(prefix, starts, ends)
        word_parts.append(unigrams + _UNIGRAM)
        if settings.word_max_n >= 2:
            word_parts.append(_span_hashes(prefix, starts[:-1], ends[1:]) + _BIGRAM)
        if settings.negation_window:
            # "tidak enak", "belum enak", "gak enak" share one NEG_enak. Narrower on purpose than the rule
            # engine's mark_negation, whose news-oriented scope skips "tidak pernah mengeluh": a learned model
            # takes from the data what a negated word means. Window 1 scored best on SmSA valid and IndoLEM
            # dev (2-4 words and mark_negation's scope scored lower).
            negators = _negator_hashes()
            found = negators.take(np.searchsorted(negators, unigrams), mode="clip") == unigrams
            governed = np.flatnonzero(found)
            for step in range(1, settings.negation_window + 1):
                target = governed + step
                word_parts.append(unigrams.take(target[target < len(unigrams)]) ^ _NEGATED)
    words = (np.concatenate(word_parts) * _MIX) >> shift if word_parts else np.empty(0, dtype=np.uint64)

    windows = _windows(settings.char_min_n, settings.char_max_n)
    count = windows.fit[length]
    start, end = windows.start[:count], windows.end[:count]
    spaces_up_to = np.cumsum(is_space)
    # An n-gram may begin or end at a space but not contain one: it never spans two words.
    inside = np.flatnonzero(spaces_up_to.take(windows.last_interior[:count]) == spaces_up_to.take(start))
    # Only n-grams within a word are hashed and looked up: each look-up in a model's 2**hash_bits table is
    # a likely cache miss, and about a fifth of the windows span a space.
    start, end = start.take(inside), end.take(inside)
    power, salt = windows.end_power.take(inside), windows.salt.take(inside)
    hashes = (prefix.take(end) - prefix.take(start)) * power + salt
    chars: _U64 = (hashes * _MIX) >> shift
    # Cached (a sentiment and a topic model with the same settings read the same buckets): never mutated.
    for array in (words, chars):
        array.setflags(write=False)
    return words, chars


def _idf(df: npt.NDArray[np.int64], n_docs: int) -> _F64:
    # scikit-learn's smoothed idf, so figures compare with a TfidfVectorizer baseline.
    result: _F64 = np.log((1.0 + n_docs) / (1.0 + df)) + 1.0
    return result


def _lookup(buckets: _U64, first_column: int, bits: int) -> _I32:
    table = np.full(1 << bits, -1, dtype=np.int32)
    table[buckets] = np.arange(first_column, first_column + len(buckets), dtype=np.int32)
    return table


@dataclass(frozen=True)
class _Features:
    """The fitted vocabulary: kept word and char buckets (columns in that order) and their idf."""

    settings: Settings
    word_buckets: _U64
    char_buckets: _U64
    idf: _F64
    word_table: _I32
    char_table: _I32

    @classmethod
    def build(cls, settings: Settings, word_buckets: _U64, char_buckets: _U64, idf: _F64) -> _Features:
        bits = settings.hash_bits
        word_table = _lookup(word_buckets, 0, bits)
        char_table = _lookup(char_buckets, len(word_buckets), bits)
        return cls(settings, word_buckets, char_buckets, idf, word_table, char_table)

    @classmethod
    def fit(cls, norms: Sequence[str], settings: Settings) -> _Features:
        word_sets: list[_U64] = []
        char_sets: list[_U64] = []
        for norm in norms:
            words, chars = _buckets(norm, settings)
            word_sets.append(np.unique(words))
            char_sets.append(np.unique(chars))
        kept: list[_U64] = []
        dfs: list[npt.NDArray[np.int64]] = []
        for sets in (word_sets, char_sets):
            buckets, df = np.unique(np.concatenate(sets), return_counts=True)
            keep = df >= settings.min_df
            kept.append(buckets[keep])
            dfs.append(df[keep])
        return cls.build(settings, kept[0], kept[1], _idf(np.concatenate(dfs), len(norms)))

    @property
    def n_features(self) -> int:
        return len(self.word_buckets) + len(self.char_buckets)

    def vector(self, norm: str) -> tuple[_Index, _F64]:
        """Column ids and values of one normalised text: sublinear tf-idf, the word block and the char block
        each of unit length (as a FeatureUnion of two TfidfVectorizers).

        A column occurs once per occurrence of its feature, each carrying 1/count of the feature's value: sums
        (a dot product, a CSR matrix) come out right without sorting the columns, which cost more than all the
        rest of the arithmetic.
        """
        cols, occurrences, split = self.columns(norm)
        return cols, self.shares(occurrences, self.idf.take(cols), split)

    def columns(self, norm: str) -> tuple[_Index, _I32, int]:
        """The columns of :meth:`vector`, how often each occurs in the text, where the char block starts."""
        words, chars = _buckets(norm, self.settings)
        word_cols = self.word_table.take(words)
        char_cols = self.char_table.take(chars)
        word_cols = word_cols[word_cols >= 0]
        char_cols = char_cols[char_cols >= 0]
        cols = np.concatenate((word_cols, char_cols)).astype(np.intp)
        counts = self._scratch()
        np.add.at(counts, cols, _ONE)  # an int32 increment: a Python int would take ufunc.at's slow path
        occurrences = counts.take(cols)
        counts[cols] = 0
        return cols, occurrences, len(word_cols)

    @staticmethod
    def shares(occurrences: _I32, idf: _F64, split: int) -> _F64:
        """The values of :meth:`vector`, given the ``idf`` of each of its columns."""
        values = (1.0 + np.log(occurrences)) * idf
        share: _F64 = values / occurrences
        for block, block_share in ((values[:split], share[:split]), (values[split:], share[split:])):
            norm2 = float(block @ block_share)  # sum over distinct features of value**2
            if norm2:
                block_share /= math.sqrt(norm2)
        return share

    def _scratch(self) -> _I32:
        # A zeroed count per column, one array per thread (intake may predict from several threads). int32
        # halves the memory the scattered increments touch; a bounded text's counts stay far below 2**31.
        local = self.__dict__.get("_local")
        if local is None:
            local = threading.local()
            object.__setattr__(self, "_local", local)
        counts: _I32 | None = getattr(local, "counts", None)
        if counts is None:
            counts = np.zeros(self.n_features, dtype=np.int32)
            local.counts = counts
        return counts

    def matrix(self, norms: Sequence[str]) -> Any:
        from scipy.sparse import csr_matrix

        indptr = [0]
        cols: list[_Index] = []
        vals: list[_F64] = []
        for norm in norms:
            c, v = self.vector(norm)
            cols.append(c)
            vals.append(v)
            indptr.append(indptr[-1] + len(c))
        matrix = csr_matrix(
            (np.concatenate(vals), np.concatenate(cols), np.array(indptr)),
            shape=(len(norms), self.n_features),
        )
        matrix.sum_duplicates()  # one entry per feature: the shares add up to its value
        return matrix


class TrainedModel:
    """A fitted classifier: ``predict`` gives ``(label, probability)`` per text. Satisfies ``TextModel``."""

    def __init__(
        self,
        *,
        task: str,
        labels: Sequence[str],
        features: _Features,
        coef: _F64,
        intercept: _F64,
        trained_at: datetime,
        version: str | None = None,
    ) -> None:
        self.task = task
        self.labels: tuple[str, ...] = tuple(labels)
        self.trained_at = trained_at
        self._features = features
        self._coef = np.ascontiguousarray(coef, dtype=np.float64)  # (n_features, n_labels)
        # Per column, its idf and its coefficient for each label side by side: the columns of a text are
        # scattered over the vocabulary, and one gathered row is one cache miss where separate idf and
        # per-label arrays cost one miss each (most of prediction's time on a busy core).
        self._by_column = np.ascontiguousarray(np.column_stack((features.idf, self._coef)))
        self._intercept = np.asarray(intercept, dtype=np.float64)
        self.version: str = (
            version or f"{task}-{trained_at.astimezone(UTC):%Y%m%dT%H%M%SZ}-{self.digest()[:8]}"
        )

    def probabilities(self, text: str) -> _F64:
        """Probability of each of :attr:`labels` for one text."""
        features = self._features
        cols, occurrences, split = features.columns(_normalised(text))
        rows = self._by_column.take(cols, axis=0)
        vals = features.shares(occurrences, rows[:, 0], split)
        # A label-major copy: the same (labels, columns) @ (columns,) product, summed in the same order, as
        # before columns were gathered by row, so stored models predict bit for bit as they did.
        scores = np.ascontiguousarray(rows[:, 1:].T) @ vals + self._intercept
        scores = np.exp(scores - scores.max())
        result: _F64 = scores / scores.sum()
        return result

    def predict(self, texts: Sequence[str]) -> list[tuple[str, float]]:
        out: list[tuple[str, float]] = []
        for text in texts:
            probs = self.probabilities(text)
            best = int(probs.argmax())
            out.append((self.labels[best], float(probs[best])))
        return out

    def _header(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "task": self.task,
            "labels": list(self.labels),
            "trained_at": self.trained_at.astimezone(UTC).isoformat(),
            "settings": asdict(self._features.settings),
        }

    def _arrays(self) -> dict[str, npt.NDArray[Any]]:
        f = self._features
        return {
            "word_buckets": f.word_buckets,
            "char_buckets": f.char_buckets,
            "idf": f.idf,
            "coef": self._coef,
            "intercept": self._intercept,
        }

    def digest(self) -> str:
        """SHA-256 of what the model computes with (header and arrays), independent of its version string."""
        h = hashlib.sha256(json.dumps(self._header(), sort_keys=True).encode())
        for name, array in sorted(self._arrays().items()):
            h.update(name.encode())
            h.update(np.ascontiguousarray(array).tobytes())
        return h.hexdigest()

    def to_bytes(self) -> bytes:
        header = {**self._header(), "version": self.version}
        buffer = io.BytesIO()
        arrays: dict[str, Any] = {"header": np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)}
        arrays.update(self._arrays())
        np.savez_compressed(buffer, **arrays)
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> TrainedModel:
        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as archive:
                header = json.loads(archive["header"].tobytes().decode())
                arrays = {name: archive[name] for name in archive.files if name != "header"}
        except (ValueError, OSError, KeyError, EOFError, json.JSONDecodeError) as exc:
            raise ValueError(f"not a Sigap text model: {exc}") from exc
        if header.get("format") != FORMAT:
            raise ValueError("not a Sigap text model")
        if header.get("format_version") != FORMAT_VERSION:
            raise ValueError(
                f"unsupported model format version {header.get('format_version')!r}; "
                f"this Sigap reads version {FORMAT_VERSION}: retrain the model"
            )
        settings = Settings(**header["settings"])
        features = _Features.build(settings, arrays["word_buckets"], arrays["char_buckets"], arrays["idf"])
        return cls(
            task=header["task"],
            labels=header["labels"],
            features=features,
            coef=arrays["coef"],
            intercept=arrays["intercept"],
            trained_at=datetime.fromisoformat(header["trained_at"]),
            version=header["version"],
        )

    def __repr__(self) -> str:
        return f"TrainedModel(version={self.version!r}, labels={self.labels!r})"


def _fit(
    texts: Sequence[str], labels: Sequence[str], *, task: str, settings: Settings, now: datetime
) -> TrainedModel:
    from sklearn.linear_model import LogisticRegression

    norms = [_normalised(t) for t in texts]
    features = _Features.fit(norms, settings)
    classifier = LogisticRegression(
        C=settings.c, class_weight="balanced" if settings.balanced else None, max_iter=settings.max_iter
    )
    classifier.fit(features.matrix(norms), list(labels))
    classes = [str(c) for c in classifier.classes_]
    coef = np.asarray(classifier.coef_, dtype=np.float64).T
    intercept = np.asarray(classifier.intercept_, dtype=np.float64)
    if len(classes) == 2:
        # Binary logistic regression scores the second class only; softmax over (0, z) is its sigmoid.
        coef = np.hstack((np.zeros_like(coef), coef))
        intercept = np.concatenate(([0.0], intercept))
    return TrainedModel(
        task=task, labels=classes, features=features, coef=coef, intercept=intercept, trained_at=now
    )


def _metrics(model: TrainedModel, texts: Sequence[str], labels: Sequence[str]) -> TrainingReport:
    from sklearn.metrics import accuracy_score, precision_recall_fscore_support

    predicted = [label for label, _ in model.predict(texts)]
    names = sorted(set(model.labels) | set(labels))
    precision, recall, f1, support = precision_recall_fscore_support(
        list(labels), predicted, labels=names, zero_division=0
    )
    per_class: dict[str, ClassMetrics] = {
        name: {
            "precision": round(float(p), 4),
            "recall": round(float(r), 4),
            "f1": round(float(f), 4),
            "support": int(s),
        }
        for name, p, r, f, s in zip(names, precision, recall, f1, support, strict=True)
    }
    present = [name for name in names if per_class[name]["support"] > 0]
    notes = []
    unknown = sorted(set(labels) - set(model.labels))
    if unknown:
        notes.append(f"labels the model was not trained on (always wrong): {', '.join(unknown)}")
    return TrainingReport(
        task=model.task,
        version=model.version,
        labels=list(model.labels),
        n_train=0,
        n_holdout=len(texts),
        accuracy=round(float(accuracy_score(list(labels), predicted)), 4),
        # Macro over the classes present in the data, as a reader of per_class would compute it.
        macro_f1=round(sum(per_class[n]["f1"] for n in present) / len(present), 4),
        per_class=per_class,
        notes=notes,
        settings=asdict(model._features.settings),
    )


def _check(texts: Sequence[str], labels: Sequence[str]) -> None:
    if len(texts) != len(labels):
        raise ValueError(f"{len(texts)} texts but {len(labels)} labels: give one label per text")
    distinct = set(labels)
    if len(distinct) < 2:
        raise ValueError(
            f"need examples of at least 2 different labels to learn anything; got {len(distinct)}"
            + (f" ({next(iter(distinct))!r})" if distinct else "")
        )
    if len(texts) < MIN_EXAMPLES:
        raise ValueError(f"need at least {MIN_EXAMPLES} labelled examples; got {len(texts)}")


def train(
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    task: str,
    seed: int = 13,
    holdout: float = 0.2,
    now: datetime | None = None,
    settings: Settings | None = None,
) -> tuple[TrainedModel, TrainingReport]:
    """Fit a classifier for ``labels`` (any label set) and report its quality on a stratified hold-out.

    The hold-out (``holdout`` of the data, split with ``seed``) measures; the returned model is then refitted
    on all examples, so it has seen the hold-out too. Raises ``ValueError`` for fewer than 2 labels or
    :data:`MIN_EXAMPLES` examples.
    """
    _check(texts, labels)
    if not 0.0 < holdout < 1.0:
        raise ValueError(f"holdout must be a fraction between 0 and 1; got {holdout}")
    settings = settings or Settings()
    now = now or datetime.now(UTC)
    counts = Counter(labels)
    n_holdout = math.ceil(holdout * len(texts))
    notes: list[str] = []
    report: TrainingReport | None = None
    rarest, rarest_count = min(counts.items(), key=lambda item: (item[1], item[0]))
    if rarest_count < MIN_PER_LABEL_FOR_HOLDOUT:
        notes.append(
            f"no hold-out evaluation: label {rarest!r} has only {rarest_count} example; "
            f"every label needs at least {MIN_PER_LABEL_FOR_HOLDOUT}"
        )
    elif n_holdout < len(counts) or len(texts) - n_holdout < len(counts):
        notes.append(
            f"no hold-out evaluation: {len(texts)} examples are too few to hold out {holdout:.0%} "
            f"with every one of {len(counts)} labels on both sides"
        )
    else:
        from sklearn.model_selection import train_test_split

        fit_texts, held_texts, fit_labels, held_labels = train_test_split(
            list(texts), list(labels), test_size=n_holdout, random_state=seed, stratify=list(labels)
        )
        held_model = _fit(fit_texts, fit_labels, task=task, settings=settings, now=now)
        report = _metrics(held_model, held_texts, held_labels)
        notes.append(
            f"metrics from a stratified hold-out of {len(held_texts)} examples (seed {seed}) with a model "
            f"fitted on the other {len(fit_texts)}; the returned model was refitted on all {len(texts)}"
        )
    model = _fit(texts, labels, task=task, settings=settings, now=now)
    if report is None:
        report = TrainingReport(
            task=task,
            version=model.version,
            labels=list(model.labels),
            n_train=len(texts),
            n_holdout=0,
            accuracy=None,
            macro_f1=None,
            per_class={},
            settings=asdict(settings),
        )
    report.version = model.version
    report.n_train = len(texts)
    report.notes = notes + report.notes
    return model, report


def evaluate(model: TrainedModel, texts: Sequence[str], labels: Sequence[str]) -> TrainingReport:
    """Accuracy, macro-F1 and per-class precision/recall/F1 of ``model`` on the given labelled texts."""
    if len(texts) != len(labels):
        raise ValueError(f"{len(texts)} texts but {len(labels)} labels: give one label per text")
    if not texts:
        raise ValueError("nothing to evaluate: no labelled texts given")
    report = _metrics(model, texts, labels)
    report.notes.insert(0, f"evaluated on {len(texts)} given examples")
    return report
