"""Does our pipeline learn as well as the standard recipe? Test F of ours and of a plain Transformers token
classifier, trained on the same data from the same encoder for the same steps.

    python benchmarks/quality.py ENCODER_DIR [--steps 400] [--learn-rate 1e-3] [--sizes 2000,400,400]
        [--system b|a|both] [--name NAME] [--output benchmarks/RESULTS.md]

ENCODER_DIR is an encoder folder, such as `python scripts/synthetic.py model DIR --family roberta` writes.
scripts/synthetic.py writes learnable data (--sizes sentences of train, dev and test) and
scripts/convert_corpus.py converts it, in a temporary folder. Then, for each system:
- ours, trf: the project's own steps: train_config.py with configs/trf.cfg (--steps, peak --learn-rate),
  spacy train, score.py of model-best on the test split;
- the baseline: AutoModelForTokenClassification from ENCODER_DIR, the label on each word's first piece; what
  the config that train_config.py wrote says: its steps (0 to max_steps, as spaCy's loop counts them), batches
  (its own batcher), peak learning rate, warm-up (get_linear_schedule_with_warmup), weight decay (its L2),
  gradient clipping (one norm over all weights, as the Transformers Trainer clips), seed and evaluations of the
  dev sample; its best evaluation after step 0 (as model-best) tags the test split, scored by seqeval_scores.py;
- ours, cnn: configs/cnn.cfg through the same steps as trf, at cnn.cfg's own learning rate.
The report (test F overall and per type, dev F at each evaluation, training words/s) goes to stdout and
replaces this run's section of the output file; the learning curves go to quality_NAME.png beside it.
"""

import copy
import itertools
import os
import random
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from time import perf_counter
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

import srsly
import torch
import typer
from spacy.util import load_config, registry
from spacy.vocab import Vocab
from transformers import (
    AutoConfig,
    AutoModelForTokenClassification,
    AutoTokenizer,
    DataCollatorForTokenClassification,
    get_linear_schedule_with_warmup,
)
from transformers.utils import logging as transformers_logging

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "scripts"), str(ROOT / "benchmarks")]

from corpus import read_docs  # noqa: E402
from hardware import cpu_name  # noqa: E402
from multinerd import SYSTEMS, TAGSETS  # noqa: E402
from results import write_section  # noqa: E402
from safe_io import InputError, check_apart, fail, write_atomically  # noqa: E402
from seqeval_scores import SeqevalScorer, iob_tags  # noqa: E402
from synthetic import write_data  # noqa: E402

# Sentences a forward pass when the baseline tags the dev and test splits.
PREDICT_BATCH = 64
# Byte-level BPE tokenizers need a space before each word of pre-split input (as in Transformers' NER example).
PREFIX_SPACE_TYPES = ("bloom", "deberta", "gpt2", "roberta")
SYSTEM_NAMES = {
    "trf": "ours: trf",
    "baseline": "baseline: Transformers",
    "cnn": "ours: cnn",
}

Curve = List[Tuple[int, float]]  # (step, dev F) of each evaluation


@dataclass
class Result:
    curve: Curve
    scores: dict  # seqeval_scores' scores of the test split
    words_per_s: float  # steps 1 to the last, evaluations included
    step_words: float


@dataclass
class Sentence:
    """A sentence of the baseline: its words, gold IOB tags and encoded pieces; its length is its words, as
    spaCy's batchers measure an Example."""

    words: List[str]
    tags: List[str]
    features: dict

    def __len__(self) -> int:
        return len(self.words)


def run(*args) -> List[Tuple[float, str]]:
    """Run python with args in the project folder; its output lines, each with the time it printed it at."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}  # each line as it is printed
    process = subprocess.Popen(
        [sys.executable, *map(str, args)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines = [(perf_counter(), line) for line in process.stdout]
    if process.wait():
        output = "".join(line for _, line in lines[-40:])
        fail(f"{' '.join(map(str, args))} exited {process.returncode}:\n{output}")
    return lines


def evaluations(lines: List[Tuple[float, str]]) -> List[Tuple[float, int, float]]:
    """(time, step, ENTS_F from 0 to 1) of each evaluation row of spacy train's table."""
    rows = [(time, line.split()) for time, line in lines]
    # The columns end with ENTS_F ENTS_P ENTS_R SCORE (the config's score weights); ENTS_F in percent.
    return [
        (time, int(row[1]), float(row[-4]) / 100)
        for time, row in rows
        if len(row) > 4 and row[0].isdigit() and row[1].isdigit()
    ]


