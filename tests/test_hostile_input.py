"""Bad input and unusable paths, as a hostile user gives them: each script stops with one `✘` line naming
the file (and line), exits 1, and touches nothing. In-process, so that each case takes milliseconds."""

import codecs
import errno
import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import spacy
import srsly
from spacy.tokens import DocBin

import annotate
import annotate_input
import annotate_output
import convert
import corpus_stats
import fetch
import package_meta
import report
from helpers import (
    corrupt_row_group,
    earlier_output,
    one_line_failure,
    read_rows,
    score_failure,
    snapshot,
    write_scores,
)
from multinerd import HUB_DATASET, SYSTEMS, TAG_IDS, Tagset
from safe_io import InputError, temporary_name, write_atomically

GOOD = json.dumps({"tokens": ["Rome"], "ner_tags": [TAG_IDS["B-LOC"]]})


def dead_pid() -> int:
    """The id of a process that has ended."""
    process = subprocess.Popen([sys.executable, "-c", ""])
    process.wait()
    return process.pid


# convert


def run_convert(source, output_a, output_b):
    convert.main(input_path=source, output_a=output_a, output_b=output_b, lang=None)


@pytest.mark.parametrize(
    "line,problem",
    [
        (
            '{"tokens": ["a\\ud800b"], "ner_tags": [0]}',
            "token 1 is not valid Unicode (a lone surrogate)",
        ),
        (
            '{"tokens": ["a"], "ner_tags": [' + "9" * 5000 + "]}",
            "malformed JSON (ValueError: Exceeds the limit",
        ),
        ("[" * 100_000 + "]" * 100_000, "malformed JSON (RecursionError"),
        ('{"tokens": ["a"], "ner_tags": [1e400]}', "unknown tag id inf"),
        ('{"tokens": [""], "ner_tags": [0]}', "token 1 is not a non-empty string"),
    ],
)
def test_convert_hostile_line_names_file_and_line(tmp_path, capsys, line, problem):
    source = tmp_path / "in.jsonl"
    source.write_text(f"{GOOD}\n{line}\n{GOOD}\n")
    failure = one_line_failure(
        capsys, run_convert, source, tmp_path / "a.spacy", tmp_path / "b.spacy"
    )
    assert f"{source}:2: {problem}" in failure
    assert list(tmp_path.iterdir()) == [source]


def test_convert_skips_and_counts_empty_sentences(tmp_path, capsys):
    source = tmp_path / "in.jsonl"
    source.write_text(f'{GOOD}\n{{"tokens": [], "ner_tags": []}}\n{GOOD}\n')
    run_convert(source, tmp_path / "a.spacy", tmp_path / "b.spacy")
    # wasabi wraps
    assert "2 sentences; 1 empty sentences skipped" in " ".join(
        capsys.readouterr().out.split()
    )
    for name in ("a.spacy", "b.spacy"):
        docs = list(
            DocBin().from_disk(tmp_path / name).get_docs(spacy.blank("en").vocab)
        )
        assert [(doc.text, [e.label_ for e in doc.ents]) for doc in docs] == [
            ("Rome", ["LOC"])
        ] * 2


@pytest.mark.parametrize("which", ["a", "b", "both"])
def test_convert_refuses_to_write_over_its_input_or_one_output_twice(
    tmp_path, capsys, which
):
    source = tmp_path / "in.jsonl"
    source.write_text(f"{GOOD}\n")
    outputs = {
        "a": (source, tmp_path / "b.spacy"),
        "b": (tmp_path / "a.spacy", source),
        "both": (tmp_path / "x.spacy", tmp_path / "x.spacy"),
    }[which]
    failure = one_line_failure(capsys, run_convert, source, *outputs)
    assert ("is the input" if which != "both" else "is the output") in failure
    assert source.read_text() == f"{GOOD}\n" and list(tmp_path.iterdir()) == [source]


