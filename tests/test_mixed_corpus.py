"""multinerd.MixedCorpus.v1 (scripts/callbacks.py), the streamed train corpus: every doc once an epoch,
the languages mixed all through it, a new order each epoch."""

import random

import spacy
from spacy.tokens import Doc, DocBin
from spacy.util import registry

import callbacks  # noqa: F401  (registers the reader)

SIZES = {"de": 30, "zh": 10}


def write_shards(folder):
    """A DocBin a language; doc i of language L is the one word Li."""
    vocab = spacy.blank("xx").vocab
    for lang, n in SIZES.items():
        DocBin(
            docs=[Doc(vocab, words=[f"{lang}{i}"], spaces=[False]) for i in range(n)]
        ).to_disk(folder / f"{lang}.spacy")
    return [f"{lang}{i}" for lang, n in SIZES.items() for i in range(n)]


def epoch(path, buffer):
    reader = registry.readers.get("multinerd.MixedCorpus.v1")(path, buffer=buffer)
    return [example.reference.text for example in reader(spacy.blank("xx"))]


def test_every_doc_once_an_epoch_in_a_new_order_each_epoch(tmp_path):
    docs = write_shards(tmp_path)
    random.seed(0)
    first, second = epoch(tmp_path, 8), epoch(tmp_path, 8)
    assert sorted(first) == sorted(docs) == sorted(second)
    assert first != second
    assert [text for text in first if text.startswith("de")] != [
        f"de{i}" for i in range(30)
    ]  # shuffled within a language


def test_without_a_buffer_each_language_streams_in_its_order_mixed_with_the_others(
    tmp_path,
):
    write_shards(tmp_path)
    random.seed(0)
    order = epoch(tmp_path, 1)
    assert [text for text in order if text.startswith("de")] == [
        f"de{i}" for i in range(30)
    ]
    assert [text for text in order if text.startswith("zh")] == [
        f"zh{i}" for i in range(10)
    ]
    assert any(text.startswith("zh") for text in order[:20]) and any(
        text.startswith("zh") for text in order[20:]
    )


def test_a_single_docbin_file(tmp_path):
    write_shards(tmp_path)
    assert sorted(epoch(tmp_path / "zh.spacy", 4)) == sorted(
        f"zh{i}" for i in range(10)
    )
