"""Helpers for tests: run the project's scripts and commands as a user would, offline; make the files they
read (hand-made scores and predictions, damaged Parquet files, earlier outputs of annotate)."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, Iterable, Optional, Tuple, Union

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import spacy
import srsly
from spacy.tokens import Doc, DocBin, Span

import score
from mistakes import GOLD_KEY

ROOT = Path(__file__).resolve().parent.parent
# What a fresh clone holds that the workflow needs; generated folders are left out.
PROJECT_FILES = ("project.yml", "configs", "scripts")


def run(args, cwd=ROOT, env=None, check=False) -> subprocess.CompletedProcess:
    """Run a command offline; fail with its output if check and it exits non-zero."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})}
    result = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True
    )
    if check and result.returncode != 0:
        pytest.fail(
            f"{' '.join(map(str, args))} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
        )
    return result


def script_command(script: str, *args) -> list:
    """The command line that runs scripts/SCRIPT with this Python, as project.yml does."""
    return [sys.executable, ROOT / "scripts" / script, *args]


def run_script(script: str, *args, **kwargs) -> subprocess.CompletedProcess:
    """Run scripts/SCRIPT with this Python, as project.yml does."""
    return run(script_command(script, *args), **kwargs)


def run_code(
    code: str, *args, cwd: Path, site: Optional[Path] = None
) -> Tuple[object, subprocess.CompletedProcess]:
    """Run Python code from cwd (a folder where nothing of the project is importable), with only site (a folder of
    installed wheels, if given) on PYTHONPATH; the JSON of its last line of output, and the run."""
    env = {"PYTHONPATH": str(site)} if site is not None else None
    result = run([sys.executable, "-c", code, *args], cwd=cwd, env=env, check=True)
    return json.loads(result.stdout.splitlines()[-1]), result


def install_wheels(target: Path, wheels: Iterable[Path]) -> Path:
    """pip-install wheels into a folder of their own (put it on PYTHONPATH to load them)."""
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--target",
            target,
            *wheels,
        ],
        check=True,
    )
    return target


def copy_project(dest: Path) -> Path:
    for name in PROJECT_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(
                source, dest / name, ignore=shutil.ignore_patterns("__pycache__")
            )
        else:
            shutil.copy(source, dest / name)
    return dest


def exit_code(call, *args, **kwargs) -> int:
    """The exit code of a script's main called in-process: 0 if it returns."""
    try:
        call(*args, **kwargs)
    except SystemExit as exit_info:
        return exit_info.code
    return 0


def one_line_failure(capsys, call, *args, **kwargs) -> str:
    """call's one `✘` line on stderr; it must exit 1, with nothing else on stderr."""
    with pytest.raises(SystemExit) as exit_info:
        call(*args, **kwargs)
    assert exit_info.value.code == 1
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("✘ ")
    return line


def score_failure(capsys, model, gold, output, predictions=None) -> str:
    """score.py's one `✘` line for model, gold and output (and predictions, if given); A's gold only."""
    return one_line_failure(
        capsys,
        score.main,
        model,
        gold,
        output,
        five_types_gold_path=None,
        predictions_path=predictions,
        gpu_id=-1,
    )


def calibration_error(judged: Iterable[Tuple[float, bool]]) -> float:
    """Expected calibration error over 10 equal-width score bins of (score, right) pairs, by hand (apart from
    scripts/confidence.py): each bin's |sum of scores - rights|, summed, over all pairs."""
    bins = [[] for _ in range(10)]
    for probability, right in judged:
        bins[min(int(probability * 10), 9)].append((probability, right))
    total = sum(map(len, bins))
    return (
        sum(abs(sum(s for s, _ in b) - sum(r for _, r in b)) for b in bins if b) / total
    )


def snapshot(folder: Path) -> dict:
    """Every file and folder under folder, with its bytes (files) or None (folders)."""
    return {
        p: None if p.is_dir() else p.read_bytes() for p in sorted(folder.rglob("*"))
    }


def without_dac_override(args) -> list:
    """args run as root without root's right to read and write any file: file permissions apply to it too."""
    return ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--", *args]


# The words of each sentence in hand-made predictions.
WORDS = ["Ann", "met", "Bob", "in", "Rome", "."]


def predictions(sentences, scores=None) -> DocBin:
    """A DocBin as score.py --predictions writes it: for each sentence (gold, predicted) spans of WORDS, and
    the predictions' scores (ent._.score) in order, if given."""
    vocab = spacy.blank("en").vocab
    doc_bin = DocBin(store_user_data=True)
    scores = iter(scores or [])
    for gold, predicted in sentences:
        doc = Doc(vocab, words=WORDS)
        doc.ents = [Span(doc, s, e, label) for s, e, label in predicted]
        for ent in doc.ents:
            ent._.score = next(scores, None)
        doc.spans[GOLD_KEY] = [Span(doc, s, e, label) for s, e, label in gold]
        doc_bin.add(doc)
    return doc_bin


def write_scores(root: Path, systems: Dict[str, Dict[str, Union[dict, str]]]) -> None:
    """For each system, a folder ROOT/SYSTEM with its score files: {name: a JSON object, or the file's text}."""
    for system, files in systems.items():
        (root / system).mkdir()
        for name, content in files.items():
            if isinstance(content, str):
                (root / system / name).write_text(content)
            else:
                srsly.write_json(root / system / name, content)


def corrupt_row_group(path: Path, group: int, column: int = 0) -> None:
    """Overwrite the middle of a row group's column chunk in a Parquet file: its pages no longer decompress."""
    chunk = pq.read_metadata(path).row_group(group).column(column)
    start = chunk.dictionary_page_offset or chunk.data_page_offset
    data = bytearray(path.read_bytes())
    data[start + 20 : start + chunk.total_compressed_size - 5] = b"\xab" * (
        chunk.total_compressed_size - 25
    )
    path.write_bytes(bytes(data))


def read_rows(reader, path: Path) -> list:
    """The rows (dicts of id, text, error) that annotate's DocumentReader reads from a file."""
    return [
        row
        for block in reader.blocks(pa.OSFile(str(path)), str(path))
        for row in block.to_pylist()
    ]


def earlier_output(
    folder: Path, parts: Iterable[str] = ("part-0.jsonl",), extra: Iterable[str] = ()
) -> None:
    """A finished output of annotate's, which a run may replace: part files and the manifest (_annotate.json) that
    names them as annotate writes it; extra: files besides, which annotate did not write."""
    folder.mkdir()
    for name in [*parts, *extra]:
        (folder / name).write_text('{"id": "old", "entities": [], "error": null}\n')
    manifest = {"written_by": "scripts/annotate.py", "parts": list(parts)}
    (folder / "_annotate.json").write_text(json.dumps(manifest))
