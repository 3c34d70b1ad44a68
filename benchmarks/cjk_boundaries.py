"""How often a Chinese entity boundary falls inside one subword piece, for each multilingual encoder family.

    python benchmarks/cjk_boundaries.py [--sentences 2000] [--output benchmarks/RESULTS.md]

MultiNERD's Chinese tokens are single characters, and so are spaCy's here (the configs'
multinerd.cjk_characters.v1). An encoder's tokenizer reads the raw text, though: a SentencePiece model
(XLM-R) may join several characters into one piece, and a gold entity that starts or ends inside such a
piece can only be tagged by labelling part of a piece. For each family, this counts the gold entity
boundaries (starts and ends, in characters) of generated Chinese test sentences (scripts/synthetic.py) that
fall strictly inside one piece of the encoder's tokenizer, trained on the same generated text as for tests.
"""

import sys
import tempfile
from pathlib import Path
from typing import Dict

import typer
from transformers import AutoTokenizer

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "scripts"), str(ROOT / "benchmarks")]

from multinerd import TAGS, iob_spans  # noqa: E402
from results import write_section  # noqa: E402
from synthetic import Family, sentences, write_model  # noqa: E402

FAMILIES = (Family.mbert, Family.xlmr)


def boundaries_inside_pieces(model_dir: Path, n_sentences: int) -> Dict[str, int]:
    """Entity boundaries in n_sentences Chinese test sentences, and those strictly inside one piece."""
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    inside = total = 0
    for record in sentences(n_sentences, "zh", seed=1, split="test"):
        tokens = record["tokens"]
        starts = [sum(len(t) for t in tokens[:i]) for i in range(len(tokens) + 1)]
        text = "".join(tokens)
        pieces = tokenizer(text, return_offsets_mapping=True, add_special_tokens=False)[
            "offset_mapping"
        ]
        for start, end, _ in iob_spans([TAGS[tag] for tag in record["ner_tags"]]):
            for boundary in (starts[start], starts[end]):
                total += 1
                inside += any(a < boundary < b for a, b in pieces)
    return {"boundaries": total, "inside": inside}


def main(
    n_sentences: int = typer.Option(
        2000, "--sentences", help="Generated Chinese test sentences"
    ),
    output: Path = typer.Option(
        ROOT / "benchmarks" / "RESULTS.md", help="Markdown file to put the report into"
    ),
):
    """Count the Chinese entity boundaries inside one piece, per multilingual encoder family."""
    rows = []
    with tempfile.TemporaryDirectory() as work:
        for family in FAMILIES:
            write_model(Path(work) / family.value, family)
            counts = boundaries_inside_pieces(Path(work) / family.value, n_sentences)
            share = counts["inside"] / counts["boundaries"]
            rows.append(
                f"| {family.value} | {counts['boundaries']:,} | {counts['inside']:,} | {share:.1%} |"
            )
    report = "\n".join(
        [
            "### cjk_boundaries.py: Chinese entity boundaries inside one piece",
            "",
            f"`python benchmarks/cjk_boundaries.py --sentences {n_sentences}`: generated Chinese test sentences "
            "(scripts/synthetic.py), each family's tiny tokenizer trained on the generated text of all ten languages.",
            "",
            "| encoder family | entity boundaries | inside one piece | share |",
            "| --- | ---: | ---: | ---: |",
            *rows,
        ]
    )
    print(report)
    write_section(output, "cjk-boundaries", report)


if __name__ == "__main__":
    typer.run(main)
