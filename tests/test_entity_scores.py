"""ent._.score on a small trained NER, against an independent computation that asks spaCy which actions are valid."""

import math
import random

import numpy
import pytest
import spacy
from spacy.tokens import Doc, DocBin
from spacy.training import Example

from calibrate import TEMPERATURES
from confidence import ConfidenceCounter
from entity_scores import ValidActions
from helpers import calibration_error, run_script, snapshot

TRAIN = [
    ("Ann met Bob in Rome", [(0, 3, "PER"), (8, 11, "PER"), (15, 19, "LOC")]),
    ("Oslo is cold in May", [(0, 4, "LOC")]),
    ("New York and Ann Lee", [(0, 8, "LOC"), (13, 20, "PER")]),
]
TEXTS = ["Ann met New York", "Bob Lee likes Oslo  and Rome", "nothing here", "Rome"]


@pytest.fixture(scope="module")
def nlp():
    """A tok2vec and NER trained a little on TRAIN, then entity_scores; the same whatever ran before."""
    spacy.util.fix_random_seed(0)
    nlp = spacy.blank("en")
    nlp.add_pipe("tok2vec")
    nlp.add_pipe("ner")
    examples = [
        Example.from_dict(nlp.make_doc(text), {"entities": ents})
        for text, ents in TRAIN
    ]
    optimizer = nlp.initialize(lambda: examples)
    for _ in range(8):  # a little: the scores stay away from 0 and 1
        nlp.update(examples, sgd=optimizer)
    nlp.add_pipe("entity_scores")
    return nlp


def brute_force_scores(nlp, text, temperature=1.0):
    """Each entity's probability: along the NER's own actions, a softmax over the actions spaCy calls valid."""
    ner = nlp.get_pipe("ner")
    names = [ner.moves.get_class_name(i) for i in range(ner.moves.n_moves)]
    with nlp.select_pipes(enable=["tok2vec"]):
        doc = nlp(text)
    state = ner.moves.init_batch([doc])[0]
    step_model = ner.model.predict([doc])
    log_probs, tags = [], []
    while not state.is_final():
        scores = step_model.predict([state])[0] / temperature
        valid = [name for name in names if ner.moves.is_valid(state, name)]
        best = max(valid, key=lambda name: scores[names.index(name)])
        log_z = math.log(sum(math.exp(scores[names.index(name)]) for name in valid))
        log_probs.append(scores[names.index(best)] - log_z)
        tags.append(best)
        ner.moves.apply_transition(state, best)
    return tags, log_probs


def test_scores_are_the_probability_of_each_entitys_actions(nlp):
    for temperature in (1.0, 2.0):
        nlp.get_pipe("entity_scores").temperature = temperature
        for text in TEXTS:
            doc = nlp(text)
            tags, log_probs = brute_force_scores(nlp, text, temperature)
            ents = [(ent.start, ent.end, ent.label_) for ent in doc.ents]
            starts = [i for i, tag in enumerate(tags) if tag[:2] in ("B-", "U-")]
            assert [
                (
                    s,
                    next(e for e in range(s, len(tags)) if tags[e][:2] in ("L-", "U-"))
                    + 1,
                    tags[s][2:],
                )
                for s in starts
            ] == ents
            expected = [math.exp(sum(log_probs[start:end])) for start, end, _ in ents]
            assert [ent._.score for ent in doc.ents] == pytest.approx(
                expected, rel=1e-4
            )
            assert all(0 < score <= 1 for score in expected)


def test_valid_action_masks_are_spacys(nlp):
    """Along random valid paths, ValidActions' mask equals the actions that spaCy's is_valid admits."""
    ner = nlp.get_pipe("ner")
    names = [ner.moves.get_class_name(i) for i in range(ner.moves.n_moves)]
    valid = ValidActions(names)
    rng = random.Random(0)
    for text in [
        *TEXTS,
        "a b c d e f g h",
        "a  b \n c ",
        "Ann met Bob. Bob met Ann.",
    ] * 10:
        doc = nlp.make_doc(text)
        if text.startswith("Ann met Bob."):
            doc[4].is_sent_start = True
        state = ner.moves.init_batch([doc])[0]
        previous, token = "O", 0
        while not state.is_final():
            spacy_valid = numpy.array(
                [bool(ner.moves.is_valid(state, name)) for name in names]
            )
            open_label = previous[2:] if previous[:2] in ("B-", "I-") else ""
            at_end = token == len(doc) - 1 or bool(doc[token + 1].is_sent_start)
            mask = valid.at(open_label, at_end, doc[token].is_space)
            assert (mask == spacy_valid).all(), (text, token, previous)
            previous = rng.choice([name for name, ok in zip(names, spacy_valid) if ok])
            ner.moves.apply_transition(state, previous)
            token += 1


