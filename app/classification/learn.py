"""Trainable text classifiers (sentiment, topic or any label set) learned from labelled examples.

Pure module: no FastAPI, no database. ``train`` turns the normalised text into two blocks of features -- word
unigrams, bigrams and the ``NEG_`` form of a word after a negator (sublinear tf-idf), and character 2-5-grams
within words, pooled per word type (see ``_Design``) -- and fits a class-balanced linear SVM on both plus
complement naive Bayes on the words. Both models are linear, so they fold into one coefficient matrix; how
much NB weighs and the softmax temperature that turns scores into probabilities are chosen by
cross-validation on the training data. ``TrainedModel`` predicts through :mod:`app.classification.compiled`
(numpy and one numba function, no scikit-learn): a word's char score is computed once, so intake pays no hash
per n-gram. What it computes is checked against this module's feature function and the fitted design on the
training texts (``tests/test_classification_compiled.py``), so what is evaluated is what runs.

Artifacts are ``numpy.savez`` archives (arrays and one JSON header) read with ``allow_pickle=False``: loading
a model cannot execute code, whoever wrote the bytes.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import cached_property, lru_cache
from itertools import pairwise
from typing import TYPE_CHECKING, Any, TypedDict

import numpy as np
import numpy.typing as npt

from app.classification.text import NEGATORS, normalise

if TYPE_CHECKING:
    from app.classification.compiled import CompiledModels

FORMAT = "sigap-text-model"
# 2: vocabulary features and an SVM + NB ensemble (version 1 hashed features into a logistic regression).
FORMAT_VERSION = 2
# Models see a bounded prefix, as the rule engine does: the lead carries the story, and a 100 KB paste must
# not cost a hundred times more than a post.
MAX_MODEL_CHARS = 5_000
MIN_EXAMPLES = 6
# Per label; below it no stratified hold-out can hold every label.
MIN_PER_LABEL_FOR_HOLDOUT = 2

_F64 = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Settings:
    """Feature and model hyper-parameters, chosen on SmSA valid and on SIB-200 train (5-fold CV) and dev
    (never a test split); ``bench/classify_eval.py --tune`` reprints the comparison."""

    word_max_n: int = 2
    negation_window: int = 1
    char_min_n: int = 2
    char_max_n: int = 5
    min_df: int = 1
    # Bigrams and NEG_ words seen in one training text only are dropped: a third of the features, as good
    # on SmSA valid and SIB-200 dev, and the model's memory, which prediction's speed follows.
    pair_min_df: int = 2
    c: float = 1.0  # LinearSVC
    balanced: bool = True
    nb_alpha: float = 0.3  # ComplementNB smoothing
    # Candidate weights of the NB scores against the SVM's; train picks one by cross-validation.
    nb_weights: tuple[float, ...] = (0.0, 1.0, 2.0)
    cv_folds: int = 3
    max_iter: int = 5_000

    def __post_init__(self) -> None:
        if not 1 <= self.char_min_n <= self.char_max_n:
            raise ValueError("character n-grams need 1 <= char_min_n <= char_max_n")
        if not 1 <= self.word_max_n <= 2:
            raise ValueError("word_max_n must be 1 or 2")
        if not self.nb_weights:
            raise ValueError("nb_weights needs at least one candidate")
        if self.cv_folds < 2:
            raise ValueError("cv_folds must be at least 2")


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
    # What answers without this model (the rules), measured on the same hold-out; None when not measured.
    baseline_macro_f1: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@lru_cache(maxsize=16)
def _tokens(text: str) -> tuple[str, ...]:
    # The engine asks the sentiment and the topic model about the same text, one after the other.
    return tuple(normalise(text[:MAX_MODEL_CHARS]).split())


def tokens_of(text: str) -> tuple[str, ...]:
    """The words a model reads: :func:`normalise` of the first :data:`MAX_MODEL_CHARS` characters."""
    return _tokens(text)


# "kurang enak" reads as "tidak enak" in reviews and complaints (+0.02 macro-F1 on IndoLEM dev).
NEGATORS_FOR_MODELS = NEGATORS | {"kurang"}
NEGATION_FEATURE_PREFIX = "NEG_"


def _word_features(tokens: Sequence[str], settings: Settings) -> list[str]:
    """Unigrams, bigrams (``word_max_n`` 2) and the ``NEG_`` form of the words a negator governs."""
    return [*tokens, *_pair_features(tokens, settings)]


def _pair_features(tokens: Sequence[str], settings: Settings) -> list[str]:
    """The word features other than unigrams: bigrams and ``NEG_`` words.

    "tidak enak", "belum enak", "gak enak" share one NEG_enak. Narrower on purpose than the rule engine's
    mark_negation: a learned model takes from the data what a negated word means (window 1 scored best on
    SmSA valid and IndoLEM dev).
    """
    out = [f"{a} {b}" for a, b in pairwise(tokens)] if settings.word_max_n >= 2 else []
    for step in range(1, settings.negation_window + 1):
        out += [
            NEGATION_FEATURE_PREFIX + b
            for a, b in zip(tokens, tokens[step:], strict=False)
            if a in NEGATORS_FOR_MODELS
        ]
    return out


def _min_df(feature: str, settings: Settings) -> int:
    pair = " " in feature or feature.startswith(NEGATION_FEATURE_PREFIX)
    return settings.pair_min_df if pair else settings.min_df


def _char_ngrams(word: str, settings: Settings) -> set[str]:
    """Character n-grams of `` word `` (within the word and its bounding spaces, like ``char_wb``)."""
    padded = f" {word} "
    size = len(padded)
    return {
        padded[i : i + n]
        for n in range(settings.char_min_n, min(settings.char_max_n, size) + 1)
        for i in range(size - n + 1)
    }


def _idf(df: npt.NDArray[np.int64], n_docs: int) -> _F64:
    # scikit-learn's smoothed idf, so figures compare with a TfidfVectorizer baseline.
    result: _F64 = np.log((1.0 + n_docs) / (1.0 + df)) + 1.0
    return result


def _blob(strings: Sequence[str]) -> npt.NDArray[np.uint8]:
    # Features never contain a line break (normalise splits on whitespace): one UTF-8 array, no pickle.
    return np.frombuffer("\n".join(strings).encode(), dtype=np.uint8)


def _unblob(array: npt.NDArray[Any]) -> list[str]:
    text = array.tobytes().decode()
    return text.split("\n") if text else []


@dataclass
class _Design:
    """What training learns about the text before any label: vocabularies, idf and the feature matrix.

    Columns are the word features, then the character n-grams. A document's word block is sublinear tf-idf
    of unigrams, bigrams and ``NEG_`` words, of unit length. Its char block is built from word types: each
    type is the unit-length idf vector of its char n-grams, and the block is their sum weighted by the type's
    sublinear count, divided by the length of those weights. So a document's char score is a weighted mean of
    per-word scores, computed once per word and cached, where hashing every n-gram of every text cost most of
    prediction's time (``bench/classify_eval.py``).
    """

    words: list[str]
    word_idf: _F64
    ngrams: list[str]
    ngram_idf: _F64
    types: list[str]
    type_ngrams: Any  # csr (types x ngrams), rows of unit length
    matrix: Any  # csr (docs x features)


def _design(docs: Sequence[Sequence[str]], settings: Settings) -> _Design:
    from scipy.sparse import csr_matrix, diags, hstack

    n_docs = len(docs)
    counts = [Counter(_word_features(tokens, settings)) for tokens in docs]
    df: Counter[str] = Counter()
    for c in counts:
        df.update(c.keys())
    words = sorted(f for f, n in df.items() if n >= _min_df(f, settings))
    word_index = {w: i for i, w in enumerate(words)}
    word_idf = _idf(np.array([df[w] for w in words], dtype=np.int64), n_docs)
    rows, cols, vals = [], [], []
    for r, c in enumerate(counts):
        ids = [word_index[f] for f in c if f in word_index]
        if not ids:
            continue
        v = (1.0 + np.log(np.array([c[words[i]] for i in ids], dtype=np.float64))) * word_idf[ids]
        rows.extend([r] * len(ids))
        cols.extend(ids)
        vals.extend((v / np.sqrt(v @ v)).tolist())
    word_block = csr_matrix((vals, (rows, cols)), shape=(n_docs, len(words)))

    types = sorted({t for tokens in docs for t in tokens})
    type_index = {t: i for i, t in enumerate(types)}
    grams_of = [_char_ngrams(t, settings) for t in types]
    ngrams = sorted(set().union(*grams_of)) if grams_of else []
    ngram_index = {g: i for i, g in enumerate(ngrams)}
    ids_of = [np.array(sorted(ngram_index[g] for g in grams), dtype=np.intp) for grams in grams_of]
    ngram_df = np.zeros(len(ngrams), dtype=np.int64)
    doc_types = [Counter(tokens) for tokens in docs]
    for c in doc_types:
        if c:
            ngram_df[np.unique(np.concatenate([ids_of[type_index[t]] for t in c]))] += 1
    ngram_idf = _idf(ngram_df, n_docs)
    t_rows, t_cols, t_vals = [], [], []
    for i, type_ids in enumerate(ids_of):
        weights = ngram_idf[type_ids]
        t_rows.extend([i] * len(type_ids))
        t_cols.extend(type_ids.tolist())
        t_vals.extend((weights / np.sqrt(weights @ weights)).tolist())
    type_ngrams = csr_matrix((t_vals, (t_rows, t_cols)), shape=(len(types), len(ngrams)))
    rows, cols, vals = [], [], []
    scale = np.zeros(n_docs)
    for r, c in enumerate(doc_types):
        a = 1.0 + np.log(np.fromiter(c.values(), dtype=np.float64, count=len(c)))
        rows.extend([r] * len(c))
        cols.extend(type_index[t] for t in c)
        vals.extend(a.tolist())
        scale[r] = 1.0 / np.sqrt(a @ a) if len(c) else 0.0
    doc_type = csr_matrix((vals, (rows, cols)), shape=(n_docs, len(types)))
    char_block = diags(scale) @ doc_type @ type_ngrams
    matrix = hstack([word_block, char_block]).tocsr()
    return _Design(words, word_idf, ngrams, ngram_idf, types, type_ngrams, matrix)


@dataclass
class _Linear:
    """A linear SVM on all features and complement naive Bayes on the word block, not yet combined."""

    svm_coef: _F64  # (features, labels)
    intercept: _F64
    classes: list[str]
    nb_coef: _F64  # (features, labels): NB log-probabilities centred per feature, zero on char columns
    nb_scale: float  # the NB part's scores, in units of the SVM's

    def coef(self, nb_weight: float) -> _F64:
        """Both models are linear in the features, so their weighted sum is one coefficient matrix: the
        ensemble costs nothing at prediction."""
        if not nb_weight or not self.nb_scale:
            return self.svm_coef
        result: _F64 = self.svm_coef + nb_weight * self.nb_scale * self.nb_coef
        return result


def _linear(matrix: Any, n_words: int, labels: Sequence[str], settings: Settings) -> _Linear:
    """Fit both models; NB scores are centred per text and scaled to the SVM's spread on the training data."""
    from sklearn.naive_bayes import ComplementNB
    from sklearn.svm import LinearSVC

    y = list(labels)
    svm = LinearSVC(
        C=settings.c,
        class_weight="balanced" if settings.balanced else None,
        max_iter=settings.max_iter,
        random_state=0,
    ).fit(matrix, y)
    classes = [str(c) for c in svm.classes_]
    coef = np.asarray(svm.coef_, dtype=np.float64).T
    intercept = np.asarray(svm.intercept_, dtype=np.float64)
    if len(classes) == 2:
        # Binary LinearSVC scores the second class only; (-z/2, z/2) has the same argmax and spread.
        coef = np.hstack((-coef / 2, coef / 2))
        intercept = np.concatenate((-intercept / 2, intercept / 2))
    nb_coef = np.zeros_like(coef)
    nb_scale = 0.0
    if n_words and any(w for w in settings.nb_weights):
        words = matrix[:, :n_words]
        nb = ComplementNB(alpha=settings.nb_alpha).fit(words, y)
        log_prob = np.asarray(nb.feature_log_prob_, dtype=np.float64).T  # (words, labels)
        nb_coef[:n_words] = log_prob - log_prob.mean(axis=1, keepdims=True)
        spread = float(np.std(matrix @ nb_coef))
        nb_scale = float(np.std(matrix @ coef + intercept)) / spread if spread else 0.0
    return _Linear(coef, intercept, classes, nb_coef, nb_scale)


