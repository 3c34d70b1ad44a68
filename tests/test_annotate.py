"""scripts/annotate.py on the tiny pipeline: Ray Data on this machine, against a plain nlp.pipe loop."""

import json
import shutil

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import spacy

from helpers import corrupt_row_group, earlier_output, run_script, snapshot
from synthetic import sentences

pytestmark = pytest.mark.slow

N_DOCS = 200
# Documents that cannot be annotated: (id, JSONL line, the error's start).
BAD = [
    (
        "missing",
        {"id": "missing", "body": "Paris ."},
        "no text ('text' missing or null)",
    ),
    ("null", {"id": "null", "text": None}, "no text ('text' missing or null)"),
    ("number", {"id": "number", "text": 42}, "text ('text') is int, not a string"),
    ("list", {"id": "list", "text": ["Paris"]}, "text ('text') is list, not a string"),
    ("empty", {"id": "empty", "text": ""}, "empty text"),
    ("blank", {"id": "blank", "text": " \n "}, "empty text"),
    # Longer than nlp.max_length: the pipeline raises, its batch is rerun a document at a time.
    ("too-long", {"id": "too-long", "text": "Paris " * 200_000}, "ValueError: [E088]"),
    # Python's json reads a lone surrogate, which no writer can write back.
    (
        "surrogate",
        {"id": "surrogate", "text": "Paris \ud800 ."},
        "text is not valid Unicode (a lone surrogate)",
    ),
]
# Lines that no JSON reader gives a document of, or whose id cannot be written: (line, the error's start).
HOSTILE = [
    ("", None),  # a blank line: no document
    ("{not json", "malformed JSON"),
    ("[1, 2]", "expected a JSON object, got list"),
    ("[" * 100_000 + "]" * 100_000, "malformed JSON (RecursionError"),
    (
        '{"id": ' + "1" * 5000 + ', "text": "Paris ."}',
        "malformed JSON (ValueError: Exceeds the limit",
    ),
    ('{"id": "a\\udc00", "text": "Paris ."}', "id is not valid Unicode"),
]
# Good documents with ids that are no strings: each is written as its JSON text.
JSON_IDS = {"1": 1, '{"a": 1}': {"a": 1}}


def texts(n, seed):
    return [" ".join(record["tokens"]) for record in sentences(n, "en", seed)]


def entities(doc, min_score=0.0):
    """The rows annotate writes for doc's entities; scores differ in their last float32 digits between batches."""
    return [
        {
            "start_char": e.start_char,
            "end_char": e.end_char,
            "label": e.label_,
            "text": e.text,
            "score": pytest.approx(e._.score, rel=1e-5),
        }
        for e in doc.ents
        if e._.score >= min_score
    ]


def read_output(folder):
    """The output's rows, from the part files its manifest names (and checked to be all the files there)."""
    manifest = json.loads((folder / "_annotate.json").read_text())
    assert sorted(manifest["parts"]) == sorted(
        p.name for p in folder.iterdir() if p.name != "_annotate.json"
    )
    rows = []
    for part in (folder / name for name in manifest["parts"]):
        if part.suffix == ".parquet":
            rows += pq.read_table(part).to_pylist()
        else:
            rows += [
                json.loads(line)
                for line in part.read_text(encoding="utf8").splitlines()
            ]
    assert (manifest["documents"], manifest["error_rows"]) == (
        len(rows),
        sum(r["error"] is not None for r in rows),
    )
    return rows


def by_id(rows):
    ids = [row["id"] for row in rows]
    assert len(ids) == len(set(ids)), "duplicate rows"
    return {row["id"]: row for row in rows}


def summary(result):
    """(documents, annotated, error rows, blank lines) from the command's last line."""
    words = (
        result.stdout.strip().splitlines()[-1].replace(",", "").replace(";", "").split()
    )
    return int(words[0]), int(words[2]), int(words[4]), int(words[7])


@pytest.fixture(scope="module")
def model_dir(project_run):
    (path,) = project_run[0].glob("training/**/b/model-best")
    return path


@pytest.fixture(scope="module")
def nlp(model_dir):
    return spacy.load(model_dir)


