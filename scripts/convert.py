"""Convert a MultiNERD JSONL file (the hub's format) to a spaCy DocBin, one Doc per sentence.

    python scripts/convert.py INPUT OUTPUT --tagset {full,five} [--lang en]
"""
import json
from collections import Counter
from enum import Enum
from pathlib import Path
from typing import Iterator, List, Optional, Tuple

import typer
from spacy.tokens import Doc, DocBin, Span
from spacy.vocab import Vocab
from tqdm import tqdm
from wasabi import msg

from cli import InputError, fail, write_atomically
from multinerd import TAGS, TAGSETS, UNSPACED_LANGS, iob_spans, keep_types


class Tagset(str, Enum):
    full = "full"
    five = "five"


def _field(record: dict, name: str, where: str) -> list:
    if name not in record:
        raise InputError(f"{where}: missing field '{name}'")
    value = record[name]
    if not isinstance(value, list):
        raise InputError(f"{where}: '{name}' must be a list, got {type(value).__name__}")
    return value


def read_sentences(path: Path, lang: Optional[str]) -> Iterator[Tuple[List[str], List[str]]]:
    """Yield (tokens, IOB tags) per line of a hub-format JSONL file, streaming.

    Lines whose 'lang' differs from `lang` are skipped; a line without 'lang' is kept.
    """
    with path.open("rb") as file, tqdm(
        total=path.stat().st_size, unit="B", unit_scale=True, desc=path.name, disable=None
    ) as progress:
        for line_no, raw in enumerate(file, start=1):
            progress.update(len(raw))
            if not raw.strip():
                continue
            where = f"{path}:{line_no}"
            try:
                record = json.loads(raw)
            except (json.JSONDecodeError, UnicodeDecodeError) as err:
                raise InputError(f"{where}: malformed JSON ({err})") from None
            if not isinstance(record, dict):
                raise InputError(f"{where}: expected a JSON object, got {type(record).__name__}")
            if lang is not None and record.get("lang", lang) != lang:
                continue
            tokens = _field(record, "tokens", where)
            tag_ids = _field(record, "ner_tags", where)
            if len(tokens) != len(tag_ids):
                raise InputError(f"{where}: {len(tokens)} tokens but {len(tag_ids)} ner_tags")
            if not all(isinstance(token, str) and token for token in tokens):
                raise InputError(f"{where}: 'tokens' must be non-empty strings")
            for tag_id in tag_ids:
                if type(tag_id) is not int or not 0 <= tag_id < len(TAGS):
                    raise InputError(f"{where}: unknown tag id {tag_id!r} (valid: 0-{len(TAGS) - 1})")
            yield tokens, [TAGS[tag_id] for tag_id in tag_ids]


def convert(input_path: Path, output_path: Path, tagset: str, lang: Optional[str]) -> Tuple[int, Counter]:
    """Write input_path's sentences to output_path as a DocBin; return (sentences, entities per type).

    The DocBin goes to a temporary file first, so a failed or interrupted run leaves no output.
    """
    vocab = Vocab()
    doc_bin = DocBin(attrs=["ENT_IOB", "ENT_TYPE"])
    counts: Counter = Counter()
    sentences = 0
    spaced = lang not in UNSPACED_LANGS
    for tokens, tags in read_sentences(input_path, lang):
        doc = Doc(vocab, words=tokens, spaces=[spaced] * (len(tokens) - 1) + [False])
        spans = keep_types(iob_spans(tags), tagset)
        # Every token outside the kept spans is O: sentences without entities teach precision.
        doc.set_ents([Span(doc, start, end, label) for start, end, label in spans], default="outside")
        counts.update(label for _, _, label in spans)
        sentences += 1
        doc_bin.add(doc)
    output_path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(output_path, doc_bin.to_disk)
    return sentences, counts


def main(
    input_path: Path = typer.Argument(..., help="Hub-format JSONL file (tokens, ner_tags, lang)"),
    output_path: Path = typer.Argument(..., help="DocBin file to write (.spacy)"),
    tagset: Tagset = typer.Option(..., "--tagset", help="full: all 15 types (A); five: PER ORG LOC DIS ANIM (B)"),
    lang: Optional[str] = typer.Option(None, "--lang", help="Keep only lines of this language"),
):
    """Convert MultiNERD JSONL to a spaCy DocBin for system A (full) or B (five)."""
    if not input_path.is_file():
        fail(f"{input_path}: no such file")
    try:
        sentences, counts = convert(input_path, output_path, tagset.value, lang)
    except InputError as err:
        fail(str(err))
    msg.good(f"Wrote {output_path}: {sentences} sentences, {sum(counts.values())} entities ({tagset.value})")
    for label in TAGSETS[tagset.value]:
        print(f"{label:<6}{counts[label]:>9}")


if __name__ == "__main__":
    typer.run(main)
