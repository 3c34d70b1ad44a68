"""Annotate documents with a spaCy pipeline on Ray Data: Ray starts locally, or joins a cluster (--address).

    python scripts/annotate.py MODEL INPUT OUTPUT [--text-field text] [--id-field id]
        [--batch-size 64] [--workers CPUS] [--gpus-per-worker 0] [--address ADDR] [--min-score 0]

Every input document gets one output row: its id, its entities (each with its offsets, type, text and
score, ent._.score: null from a pipeline without one; --min-score leaves out those below it), and an error
(null, or why the document could not be annotated); blank lines are no documents, only counted. Ray Data streams the
documents from the files through the workers into OUTPUT's part files, so memory stays flat however
many documents there are. A finished OUTPUT holds MANIFEST, annotate's record of the run; an existing
OUTPUT is replaced only if it is such a finished output and holds nothing else. OUTPUT is a folder
even when named *.jsonl; read it with

    pd.read_parquet(OUTPUT)
    pd.concat(pd.read_json(part, lines=True) for part in sorted(Path(OUTPUT).glob("*.jsonl")))

This module holds the command and the Ray job; annotate_input.py reads the documents, annotate_output.py
writes the part files and guards OUTPUT. Ray's workers import them (and safe_io) by name: Ray puts the
driver script's folder, scripts/, on their path.
"""

import json
import logging
import os
import socket
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Iterator, List, Optional, Union

import pyarrow as pa
import ray
import spacy
import typer
from ray.data._internal.execution.execution_callback import ExecutionCallback
from wasabi import msg

from annotate_input import DocumentReader, Documents, file_format, input_files
from annotate_output import (
    ANNOTATIONS,
    MANIFEST,
    Parts,
    WriteError,
    guarded_output,
    write_manifest,
)
from safe_io import InputError, fail, one_line, reports_errors

# Documents per read block, a worker's unit of work: large enough that Ray's cost per block vanishes,
# small enough that the last blocks keep every worker busy. Independent of --batch-size (nlp.pipe's).
ROWS_PER_BLOCK = 1024
# glibc's malloc settings in each worker, read when its process starts. By default a worker's malloc
# hands the free top of its heap back to the kernel after each batch (tens of MB) and faults it in again
# on the next: about 100 page faults a document, 12% of its CPU time. These are the limits glibc's own
# adjustment grows to in a process that has freed large blocks (as the driver usually has).
WORKER_ENV = {
    "MALLOC_MMAP_THRESHOLD_": str(32 * 2**20),
    "MALLOC_TRIM_THRESHOLD_": str(64 * 2**20),
}
# Seconds between two progress lines.
PROGRESS_INTERVAL = 10
# Seconds to wait for a cluster's GCS port to answer (--address HOST:PORT).
CONNECT_TIMEOUT = 10


class Annotator:
    """A worker: loads the pipeline once, then turns blocks of (id, text, error) into (id, entities, error),
    leaving out the entities that score below min_score."""

    def __init__(self, model: str, use_gpu: bool, batch_size: int, min_score: float):
        if use_gpu:
            spacy.require_gpu()
        self.nlp = load_pipeline(model, use_gpu)
        self.batch_size = batch_size
        self.min_score = min_score

    def __call__(self, block: pa.Table) -> pa.Table:
        texts = block.column("text").to_pylist()
        errors = block.column("error").to_pylist()
        entities = [[] for _ in texts]
        todo = [i for i, error in enumerate(errors) if error is None]
        for start in range(0, len(todo), self.batch_size):
            batch = todo[start : start + self.batch_size]
            for i, result in zip(batch, self.annotate([texts[i] for i in batch])):
                if isinstance(result, Exception):
                    errors[i] = one_line(result)
                else:
                    entities[i] = result
        return pa.table(
            {"id": block.column("id"), "entities": entities, "error": errors},
            schema=ANNOTATIONS,
        )

    def annotate(self, texts: List[str]) -> list:
        """Each text's entities; if the batch fails, each text on its own: its entities or its exception."""
        try:
            return [
                self.entities(doc)
                for doc in self.nlp.pipe(texts, batch_size=self.batch_size)
            ]
        except Exception:
            return [self.annotate_one(text) for text in texts]

    def annotate_one(self, text: str) -> Union[List[dict], Exception]:
        try:
            return self.entities(self.nlp(text))
        except Exception as err:
            return err

    def entities(self, doc) -> List[dict]:
        """The doc's entities as rows; score is ent._.score (null from a pipeline without entity_scores)."""
        return [
            {
                "start_char": ent.start_char,
                "end_char": ent.end_char,
                "label": ent.label_,
                "text": ent.text,
                "score": ent._.score,
            }
            for ent in doc.ents
            if ent._.score is None or ent._.score >= self.min_score
        ]


