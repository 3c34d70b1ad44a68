"""A full-size rehearsal of `weasel run all`: English-sized learnable MultiNERD-format data, a tiny encoder, the CPU.

    python benchmarks/rehearsal.py REHEARSAL_DIR [--train 262560 --dev 32820 --test 32908] [--epochs N]

Copies the project into REHEARSAL_DIR (a new or empty folder), writes train/val/test JSONL files of
MultiNERD English's size from the learnable generator (scripts/synthetic.py) and a tiny random BERT, then
runs every step of the `all` workflow with no step cap, as a user would (--epochs sets
the copied configs/trf.cfg's max_epochs, for a shorter rehearsal of the same schedule), and measures
each step's wall time and peak memory. The report goes to stdout and to its section of RESULTS.md: the
steps an epoch that the config step counted, the budget, the evaluations and their cost, the learning
rate at the last step, the step model-best came from, and the size of each output.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path
from time import perf_counter
from typing import Dict, List, Tuple

import srsly
import typer
from spacy.util import load_config, registry
from spacy.vocab import Vocab

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

from corpus import read_docs  # noqa: E402
from hardware import cpu_name  # noqa: E402
from multinerd import SPLITS, SYSTEMS, hub_filename  # noqa: E402
from results import ROOT, write_section  # noqa: E402
from safe_io import InputError, check_apart, fail  # noqa: E402
from synthetic import sentences, write_jsonl, write_model  # noqa: E402

PROJECT_FILES = ("project.yml", "configs", "scripts")
PIPELINE = "trf"
# The peak learning rate a random encoder needs (docs/offline.md).
LEARN_RATE = "0.001"


def run_step(
    project: Path, command: str, args: List[str], log: Path
) -> Tuple[float, float, int, List[Tuple[float, str]]]:
    """Run `weasel run COMMAND` in project: (seconds, peak RSS in MiB of its largest process, exit code,
    (seconds since the start, line) of each line it printed, timed as it came: Python unbuffered)."""
    start = perf_counter()
    lines = []
    with log.open("w", encoding="utf8") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "weasel", "run", command, ".", *args],
            cwd=project,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env={**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONUNBUFFERED": "1"},
        )
        for line in process.stdout:
            out.write(line)
            out.flush()
            lines.append((perf_counter() - start, line))
        # wait4's usage covers the process and every descendant it waited for: weasel's spacy train too.
        _, status, usage = os.wait4(process.pid, 0)
    return (
        perf_counter() - start,
        usage.ru_maxrss / 1024,
        os.waitstatus_to_exitcode(status),
        lines,
    )


def evaluations(lines: List[Tuple[float, str]]) -> List[Tuple[int, float, float]]:
    """(step, score, seconds since the step started) of each row of spacy train's evaluation table."""
    rows = []
    for seconds, line in lines:
        fields = line.split()
        try:
            numbers = [float(field) for field in fields]
        except ValueError:
            continue
        if len(numbers) >= 4 and numbers[1].is_integer():
            rows.append((int(numbers[1]), numbers[-1], seconds))
    return rows


def last_learn_rate(config_path: Path) -> float:
    """The learning rate of the run's last update (step max_steps, counted from 0)."""
    config = load_config(config_path)
    rates = registry.resolve({"rate": config["training"]["optimizer"]["learn_rate"]})[
        "rate"
    ]
    for step, rate in enumerate(rates):
        if step == config["training"]["max_steps"]:
            return rate


def size(path: Path) -> str:
    total = (
        sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
        if path.is_dir()
        else path.stat().st_size
    )
    return f"{total / 2**20:,.1f} MiB"


