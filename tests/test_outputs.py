"""The output guard: no script writes onto, into or over an input or another output, a result appears
whole or not at all, and a file or folder that appeared meanwhile is never replaced."""

import errno
import json
import os
import subprocess
import sys

import pytest
import spacy
import srsly
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from spacy.tokens import Doc, DocBin, Span

import convert
import convert_corpus
import package_meta
import report
import score
from helpers import (
    exit_code,
    one_line_failure,
    run,
    score_failure,
    script_command,
    snapshot,
    without_dac_override,
    write_scores,
)
from multinerd import SYSTEMS, TAG_IDS, Tagset
from safe_io import InputError, Outputs, check_apart, write_atomically, write_text

GOOD = json.dumps({"tokens": ["Rome"], "ner_tags": [TAG_IDS["B-LOC"]], "lang": "en"})


@pytest.fixture
def full_disk(tmp_path):
    """A folder on a small file system with no space left (mounting it needs root)."""
    mount = tmp_path / "full"
    mount.mkdir()
    if subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", mount], capture_output=True
    ).returncode:
        pytest.skip("cannot mount a small file system here (not root)")
    try:
        with (mount / "filler").open("wb", buffering=0) as filler:
            try:
                while True:
                    filler.write(b"\0" * 4096)
            except OSError as err:
                assert err.errno == errno.ENOSPC
        yield mount
    finally:
        subprocess.run(["umount", "-l", mount], check=True)


@pytest.fixture
def gold(tmp_path):
    """A test split as convert_corpus writes it: a folder with one DocBin a language."""
    folder = tmp_path / "test"
    folder.mkdir()
    doc = Doc(spacy.blank("en").vocab, words=["Rome", "."])
    doc.ents = [Span(doc, 0, 1, "LOC")]
    DocBin(docs=[doc]).to_disk(folder / "en.spacy")
    return folder


# The guard itself


def test_outputs_apart_from_inputs_and_each_other(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "in")
    refused = {
        "is the input": ([tmp_path / "in"], [tmp_path / "in"]),
        "is inside the input": ([tmp_path / "link" / "x.json"], [tmp_path / "in"]),
        "holds the input": ([tmp_path], [tmp_path / "in" / "x.jsonl"]),
        "is the output": (
            [tmp_path / "a.json", tmp_path / "link" / ".." / "a.json"],
            [],
        ),
        "holds the output": ([tmp_path / "out", tmp_path / "out" / "b.json"], []),
    }
    for relation, (outputs, inputs) in refused.items():
        with pytest.raises(InputError, match=f": {relation} "):
            check_apart(outputs, inputs)
    check_apart(
        [tmp_path / "a.json", tmp_path / "ab.json", tmp_path / "in2"],
        [tmp_path / "in", None],
    )


def test_something_that_appears_at_an_output_meanwhile_is_kept_and_so_is_the_result(
    tmp_path,
):
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    second.write_text("mine, from before")
    with pytest.raises(
        InputError,
        match=f"{first}: changed while this run was writing; replaced nothing",
    ) as err:
        with Outputs(files=[first, second]) as outputs:
            outputs.write(first, write_text("A"))
            outputs.write(second, write_text("B"))
            first.write_text("someone else's")
            outputs.commit()
    assert (first.read_text(), second.read_text()) == (
        "someone else's",
        "mine, from before",
    )
    kept = sorted(p for p in tmp_path.iterdir() if p.name.startswith("."))
    assert [p.read_text() for p in kept] == ["A", "B"] and all(
        str(p) in str(err.value) for p in kept
    )


def test_a_folder_that_appears_at_an_output_is_never_replaced(tmp_path):
    dest = tmp_path / "out"
    with pytest.raises(InputError, match="changed while this run was writing"):
        with Outputs(folders=[dest]) as outputs:
            outputs.write(
                dest, lambda tmp: (tmp.mkdir(), (tmp / "part.jsonl").write_text("new"))
            )
            dest.mkdir()
            (dest / "theirs.txt").write_text("theirs")
            outputs.commit()
    assert sorted(p.name for p in dest.iterdir()) == ["theirs.txt"]


def test_paired_outputs_appear_together_or_not_at_all(tmp_path):
    first, second = tmp_path / "a.spacy", tmp_path / "b.spacy"

    def no_space(tmp):
        tmp.write_text("half")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with pytest.raises(
        InputError, match=f"^{second}: cannot write it \\(No space left on device\\)$"
    ):
        with Outputs(files=[first, second]) as outputs:
            outputs.write(first, write_text("A"))
            outputs.write(second, no_space)
            outputs.commit()
    assert list(tmp_path.iterdir()) == []


