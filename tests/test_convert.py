import json

import pytest
import spacy
from spacy.tokens import DocBin

from helpers import run_script
from multinerd import TAG_IDS


def record(*pairs, lang="en"):
    """A hub-format line from (token, tag) pairs."""
    line = {
        "tokens": [t for t, _ in pairs],
        "ner_tags": [TAG_IDS[tag] for _, tag in pairs],
    }
    if lang is not None:
        line["lang"] = lang
    return line


def write_lines(path, lines):
    path.write_text(
        "".join(
            (line if isinstance(line, str) else json.dumps(line)) + "\n"
            for line in lines
        )
    )
    return path


def read_docs(path):
    return list(DocBin().from_disk(path).get_docs(spacy.blank("en").vocab))


def convert(tmp_path, lines, tagset="full", lang="en"):
    """Convert lines; the Docs of system A (tagset full) or B (five), and the run's result."""
    source = write_lines(tmp_path / "in.jsonl", lines)
    outputs = {"full": tmp_path / "a.spacy", "five": tmp_path / "b.spacy"}
    result = run_script(
        "convert.py", source, *outputs.values(), *(["--lang", lang] if lang else [])
    )
    assert result.returncode == 0, result.stderr
    return read_docs(outputs[tagset]), result


def ents(doc):
    return [(e.text, e.label_) for e in doc.ents]


def test_iob_cases(tmp_path):
    docs, _ = convert(
        tmp_path,
        [
            record(
                ("Barack", "B-PER"), ("Obama", "I-PER"), ("in", "O"), ("Paris", "B-LOC")
            ),
            record(
                ("the", "O"), ("Red", "I-ORG"), ("Cross", "I-ORG")
            ),  # I after O starts an entity
            record(
                ("Anna", "B-PER"), ("Berlin", "I-LOC")
            ),  # I after another type starts one
            record(("Anna", "B-PER"), ("Bob", "B-PER")),  # B B: two entities
        ],
    )
    assert [ents(doc) for doc in docs] == [
        [("Barack Obama", "PER"), ("Paris", "LOC")],
        [("Red Cross", "ORG")],
        [("Anna", "PER"), ("Berlin", "LOC")],
        [("Anna", "PER"), ("Bob", "PER")],
    ]
    assert [t.text for t in docs[0]] == ["Barack", "Obama", "in", "Paris"]


def test_five_types_turn_the_others_into_o(tmp_path):
    line = record(
        ("Zeus", "B-MYTH"),
        ("saw", "O"),
        ("a", "O"),
        ("red", "B-ANIM"),
        ("fox", "I-ANIM"),
        ("and", "O"),
        ("Star", "B-MEDIA"),
        ("Wars", "I-MEDIA"),
        ("with", "O"),
        ("flu", "B-DIS"),
    )
    (full,), result = convert(tmp_path, [line], tagset="full")
    (five,) = read_docs(tmp_path / "b.spacy")  # the same run's system B
    assert ents(full) == [
        ("Zeus", "MYTH"),
        ("red fox", "ANIM"),
        ("Star Wars", "MEDIA"),
        ("flu", "DIS"),
    ]
    assert ents(five) == [("red fox", "ANIM"), ("flu", "DIS")]
    assert [t.ent_iob_ for t in five] == [
        "O",
        "O",
        "O",
        "B",
        "I",
        "O",
        "O",
        "O",
        "O",
        "B",
    ]
    counts = dict(line.split() for line in result.stdout.splitlines()[-5:])
    assert counts == {"PER": "0", "ORG": "0", "LOC": "0", "DIS": "1", "ANIM": "1"}


def test_sentences_without_entities_are_kept_as_o_in_order(tmp_path):
    docs, _ = convert(
        tmp_path, [record(("Nothing", "O"), ("here", "O")), record(("Rome", "B-LOC"))]
    )
    assert [doc.text for doc in docs] == ["Nothing here", "Rome"]
    assert [t.ent_iob_ for t in docs[0]] == [
        "O",
        "O",
    ]  # O, not missing: it teaches precision


def test_lang_filter_keeps_matching_lines_and_lines_without_lang(tmp_path):
    lines = [
        record(("Hund", "B-ANIM"), lang="de"),
        record(("dog", "B-ANIM")),
        record(("cat", "B-ANIM"), lang=None),
    ]
    docs, _ = convert(tmp_path, lines, lang="en")
    assert [doc.text for doc in docs] == ["dog", "cat"]
    docs, _ = convert(tmp_path, lines, lang=None)
    assert len(docs) == 3


GOOD = json.dumps(record(("Rome", "B-LOC")))


@pytest.mark.parametrize(
    "bad_line,problem",
    [
        ('{"tokens": ["a"], "ner_tags": [0]', "malformed JSON"),
        ('{"tokens": ["a", "b"], "ner_tags": [0]}', "2 tokens but 1 ner_tags"),
        ('{"tokens": ["a"], "ner_tags": [31]}', "unknown tag id 31"),
        ('{"tokens": ["a"], "ner_tags": [-1]}', "unknown tag id -1"),
        ('{"tokens": ["a"], "ner_tags": ["B-PER"]}', "unknown tag id 'B-PER'"),
        ('{"ner_tags": [0]}', "missing field 'tokens'"),
        ('{"tokens": ["a"]}', "missing field 'ner_tags'"),
        ('["a"]', "expected a JSON object"),
    ],
)
def test_bad_input_names_file_and_line_and_leaves_no_output(
    tmp_path, bad_line, problem
):
    source = write_lines(tmp_path / "in.jsonl", [GOOD, GOOD, bad_line, GOOD])
    result = run_script(
        "convert.py", source, tmp_path / "a.spacy", tmp_path / "b.spacy"
    )
    assert result.returncode != 0
    (line,) = result.stderr.strip().splitlines()  # one line, no traceback
    assert f"{source}:3: {problem}" in line
    assert list(tmp_path.iterdir()) == [source]  # no output, no temporary file


def test_missing_input_file(tmp_path):
    result = run_script(
        "convert.py",
        tmp_path / "nope.jsonl",
        tmp_path / "a.spacy",
        tmp_path / "b.spacy",
    )
    assert result.returncode != 0 and "no such file" in result.stderr
    assert list(tmp_path.iterdir()) == []