def _select(design: _Design, labels: Sequence[str], settings: Settings, seed: int) -> tuple[float, float]:
    """The NB weight (macro-F1) and the softmax temperature (log-loss), by cross-validation on training data.

    Returns (first candidate weight, 1.0) when a label has too few examples to cross-validate.
    """
    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedKFold

    candidates = settings.nb_weights
    y = np.array(labels)
    if min(Counter(labels).values()) < settings.cv_folds:
        return candidates[0], 1.0
    folds = StratifiedKFold(settings.cv_folds, shuffle=True, random_state=seed).split(design.matrix, y)
    n_words = len(design.words)
    classes: list[str] = sorted(set(labels))
    scores: dict[float, _F64] = {w: np.zeros((len(y), len(classes))) for w in candidates}
    for fit_rows, held_rows in folds:
        # The vocabulary is the full training set's: idf leaks a little across folds, labels do not.
        linear = _linear(design.matrix[fit_rows], n_words, y[fit_rows].tolist(), settings)
        held = design.matrix[held_rows]
        for weight in candidates:
            scores[weight][held_rows] = held @ linear.coef(weight) + linear.intercept
    best = max(
        candidates,
        key=lambda w: (f1_score(y, np.array(classes)[scores[w].argmax(axis=1)], average="macro"), -w),
    )
    chosen = scores[best]
    gold = np.searchsorted(classes, y)
    losses = []
    temperatures = np.geomspace(0.1, 100.0, 61)
    for t in temperatures:
        z = chosen * t
        z = z - z.max(axis=1, keepdims=True)
        log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        losses.append(-float(log_p[np.arange(len(y)), gold].mean()))
    return best, float(temperatures[int(np.argmin(losses))])


