"""Each encoder family that users pick, through the workflow to a wheel that loads by name and tags raw text:
tiny random stand-ins of DistilBERT (no token type ids), mBERT (a multilingual WordPiece; run with --vars.lang
xx), RoBERTa (byte-level BPE), XLM-R (SentencePiece; conftest's `weasel run all` on xx, the README's encoder for
xx) and XLNet (SentencePiece, its special tokens at the end). BERT runs in conftest's project_run."""

import json
import sys

import pytest

from conftest import run_workflow
from helpers import copy_project, install_wheels, run
from synthetic import Family, write_model

pytestmark = pytest.mark.slow

FAMILIES = [Family.distilbert, Family.mbert, Family.roberta, Family.xlmr, Family.xlnet]
RAW = [
    "Paris, France.",
    'Dr. Maria Rossi (born 1970) said: "It\'s over."',
    "  Two  spaces,\tand a tab. ",
]
# Chinese as it is written, without spaces: for the pipelines of all ten languages.
RAW_XX = [*RAW, "卡洛米拉市的居民说，北京（中国）很大。"]
# The language each family runs with: mBERT and XLM-R are the multilingual ones, trained for all ten.
LANG = {Family.mbert: "xx", Family.xlmr: "xx"}
# System A's commands of the workflow, to its wheel. B's pipeline differs only in its labels, and conftest's
# runs (BERT, XLM-R on xx, the CNN) take both systems through every command.
COMMANDS = (
    "fetch",
    "convert",
    "config",
    "train-a",
    "evaluate-a",
    "score-a",
    "package-a",
)
TAG = """
import json, sys, spacy
nlp = spacy.load(sys.argv[1])
rows = []
for doc in nlp.pipe(json.loads(sys.argv[2])):
    align = doc._.trf_data.align
    rows.append({"tokens": [(t.idx, t.text, t.is_space, len(align[t.i].data)) for t in doc],
                 "ents": [(e.start_char, e.end_char, e.text, e.label_, e._.score) for e in doc.ents]})
print(json.dumps(rows))
"""


@pytest.fixture(
    scope="module", params=FAMILIES, ids=[family.value for family in FAMILIES]
)
def family_run(request, tmp_path_factory):
    """(family, project after system A's commands with the family's tiny encoder, its wheel installed apart)."""
    family = request.param
    if family is Family.xlmr:
        project, _, _ = request.getfixturevalue("xx_project_run")
        return family, project, request.getfixturevalue("xx_wheels")
    encoder = tmp_path_factory.mktemp("encoder") / family.value
    write_model(encoder, family)
    project = copy_project(tmp_path_factory.mktemp(family.value))
    lang = LANG.get(family, "en")
    sizes = (20, 10, 10) if lang == "xx" else (60, 20, 20)  # of each language
    run_workflow(
        project,
        "--vars.transformer",
        encoder,
        "--vars.lang",
        lang,
        lang=lang,
        sizes=sizes,
        commands=COMMANDS,
    )
    wheels = sorted(project.glob(f"packages/trf/*/{lang}_*/dist/*.whl"))
    assert [w.name for w in wheels] == [f"{lang}_multinerd_a-0.1.0-py3-none-any.whl"]
    return family, project, install_wheels(tmp_path_factory.mktemp("site"), wheels)


def test_wheel_tags_raw_text_with_exact_offsets_and_every_token_on_a_piece(
    family_run, tmp_path
):
    family, _, site = family_run
    lang = LANG.get(family, "en")
    texts = RAW_XX if lang == "xx" else RAW
    result = run(
        [sys.executable, "-c", TAG, f"{lang}_multinerd_a", json.dumps(texts)],
        cwd=tmp_path,
        env={"PYTHONPATH": str(site)},
        check=True,
    )
    rows = json.loads(result.stdout.splitlines()[-1])
    assert len(rows) == len(texts)
    assert [t for _, t, _, _ in rows[0]["tokens"]] == [
        "Paris",
        ",",
        "France",
        ".",
    ]  # raw punctuation, split
    for text, row in zip(texts, rows):
        assert all(text[idx : idx + len(t)] == t for idx, t, _, _ in row["tokens"])
        unaligned = [
            t
            for _, t, is_space, pieces in row["tokens"]
            if not is_space and pieces == 0
        ]
        assert not unaligned, f"{family.value}: tokens on no piece: {unaligned}"
        for start, end, ent_text, label, score in row["ents"]:
            assert text[start:end] == ent_text and 0 < score <= 1
