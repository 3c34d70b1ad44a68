"""The Streamlit demo, run by Streamlit's AppTest (no browser) on rule-based pipelines."""

import sys

import pytest
import spacy
from spacy.language import Language
from streamlit.testing.v1 import AppTest

from helpers import ROOT

TEXT = "Ann flew from Rome to Oslo."
MAX_CHARS = 10_000  # the demo's documented limit


@Language.component("fixed_scores")
def fixed_scores(doc):
    """Scores as entity_scores sets them: 0.9 for a PER, 0.3 for the others."""
    for ent in doc.ents:
        ent._.score = 0.9 if ent.label_ == "PER" else 0.3
    return doc


@pytest.fixture
def pipelines(tmp_path):
    """System A: a ruler that tags Ann PER, Rome and Oslo LOC, and scores them; system B: one that tags only
    Oslo ORG, without scores."""
    paths = []
    for name, patterns in (
        ("a", [("PER", "Ann"), ("LOC", "Rome"), ("LOC", "Oslo")]),
        ("b", [("ORG", "Oslo")]),
    ):
        nlp = spacy.blank("en")
        nlp.add_pipe("entity_ruler").add_patterns(
            [{"label": label, "pattern": text} for label, text in patterns]
        )
        if name == "a":
            nlp.add_pipe("fixed_scores")
        nlp.to_disk(tmp_path / name)
        paths.append(str(tmp_path / name))
    return paths


def run_app(monkeypatch, *args) -> AppTest:
    monkeypatch.setattr(sys, "argv", ["demo.py", *args])
    app = AppTest.from_file(str(ROOT / "scripts" / "demo.py"), default_timeout=60)
    app.run()
    app.text_area[0].input(TEXT).run()
    return app


def entities(app):
    """Each system's entity table as (text, type, score, start char, end char, tokens) rows (score None if NaN)."""
    columns = ["text", "type", "score", "start char", "end char", "tokens"]
    assert all(list(frame.value.columns) == columns for frame in app.dataframe)
    rows = [
        [tuple(row) for row in frame.value.itertuples(index=False)]
        for frame in app.dataframe
    ]
    return [
        [
            (t, label, None if score != score else score, *rest)
            for t, label, score, *rest in table
        ]
        for table in rows
    ]


def test_demo_shows_both_systems_entities_with_offsets(monkeypatch, pipelines):
    app = run_app(monkeypatch, *pipelines)
    assert not app.exception and not app.error
    assert [s.value for s in app.subheader] == ["System A", "System B"]
    assert entities(app) == [
        [
            ("Ann", "PER", 0.9, 0, 3, "0–1"),
            ("Rome", "LOC", 0.3, 14, 18, "3–4"),
            ("Oslo", "LOC", 0.3, 22, 26, "5–6"),
        ],
        [("Oslo", "ORG", None, 22, 26, "5–6")],
    ]


def test_demo_slider_hides_the_entities_that_score_below_it(monkeypatch, pipelines):
    app = run_app(monkeypatch, *pipelines)
    app.slider[0].set_value(0.5).run()
    assert entities(app) == [
        [("Ann", "PER", 0.9, 0, 3, "0–1")],
        [("Oslo", "ORG", None, 22, 26, "5–6")],
    ]


def test_demo_takes_another_pipeline_from_its_field(monkeypatch, pipelines):
    app = run_app(monkeypatch, pipelines[0], pipelines[0])
    app.text_input[1].input(pipelines[1]).run()
    assert [len(rows) for rows in entities(app)] == [3, 1]


def test_demo_says_when_a_pipeline_cannot_be_loaded(monkeypatch, pipelines, tmp_path):
    app = run_app(monkeypatch, pipelines[0], str(tmp_path / "nothing"))
    assert len(app.dataframe) == 1 and len(app.error) == 1
    assert app.error[0].value.startswith(f"Cannot load {tmp_path / 'nothing'}: ")


def test_demo_refuses_text_over_its_limit_in_a_message(monkeypatch, pipelines):
    app = run_app(monkeypatch, *pipelines)
    app.text_area[0].input("Ann " * (MAX_CHARS // 4 + 1)).run()
    assert not app.exception and not app.dataframe and len(app.error) == 1
    assert app.error[0].value.startswith(
        f"The text has {4 * (MAX_CHARS // 4 + 1):,} characters; the demo takes at most"
    )
    app.text_area[0].input(TEXT).run()
    assert len(app.dataframe) == 2