def test_convert_output_that_is_a_folder_or_under_a_file(tmp_path, capsys):
    source = tmp_path / "in.jsonl"
    source.write_text(f"{GOOD}\n")
    (tmp_path / "a.spacy").mkdir()
    before = snapshot(tmp_path)
    failure = one_line_failure(
        capsys, run_convert, source, tmp_path / "a.spacy", tmp_path / "b.spacy"
    )
    assert f"{tmp_path / 'a.spacy'}: is a folder" in failure
    failure = one_line_failure(
        capsys, run_convert, source, source / "a.spacy", tmp_path / "b.spacy"
    )
    assert f"{source / 'a.spacy'}: is inside the input {source}" in failure
    assert snapshot(tmp_path) == before


def test_temporary_names_are_unique_per_run_and_only_dead_runs_leftovers_go(tmp_path):
    dest = tmp_path / "out.spacy"
    assert temporary_name(dest) != temporary_name(dest)
    assert temporary_name(dest).name.startswith(f".out.spacy.{os.getpid()}-")
    dead = tmp_path / f".out.spacy.{dead_pid()}-0000.tmp"  # a kill -9'd run's
    alive = tmp_path / f".out.spacy.{os.getpid()}-ffff.tmp"  # a run going on (this one)
    other = tmp_path / f".other.spacy.{dead_pid()}-0000.tmp"  # another file's
    for path in (dead, alive, other):
        path.write_text("partial")
    write_atomically(dest, lambda tmp: tmp.write_text("done"))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [dest.name, alive.name, other.name]
    )
    assert dest.read_text() == "done"


# fetch


@pytest.mark.parametrize(
    "line,problem",
    [
        (b"1\tOb\xffama\tI-PER", "not UTF-8 (byte 5 of the line)"),
        (b"1\t\tO", "empty token"),
        (b"1\t \tO", "empty token"),
        (b"1\tObama\tB-PERSON", "unknown tag 'B-PERSON'"),
        (b"Obama", "1 tab-separated columns"),
    ],
)
def test_fetch_bad_tsv_line_is_the_tsvs_own_file_and_line(
    tmp_path, capsys, line, problem
):
    tsv = tmp_path / "train_en.tsv"
    tsv.write_bytes(b"0\tBarack\tB-PER\n" + line + b"\n\n0\tRome\tB-LOC\n")
    failure = one_line_failure(
        capsys, fetch.main, lang="en", dataset=HUB_DATASET, assets_dir=tmp_path
    )
    assert f"{tsv}:2: {problem}" in failure
    assert list(tmp_path.iterdir()) == [tsv]


def test_fetch_assets_path_that_is_a_file(tmp_path, capsys):
    assets = tmp_path / "assets"
    assets.write_text("not a folder")
    assert f"{assets}: cannot make this folder" in one_line_failure(
        capsys, fetch.main, lang="en", dataset=HUB_DATASET, assets_dir=assets
    )
    assert assets.read_text() == "not a folder"


def write_tsvs(folder, token):
    for split in ("train", "dev", "test"):
        (folder / f"{split}_en.tsv").write_text(f"0\t{token}\tB-LOC\n")


def tokens(path):
    return [json.loads(line)["tokens"] for line in path.read_text().splitlines()]


def test_fetch_remakes_a_jsonl_it_made_when_its_tsv_changes_and_no_other(tmp_path):
    write_tsvs(tmp_path, "Rome")
    fetch.main(lang="en", assets_dir=tmp_path, dataset=HUB_DATASET)
    assert tokens(tmp_path / "train_en.jsonl") == [["Rome"]]
    write_tsvs(tmp_path, "Paris")
    # val_en.jsonl was edited by hand since, test_en.jsonl was not made by fetch: both are kept.
    (tmp_path / "val_en.jsonl").write_text('{"tokens": ["mine"], "ner_tags": [0]}\n')
    (tmp_path / ".test_en.jsonl.fetch.json").unlink()
    fetch.main(lang="en", assets_dir=tmp_path, dataset=HUB_DATASET)
    assert [
        tokens(tmp_path / f"{split}_en.jsonl") for split in ("train", "val", "test")
    ] == [
        [["Paris"]],
        [["mine"]],
        [["Rome"]],
    ]
    before = snapshot(tmp_path)
    # nothing changed: nothing rewritten
    fetch.main(lang="en", assets_dir=tmp_path, dataset=HUB_DATASET)
    assert snapshot(tmp_path) == before


