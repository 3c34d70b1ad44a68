"""The judgement of each entity, counts and confusion table on hand-made gold/predicted pairs; the error page."""

import re

import pytest
import spacy
from spacy.tokens import Doc, DocBin, Span

from helpers import predictions
from mistakes import GOLD_KEY, Judgement, MistakeCounter, judge, render_page, sample


@pytest.mark.parametrize(
    "gold, predicted, expected",
    [
        # Same span, same type.
        ([(0, 2, "PER")], [(0, 2, "PER")], [("right", (0, 2, "PER"), (0, 2, "PER"))]),
        ([(0, 2, "PER")], [], [("missed", (0, 2, "PER"), None)]),
        ([], [(3, 4, "LOC")], [("spurious", None, (3, 4, "LOC"))]),
        (
            [(0, 2, "PER")],
            [(0, 2, "ORG")],
            [("wrong type", (0, 2, "PER"), (0, 2, "ORG"))],
        ),
        # Longer, shorter, shifted: overlapping, same type.
        (
            [(1, 3, "LOC")],
            [(0, 3, "LOC")],
            [("wrong boundary", (1, 3, "LOC"), (0, 3, "LOC"))],
        ),
        (
            [(1, 3, "LOC")],
            [(2, 3, "LOC")],
            [("wrong boundary", (1, 3, "LOC"), (2, 3, "LOC"))],
        ),
        (
            [(1, 3, "LOC")],
            [(2, 4, "LOC")],
            [("wrong boundary", (1, 3, "LOC"), (2, 4, "LOC"))],
        ),
        (
            [(1, 3, "LOC")],
            [(2, 4, "ORG")],
            [("wrong type and boundary", (1, 3, "LOC"), (2, 4, "ORG"))],
        ),
        # Nested: 'University of Paris' ORG in the gold; the prediction is only 'Paris', as LOC or as ORG.
        (
            [(0, 3, "ORG")],
            [(2, 3, "LOC")],
            [("wrong type and boundary", (0, 3, "ORG"), (2, 3, "LOC"))],
        ),
        (
            [(0, 3, "ORG")],
            [(2, 3, "ORG")],
            [("wrong boundary", (0, 3, "ORG"), (2, 3, "ORG"))],
        ),
        # The other way round: a gold entity inside a longer prediction.
        (
            [(2, 3, "LOC")],
            [(0, 3, "ORG")],
            [("wrong type and boundary", (2, 3, "LOC"), (0, 3, "ORG"))],
        ),
        # Adjacent spans do not overlap: 'Obama' PER in the gold, the next token predicted PER.
        (
            [(0, 1, "PER")],
            [(1, 2, "PER")],
            [("missed", (0, 1, "PER"), None), ("spurious", None, (1, 2, "PER"))],
        ),
        # One gold entity split into two adjacent predictions: judged once, by the first of its type.
        (
            [(0, 2, "LOC")],
            [(0, 1, "LOC"), (1, 2, "LOC")],
            [("wrong boundary", (0, 2, "LOC"), (0, 1, "LOC"))],
        ),
        # Two adjacent gold entities merged into one prediction: each of them has the wrong boundary.
        (
            [(0, 1, "LOC"), (1, 2, "LOC")],
            [(0, 2, "LOC")],
            [
                ("wrong boundary", (0, 1, "LOC"), (0, 2, "LOC")),
                ("wrong boundary", (1, 2, "LOC"), (0, 2, "LOC")),
            ],
        ),
        # A prediction of its type wins over one that overlaps more.
        (
            [(0, 4, "ORG")],
            [(0, 3, "LOC"), (3, 5, "ORG")],
            [("wrong boundary", (0, 4, "ORG"), (3, 5, "ORG"))],
        ),
        # Only other types: the prediction that overlaps most (the first of equals).
        (
            [(0, 4, "ORG")],
            [(0, 1, "LOC"), (1, 4, "PER")],
            [("wrong type and boundary", (0, 4, "ORG"), (1, 4, "PER"))],
        ),
        (
            [(0, 4, "ORG")],
            [(0, 2, "LOC"), (2, 4, "PER")],
            [("wrong type and boundary", (0, 4, "ORG"), (0, 2, "LOC"))],
        ),
    ],
)
def test_judge_by_hand(gold, predicted, expected):
    assert judge(gold, predicted) == [Judgement(*j) for j in expected]


