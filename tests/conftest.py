import sys
from pathlib import Path

import pytest
import spacy

import entity_scores  # noqa: F401  (tests load pipelines that have the entity_scores component)
from helpers import copy_project, install_wheels, run
from multinerd import SYSTEMS
from synthetic import Family, write_data, write_model

# A few steps: the config step fits evaluations and the learning rate's decay to them.
MAX_STEPS = 20
# The learned run: sentences of train, dev and test; steps and peak learning rate at which the tiny encoder
# learns them (test F about 0.7; tests/test_learning.py).
LEARNED_SIZES, LEARNED_STEPS, LEARNED_RATE = (1000, 100, 200), 300, 0.001
# The workflow's steps that train, evaluate and score both systems (not the report and packaging).
LEARNED_COMMANDS = (
    "fetch",
    "convert",
    "config",
    *(f"{step}-{s}" for step in ("train", "evaluate", "score") for s in SYSTEMS),
)


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    """A randomly initialised 2-layer BERT with a fast tokenizer, saved to a folder."""
    path = tmp_path_factory.mktemp("tiny") / "bert"
    write_model(path)
    return path


@pytest.fixture
def blank_model(tmp_path) -> Path:
    """A blank English pipeline, no component in it, saved to a folder."""
    path = tmp_path / "model"
    spacy.blank("en").to_disk(path)
    return path


def run_workflow(
    project,
    *extra_args,
    lang="en",
    sizes=(60, 20, 20),
    commands=("all",),
    max_steps=MAX_STEPS,
):
    """`weasel run all` (or each of commands) on generated data of sizes, on the CPU, training for max_steps;
    returns (project, args, result) of the last command."""
    write_data(project / "assets", lang, sizes)
    for command in commands:
        args = [
            sys.executable,
            "-m",
            "weasel",
            "run",
            command,
            ".",
            "--vars.gpu_id",
            "-1",
            "--vars.max_steps",
            max_steps,
            *extra_args,
        ]
        result = run(args, cwd=project, check=True)
    return project, args, result


@pytest.fixture(scope="session")
def project_run(tmp_path_factory, tiny_model):
    """A copy of the project after `weasel run all` with the transformer pipeline (tiny model)."""
    return run_workflow(
        copy_project(tmp_path_factory.mktemp("trf")), "--vars.transformer", tiny_model
    )


@pytest.fixture(scope="session")
def learned_run(tmp_path_factory, tiny_model) -> Path:
    """A copy of the project with both systems trained on the tiny encoder on learnable data until they score far
    above chance, then evaluated (spacy evaluate: test_scores.json) and scored (score.py: seqeval_scores.json,
    test_predictions.spacy), in training/trf/{a,b}."""
    project, _, _ = run_workflow(
        copy_project(tmp_path_factory.mktemp("learned")),
        "--vars.transformer",
        tiny_model,
        "--vars.learn_rate",
        LEARNED_RATE,
        sizes=LEARNED_SIZES,
        commands=LEARNED_COMMANDS,
        max_steps=LEARNED_STEPS,
    )
    return project


@pytest.fixture(scope="session")
def cnn_project_run(tmp_path_factory):
    """A copy of the project after `weasel run all . --vars.pipeline cnn`."""
    return run_workflow(
        copy_project(tmp_path_factory.mktemp("cnn")), "--vars.pipeline", "cnn"
    )


@pytest.fixture(scope="session")
def xx_project_run(tmp_path_factory):
    """A copy of the project after `weasel run all . --vars.lang xx`: tiny data in all ten languages, and a tiny
    XLM-R-like encoder (SentencePiece, as xlm-roberta-base, the README's encoder for xx)."""
    encoder = tmp_path_factory.mktemp("xlmr") / "xlmr"
    write_model(encoder, Family.xlmr)
    project = copy_project(tmp_path_factory.mktemp("xx"))
    return run_workflow(
        project,
        "--vars.lang",
        "xx",
        "--vars.transformer",
        encoder,
        lang="xx",
        sizes=(20, 10, 10),
    )


@pytest.fixture(scope="session")
def xx_wheels(xx_project_run, tmp_path_factory) -> Path:
    """The xx run's two wheels pip-installed into a folder of their own."""
    project, _, _ = xx_project_run
    wheels = sorted(project.glob("packages/trf/*/*/dist/*.whl"))
    assert [w.name for w in wheels] == [
        f"xx_multinerd_{s}-0.1.0-py3-none-any.whl" for s in SYSTEMS
    ]
    return install_wheels(tmp_path_factory.mktemp("xx_site"), wheels)


@pytest.fixture(scope="session")
def installed_wheels(tmp_path_factory, project_run, cnn_project_run) -> Path:
    """All four wheels pip-installed into a folder of their own (put it on PYTHONPATH to load them)."""
    wheels = [
        wheel
        for project, _, _ in (project_run, cnn_project_run)
        for wheel in project.glob("packages/**/*.whl")
    ]
    return install_wheels(tmp_path_factory.mktemp("site"), wheels)