@pytest.fixture(scope="module")
def jsonl_run(tmp_path_factory, model_dir):
    """One run on a JSONL file of N_DOCS documents, the BAD and the HOSTILE ones, two workers, Parquet output."""
    tmp = tmp_path_factory.mktemp("jsonl")
    good = {
        f"doc-{i}": text for i, text in enumerate(texts(N_DOCS + len(JSON_IDS), seed=7))
    }
    lines = [json.dumps({"id": i, "text": text}) for i, text in good.items()]
    for (written, value), line in zip(JSON_IDS.items(), range(N_DOCS, len(lines))):
        good[written] = good.pop(f"doc-{line}")
        lines[line] = json.dumps({"id": value, "text": good[written]})
    # Among the good lines: the BAD ones, then the HOSTILE ones.
    lines[100:100] = [json.dumps(line) for _, line, _ in BAD] + [
        line for line, _ in HOSTILE
    ]
    source = tmp / "docs.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf8")
    output = tmp / "out.parquet"
    result = run_script(
        "annotate.py",
        model_dir,
        source,
        output,
        "--workers",
        2,
        "--batch-size",
        16,
        check=True,
    )
    return good, output, result


def test_entities_equal_a_plain_nlp_pipe_loop(jsonl_run, nlp):
    good, output, _ = jsonl_run
    rows = by_id(read_output(output))
    expected = dict(zip(good, (entities(doc) for doc in nlp.pipe(good.values()))))
    assert sum(map(len, expected.values())) > 0
    assert all(0 < e["score"] <= 1 for row in rows.values() for e in row["entities"])
    for doc_id, ents in expected.items():
        assert rows[doc_id]["error"] is None
        assert rows[doc_id]["entities"] == ents, doc_id
        assert all(
            good[doc_id][e["start_char"] : e["end_char"]] == e["text"] for e in ents
        )
    assert set(JSON_IDS) <= set(rows)


def test_bad_documents_get_error_rows_and_every_document_one_row(jsonl_run):
    good, output, result = jsonl_run
    rows = by_id(read_output(output))
    first = 100 + len(BAD) + 1  # the first HOSTILE line's number
    malformed = {
        f"docs.jsonl:{n}": error
        for n, (_, error) in enumerate(HOSTILE, start=first)
        if error
    }
    assert set(rows) == set(good) | {doc_id for doc_id, _, _ in BAD} | set(malformed)
    for doc_id, _, error in BAD:
        assert (
            rows[doc_id]["error"].startswith(error) and rows[doc_id]["entities"] == []
        )
    for doc_id, error in malformed.items():
        assert (
            rows[doc_id]["error"].startswith(error) and rows[doc_id]["entities"] == []
        )
    errors = len(BAD) + len(malformed)
    # the blank HOSTILE line
    assert summary(result) == (
        len(rows),
        len(good),
        errors,
        1,
    )
    assert [
        p.name for p in output.parent.iterdir() if p.name.startswith(".")
    ] == []  # no temporary folder


def test_folder_of_each_format_with_file_line_ids_replaces_earlier_output(
    tmp_path, model_dir, nlp
):
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    txt, parquet, jsonl, damaged = (
        texts(5, seed=1),
        texts(4, seed=2),
        texts(3, seed=3),
        texts(6, seed=5),
    )
    (folder / "a.txt").write_text(
        "\n".join(txt[:2] + [""] + txt[2:]) + "\n", encoding="utf8"
    )
    pq.write_table(
        pa.table({"body": parquet, "n": list(range(4))}), folder / "sub" / "b.parquet"
    )
    (folder / "c.jsonl").write_text(
        "".join(json.dumps({"body": t}) + "\n" for t in jsonl), encoding="utf8"
    )
    # Rows 2-3 (the second row group) of d.parquet cannot be read.
    pq.write_table(
        pa.table({"body": [t * 20 for t in damaged]}),
        folder / "d.parquet",
        row_group_size=2,
    )
    corrupt_row_group(folder / "d.parquet", 1)
    (folder / "notes.md").write_text("not an input\n")
    (folder / ".c.jsonl.123-abcd.tmp").write_text('{"body": "a hidden leftover"}\n')
    output = tmp_path / "out.jsonl"
    # An earlier output of annotate's: it may be replaced.
    earlier_output(output)
    result = run_script(
        "annotate.py",
        model_dir,
        folder,
        output,
        "--text-field",
        "body",
        "--workers",
        1,
        check=True,
    )
    rows = by_id(read_output(output))
    expected = {
        **{f"a.txt:{n}": t for n, t in zip((1, 2, 4, 5, 6), txt)},
        **{f"sub/b.parquet:{i}": t for i, t in enumerate(parquet)},
        **{f"c.jsonl:{n}": t for n, t in enumerate(jsonl, start=1)},
        **{f"d.parquet:{i}": damaged[i] * 20 for i in (0, 1, 4, 5)},
    }
    lost = {"d.parquet:2", "d.parquet:3"}
    assert set(rows) == set(expected) | lost  # a.txt:3 is blank: no document
    for doc_id in lost:
        assert rows[doc_id]["error"].startswith(
            "d.parquet: row group 1 unreadable, rows 2-3 lost"
        )
    for doc_id, doc in zip(expected, nlp.pipe(expected.values())):
        assert (
            rows[doc_id]["entities"] == entities(doc) and rows[doc_id]["error"] is None
        )
    # The closing counts add up to the documents in the input: 5 + 4 + 3 + 6, and the blank line.
    assert summary(result) == (18, 18 - 2, 2, 1)