def test_leftovers_are_matched_by_name_not_as_a_pattern(tmp_path):
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
    )
    others = [
        tmp_path / f".{name}.{dead.stdout.strip()}-00ff.tmp"
        for name in ("out1.json", "outer.json")
    ]
    for path in others:
        path.write_text("another output's")
    write_atomically(tmp_path / "out[1].json", write_text("done"))
    write_atomically(tmp_path / "out*.json", write_text("done"))
    assert all(path.read_text() == "another output's" for path in others)


# Each script


def test_score_refuses_outputs_onto_or_into_its_inputs(
    tmp_path, capsys, blank_model, gold
):
    before = snapshot(tmp_path)
    cases = [
        (tmp_path / "s.json", gold / "en.spacy"),
        (tmp_path / "s.json", gold / "zz.spacy"),
        (blank_model / "meta.json", None),
        (gold / "en.spacy", None),
        (tmp_path / "s.json", tmp_path / "s.json"),
    ]
    for output, predictions in cases:
        failure = score_failure(
            capsys,
            blank_model,
            gold,
            output,
            predictions,
        )
        assert " the input " in failure or " the output " in failure
    assert snapshot(tmp_path) == before


def test_score_on_a_full_disk_is_one_line_and_leaves_no_file(
    capsys, blank_model, gold, full_disk
):
    output = full_disk / "s.json"
    failure = score_failure(
        capsys,
        blank_model,
        gold,
        output,
    )
    assert failure == f"✘ {output}: cannot write it (No space left on device)"
    assert sorted(p.name for p in full_disk.iterdir()) == ["filler"]


def test_report_refuses_to_write_over_its_own_scores_and_readme_without_markers(
    tmp_path, capsys
):
    write_scores(
        tmp_path, {system: {"test_scores.json": {"ents_f": 0.5}} for system in SYSTEMS}
    )
    (tmp_path / "README.md").write_text("# No markers\n")
    before = snapshot(tmp_path)
    failure = one_line_failure(
        capsys,
        report.main,
        tmp_path / "a",
        tmp_path / "b",
        tmp_path / "a" / "test_scores.json",
        error_samples=1,
        readme_path=None,
    )
    assert " is the input " in failure or " is inside the input " in failure
    failure = one_line_failure(
        capsys,
        report.main,
        tmp_path / "a",
        tmp_path / "b",
        tmp_path / "report.md",
        error_samples=1,
        readme_path=tmp_path / "README.md",
    )
    assert "no '<!-- results:start -->'" in failure
    assert snapshot(tmp_path) == before


def test_report_on_predictions_without_gold_spans_is_one_line(tmp_path, capsys):
    from test_report import write_systems

    write_systems(tmp_path)
    doc = Doc(spacy.blank("en").vocab, words=["Ann", "met", "Bob"])
    DocBin(docs=[doc]).to_disk(tmp_path / "a" / "test_predictions.spacy")
    DocBin(docs=[doc]).to_disk(tmp_path / "b" / "test_predictions.spacy")
    failure = one_line_failure(
        capsys,
        report.main,
        tmp_path / "a",
        tmp_path / "b",
        tmp_path / "report.md",
        error_samples=1,
        readme_path=None,
    )
    assert failure.startswith(
        "✘ A's predictions lack the gold entities (doc.spans['gold']) at sentence 1"
    )
    assert not (tmp_path / "report.md").exists()


def test_package_meta_refuses_to_write_over_its_scores(tmp_path, capsys):
    for name in ("s.json", "q.json"):
        srsly.write_json(tmp_path / name, {})
    before = snapshot(tmp_path)
    failure = one_line_failure(
        capsys,
        package_meta.main,
        tmp_path / "s.json",
        tmp_path / "q.json",
        tmp_path / "q.json",
        tagset=Tagset.five,
        name="b",
        pipeline="cnn",
    )
    assert f"{tmp_path / 'q.json'}: is the input {tmp_path / 'q.json'}" in failure
    assert snapshot(tmp_path) == before