def test_fetch_keeps_the_jsonl_when_the_changed_tsv_is_bad(tmp_path, capsys):
    write_tsvs(tmp_path, "Rome")
    fetch.main(lang="en", assets_dir=tmp_path, dataset=HUB_DATASET)
    (tmp_path / "train_en.tsv").write_text("0\tRome\tB-TOWN\n")
    assert f"{tmp_path / 'train_en.tsv'}:1:" in one_line_failure(
        capsys, fetch.main, lang="en", dataset=HUB_DATASET, assets_dir=tmp_path
    )
    assert tokens(tmp_path / "train_en.jsonl") == [["Rome"]]


# score, package_meta, report, corpus_stats


def test_score_gold_that_is_no_docbin_and_output_that_is_a_folder(
    tmp_path, capsys, blank_model
):
    gold = tmp_path / "test.spacy"
    gold.write_bytes(b"\x00not a DocBin")
    out = tmp_path / "scores.json"
    failure = score_failure(
        capsys,
        blank_model,
        gold,
        out,
    )
    assert f"{gold}: not a spaCy DocBin" in failure and not out.exists()
    out.mkdir()
    failure = score_failure(
        capsys,
        blank_model,
        gold,
        out,
    )
    assert f"{out}: is a folder" in failure


def test_score_model_with_a_broken_config(tmp_path, capsys, blank_model):
    (blank_model / "config.cfg").write_text("[nlp\nlang = en\n")
    DocBin().to_disk(tmp_path / "test.spacy")
    failure = score_failure(
        capsys,
        blank_model,
        tmp_path / "test.spacy",
        tmp_path / "s.json",
    )
    assert f"{blank_model}: cannot load this pipeline" in failure


@pytest.mark.parametrize(
    "scores,problem",
    [
        (None, "cannot read it (No such file or directory)"),
        ("{", "not JSON"),
        ([1], "expected a JSON object, got list"),
        ({"ents_p": 1, "ents_r": 1, "ents_f": 1}, "missing 'ents_per_type'"),
    ],
)
def test_package_meta_missing_or_incomplete_score_json(
    tmp_path, capsys, scores, problem
):
    scores_path, seqeval_path = tmp_path / "test_scores.json", tmp_path / "seqeval.json"
    if scores is not None:
        scores_path.write_text(
            scores if isinstance(scores, str) else json.dumps(scores)
        )
    srsly.write_json(
        seqeval_path,
        {"lang": "en", "sentences": 1, "transformer": None, "scores": {"per_type": {}}},
    )
    failure = one_line_failure(
        capsys,
        package_meta.main,
        scores_path,
        seqeval_path,
        tmp_path / "meta.json",
        tagset=Tagset.five,
        name="multinerd_b",
        pipeline="cnn",
    )
    assert f"{scores_path}: {problem}" in failure
    assert not (tmp_path / "meta.json").exists()


def test_package_meta_names_missing_nested_scores(tmp_path, capsys):
    scores = {"ents_p": 1, "ents_r": 1, "ents_f": 1, "ents_per_type": {}}
    srsly.write_json(tmp_path / "s.json", scores)
    srsly.write_json(
        tmp_path / "q.json",
        {"lang": "en", "sentences": 1, "transformer": None, "scores": {"p": 1}},
    )
    failure = one_line_failure(
        capsys,
        package_meta.main,
        tmp_path / "s.json",
        tmp_path / "q.json",
        tmp_path / "meta.json",
        tagset=Tagset.five,
        name="b",
        pipeline="cnn",
    )
    assert (
        f"{tmp_path / 'q.json'}: missing 'scores.per_type', 'scores.r', 'scores.f', 'scores.token_acc'"
        in failure
    )


