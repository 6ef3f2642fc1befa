"""Trainable text classifiers (sentiment, topic or any label set) learned from labelled examples.

Pure module: no FastAPI, no database. ``train`` fits TF-IDF word 1-2-grams (plus negation-scoped words)
and hashed character 2-5-grams within words, with a class-balanced multinomial logistic regression;
``TrainedModel`` predicts with numpy alone, so intake pays neither scikit-learn's per-call validation nor its
pure-Python character n-gram loop. Training and prediction share one feature function, so what is evaluated
is what runs.

Artifacts are ``numpy.savez`` archives (arrays and one JSON header) read with ``allow_pickle=False``: loading a
model cannot execute code, whoever wrote the bytes.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, TypedDict

import numpy as np
import numpy.typing as npt

from app.classification.text import NEG_PREFIX, mark_negation, normalise

FORMAT = "sigap-text-model"
FORMAT_VERSION = 1
# Models see a bounded prefix, as the rule engine does: the lead carries the story, and a 100 KB paste must
# not cost a hundred times more than a post.
MAX_MODEL_CHARS = 5_000
MIN_EXAMPLES = 6
# Per class; below it no stratified hold-out can hold every class.
MIN_PER_CLASS_FOR_HOLDOUT = 2

_F64 = npt.NDArray[np.float64]
_I64 = npt.NDArray[np.int64]
_U64 = npt.NDArray[np.uint64]

# Polynomial rolling hash of UTF-8 bytes, then Fibonacci hashing to the top bits. Fixed constants: a bucket
# must mean the same n-gram in every process (Python's own str hash is salted per process).
_HASH_SEED = np.uint64(0x9E3779B97F4A7C15)
_HASH_BASE = np.uint64(0x100000001B3)
_HASH_MIX = np.uint64(0xFF51AFD7ED558CCD)
_SPACE = 32


@dataclass(frozen=True)
class Settings:
    """Feature and model hyper-parameters (chosen on SmSA valid and SIB-200 dev; see bench/classify_eval.py)."""

    word_max_n: int = 2
    negation_words: bool = True
    negation_mode: str = "text"
    lexicon: float = 0.0
    char_min_n: int = 2
    char_max_n: int = 5
    char_hash_bits: int = 20
    min_df: int = 1
    c: float = 10.0
    balanced: bool = True
    max_iter: int = 2_000


class ClassMetrics(TypedDict):
    precision: float
    recall: float
    f1: float
    support: int


@dataclass
class TrainingReport:
    """What a training run (or an evaluation) measured; ``as_dict`` is JSON-ready.

    ``n_holdout`` is the number of examples the metrics were computed on (the hold-out split, or the data given
    to :func:`evaluate`); the metrics are ``None`` when no hold-out was possible.
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


def _word_terms(norm: str, settings: Settings) -> list[str]:
    tokens = norm.split()
    terms = list(tokens)
    for n in range(2, settings.word_max_n + 1):
        terms.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
    if settings.negation_words:
        # "tidak enak" and "enak" must not look alike: words a negator governs also count as NEG_ words.
        if settings.negation_mode == "text":
            terms.extend(t for t in mark_negation(tokens) if t.startswith(NEG_PREFIX))
        else:
            terms.extend(_simple_negation(tokens, int(settings.negation_mode)))
    return terms


_NEG = frozenset({"tidak", "belum", "bukan", "tak", "jangan", "tanpa", "kurang"})


def _simple_negation(tokens: list[str], window: int) -> list[str]:
    out = []
    remaining = 0
    for t in tokens:
        if t in _NEG:
            remaining = window
            continue
        if remaining:
            out.append(NEG_PREFIX + t)
            remaining -= 1
    return out


def _char_buckets(norm: str, settings: Settings) -> _U64:
    """Hash buckets of the character n-grams that lie within one word (with its bounding spaces)."""
    raw = f" {norm} ".encode()
    codes = np.frombuffer(raw, dtype=np.uint8).astype(np.uint64)
    spaces = np.concatenate(([0], np.cumsum(codes == _SPACE)))
    length = len(codes)
    hashes = codes + _HASH_SEED
    found: list[_U64] = []
    for n in range(2, settings.char_max_n + 1):
        if length < n:
            break
        hashes = hashes[:-1] * _HASH_BASE + codes[n - 1 :]
        if n >= settings.char_min_n:
            start = np.arange(length - n + 1)
            # An n-gram may begin or end at a space but not contain one: n-grams never span two words.
            inside_one_word = spaces[start + n - 1] == spaces[start + 1]
            found.append(hashes[inside_one_word])
    if not found:
        return np.empty(0, dtype=np.uint64)
    mixed = np.concatenate(found) * _HASH_MIX
    return mixed >> np.uint64(64 - settings.char_hash_bits)


def _tfidf(columns: _I64, idf: _F64) -> tuple[_I64, _F64]:
    """Sublinear tf times idf, L2-normalised, for the (repeated) column ids of one document."""
    if columns.size == 0:
        return columns, np.empty(0, dtype=np.float64)
    unique, counts = np.unique(columns, return_counts=True)
    values = (1.0 + np.log(counts)) * idf[unique]
    norm = float(np.sqrt(values @ values))
    return unique, values / norm if norm else values


def _idf(df: _I64, n_docs: int) -> _F64:
    # scikit-learn's smoothed idf, so figures compare with a TfidfVectorizer baseline.
    result: _F64 = np.log((1.0 + n_docs) / (1.0 + df)) + 1.0
    return result


