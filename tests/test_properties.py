"""Property tests: generated hostile lines and files fed to the readers of convert, fetch and annotate.

Each file is good lines with hostile ones among them, built so that which lines are bad is known
beforehand: the oracle is how the file was made, not the reader's code.
"""

import codecs
import io
import json
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotate_input import BLANK, DocumentReader
from convert import read_sentences
from fetch import read_tsv
from helpers import read_rows
from multinerd import TAGS
from safe_io import InputError

SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
TMP = Path(tempfile.mkdtemp(prefix="properties-"))

# A token: any text but tabs and line breaks, not all whitespace (str.strip's whitespace included).
token = st.text(
    st.characters(blacklist_characters="\t\n\r", blacklist_categories=["Cs"]),
    min_size=1,
    max_size=8,
).filter(str.strip)
tag = st.sampled_from(TAGS)
sentence = st.lists(st.tuples(token, tag), min_size=1, max_size=6)


def hub_line(pairs) -> bytes:
    return json.dumps(
        {"tokens": [t for t, _ in pairs], "ner_tags": [TAGS.index(g) for _, g in pairs]}
    ).encode()


# Lines convert must reject, each for a reason of its own.
bad_hub_line = st.one_of(
    st.just(b'{"tokens": ["a\\ud800"], "ner_tags": [0]}'),  # a lone surrogate
    st.just(
        b'{"tokens": ["a"], "ner_tags": [' + b"7" * 4400 + b"]}"
    ),  # an integer Python will not parse
    st.just(b"[" * 50_000 + b"]" * 50_000),  # too deep
    st.integers()
    .filter(lambda i: not 0 <= i < len(TAGS))
    .map(lambda i: b'{"tokens": ["a"], "ner_tags": [%d]}' % i),
    st.sampled_from(
        [
            b'{"tokens": [""], "ner_tags": [0]}',
            b'{"tokens": ["a", "b"], "ner_tags": [0]}',
            b'{"tokens": "a", "ner_tags": [0]}',
            b'{"ner_tags": []}',
            b'{"tokens": ["a"], "ner_tags": [0.0]}',
            b'{"tokens": [1], "ner_tags": [0]}',
            b"\xff\xfe{",
            b"nul\x00l",
        ]
    ),
    sentence.map(lambda pairs: hub_line(pairs)[:-1]),  # truncated
    st.one_of(st.integers(), st.text(), st.lists(st.integers())).map(
        lambda v: json.dumps(v).encode()
    ),  # no object
)
blank = st.sampled_from([b"", b"  ", b"\t"])


@SETTINGS
@given(
    st.lists(
        st.one_of(
            sentence.map(lambda s: ("good", s)),
            blank.map(lambda b: ("blank", b)),
            bad_hub_line.map(lambda b: ("bad", b)),
        ),
        max_size=12,
    )
)
def test_convert_reader_yields_the_good_sentences_or_stops_at_the_first_bad_line(lines):
    path = TMP / "hub.jsonl"
    path.write_bytes(
        b"".join((hub_line(v) if kind == "good" else v) + b"\n" for kind, v in lines)
    )
    first_bad = next(
        (n for n, (kind, _) in enumerate(lines, start=1) if kind == "bad"), None
    )
    try:
        read = list(read_sentences(path, lang=None))
    except InputError as err:
        assert first_bad is not None and str(err).startswith(f"{path}:{first_bad}: ")
    else:
        assert first_bad is None
        assert read == [
            ([t for t, _ in v], [g for _, g in v], None)
            for kind, v in lines
            if kind == "good"
        ]


def tsv_lines(pairs, index: bool):
    return [(f"{i}\t" if index else "") + f"{t}\t{g}" for i, (t, g) in enumerate(pairs)]


bad_tsv_line = st.one_of(
    st.just(b"0\t\xe9t\xe9\tO"),  # Latin-1, not UTF-8
    st.just(b"0\t\tO"),  # an empty token
    st.just(b"0\t \tB-PER"),  # a blank token
    st.text(st.characters(blacklist_characters="\t\n\r"), min_size=1, max_size=6)
    .filter(lambda t: t not in TAGS and t.strip())
    .map(
        lambda t: f"0\tword\t{t}".encode("utf8", "surrogatepass")
    ),  # not a MultiNERD tag
    st.just(b"only-one-column"),
    st.just(b"0\ta\tb\tO"),  # four columns
)


