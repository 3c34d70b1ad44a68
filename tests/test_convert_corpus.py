"""The sharded corpus of convert_corpus.py: a DocBin per system, split and language, and the dev sample."""

import json
import re

from spacy.tokens import DocBin
from spacy.vocab import Vocab

from convert_corpus import sample_sizes
from helpers import run_script, snapshot
from multinerd import LANGS
from synthetic import write_data


def test_sample_sizes_are_proportional_with_largest_remainders():
    assert sample_sizes({"de": 100, "zh": 300}, 40) == {"de": 10, "zh": 30}
    # 3 x 2/3: one each for the first two of equal remainders, in language order.
    assert sample_sizes({"a": 5, "b": 5, "c": 5}, 2) == {"a": 1, "b": 1, "c": 0}
    assert sample_sizes({"de": 7, "en": 3}, 20) == {"de": 7, "en": 3}


def texts(path):
    return [doc.text for doc in DocBin().from_disk(path).get_docs(Vocab())]


def test_xx_writes_a_shard_per_language_and_a_stratified_dev_sample(tmp_path):
    write_data(tmp_path / "assets", "xx", sizes=(6, 4, 2))
    corpus = tmp_path / "corpus"
    result = run_script(
        "convert_corpus.py",
        tmp_path / "assets",
        corpus,
        "--lang",
        "xx",
        "--dev-sample",
        "15",
    )
    assert result.returncode == 0, result.stderr
    for system in "ab":
        for split, n in (("train", 6), ("dev", 4), ("test", 2)):
            assert sorted(p.name for p in (corpus / system / split).iterdir()) == [
                f"{lang}.spacy" for lang in LANGS
            ]
            assert all(
                len(texts(corpus / system / split / f"{lang}.spacy")) == n
                for lang in LANGS
            )
    # 15 of 40 dev sentences: 1.5 a language; the five extra go to the first languages of equal remainders.
    for lang in LANGS:
        sample = texts(corpus / "a" / "dev_sample" / f"{lang}.spacy")
        assert len(sample) == (2 if lang in ("de", "en", "es", "fr", "it") else 1)
        assert sample == texts(corpus / "b" / "dev_sample" / f"{lang}.spacy")
        dev = texts(corpus / "a" / "dev" / f"{lang}.spacy")
        assert sorted(sample, key=dev.index) == sample and set(sample) <= set(dev)
    # Raw text's spacing: Chinese characters without spaces between them; in German, none before the generated
    # data's , . ) nor after its (.
    zh = json.loads(
        (tmp_path / "assets" / "train_zh.jsonl")
        .read_text(encoding="utf8")
        .splitlines()[0]
    )
    de = json.loads(
        (tmp_path / "assets" / "train_de.jsonl")
        .read_text(encoding="utf8")
        .splitlines()[0]
    )
    assert texts(corpus / "a" / "train" / "zh.spacy")[0] == "".join(zh["tokens"])
    assert texts(corpus / "a" / "train" / "de.spacy")[0] == re.sub(
        r"\( ", "(", re.sub(r" ([,.)])", r"\1", " ".join(de["tokens"]))
    )


def test_shards_of_other_languages_are_refused_untouched(tmp_path):
    write_data(tmp_path / "assets", "de", sizes=(3, 2, 2))
    write_data(tmp_path / "assets", "en", sizes=(3, 2, 2))
    corpus = tmp_path / "corpus"
    assert (
        run_script(
            "convert_corpus.py", tmp_path / "assets", corpus, "--lang", "de"
        ).returncode
        == 0
    )
    before = snapshot(corpus)
    result = run_script(
        "convert_corpus.py", tmp_path / "assets", corpus, "--lang", "en"
    )
    assert result.returncode == 1
    assert (
        result.stderr.count("\n") == 1
        and "holds shards of other languages" in result.stderr
    )
    assert snapshot(corpus) == before
