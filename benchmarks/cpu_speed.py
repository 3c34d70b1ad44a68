"""CPU speed of the cnn pipeline (configs/cnn.cfg): training and inference words/s, and a projected epoch.

    python benchmarks/cpu_speed.py [--sentences 4000] [--steps 60] [--output benchmarks/RESULTS.md]

Trains configs/cnn.cfg with spaCy's training loop on the synthetic MultiNERD-like sentences of
throughput_data.py, times nlp.pipe over them in one process, and projects the wall time of one epoch of
MultiNERD English from the measured speeds. The report replaces its own section of the output file.
"""

import os
import sys
import tempfile
from importlib.metadata import version
from pathlib import Path

import typer
from spacy.util import load_config

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

from hardware import cpu_name  # noqa: E402
from ours import infer_pipeline, train_pipeline  # noqa: E402
from results import ROOT, write_section  # noqa: E402
from throughput_data import synthetic_corpus, write_docbin  # noqa: E402

CONFIG = ROOT / "configs" / "cnn.cfg"


def hours(seconds: float) -> str:
    return f"{seconds / 3600:.1f} h"


def main(
    n_sentences: int = typer.Option(
        4000,
        "--sentences",
        help="Synthetic sentences to train on and to run inference on",
    ),
    warmup_steps: int = typer.Option(
        10, "--warmup-steps", help="Untimed training steps before the timed ones"
    ),
    steps: int = typer.Option(60, "--steps", help="Timed training steps"),
    train_sentences: int = typer.Option(
        262_000,
        "--train-sentences",
        help="Sentences in the MultiNERD split to project for (English train: about 262k)",
    ),
    dev_sentences: int = typer.Option(
        33_000,
        "--dev-sentences",
        help="Sentences evaluated at each evaluation (English val: about 33k)",
    ),
    output: Path = typer.Option(
        ROOT / "benchmarks" / "RESULTS.md",
        "--output",
        help="Markdown file to put the report into",
    ),
):
    """Measure the cnn pipeline's training and inference speed on this machine's CPU."""
    config = load_config(CONFIG)
    batch_words = config["training"]["batcher"]["size"]["stop"]
    sentences, _ = synthetic_corpus(n_sentences)
    words_per_sentence = sum(len(words) for words, _ in sentences) / len(sentences)
    with tempfile.TemporaryDirectory() as tmp:
        train_path, pipeline_dir = Path(tmp, "train.spacy"), Path(tmp, "pipeline")
        write_docbin(sentences, train_path)
        # Timed at the batch size the compounding schedule reaches, where most of an epoch runs.
        overrides = {
            "paths.train": str(train_path),
            "paths.dev": str(train_path),
            "training.batcher.size": batch_words,
        }
        training, step_words = train_pipeline(
            CONFIG, overrides, pipeline_dir, -1, warmup_steps, steps, lambda: None
        )
        inference = infer_pipeline(pipeline_dir, sentences, lambda: None)
    training_config = config["training"]
    epoch_words = train_sentences * words_per_sentence
    evaluations = epoch_words / step_words / training_config["eval_frequency"]
    epoch_seconds = (
        epoch_words / training
        + evaluations * dev_sentences * words_per_sentence / inference
    )
    lines = [
        "## CPU pipeline (configs/cnn.cfg): training and inference speed",
        "",
        "| | words/s |",
        "| --- | ---: |",
        f"| training (spaCy's training loop, batches of {batch_words} words) | {training:,.0f} |",
        f"| inference (`nlp.pipe`, one process, batches of {config['nlp']['batch_size']}) | {inference:,.0f} |",
        "",
        f"Projected for MultiNERD English (about {train_sentences:,} training sentences of "
        f"{words_per_sentence:.1f} words, {epoch_words / 1e6:.1f}M words): one epoch with its "
        f"{evaluations:.0f} evaluations on about {dev_sentences:,} dev sentences takes {hours(epoch_seconds)}; "
        f"the config's limit of {training_config['max_epochs']} epochs, "
        f"{hours(epoch_seconds * training_config['max_epochs'])} (patience may stop it earlier). Training is timed "
        f"at the batcher's final size of {batch_words} words; the smaller batches of its first steps run "
        "somewhat slower.",
        "",
        f"- Command: `python benchmarks/cpu_speed.py --sentences {n_sentences} --warmup-steps {warmup_steps} --steps {steps}`",
        f"- Machine: {cpu_name()}, {os.cpu_count()} cores",
        f"- Versions: spacy {version('spacy')}, thinc {version('thinc')}",
        f"- Corpus: {n_sentences:,} synthetic MultiNERD-like sentences (throughput_data.py), {words_per_sentence:.1f} words on average",
    ]
    report = "\n".join(lines)
    print(report)
    write_section(output, "cpu-cnn", report)


if __name__ == "__main__":
    typer.run(main)
