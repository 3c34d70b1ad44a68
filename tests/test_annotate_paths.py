"""scripts/annotate.py's guard of OUTPUT and its one-line failures, run in this process on an untrained pipeline.
Where Ray is not what is tested, the job is a stand-in; the three tests that start Ray are marked slow."""

import errno
import functools
import json
import os
import re
import signal
import socket
import subprocess
import time
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import ray
import spacy

import annotate
from annotate_output import MANIFEST, Parts
from helpers import ROOT, earlier_output, exit_code, run_script, script_command


class FullDisk(Parts):
    """Part files written to a full disk (the Ray workers import this module to write them)."""

    def write_block_to_file(self, block, file):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


@pytest.fixture(scope="module")
def model(tmp_path_factory) -> Path:
    """A pipeline folder whose NER component is untrained: it loads and annotates, finding nothing."""
    nlp = spacy.blank("en")
    nlp.add_pipe("ner").add_label("PER")
    nlp.initialize()
    path = tmp_path_factory.mktemp("model") / "ner"
    nlp.to_disk(path)
    return path


@pytest.fixture
def docs(tmp_path) -> Path:
    path = tmp_path / "docs.jsonl"
    path.write_text('{"id": "1", "text": "Paris ."}\n{"id": "2", "text": "Rome ."}\n')
    return path


def no_ray(*args):
    raise AssertionError("Ray started")


def run_main(capture, model, source, output, **options):
    """annotate's main as the command runs it: (exit code, its ✘ lines on stderr)."""
    options = {
        "text_field": "text",
        "id_field": "id",
        "batch_size": 64,
        "workers": None,
        "gpus_per_worker": 0,
        "address": None,
        "min_score": 0.0,
        **options,
    }
    code = exit_code(annotate.main, str(model), source, output, **options)
    return code, [
        line for line in capture.readouterr().err.splitlines() if line.startswith("✘")
    ]


@pytest.mark.parametrize(
    "earlier", [False, True], ids=["new-folder", "earlier-output-changed"]
)
def test_annotate_keeps_its_result_aside_when_output_changes_while_it_runs(
    tmp_path, capsys, monkeypatch, model, docs, earlier
):
    output = tmp_path / "out.jsonl"
    if earlier:
        earlier_output(output)

    def job(files, root, to_load, folder, *args):
        """The Ray job's stand-in: while it writes, someone else puts a file at OUTPUT."""
        (folder / "part-0.jsonl").write_text(
            '{"id": "1", "entities": [], "error": null}\n'
        )
        output.mkdir(exist_ok=True)
        (output / "theirs.txt").write_text("not annotate's")
        return Counter(documents=1)

    monkeypatch.setattr(annotate, "start_ray", lambda *args: 1)
    monkeypatch.setattr(annotate, "annotate", job)
    code, lines = run_main(capsys, model, docs, output)
    (kept,) = [
        path for path in tmp_path.iterdir() if path.name.startswith(".out.jsonl.")
    ]
    assert code == 1
    assert lines == [
        f"✘ {output}: changed while this run was writing; replaced nothing, kept the result as {kept}"
    ]
    assert (output / "theirs.txt").read_text() == "not annotate's"
    assert sorted(path.name for path in output.iterdir()) == sorted(
        ["theirs.txt", *(["part-0.jsonl", MANIFEST] if earlier else [])]
    )
    assert sorted(path.name for path in kept.iterdir()) == [MANIFEST, "part-0.jsonl"]


@pytest.mark.parametrize("code", [errno.EROFS, errno.EACCES])
def test_annotate_output_folder_it_cannot_write_in_is_one_line_before_ray(
    tmp_path, capsys, monkeypatch, model, docs, code
):
    parent = tmp_path / "out"
    parent.mkdir()
    mkdir = os.mkdir

    # a read-only filesystem, or a folder of another user's (we are root)
    def refused(path, *args, **kwargs):
        if Path(path).parent == parent:
            raise OSError(code, os.strerror(code), os.fspath(path))
        return mkdir(path, *args, **kwargs)

    monkeypatch.setattr(os, "mkdir", refused)
    monkeypatch.setattr(annotate, "start_ray", no_ray)
    output = parent / "annotations.parquet"
    assert run_main(capsys, model, docs, output) == (
        1,
        [f"✘ {output}: cannot write it ({os.strerror(code)})"],
    )
    assert list(parent.iterdir()) == []


def test_annotate_full_disk_at_the_manifest_leaves_no_output(
    tmp_path, capsys, monkeypatch, model, docs
):
    write_text = Path.write_text

    def full_disk(path, *args, **kwargs):
        if path.name == MANIFEST:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return write_text(path, *args, **kwargs)

    monkeypatch.setattr(annotate, "start_ray", lambda *args: 1)
    monkeypatch.setattr(annotate, "annotate", lambda *args: Counter(documents=2))
    monkeypatch.setattr(Path, "write_text", full_disk)
    output = tmp_path / "out.jsonl"
    assert run_main(capsys, model, docs, output) == (
        1,
        [f"✘ {output}: cannot write it (No space left on device)"],
    )
    assert list(tmp_path.iterdir()) == [docs]