def step_words(config: dict, train: Path, steps: int) -> float:
    """Mean words of a step's batch: the config's batcher over each epoch of the train split (in corpus order),
    as spaCy's training loop batches, for steps."""
    batcher = registry.resolve({"batcher": config["training"]["batcher"]})["batcher"]
    docs = [doc for _, doc in read_docs(train, Vocab())]
    batches = itertools.islice(
        (batch for _ in itertools.count() for batch in batcher(docs)), steps
    )
    return sum(len(doc) for batch in batches for doc in batch) / steps


def train_ours(
    base: Path,
    corpus: Path,
    tagset: str,
    out: Path,
    steps: int,
    learn_rate: float,
    encoder: Optional[Path] = None,
) -> Result:
    """The project's own steps: write the run's config (train_config.py), train it (spacy train) and score
    model-best on the test split (score.py). learn_rate 0: the config's own."""
    config = out / "config.cfg"
    transformer = [] if encoder is None else ["--transformer", encoder]
    run(
        "scripts/train_config.py",
        base,
        corpus / "train",
        corpus / "dev_sample",
        config,
        "--tagset",
        tagset,
        "--max-steps",
        steps,
        "--learn-rate",
        learn_rate,
        *transformer,
    )
    lines = run(
        "-m",
        "spacy",
        "train",
        config,
        "--code",
        "scripts/callbacks.py",
        "--output",
        out,
        "--gpu-id",
        -1,
    )
    run("scripts/score.py", out / "model-best", corpus / "test", out / "scores.json")
    evals = evaluations(lines)
    words = step_words(load_config(config, interpolate=True), corpus / "train", steps)
    seconds = evals[-1][0] - evals[0][0]
    scores = srsly.read_json(out / "scores.json")["scores"]
    return Result(
        [(step, f) for _, step, f in evals], scores, steps * words / seconds, words
    )


def read_sentences(path: Path, tokenizer, tag_ids: Dict[str, int]) -> List[Sentence]:
    """The docs under path, encoded: each word's label on its first piece, -100 on the others."""
    result = []
    for _, doc in read_docs(path, Vocab()):
        words, tags = [token.text for token in doc], iob_tags(doc)
        encoding = tokenizer(words, is_split_into_words=True)
        word_ids = encoding.word_ids()
        labels = [
            -100 if word is None or word == previous else tag_ids[tags[word]]
            for word, previous in zip(word_ids, [None, *word_ids])
        ]
        result.append(Sentence(words, tags, {**encoding, "labels": labels}))
    return result


def tag(
    model, tokenizer, sentences: Sequence[Sentence], tags: Sequence[str]
) -> SeqevalScorer:
    """The model's tags of sentences counted against their gold tags: the argmax of each word's first piece, as
    it is (a word without pieces is O)."""
    model.eval()
    scorer = SeqevalScorer()
    with torch.inference_mode():
        for start in range(0, len(sentences), PREDICT_BATCH):
            batch = sentences[start : start + PREDICT_BATCH]
            encoding = tokenizer(
                [s.words for s in batch],
                is_split_into_words=True,
                padding=True,
                return_tensors="pt",
            )
            best = model(**encoding).logits.argmax(-1).tolist()
            for i, sentence in enumerate(batch):
                predicted = ["O"] * len(sentence)
                word_ids = encoding.word_ids(i)
                for word, previous, label in zip(word_ids, [None, *word_ids], best[i]):
                    if word is not None and word != previous:
                        predicted[word] = tags[label]
                scorer.add(sentence.tags, predicted)
    model.train()
    return scorer


def shuffled_batches(
    sentences: Sequence[Sentence], batcher, rng: random.Random
) -> Iterator[List[Sentence]]:
    """Endless batches of the batcher, each epoch over the sentences in a new order."""
    while True:
        order = list(sentences)
        rng.shuffle(order)
        yield from batcher(order)