def test_report_incomplete_score_json(tmp_path, capsys):
    spacy_scores = {"ents_p": 1, "ents_r": 1, "ents_f": 1, "ents_per_type": {}}
    files = {"test_scores.json": spacy_scores, "seqeval_scores.json": '{"model": "x"'}
    write_scores(tmp_path, {system: files for system in SYSTEMS})
    failure = one_line_failure(
        capsys,
        report.main,
        tmp_path / "a",
        tmp_path / "b",
        tmp_path / "report.md",
        readme_path=None,
    )
    assert f"{tmp_path / 'a' / 'seqeval_scores.json'}: not JSON" in failure
    assert not (tmp_path / "report.md").exists()


def test_corpus_stats_file_that_is_no_docbin(tmp_path, capsys):
    for split in ("train", "dev", "test"):
        (tmp_path / split).mkdir()
        DocBin().to_disk(tmp_path / split / "en.spacy")
    (tmp_path / "dev" / "en.spacy").write_text("dev")
    failure = one_line_failure(
        capsys, corpus_stats.main, tmp_path, tagset=Tagset.five, config=None
    )
    assert f"{tmp_path / 'dev' / 'en.spacy'}: not a spaCy DocBin" in failure


# annotate: what is checked before Ray starts


def test_annotate_input_listing_skips_hidden_files_and_folders(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / ".out.parquet.123-abcd.tmp").mkdir()  # an earlier run's leftover
    for path in (
        "a.jsonl",
        "sub/b.txt",
        ".hidden.jsonl",
        ".out.parquet.123-abcd.tmp/part-0.parquet",
        "c.md",
    ):
        (tmp_path / path).write_text("x\n")
    assert annotate_input.input_files(tmp_path) == [
        tmp_path / "a.jsonl",
        tmp_path / "sub" / "b.txt",
    ]


def test_annotate_unreadable_folder_inside_input_is_an_error(
    tmp_path, capsys, monkeypatch
):
    (tmp_path / "locked").mkdir()
    (tmp_path / "a.jsonl").write_text("x\n")
    scandir = os.scandir

    def locked_scandir(path="."):
        # as chmod 000 does, for users other than root
        if os.fspath(path) == str(tmp_path / "locked"):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return scandir(path)

    monkeypatch.setattr(os, "scandir", locked_scandir)
    failure = one_line_failure(capsys, annotate_input.input_files, tmp_path)
    assert (
        f"{tmp_path / 'locked'}: cannot read this folder (Permission denied)" in failure
    )


def test_annotate_parquet_file_of_which_nothing_can_be_read(tmp_path, capsys):
    (tmp_path / "a.parquet").write_bytes(b"PAR1 not really PAR1")
    assert f"{tmp_path / 'a.parquet'}: cannot read it" in one_line_failure(
        capsys, annotate_input.input_files, tmp_path
    )


def test_annotate_input_listing_takes_any_suffix_case_and_each_symlinked_folder_once(
    tmp_path,
):
    source, elsewhere = tmp_path / "in", tmp_path / "elsewhere"
    (source / "sub").mkdir(parents=True)
    elsewhere.mkdir()
    for path in ("in/A.JSONL", "in/sub/B.Txt", "in/d.Md", "elsewhere/e.jsonl"):
        (tmp_path / path).write_text("x\n")
    pq.write_table(pa.table({"text": ["x"]}), source / "c.PARQUET")
    (source / "linked").symlink_to(elsewhere)
    (source / "sub" / "again").symlink_to(elsewhere)  # a second way to the same folder
    (source / "sub" / "loop").symlink_to(source)  # a loop
    assert annotate_input.input_files(source) == [
        source / "A.JSONL",
        source / "c.PARQUET",
        source / "linked" / "e.jsonl",
        source / "sub" / "B.Txt",
    ]