def test_min_score_drops_the_entities_below_it(nlp):
    nlp.get_pipe("entity_scores").temperature = 1.0
    doc = nlp(TEXTS[1])
    scores = sorted(ent._.score for ent in doc.ents)
    assert len(scores) >= 2 and scores[0] < scores[-1]
    nlp.get_pipe("entity_scores").min_score = scores[-1]
    try:
        kept = nlp(TEXTS[1]).ents
    finally:
        nlp.get_pipe("entity_scores").min_score = 0.0
    assert [ent._.score for ent in kept] == [scores[-1]]


def test_confidence_counts_by_hand():
    counter = ConfidenceCounter()
    # Sentence 1: two gold entities; one predicted right at 0.95, one wrong at 0.55. Sentence 2: one gold
    # entity missed; one predicted right at 0.91, one wrong at 0.05.
    counter.add(
        {(0, 1, "PER"), (3, 4, "LOC")}, {(0, 1, "PER"): 0.95, (3, 4, "ORG"): 0.55}
    )
    counter.add({(2, 3, "PER")}, {(5, 6, "LOC"): 0.05, (7, 9, "ORG"): 0.91})
    bins = {round(row["low"], 1): row for row in counter.bins() if row["entities"]}
    assert {low: (row["entities"], row["precision"]) for low, row in bins.items()} == {
        0.0: (1, 0.0),
        0.5: (1, 0.0),
        0.9: (2, 0.5),
    }
    # |0 - 0.05| + |0 - 0.55| + 2 |0.5 - 0.93|, over 4 entities
    assert counter.calibration_error() == pytest.approx((0.05 + 0.55 + 2 * 0.43) / 4)
    at_half = next(row for row in counter.by_threshold() if row["threshold"] == 0.5)
    assert (at_half["entities"], at_half["p"], at_half["r"]) == (
        3,
        pytest.approx(1 / 3),
        pytest.approx(1 / 3),
    )


# Gold sentences to calibrate on: the training sentences and others, of which the NER gets some wrong.
DEV = TRAIN + [
    ("Bob met Ann in Oslo", [(0, 3, "PER"), (8, 11, "PER"), (15, 19, "LOC")]),
    ("Rome and New York are cold", [(0, 4, "LOC"), (9, 17, "LOC")]),
    ("Lee is in May", [(0, 3, "PER")]),
]


def ece_by_hand(nlp, golds, temperature) -> float:
    """Expected calibration error (10 bins) of the full pipeline's scores at temperature, tagged afresh."""
    nlp.get_pipe("entity_scores").temperature = temperature
    judged = []
    for gold in golds:
        doc = nlp(
            Doc(
                nlp.vocab,
                words=[t.text for t in gold],
                spaces=[bool(t.whitespace_) for t in gold],
            )
        )
        truth = {(e.start, e.end, e.label_) for e in gold.ents}
        judged += [
            (ent._.score, (ent.start, ent.end, ent.label_) in truth) for ent in doc.ents
        ]
    return calibration_error(judged)


def test_calibrate_writes_the_temperature_of_least_calibration_error(nlp, tmp_path):
    model, dev = tmp_path / "model", tmp_path / "dev.spacy"
    nlp.to_disk(model)
    golds = []
    for text, ents in DEV:
        gold = nlp.make_doc(text)
        gold.ents = [gold.char_span(start, end, label) for start, end, label in ents]
        golds.append(gold)
    DocBin(docs=golds).to_disk(dev)
    before = (model / "config.cfg").read_text(encoding="utf8")
    result = run_script("calibrate.py", model, dev)
    assert result.returncode == 0, result.stderr
    errors = {t: ece_by_hand(spacy.load(model), golds, t) for t in TEMPERATURES}
    best = min(errors, key=lambda t: (round(errors[t], 12), abs(t - 1)))

    assert len(set(errors.values())) > 1  # the temperature matters on this data
    assert spacy.load(model).get_pipe("entity_scores").temperature == best
    after = (model / "config.cfg").read_text(encoding="utf8")
    changed = [
        (a, b) for a, b in zip(before.splitlines(), after.splitlines()) if a != b
    ]
    assert changed == (
        [] if best == 1.0 else [("temperature = 1.0", f"temperature = {best}")]
    )


def test_calibrate_refuses_a_pipeline_without_entity_scores(tmp_path):
    model = tmp_path / "model"
    spacy.blank("en").to_disk(model)
    before = snapshot(model)
    result = run_script("calibrate.py", model, tmp_path / "dev.spacy")
    assert (
        result.returncode == 1
        and result.stderr.count("\n") == 1
        and "no entity_scores component" in result.stderr
    )
    assert snapshot(model) == before