def test_convert_writes_neither_output_when_one_cannot_be_written(
    tmp_path, capsys, monkeypatch
):
    source = tmp_path / "in.jsonl"
    source.write_text(f"{GOOD}\n")
    to_disk = DocBin.to_disk

    def second_fails(self, path):
        if ".b.spacy." in str(path):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS))
        to_disk(self, path)

    monkeypatch.setattr(DocBin, "to_disk", second_fails)
    failure = one_line_failure(
        capsys,
        convert.main,
        source,
        tmp_path / "a.spacy",
        tmp_path / "b.spacy",
        lang=None,
    )
    assert (
        failure == f"✘ {tmp_path / 'b.spacy'}: cannot write it (Read-only file system)"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl"]


def test_convert_output_in_a_read_only_folder_even_as_root(tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text(f"{GOOD}\n")
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    result = run(
        without_dac_override(
            script_command(
                "convert.py", source, locked / "a.spacy", tmp_path / "b.spacy"
            )
        )
    )
    assert (result.returncode, result.stderr.strip()) == (
        1,
        f"✘ {locked}: cannot write in this folder",
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "locked"]


@pytest.mark.parametrize("lang_field,shown", [('"EN"', "'EN' 2"), ("null", "None 2")])
def test_convert_corpus_fails_on_a_split_with_no_sentence_of_its_language(
    tmp_path, capsys, lang_field, shown
):
    assets, corpus = tmp_path / "assets", tmp_path / "corpus"
    assets.mkdir()
    for split in ("train", "val", "test"):
        (assets / f"{split}_en.jsonl").write_text(f"{GOOD}\n")
    line = GOOD.replace('"en"', lang_field)
    (assets / "val_en.jsonl").write_text(f"{line}\n{line}\n")
    failure = one_line_failure(
        capsys, convert_corpus.main, assets, corpus, lang="en", dev_sample=10, seed=0
    )
    assert failure == (
        f"✘ {assets / 'val_en.jsonl'}: no sentences of language 'en'; 2 lines of another "
        f"language skipped ({shown}); wrote nothing"
    )
    assert not any(p.name == "en.spacy" and "dev" in str(p) for p in corpus.rglob("*"))


def test_convert_counts_the_lines_of_other_languages_it_skips(tmp_path, capsys):
    source = tmp_path / "in.jsonl"
    source.write_text(f"{GOOD}\n{GOOD.replace('en', 'de')}\n")
    convert.main(source, tmp_path / "a.spacy", tmp_path / "b.spacy", lang="en")
    assert "1 sentences; 1 lines of another language skipped ('de' 1)" in " ".join(
        capsys.readouterr().out.split()
    )


# Paths drawn from one small tree: gold, model, output and predictions, any of them where another is.
TREE = [
    "",
    "data",
    "data/gold",
    "data/gold/en.spacy",
    "data/gold/zz.spacy",
    "data/model",
    "data/model/meta.json",
    "data/model/config.cfg",
    "link",
    "link/en.spacy",
    "out",
    "out/s.json",
    "new/s.json",
]


def overlap(a: str, b: str) -> bool:
    """The oracle: whether two paths are one, or one holds the other, once symlinks are resolved."""
    a, b = os.path.realpath(a), os.path.realpath(b)
    return os.path.commonpath([a, b]) in (a, b)


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    gold_at=st.sampled_from(TREE),
    model_at=st.sampled_from(TREE),
    output_at=st.sampled_from(TREE),
    predictions_at=st.one_of(st.none(), st.sampled_from(TREE)),
)
def test_score_never_writes_onto_into_or_over_an_input(
    tmp_path_factory, gold_at, model_at, output_at, predictions_at
):
    root = tmp_path_factory.mktemp("tree")
    (root / "data").mkdir()
    spacy.blank("en").to_disk(root / "data" / "model")
    (root / "data" / "gold").mkdir()
    doc = Doc(spacy.blank("en").vocab, words=["Rome"])
    DocBin(docs=[doc]).to_disk(root / "data" / "gold" / "en.spacy")
    (root / "link").symlink_to(root / "data" / "gold")
    (root / "out").mkdir()
    before = snapshot(root)
    gold, model, output = root / gold_at, root / model_at, root / output_at
    predictions = None if predictions_at is None else root / predictions_at
    outputs = [path for path in (output, predictions) if path is not None]
    clash = any(overlap(o, i) for o in outputs for i in (gold, model)) or (
        predictions is not None and overlap(output, predictions)
    )
    code = exit_code(
        score.main,
        model,
        gold,
        output,
        five_types_gold_path=None,
        predictions_path=predictions,
        gpu_id=-1,
    )
    if clash:
        assert code == 1 and snapshot(root) == before
    after = snapshot(root)
    assert all(
        after.get(path) == content
        for path, content in before.items()
        if path not in outputs
    )