def test_annotate_reader_drops_a_byte_order_mark_and_marks_blank_lines_in_any_suffix_case(
    tmp_path,
):
    reader = annotate_input.DocumentReader(tmp_path, "text", "id", rows_per_block=10)
    (tmp_path / "a.TXT").write_bytes(codecs.BOM_UTF8 + b"Paris .\n\n \t\r\nRome .\r\n")
    (tmp_path / "b.Jsonl").write_bytes(
        codecs.BOM_UTF8 + b'{"id": "x", "text": "Paris ."}\n   \n'
    )
    pq.write_table(pa.table({"id": ["y"], "text": ["Rome ."]}), tmp_path / "c.PARQUET")
    rows = [
        tuple(row.values())
        for name in ("a.TXT", "b.Jsonl", "c.PARQUET")
        for row in read_rows(reader, tmp_path / name)
    ]
    blank = annotate_input.BLANK
    assert rows == [
        ("a.TXT:1", "Paris .", None),
        ("a.TXT:2", None, blank),
        ("a.TXT:3", None, blank),
        ("a.TXT:4", "Rome .", None),
        ("x", "Paris .", None),
        ("b.Jsonl:2", None, blank),
        ("y", "Rome .", None),
    ]


@pytest.mark.parametrize(
    "resources,gpus_per_worker,workers",
    [
        ({"CPU": 2.0}, 0, 2),
        ({"CPU": 16.0, "GPU": 2.0}, 1, 2),
        ({"CPU": 16.0, "GPU": 1.0}, 0.5, 2),
        ({}, 0, 1),
    ],
)
def test_annotate_workers_default_to_as_many_as_rays_cpus_and_gpus_hold(
    resources, gpus_per_worker, workers
):
    assert annotate.default_workers(resources, gpus_per_worker) == workers


def test_annotate_job_failure_is_its_root_cause_in_one_line(tmp_path):
    # as Ray wraps a write task's error, its own retry story added
    full = RuntimeError("ray::Write()")
    full.__cause__ = annotate_output.WriteError(
        "No space left on device\nFailed to write after 1/1 attempts."
    )
    gone = RuntimeError("ray::ReadDocuments()")
    gone.__cause__ = OSError(
        errno.EIO,
        "Failed to read. Detail: [errno 5] Input/output error",
        "Failed after 1/1",
    )
    source, output = tmp_path / "docs.jsonl", tmp_path / "out.jsonl"
    assert (
        str(annotate.job_error(full, source, output))
        == f"{output}: cannot write it (No space left on device)"
    )
    assert (
        str(annotate.job_error(gone, source, output))
        == f"{source}: the annotate job failed (Input/output error)"
    )


@pytest.mark.parametrize(
    "output,problem",
    [
        ("in", "is the input in"),
        ("in/out.jsonl", "is inside the input in"),
        (".", "holds the input in"),
        ("model", "is the input model"),
        ("model/ner/out.jsonl", "is inside the input model"),
        ("plain", "exists and has no _annotate.json of annotate's"),
        ("extra", "exists and holds files annotate did not write (notes.txt)"),
        ("file.jsonl", "exists and is not a folder"),
        ("link.jsonl", "exists and is not a folder"),  # a symlink to an earlier output
    ],
)
def test_annotate_refuses_an_output_that_could_destroy_data(
    tmp_path, monkeypatch, output, problem
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "docs.jsonl").write_text('{"text": "Paris"}\n')
    (tmp_path / "model" / "ner").mkdir(parents=True)
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "part-0.jsonl").write_text("{}\n")
    earlier_output(tmp_path / "extra", extra=["notes.txt"])
    earlier_output(tmp_path / "earlier.jsonl")
    (tmp_path / "link.jsonl").symlink_to(tmp_path / "earlier.jsonl")
    (tmp_path / "file.jsonl").write_text("{}\n")
    before = snapshot(tmp_path)
    with pytest.raises(InputError) as failure:
        annotate_output.guarded_output(Path(output), Path("in"), "model")
    assert str(failure.value).startswith(f"{output}: {problem}")
    assert snapshot(tmp_path) == before


