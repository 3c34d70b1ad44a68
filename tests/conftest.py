import sys
from pathlib import Path

import pytest

import entity_scores  # noqa: F401  (tests load pipelines that have the entity_scores component)
from helpers import copy_project, run
from synthetic import Family, write_data, write_model

# A few steps: the config step fits evaluations and the learning rate's decay to them.
MAX_STEPS = 20


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    """A randomly initialised 2-layer BERT with a fast tokenizer, saved to a folder."""
    path = tmp_path_factory.mktemp("tiny") / "bert"
    write_model(path)
    return path


def run_workflow(project, *extra_args, lang="en", sizes=(60, 20, 20)):
    """`weasel run all` on tiny data, on the CPU, for a few steps; returns (project, args, result)."""
    write_data(project / "assets", lang, sizes)
    args = [sys.executable, "-m", "weasel", "run", "all", ".", "--vars.gpu_id", "-1",
            "--vars.max_steps", MAX_STEPS, *extra_args]  # fmt: skip
    result = run(args, cwd=project, check=True)
    return project, args, result


@pytest.fixture(scope="session")
def project_run(tmp_path_factory, tiny_model):
    """A copy of the project after `weasel run all` with the transformer pipeline (tiny model)."""
    return run_workflow(copy_project(tmp_path_factory.mktemp("trf")), "--vars.transformer", tiny_model)


@pytest.fixture(scope="session")
def cnn_project_run(tmp_path_factory):
    """A copy of the project after `weasel run all . --vars.pipeline cnn`."""
    return run_workflow(copy_project(tmp_path_factory.mktemp("cnn")), "--vars.pipeline", "cnn")


@pytest.fixture(scope="session")
def xx_project_run(tmp_path_factory):
    """A copy of the project after `weasel run all . --vars.lang xx`: tiny data in all ten languages, and a tiny
    XLM-R-like encoder (SentencePiece, as xlm-roberta-base, the README's encoder for xx)."""
    encoder = tmp_path_factory.mktemp("xlmr") / "xlmr"
    write_model(encoder, Family.xlmr)
    project = copy_project(tmp_path_factory.mktemp("xx"))
    return run_workflow(project, "--vars.lang", "xx", "--vars.transformer", encoder, lang="xx", sizes=(20, 10, 10))


@pytest.fixture(scope="session")
def installed_wheels(tmp_path_factory, project_run, cnn_project_run) -> Path:
    """All four wheels pip-installed into a folder of their own (put it on PYTHONPATH to load them)."""
    target = tmp_path_factory.mktemp("site")
    wheels = [wheel for project, _, _ in (project_run, cnn_project_run) for wheel in project.glob("packages/**/*.whl")]
    run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", target, *wheels], check=True)
    return target
