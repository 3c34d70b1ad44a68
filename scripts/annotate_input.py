"""annotate's input: the documents of its INPUT files (JSONL, text or Parquet) as rows of (id, text, error),
read by Ray Data's read tasks."""

import io
import json
import os
from pathlib import Path
from typing import Iterator, List, Optional, Tuple, Union

import pyarrow as pa
import pyarrow.parquet as pq
from ray.data.datasource import FileBasedDatasource

from safe_io import fail, one_line

INPUT_SUFFIXES = (".jsonl", ".txt", ".parquet")
DOCUMENTS = pa.schema(
    [("id", pa.string()), ("text", pa.string()), ("error", pa.string())]
)
# The error of a row that stands for a blank line: the writer counts such rows and writes none of them.
BLANK = "blank line"


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


def file_format(path: Union[str, Path]) -> str:
    """A file's format: its suffix in lower case (".jsonl", ".txt", ".parquet", ...)."""
    return os.path.splitext(path)[1].lower()


class DocumentReader:
    """(id, text, error) rows from a JSONL, text or Parquet file, in blocks of rows_per_block.

    A document without an id (or with one that cannot be written) gets the id NAME:N, NAME being its
    file's path relative to root and N its line number (from 1), or its row index in a Parquet file
    (from 0). Nothing in one document stops the reading: it becomes that document's error. A blank line
    (empty or only whitespace) is no document: it gets a row with the error BLANK, which is never written.
    A UTF-8 byte order mark at the start of a file is no part of its first line.
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

    def row(
        self, where: str, id_value: object, text: object, error: Optional[str]
    ) -> Tuple[str, Optional[str], Optional[str]]:
        """(id, text or None, error or None) of one document; where (NAME:N) is its id if it has none."""
        try:
            doc_id = where if id_value is None else id_text(id_value)
            if not is_unicode(doc_id):
                doc_id, error = (
                    where,
                    error or "id is not valid Unicode (a lone surrogate)",
                )
            error = error or text_error(text, self.text_field)
        # an id that is no text (a number too long to print, bytes not UTF-8)
        except Exception as err:
            doc_id, error = (
                where,
                error or f"id cannot be written as text ({one_line(err)})",
            )
        return doc_id, None if error else text, error

    def records(
        self, f: pa.NativeFile, path: str, name: str
    ) -> Iterator[Tuple[int, object, object, Optional[str]]]:
        """(line number or row index, id or None, text, error or None) for each document and blank line in one file."""
        if file_format(path) == ".parquet":
            yield from self.parquet_records(pq.ParquetFile(f), name)
            return
        for number, raw in enumerate(io.BufferedReader(f), start=1):
            try:
                line = raw.decode("utf-8-sig" if number == 1 else "utf8").rstrip("\r\n")
            except UnicodeDecodeError:
                yield number, None, None, "not UTF-8"
                continue
            if not line.strip():
                yield number, None, None, BLANK
            elif file_format(path) == ".txt":
                yield number, None, line, None
            else:
                try:
                    record = json.loads(line)
                # bad JSON, too deep, a number too long
                except (ValueError, RecursionError) as err:
                    yield number, None, None, f"malformed JSON ({one_line(err)})"
                    continue
                if isinstance(record, dict):
                    yield (
                        number,
                        record.get(self.id_field),
                        record.get(self.text_field),
                        None,
                    )
                else:
                    yield (
                        number,
                        None,
                        None,
                        f"expected a JSON object, got {type(record).__name__}",
                    )

    def parquet_records(
        self, parquet: pq.ParquetFile, name: str
    ) -> Iterator[Tuple[int, object, object, Optional[str]]]:
        """Each row of a Parquet file; the rows of a row group that cannot be read get an error each."""
        present = set(parquet.schema_arrow.names)
        fields = [
            field for field in (self.id_field, self.text_field) if field in present
        ]
        index = 0
        for group in range(parquet.num_row_groups):
            end = index + parquet.metadata.row_group(group).num_rows
            try:
                for batch in parquet.iter_batches(
                    batch_size=self.rows_per_block, row_groups=[group], columns=fields
                ):
                    absent = [None] * batch.num_rows
                    ids, texts = (
                        batch.column(field).to_pylist() if field in fields else absent
                        for field in (self.id_field, self.text_field)
                    )
                    for id_value, text in zip(ids, texts):
                        yield index, id_value, text, None
                        index += 1
            # corrupt pages: Arrow's, the codecs' and Thrift's errors
            except Exception as err:
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
        if file_format(path) == ".parquet":
            # Parquet needs random access, not a stream
            return filesystem.open_input_file(path)
        return super()._open_input_source(filesystem, path, **open_args)

    def _read_stream(self, f: pa.NativeFile, path: str) -> Iterator[pa.Table]:
        yield from self.reader.blocks(f, path)


def input_files(input_path: Path) -> List[Path]:
    """INPUT itself, or the .jsonl, .txt and .parquet files (suffixes in any case) in it and its subfolders,
    sorted; all readable.

    Hidden files and folders (a leading ".", as temporary files have) are no input. Symlinked folders are
    followed, each real folder read once (the first path to it, in sorted order), so a link loop ends.
    """
    if input_path.is_dir():
        files = []
        seen = set()

        def unreadable(err: OSError) -> None:
            fail(f"{err.filename}: cannot read this folder ({err.strerror})")

        for folder, subfolders, names in os.walk(
            input_path, onerror=unreadable, followlinks=True
        ):
            info = os.stat(folder)
            if (info.st_dev, info.st_ino) in seen:
                subfolders[:] = []
                continue
            seen.add((info.st_dev, info.st_ino))
            subfolders[:] = sorted(
                name for name in subfolders if not name.startswith(".")
            )
            names = [
                name
                for name in names
                if not name.startswith(".") and file_format(name) in INPUT_SUFFIXES
            ]
            files += [Path(folder, name) for name in names]
        files = sorted(file for file in files if file.is_file())
        if not files:
            fail(f"{input_path}: no {', '.join(INPUT_SUFFIXES)} files in this folder")
    elif input_path.is_file():
        if file_format(input_path) not in INPUT_SUFFIXES:
            fail(f"{input_path}: not a {', '.join(INPUT_SUFFIXES)} file")
        files = [input_path]
    else:
        fail(f"{input_path}: no such file or folder")
    for file in files:
        try:
            if file_format(file) == ".parquet":
                pq.read_metadata(file)
            else:
                file.open("rb").close()
        except (OSError, pa.ArrowException) as err:
            fail(f"{file}: cannot read it ({one_line(err)})")
    return [file.absolute() for file in files]