@dataclass(frozen=True)
class _Features:
    """The fitted vocabulary: word terms and char buckets to columns, with their idf."""

    settings: Settings
    words: dict[str, int]
    word_idf: _F64
    char_buckets: _U64  # sorted bucket ids kept at fit; column = n_words + position
    char_idf: _F64
    char_lookup: npt.NDArray[np.int64]

    @classmethod
    def build(
        cls, settings: Settings, words: dict[str, int], word_idf: _F64, char_buckets: _U64, char_idf: _F64
    ) -> _Features:
        lookup = np.full(1 << settings.char_hash_bits, -1, dtype=np.int64)
        lookup[char_buckets.astype(np.int64)] = np.arange(len(char_buckets)) + len(words)
        return cls(settings, words, word_idf, char_buckets, char_idf, lookup)

    @classmethod
    def fit(cls, norms: Sequence[str], settings: Settings) -> _Features:
        word_df: Counter[str] = Counter()
        bucket_sets: list[_U64] = []
        for norm in norms:
            word_df.update(set(_word_terms(norm, settings)))
            bucket_sets.append(np.unique(_char_buckets(norm, settings)))
        kept = sorted(term for term, df in word_df.items() if df >= settings.min_df)
        words = {term: i for i, term in enumerate(kept)}
        word_idf = _idf(np.array([word_df[t] for t in kept], dtype=np.int64), len(norms))
        all_buckets = np.concatenate(bucket_sets) if bucket_sets else np.empty(0, dtype=np.uint64)
        buckets, char_df = np.unique(all_buckets, return_counts=True)
        keep = char_df >= settings.min_df
        return cls.build(settings, words, word_idf, buckets[keep], _idf(char_df[keep], len(norms)))

    @property
    def n_features(self) -> int:
        return len(self.words) + len(self.char_buckets)

    def vector(self, norm: str) -> tuple[_I64, _F64]:
        """Column ids and values of one normalised text: word block and char block, each of unit length."""
        words = self.words
        word_cols = np.array(
            [col for term in _word_terms(norm, self.settings) if (col := words.get(term)) is not None],
            dtype=np.int64,
        )
        w_cols, w_vals = _tfidf(word_cols, self.word_idf)
        char_cols = self.char_lookup[_char_buckets(norm, self.settings).astype(np.int64)]
        c_cols, c_vals = _tfidf(char_cols[char_cols >= 0], self._char_idf_by_column)
        return np.concatenate((w_cols, c_cols)), np.concatenate((w_vals, c_vals))

    @property
    def _char_idf_by_column(self) -> _F64:
        # Indexed by global column id, so _tfidf can look idf up directly; built once per instance.
        cached: _F64 | None = self.__dict__.get("_char_idf_full")
        if cached is None:
            cached = np.concatenate((np.zeros(len(self.words)), self.char_idf))
            object.__setattr__(self, "_char_idf_full", cached)
        return cached

    def matrix(self, norms: Sequence[str]) -> Any:
        from scipy.sparse import csr_matrix  # type: ignore[import-untyped]

        indptr = [0]
        cols: list[_I64] = []
        vals: list[_F64] = []
        for norm in norms:
            c, v = self.vector(norm)
            cols.append(c)
            vals.append(v)
            indptr.append(indptr[-1] + len(c))
        return csr_matrix(
            (np.concatenate(vals), np.concatenate(cols), np.array(indptr)),
            shape=(len(norms), self.n_features),
        )


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
        self._intercept = np.asarray(intercept, dtype=np.float64)
        self.version: str = (
            version or f"{task}-{trained_at.astimezone(UTC):%Y%m%dT%H%M%SZ}-{self.digest()[:8]}"
        )

    def probabilities(self, text: str) -> _F64:
        """Probability of each of :attr:`labels` for one text."""
        cols, vals = self._features.vector(_normalised(text))
        scores = vals @ self._coef[cols] + self._intercept
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
            "words": sorted(self._features.words, key=self._features.words.__getitem__),
        }

    def _arrays(self) -> dict[str, npt.NDArray[Any]]:
        f = self._features
        return {
            "word_idf": f.word_idf,
            "char_buckets": f.char_buckets,
            "char_idf": f.char_idf,
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
        header_bytes = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
        np.savez_compressed(buffer, header=header_bytes, **self._arrays())
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
        words = {term: i for i, term in enumerate(header["words"])}
        features = _Features.build(
            settings, words, arrays["word_idf"], arrays["char_buckets"], arrays["char_idf"]
        )
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
    from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]

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
    from sklearn.metrics import accuracy_score, precision_recall_fscore_support  # type: ignore[import-untyped]

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

    The hold-out (``holdout`` of the data, split with ``seed``) measures; the returned model is then refitted on
    all examples, so it has seen the hold-out too. Raises ``ValueError`` for fewer than 2 labels or
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
    if rarest_count < MIN_PER_CLASS_FOR_HOLDOUT:
        notes.append(
            f"no hold-out evaluation: label {rarest!r} has only {rarest_count} example; "
            f"every label needs at least {MIN_PER_CLASS_FOR_HOLDOUT}"
        )
    elif n_holdout < len(counts) or len(texts) - n_holdout < len(counts):
        notes.append(
            f"no hold-out evaluation: {len(texts)} examples are too few to hold out {holdout:.0%} "
            f"with every one of {len(counts)} labels on both sides"
        )
    else:
        from sklearn.model_selection import train_test_split  # type: ignore[import-untyped]

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
