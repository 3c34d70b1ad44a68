"""The throughput benchmark's report: its tables of words/s and memory, ours against the baseline, and the
description of its corpus."""

from pathlib import Path
from typing import Dict, List, Optional, Sequence

from transformers import AutoTokenizer

from throughput_data import Sentence
from timing import Figures


def ratio(ours: Optional[float], baseline: Optional[float]) -> str:
    return "n/a" if ours is None or baseline is None else f"{ours / baseline:.2f}"


def speed(words_per_s: float) -> str:
    return f"{words_per_s:,.0f}"


def memory(gib: Optional[float]) -> str:
    return "n/a" if gib is None else f"{gib:.2f}"


def table(
    ours: Figures, baseline: Figures, ours_cpu: float, components: Dict[str, float]
) -> List[str]:
    rows = [
        ("training, words/s", speed, "training"),
        ("inference, words/s", speed, "inference"),
        ("peak GPU memory, training (GiB)", memory, "training_memory"),
        ("peak GPU memory, inference (GiB)", memory, "inference_memory"),
    ]
    lines = [
        "| | ours: spaCy (configs/trf.cfg) | baseline: Transformers | ours / baseline |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name, show, field in rows:
        a, b = getattr(ours, field), getattr(baseline, field)
        lines.append(f"| {name} | {show(a)} | {show(b)} | {ratio(a, b)} |")
        if field == "inference":
            lines += [
                f"| inference, {component} component alone, words/s | {speed(words_per_s)} | — | — |"
                for component, words_per_s in components.items()
            ]
    return lines + [f"| inference on the CPU, words/s | {speed(ours_cpu)} | — | — |"]


def variants_table(variants: Dict[str, Figures], baseline: Figures) -> List[str]:
    """A row per variant of our config: its words/s and memory, and its ratios to the baseline."""
    lines = [
        "| variant of configs/trf.cfg | training, words/s | words a step | inference, words/s "
        "| training: ours / baseline | inference: ours / baseline | peak GPU memory, training / inference (GiB) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, ours in variants.items():
        lines.append(
            f"| {name} | {speed(ours.training)} | {ours.step_words:,.0f} | {speed(ours.inference)} "
            f"| {ratio(ours.training, baseline.training)} | {ratio(ours.inference, baseline.inference)} "
            f"| {memory(ours.training_memory)} / {memory(ours.inference_memory)} |"
        )
    return lines


def describe_corpus(sentences: Sequence[Sentence], model_dir: Path) -> str:
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    lengths = [len(words) for words, _ in sentences]
    encodings = tokenizer([words for words, _ in sentences], is_split_into_words=True)[
        "input_ids"
    ]
    wordpieces = sum(len(ids) - 2 for ids in encodings)  # less [CLS] and [SEP]
    entity_words = sum(tag != "O" for _, tags in sentences for tag in tags)
    return (
        f"{len(sentences):,} synthetic sentences, {sum(lengths) / len(sentences):.1f} words on average "
        f"(longest {max(lengths)}), {entity_words / sum(lengths):.1%} of words in entities, "
        f"{wordpieces / sum(lengths):.2f} wordpieces a word"
    )