@SETTINGS
@given(st.lists(st.tuples(sentence, st.booleans()), min_size=1, max_size=5), st.data())
def test_fetch_tsv_reader_yields_the_sentences_or_names_the_first_bad_line(
    sentences, data
):
    lines = []
    for pairs, index in sentences:
        lines += [line.encode("utf8") for line in tsv_lines(pairs, index)] + [b""]
    bad = data.draw(
        st.one_of(st.none(), st.tuples(st.integers(0, len(lines) - 1), bad_tsv_line))
    )
    if bad is not None:
        lines.insert(bad[0], bad[1])
    path = TMP / "train_en.tsv"
    path.write_bytes(b"\n".join(lines) + b"\n")
    try:
        records = list(read_tsv(path, "en"))
    except InputError as err:
        assert bad is not None and str(err).startswith(f"{path}:{bad[0] + 1}: ")
    else:
        assert bad is None
        expected = [
            ([t for t, _ in pairs], [TAGS.index(g) for _, g in pairs])
            for pairs, _ in sentences
        ]
        assert [(r["tokens"], r["ner_tags"]) for r in records] == expected


json_value = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.text(max_size=3), children, max_size=3)
    ),
    max_leaves=6,
)
annotate_line = st.one_of(
    st.fixed_dictionaries({"text": st.text()}, optional={"id": json_value}).map(
        lambda r: json.dumps(r).encode()
    ),
    json_value.map(lambda v: json.dumps(v).encode()),
    st.sampled_from(
        [
            b'{"text": "a\\ud800b"}',
            b'{"id": "\\udc00", "text": "x"}',
            b'{"id": ' + b"1" * 5000 + b"}",
            b"[" * 50_000,
            b'{"text": "caf\xe9"}',
            b"{not json",
            b"",
            b"   ",
            b" \t\r",
            codecs.BOM_UTF8 + b'{"text": "x"}',
            codecs.BOM_UTF8,
        ]
    ),
    st.binary(max_size=20).filter(lambda b: b"\n" not in b),
)


def is_document_line(raw: bytes, number: int) -> bool:
    """A JSONL line is a document unless it is blank (a line that is not UTF-8 is a document, in error); a byte
    order mark that opens the file is no part of its first line."""
    if number == 1:
        raw = raw.removeprefix(codecs.BOM_UTF8)
    return bool(raw.decode("utf8", "replace").strip())


@SETTINGS
@given(st.lists(annotate_line, max_size=12), st.integers(1, 5))
def test_annotate_reader_gives_every_document_line_one_writable_row(
    lines, rows_per_block
):
    reader = DocumentReader(Path("/data"), "text", "id", rows_per_block)
    blocks = list(
        reader.blocks(
            pa.BufferReader(b"".join(line + b"\n" for line in lines)),
            "/data/sub/docs.jsonl",
        )
    )
    rows = [row for block in blocks for row in block.to_pylist()]
    assert all(block.num_rows <= rows_per_block for block in blocks)
    documents = [n for n, raw in enumerate(lines, start=1) if is_document_line(raw, n)]
    # A blank line gets a row with the error BLANK (counted, never written), in its place among the lines.
    blank = [not is_document_line(raw, n) for n, raw in enumerate(lines, start=1)]
    assert [row["error"] == BLANK for row in rows] == blank
    rows = [row for row in rows if row["error"] != BLANK]
    assert len(rows) == len(documents)
    for n, row in zip(documents, rows):
        if row["error"] is None:
            assert isinstance(row["text"], str) and row["text"].strip()
            # A byte order mark opening any other line makes that line malformed JSON, an error row.
            assert (
                row["text"]
                == json.loads(lines[n - 1].removeprefix(codecs.BOM_UTF8))["text"]
            )
        else:
            assert row["text"] is None
        # writable; "" is an id like any other string
        assert isinstance(row["id"].encode("utf8"), bytes)
    # Each row is written as JSON Lines, as annotate's JsonLines does: nothing in it fails to encode.
    for block in blocks:
        io.BytesIO().write(
            b"".join(
                json.dumps(r, ensure_ascii=False).encode("utf8")
                for r in block.to_pylist()
            )
        )


@settings(max_examples=25, deadline=None)
@given(st.data())
def test_annotate_reader_accounts_for_every_row_of_a_damaged_parquet_file(data):
    path = TMP / "docs.parquet"
    n = data.draw(st.integers(1, 12))
    pq.write_table(
        pa.table({"text": [f"Paris {i} " * 30 for i in range(n)]}),
        path,
        row_group_size=3,
    )
    metadata = pq.read_metadata(path)
    content = bytearray(path.read_bytes())
    # Damage the data pages (the footer, which says how many rows there are, stays readable).
    end = len(content) - 8 - metadata.serialized_size
    for offset in data.draw(st.lists(st.integers(4, end - 1), min_size=1, max_size=8)):
        content[offset] = data.draw(st.integers(0, 255))
    path.write_bytes(bytes(content))
    reader = DocumentReader(TMP, "text", "id", rows_per_block=4)
    rows = read_rows(reader, path)
    assert len(rows) == n
    assert [
        row["id"] for row in rows if row["error"] is not None and "lost" in row["error"]
    ] == [
        f"docs.parquet:{i}"
        for i, row in enumerate(rows)
        if row["error"] is not None and "lost" in row["error"]
    ]
