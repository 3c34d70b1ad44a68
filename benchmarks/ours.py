"""Ours in the throughput benchmarks: a config trained by spaCy's training loop, then run with nlp.pipe."""

import sys
from pathlib import Path
from time import perf_counter
from typing import Any, Callable, Dict, Sequence, Tuple

import spacy
from spacy.schemas import ConfigSchemaTraining
from spacy.tokens import Doc
from spacy.training.initialize import init_nlp
from spacy.training.loop import create_train_batches, train_while_improving
from spacy.util import load_config, registry, resolve_dot_names

import callbacks  # noqa: F401  (registers the config's [initialize.after_init] callback)
from throughput_data import Sentence
from timing import time_steps

# Saved off (configs/trf.cfg); turned on for our pipeline's inference on a GPU, as annotate.py does.
MIXED_PRECISION = "components.transformer.model.mixed_precision"


def train_pipeline(
    config_path: Path,
    overrides: Dict[str, Any],
    pipeline_dir: Path,
    gpu_id: int,
    warmup_steps: int,
    steps: int,
    sync: Callable,
) -> Tuple[float, float]:
    """Train a config with spaCy's training loop and save it; returns time_steps' figures."""
    nlp = init_nlp(load_config(config_path, overrides=overrides), use_gpu=gpu_id)
    config = nlp.config.interpolate()
    T = registry.resolve(config["training"], schema=ConfigSchemaTraining)
    (train_corpus,) = resolve_dot_names(config, [T["train_corpus"]])
    # The loop of spacy.training.loop.train, endless (no step, epoch or patience limit) and with
    # no evaluation: we take as many steps as we time.
    training = train_while_improving(
        nlp,
        T["optimizer"],
        create_train_batches(nlp, train_corpus, T["batcher"], max_epochs=0),
        lambda: (0.0, {}),
        dropout=T["dropout"],
        eval_frequency=sys.maxsize,
        accumulate_gradient=T["accumulate_gradient"],
        patience=0,
        max_steps=0,
        exclude=T["frozen_components"],
        annotating_components=T["annotating_components"],
        before_update=T["before_update"],
    )
    step_words = (sum(len(eg) for eg in batch) for batch, _, _ in training)
    figures = time_steps(step_words, warmup_steps, steps, sync)
    nlp.to_disk(pipeline_dir)
    return figures


def infer_pipeline(
    pipeline_dir: Path,
    sentences: Sequence[Sentence],
    sync: Callable,
    overrides: Dict = {},
) -> float:
    """Words/s of nlp.pipe over Docs of the words, after one untimed batch; overrides go to spacy.load.

    The Docs are made as they are consumed and then dropped, so that their transformer outputs do not
    pile up in memory.
    """
    nlp = spacy.load(pipeline_dir, config=overrides)
    for _ in nlp.pipe(
        Doc(nlp.vocab, words=words) for words, _ in sentences[: nlp.batch_size]
    ):
        pass
    sync()
    start = perf_counter()
    for _ in nlp.pipe(Doc(nlp.vocab, words=words) for words, _ in sentences):
        pass
    sync()
    return sum(len(words) for words, _ in sentences) / (perf_counter() - start)


def component_speeds(
    pipeline_dir: Path, sentences: Sequence[Sentence], sync: Callable, overrides: Dict
) -> Dict[str, float]:
    """Words/s of each pipeline component alone, over the Docs that the components before it made.

    Shows where nlp.pipe's time goes. The Docs are all kept between components (with their
    transformer outputs), so run it outside the peak-memory measurement.
    """
    nlp = spacy.load(pipeline_dir, config=overrides)
    n_words = sum(len(words) for words, _ in sentences)
    docs = [Doc(nlp.vocab, words=words) for words, _ in sentences]
    speeds = {}
    for name, component in nlp.pipeline:
        # untimed warm-up
        list(component.pipe(docs[: nlp.batch_size], batch_size=nlp.batch_size))
        sync()
        start = perf_counter()
        docs = list(component.pipe(docs, batch_size=nlp.batch_size))
        sync()
        speeds[name] = n_words / (perf_counter() - start)
    return speeds