def main(
    rehearsal_dir: Path = typer.Argument(
        ..., help="A new or empty folder for the project copy and its outputs"
    ),
    train: int = typer.Option(
        262_560, "--train", help="Train sentences (MultiNERD English: 262,560)"
    ),
    dev: int = typer.Option(
        32_820, "--dev", help="Val sentences (MultiNERD English: 32,820)"
    ),
    test: int = typer.Option(
        32_908, "--test", help="Test sentences (MultiNERD English: 32,908)"
    ),
    epochs: int = typer.Option(
        0,
        "--epochs",
        min=0,
        help="max_epochs of the copied configs/trf.cfg; 0: as it is",
    ),
    output: Path = typer.Option(
        ROOT / "benchmarks" / "RESULTS.md",
        "--output",
        help="Markdown file to put the report into",
    ),
):
    """Run `weasel run all` end to end on an English-sized synthetic corpus and measure every step."""
    try:
        check_apart([output], [rehearsal_dir])
    except InputError as err:
        fail(str(err))
    if rehearsal_dir.exists() and any(rehearsal_dir.iterdir()):
        fail(f"{rehearsal_dir}: not empty; give a new or empty folder")
    rehearsal_dir.mkdir(parents=True, exist_ok=True)
    for name in PROJECT_FILES:
        if (ROOT / name).is_dir():
            shutil.copytree(
                ROOT / name,
                rehearsal_dir / name,
                ignore=shutil.ignore_patterns("__pycache__"),
            )
        else:
            shutil.copy(ROOT / name, rehearsal_dir / name)
    config_path = rehearsal_dir / "configs" / f"{PIPELINE}.cfg"
    config = load_config(config_path, interpolate=False)
    if epochs:
        config["training"]["max_epochs"] = epochs
        config.to_disk(config_path)
    epochs = config["training"]["max_epochs"]
    for split, n in zip(SPLITS, (train, dev, test)):
        write_jsonl(
            rehearsal_dir / "assets" / hub_filename(split, "en"),
            sentences(n, "en", split=split),
        )
    model_dir = rehearsal_dir / "tiny-bert"
    write_model(model_dir)
    args = [
        "--vars.gpu_id",
        "-1",
        "--vars.learn_rate",
        LEARN_RATE,
        "--vars.transformer",
        str(model_dir.resolve()),
    ]
    workflow = srsly.read_yaml(ROOT / "project.yml")["workflows"]["all"]
    logs = rehearsal_dir / "logs"
    logs.mkdir()
    rows = []
    seconds_of: Dict[str, float] = {}
    output_of: Dict[str, List[Tuple[float, str]]] = {}
    for command in workflow:
        print(f"Running {command}", file=sys.stderr)
        seconds, peak, code, output_of[command] = run_step(
            rehearsal_dir, command, args, logs / f"{command}.log"
        )
        if code != 0:
            fail(f"{command} exited {code}: see {logs / f'{command}.log'}")
        rows.append(f"| `{command}` | {seconds:,.0f} | {peak:,.0f} |")
        seconds_of[command] = seconds

    training_dir = rehearsal_dir / "training" / PIPELINE
    # Training evaluates on the convert step's dev sample.
    dev_words = sum(
        len(doc)
        for _, doc in read_docs(rehearsal_dir / "corpus" / "a" / "dev_sample", Vocab())
    )
    config_log = (logs / "config.log").read_text(encoding="utf8")
    facts = [
        line
        for line in config_log.splitlines()
        if line.startswith(("Steps an epoch", "Budget", "Evaluations", "Learning rate"))
    ]
    systems = []
    for system in SYSTEMS:
        evals = evaluations(output_of[f"train-{system}"])
        # multinerd.ConsoleLogger.v1 keeps the best evaluation after step 0 (the latest of equals).
        best_score = max(score for step, score, _ in evals if step > 0)
        best_step = [
            step for step, score, _ in evals if step > 0 and score == best_score
        ][-1]
        speed = srsly.read_json(training_dir / system / "test_scores.json")["speed"]
        eval_seconds = dev_words / speed
        # Between two rows: eval_frequency steps and one evaluation; before the first: start-up and step 0's evaluation.
        startup = evals[0][2] - eval_seconds
        interval = (evals[-1][2] - evals[0][2]) / (len(evals) - 1)
        per_step = (interval - eval_seconds) / (evals[1][0] - evals[0][0])
        wheel = next(
            (rehearsal_dir / "packages" / PIPELINE / system).glob("*/dist/*.whl")
        )
        systems.append(
            f"- System {system.upper()}: start-up (loading the corpus, initializing the pipeline) about "
            f"{startup:,.0f} s; {len(evals)} evaluations (steps {evals[0][0]}–{evals[-1][0]}), each about "
            f"{eval_seconds:,.0f} s ({dev_words:,} dev words at the {speed:,.0f} words/s `spacy evaluate` "
            f"measured on the test split), {interval:,.0f} s from one to the next, so about {per_step:.3f} s a "
            f"training step; dev score {evals[0][1]:.2f} at step 0, {evals[-1][1]:.2f} at the last step; "
            f"model-best from step {best_step:,} (score {best_score:.2f}); learning rate at the last step "
            f"{last_learn_rate(training_dir / system / 'config.cfg'):g}. "
            f"Sizes: train DocBin "
            f"{size(rehearsal_dir / 'corpus' / system / 'train')}, model-best "
            f"{size(training_dir / system / 'model-best')}, wheel {size(wheel)}"
        )
    command = f"python benchmarks/rehearsal.py REHEARSAL_DIR --train {train} --dev {dev} --test {test} --epochs {epochs}"
    lines = [
        f"## Rehearsal: `weasel run all` on {train:,} / {dev:,} / {test:,} synthetic sentences, {epochs} epoch(s) (tiny encoder, CPU)",
        "",
        "| step | seconds | peak memory (MiB) |",
        "| --- | ---: | ---: |",
        *rows,
        "",
        "The config step's schedule, as it printed it for system A and then B:",
        "",
        *(f"    {fact}" for fact in facts),
        "",
        *systems,
        f"- Assets: train JSONL {size(rehearsal_dir / 'assets' / hub_filename('train', 'en'))}",
        f"- Command: `{command}`; the workflow ran with `{' '.join(args[:4])} --vars.transformer TINY_BERT`",
        f"- Machine: {cpu_name()}, {os.cpu_count()} cores; peak memory is the largest process's resident set",
        "- Encoder: BERT with 2 layers of hidden size 32, randomly initialised, its WordPiece vocabulary trained on "
        "the generated text (scripts/synthetic.py). The scores show that a full run learns on data that can be "
        "learned, not what MultiNERD would score; the step counts, schedule, wall times of everything but the "
        "encoder, and the sizes carry over",
    ]
    report = "\n".join(lines)
    print(report)
    write_section(output, f"rehearsal-{train}", report)


if __name__ == "__main__":
    typer.run(main)
