"""Page faults and CPU time a document inside an annotate worker, with and without annotate's WORKER_ENV.

    python benchmarks/annotate_faults.py MODEL [--docs 10000] [--batch-size 64] [--output benchmarks/RESULTS.md]

Linux only (it reads /proc/self/stat). Each annotate job runs one worker, whose Annotator is wrapped to
read its process's counters before its first block and after each block. WORKER_ENV is glibc malloc's
settings that annotate gives its workers; the second job runs without them. The plain nlp.pipe loop runs
in this process, before and after the jobs, over the same documents. Writes a Markdown section into
--output.
"""

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Dict, List

import ray
import typer

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import annotate as annotate_script  # noqa: E402
from annotate_scaling import documents, start_local_ray, write_jsonl  # noqa: E402
from hardware import cpu_name  # noqa: E402
from results import write_section  # noqa: E402
from safe_io import InputError, check_apart, fail  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")


def counters() -> Dict[str, float]:
    """This process's minor page faults and user and system CPU seconds so far."""
    fields = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
    return {
        "faults": int(fields[7]),
        "user": int(fields[11]) / TICKS,
        "system": int(fields[12]) / TICKS,
    }


def since(start: Dict[str, float], docs: int) -> Dict[str, float]:
    end = counters()
    return {"docs": docs, **{name: end[name] - start[name] for name in start}}


class ProbedAnnotator(annotate_script.Annotator):
    """The Annotator, writing its process's counters since its first block to probe_dir after each block."""

    probe_dir = ""

    def __call__(self, block):
        if not hasattr(self, "start"):
            self.start, self.docs = counters(), 0
        annotations = super().__call__(block)
        self.docs += len(block)
        Path(self.probe_dir, f"{os.getpid()}.json").write_text(
            json.dumps(since(self.start, self.docs))
        )
        return annotations


def worker_counters(
    source: Path,
    model: str,
    batch_size: int,
    worker_env: Dict[str, str],
    probe_dir: Path,
) -> Dict[str, float]:
    """The counters of one annotate job's single worker, run with worker_env."""
    probe_dir.mkdir()
    ProbedAnnotator.probe_dir = str(probe_dir)
    annotate_script.Annotator, annotate_script.WORKER_ENV = ProbedAnnotator, worker_env
    annotate_script.annotate(
        [source],
        source.parent,
        model,
        probe_dir / "out",
        ".parquet",
        batch_size=batch_size,
    )
    (probe,) = probe_dir.glob("*.json")
    return json.loads(probe.read_text())


def plain_counters(nlp, texts: List[str], batch_size: int) -> Dict[str, float]:
    start = counters()
    for _ in nlp.pipe(texts, batch_size=batch_size):
        pass
    return since(start, len(texts))


def row(name: str, counts: Dict[str, float]) -> str:
    per_doc = {key: value / counts["docs"] for key, value in counts.items()}
    return (
        f"| {name} | {counts['docs']:,} | {per_doc['faults']:,.1f} | {per_doc['user'] * 1000:.2f} "
        f"| {per_doc['system'] * 1000:.2f} |"
    )


def main(
    model: str = typer.Argument(
        ..., help="An installed pipeline package or a pipeline folder"
    ),
    n_docs: int = typer.Option(10000, "--docs", min=1, help="Documents in each run"),
    batch_size: int = typer.Option(64, min=1, help="Documents per nlp.pipe batch"),
    output: Path = typer.Option(
        ROOT / "benchmarks" / "RESULTS.md", help="Markdown file to put the report into"
    ),
):
    """Measure page faults and CPU a document: a plain loop here, and annotate's worker with and without WORKER_ENV."""
    try:
        check_apart([output], [Path(model)])
    except InputError as err:
        fail(str(err))
    to_load = annotate_script.model_to_load(model)
    worker_env = dict(annotate_script.WORKER_ENV)
    texts = documents(n_docs)
    nlp = annotate_script.load_pipeline(to_load)
    with tempfile.TemporaryDirectory() as tmp:
        source = write_jsonl(Path(tmp) / "docs.jsonl", texts)
        runs = [
            (
                "plain `nlp.pipe` loop in this process, before",
                plain_counters(nlp, texts, batch_size),
            )
        ]
        start_local_ray()
        for name, env in (
            ("annotate's worker, with WORKER_ENV", worker_env),
            ("annotate's worker, without it", {}),
        ):
            runs.append(
                (
                    name,
                    worker_counters(
                        source,
                        to_load,
                        batch_size,
                        env,
                        Path(tmp) / f"probe-{len(runs)}",
                    ),
                )
            )
        ray.shutdown()
        runs.append(
            (
                "plain `nlp.pipe` loop in this process, after",
                plain_counters(nlp, texts, batch_size),
            )
        )
    lines = [
        "## Page faults in annotate's workers (benchmarks/annotate_faults.py)",
        "",
        "| run | documents | minor page faults a document | user CPU ms a document | system CPU ms a document |",
        "| --- | ---: | ---: | ---: | ---: |",
        *(row(name, counts) for name, counts in runs),
        "",
        f"- Command: `python benchmarks/annotate_faults.py {model} --docs {n_docs} --batch-size {batch_size}`",
        f"- WORKER_ENV: {', '.join(f'{name}={value}' for name, value in worker_env.items())}",
        f"- Model: {nlp.meta['lang']}_{nlp.meta['name']}, pipeline {', '.join(nlp.pipe_names)}; machine: {cpu_name()}, {os.cpu_count()} cores",
    ]
    report = "\n".join(lines)
    print(report)
    write_section(output, "annotate-faults", report)


if __name__ == "__main__":
    typer.run(main)
