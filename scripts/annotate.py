"""Annotate documents with a spaCy pipeline on Ray Data: Ray starts locally, or joins a cluster (--address).

    python scripts/annotate.py MODEL INPUT OUTPUT [--text-field text] [--id-field id]
        [--batch-size 64] [--workers 1] [--gpus-per-worker 0] [--address ADDR]

Every input document gets one output row: its id, its entities, and an error (null, or why the
document could not be annotated). Ray Data streams the documents from the files through the workers
into OUTPUT's part files, so memory stays flat however many documents there are.
"""
import io
import json
import logging
import os
import shutil
from pathlib import Path
from typing import Iterator, List, Optional, Tuple, Union

import pyarrow as pa
import pyarrow.parquet as pq
import ray
import spacy
import typer
from ray.data.datasource import BlockBasedFileDatasink, FileBasedDatasource
from wasabi import msg

from cli import fail

INPUT_SUFFIXES = (".jsonl", ".txt", ".parquet")
DOCUMENTS = pa.schema([("id", pa.string()), ("text", pa.string()), ("error", pa.string())])
ENTITY = pa.struct(
    [("start_char", pa.int64()), ("end_char", pa.int64()), ("label", pa.string()), ("text", pa.string())]
)
ANNOTATIONS = pa.schema([("id", pa.string()), ("entities", pa.list_(ENTITY)), ("error", pa.string())])
# Rows per output part file (a target, not a limit): few files, each small enough to read on its own.
ROWS_PER_FILE = 100_000


def text_error(text: object, text_field: str) -> Optional[str]:
    """Why a document's text cannot be annotated, or None."""
    if text is None:
        return f"no text ('{text_field}' missing or null)"
    if not isinstance(text, str):
        return f"text ('{text_field}') is {type(text).__name__}, not a string"
    if not text.strip():
        return "empty text"
    return None


class Documents(FileBasedDatasource):
    """(id, text, error) rows from JSONL, text and Parquet files, streamed in blocks of rows_per_block.

    A document without an id gets the id NAME:N, NAME being its file's path relative to root and N its
    line number (from 1), or its row index in a Parquet file (from 0).
    """

    def __init__(self, files: List[Path], root: Path, text_field: str, id_field: str, rows_per_block: int):
        super().__init__([str(file) for file in files])
        self.root = str(root)
        self.text_field = text_field
        self.id_field = id_field
        self.rows_per_block = rows_per_block

    def _open_input_source(self, filesystem, path: str, **open_args) -> pa.NativeFile:
        if path.endswith(".parquet"):
            return filesystem.open_input_file(path)  # Parquet needs random access, not a stream
        return super()._open_input_source(filesystem, path, **open_args)

    def _read_stream(self, f: pa.NativeFile, path: str) -> Iterator[pa.Table]:
        name = Path(os.path.relpath(path, self.root)).as_posix()
        rows = {"id": [], "text": [], "error": []}
        for number, id_value, text, error in self.records(f, path):
            error = error or text_error(text, self.text_field)
            rows["id"].append(f"{name}:{number}" if id_value is None else str(id_value))
            rows["text"].append(None if error else text)
            rows["error"].append(error)
            if len(rows["id"]) == self.rows_per_block:
                yield pa.table(rows, schema=DOCUMENTS)
                rows = {column: [] for column in rows}
        if rows["id"]:
            yield pa.table(rows, schema=DOCUMENTS)

    def records(self, f: pa.NativeFile, path: str) -> Iterator[Tuple[int, object, object, Optional[str]]]:
        """(line number or row index, id or None, text, error or None) for each document in one file."""
        if path.endswith(".parquet"):
            parquet = pq.ParquetFile(f)
            present = set(parquet.schema_arrow.names)
            fields = [field for field in (self.id_field, self.text_field) if field in present]
            index = 0
            for batch in parquet.iter_batches(batch_size=self.rows_per_block, columns=fields):
                absent = [None] * batch.num_rows
                ids, texts = (batch.column(field).to_pylist() if field in fields else absent
                              for field in (self.id_field, self.text_field))  # fmt: skip
                for id_value, text in zip(ids, texts):
                    yield index, id_value, text, None
                    index += 1
            return
        for number, raw in enumerate(io.BufferedReader(f), start=1):
            try:
                line = raw.decode("utf8").rstrip("\r\n")
            except UnicodeDecodeError:
                yield number, None, None, "not UTF-8"
                continue
            if path.endswith(".txt"):
                yield number, None, line, None
            elif line.strip():  # a blank line in a JSONL file is no document
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as err:
                    yield number, None, None, f"malformed JSON ({err})"
                    continue
                if isinstance(record, dict):
                    yield number, record.get(self.id_field), record.get(self.text_field), None
                else:
                    yield number, None, None, f"expected a JSON object, got {type(record).__name__}"