def test_annotate_replaces_only_its_own_finished_output(tmp_path):
    earlier_output(tmp_path / "out.jsonl", ["part-0.jsonl", "part-1.jsonl"])
    (tmp_path / "docs.txt").write_text("Paris\n")
    # It may be replaced: no InputError.
    annotate_output.guarded_output(
        tmp_path / "out.jsonl", tmp_path / "docs.txt", "en_core_web_sm"
    )


def test_annotate_model_with_a_broken_config_stops_before_ray(capsys, blank_model):
    (blank_model / "config.cfg").write_text('[nlp]\nlang = en\npipeline = ["ner"]\n')
    to_load = annotate.model_to_load(str(blank_model))
    assert f"{blank_model}: cannot load this pipeline" in one_line_failure(
        capsys, annotate.check_model_loads, to_load, str(blank_model)
    )


def test_annotate_ids_are_json_text():
    assert [
        annotate_input.id_text(value)
        for value in ("a", 1, 1.5, True, {"a": 1}, [1, "b"])
    ] == [
        "a",
        "1",
        "1.5",
        "true",
        '{"a": 1}',
        '[1, "b"]',
    ]


def test_annotate_empty_id_is_written_as_it_is_and_a_missing_one_is_file_line(tmp_path):
    """docs/annotate.md: a string id is written as it is, "" too (not replaced, not dropped); a document without an
    id gets FILE:LINE, FILE relative to the INPUT folder, LINE from 1."""
    (tmp_path / "sub").mkdir()
    source = tmp_path / "sub" / "docs.jsonl"
    source.write_text('{"id": "", "text": "Rome ."}\n{"text": "Rome ."}\n')
    nlp = spacy.blank("en")
    nlp.add_pipe("entity_ruler").add_patterns([{"label": "LOC", "pattern": "Rome"}])
    nlp.to_disk(tmp_path / "model")
    documents = read_rows(
        annotate_input.DocumentReader(tmp_path, "text", "id", rows_per_block=10), source
    )
    annotator = annotate.Annotator(
        str(tmp_path / "model"), use_gpu=False, batch_size=2, min_score=0.0
    )
    rows = annotator(
        pa.Table.from_pylist(documents, schema=annotate_input.DOCUMENTS)
    ).to_pylist()
    rome = [
        {"start_char": 0, "end_char": 4, "label": "LOC", "text": "Rome", "score": None}
    ]
    assert rows == [
        {"id": "", "entities": rome, "error": None},
        {"id": "sub/docs.jsonl:2", "entities": rome, "error": None},
    ]


def test_annotate_corrupt_row_group_gives_error_rows_naming_file_and_rows(tmp_path):
    path = tmp_path / "docs.parquet"
    texts = [f"Paris {i} " * 40 for i in range(6)]
    pq.write_table(
        pa.table({"id": [f"d{i}" for i in range(6)], "text": texts}),
        path,
        row_group_size=2,
    )
    corrupt_row_group(path, 1, column=1)  # the text column
    rows = read_rows(
        annotate_input.DocumentReader(tmp_path, "text", "id", rows_per_block=4), path
    )
    assert [row["id"] for row in rows] == [
        "d0",
        "d1",
        "docs.parquet:2",
        "docs.parquet:3",
        "d4",
        "d5",
    ]
    assert [row["text"] for row in rows] == [
        texts[0],
        texts[1],
        None,
        None,
        texts[4],
        texts[5],
    ]
    for row in rows[2:4]:
        assert row["error"].startswith(
            "docs.parquet: row group 1 unreadable, rows 2-3 lost ("
        )
