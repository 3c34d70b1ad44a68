"""Documents/s and words/s of scripts/annotate.py on Ray Data, with 1 and 2 workers, against a plain nlp.pipe loop.

    python benchmarks/annotate_scaling.py MODEL [--docs 2000] [--batch-size 64]

The corpus: MultiNERD-like sentences from scripts/synthetic.py, one a document (about 25 words), as a JSONL
file. The plain loop runs in this process after spacy.load (timed apart), just before and just after each
annotate job on the corpus, and that job is compared with the mean of the two: this machine's speed drifts
from minute to minute. Ray starts once (ray.init and a first trivial task, timed apart). Each annotate job
starts its workers and loads the pipeline in each, as every real run does: a job on one document measures that
fixed cost, which the job on the corpus is then shown with and without. Prints a Markdown table to stdout.
"""

import json
import logging
import os
import platform
import sys
import tempfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from time import perf_counter
from typing import List

import ray
import typer

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from annotate import (  # noqa: E402
    ROWS_PER_BLOCK,
    annotate,
    check_local_resources,
    load_pipeline,
    model_to_load,
)
from hardware import cpu_name  # noqa: E402
from safe_io import fail  # noqa: E402
from synthetic import sentences  # noqa: E402

WORKERS = (1, 2)
PACKAGES = ("spacy", "spacy-transformers", "thinc", "torch", "ray", "pyarrow")


def documents(n_docs: int) -> List[str]:
    """n_docs texts, each one of scripts/synthetic.py's sentences, words separated by spaces."""
    return [" ".join(record["tokens"]) for record in sentences(n_docs, "en", seed=0)]


def noop() -> None:
    pass


def installed(package: str) -> str:
    try:
        return f"{package} {version(package)}"
    except PackageNotFoundError:
        return f"{package} (not installed)"


def write_jsonl(path: Path, texts: List[str]) -> Path:
    path.write_text(
        "".join(
            json.dumps({"id": i, "text": text}) + "\n" for i, text in enumerate(texts)
        )
    )
    return path


def start_local_ray() -> None:
    """Start Ray here, without progress bars; its local workers import annotate from scripts/."""
    # Ray's local workers inherit this environment: they unpickle annotate's classes by importing it.
    os.environ["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(ROOT / "scripts"), os.environ.get("PYTHONPATH")])
    )
    ray.init(address="local", include_dashboard=False, logging_level=logging.WARNING)
    ray.data.DataContext.get_current().enable_progress_bars = False


def time_annotate(
    source: Path, model: str, workers: int, batch_size: int, n_docs: int
) -> float:
    """Seconds of one annotate job on source, checked to give n_docs rows without errors."""
    output = source.with_name(f"{source.stem}-{workers}")
    start = perf_counter()
    counts = annotate(
        [source],
        source.parent,
        model,
        output,
        ".parquet",
        batch_size=batch_size,
        workers=workers,
    )
    seconds = perf_counter() - start
    if (counts["documents"], counts["error_rows"]) != (n_docs, 0):
        fail(f"annotate with {workers} workers lost documents or gave error rows")
    return seconds


def time_plain(nlp, texts: List[str], batch_size: int) -> float:
    """Seconds of a plain nlp.pipe loop over texts in this process."""
    start = perf_counter()
    for _ in nlp.pipe(texts, batch_size=batch_size):
        pass
    return perf_counter() - start


def row(
    name: str,
    seconds: float,
    n_docs: int = 0,
    n_words: int = 0,
    plain_seconds: float = 0,
) -> str:
    if not n_docs:
        return f"| {name} | {seconds:.1f} | | | |"
    if seconds <= 0:  # a corpus too small to outlast the fixed cost
        return f"| {name} | {seconds:.1f} | n/a | n/a | n/a |"
    return (
        f"| {name} | {seconds:.1f} | {n_docs / seconds:,.0f} | {n_words / seconds:,.0f} "
        f"| {plain_seconds / seconds:.2f} |"
    )