class Annotator:
    """A worker: loads the pipeline once, then turns batches of (id, text, error) into (id, entities, error)."""

    def __init__(self, model: str, use_gpu: bool, batch_size: int):
        if use_gpu:
            spacy.require_gpu()
        self.nlp = spacy.load(model)
        self.batch_size = batch_size

    def __call__(self, batch: pa.Table) -> pa.Table:
        texts = batch.column("text").to_pylist()
        errors = batch.column("error").to_pylist()
        entities = [[] for _ in texts]
        todo = [i for i, error in enumerate(errors) if error is None]
        for i, result in zip(todo, self.annotate([texts[i] for i in todo])):
            if isinstance(result, Exception):
                errors[i] = f"{type(result).__name__}: {result}"
            else:
                entities[i] = result
        return pa.table({"id": batch.column("id"), "entities": entities, "error": errors}, schema=ANNOTATIONS)

    def annotate(self, texts: List[str]) -> list:
        """Each text's entities; if the batch fails, each text on its own: its entities or its exception."""
        try:
            return [self.entities(doc) for doc in self.nlp.pipe(texts, batch_size=self.batch_size)]
        except Exception:
            return [self.annotate_one(text) for text in texts]

    def annotate_one(self, text: str) -> Union[List[dict], Exception]:
        try:
            return self.entities(self.nlp(text))
        except Exception as err:
            return err

    @staticmethod
    def entities(doc) -> List[dict]:
        return [
            {"start_char": ent.start_char, "end_char": ent.end_char, "label": ent.label_, "text": ent.text}
            for ent in doc.ents
        ]


class JsonLines(BlockBasedFileDatasink):
    """Writes rows as JSON Lines, one .jsonl part file per write task."""

    def __init__(self, path: str):
        super().__init__(path, file_format="jsonl", min_rows_per_file=ROWS_PER_FILE)

    def write_block_to_file(self, block, file: pa.NativeFile) -> None:
        for row in block.to_arrow().to_pylist():
            file.write(json.dumps(row, ensure_ascii=False).encode("utf8") + b"\n")


def input_files(input_path: Path) -> List[Path]:
    """INPUT itself, or the .jsonl, .txt and .parquet files in it and its subfolders, sorted; all readable."""
    if input_path.is_dir():
        files = sorted(p for p in input_path.rglob("*") if p.suffix in INPUT_SUFFIXES and p.is_file())
        if not files:
            fail(f"{input_path}: no {', '.join(INPUT_SUFFIXES)} files in this folder")
    elif input_path.is_file():
        if input_path.suffix not in INPUT_SUFFIXES:
            fail(f"{input_path}: not a {', '.join(INPUT_SUFFIXES)} file")
        files = [input_path]
    else:
        fail(f"{input_path}: no such file or folder")
    for file in files:
        try:
            if file.suffix == ".parquet":
                pq.read_metadata(file)
            else:
                file.open("rb").close()
        except (OSError, pa.ArrowException) as err:
            fail(f"{file}: cannot read it ({err})")
    return [file.absolute() for file in files]


def model_to_load(model: str) -> str:
    """MODEL as the workers load it: a package name, or a pipeline folder's absolute path."""
    path = Path(model)
    if (path / "config.cfg").is_file():
        return str(path.resolve())
    if not path.exists() and spacy.util.is_package(model):
        return model
    fail(f"{model}: neither an installed pipeline package nor a pipeline folder (with a config.cfg)")


def check_local_resources(workers: int, gpus_per_worker: float) -> None:
    """Fail if this machine cannot hold the workers (a CPU each, and their GPUs): Ray would wait forever."""
    have = ray.cluster_resources()
    cpus, gpus = have.get("CPU", 0), have.get("GPU", 0)
    if workers > cpus or workers * gpus_per_worker > gpus:
        needs = f"{workers} CPUs and {workers * gpus_per_worker:g} GPUs"
        fail(f"{workers} worker(s) need {needs}; this machine has {cpus:g} CPUs and {gpus:g} GPUs")


def is_earlier_output(path: Path, suffix: str) -> bool:
    return path.is_dir() and all(part.is_file() and part.suffix == suffix for part in path.iterdir())


