"""The whole workflow, as a user runs it: weasel run all on tiny data, then the wheels by name."""
import json
import sys

import pytest
import srsly

from helpers import run
from multinerd import TAGSETS

pytestmark = pytest.mark.slow

SYSTEMS = {"a": "full", "b": "five"}
LOAD = """
import json, sys, spacy
nlp = spacy.load(sys.argv[1])
doc = nlp("Barack Obama adopted a dog in Paris.")
print(json.dumps({"labels": nlp.get_pipe("ner").labels, "meta": nlp.meta, "ents": len(doc.ents)}))
"""


def test_workflow_builds_both_wheels(project_run):
    project, _, _ = project_run
    for system in SYSTEMS:
        assert (project / f"corpus/{system}/test.spacy").exists()
        assert (project / f"training/trf/{system}/model-best/config.cfg").exists()
        wheels = list(project.glob(f"packages/trf/{system}/en_multinerd_{system}-0.1.0/dist/*.whl"))
        assert [w.name for w in wheels] == [f"en_multinerd_{system}-0.1.0-py3-none-any.whl"]


def test_second_run_skips_every_step(project_run):
    project, args, _ = project_run
    result = run(args, cwd=project, check=True)
    skipped = [line for line in result.stdout.splitlines() if "Skipping" in line]
    assert len(skipped) == 8, result.stdout


@pytest.mark.parametrize("system", SYSTEMS)
def test_wheel_loads_by_name_with_its_labels_and_test_scores(project_run, installed_wheels, tmp_path, system):
    project, _, _ = project_run
    # From an empty folder, with nothing of the project importable: only the installed wheel.
    result = run([sys.executable, "-c", LOAD, f"en_multinerd_{system}"], cwd=tmp_path,
                 env={"PYTHONPATH": str(installed_wheels)}, check=True)  # fmt: skip
    loaded = json.loads(result.stdout.splitlines()[-1])
    tagset = SYSTEMS[system]
    assert sorted(loaded["labels"]) == sorted(TAGSETS[tagset])
    meta = loaded["meta"]
    assert meta["name"] == f"multinerd_{system}" and meta["lang"] == "en"
    assert meta["license"] == "CC BY-NC-SA 4.0"
    assert meta["sources"][0]["url"] == "https://huggingface.co/datasets/Babelscape/multinerd"
    test_scores = srsly.read_json(project / f"training/trf/{system}/test_scores.json")
    assert meta["performance"]["ents_f"] == test_scores["ents_f"]
    assert meta["performance"]["ents_per_type"] == test_scores["ents_per_type"]
    assert meta["multinerd"]["tagset"] == tagset and meta["multinerd"]["labels"] == list(TAGSETS[tagset])