def main(
    model: str = typer.Argument(
        ..., help="An installed pipeline package or a pipeline folder"
    ),
    n_docs: int = typer.Option(
        2000, "--docs", min=1, help="Documents to annotate in each run"
    ),
    batch_size: int = typer.Option(
        64, min=1, help="Documents per batch, for nlp.pipe and for annotate"
    ),
):
    """Time a plain nlp.pipe loop, Ray's start-up, and annotate with 1 and 2 workers; print a Markdown table."""
    to_load = model_to_load(model)
    texts = documents(n_docs)
    n_words = sum(len(text.split()) for text in texts)
    with tempfile.TemporaryDirectory() as tmp:
        source = write_jsonl(Path(tmp) / "docs.jsonl", texts)
        one_doc = write_jsonl(Path(tmp) / "one.jsonl", texts[:1])

        start = perf_counter()
        nlp = load_pipeline(to_load)
        load_seconds = perf_counter() - start
        plain_seconds = [time_plain(nlp, texts, batch_size)]
        torch_threads = (
            sys.modules["torch"].get_num_threads() if "torch" in sys.modules else "no"
        )

        print(
            f"Plain loop done in {plain_seconds[0]:.1f} s; starting Ray",
            file=sys.stderr,
        )
        start = perf_counter()
        start_local_ray()
        ray.get(ray.remote(noop).remote())
        ray_seconds = perf_counter() - start
        check_local_resources(max(WORKERS), 0)
        runs = []  # (workers, the one-document job's seconds, the corpus job's, the plain loops' before and after)
        for workers in WORKERS:
            fixed = time_annotate(one_doc, to_load, workers, batch_size, 1)
            seconds = time_annotate(source, to_load, workers, batch_size, n_docs)
            plain_seconds.append(time_plain(nlp, texts, batch_size))
            runs.append((workers, fixed, seconds, plain_seconds[-2:]))
        ray.shutdown()

    meta = nlp.meta
    lines = [
        f"## Annotating {n_docs:,} documents: Ray Data (scripts/annotate.py) vs. a plain nlp.pipe loop",
        "",
        "| run | seconds | docs/s | words/s | docs/s vs. plain |",
        "| --- | ---: | ---: | ---: | ---: |",
        row("Ray start-up: `ray.init` + a first trivial task (once)", ray_seconds),
        row("plain: `spacy.load`", load_seconds),
        row(
            "plain: `nlp.pipe` loop, one process, before the annotate jobs",
            plain_seconds[0],
            n_docs,
            n_words,
            plain_seconds[0],
        ),
    ]
    for workers, fixed, seconds, (before, after) in runs:
        name = f"annotate, {workers} worker{'s' if workers > 1 else ''}"
        plain = (before + after) / 2
        lines += [
            row(
                f"{name}: fixed cost (a one-document job: start the workers, `spacy.load` in each)",
                fixed,
            ),
            row(
                f"{name}: {n_docs:,} documents, end to end",
                seconds,
                n_docs,
                n_words,
                plain,
            ),
            row(
                f"{name}: {n_docs:,} documents, less the fixed cost",
                seconds - fixed,
                n_docs,
                n_words,
                plain,
            ),
            row(
                f"plain: `nlp.pipe` loop, one process, after the {workers}-worker job",
                after,
                n_docs,
                n_words,
                after,
            ),
        ]
    lines += [
        "",
        f"- Command: `python benchmarks/annotate_scaling.py {model} --docs {n_docs} --batch-size {batch_size}`",
        "- docs/s vs. plain: an annotate job against the mean of the plain loops run just before and just after it",
        f"- Model: {meta['lang']}_{meta['name']} {meta['version']}, pipeline {', '.join(nlp.pipe_names)}",
        f"- Corpus: {n_docs:,} one-sentence documents from scripts/synthetic.py, {n_words:,} words "
        f"({n_words / n_docs:.1f} a document); read blocks of {ROWS_PER_BLOCK:,} documents, `nlp.pipe` batches of {batch_size}",
        f"- Machine: {cpu_name()}, {os.cpu_count()} cores; torch threads: {torch_threads} in the plain loop, "
        f"1 in each Ray worker (Ray sets OMP_NUM_THREADS to the worker's one CPU)",
        f"- Versions: Python {platform.python_version()}, {', '.join(installed(p) for p in PACKAGES)}",
    ]
    print("\n".join(lines))


if __name__ == "__main__":
    typer.run(main)