class TrainedModel:
    """A fitted classifier: ``predict`` gives ``(label, probability)`` per text. Satisfies ``TextModel``.

    It holds what training learned; predicting is :mod:`app.classification.compiled`'s, which also serves
    several models in one pass over a text.
    """

    def __init__(
        self,
        *,
        task: str,
        labels: Sequence[str],
        settings: Settings,
        words: Sequence[str],
        word_rows: _F64,
        ngrams: Sequence[str],
        ngram_rows: _F64,
        types: Sequence[str],
        type_scores: _F64,
        intercept: _F64,
        temperature: float,
        nb_weight: float,
        trained_at: datetime,
        version: str | None = None,
    ) -> None:
        self.task = task
        self.labels: tuple[str, ...] = tuple(labels)
        self.settings = settings
        self.trained_at = trained_at
        self.temperature = float(temperature)
        self.nb_weight = float(nb_weight)
        # Word features (unigrams, bigrams "a b", NEG_ words) with per feature its idf and its coefficient
        # for each label side by side.
        self.words: tuple[str, ...] = tuple(words)
        self.word_rows = np.ascontiguousarray(word_rows, dtype=np.float64)  # (words, 1 + labels)
        # Char n-grams the same way, and per training word type its char score (``_Design``).
        self._ngrams = list(ngrams)
        self._ngram_rows = np.ascontiguousarray(ngram_rows, dtype=np.float64)  # (ngrams, 1 + labels)
        self.types: tuple[str, ...] = tuple(types)
        self.type_scores = np.ascontiguousarray(type_scores, dtype=np.float64)  # (types, labels)
        self.intercept = np.asarray(intercept, dtype=np.float64)
        self._ngram_index = {g: i for i, g in enumerate(self._ngrams)}
        self._zero = np.zeros(len(self.labels))
        self.version: str = (
            version or f"{task}-{trained_at.astimezone(UTC):%Y%m%dT%H%M%SZ}-{self.digest()[:8]}"
        )

    def char_score(self, word: str) -> _F64:
        """Char-block score of a word the training data did not contain: the unit-length idf vector of the
        n-grams the model knows, times their coefficients."""
        get = self._ngram_index.get
        ids = [i for i in map(get, _char_ngrams(word, self.settings)) if i is not None]
        if not ids:
            return self._zero
        rows = self._ngram_rows.take(sorted(ids), axis=0)
        idf = rows[:, 0]
        score: _F64 = (idf @ rows[:, 1:]) / math.sqrt(float(idf @ idf))
        return score

    @cached_property
    def _alone(self) -> CompiledModels:
        from app.classification.compiled import CompiledModels  # it builds on this module

        return CompiledModels([self])

    def scores(self, tokens: Sequence[str]) -> _F64:
        """Decision score of each of :attr:`labels` for one text's tokens (:func:`tokens_of`)."""
        return np.array(self._alone.scores(tokens))

    def probabilities(self, text: str) -> _F64:
        """Probability of each of :attr:`labels` for one text."""
        return np.array(self._alone.probabilities(_tokens(text))[0])

    def predict(self, texts: Sequence[str]) -> list[tuple[str, float]]:
        return [self.predict_tokens(_tokens(text)) for text in texts]

    def predict_tokens(self, tokens: Sequence[str]) -> tuple[str, float]:
        """``(label, probability)`` for one text already turned into :func:`tokens_of`."""
        return self._alone.predict_tokens(tokens)[0]

    def _header(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "task": self.task,
            "labels": list(self.labels),
            "trained_at": self.trained_at.astimezone(UTC).isoformat(),
            "settings": asdict(self.settings),
            "temperature": self.temperature,
            "nb_weight": self.nb_weight,
        }

    def _arrays(self) -> dict[str, npt.NDArray[Any]]:
        return {
            "words": _blob(self.words),
            "word_rows": self.word_rows,
            "ngrams": _blob(self._ngrams),
            "ngram_rows": self._ngram_rows,
            "types": _blob(self.types),
            "type_scores": self.type_scores,
            "intercept": self.intercept,
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
        raw = header["settings"]
        # A model saved before a setting existed was trained as that setting's old default said.
        settings = Settings(**{"pair_min_df": 1, **raw, "nb_weights": tuple(raw["nb_weights"])})
        return cls(
            task=header["task"],
            labels=header["labels"],
            settings=settings,
            words=_unblob(arrays["words"]),
            word_rows=arrays["word_rows"],
            ngrams=_unblob(arrays["ngrams"]),
            ngram_rows=arrays["ngram_rows"],
            types=_unblob(arrays["types"]),
            type_scores=arrays["type_scores"],
            intercept=arrays["intercept"],
            temperature=header["temperature"],
            nb_weight=header["nb_weight"],
            trained_at=datetime.fromisoformat(header["trained_at"]),
            version=header["version"],
        )

    def __repr__(self) -> str:
        return f"TrainedModel(version={self.version!r}, labels={self.labels!r})"


def _fit(
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    task: str,
    settings: Settings,
    now: datetime,
    seed: int = 13,
) -> TrainedModel:
    docs = [_tokens(t) for t in texts]
    design = _design(docs, settings)
    nb_weight, temperature = _select(design, labels, settings, seed)
    linear = _linear(design.matrix, len(design.words), labels, settings)
    coef = linear.coef(nb_weight)
    n_words = len(design.words)
    word_coef, char_coef = coef[:n_words], coef[n_words:]
    return TrainedModel(
        task=task,
        labels=linear.classes,
        settings=settings,
        words=design.words,
        word_rows=np.column_stack((design.word_idf, word_coef)),
        ngrams=design.ngrams,
        ngram_rows=np.column_stack((design.ngram_idf, char_coef)),
        types=design.types,
        type_scores=np.asarray(design.type_ngrams @ char_coef),
        intercept=linear.intercept,
        temperature=temperature,
        nb_weight=nb_weight,
        trained_at=now,
    )


def _per_class(labels: Sequence[str], predicted: Sequence[str], names: list[str]) -> dict[str, ClassMetrics]:
    from sklearn.metrics import precision_recall_fscore_support

    precision, recall, f1, support = precision_recall_fscore_support(
        list(labels), list(predicted), labels=names, zero_division=0
    )
    return {
        name: {
            "precision": round(float(p), 4),
            "recall": round(float(r), 4),
            "f1": round(float(f), 4),
            "support": int(s),
        }
        for name, p, r, f, s in zip(names, precision, recall, f1, support, strict=True)
    }


def _macro_f1(per_class: dict[str, ClassMetrics]) -> float:
    # Macro over the classes present in the data, as a reader of per_class would compute it.
    present = [metrics["f1"] for metrics in per_class.values() if metrics["support"] > 0]
    return round(sum(present) / len(present), 4)


def _metrics(model: TrainedModel, texts: Sequence[str], labels: Sequence[str]) -> TrainingReport:
    from sklearn.metrics import accuracy_score

    predicted = [label for label, _ in model.predict(texts)]
    per_class = _per_class(labels, predicted, sorted(set(model.labels) | set(labels)))
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
        macro_f1=_macro_f1(per_class),
        per_class=per_class,
        notes=notes,
        settings=asdict(model.settings),
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
    baseline: Callable[[Sequence[str]], list[str]] | None = None,
) -> tuple[TrainedModel, TrainingReport]:
    """Fit a classifier for ``labels`` (any label set) and report its quality on a stratified hold-out.

    The hold-out (``holdout`` of the data, split with ``seed``) measures; the returned model is then refitted
    on all examples, so it has seen the hold-out too. ``baseline``, when given, labels texts the way Sigap
    would without the model; its macro-F1 on the same hold-out goes into the report. Raises ``ValueError``
    for fewer than 2 labels or :data:`MIN_EXAMPLES` examples.
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
        held_model = _fit(fit_texts, fit_labels, task=task, settings=settings, now=now, seed=seed)
        report = _metrics(held_model, held_texts, held_labels)
        if baseline is not None:
            names = sorted(set(labels))
            report.baseline_macro_f1 = _macro_f1(_per_class(held_labels, baseline(held_texts), names))
        notes.append(
            f"metrics from a stratified hold-out of {len(held_texts)} examples (seed {seed}) with a model "
            f"fitted on the other {len(fit_texts)}; the returned model was refitted on all {len(texts)}"
        )
    model = _fit(texts, labels, task=task, settings=settings, now=now, seed=seed)
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