class Progress(ExecutionCallback):
    """Ray Data's progress in one line on stderr every PROGRESS_INTERVAL seconds: the rows the workers are done with."""

    def before_execution_starts(self, executor) -> None:
        self.start = self.shown = time.monotonic()

    def on_execution_step(self, executor) -> None:
        now = time.monotonic()
        if now - self.shown >= PROGRESS_INTERVAL:
            self.shown = now
            done = sum(
                op.metrics.row_outputs_taken
                for op in executor._topology
                if "Annotator" in op.name
            )
            print(
                f"… {done:,} lines and rows annotated in {now - self.start:.0f} s",
                file=sys.stderr,
                flush=True,
            )


def model_to_load(model: str) -> str:
    """MODEL as the workers load it: a package name, or a pipeline folder's absolute path."""
    path = Path(model)
    if (path / "config.cfg").is_file():
        return str(path.resolve())
    if not path.exists() and spacy.util.is_package(model):
        return model
    fail(
        f"{model}: neither an installed pipeline package nor a pipeline folder (with a config.cfg)"
    )


def load_pipeline(model: str, use_gpu: bool = False) -> spacy.Language:
    """spacy.load(model); a pipeline folder gets its entity_scores component from scripts/ (a package has its own).
    On a GPU, a transformer runs in mixed precision (saved off: see configs/trf.cfg)."""
    if Path(model).is_dir():
        import entity_scores  # noqa: F401

    nlp = spacy.load(model)
    if use_gpu and "transformer" in nlp.pipe_names:
        nlp = spacy.load(
            model,
            config={
                "components": {"transformer": {"model": {"mixed_precision": True}}}
            },
        )
    return nlp


def check_model_loads(model: str, shown_as: str) -> None:
    """Load the pipeline here once, so that a broken one stops the command before any worker starts."""
    try:
        load_pipeline(model)
    # a broken config, missing weights, a missing component's package
    except Exception as err:
        fail(f"{shown_as}: cannot load this pipeline ({one_line(err)})")


def check_listening(address: str) -> None:
    """InputError unless something answers at address (HOST:PORT, Ray's GCS) within CONNECT_TIMEOUT seconds."""
    host, _, port = address.split("://")[-1].rpartition(":")
    try:
        socket.create_connection((host, int(port)), timeout=CONNECT_TIMEOUT).close()
    except ValueError:
        raise InputError(f"{address}: not a Ray address (HOST:PORT, or auto)") from None
    except OSError as err:
        raise InputError(
            f"no Ray cluster at {address} ({err.strerror or one_line(err)})"
        ) from None


