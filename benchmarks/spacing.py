"""Should the training text be spaced ("Paris , France .") or detokenized ("Paris, France.")? Test F of each.

    python benchmarks/spacing.py ENCODER_DIR [--steps 300] [--learn-rate 1e-3] [--sizes 1000,200,200]
        [--system b|a|both] [--name NAME] [--output benchmarks/RESULTS.md]

On learnable data (scripts/synthetic.py, English), converted by scripts/convert_corpus.py, the trf pipeline
is trained twice through the project's own steps (benchmarks/quality.py's train_ours): once on the tokens
joined by a space each, once on the same tokens spaced as raw text would space them (scripts/detokenize.py).
Each model-best then tags the test split both ways. The tokens and gold entities are the same in all four
cells, only the whitespace between tokens differs, so the F scores compare.
"""

import sys
import tempfile
from pathlib import Path
from typing import Dict

import srsly
import typer
from spacy.tokens import Doc, DocBin, Span
from spacy.vocab import Vocab
from transformers import AutoConfig

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "scripts"), str(ROOT / "benchmarks")]

from corpus import SUFFIX, read_docs  # noqa: E402
from detokenize import spaces  # noqa: E402
from hardware import cpu_name  # noqa: E402
from multinerd import SYSTEMS  # noqa: E402
from quality import Systems, checked_arguments, run, train_ours  # noqa: E402
from results import write_section  # noqa: E402
from synthetic import write_data  # noqa: E402

TEXTS = ("spaced", "detokenized")
LANG = "en"


def detokenized_copy(corpus: Path, copy: Path) -> None:
    """Copy corpus's DocBins to copy with the same tokens and entities, spaced as raw text would be."""
    vocab = Vocab()
    for path in corpus.rglob(f"*{SUFFIX}"):
        doc_bin = DocBin(attrs=["ENT_IOB", "ENT_TYPE"])
        for _, doc in read_docs(path, vocab):
            words = [token.text for token in doc]
            respaced = Doc(vocab, words=words, spaces=spaces(words, LANG))
            ents = [Span(respaced, ent.start, ent.end, ent.label_) for ent in doc.ents]
            respaced.set_ents(ents, default="outside")
            doc_bin.add(respaced)
        target = copy / path.relative_to(corpus)
        target.parent.mkdir(parents=True, exist_ok=True)
        doc_bin.to_disk(target)


def table(f: Dict[str, Dict[str, float]]) -> list:
    """Test F of each training text (rows) on each test text (columns)."""
    lines = [
        "| trained on \\ tested on | spaced | detokenized |",
        "| --- | ---: | ---: |",
    ]
    for train_text in TEXTS:
        lines.append(
            f"| {train_text} | "
            + " | ".join(f"{100 * f[train_text][t]:.2f}" for t in TEXTS)
            + " |"
        )
    return lines


def main(
    encoder: Path = typer.Argument(
        ...,
        help="Encoder folder (config, weights, tokenizer), e.g. synthetic.py model's",
    ),
    steps: int = typer.Option(
        300, "--steps", min=1, help="Optimizer steps of each training"
    ),
    learn_rate: float = typer.Option(
        1e-3, "--learn-rate", min=0, help="Peak learning rate"
    ),
    sizes: str = typer.Option(
        "1000,200,200", "--sizes", help="Sentences of train, dev and test"
    ),
    system: Systems = typer.Option(
        Systems.b, "--system", help="System A (15 types), B (five) or both"
    ),
    name: str = typer.Option(
        "",
        "--name",
        help="Name of this run in the output (default: ENCODER_DIR's folder name)",
    ),
    output: Path = typer.Option(
        ROOT / "benchmarks" / "RESULTS.md",
        "--output",
        help="Markdown file to write into",
    ),
):
    """Train on spaced and on detokenized text; score each on spaced and on detokenized test text."""
    name = name or encoder.resolve().name
    counts = checked_arguments(encoder, sizes, [output])
    systems = ["a", "b"] if system == Systems.both else [system.value]
    sections = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        write_data(tmp / "assets", LANG, counts)
        run("scripts/convert_corpus.py", tmp / "assets", tmp / "spaced", "--lang", LANG)
        detokenized_copy(tmp / "spaced", tmp / "detokenized")
        for key in systems:
            f: Dict[str, Dict[str, float]] = {}
            for train_text in TEXTS:
                print(
                    f"System {key.upper()}: training on {train_text} text",
                    file=sys.stderr,
                )
                out = tmp / "training" / key / train_text
                result = train_ours(
                    ROOT / "configs" / "trf.cfg",
                    tmp / train_text / key,
                    SYSTEMS[key],
                    out,
                    steps,
                    learn_rate,
                    encoder,
                )
                f[train_text] = {train_text: result.scores["f"]}
                (other,) = set(TEXTS) - {train_text}
                scores = out / f"scores_{other}.json"
                run(
                    "scripts/score.py",
                    out / "model-best",
                    tmp / other / key / "test",
                    scores,
                )
                f[train_text][other] = srsly.read_json(scores)["scores"]["f"]
            sections += ["", f"System {key.upper()}, test F (%):", "", *table(f)]
    model_type = AutoConfig.from_pretrained(encoder).model_type
    example = ["Paris", ",", "France", "."]
    lines = [
        f"## Training text: spaced or detokenized ({name} encoder, {model_type})",
        *sections,
        "",
        f"- Command: `python benchmarks/spacing.py ENCODER_DIR --steps {steps} --learn-rate {learn_rate:g} "
        f"--sizes {sizes} --system {system.value} --name {name}`",
        f"- Spaced: {' '.join(example)!r}; detokenized (scripts/detokenize.py): "
        f"{Doc(Vocab(), words=example, spaces=spaces(example, LANG)).text!r}. Same tokens, same gold entities.",
        f"- Data: scripts/synthetic.py, English, {sizes} sentences (train, dev, test); tiny random encoder, so "
        f"the F is about this data, not MultiNERD's. Device: {cpu_name()}",
    ]
    report = "\n".join(lines)
    print(report)
    write_section(output, f"spacing-{name}", report)


if __name__ == "__main__":
    typer.run(main)
