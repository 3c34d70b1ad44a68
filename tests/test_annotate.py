"""scripts/annotate.py on the tiny pipeline: Ray Data on this machine, against a plain nlp.pipe loop."""
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import spacy

from helpers import run_script
from tiny import sentences

pytestmark = pytest.mark.slow

N_DOCS = 200
# Documents that cannot be annotated: (id, JSONL line, the error's start).
BAD = [
    ("missing", {"id": "missing", "body": "Paris ."}, "no text ('text' missing or null)"),
    ("null", {"id": "null", "text": None}, "no text ('text' missing or null)"),
    ("number", {"id": "number", "text": 42}, "text ('text') is int, not a string"),
    ("list", {"id": "list", "text": ["Paris"]}, "text ('text') is list, not a string"),
    ("empty", {"id": "empty", "text": ""}, "empty text"),
    ("blank", {"id": "blank", "text": " \n "}, "empty text"),
    # Longer than nlp.max_length: the pipeline raises, its batch is rerun a document at a time.
    ("too-long", {"id": "too-long", "text": "Paris " * 200_000}, "ValueError: [E088]"),
]


def texts(n, seed):
    return [" ".join(record["tokens"]) for record in sentences(n, "en", seed)]


def entities(doc):
    return [{"start_char": e.start_char, "end_char": e.end_char, "label": e.label_, "text": e.text} for e in doc.ents]


def read_output(folder):
    """The output's rows, from all its part files."""
    rows = []
    for part in sorted(folder.iterdir()):
        if part.suffix == ".parquet":
            rows += pq.read_table(part).to_pylist()
        else:
            rows += [json.loads(line) for line in part.read_text(encoding="utf8").splitlines()]
    return rows


def by_id(rows):
    ids = [row["id"] for row in rows]
    assert len(ids) == len(set(ids)), "duplicate rows"
    return {row["id"]: row for row in rows}


def summary(result):
    """(documents, annotated, error rows) from the command's last line."""
    words = result.stdout.strip().splitlines()[-1].replace(",", "").split()
    return int(words[0]), int(words[2]), int(words[4])


@pytest.fixture(scope="module")
def model_dir(project_run):
    (path,) = project_run[0].glob("training/**/b/model-best")
    return path


@pytest.fixture(scope="module")
def nlp(model_dir):
    return spacy.load(model_dir)


@pytest.fixture(scope="module")
def jsonl_run(tmp_path_factory, model_dir):
    """One run on a JSONL file of N_DOCS documents and the BAD ones, two workers, Parquet output."""
    tmp = tmp_path_factory.mktemp("jsonl")
    good = {f"doc-{i}": text for i, text in enumerate(texts(N_DOCS, seed=7))}
    lines = [json.dumps({"id": i, "text": text}) for i, text in good.items()]
    # Among the good lines: the BAD ones, a blank line (no document), and two malformed lines.
    lines[100:100] = [json.dumps(line) for _, line, _ in BAD] + ["", "{not json", "[1, 2]"]
    source = tmp / "docs.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf8")
    output = tmp / "out.parquet"
    result = run_script("annotate.py", model_dir, source, output, "--workers", 2, "--batch-size", 16, check=True)
    return good, output, result


def test_entities_equal_a_plain_nlp_pipe_loop(jsonl_run, nlp):
    good, output, _ = jsonl_run
    rows = by_id(read_output(output))
    expected = dict(zip(good, (entities(doc) for doc in nlp.pipe(good.values()))))
    assert sum(map(len, expected.values())) > 0
    for doc_id, ents in expected.items():
        assert rows[doc_id]["error"] is None
        assert rows[doc_id]["entities"] == ents, doc_id
    labels = {ent["label"] for ents in expected.values() for ent in ents}
    assert labels <= set(nlp.get_pipe("ner").labels)


def test_bad_documents_get_error_rows_and_every_document_one_row(jsonl_run):
    good, output, result = jsonl_run
    rows = by_id(read_output(output))
    line = 100 + len(BAD) + 2  # the first malformed line, after the BAD lines and the blank one
    malformed = {f"docs.jsonl:{line}": "malformed JSON", f"docs.jsonl:{line + 1}": "expected a JSON object, got list"}
    assert set(rows) == set(good) | {doc_id for doc_id, _, _ in BAD} | set(malformed)
    for doc_id, _, error in BAD:
        assert rows[doc_id]["error"].startswith(error) and rows[doc_id]["entities"] == []
    for doc_id, error in malformed.items():
        assert rows[doc_id]["error"].startswith(error) and rows[doc_id]["entities"] == []
    errors = len(BAD) + len(malformed)
    assert summary(result) == (len(rows), len(good), errors)
    assert [p.name for p in output.parent.iterdir() if p.name.startswith(".")] == []  # no temporary folder


