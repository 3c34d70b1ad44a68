"""The pipeline learns: the tiny encoder, trained through the workflow on learnable data (scripts/synthetic.py),
scores far above chance on the test split, in both systems.

The other workflow tests train for a few steps at the config's learning rate: they show that training runs,
not that it learns, and a bug in the alignment, the labels or the schedule would pass them.
"""

import sys

import pytest
import spacy
import srsly
from spacy.tokens import DocBin

import entity_scores  # noqa: F401  (Span._.score)
from helpers import copy_project, run
from synthetic import write_data

pytestmark = pytest.mark.slow

# Sentences of train, dev and test; steps and peak learning rate at which the tiny encoder learns them.
SIZES, STEPS, LEARN_RATE = (1000, 100, 200), 300, 0.001
# The workflow's steps that train and score both systems (not the evaluation, report and packaging).
COMMANDS = ("fetch", "convert", "config", "train-a", "train-b", "score-a", "score-b")
# Test F is about 0 untrained, and at 1e-7 learning rate. Measured in five runs (each a new tiny encoder, whose
# tokenizer training varies): A 0.665 to 0.681, B 0.711 to 0.727.
MIN_F = {"a": 0.5, "b": 0.5}
# Expected calibration error of ent._.score on the test split, whose names are a third unseen: 0.10 (A) and 0.14
# (B) for a tiny BERT (benchmarks/RESULTS.md, calibration.py); scores all near 1 would give 1 - precision, about 0.3.
MAX_ECE = 0.2


@pytest.fixture(scope="module")
def trained(tmp_path_factory, tiny_model):
    """A copy of the project with both systems trained on the tiny encoder and scored."""
    project = copy_project(tmp_path_factory.mktemp("learning"))
    write_data(project / "assets", "en", SIZES)
    for command in COMMANDS:
        run([sys.executable, "-m", "weasel", "run", command, ".", "--vars.gpu_id", -1, "--vars.transformer", tiny_model,
             "--vars.max_steps", STEPS, "--vars.learn_rate", LEARN_RATE], cwd=project, check=True)  # fmt: skip
    return project


@pytest.mark.parametrize("system", MIN_F)
def test_tiny_encoder_learns_far_above_chance(trained, system):
    scores = srsly.read_json(trained / f"training/trf/{system}/seqeval_scores.json")["scores"]
    print(f"system {system}: test F {scores['f']:.4f}")
    assert scores["f"] > MIN_F[system], scores["per_type"]


def calibration_error(predictions_path) -> float:
    """Expected calibration error over 10 equal-width bins of ent._.score, each predicted entity right if the gold
    (doc.spans["gold"]) has its span and type: computed here from the saved predictions, apart from score.py."""
    bins = [[] for _ in range(10)]
    for doc in DocBin().from_disk(predictions_path).get_docs(spacy.blank("en").vocab):
        gold = {(span.start, span.end, span.label_) for span in doc.spans["gold"]}
        for ent in doc.ents:
            bins[min(int(ent._.score * 10), 9)].append((ent._.score, (ent.start, ent.end, ent.label_) in gold))
    total = sum(map(len, bins))
    return sum(abs(sum(s for s, _ in b) - sum(r for _, r in b)) for b in bins if b) / total


@pytest.mark.parametrize("system", MIN_F)
def test_entity_scores_are_calibrated(trained, system):
    """The scores' calibration error, as score.py reports it and as computed here; under MAX_ECE."""
    confidence = srsly.read_json(trained / f"training/trf/{system}/seqeval_scores.json")["confidence"]
    ece = calibration_error(trained / f"training/trf/{system}/test_predictions.spacy")
    print(f"system {system}: expected calibration error {ece:.4f}")
    assert confidence["ece"] == pytest.approx(ece)
    assert ece < MAX_ECE
