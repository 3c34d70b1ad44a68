"""Fit a trained pipeline's entity score temperature on its dev split, so that ent._.score is calibrated.

    python scripts/calibrate.py MODEL DEV [--gpu-id N]

The pipeline tags DEV's sentences (their own tokens) once; the entity_scores component then scores the
same entities at each temperature of TEMPERATURES (only the NER's last layers run again), and the one with
the lowest expected calibration error on DEV goes into MODEL's config.cfg, which the training step that
runs this has just written. A temperature chosen on one run does not carry over to another: an encoder,
its learning rate or its data can make the NER more or less sure of itself.
"""

from pathlib import Path
from typing import Dict, Iterable

import spacy
import typer
from spacy.tokens import Doc
from spacy.util import load_config, minibatch
from wasabi import msg

import entity_scores  # noqa: F401  (the pipelines' entity_scores component)
from confidence import ConfidenceCounter
from corpus import count_docs, read_docs, unannotated
from safe_io import fail, reports_errors, write_atomically

COMPONENT = "entity_scores"
# From 0.5 to 8 in steps of 0.25: a long-trained NER can be far too sure of itself (3 in the rehearsal).
TEMPERATURES = tuple(step / 4 for step in range(2, 33))
BATCH = 1000


def calibration_errors(nlp, golds: Iterable[Doc]) -> Dict[float, float]:
    """{temperature: expected calibration error of ent._.score on golds} for each of TEMPERATURES."""
    scorer = nlp.get_pipe(COMPONENT)
    counters = {temperature: ConfidenceCounter() for temperature in TEMPERATURES}
    min_score, scorer.min_score = scorer.min_score, 0.0  # score every entity, drop none
    # a batch's tagged docs at a time: a transformer's output is large
    for batch in minibatch(golds, BATCH):
        with nlp.select_pipes(disable=[COMPONENT]):
            docs = list(nlp.pipe(unannotated(gold) for gold in batch))
        truths = [{(e.start, e.end, e.label_) for e in gold.ents} for gold in batch]
        for temperature, counter in counters.items():
            scorer.temperature = temperature
            for truth, doc in zip(truths, scorer.set_scores(docs)):
                counter.add(
                    truth, {(e.start, e.end, e.label_): e._.score for e in doc.ents}
                )
    scorer.min_score = min_score
    return {
        temperature: counter.calibration_error()
        for temperature, counter in counters.items()
    }


@reports_errors
def main(
    model: Path = typer.Argument(
        ..., help="Trained pipeline folder with the entity_scores component"
    ),
    dev: Path = typer.Argument(
        ..., help="Dev DocBin, or a folder of them (corpus/a/dev_sample)"
    ),
    gpu_id: int = typer.Option(-1, "--gpu-id", help="GPU to tag on; -1: the CPU"),
):
    """Set the entity_scores temperature in MODEL's config.cfg to the one best calibrated on DEV."""
    config_path = model / "config.cfg"
    if not config_path.is_file():
        fail(
            f"{model}: no config.cfg; give a trained pipeline folder (training/trf/a/model-best)"
        )
    config = load_config(config_path, interpolate=False)
    if COMPONENT not in config["components"]:
        fail(f"{model}: no {COMPONENT} component to calibrate")
    if not count_docs(dev):
        fail(f"{dev}: no sentences to calibrate on")
    if gpu_id >= 0:
        spacy.require_gpu(gpu_id)
    nlp = spacy.load(model)
    errors = calibration_errors(nlp, (doc for _, doc in read_docs(dev, nlp.vocab)))
    # The least calibration error; of equals, the temperature nearest to 1.
    best = min(errors, key=lambda t: (errors[t], abs(t - 1.0)))
    config["components"][COMPONENT]["temperature"] = best
    write_atomically(config_path, config.to_disk)
    table = ", ".join(f"{t:g}: {e:.3f}" for t, e in errors.items())
    msg.good(
        f"{model}: entity score temperature {best:g}, calibration error on {dev} {errors[best]:.3f}"
    )
    print(f"Calibration error at each temperature: {table}")


if __name__ == "__main__":
    typer.run(main)
