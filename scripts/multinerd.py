"""The MultiNERD label scheme: tag ids, entity types, the two systems' tagsets (and Tagset, their names as a
CLI choice), IOB decoding.

Every other script takes its tags from here; nothing else hard-codes them.
"""

from enum import Enum
from typing import Dict, Iterable, List, Sequence, Tuple

HUB_DATASET = "Babelscape/multinerd"
LICENSE = "CC BY-NC-SA 4.0"
LANGS = ("de", "en", "es", "fr", "it", "nl", "pl", "pt", "ru", "zh")
# spaCy's code for multi-language pipelines: here, all of LANGS in one pipeline.
MULTI_LANG = "xx"
# Languages written without spaces between tokens: their Docs get no trailing whitespace.
UNSPACED_LANGS = ("zh",)
# Split names in the hub's JSONL release, and the matching names in the original TSV release.
SPLITS = {"train": "train", "val": "dev", "test": "test"}

ENTITY_TYPES = tuple(
    "PER ORG LOC ANIM BIO CEL DIS EVE FOOD INST MEDIA MYTH PLANT TIME VEHI".split()
)
# Tag id i is TAGS[i]: O, then B-/I- for each type in the order above (the hub's ner_tags).
TAGS = ("O",) + tuple(f"{prefix}-{label}" for label in ENTITY_TYPES for prefix in "BI")
TAG_IDS: Dict[str, int] = {tag: i for i, tag in enumerate(TAGS)}

# System A keeps all 15 types; system B keeps five and turns every other entity into O.
TAGSETS: Dict[str, Tuple[str, ...]] = {
    "full": ENTITY_TYPES,
    "five": ("PER", "ORG", "LOC", "DIS", "ANIM"),
}
# The two systems by name, each with its tagset: A all 15 types, B the five.
SYSTEMS: Dict[str, str] = {"a": "full", "b": "five"}


class Tagset(str, Enum):
    """The names of TAGSETS, as the scripts' --tagset option takes them."""

    full = "full"
    five = "five"


Span = Tuple[int, int, str]


def expand_lang(lang: str) -> Tuple[str, ...]:
    """The MultiNERD languages that a lang var means: MULTI_LANG all of them, else the language itself."""
    if lang == MULTI_LANG:
        return LANGS
    if lang not in LANGS:
        raise ValueError(
            f"Unknown language '{lang}': MultiNERD has {', '.join(LANGS)} ({MULTI_LANG}: all of them)"
        )
    return (lang,)


def hub_filename(split: str, lang: str) -> str:
    """Name of a split's JSONL file, as on the hub (under SPLIT/) and in assets/."""
    return f"{split}_{lang}.jsonl"


def tsv_filename(split: str, lang: str) -> str:
    """Name of a split's file in the original TSV release."""
    return f"{SPLITS[split]}_{lang}.tsv"


def iob_spans(tags: Sequence[str]) -> List[Span]:
    """Entity spans (start, end, type) in IOB tags, decoded as seqeval's default mode does.

    B-X starts an entity; I-X continues one only after B-X or I-X of the same type,
    and otherwise starts a new one; O ends the current entity.
    """
    spans: List[Span] = []
    start, label = None, None
    for i, tag in enumerate(tags):
        prefix, _, tag_label = tag.partition("-")
        continues = prefix == "I" and label == tag_label
        if start is not None and not continues:
            spans.append((start, i, label))
            start, label = None, None
        if prefix in ("B", "I") and not continues:
            start, label = i, tag_label
    if start is not None:
        spans.append((start, len(tags), label))
    return spans


def keep_types(spans: Iterable[Span], tagset: str) -> List[Span]:
    """The spans whose type is in the tagset ('full' or 'five')."""
    kept = TAGSETS[tagset]
    return [span for span in spans if span[2] in kept]
