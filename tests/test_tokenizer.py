"""The CJK rule of scripts/callbacks.py: raw Chinese text tokenized into characters, as MultiNERD's Chinese
is; text with spaces tokenized by spaCy's own rules; the rule saved with the pipeline."""

import spacy

from callbacks import cjk_characters
from helpers import run_code

ZH = "巴拉克·奥巴马访问了北京。"
SPACED = [
    "Angela Merkel besuchte 2019 die Universität in München, sagte er.",
    "Владимир Путин посетил Москву (Россия) в 2020-м году.",
]


def xx_with_rule():
    nlp = spacy.blank("xx")
    return cjk_characters()(nlp)


def test_chinese_raw_text_splits_into_characters():
    nlp = xx_with_rule()
    # A token a character.
    assert [t.text for t in nlp(ZH)] == list("巴拉克·奥巴马访问了北京。")
    assert [t.text for t in nlp("Obama访问北京")] == ["Obama", "访", "问", "北", "京"]
    assert [t.text for t in spacy.blank("xx")(ZH)] != [
        t.text for t in nlp(ZH)
    ]  # spaCy's rules alone: one token


def test_text_with_spaces_keeps_spacys_rules():
    nlp, plain = xx_with_rule(), spacy.blank("xx")
    for text in SPACED:
        assert [t.text for t in nlp(text)] == [t.text for t in plain(text)]


def test_saved_pipeline_tokenizes_the_same_without_the_projects_code(tmp_path):
    xx_with_rule().to_disk(tmp_path / "pipeline")
    code = "import json, sys, spacy; nlp = spacy.load(sys.argv[1]); print(json.dumps([t.text for t in nlp(sys.argv[2])]))"
    (tmp_path / "empty").mkdir()
    tokens, _ = run_code(code, tmp_path / "pipeline", ZH, cwd=tmp_path / "empty")
    assert tokens == [t.text for t in xx_with_rule()(ZH)]