def start_ray(
    address: Optional[str], workers: Optional[int], gpus_per_worker: float
) -> int:
    """Start Ray here, or join the cluster at address; return the number of workers to run: workers, or as
    many as Ray's CPUs (and GPUs, at gpus_per_worker each) hold. InputError if there is no cluster; fail if
    this machine has too few CPUs or GPUs. Ray's console stays quiet on a healthy run, but for Progress."""
    if address and address != "auto":
        check_listening(address)
    # Ray's C++ logs (core_worker's error on every Ray Data actor, ray-project/ray#57733) and its Python
    # notices (token authentication) stay in Ray's log files, as does what the workers print.
    os.environ.setdefault("RAY_BACKEND_LOG_LEVEL", "fatal")
    try:
        ray.init(
            address=address or "local",
            include_dashboard=False,
            logging_level=logging.ERROR,
            log_to_driver=False,
        )
    except (ConnectionError, RuntimeError) as err:
        raise InputError(
            f"no Ray cluster at {address or 'this machine'} ({one_line(err)})"
        ) from None
    for handler in logging.getLogger("ray.data").handlers:
        # the console (Ray's log file keeps all)
        if isinstance(handler, logging.StreamHandler):
            # errors come back as exceptions
            handler.addFilter(lambda record: record.levelno == logging.WARNING)
    # it warns that its bars are off
    logging.getLogger("ray.data._internal.progress").setLevel(logging.ERROR)
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False
    context.custom_execution_callback_classes = [Progress]
    workers = workers or default_workers(ray.cluster_resources(), gpus_per_worker)
    if not address:
        check_local_resources(workers, gpus_per_worker)
    return workers


def default_workers(resources: dict, gpus_per_worker: float) -> int:
    """As many workers as there are CPUs in resources, and no more than its GPUs hold; at least one."""
    workers = resources.get("CPU", 0)
    if gpus_per_worker:
        workers = min(workers, resources.get("GPU", 0) / gpus_per_worker)
    return max(1, int(workers))


def check_local_resources(workers: int, gpus_per_worker: float) -> None:
    """Fail if this machine cannot hold the workers (a CPU each, and their GPUs): Ray would wait forever."""
    have = ray.cluster_resources()
    cpus, gpus = have.get("CPU", 0), have.get("GPU", 0)
    if workers > cpus or workers * gpus_per_worker > gpus:
        needs = f"{workers} CPUs and {workers * gpus_per_worker:g} GPUs"
        fail(
            f"{workers} worker(s) need {needs}; this machine has {cpus:g} CPUs and {gpus:g} GPUs"
        )


def causes(err: Optional[BaseException]) -> Iterator[BaseException]:
    """err and the exceptions behind it (a Ray task's error holds the worker's as its cause)."""
    while err is not None:
        yield err
        err = getattr(err, "cause", None) or err.__cause__ or err.__context__


def job_error(err: Exception, input_path: Path, output: Path) -> InputError:
    """The failed job's err in one line: why OUTPUT could not be written (a full disk), or the root cause of
    another failure (an input file gone, a worker lost)."""
    chain = list(causes(err))
    write_errors = [
        e for e in chain if isinstance(e, WriteError)
    ]  # the last: the worker's own, not Ray's wrapper
    if write_errors:
        return InputError(
            f"{output}: cannot write it ({str(write_errors[-1]).splitlines()[0]})"
        )
    os_errors = [e for e in chain if isinstance(e, OSError) and e.errno]
    cause = os.strerror(os_errors[0].errno) if os_errors else one_line(err)
    return InputError(f"{input_path}: the annotate job failed ({cause})")


def annotate(
    files: List[Path],
    root: Path,
    model: str,
    folder: Path,
    suffix: str,
    text_field: str = "text",
    id_field: str = "id",
    batch_size: int = 64,
    workers: int = 1,
    gpus_per_worker: float = 0,
    min_score: float = 0,
) -> Counter:
    """The Ray Data job: read the files, annotate them on a pool of workers, write suffix part files to folder;
    return the Counter of documents, error_rows and blank_lines."""
    documents = ray.data.read_datasource(
        Documents(files, DocumentReader(root, text_field, id_field, ROWS_PER_BLOCK)),
        num_cpus=0,
    )
    annotations = documents.map_batches(
        Annotator,
        fn_constructor_kwargs={
            "model": model,
            "use_gpu": gpus_per_worker > 0,
            "batch_size": batch_size,
            "min_score": min_score,
        },
        batch_size=ROWS_PER_BLOCK,  # a read block at a time; the Annotator feeds nlp.pipe batch_size at a time
        batch_format="pyarrow",
        compute=ray.data.ActorPoolStrategy(size=workers),
        num_gpus=gpus_per_worker or None,
        runtime_env={"env_vars": WORKER_ENV},
    )
    # Reads and writes reserve no CPU: with as many workers as CPUs, they would otherwise never start.
    parts = Parts(str(folder.absolute()), suffix)
    annotations.write_datasink(parts, ray_remote_args={"num_cpus": 0})
    return parts.counts