def train_baseline(encoder: Path, config: dict, corpus: Path, tagset: str) -> Result:
    """Fine-tune AutoModelForTokenClassification as the config that train_config.py wrote trains ours: its steps,
    batcher, optimizer settings, learning-rate schedule, seed and evaluations; score its best evaluation after
    step 0 on the test split."""
    training = config["training"]
    adam, schedule = training["optimizer"], training["optimizer"]["learn_rate"]
    tags = ["O", *(f"{prefix}-{label}" for label in TAGSETS[tagset] for prefix in "BI")]
    tag_ids = {t: i for i, t in enumerate(tags)}
    prefix_space = AutoConfig.from_pretrained(encoder).model_type in PREFIX_SPACE_TYPES
    tokenizer = AutoTokenizer.from_pretrained(
        encoder, **({"add_prefix_space": True} if prefix_space else {})
    )
    train, dev, test = (
        read_sentences(corpus / split, tokenizer, tag_ids)
        for split in ("train", "dev_sample", "test")
    )
    torch.manual_seed(training["seed"])
    model = AutoModelForTokenClassification.from_pretrained(
        encoder, num_labels=len(tags), id2label=dict(enumerate(tags)), label2id=tag_ids
    )
    model.train()
    optimizer = torch.optim.AdamW(
        model.parameters(),
        lr=schedule["initial_rate"],
        betas=(adam["beta1"], adam["beta2"]),
        eps=adam["eps"],
        weight_decay=adam["L2"],
    )
    scheduler = get_linear_schedule_with_warmup(
        optimizer, schedule["warmup_steps"], schedule["total_steps"]
    )
    collate = DataCollatorForTokenClassification(tokenizer)
    batcher = registry.resolve({"batcher": training["batcher"]})["batcher"]
    batches = shuffled_batches(train, batcher, random.Random(training["seed"]))
    max_steps, eval_frequency = training["max_steps"], training["eval_frequency"]
    curve, best_f, best_weights, words = [], -1.0, None, 0
    # Steps 0 to max_steps, each evaluated after its update, as spaCy's training loop counts them.
    for step, batch in enumerate(itertools.islice(batches, max_steps + 1)):
        model(**collate([sentence.features for sentence in batch])).loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), adam["grad_clip"])
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad()
        if step % eval_frequency == 0:
            f = tag(model, tokenizer, dev, tags).scores()["f"]
            curve.append((step, f))
            if step and f >= best_f:
                best_f, best_weights = f, copy.deepcopy(model.state_dict())
        if step == 0:
            # words/s of steps 1 to max_steps, their evaluations included
            start = perf_counter()
        else:
            words += sum(len(sentence) for sentence in batch)
    seconds = perf_counter() - start
    model.load_state_dict(best_weights)
    return Result(
        curve,
        tag(model, tokenizer, test, tags).scores(),
        words / seconds,
        words / max_steps,
    )


def describe_corpus(corpus: Path) -> str:
    docs = [doc for _, doc in read_docs(corpus / "train", Vocab())]
    words = sum(len(doc) for doc in docs)
    entities = sum(len(doc.ents) for doc in docs)
    return f"train {len(docs):,} sentences, {words / len(docs):.1f} words and {entities / len(docs):.2f} entities each"


