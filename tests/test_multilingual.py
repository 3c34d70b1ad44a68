"""`weasel run all . --vars.lang xx`: one pipeline for all ten languages, from tiny data in each, to wheels
that load by name and tag raw text in several scripts."""

import json

import pytest
import spacy
import srsly

from helpers import run_code
from multinerd import LANGS, SYSTEMS, TAGSETS

pytestmark = pytest.mark.slow

RAW = {
    "de": "Angela Merkel besuchte 2019 die Universität in München, sagte er.",
    "ru": "Владимир Путин посетил Москву (Россия) в 2020-м году.",
    "zh": "巴拉克·奥巴马访问了北京。",
}
# A token a character.
ZH_TOKENS = list("巴拉克·奥巴马访问了北京。")
TAG = """
import json, sys, spacy
nlp = spacy.load(sys.argv[1])
docs = {lang: nlp(text) for lang, text in json.loads(sys.argv[2]).items()}
print(json.dumps({"meta": nlp.meta, "labels": nlp.get_pipe("ner").labels,
                  "tokens": {lang: [t.text for t in doc] for lang, doc in docs.items()},
                  "ents": {lang: [(e.start, e.end, e.label_) for e in doc.ents] for lang, doc in docs.items()}}))
"""


def test_corpus_has_a_shard_per_language(xx_project_run):
    project, _, _ = xx_project_run
    for system in SYSTEMS:
        for split in ("train", "dev", "dev_sample", "test"):
            assert sorted(
                p.name for p in (project / f"corpus/{system}/{split}").iterdir()
            ) == [f"{lang}.spacy" for lang in LANGS]


@pytest.mark.parametrize("system", SYSTEMS)
def test_wheel_loads_by_name_and_tags_raw_german_russian_and_chinese(
    xx_project_run, xx_wheels, tmp_path, system
):
    project, _, _ = xx_project_run
    # From an empty folder, with nothing of the project importable: only the installed wheel.
    loaded, _ = run_code(
        TAG, f"xx_multinerd_{system}", json.dumps(RAW), cwd=tmp_path, site=xx_wheels
    )
    assert (
        loaded["meta"]["lang"] == "xx"
        and loaded["meta"]["name"] == f"multinerd_{system}"
    )
    assert sorted(loaded["labels"]) == sorted(TAGSETS[SYSTEMS[system]])
    # Chinese: a token a character, as in MultiNERD; German and Russian: spaCy's own rules.
    assert loaded["tokens"]["zh"] == ZH_TOKENS
    plain = spacy.blank("xx")
    for lang in ("de", "ru"):
        assert loaded["tokens"][lang] == [t.text for t in plain(RAW[lang])]
    for lang, ents in loaded[
        "ents"
    ].items():  # random-quality entities, but entities of the system's types
        assert all(label in TAGSETS[SYSTEMS[system]] for _, _, label in ents)
    seqeval = srsly.read_json(project / f"training/trf/{system}/seqeval_scores.json")
    assert sorted(seqeval["scores"]["per_lang"]) == list(LANGS)
    assert (
        loaded["meta"]["performance"]["seqeval_per_lang"]
        == seqeval["scores"]["per_lang"]
    )


def test_scores_per_language_add_up_and_the_report_has_a_row_each(xx_project_run):
    project, _, _ = xx_project_run
    for system in SYSTEMS:
        seqeval = srsly.read_json(
            project / f"training/trf/{system}/seqeval_scores.json"
        )
        per_lang = seqeval["scores"]["per_lang"]
        assert [per_lang[lang]["sentences"] for lang in LANGS] == [10] * len(LANGS)
        assert seqeval["sentences"] == 10 * len(LANGS)
        # The overall support is micro: the gold entities of every language.
        support = sum(s["support"] for s in seqeval["scores"]["per_type"].values())
        assert sum(s["support"] for s in per_lang.values()) == support
    report = (project / "training/trf/report.md").read_text(encoding="utf8")
    section = report.split("## Per language", 1)[1].split("\n## ", 1)[0]
    rows = [
        line.split("|")[1].strip()
        for line in section.splitlines()
        if line.startswith("| ") and "---" not in line
    ]
    assert rows == ["Language", *(f"`{lang}`" for lang in LANGS), "all (micro)"]
