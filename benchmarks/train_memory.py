"""Training memory of configs/trf.cfg with thinc's weight update and with ours, side by side.

    python benchmarks/train_memory.py [--steps 400] [--sentences 1000]

Writes scripts/synthetic.py's MultiNERD-like data and tiny random BERT to a temporary folder, converts it, writes
system A's training config (scripts/train_config.py --max-steps STEPS) and runs `spacy train` on the CPU
twice, alike but for [initialize.after_init]: thinc's own PyTorchShim.finish_update (mixed precision off,
as on any CPU run), then the project's multinerd.pytorch_shims.v1 (the update copied into the weights in
place). A before_update callback of this file prints the resident set every RSS_EVERY steps. Prints a
Markdown table and puts it in its section of RESULTS.md.
"""

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from time import perf_counter
from typing import Callable, Dict, Tuple

import typer
from spacy.language import Language
from spacy.util import load_config, registry

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "scripts"), str(ROOT / "benchmarks")]

from callbacks import mixed_precision_on_gpu  # noqa: E402
from hardware import cpu_name  # noqa: E402
from results import write_section  # noqa: E402
from synthetic import write_data, write_model  # noqa: E402

RSS_EVERY = 50
UPDATES = {
    "thinc's update": "benchmarks.thinc_update.v1",
    "ours, in place": "multinerd.pytorch_shims.v1",
}


def resident_mib() -> int:
    with open("/proc/self/status", encoding="utf8") as status:
        return next(
            int(line.split()[1]) // 1024 for line in status if line.startswith("VmRSS")
        )


@registry.callbacks("benchmarks.thinc_update.v1")
def thinc_update() -> Callable[[Language], Language]:
    return mixed_precision_on_gpu


@registry.callbacks("benchmarks.resident_set.v1")
def resident_set() -> Callable[[Language, dict], None]:
    def before_update(nlp: Language, args: dict) -> None:
        if args["step"] % RSS_EVERY == 0:
            print(f"RSS step {args['step']} {resident_mib()}", flush=True)

    return before_update


def train(
    work: Path, config_path: Path, after_init: str
) -> Tuple[Dict[int, int], float]:
    """Train with the given [initialize.after_init]: ({step: resident MiB}, seconds)."""
    config = load_config(config_path, interpolate=False)
    config["initialize"]["after_init"] = {"@callbacks": after_init}
    config["training"]["before_update"] = {"@callbacks": "benchmarks.resident_set.v1"}
    variant = work / f"{after_init}.cfg"
    config.to_disk(variant)
    start = perf_counter()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "spacy",
            "train",
            str(variant),
            "--code",
            __file__,
            "--output",
            str(work / after_init),
            "--gpu-id",
            "-1",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    seconds = perf_counter() - start
    if result.returncode != 0:
        sys.exit(
            f"spacy train with {after_init} failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}"
        )
    return {
        int(step): int(mib)
        for step, mib in re.findall(r"^RSS step (\d+) (\d+)$", result.stdout, re.M)
    }, seconds


def main(
    steps: int = typer.Option(
        400, "--steps", min=RSS_EVERY * 2, help="Training steps of each run"
    ),
    n_sentences: int = typer.Option(
        1000, "--sentences", min=100, help="Train sentences (scripts/synthetic.py's)"
    ),
    output: Path = typer.Option(
        ROOT / "benchmarks" / "RESULTS.md",
        "--output",
        help="Markdown file to put the report into",
    ),
):
    """Resident memory every RSS_EVERY steps of spacy train with thinc's weight update and with ours."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        write_data(work / "assets", "en", (n_sentences, 200, 20))
        write_model(work / "bert")
        subprocess.run(
            [
                sys.executable,
                "scripts/convert_corpus.py",
                str(work / "assets"),
                str(work / "corpus"),
                "--lang",
                "en",
                "--dev-sample",
                "200",
            ],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        config_path = work / "config.cfg"
        subprocess.run(
            [
                sys.executable,
                "scripts/train_config.py",
                "configs/trf.cfg",
                "--tagset",
                "full",
                str(work / "corpus/a/train"),
                str(work / "corpus/a/dev_sample"),
                str(config_path),
                "--max-steps",
                str(steps),
                "--transformer",
                str(work / "bert"),
            ],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        runs = {
            name: train(work, config_path, after_init)
            for name, after_init in UPDATES.items()
        }
        weights_mib = (
            sum(f.stat().st_size for f in (work / "bert").glob("*.safetensors")) / 2**20
        )
    (thinc, thinc_seconds), (ours, ours_seconds) = runs.values()
    last = max(set(thinc) & set(ours))
    growth = {name: rss[last] - rss[RSS_EVERY] for name, (rss, _) in runs.items()}
    per_step = {name: mib / (last - RSS_EVERY) for name, mib in growth.items()}
    names = list(UPDATES)
    lines = [
        "## Training memory: thinc's weight update vs. ours (configs/trf.cfg, tiny encoder, CPU)",
        "",
        f"| step | resident MiB, {names[0]} | resident MiB, {names[1]} |",
        "| ---: | ---: | ---: |",
        *(
            f"| {step} | {thinc[step]:,} | {ours[step]:,} |"
            for step in sorted(set(thinc) & set(ours))
        ),
        f"| growth, step {RSS_EVERY} to {last} | {growth[names[0]]:,} ({per_step[names[0]]:.2f} a step) | "
        f"{growth[names[1]]:,} ({per_step[names[1]]:.2f} a step) |",
        f"| wall time of the run, s | {thinc_seconds:,.0f} | {ours_seconds:,.0f} |",
        "",
        f"- Command: `python benchmarks/train_memory.py --steps {steps} --sentences {n_sentences}`",
        f"- Machine: {cpu_name()}, {os.cpu_count()} cores. Training: system A, {n_sentences:,} train sentences of "
        f"scripts/synthetic.py, its tiny random BERT (2 layers, hidden size 32, {weights_mib:.2f} MiB of weights); "
        "both runs alike but for `[initialize.after_init]`, one after the other",
        "- thinc's `PyTorchShim.finish_update` rebinds each weight's `.data` to a tensor made from the optimizer's "
        "output, which keeps the previous one alive; `multinerd.pytorch_shims.v1` copies the update into the "
        "weights instead (`scripts/callbacks.py`; tests/test_pytorch_shims.py checks the weights are the same)",
    ]
    report = "\n".join(lines)
    print(report)
    write_section(output, "train-memory", report)


if __name__ == "__main__":
    typer.run(main)
