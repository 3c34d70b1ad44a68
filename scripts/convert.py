"""Convert a MultiNERD JSONL file (the hub's format) to spaCy DocBins for systems A and B, one Doc per sentence.

    python scripts/convert.py INPUT OUTPUT_A OUTPUT_B [--lang en]

Reads INPUT once and writes system A's DocBin (all 15 types) to OUTPUT_A and system B's (five
types, the others O) to OUTPUT_B: both appear at the end, or neither does. Each Doc's text is its tokens
spaced as raw text would be (scripts/detokenize.py: "Paris, France.", Chinese without spaces). An empty sentence (no tokens) is
no Doc, and with --lang, a line of another language is none either: both are skipped and counted.
"""

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple

import typer
from spacy.tokens import Doc, DocBin, Span
from spacy.vocab import Vocab
from tqdm import tqdm
from wasabi import msg

from detokenize import spaces
from multinerd import TAGS, TAGSETS, iob_spans, keep_types
from safe_io import InputError, Outputs, fail, one_line, reports_errors


def _field(record: dict, name: str, where: str) -> list:
    if name not in record:
        raise InputError(f"{where}: missing field '{name}'")
    value = record[name]
    if not isinstance(value, list):
        raise InputError(
            f"{where}: '{name}' must be a list, got {type(value).__name__}"
        )
    return value


def _check_tokens(tokens: list, where: str) -> None:
    for i, token in enumerate(tokens, start=1):
        if not isinstance(token, str) or not token:
            raise InputError(f"{where}: token {i} is not a non-empty string")
        try:
            token.encode("utf8")
        except UnicodeEncodeError:
            raise InputError(
                f"{where}: token {i} is not valid Unicode (a lone surrogate)"
            ) from None


def read_sentences(
    path: Path, lang: Optional[str], other_langs: Optional[Counter] = None
) -> Iterator[Tuple[List[str], List[str], Optional[str]]]:
    """Yield (tokens, IOB tags, language) per line of a hub-format JSONL file, streaming; InputError at a bad
    line. The language is the line's 'lang', else `lang`.

    Lines whose 'lang' differs from `lang` are skipped, and counted by their 'lang' in other_langs if
    given; a line without 'lang' is kept. An empty sentence yields ([], [], language).
    """
    with (
        path.open("rb") as file,
        tqdm(
            total=path.stat().st_size,
            unit="B",
            unit_scale=True,
            desc=path.name,
            disable=None,
        ) as progress,
    ):
        for line_no, raw in enumerate(file, start=1):
            progress.update(len(raw))
            if not raw.strip():
                continue
            where = f"{path}:{line_no}"
            try:
                record = json.loads(raw)
            # bad JSON or UTF-8, too deep, a number too long
            except (ValueError, RecursionError) as err:
                raise InputError(f"{where}: malformed JSON ({one_line(err)})") from None
            if not isinstance(record, dict):
                raise InputError(
                    f"{where}: expected a JSON object, got {type(record).__name__}"
                )
            if lang is not None and record.get("lang", lang) != lang:
                if other_langs is not None:
                    other_langs[repr(record["lang"])[:20]] += 1
                continue
            tokens = _field(record, "tokens", where)
            tag_ids = _field(record, "ner_tags", where)
            if len(tokens) != len(tag_ids):
                raise InputError(
                    f"{where}: {len(tokens)} tokens but {len(tag_ids)} ner_tags"
                )
            _check_tokens(tokens, where)
            for tag_id in tag_ids:
                if type(tag_id) is not int or not 0 <= tag_id < len(TAGS):
                    raise InputError(
                        f"{where}: unknown tag id {tag_id!r:.40} (valid: 0-{len(TAGS) - 1})"
                    )
            line_lang = record.get("lang", lang)
            yield (
                tokens,
                [TAGS[tag_id] for tag_id in tag_ids],
                line_lang if isinstance(line_lang, str) else None,
            )


