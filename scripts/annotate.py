"""Annotate documents with a spaCy pipeline on Ray Data: Ray starts locally, or joins a cluster (--address).

    python scripts/annotate.py MODEL INPUT OUTPUT [--text-field text] [--id-field id]
        [--batch-size 64] [--workers 1] [--gpus-per-worker 0] [--address ADDR]

Every input document gets one output row: its id, its entities, and an error (null, or why the
document could not be annotated). Ray Data streams the documents from the files through the workers
into OUTPUT's part files, so memory stays flat however many documents there are. A finished OUTPUT
holds MANIFEST, annotate's record of the run; an existing OUTPUT is replaced only if it is such a
finished output and holds nothing else.
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

from cli import fail, one_line, remove_leftovers, temporary_name

INPUT_SUFFIXES = (".jsonl", ".txt", ".parquet")
DOCUMENTS = pa.schema([("id", pa.string()), ("text", pa.string()), ("error", pa.string())])
ENTITY = pa.struct(
    [("start_char", pa.int64()), ("end_char", pa.int64()), ("label", pa.string()), ("text", pa.string())]
)
ANNOTATIONS = pa.schema([("id", pa.string()), ("entities", pa.list_(ENTITY)), ("error", pa.string())])
# Rows per output part file (a target, not a limit): few files, each small enough to read on its own.
ROWS_PER_FILE = 100_000
# Documents per read block, a worker's unit of work: large enough that Ray's cost per block vanishes,
# small enough that the last blocks keep every worker busy. Independent of --batch-size (nlp.pipe's).
ROWS_PER_BLOCK = 1024
# glibc's malloc settings in each worker, read when its process starts. By default a worker's malloc
# hands the free top of its heap back to the kernel after each batch (tens of MB) and faults it in again
# on the next: about 100 page faults a document, 12% of its CPU time. These are the limits glibc's own
# adjustment grows to in a process that has freed large blocks (as the driver usually has).
WORKER_ENV = {"MALLOC_MMAP_THRESHOLD_": str(32 * 2**20), "MALLOC_TRIM_THRESHOLD_": str(64 * 2**20)}
# annotate's record of a finished run, inside OUTPUT; the leading "_" makes Parquet readers skip it.
MANIFEST = "_annotate.json"
WRITTEN_BY = "scripts/annotate.py"


def text_error(text: object, text_field: str) -> Optional[str]:
    """Why a document's text cannot be annotated, or None."""
    if text is None:
        return f"no text ('{text_field}' missing or null)"
    if not isinstance(text, str):
        return f"text ('{text_field}') is {type(text).__name__}, not a string"
    if not text.strip():
        return "empty text"
    if not is_unicode(text):
        return "text is not valid Unicode (a lone surrogate)"
    return None


def is_unicode(text: str) -> bool:
    """Whether text can be written as UTF-8: JSON's \\ud800 escapes give strings that cannot."""
    try:
        text.encode("utf8")
    except UnicodeEncodeError:
        return False
    return True


def id_text(value: object) -> str:
    """A document's id as written: a string as it is, any other JSON value as its JSON text (1 -> "1")."""
    if isinstance(value, bytes):  # a Parquet binary column
        value = value.decode("utf8")
    if isinstance(value, str):
        return value
    if value is None or isinstance(value, (bool, int, float, list, dict)):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)  # Parquet's dates, times and decimals: their ISO or decimal text


