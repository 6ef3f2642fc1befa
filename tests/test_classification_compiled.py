"""compiled.py: prediction computes exactly what training fitted, alone or with other models."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime

import numpy as np
import pytest

from app.classification import learn
from app.classification.compiled import CompiledModels, compile_models, predictions
from app.classification.learn import Settings, TrainedModel, tokens_of
from tests.test_classification_learn import sentiment_data, topic_data

NOW = datetime(2026, 11, 28, 7, 15, tzinfo=UTC)

# Words the training texts never had ("ojol", "viral", a typo), negation, repeats, a bigram seen in training.
UNSEEN_TEXTS = [
    "",
    "banjir",
    "Warga Samarinda kecewa, banjir banjir banjir tidak kunjung surut",
    "Ojol di Balikpapan viral, pelayanan tidak ramah dan tidak cepat, warga kecewaaa",
    "Jalan poros Samarinda-Bontang rusak parah, jembatan ambruk, evakuasi warga berlanjut sampai malam",
    "kurang enak, bukan main, tidak tidak tidak",
]


def reference_scores(model: TrainedModel, tokens: Sequence[str]) -> np.ndarray:
    """The model's documented arithmetic, written plainly: features from learn's own feature function."""
    index = {feature: i for i, feature in enumerate(model.words)}
    counts = Counter(learn._word_features(tokens, model.settings))
    known = [(index[f], c) for f, c in counts.items() if f in index]
    score = model.intercept.copy()
    if known:
        values = np.array([(1 + math.log(c)) * model.word_rows[i, 0] for i, c in known])
        coefs = np.array([model.word_rows[i, 1:] for i, _ in known])
        score += values @ coefs / np.sqrt(values @ values)
    types = Counter(tokens)
    if types:
        type_index = {t: i for i, t in enumerate(model.types)}
        weights = np.array([1 + math.log(c) for c in types.values()])
        per_type = np.array(
            [model.type_scores[type_index[t]] if t in type_index else model.char_score(t) for t in types]
        )
        score += weights @ per_type / np.sqrt(weights @ weights)
    return score


@pytest.fixture(scope="module")
def models() -> tuple[TrainedModel, TrainedModel]:
    sentiment = learn._fit(*sentiment_data(), task="sentiment", settings=Settings(), now=NOW)
    topic = learn._fit(*topic_data(), task="topic", settings=Settings(), now=NOW)
    return sentiment, topic


def test_scores_are_the_models_arithmetic(models: tuple[TrainedModel, TrainedModel]) -> None:
    for model in models:
        for text in UNSEEN_TEXTS + sentiment_data()[0][:10] + topic_data()[0][:10]:
            tokens = tokens_of(text)
            assert np.allclose(model.scores(tokens), reference_scores(model, tokens), rtol=0, atol=1e-12)


def test_scores_on_training_texts_are_the_fitted_design(models: tuple[TrainedModel, TrainedModel]) -> None:
    # Built from the same texts, the design has the model's own vocabulary: its rows times the fitted
    # coefficients are what the linear model scored during training.
    sentiment = models[0]
    texts = sentiment_data()[0]
    docs = [tokens_of(t) for t in texts]
    design = learn._design(docs, sentiment.settings)
    assert design.words == list(sentiment.words)
    coef = np.vstack((sentiment.word_rows[:, 1:], sentiment._ngram_rows[:, 1:]))
    fitted = design.matrix @ coef + sentiment.intercept
    for tokens, row in zip(docs, fitted, strict=True):
        assert np.allclose(sentiment.scores(tokens), row, rtol=0, atol=1e-12)


def test_models_compiled_together_answer_as_each_alone(models: tuple[TrainedModel, TrainedModel]) -> None:
    together = CompiledModels(models)
    for text in UNSEEN_TEXTS:
        tokens = tokens_of(text)
        answers = together.predict_tokens(tokens)
        assert answers == [model.predict_tokens(tokens) for model in models]
        probabilities = together.probabilities(tokens)
        for model, p in zip(models, probabilities, strict=True):
            assert math.isclose(sum(p), 1.0)
            assert np.allclose(p, model.probabilities(text), rtol=0, atol=1e-12)


def test_models_with_different_settings_are_compiled_apart(models: tuple[TrainedModel, TrainedModel]) -> None:
    sentiment, _ = models
    unigrams = learn._fit(
        *topic_data(), task="topic", settings=replace(Settings(), word_max_n=1, negation_window=2), now=NOW
    )
    assert len(compile_models((sentiment, unigrams))) == 2
    tokens = tokens_of(UNSEEN_TEXTS[3])
    assert predictions((unigrams, sentiment), tokens) == [
        unigrams.predict_tokens(tokens),
        sentiment.predict_tokens(tokens),
    ]
    assert np.allclose(unigrams.scores(tokens), reference_scores(unigrams, tokens), rtol=0, atol=1e-12)
    with pytest.raises(ValueError, match="share their word feature settings"):
        CompiledModels([sentiment, unigrams])


def test_a_text_scores_the_same_whatever_came_before(models: tuple[TrainedModel, TrainedModel]) -> None:
    together = CompiledModels(models)
    tokens = tokens_of(UNSEEN_TEXTS[3])
    first = together.scores(tokens)
    for text in UNSEEN_TEXTS:
        together.scores(tokens_of(text))
    assert together.scores(tokens) == first


def test_words_are_found_by_hash_or_by_dictionary_alike(models: tuple[TrainedModel, TrainedModel]) -> None:
    by_hash = CompiledModels(models)
    by_dictionary = CompiledModels(models)
    # The dictionary answers in a process where two vocabulary words share a hash.
    by_dictionary._word_bits = 0
    for text in UNSEEN_TEXTS:
        tokens = tokens_of(text)
        assert by_hash.scores(tokens) == by_dictionary.scores(tokens)