def score_table(runs: Dict[str, Result], tagset: str) -> List[str]:
    """Test F overall and per type of each system, and ours / baseline."""
    lines = [
        "| test split, seqeval F | ours: trf | baseline: Transformers | ours / baseline | ours: cnn "
        "| gold entities |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    per_type = {key: result.scores["per_type"] for key, result in runs.items()}
    support = sum(scores["support"] for scores in per_type["baseline"].values())
    rows = [
        (
            "all types",
            {key: result.scores["f"] for key, result in runs.items()},
            support,
        )
    ]
    for label in TAGSETS[tagset]:
        scores = {
            key: types.get(label, {}).get("f", 0.0) for key, types in per_type.items()
        }
        rows.append(
            (label, scores, per_type["baseline"].get(label, {}).get("support", 0))
        )
    for name, f, gold in rows:
        ratio = f"{f['trf'] / f['baseline']:.2f}" if f["baseline"] else "n/a"
        lines.append(
            f"| {name} | {f['trf']:.4f} | {f['baseline']:.4f} | {ratio} | {f['cnn']:.4f} | {gold:,} |"
        )
    return lines


def curve_table(runs: Dict[str, Result]) -> List[str]:
    """Dev F of each system at each evaluation."""
    curves = {key: dict(result.curve) for key, result in runs.items()}
    lines = [
        "| step | ours: trf | baseline: Transformers | ours: cnn |",
        "| ---: | ---: | ---: | ---: |",
    ]
    for step in sorted(set().union(*curves.values())):
        cells = [
            f"{curves[key][step]:.4f}" if step in curves[key] else "–"
            for key in SYSTEM_NAMES
        ]
        lines.append(f"| {step} | {' | '.join(cells)} |")
    return lines


def plot(results: Dict[str, Dict[str, Result]], path: Path) -> None:
    """The dev F curves, a panel a system."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(
        1, len(results), figsize=(6 * len(results), 4), squeeze=False
    )
    for ax, (system, runs) in zip(axes[0], results.items()):
        for key, result in runs.items():
            steps, scores = zip(*result.curve)
            ax.plot(steps, scores, marker="o", label=SYSTEM_NAMES[key])
        ax.set(
            title=f"System {system.upper()}", xlabel="step", ylabel="dev F", ylim=(0, 1)
        )
        ax.grid(alpha=0.3)
        ax.legend(loc="lower right")
    fig.tight_layout()
    write_atomically(path, lambda tmp: fig.savefig(tmp, format="png", dpi=100))
    plt.close(fig)


class Systems(str, Enum):
    a = "a"
    b = "b"
    both = "both"


def system_section(system: str, runs: Dict[str, Result]) -> List[str]:
    """A system's tables: test F, dev F at each evaluation, words/s."""
    tagset = SYSTEMS[system]
    f = {key: result.scores["f"] for key, result in runs.items()}
    ratio = f"{f['trf'] / f['baseline']:.2f}" if f["baseline"] else "n/a"
    steps = runs["trf"].curve[-1][0]
    lines = [
        f"### System {system.upper()} ({len(TAGSETS[tagset])} types): ours / baseline {ratio} at {steps} steps "
        "(goal: 1.00 or more)",
        "",
        *score_table(runs, tagset),
        "",
        "Dev F at each evaluation:",
        "",
        *curve_table(runs),
        "",
        "| | ours: trf | baseline: Transformers | ours: cnn |",
        "| --- | ---: | ---: | ---: |",
    ]
    for row, field in (
        ("training, words/s", "words_per_s"),
        ("words a step", "step_words"),
    ):
        lines.append(
            f"| {row} | "
            + " | ".join(f"{getattr(runs[key], field):,.0f}" for key in SYSTEM_NAMES)
            + " |"
        )
    return lines


def notes(
    args: str, encoder: Path, corpus: str, config: dict, cnn_rate: float
) -> List[str]:
    """How the run went: its command, encoder, data, schedule, baseline, measures and device."""
    training = config["training"]
    schedule = training["optimizer"]["learn_rate"]
    encoder_config = AutoConfig.from_pretrained(encoder)
    return [
        f"- Command: `python benchmarks/quality.py ENCODER_DIR {args}`",
        f"- Encoder: {encoder_config.model_type}, {encoder_config.num_hidden_layers} layers, hidden size "
        f"{encoder_config.hidden_size}, vocabulary {encoder_config.vocab_size:,}; the same initial weights for ours "
        "(trf) and the baseline",
        f"- Data: scripts/synthetic.py; {corpus}",
        f"- Schedule (the config train_config.py wrote): steps 0 to {training['max_steps']}, the dev sample evaluated "
        f"every {training['eval_frequency']}; learning rate up to {schedule['initial_rate']:g} over "
        f"{schedule['warmup_steps']} steps, then down to 0 at step {schedule['total_steps']}; seed {training['seed']}. "
        f"cnn: the same steps, its own constant learning rate {cnn_rate:g} and its own batcher",
        "- Baseline: AutoModelForTokenClassification, the label on each word's first piece; AdamW (weight decay: "
        f"the config's L2), get_linear_schedule_with_warmup, the gradient clipped to norm "
        f"{training['optimizer']['grad_clip']:g} over all weights (thinc clips each weight's gradient alone); batches "
        "of the config's own batcher over the train split, shuffled each epoch; its best dev evaluation after step 0 "
        "tags the test split, as model-best does for ours",
        "- Dev F: ours, ENTS_F as spacy train prints it; baseline, seqeval_scores.py. Test F: seqeval_scores.py "
        "(ours through score.py). Words/s: from the step-0 evaluation to the last, evaluations included; ours' words "
        "a step: the mean of its batcher's batches over the train split",
        f"- Device: {cpu_name()}, {torch.get_num_threads()} torch threads, fp32; load average "
        f"{os.getloadavg()[1]:.1f} over the last 5 minutes of the run (other processes slow the words/s)",
    ]


def checked_arguments(encoder: Path, sizes: str, outputs: List[Path]) -> List[int]:
    """The sentence counts in sizes; a one-line failure on an encoder folder without a model, sizes that are
    not three counts, or outputs that overlap the encoder."""
    try:
        check_apart(outputs, [encoder])
    except InputError as err:
        fail(str(err))
    if not (encoder / "config.json").is_file():
        fail(
            f"{encoder}: no config.json; give an encoder folder (python scripts/synthetic.py model DIR)"
        )
    if not re.fullmatch(r"\d+,\d+,\d+", sizes):
        fail(
            f"--sizes {sizes}: three sentence counts, for train, dev and test (e.g. 2000,400,400)"
        )
    return [int(size) for size in sizes.split(",")]


def main(
    encoder: Path = typer.Argument(
        ...,
        help="Encoder folder (config, weights, tokenizer), e.g. synthetic.py model's",
    ),
    steps: int = typer.Option(
        400, "--steps", min=1, help="Optimizer steps of each system"
    ),
    learn_rate: float = typer.Option(
        1e-3, "--learn-rate", min=0, help="Peak learning rate of trf and the baseline"
    ),
    sizes: str = typer.Option(
        "2000,400,400", "--sizes", help="Sentences of train, dev and test"
    ),
    system: Systems = typer.Option(
        Systems.b, "--system", help="System A (15 types), B (five) or both"
    ),
    name: str = typer.Option(
        "",
        "--name",
        help="Name of this run in the output (default: ENCODER_DIR's folder name)",
    ),
    output: Path = typer.Option(
        ROOT / "benchmarks" / "RESULTS.md",
        "--output",
        help="Markdown file to write into",
    ),
):
    """Train ours (trf and cnn) and a plain Transformers token classifier alike; compare their test F."""
    name = name or encoder.resolve().name
    figure = output.parent / f"quality_{name}.png"
    counts = checked_arguments(encoder, sizes, [output, figure])
    transformers_logging.set_verbosity_error()
    systems = ["a", "b"] if system == Systems.both else [system.value]
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        write_data(tmp / "assets", "en", counts)
        run("scripts/convert_corpus.py", tmp / "assets", tmp / "corpus", "--lang", "en")
        for key in systems:
            corpus, tagset = tmp / "corpus" / key, SYSTEMS[key]
            print(
                f"System {key.upper()}: ours (trf), the baseline, ours (cnn)",
                file=sys.stderr,
            )
            trf_dir, cnn_dir = tmp / "trf" / key, tmp / "cnn" / key
            trf = train_ours(
                ROOT / "configs" / "trf.cfg",
                corpus,
                tagset,
                trf_dir,
                steps,
                learn_rate,
                encoder,
            )
            config = load_config(trf_dir / "config.cfg", interpolate=True)
            baseline = train_baseline(encoder, config, corpus, tagset)
            cnn = train_ours(
                ROOT / "configs" / "cnn.cfg", corpus, tagset, cnn_dir, steps, 0
            )
            results[key] = {"trf": trf, "baseline": baseline, "cnn": cnn}
        corpus_text = f"{sizes} sentences (train, dev, test); " + describe_corpus(
            tmp / "corpus" / systems[-1]
        )
        cnn_rate = load_config(cnn_dir / "config.cfg")["training"]["optimizer"][
            "learn_rate"
        ]
    args = f"--steps {steps} --learn-rate {learn_rate:g} --sizes {sizes} --system {system.value} --name {name}"
    lines = [
        f"## Learning: our pipelines vs. Transformers token classification ({name} encoder)",
        "",
        f"![dev F at each evaluation]({figure.name})",
    ]
    for key, runs in results.items():
        lines += ["", *system_section(key, runs)]
    report = "\n".join(
        lines + ["", *notes(args, encoder, corpus_text, config, cnn_rate)]
    )
    print(report)
    plot(results, figure)
    write_section(output, f"quality-{name}", report)


if __name__ == "__main__":
    typer.run(main)