def test_installed_package_by_name_on_a_parquet_file(tmp_path, installed_wheels, nlp):
    docs = texts(20, seed=4)
    source = tmp_path / "docs.parquet"
    pq.write_table(pa.table({"id": list(range(100, 120)), "text": docs}), source)
    output = tmp_path / "out.parquet"
    # From an empty folder, with only the installed wheels importable besides the venv.
    result = run_script(
        "annotate.py",
        "en_multinerd_b",
        source,
        output,
        "--batch-size",
        8,
        cwd=tmp_path,
        env={"PYTHONPATH": str(installed_wheels)},
        check=True,
    )
    rows = by_id(read_output(output))
    assert [rows[str(i)]["entities"] for i in range(100, 120)] == [
        entities(doc) for doc in nlp.pipe(docs)
    ]
    assert summary(result) == (20, 20, 0, 0)


@pytest.mark.parametrize(
    "model,source,output,problem",
    [
        (
            "en_no_such_pipeline",
            "docs.jsonl",
            "out.parquet",
            "en_no_such_pipeline: neither an installed pipeline package",
        ),
        (
            "MODEL_DIR",
            "missing.jsonl",
            "out.parquet",
            "missing.jsonl: no such file or folder",
        ),
        (
            "MODEL_DIR",
            "docs.csv",
            "out.parquet",
            "docs.csv: not a .jsonl, .txt, .parquet file",
        ),
        ("MODEL_DIR", "docs.jsonl", "docs.jsonl", "docs.jsonl: is the input"),
        ("MODEL_DIR", ".", "out.parquet", "out.parquet: is inside the input"),
        ("BROKEN", "docs.jsonl", "out.parquet", "broken: cannot load this pipeline"),
    ],
)
def test_bad_model_input_or_output_exits_with_one_line_before_ray_starts(
    tmp_path, model_dir, model, source, output, problem
):
    for name in ("docs.jsonl", "docs.csv"):
        (tmp_path / name).write_text('{"text": "Paris ."}\n')
    broken = tmp_path.parent / f"{tmp_path.name}-broken"
    shutil.copytree(model_dir, broken)
    config = (broken / "config.cfg").read_text()
    (broken / "config.cfg").write_text(
        config.replace('factory = "ner"', 'factory = "no_such_factory"')
    )
    model = {"MODEL_DIR": model_dir, "BROKEN": broken}.get(model, model)
    before = snapshot(tmp_path)
    result = run_script("annotate.py", model, tmp_path / source, tmp_path / output)
    assert result.returncode != 0
    (line,) = result.stderr.strip().splitlines()  # nothing from Ray: it never started
    assert problem in line
    assert snapshot(tmp_path) == before


def test_existing_output_that_is_not_an_earlier_output_is_kept(tmp_path, model_dir):
    source = tmp_path / "docs.txt"
    source.write_text("Paris .\n")
    output = tmp_path / "out.parquet"
    output.mkdir()
    (output / "precious.txt").write_text("keep me")
    result = run_script("annotate.py", model_dir, source, output)
    assert (
        result.returncode != 0
        and "has no _annotate.json of annotate's" in result.stderr
    )
    assert (output / "precious.txt").read_text() == "keep me"


def test_min_score_leaves_out_the_entities_below_it(tmp_path, model_dir, nlp):
    docs = texts(40, seed=11)
    scores = sorted(e._.score for doc in nlp.pipe(docs) for e in doc.ents)
    threshold = scores[len(scores) // 2]  # about half the entities go
    source = tmp_path / "docs.txt"
    source.write_text("\n".join(docs) + "\n", encoding="utf8")
    output = tmp_path / "out.jsonl"
    run_script(
        "annotate.py",
        model_dir,
        source,
        output,
        "--min-score",
        threshold,
        "--workers",
        1,
        check=True,
    )
    rows = by_id(read_output(output))
    expected = [entities(doc, threshold) for doc in nlp.pipe(docs)]
    assert 0 < sum(map(len, expected)) < len(scores)
    assert [
        rows[f"docs.txt:{i}"]["entities"] for i in range(1, len(docs) + 1)
    ] == expected