def test_folder_of_each_format_with_file_line_ids_replaces_earlier_output(tmp_path, model_dir, nlp):
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    txt, parquet, jsonl = texts(5, seed=1), texts(4, seed=2), texts(3, seed=3)
    (folder / "a.txt").write_text("\n".join(txt[:2] + [""] + txt[2:]) + "\n", encoding="utf8")
    pq.write_table(pa.table({"body": parquet, "n": list(range(4))}), folder / "sub" / "b.parquet")
    (folder / "c.jsonl").write_text("".join(json.dumps({"body": t}) + "\n" for t in jsonl), encoding="utf8")
    (folder / "notes.md").write_text("not an input\n")
    output = tmp_path / "out.jsonl"
    output.mkdir()
    (output / "earlier.jsonl").write_text('{"id": "stale"}\n')
    result = run_script("annotate.py", model_dir, folder, output, "--text-field", "body", "--workers", 1, check=True)
    rows = by_id(read_output(output))
    expected = {**{f"a.txt:{n}": t for n, t in zip((1, 2, 4, 5, 6), txt)},
                **{f"sub/b.parquet:{i}": t for i, t in enumerate(parquet)},
                **{f"c.jsonl:{n}": t for n, t in enumerate(jsonl, start=1)}}  # fmt: skip
    assert set(rows) == set(expected) | {"a.txt:3"}
    assert rows["a.txt:3"]["error"] == "empty text"
    for doc_id, doc in zip(expected, nlp.pipe(expected.values())):
        assert rows[doc_id]["entities"] == entities(doc) and rows[doc_id]["error"] is None
    assert summary(result) == (len(expected) + 1, len(expected), 1)
    assert all(part.suffix == ".jsonl" for part in output.iterdir())


def test_installed_package_by_name_on_a_parquet_file(tmp_path, installed_wheels, nlp):
    docs = texts(20, seed=4)
    source = tmp_path / "docs.parquet"
    pq.write_table(pa.table({"id": list(range(100, 120)), "text": docs}), source)
    output = tmp_path / "out.parquet"
    # From an empty folder, with only the installed wheels importable besides the venv.
    result = run_script("annotate.py", "en_multinerd_b", source, output, "--batch-size", 8,
                        cwd=tmp_path, env={"PYTHONPATH": str(installed_wheels)}, check=True)  # fmt: skip
    rows = by_id(read_output(output))
    assert [rows[str(i)]["entities"] for i in range(100, 120)] == [entities(doc) for doc in nlp.pipe(docs)]
    assert summary(result) == (20, 20, 0)


@pytest.mark.parametrize(
    "model,source,problem",
    [
        ("en_no_such_pipeline", "docs.jsonl", "en_no_such_pipeline: neither an installed pipeline package"),
        ("MODEL_DIR", "missing.jsonl", "missing.jsonl: no such file or folder"),
        ("MODEL_DIR", "docs.csv", "docs.csv: not a .jsonl, .txt, .parquet file"),
    ],
)
def test_bad_model_or_input_exits_with_one_line_and_no_output(tmp_path, model_dir, model, source, problem):
    for name in ("docs.jsonl", "docs.csv"):
        (tmp_path / name).write_text('{"text": "Paris ."}\n')
    model = model_dir if model == "MODEL_DIR" else model
    result = run_script("annotate.py", model, tmp_path / source, tmp_path / "out.parquet")
    assert result.returncode != 0
    (line,) = result.stderr.strip().splitlines()
    assert problem in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["docs.csv", "docs.jsonl"]


def test_existing_output_that_is_not_an_earlier_output_is_kept(tmp_path, model_dir):
    source = tmp_path / "docs.txt"
    source.write_text("Paris .\n")
    output = tmp_path / "out.parquet"
    output.mkdir()
    (output / "precious.txt").write_text("keep me")
    result = run_script("annotate.py", model_dir, source, output)
    assert result.returncode != 0 and "is not an earlier output" in result.stderr
    assert (output / "precious.txt").read_text() == "keep me"
