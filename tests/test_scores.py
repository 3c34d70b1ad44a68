"""seqeval-style scores: hand-computed cases, and score.py on a rule-based pipeline."""

import pytest
import spacy
import srsly
from spacy.tokens import Doc, DocBin, Span

from helpers import run_script
from seqeval_scores import SeqevalScorer, iob_tags

GOLD = [
    ["B-PER", "I-PER", "O", "B-LOC", "O"],
    ["O", "B-LOC", "I-LOC", "O"],
    ["B-ORG", "I-ORG", "I-ORG"],
    ["O"],
]
PREDICTED = [
    ["B-PER", "I-PER", "O", "B-ORG", "O"],  # PER right; LOC predicted as ORG
    ["O", "I-LOC", "I-LOC", "O"],  # I after O starts an entity: LOC(1,3), right
    ["B-ORG", "I-PER", "I-PER"],  # the type changes: ORG(0,1) and PER(1,3), both wrong
    ["B-DIS"],  # a type with no gold entity
]


def test_scores_by_hand():
    # Gold entities (4): PER(s1 0-2) LOC(s1 3-4) LOC(s2 1-3) ORG(s3 0-3).
    # Predicted (6): PER(s1 0-2) ORG(s1 3-4) LOC(s2 1-3) ORG(s3 0-1) PER(s3 1-3) DIS(s4 0-1).
    # Right (2): PER(s1 0-2), LOC(s2 1-3). P = 2/6, R = 2/4, F = 2PR/(P+R) = (1/3)/(5/6) = 2/5.
    # Tags equal on 4 + 3 + 1 + 0 = 8 of 13 tokens (s2's I-LOC vs B-LOC counts as wrong).
    # PER: 1 right of 2 predicted, 1 gold; LOC: 1 of 1, 2 gold; ORG: 0 of 2, 1 gold; DIS: 0 of 1, 0 gold.
    scorer = SeqevalScorer()
    for gold, predicted in zip(GOLD, PREDICTED):
        scorer.add(gold, predicted)
    scores = scorer.scores()
    assert (scorer.sentences, scorer.tokens) == (4, 13)
    assert scores["token_acc"] == pytest.approx(8 / 13)
    assert (scores["p"], scores["r"], scores["f"]) == pytest.approx(
        (1 / 3, 1 / 2, 2 / 5)
    )
    assert scores["per_type"] == {
        "DIS": {"p": 0.0, "r": 0.0, "f": 0.0, "support": 0},
        "LOC": {"p": 1.0, "r": 0.5, "f": pytest.approx(2 / 3), "support": 2},
        "ORG": {"p": 0.0, "r": 0.0, "f": 0.0, "support": 1},
        "PER": {"p": 0.5, "r": 1.0, "f": pytest.approx(2 / 3), "support": 1},
    }


def test_no_entities_scores_zero():
    scorer = SeqevalScorer()
    scorer.add(["O", "O"], ["O", "O"])
    assert scorer.scores() == {
        "token_acc": 1.0,
        "p": 0.0,
        "r": 0.0,
        "f": 0.0,
        "per_type": {},
        "per_lang": {},
    }


def test_iob_tags_of_a_doc_keep_only_the_given_types():
    doc = Doc(spacy.blank("en").vocab, words="Barack Obama saw Star Wars".split())
    doc.ents = [Span(doc, 0, 2, "PER"), Span(doc, 3, 5, "MEDIA")]
    assert iob_tags(doc) == ["B-PER", "I-PER", "O", "B-MEDIA", "I-MEDIA"]
    assert iob_tags(doc, ("PER", "LOC")) == ["B-PER", "I-PER", "O", "O", "O"]


SENTENCES = ["Barack Obama saw Hamlet in Paris .", "The report said nothing ."]


def write_gold(path, entities):
    """A DocBin of SENTENCES with entities [(sentence, start, end, label)]."""
    nlp = spacy.blank("en")
    doc_bin = DocBin()
    for i, text in enumerate(SENTENCES):
        doc = Doc(nlp.vocab, words=text.split())
        doc.set_ents(
            [Span(doc, s, e, label) for j, s, e, label in entities if j == i],
            default="outside",
        )
        doc_bin.add(doc)
    doc_bin.to_disk(path)


