"""Convert a MultiNERD JSONL file (the hub's format) to spaCy DocBins for both systems, one Doc per sentence.

    python scripts/convert.py INPUT OUTPUT_A OUTPUT_B [--lang en]

Reads INPUT once; writes system A's DocBin (all 15 types) to OUTPUT_A and system B's (five types) to OUTPUT_B.
"""
import json
from collections import Counter
from enum import Enum
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple

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


def convert(input_path: Path, outputs: Dict[str, Path], lang: Optional[str]) -> Tuple[int, Dict[str, Counter]]:
    """Write input_path's sentences to a DocBin per tagset ({tagset: path}); return (sentences, entities per type).

    Each DocBin goes to a temporary file first, so a failed or interrupted run leaves no output.
    """
    vocab = Vocab()
    doc_bins = {tagset: DocBin(attrs=["ENT_IOB", "ENT_TYPE"]) for tagset in outputs}
    counts: Dict[str, Counter] = {tagset: Counter() for tagset in outputs}
    sentences = 0
    spaced = lang not in UNSPACED_LANGS
    for tokens, tags in read_sentences(input_path, lang):
        spans = iob_spans(tags)
        for tagset, doc_bin in doc_bins.items():
            doc = Doc(vocab, words=tokens, spaces=[spaced] * (len(tokens) - 1) + [False])
            kept = keep_types(spans, tagset)
            # Every token outside the kept spans is O: sentences without entities teach precision.
            doc.set_ents([Span(doc, start, end, label) for start, end, label in kept], default="outside")
            counts[tagset].update(label for _, _, label in kept)
            doc_bin.add(doc)
        sentences += 1
    for tagset, output_path in outputs.items():
        output_path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(output_path, doc_bins[tagset].to_disk)
    return sentences, counts


def main(
    input_path: Path = typer.Argument(..., help="Hub-format JSONL file (tokens, ner_tags, lang)"),
    output_a: Path = typer.Argument(..., help="DocBin file to write for system A: all 15 types (.spacy)"),
    output_b: Path = typer.Argument(..., help="DocBin file to write for system B: PER ORG LOC DIS ANIM (.spacy)"),
    lang: Optional[str] = typer.Option(None, "--lang", help="Keep only lines of this language"),
):
    """Convert MultiNERD JSONL to spaCy DocBins for system A (15 types) and B (five types), in one pass."""
    if not input_path.is_file():
        fail(f"{input_path}: no such file")
    outputs = {Tagset.full.value: output_a, Tagset.five.value: output_b}
    try:
        sentences, counts = convert(input_path, outputs, lang)
    except InputError as err:
        fail(str(err))
    for tagset, output_path in outputs.items():
        msg.good(f"Wrote {output_path}: {sentences} sentences, {sum(counts[tagset].values())} entities ({tagset})")
    rows = [[label, counts["full"][label], counts["five"][label] if label in TAGSETS["five"] else "–"]
            for label in TAGSETS["full"]]  # fmt: skip
    msg.table(rows, header=["", "A", "B"], aligns=["l", "r", "r"])


if __name__ == "__main__":
    typer.run(main)