def test_counts_and_confusion_by_hand():
    counter = MistakeCounter()
    # Sentence 1: PER right, LOC predicted ORG, a spurious ORG.
    counter.add(
        judge(
            [(0, 2, "PER"), (3, 4, "LOC")],
            [(0, 2, "PER"), (3, 4, "ORG"), (6, 7, "ORG")],
        )
    )
    # Sentence 2: LOC missed, PER cut short, DIS inside a longer LOC.
    counter.add(
        judge(
            [(0, 1, "LOC"), (2, 4, "PER"), (6, 7, "DIS")],
            [(2, 3, "PER"), (5, 7, "LOC")],
        )
    )
    zero = dict.fromkeys(
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
    assert counter.per_type() == {
        "DIS": {**zero, "wrong type and boundary": 1},
        "LOC": {**zero, "wrong type": 1, "missed": 1},
        "ORG": {**zero, "spurious": 1},
        "PER": {**zero, "right": 1, "wrong boundary": 1},
    }
    assert counter.confusion_table() == {
        "DIS": {"LOC": 1},
        "LOC": {"ORG": 1, "none": 1},
        "PER": {"PER": 2},
        "none": {"ORG": 1},
    }
    assert (
        counter.total("missed"),
        counter.total("right"),
        counter.total("spurious"),
    ) == (1, 1, 1)


def test_sample_is_bounded_reproducible_and_in_order():
    chosen = sample(range(100), 5, "missed")
    assert (
        len(chosen) == 5 and chosen == sorted(chosen) and set(chosen) <= set(range(100))
    )
    assert sample(range(100), 5, "missed") == chosen
    assert sample([7, 3], 5, "missed") == [3, 7]


def shown(page):
    """The test sentences on the page, under each heading (up to its colon)."""
    sections = re.split(r"<h2[^>]*>", page)[1:]
    return {
        re.split("[:<]", s)[0]: re.findall(r'<div class="sentence" id="s(\d+)">', s)
        for s in sections
    }


def test_page_shows_every_sentence_with_a_mistake_when_the_sample_is_large():
    right = ([(0, 1, "PER")], [(0, 1, "PER")])
    a = predictions(
        [right, ([(0, 1, "PER")], []), right, ([(4, 5, "LOC")], [(4, 5, "ORG")])]
    )
    b = predictions(
        [right, right, ([], [(2, 3, "PER")]), ([(4, 5, "LOC")], [(3, 5, "LOC")])]
    )
    page = render_page(a, b, 10)
    assert shown(page) == {
        "System A": [],
        "System B": [],
        "Missed": ["1"],
        "Spurious": ["2"],
        "Wrong type": ["3"],
        "Wrong boundary": ["3"],
        "Wrong type and boundary": [],
        "The most confident mistakes": [],
    }
    assert (
        '<h2 id="missed">Missed: 1 in A, 0 in B</h2><p>1 of the 1 sentences'
        in page.replace("\n", "")
    )
    assert "<li>A: <b>missed</b>: PER “Ann”</li>" in page
    assert "<li>B: <b>spurious</b>: PER “Bob”</li>" in page
    wrong_type = "<li>A: <b>wrong type</b>: LOC “Rome” → ORG “Rome”</li>"
    assert wrong_type + "<li>B: wrong boundary: LOC “Rome” → LOC “in Rome”</li>" in page
    assert "http" not in page.replace('<html lang="en">', "")


def test_page_samples_at_most_the_given_number_the_same_each_time():
    a = predictions([([(0, 1, "PER")], [])] * 30)
    b = predictions([([], [])] * 30)
    page = render_page(a, b, 4)
    assert len(shown(page)["Missed"]) == 4
    assert (
        '<h2 id="missed">Missed: 30 in A, 0 in B</h2><p>4 of the 30 sentences'
        in page.replace("\n", "")
    )
    assert render_page(a, b, 4) == page


def test_page_escapes_the_text():
    doc_bin = DocBin()
    doc = Doc(spacy.blank("en").vocab, words=["<script>alert(1)</script>", "&", "x"])
    doc.spans[GOLD_KEY] = [Span(doc, 0, 1, "PER")]
    doc_bin.add(doc)
    page = render_page(doc_bin, doc_bin, 5)
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_page_lists_the_most_confident_mistakes_with_their_scores():
    right = ([(0, 1, "PER")], [(0, 1, "PER")])
    # Scores in order of the predictions: A's, then B's. A: right 0.99, wrong type 0.7; B: spurious 0.9, right 0.8.
    a = predictions([right, ([(4, 5, "LOC")], [(4, 5, "ORG")])], scores=[0.99, 0.7])
    b = predictions([([], [(2, 3, "PER")]), right], scores=[0.9, 0.8])
    page = render_page(a, b, 10)
    confident = page.split('<h2 id="confident">')[1]
    rows = re.findall(r"<tr><td>([\d.]+)</td><td>(\w)</td><td>([\w ]+)</td>", confident)
    assert rows == [("0.900", "B", "spurious"), ("0.700", "A", "wrong type")]
    assert "<li>A: <b>wrong type</b>: LOC “Rome” → ORG “Rome” (score 0.70)</li>" in page
    assert (
        len(
            re.findall("<tr><td>", render_page(a, b, 1).split('<h2 id="confident">')[1])
        )
        == 1
    )