def count_rows(folder: Path, suffix: str) -> Tuple[int, int]:
    """(rows, error rows) in a folder of part files, one file at a time."""
    rows = errors = 0
    for part in folder.iterdir():
        if suffix == ".parquet":
            error = pq.read_table(part, columns=["error"]).column("error")
            rows += len(error)
            errors += len(error) - error.null_count
        else:
            with part.open(encoding="utf8") as file:
                for line in file:
                    rows += 1
                    errors += json.loads(line)["error"] is not None
    return rows, errors


def annotate(files: List[Path], root: Path, model: str, folder: Path, suffix: str, text_field: str = "text",
             id_field: str = "id", batch_size: int = 64, workers: int = 1, gpus_per_worker: float = 0):  # fmt: skip
    """The Ray Data job: read the files, annotate them on a pool of workers, write suffix part files to folder."""
    documents = ray.data.read_datasource(Documents(files, root, text_field, id_field, batch_size), num_cpus=0)
    annotations = documents.map_batches(
        Annotator,
        fn_constructor_kwargs={"model": model, "use_gpu": gpus_per_worker > 0, "batch_size": batch_size},
        batch_size=batch_size,
        batch_format="pyarrow",
        compute=ray.data.ActorPoolStrategy(size=workers),
        num_gpus=gpus_per_worker or None,
    )
    # Reads and writes reserve no CPU: with as many workers as CPUs, they would otherwise never start.
    if suffix == ".jsonl":
        annotations.write_datasink(JsonLines(str(folder)), ray_remote_args={"num_cpus": 0})
    else:
        annotations.write_parquet(str(folder), min_rows_per_file=ROWS_PER_FILE, ray_remote_args={"num_cpus": 0})


def main(
    model: str = typer.Argument(..., metavar="MODEL", help="Installed pipeline package (en_multinerd_b) or pipeline folder"),
    input_path: Path = typer.Argument(..., metavar="INPUT", help=".jsonl (an object a line), .txt (a document a line) or .parquet file, or a folder of them"),
    output: Path = typer.Argument(..., metavar="OUTPUT", help="Folder of part files: JSONL if named *.jsonl, else Parquet. Appears when complete; replaces an earlier output"),
    text_field: str = typer.Option("text", help="JSONL field or Parquet column with the text"),
    id_field: str = typer.Option("id", help="JSONL field or Parquet column with the id; without one, the id is FILE:LINE (from 1) or FILE:ROW (Parquet, from 0)"),
    batch_size: int = typer.Option(64, min=1, help="Documents per batch: a worker's unit of work and nlp.pipe's batch size"),
    workers: int = typer.Option(1, min=1, help="Worker processes, each with its own copy of the pipeline"),
    gpus_per_worker: float = typer.Option(0, min=0, help="GPUs per worker (0.5: two workers share one); 0 runs on CPUs"),
    address: Optional[str] = typer.Option(None, help="Address of a running Ray cluster ('auto' on one of its nodes); default: start Ray here"),
):  # fmt: skip
    """Annotate every document in INPUT with MODEL: a row in OUTPUT each, with its id, entities and error (or null)."""
    files = input_files(input_path)
    model = model_to_load(model)
    suffix = ".jsonl" if output.suffix == ".jsonl" else ".parquet"
    if output.exists() and not is_earlier_output(output, suffix):
        fail(f"{output}: exists and is not an earlier output (a folder of {suffix} files); remove it or pick another")
    ray.init(address=address or "local", include_dashboard=False, logging_level=logging.WARNING)
    if not address:
        check_local_resources(workers, gpus_per_worker)
    output = output.resolve()
    # Ray writes beside OUTPUT; the complete folder then takes OUTPUT's place by renaming.
    tmp, old = (output.with_name(f".{output.name}.{ending}") for ending in ("tmp", "old"))
    for leftover in (tmp, old):
        shutil.rmtree(leftover, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        root = input_path.absolute() if input_path.is_dir() else input_path.absolute().parent
        annotate(files, root, model, tmp, suffix, text_field, id_field, batch_size, workers, gpus_per_worker)
        rows, errors = count_rows(tmp, suffix)
        if output.exists():
            os.replace(output, old)
        os.replace(tmp, output)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)
    msg.good(f"Wrote {output}")
    print(f"{rows} documents: {rows - errors} annotated, {errors} error rows")


if __name__ == "__main__":
    typer.run(main)