class DocumentReader:
    """(id, text, error) rows from a JSONL, text or Parquet file, in blocks of rows_per_block.

    A document without an id (or with one that cannot be written) gets the id NAME:N, NAME being its
    file's path relative to root and N its line number (from 1), or its row index in a Parquet file
    (from 0). Nothing in one document stops the reading: it becomes that document's error.
    """

    def __init__(self, root: Path, text_field: str, id_field: str, rows_per_block: int):
        self.root = str(root)
        self.text_field = text_field
        self.id_field = id_field
        self.rows_per_block = rows_per_block

    def blocks(self, f: pa.NativeFile, path: str) -> Iterator[pa.Table]:
        name = Path(os.path.relpath(path, self.root)).as_posix()
        rows = {"id": [], "text": [], "error": []}
        for number, id_value, text, error in self.records(f, path, name):
            doc_id, text, error = self.row(f"{name}:{number}", id_value, text, error)
            rows["id"].append(doc_id)
            rows["text"].append(text)
            rows["error"].append(error)
            if len(rows["id"]) == self.rows_per_block:
                yield pa.table(rows, schema=DOCUMENTS)
                rows = {column: [] for column in rows}
        if rows["id"]:
            yield pa.table(rows, schema=DOCUMENTS)

    def row(self, where: str, id_value: object, text: object, error: Optional[str]) -> Tuple[str, Optional[str], Optional[str]]:
        """(id, text or None, error or None) of one document; where (NAME:N) is its id if it has none."""
        try:
            doc_id = where if id_value is None else id_text(id_value)
            if not is_unicode(doc_id):
                doc_id, error = where, error or "id is not valid Unicode (a lone surrogate)"
            error = error or text_error(text, self.text_field)
        except Exception as err:  # an id that is no text (a number too long to print, bytes not UTF-8)
            doc_id, error = where, error or f"id cannot be written as text ({one_line(err)})"
        return doc_id, None if error else text, error

    def records(self, f: pa.NativeFile, path: str, name: str) -> Iterator[Tuple[int, object, object, Optional[str]]]:
        """(line number or row index, id or None, text, error or None) for each document in one file."""
        if path.endswith(".parquet"):
            yield from self.parquet_records(pq.ParquetFile(f), name)
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
                except (ValueError, RecursionError) as err:  # bad JSON, too deep, a number too long
                    yield number, None, None, f"malformed JSON ({one_line(err)})"
                    continue
                if isinstance(record, dict):
                    yield number, record.get(self.id_field), record.get(self.text_field), None
                else:
                    yield number, None, None, f"expected a JSON object, got {type(record).__name__}"

    def parquet_records(self, parquet: pq.ParquetFile, name: str) -> Iterator[Tuple[int, object, object, Optional[str]]]:
        """Each row of a Parquet file; the rows of a row group that cannot be read get an error each."""
        present = set(parquet.schema_arrow.names)
        fields = [field for field in (self.id_field, self.text_field) if field in present]
        index = 0
        for group in range(parquet.num_row_groups):
            end = index + parquet.metadata.row_group(group).num_rows
            try:
                for batch in parquet.iter_batches(batch_size=self.rows_per_block, row_groups=[group], columns=fields):
                    absent = [None] * batch.num_rows
                    ids, texts = (batch.column(field).to_pylist() if field in fields else absent
                                  for field in (self.id_field, self.text_field))  # fmt: skip
                    for id_value, text in zip(ids, texts):
                        yield index, id_value, text, None
                        index += 1
            except Exception as err:  # corrupt pages: Arrow's, the codecs' and Thrift's errors
                error = f"{name}: row group {group} unreadable, rows {index}-{end - 1} lost ({one_line(err)})"
                for lost in range(index, end):
                    yield lost, None, None, error
            index = end


class Documents(FileBasedDatasource):
    """The input files as a Ray datasource: each file read by a DocumentReader."""

    def __init__(self, files: List[Path], reader: DocumentReader):
        super().__init__([str(file) for file in files])
        self.reader = reader

    def _open_input_source(self, filesystem, path: str, **open_args) -> pa.NativeFile:
        if path.endswith(".parquet"):
            return filesystem.open_input_file(path)  # Parquet needs random access, not a stream
        return super()._open_input_source(filesystem, path, **open_args)

    def _read_stream(self, f: pa.NativeFile, path: str) -> Iterator[pa.Table]:
        yield from self.reader.blocks(f, path)


