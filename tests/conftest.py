import sys
from pathlib import Path

import pytest

from helpers import copy_project, run
from tiny import write_data, write_model


# Few steps, evaluated often enough that model-best is a trained checkpoint.
TRAIN_OVERRIDES = "--training.eval_frequency 10"
MAX_STEPS = 20


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    """A randomly initialised 2-layer BERT with a fast tokenizer, saved to a folder."""
    path = tmp_path_factory.mktemp("tiny") / "bert"
    write_model(path)
    return path


@pytest.fixture(scope="session")
def project_run(tmp_path_factory, tiny_model):
    """A copy of the project after `weasel run all` on tiny data, on the CPU, for a few steps."""
    project = copy_project(tmp_path_factory.mktemp("project"))
    write_data(project / "assets")
    args = [sys.executable, "-m", "weasel", "run", "all", ".", "--vars.gpu_id", "-1",
            "--vars.transformer", tiny_model, "--vars.max_steps", MAX_STEPS]  # fmt: skip
    result = run(args, cwd=project, env={"SPACY_CONFIG_OVERRIDES": TRAIN_OVERRIDES}, check=True)
    return project, args, result


@pytest.fixture(scope="session")
def installed_wheels(tmp_path_factory, project_run) -> Path:
    """Both wheels pip-installed into a folder of their own (put it on PYTHONPATH to load them)."""
    project, _, _ = project_run
    target = tmp_path_factory.mktemp("site")
    wheels = sorted(project.glob("packages/*/dist/*.whl"))
    run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", target, *wheels], check=True)
    return target