def test_annotate_address_where_nothing_listens_is_one_line_within_seconds(
    tmp_path, capsys, model, docs
):
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        address = f"127.0.0.1:{free.getsockname()[1]}"
    start = time.monotonic()
    code, lines = run_main(capsys, model, docs, tmp_path / "out.jsonl", address=address)
    assert time.monotonic() - start < 30
    assert (code, lines) == (1, [f"✘ no Ray cluster at {address} (Connection refused)"])
    assert list(tmp_path.iterdir()) == [docs] and not ray.is_initialized()


def test_annotate_address_auto_without_a_cluster_is_one_line(
    tmp_path, capsys, monkeypatch, model, docs
):
    # No cluster on this machine, whatever else runs on it: Ray's search for one finds none.
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    monkeypatch.setattr(
        ray._private.services, "find_gcs_addresses", functools.cache(lambda: [])
    )
    monkeypatch.setattr(
        ray._private.services, "find_bootstrap_address", lambda temp_dir: None
    )
    code, lines = run_main(capsys, model, docs, tmp_path / "out.jsonl", address="auto")
    assert code == 1 and len(lines) == 1
    assert lines[0].startswith(
        "✘ no Ray cluster at auto (ConnectionError: Could not find any running Ray instance."
    )
    assert list(tmp_path.iterdir()) == [docs] and not ray.is_initialized()


@pytest.mark.slow
def test_annotate_full_disk_in_a_ray_write_task_is_one_line(
    tmp_path, capfd, monkeypatch, model, docs
):
    # for the workers
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join([str(ROOT / "scripts"), str(ROOT / "tests")])
    )
    monkeypatch.setattr(annotate, "Parts", FullDisk)
    output = tmp_path / "out.jsonl"
    code, lines = run_main(capfd, model, docs, output, workers=1)
    assert (code, lines) == (
        1,
        [f"✘ {output}: cannot write it (No space left on device)"],
    )
    assert list(tmp_path.iterdir()) == [docs] and not ray.is_initialized()


@pytest.mark.slow
def test_annotate_reads_every_input_once_counts_blank_lines_and_keeps_rays_console_quiet(
    tmp_path, model
):
    source, elsewhere = tmp_path / "in", tmp_path / "elsewhere"
    (source / "sub").mkdir(parents=True)
    elsewhere.mkdir()
    bom = "\ufeff".encode()
    (source / "A.JSONL").write_bytes(
        bom + b'{"id": "a1", "text": "Paris ."}\n\n{"id": "a2", "text": "Rome ."}\n'
    )
    (source / "sub" / "B.Txt").write_bytes(bom + b"Berlin .\n \t\nMadrid .\n")
    pq.write_table(pa.table({"id": ["c0"], "text": ["Lyon ."]}), source / "c.PARQUET")
    (elsewhere / "e.txt").write_text("Oslo .\n\n")
    (source / "linked").symlink_to(elsewhere)
    (source / "sub" / "loop").symlink_to(source)
    output = tmp_path / "out.jsonl"
    result = run_script("annotate.py", model, source, output, check=True)
    manifest = json.loads((output / MANIFEST).read_text())
    rows = [
        json.loads(line)
        for part in manifest["parts"]
        for line in (output / part).read_text().splitlines()
    ]
    assert sorted((row["id"], row["error"]) for row in rows) == [
        ("a1", None),
        ("a2", None),
        ("c0", None),
        ("linked/e.txt:1", None),
        ("sub/B.Txt:1", None),
        ("sub/B.Txt:3", None),
    ]
    assert (
        result.stdout.splitlines()[-1]
        == "6 documents: 6 annotated, 0 error rows; 3 blank lines skipped"
    )
    assert (manifest["blank_lines"], manifest["workers"]) == (3, os.cpu_count())
    # Ray's console: its notice of the log level annotate gives it, then a progress line each PROGRESS_INTERVAL.
    notice, *progress = result.stderr.splitlines()
    assert "Set ray log level from environment variable RAY_BACKEND_LOG_LEVEL" in notice
    assert all(
        re.fullmatch(r"… [\d,]+ lines and rows annotated in \d+ s", line)
        for line in progress
    )


@pytest.mark.slow
def test_annotate_ctrl_c_while_the_job_runs_ends_it_in_one_line_and_leaves_nothing(
    tmp_path, model
):
    source = tmp_path / "docs.txt"
    source.write_text("Paris is a city in France .\n" * 200_000)
    args = script_command(
        "annotate.py", model, source, tmp_path / "out.parquet", "--workers", 1
    )
    # Ctrl+C as in a terminal: a suite run in the background (`cmd &`, as a CI runner may) has SIGINT
    # ignored, and its children inherit that unless told otherwise.
    process = subprocess.Popen(
        [str(arg) for arg in args],
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    progress = ""
    # the first progress line: the job runs
    while not progress.startswith("… ") and process.poll() is None:
        progress = process.stderr.readline()
    process.send_signal(signal.SIGINT)
    start = time.monotonic()
    _, stderr = process.communicate(timeout=60)
    assert re.fullmatch(r"… [\d,]+ lines and rows annotated in \d+ s\n", progress)
    assert time.monotonic() - start < 30
    assert (process.returncode, stderr.splitlines()) == (
        130,
        ["✘ Interrupted: no output was replaced"],
    )
    assert list(tmp_path.iterdir()) == [source]