class Annotator:
    """A worker: loads the pipeline once, then turns blocks of (id, text, error) into (id, entities, error)."""

    def __init__(self, model: str, use_gpu: bool, batch_size: int):
        if use_gpu:
            spacy.require_gpu()
        self.nlp = spacy.load(model)
        self.batch_size = batch_size

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
        return pa.table({"id": block.column("id"), "entities": entities, "error": errors}, schema=ANNOTATIONS)

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
    """INPUT itself, or the .jsonl, .txt and .parquet files in it and its subfolders, sorted; all readable.

    Hidden files and folders (a leading ".", as temporary files have) are no input.
    """
    if input_path.is_dir():
        files = []

        def unreadable(err: OSError) -> None:
            fail(f"{err.filename}: cannot read this folder ({err.strerror})")

        for folder, subfolders, names in os.walk(input_path, onerror=unreadable):
            subfolders[:] = sorted(name for name in subfolders if not name.startswith("."))
            files += [Path(folder, name) for name in names if not name.startswith(".") and Path(name).suffix in INPUT_SUFFIXES]
        files = sorted(file for file in files if file.is_file())
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
            fail(f"{file}: cannot read it ({one_line(err)})")
    return [file.absolute() for file in files]


def model_to_load(model: str) -> str:
    """MODEL as the workers load it: a package name, or a pipeline folder's absolute path."""
    path = Path(model)
    if (path / "config.cfg").is_file():
        return str(path.resolve())
    if not path.exists() and spacy.util.is_package(model):
        return model
    fail(f"{model}: neither an installed pipeline package nor a pipeline folder (with a config.cfg)")


def check_model_loads(model: str, shown_as: str) -> None:
    """Load the pipeline here once, so that a broken one stops the command before any worker starts."""
    try:
        spacy.load(model)
    except Exception as err:  # a broken config, missing weights, a missing component's package
        fail(f"{shown_as}: cannot load this pipeline ({one_line(err)})")


def check_paths(input_path: Path, output: Path) -> None:
    """Fail unless OUTPUT is apart from INPUT (not it, not inside it, not holding it) and can be replaced."""
    source, dest = input_path.resolve(), output.resolve()
    if dest == source or dest in source.parents or source in dest.parents:
        relation = "is" if dest == source else "holds" if dest in source.parents else "is inside"
        fail(f"{output}: {relation} INPUT {input_path}; pick an OUTPUT apart from it")
    if output.exists() or output.is_symlink():
        problem = not_an_earlier_output(output)
        if problem:
            fail(f"{output}: exists and {problem}; annotate replaces only an output of its own: remove it or pick another")


def not_an_earlier_output(output: Path) -> Optional[str]:
    """Why output is not a finished output of annotate holding nothing else, or None if it is."""
    if output.is_symlink() or not output.is_dir():
        return "is not a folder"
    try:
        manifest = json.loads((output / MANIFEST).read_text(encoding="utf8"))
        parts = set(manifest["parts"]) if manifest.get("written_by") == WRITTEN_BY else None
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        parts = None
    if parts is None:
        return f"has no {MANIFEST} of annotate's"
    others = sorted(entry.name for entry in output.iterdir() if entry.name != MANIFEST and entry.name not in parts)
    if others:
        return f"holds files annotate did not write ({', '.join(others[:3])})"
    return None


def check_local_resources(workers: int, gpus_per_worker: float) -> None:
    """Fail if this machine cannot hold the workers (a CPU each, and their GPUs): Ray would wait forever."""
    have = ray.cluster_resources()
    cpus, gpus = have.get("CPU", 0), have.get("GPU", 0)
    if workers > cpus or workers * gpus_per_worker > gpus:
        needs = f"{workers} CPUs and {workers * gpus_per_worker:g} GPUs"
        fail(f"{workers} worker(s) need {needs}; this machine has {cpus:g} CPUs and {gpus:g} GPUs")


def part_files(folder: Path, suffix: str) -> List[Path]:
    return sorted(part for part in folder.iterdir() if part.suffix == suffix and not part.name.startswith(("_", ".")))