@reports_errors
def main(
    model: str = typer.Argument(
        ...,
        metavar="MODEL",
        help="Installed pipeline package (en_multinerd_b) or pipeline folder",
    ),
    input_path: Path = typer.Argument(
        ...,
        metavar="INPUT",
        help=".jsonl (an object a line), .txt (a document a line) or .parquet file, or a folder of them",
    ),
    output: Path = typer.Argument(
        ...,
        metavar="OUTPUT",
        help=f"Folder of part files: JSONL if named *.jsonl, else Parquet, and {MANIFEST}. Appears when complete; replaces only an earlier output of annotate's",
    ),
    text_field: str = typer.Option(
        "text", help="JSONL field or Parquet column with the text"
    ),
    id_field: str = typer.Option(
        "id",
        help="JSONL field or Parquet column with the id (a non-string id is written as its JSON text); without one, the id is FILE:LINE (from 1) or FILE:ROW (Parquet, from 0)",
    ),
    batch_size: int = typer.Option(
        64, min=1, help="nlp.pipe's batch size in each worker"
    ),
    workers: Optional[int] = typer.Option(
        None,
        min=1,
        show_default="the CPUs Ray sees",
        help="Worker processes, each with its own copy of the pipeline",
    ),
    gpus_per_worker: float = typer.Option(
        0, min=0, help="GPUs per worker (0.5: two workers share one); 0 runs on CPUs"
    ),
    address: Optional[str] = typer.Option(
        None,
        help="Address of a running Ray cluster ('auto' on one of its nodes); default: start Ray here",
    ),
    min_score: float = typer.Option(
        0,
        min=0,
        max=1,
        help="Leave out the entities whose score (ent._.score, the entity's probability) is lower",
    ),
):
    """Annotate every document in INPUT with MODEL: a row in OUTPUT each, with its id, entities and error (or null)."""
    with guarded_output(output, input_path, model) as outputs:
        files = input_files(input_path)
        to_load = model_to_load(model)
        check_model_loads(to_load, model)
        suffix = ".jsonl" if file_format(output) == ".jsonl" else ".parquet"
        root = (
            input_path.absolute()
            if input_path.is_dir()
            else input_path.absolute().parent
        )

        def write(tmp: Path) -> None:
            tmp.mkdir()
            try:
                n_workers = start_ray(address, workers, gpus_per_worker)
                try:
                    counts = annotate(
                        files,
                        root,
                        to_load,
                        tmp,
                        suffix,
                        text_field,
                        id_field,
                        batch_size,
                        n_workers,
                        gpus_per_worker,
                        min_score,
                    )
                except Exception as err:  # not a document's fault (those are error rows): a disk full, a worker lost
                    raise job_error(err, input_path, output) from None
            finally:
                ray.shutdown()
            write_manifest(tmp, suffix, counts, model, input_path, n_workers, min_score)

        tmp = outputs.write(output, write)
        manifest = json.loads((tmp / MANIFEST).read_text(encoding="utf8"))
        outputs.commit()
    msg.good(f"Wrote {output}")
    print(
        f"{manifest['documents']} documents: {manifest['annotated']} annotated, {manifest['error_rows']} error rows; "
        f"{manifest['blank_lines']} blank lines skipped"
    )


if __name__ == "__main__":
    typer.run(main)