@dataclass
class Converted:
    """What convert() read and wrote."""

    sentences: int = 0  # written, as one Doc each
    empty: int = 0  # skipped: no tokens
    # skipped: lines per other 'lang' value (its repr)
    other_langs: Counter = field(default_factory=Counter)
    # per tagset, entities per type
    entities: Dict[str, Counter] = field(default_factory=dict)


def convert(
    *, input_path: Path, outputs: Dict[str, Path], lang: Optional[str]
) -> Converted:
    """Write input_path's sentences as one DocBin per tagset in outputs ({tagset: path}), reading it once.

    The DocBins
    appear together at the end, or none does; InputError on bad input, on input without a sentence of
    lang, or on outputs that overlap the input or each other.
    """
    with Outputs(files=outputs.values(), inputs=[input_path]) as written:
        vocab = Vocab()
        doc_bins = {tagset: DocBin(attrs=["ENT_IOB", "ENT_TYPE"]) for tagset in outputs}
        result = Converted(entities={tagset: Counter() for tagset in outputs})
        for tokens, tags, line_lang in read_sentences(
            input_path, lang, result.other_langs
        ):
            if not tokens:
                result.empty += 1
                continue
            spans = iob_spans(tags)
            for tagset, doc_bin in doc_bins.items():
                # Spaced as raw text is ("Paris, France."), the text users will tag (benchmarks/spacing.py).
                doc = Doc(vocab, words=tokens, spaces=spaces(tokens, line_lang))
                kept = keep_types(spans, tagset)
                # Every token outside the kept spans is O: sentences without entities teach precision.
                doc.set_ents(
                    [Span(doc, start, end, label) for start, end, label in kept],
                    default="outside",
                )
                result.entities[tagset].update(label for _, _, label in kept)
                doc_bin.add(doc)
            result.sentences += 1
        if not result.sentences:
            of_lang = f" of language {lang!r}" if lang is not None else ""
            raise InputError(
                f"{input_path}: no sentences{of_lang}{skipped_note(result)}; wrote nothing"
            )
        for tagset, path in outputs.items():
            written.write(path, doc_bins[tagset].to_disk)
        written.commit()
    return result


def skipped_note(result: Converted) -> str:
    """'; N empty sentences skipped; N lines of another language skipped ('EN' 3, None 1)', or ''."""
    note = f"; {result.empty:,} empty sentences skipped" if result.empty else ""
    if result.other_langs:
        langs = ", ".join(
            f"{lang} {n:,}" for lang, n in result.other_langs.most_common(5)
        )
        note += f"; {sum(result.other_langs.values()):,} lines of another language skipped ({langs})"
    return note


@reports_errors
def main(
    input_path: Path = typer.Argument(
        ..., metavar="INPUT", help="Hub-format JSONL file (tokens, ner_tags, lang)"
    ),
    output_a: Path = typer.Argument(
        ..., metavar="OUTPUT_A", help="System A's DocBin (.spacy): all 15 types"
    ),
    output_b: Path = typer.Argument(
        ..., metavar="OUTPUT_B", help="System B's DocBin (.spacy): PER ORG LOC DIS ANIM"
    ),
    lang: Optional[str] = typer.Option(
        None, "--lang", help="Keep only lines of this language"
    ),
):
    """Convert MultiNERD JSONL to spaCy DocBins for system A (15 types) and B (five), in one pass."""
    if not input_path.is_file():
        fail(f"{input_path}: no such file")
    outputs = {"full": output_a, "five": output_b}
    result = convert(input_path=input_path, outputs=outputs, lang=lang)
    msg.good(
        f"Wrote {output_a} and {output_b}: {result.sentences} sentences{skipped_note(result)}"
    )
    for tagset, path in outputs.items():
        counts = result.entities[tagset]
        print(f"{path} ({tagset}): {sum(counts.values())} entities")
        for label in TAGSETS[tagset]:
            print(f"{label:<6}{counts[label]:>9}")


if __name__ == "__main__":
    typer.run(main)