def count_rows(folder: Path, suffix: str) -> Tuple[int, int]:
    """(rows, error rows) in a folder of part files, one file at a time."""
    rows = errors = 0
    for part in part_files(folder, suffix):
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
    documents = ray.data.read_datasource(
        Documents(files, DocumentReader(root, text_field, id_field, ROWS_PER_BLOCK)), num_cpus=0
    )
    annotations = documents.map_batches(
        Annotator,
        fn_constructor_kwargs={"model": model, "use_gpu": gpus_per_worker > 0, "batch_size": batch_size},
        batch_size=ROWS_PER_BLOCK,  # a read block at a time; the Annotator feeds nlp.pipe batch_size at a time
        batch_format="pyarrow",
        compute=ray.data.ActorPoolStrategy(size=workers),
        num_gpus=gpus_per_worker or None,
        runtime_env={"env_vars": WORKER_ENV},
    )
    # Reads and writes reserve no CPU: with as many workers as CPUs, they would otherwise never start.
    if suffix == ".jsonl":
        annotations.write_datasink(JsonLines(str(folder)), ray_remote_args={"num_cpus": 0})
    else:
        annotations.write_parquet(str(folder), min_rows_per_file=ROWS_PER_FILE, ray_remote_args={"num_cpus": 0})


def write_manifest(folder: Path, suffix: str, model: str, input_path: Path) -> Tuple[int, int]:
    """Record the finished run in folder (what makes it an output annotate may replace); return (rows, errors)."""
    rows, errors = count_rows(folder, suffix)
    manifest = {
        "written_by": WRITTEN_BY,
        "model": model,
        "input": str(input_path),
        "documents": rows,
        "annotated": rows - errors,
        "error_rows": errors,
        "parts": [part.name for part in part_files(folder, suffix)],
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf8")
    return rows, errors


def main(
    model: str = typer.Argument(..., metavar="MODEL", help="Installed pipeline package (en_multinerd_b) or pipeline folder"),
    input_path: Path = typer.Argument(..., metavar="INPUT", help=".jsonl (an object a line), .txt (a document a line) or .parquet file, or a folder of them"),
    output: Path = typer.Argument(..., metavar="OUTPUT", help=f"Folder of part files: JSONL if named *.jsonl, else Parquet, and {MANIFEST}. Appears when complete; replaces only an earlier output of annotate's"),
    text_field: str = typer.Option("text", help="JSONL field or Parquet column with the text"),
    id_field: str = typer.Option("id", help="JSONL field or Parquet column with the id (a non-string id is written as its JSON text); without one, the id is FILE:LINE (from 1) or FILE:ROW (Parquet, from 0)"),
    batch_size: int = typer.Option(64, min=1, help="nlp.pipe's batch size in each worker"),
    workers: int = typer.Option(1, min=1, help="Worker processes, each with its own copy of the pipeline"),
    gpus_per_worker: float = typer.Option(0, min=0, help="GPUs per worker (0.5: two workers share one); 0 runs on CPUs"),
    address: Optional[str] = typer.Option(None, help="Address of a running Ray cluster ('auto' on one of its nodes); default: start Ray here"),
):  # fmt: skip
    """Annotate every document in INPUT with MODEL: a row in OUTPUT each, with its id, entities and error (or null)."""
    files = input_files(input_path)
    check_paths(input_path, output)
    to_load = model_to_load(model)
    check_model_loads(to_load, model)
    suffix = ".jsonl" if output.suffix == ".jsonl" else ".parquet"
    output = output.absolute()
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        remove_leftovers(output)
        # Ray writes beside OUTPUT; the complete folder then takes OUTPUT's place by renaming.
        tmp, old = temporary_name(output), temporary_name(output)
        tmp.mkdir()
    except OSError as err:
        fail(f"{output}: cannot write beside it ({err.strerror or one_line(err)})")
    try:
        ray.init(address=address or "local", include_dashboard=False, logging_level=logging.WARNING)
        if not address:
            check_local_resources(workers, gpus_per_worker)
        root = input_path.absolute() if input_path.is_dir() else input_path.absolute().parent
        try:
            annotate(files, root, to_load, tmp, suffix, text_field, id_field, batch_size, workers, gpus_per_worker)
        except Exception as err:  # not a document's fault (those are error rows): a file gone, a worker lost
            fail(f"{input_path}: the annotate job failed ({one_line(err)})")
        rows, errors = write_manifest(tmp, suffix, model, input_path)
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
