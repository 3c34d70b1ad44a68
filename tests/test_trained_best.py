"""multinerd.ConsoleLogger.v1 (scripts/callbacks.py) in spaCy's own training loop: model-best is the best
evaluation after step 0, never the pipeline of the first evaluation, which has had a single update."""

import pytest
import spacy
from spacy.language import Language
from spacy.tokens import DocBin
from spacy.training.initialize import init_nlp
from spacy.training.loop import train
from spacy.util import load_config_from_str, load_model_from_config

import callbacks  # noqa: F401  (registers the logger)

CONFIG = """
[paths]
train = null
dev = null

[nlp]
lang = "en"
pipeline = ["scripted"]

[components]

[components.scripted]
factory = "scripted_score"

[corpora]

[corpora.train]
@readers = "spacy.Corpus.v1"
path = ${paths.train}

[corpora.dev]
@readers = "spacy.Corpus.v1"
path = ${paths.dev}

[training]
max_epochs = -1
max_steps = 8
eval_frequency = 2
patience = 0

[training.logger]
@loggers = "multinerd.ConsoleLogger.v1"
"""


class ScriptedScore:
    """A component whose score at its nth evaluation is scores[n - 1]; it saves how many evaluations it has seen."""

    scores = []

    def __init__(self):
        self.evaluations = 0

    def __call__(self, doc):
        return doc

    def score(self, examples, **kwargs):
        self.evaluations += 1
        return {"scripted": self.scores[self.evaluations - 1]}

    def to_disk(self, path, exclude=()):
        path.mkdir(exist_ok=True)
        (path / "evaluations").write_text(str(self.evaluations))

    def from_disk(self, path, exclude=()):
        return self


@Language.factory("scripted_score", default_score_weights={"scripted": 1.0})
def make_scripted_score(nlp, name):
    return ScriptedScore()


# Evaluations at steps 0, 2, 4, 6 and 8, and the one model-best must hold (counted from 1).
CASES = {
    # Nothing trained beats step 0: the best after it is 0.5, at the 3rd and the 4th; the latest of equals.
    "untrained step best": ([0.9, 0.1, 0.5, 0.5, 0.3], 4),
    # A trained step beats step 0: spaCy's choice and ours agree.
    "trained step best": ([0.2, 0.1, 0.6, 0.4, 0.3], 3),
}


@pytest.mark.parametrize("case", CASES)
def test_model_best_is_the_best_evaluation_after_step_0(tmp_path, monkeypatch, case):
    scores, expected = CASES[case]
    monkeypatch.setattr(ScriptedScore, "scores", scores)
    corpus = tmp_path / "corpus.spacy"
    DocBin(
        docs=[spacy.blank("en")(text) for text in ("one doc", "another doc")]
    ).to_disk(corpus)
    config = load_config_from_str(
        CONFIG, overrides={"paths.train": str(corpus), "paths.dev": str(corpus)}
    )
    # with spaCy's [training] defaults
    nlp = init_nlp(load_model_from_config(config, auto_fill=True).config)
    (tmp_path / "training").mkdir()
    train(nlp, tmp_path / "training")
    evaluations = (tmp_path / "training/model-best/scripted/evaluations").read_text()
    assert int(evaluations) == expected
    best = spacy.util.load_meta(tmp_path / "training/model-best/meta.json")[
        "performance"
    ]["scripted"]
    assert best == pytest.approx(scores[expected - 1])
