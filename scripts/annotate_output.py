"""annotate's output: the part files Ray Data's write tasks write, the guard that lets a run replace only an
earlier output of annotate's, and the manifest that marks an output finished."""

import json
import os
from collections import Counter
from pathlib import Path
from typing import Iterable, List, Optional

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from ray.data.block import Block, BlockAccessor
from ray.data.datasource import BlockBasedFileDatasink

from annotate_input import BLANK
from safe_io import InputError, Outputs, one_line

ENTITY = pa.struct(
    [
        ("start_char", pa.int64()),
        ("end_char", pa.int64()),
        ("label", pa.string()),
        ("text", pa.string()),
        ("score", pa.float64()),
    ]
)
ANNOTATIONS = pa.schema(
    [("id", pa.string()), ("entities", pa.list_(ENTITY)), ("error", pa.string())]
)
# Rows per output part file (a target, not a limit): few files, each small enough to read on its own.
ROWS_PER_FILE = 100_000
# annotate's record of a finished run, inside OUTPUT; the leading "_" makes Parquet readers skip it.
MANIFEST = "_annotate.json"
WRITTEN_BY = "scripts/annotate.py"


class WriteError(Exception):
    """Part files could not be written; the message says why (No space left on device)."""


class Parts(BlockBasedFileDatasink):
    """Writes the annotations as part files, JSON Lines or Parquet (suffix), one per write task, leaving out
    the rows of blank lines. Each task returns what it saw: a Counter of documents, error_rows and
    blank_lines; once the job is done, counts holds their sum."""

    def __init__(self, path: str, suffix: str):
        super().__init__(path, file_format=suffix[1:], min_rows_per_file=ROWS_PER_FILE)
        self.counts = Counter()

    def write(self, blocks: Iterable[Block], ctx) -> Counter:
        table = pa.concat_tables(
            [
                ANNOTATIONS.empty_table(),
                *(BlockAccessor.for_block(b).to_arrow() for b in blocks),
            ]
        )
        rows = table.filter(pc.fill_null(pc.not_equal(table["error"], BLANK), True))
        try:
            if rows.num_rows:
                self.write_block(BlockAccessor.for_block(rows), 0, ctx)
        except OSError as err:  # Ray's retries add their story to it, even as its filename: keep the cause
            raise WriteError(
                os.strerror(err.errno) if err.errno else one_line(err)
            ) from None
        errors = rows.num_rows - rows["error"].null_count
        return Counter(
            documents=rows.num_rows,
            error_rows=errors,
            blank_lines=table.num_rows - rows.num_rows,
        )

    def write_block_to_file(self, block: BlockAccessor, file: pa.NativeFile) -> None:
        if self.file_format == "parquet":
            pq.write_table(block.to_arrow(), file)
        else:
            for row in block.to_arrow().to_pylist():
                file.write(json.dumps(row, ensure_ascii=False).encode("utf8") + b"\n")

    def on_write_complete(self, write_result) -> None:
        super().on_write_complete(write_result)
        self.counts = sum(write_result.write_returns, Counter())


def guarded_output(output: Path, input_path: Path, model: str) -> Outputs:
    """OUTPUT's guard; InputError unless OUTPUT is apart from INPUT and MODEL (a folder), and is nothing or a
    folder that may be replaced. Reads nothing in INPUT or MODEL."""
    outputs = Outputs(
        folders=[output],
        inputs=[input_path, Path(model) if Path(model).is_dir() else None],
    )
    if output.exists():
        problem = not_an_earlier_output(output)
        if problem:
            replaces = (
                "annotate replaces only an output of its own: remove it or pick another"
            )
            raise InputError(f"{output}: exists and {problem}; {replaces}")
    return outputs


def not_an_earlier_output(output: Path) -> Optional[str]:
    """Why the folder output is not a finished output of annotate holding nothing else, or None if it is."""
    try:
        manifest = json.loads((output / MANIFEST).read_text(encoding="utf8"))
        parts = (
            set(manifest["parts"]) if manifest.get("written_by") == WRITTEN_BY else None
        )
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        parts = None
    if parts is None:
        return f"has no {MANIFEST} of annotate's"
    others = sorted(
        entry.name
        for entry in output.iterdir()
        if entry.name != MANIFEST and entry.name not in parts
    )
    if others:
        return f"holds files annotate did not write ({', '.join(others[:3])})"
    return None


def part_files(folder: Path, suffix: str) -> List[Path]:
    return sorted(
        part
        for part in folder.iterdir()
        if part.suffix == suffix and not part.name.startswith(("_", "."))
    )


def write_manifest(
    folder: Path,
    suffix: str,
    counts: Counter,
    model: str,
    input_path: Path,
    workers: int,
    min_score: float,
) -> None:
    """Record the finished run in folder (what makes it an output annotate may replace)."""
    manifest = {
        "written_by": WRITTEN_BY,
        "model": model,
        "input": str(input_path),
        "workers": workers,
        "min_score": min_score,
        "documents": counts["documents"],
        "annotated": counts["documents"] - counts["error_rows"],
        "error_rows": counts["error_rows"],
        "blank_lines": counts["blank_lines"],
        "parts": [part.name for part in part_files(folder, suffix)],
    }
    (folder / MANIFEST).write_text(
        json.dumps(manifest, indent=2) + "\n", encoding="utf8"
    )
