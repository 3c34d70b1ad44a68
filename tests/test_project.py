"""The whole workflow, as a user runs it: weasel run all on tiny data, then the wheels by name.

Both pipeline variants: trf (the tiny transformer) and cnn (spaCy's CPU NER).
"""

import itertools
import re

import pytest
import srsly
from spacy.util import load_config, registry

from conftest import MAX_STEPS
from helpers import run, run_code
from multinerd import SYSTEMS, TAGSETS

pytestmark = pytest.mark.slow

# Each pipeline variant: the fixture that runs its workflow, its package name suffix, its transformer.
PIPELINES = {"trf": ("project_run", "", True), "cnn": ("cnn_project_run", "_sm", False)}
LOAD = """
import json, sys, spacy
from spacy.tokens import Span
nlp = spacy.load(sys.argv[1])
doc = nlp("Barack Obama adopted a dog in Paris.")
print(json.dumps({"labels": nlp.get_pipe("ner").labels, "meta": nlp.meta, "ents": len(doc.ents),
                  "has_score": Span.has_extension("score"), "scores": [ent._.score for ent in doc.ents]}))
"""


@pytest.mark.parametrize("pipeline", PIPELINES)
def test_workflow_builds_both_wheels(request, pipeline):
    fixture, suffix, _ = PIPELINES[pipeline]
    project, _, _ = request.getfixturevalue(fixture)
    for system in SYSTEMS:
        assert (project / f"corpus/{system}/test/en.spacy").exists()
        assert (
            project / f"training/{pipeline}/{system}/model-best/config.cfg"
        ).exists()
        name = f"en_multinerd_{system}{suffix}-0.1.0"
        wheels = list(project.glob(f"packages/{pipeline}/{system}/{name}/dist/*.whl"))
        assert [w.name for w in wheels] == [f"{name}-py3-none-any.whl"]


def evaluations(log: str, system: str) -> list:
    """(step, score) of each evaluation row that spacy train printed for one system in a workflow's output."""
    # Weasel heads each command's output with "==== NAME ====" (spaCy's own headings are capitalised).
    parts = re.split(r"={3,} ([a-z-]+) ={3,}", log)
    table = parts[parts.index(f"train-{system}") + 1]
    rows = [line.split() for line in table.splitlines()]
    return [
        (int(row[1]), float(row[-1]))
        for row in rows
        if len(row) > 4 and row[0].isdigit() and row[1].isdigit()
    ]


@pytest.mark.parametrize("pipeline", PIPELINES)
@pytest.mark.parametrize("system", SYSTEMS)
def test_run_ends_at_its_budget_evaluated_with_the_learning_rate_at_zero(
    request, pipeline, system
):
    project, _, result = request.getfixturevalue(PIPELINES[pipeline][0])
    config = load_config(project / f"training/{pipeline}/{system}/config.cfg")
    training = config["training"]
    assert (training["max_steps"], training["max_epochs"], training["patience"]) == (
        MAX_STEPS,
        -1,
        0,
    )
    evals = evaluations(result.stdout, system)
    assert [step for step, _ in evals] == list(
        range(0, MAX_STEPS + 1, training["eval_frequency"])
    )
    assert evals[-1][0] == MAX_STEPS
    # model-best is the best evaluation after the untrained step 0.
    best = srsly.read_json(
        project / f"training/{pipeline}/{system}/model-best/meta.json"
    )["performance"]["ents_f"]
    # The table's last column is the weighted score (here ents_f, from 0 to 1), printed to two decimals.
    assert best == pytest.approx(
        max(score for step, score in evals if step > 0), abs=0.005
    )
    learn_rate = training["optimizer"]["learn_rate"]
    if isinstance(learn_rate, dict):  # trf: warmup_linear, zero at the last step
        rates = list(
            itertools.islice(registry.resolve({"r": learn_rate})["r"], MAX_STEPS + 1)
        )
        assert rates[MAX_STEPS] == 0 and rates[MAX_STEPS - 1] > 0


@pytest.mark.parametrize("pipeline", PIPELINES)
def test_second_run_skips_every_step_but_the_device_check_and_fetch(request, pipeline):
    project, args, _ = request.getfixturevalue(PIPELINES[pipeline][0])
    result = run(args, cwd=project, check=True)
    skipped = [line for line in result.stdout.splitlines() if "Skipping" in line]
    # fetch always runs: it checks assets/ and lists the files' checksums, unchanged, so convert is skipped.
    assert (
        len(skipped)
        == len(srsly.read_yaml(project / "project.yml")["workflows"]["all"]) - 2
    ), result.stdout
    assert "Training and evaluating on the CPU" in result.stdout


@pytest.mark.parametrize("pipeline", PIPELINES)
@pytest.mark.parametrize("system", SYSTEMS)
def test_wheel_loads_by_name_with_its_labels_and_test_scores(
    request, installed_wheels, tmp_path, pipeline, system
):
    fixture, suffix, has_transformer = PIPELINES[pipeline]
    project, _, _ = request.getfixturevalue(fixture)
    # From an empty folder, with nothing of the project importable: only the installed wheel.
    loaded, result = run_code(
        LOAD, f"en_multinerd_{system}{suffix}", cwd=tmp_path, site=installed_wheels
    )
    # a pipeline on the CPU asks torch for no mixed precision
    assert "autocast" not in result.stderr
    assert loaded["has_score"] and all(0 < score <= 1 for score in loaded["scores"])
    tagset = SYSTEMS[system]
    assert sorted(loaded["labels"]) == sorted(TAGSETS[tagset])
    meta = loaded["meta"]
    assert meta["name"] == f"multinerd_{system}{suffix}" and meta["lang"] == "en"
    assert ("transformer" in meta["pipeline"]) == has_transformer
    assert (meta["multinerd"]["transformer"] is not None) == has_transformer
    assert meta["license"] == "CC BY-NC-SA 4.0"
    assert (
        meta["sources"][0]["url"]
        == "https://huggingface.co/datasets/Babelscape/multinerd"
    )
    test_scores = srsly.read_json(
        project / f"training/{pipeline}/{system}/test_scores.json"
    )
    assert meta["performance"]["ents_f"] == test_scores["ents_f"]
    assert meta["performance"]["ents_per_type"] == test_scores["ents_per_type"]
    seqeval = srsly.read_json(
        project / f"training/{pipeline}/{system}/seqeval_scores.json"
    )
    keys = ("p", "r", "f", "token_acc")
    performance = meta["performance"]
    assert [performance[f"seqeval_{key}"] for key in keys] == [
        seqeval["scores"][key] for key in keys
    ]
    assert performance["seqeval_per_type"] == seqeval["scores"]["per_type"]
    # System A also has its scores on the five types it shares with B, on B's test data.
    five = (
        [seqeval["five_types"]["scores"][key] for key in keys]
        if system == "a"
        else [None] * len(keys)
    )
    assert [performance.get(f"five_types_seqeval_{key}") for key in keys] == five
    assert "`SEQEVAL_TOKEN_ACC`" in meta["notes"]
    confidence = seqeval["confidence"]
    ece = meta["multinerd"]["entity_scores"]["expected_calibration_error"]
    assert ece == (confidence["ece"] if confidence else None)
    assert meta["multinerd"]["tagset"] == tagset and meta["multinerd"][
        "labels"
    ] == list(TAGSETS[tagset])