@pytest.fixture
def rule_model(tmp_path):
    """A pipeline that tags 'Obama' PER (gold: 'Barack Obama'), 'Hamlet' MEDIA and 'Paris' LOC."""
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns(
        [
            {"label": "PER", "pattern": "Obama"},
            {"label": "MEDIA", "pattern": "Hamlet"},
            {"label": "LOC", "pattern": "Paris"},
        ]
    )
    nlp.to_disk(tmp_path / "model")
    return tmp_path / "model"


def test_score_script_scores_a_on_its_gold_and_on_bs(rule_model, tmp_path):
    write_gold(
        tmp_path / "a.spacy", [(0, 0, 2, "PER"), (0, 3, 4, "MEDIA"), (0, 5, 6, "LOC")]
    )
    write_gold(tmp_path / "b.spacy", [(0, 0, 2, "PER"), (0, 5, 6, "LOC")])
    output = tmp_path / "scores.json"
    run_script(
        "score.py",
        rule_model,
        tmp_path / "a.spacy",
        output,
        "--five-types-gold",
        tmp_path / "b.spacy",
        "--predictions",
        tmp_path / "predictions.spacy",
        cwd=tmp_path,
        check=True,
    )
    result = srsly.read_json(output)
    assert (result["sentences"], result["tokens"], result["lang"]) == (2, 12, "en")
    assert result["hardware"].startswith("CPU: ")
    # A: Obama (not Barack Obama) is wrong, Hamlet and Paris right: P = R = F = 2/3.
    # Tags: B-PER I-PER vs O B-PER wrong, the other 10 of 12 right.
    scores = result["scores"]
    assert (
        scores["p"],
        scores["r"],
        scores["f"],
        scores["token_acc"],
    ) == pytest.approx((2 / 3, 2 / 3, 2 / 3, 10 / 12))
    assert scores["per_type"]["MEDIA"] == {"p": 1.0, "r": 1.0, "f": 1.0, "support": 1}
    # On B's gold, MEDIA is dropped from the predictions: Paris right, Obama wrong; tags as above.
    five = result["five_types"]
    assert five["types"] == ["PER", "ORG", "LOC", "DIS", "ANIM"]
    assert (
        five["scores"]["p"],
        five["scores"]["r"],
        five["scores"]["token_acc"],
    ) == pytest.approx((0.5, 0.5, 10 / 12))
    assert set(five["scores"]["per_type"]) == {"PER", "LOC"}
    # Obama inside Barack Obama: PER's boundary is wrong; Hamlet and Paris are right.
    kinds = dict.fromkeys(
        [
            "right",
            "missed",
            "spurious",
            "wrong type",
            "wrong boundary",
            "wrong type and boundary",
        ],
        0,
    )
    assert result["mistakes"] == {
        "LOC": {**kinds, "right": 1},
        "MEDIA": {**kinds, "right": 1},
        "PER": {**kinds, "wrong boundary": 1},
    }
    assert result["confusion"] == {
        "LOC": {"LOC": 1},
        "MEDIA": {"MEDIA": 1},
        "PER": {"PER": 1},
    }
    # The predictions, each with its gold entities, the sentences' text as it was.
    docs = list(
        DocBin()
        .from_disk(tmp_path / "predictions.spacy")
        .get_docs(spacy.blank("en").vocab)
    )
    assert [doc.text for doc in docs] == [f"{text} " for text in SENTENCES]
    assert [(e.start, e.end, e.label_) for e in docs[0].ents] == [
        (1, 2, "PER"),
        (3, 4, "MEDIA"),
        (5, 6, "LOC"),
    ]
    gold = [(s.start, s.end, s.label_) for s in docs[0].spans["gold"]]
    assert gold == [(0, 2, "PER"), (3, 4, "MEDIA"), (5, 6, "LOC")]
    assert (list(docs[1].ents), list(docs[1].spans["gold"])) == ([], [])


def test_score_script_refuses_five_types_gold_of_other_sentences(rule_model, tmp_path):
    write_gold(tmp_path / "a.spacy", [])
    DocBin(docs=[spacy.blank("en")(text) for text in reversed(SENTENCES)]).to_disk(
        tmp_path / "b.spacy"
    )
    result = run_script(
        "score.py",
        rule_model,
        tmp_path / "a.spacy",
        tmp_path / "out.json",
        "--five-types-gold",
        tmp_path / "b.spacy",
    )
    assert result.returncode == 1
    expected = (
        f"✘ {tmp_path / 'b.spacy'}: sentence 1 differs from {tmp_path / 'a.spacy'}'s"
    )
    assert result.stderr.strip().splitlines() == [expected]
    assert not (tmp_path / "out.json").exists()
