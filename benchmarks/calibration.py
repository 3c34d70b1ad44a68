"""ent._.score measured: entity F, calibration and speed of each way of scoring, side by side on one test set.

    python benchmarks/calibration.py MODEL GOLD [--temperatures 1,1.5,2] [--name NAME] [--output benchmarks/RESULTS.md]

MODEL is a trained pipeline folder (training/cnn/b/model-best; entity_scores is added if it lacks it), GOLD its
test DocBin or folder. For each temperature the same pipeline tags GOLD's sentences (their own tokens), and
the table gives, beside the NER without scores (entity_scores disabled):
- F: entity-level micro F against GOLD (the entities themselves, whatever their scores);
- ECE: expected calibration error over every predicted entity, 10 equal-width bins of ent._.score: the
  mean over bins, weighted by their entities, of |share of exact-match entities − mean score|;
- words/s of nlp.pipe, and its ratio to the greedy NER's (best of three passes each, in one run).
"""

import sys
from pathlib import Path
from time import perf_counter
from typing import Dict, List, Tuple

import spacy
import typer
from spacy.tokens import Doc

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "scripts"), str(ROOT / "benchmarks")]

import entity_scores  # noqa: E402,F401
from confidence import ConfidenceCounter  # noqa: E402
from corpus import read_docs, unannotated  # noqa: E402
from hardware import cpu_name  # noqa: E402
from results import write_section  # noqa: E402
from safe_io import InputError, check_apart, fail  # noqa: E402


def tag(nlp, golds: List[Doc]) -> Tuple[List[Doc], float]:
    """The predicted docs of golds' tokens, and the best words/s of three passes."""
    best = 0.0
    for _ in range(3):
        inputs = [unannotated(gold) for gold in golds]
        start = perf_counter()
        docs = list(nlp.pipe(inputs))
        best = max(best, sum(len(d) for d in docs) / (perf_counter() - start))
    return docs, best


def measure(golds: List[Doc], docs: List[Doc]) -> Dict[str, float]:
    """F of docs' entities against golds', and the ECE and mean of their scores (None if unscored)."""
    right = predicted = gold = 0
    confidence = ConfidenceCounter()
    for g, d in zip(golds, docs):
        truth = {(e.start, e.end, e.label_) for e in g.ents}
        scores = {(e.start, e.end, e.label_): e._.score for e in d.ents}
        gold += len(truth)
        predicted += len(scores)
        right += len(truth & scores.keys())
        scored = {span: score for span, score in scores.items() if score is not None}
        if scored:
            confidence.add(truth, scored)
    f = 2 * right / (predicted + gold) if predicted + gold else 0.0
    scores = [score for score, _ in confidence.scored]
    return {
        "f": f,
        "ece": confidence.calibration_error() if scores else None,
        "entities": predicted,
        "mean_score": sum(scores) / len(scores) if scores else None,
    }


def main(
    model: Path = typer.Argument(
        ..., help="Trained pipeline folder with the entity_scores component"
    ),
    gold_path: Path = typer.Argument(..., help="Test DocBin, or a folder of them"),
    temperatures: str = typer.Option(
        "1,1.5,2", help="entity_scores temperatures to compare, comma-separated"
    ),
    name: str = typer.Option(
        "", help="Name of this measurement in RESULTS.md (default: the model folder)"
    ),
    output: Path = typer.Option(
        ROOT / "benchmarks" / "RESULTS.md", help="Markdown file to put the report into"
    ),
):
    """Compare ways of scoring entities: F, calibration error and speed against the greedy NER."""
    try:
        check_apart([output], [model, gold_path])
    except InputError as err:
        fail(str(err))
    nlp = spacy.load(model)
    # a pipeline trained before the configs had it
    if "entity_scores" not in nlp.pipe_names:
        nlp.add_pipe("entity_scores")
    golds = [doc for _, doc in read_docs(gold_path, nlp.vocab)]
    with nlp.select_pipes(disable=["entity_scores"]):
        greedy_docs, greedy_speed = tag(nlp, golds)
    greedy = measure(golds, greedy_docs)
    rows = [
        f"| NER alone, no score | {100 * greedy['f']:.2f} | – | – | {greedy_speed:,.0f} | 1.00 |"
    ]
    for temperature in (float(t) for t in temperatures.split(",")):
        nlp.get_pipe("entity_scores").temperature = temperature
        docs, speed = tag(nlp, golds)
        result = measure(golds, docs)
        rows.append(
            f"| action softmax, temperature {temperature:g} | {100 * result['f']:.2f} | {result['ece']:.3f} | "
            f"{result['mean_score']:.3f} | {speed:,.0f} | {speed / greedy_speed:.2f} |"
        )
    report = "\n".join(
        [
            f"### calibration.py: {name or model}",
            "",
            f"`python benchmarks/calibration.py {model} {gold_path} --temperatures {temperatures}`; {len(golds):,} "
            f"sentences of {gold_path.name}, {greedy['entities']:,} predicted entities; {cpu_name()}.",
            "",
            "| method | entity F | ECE (10 bins) | mean score | words/s | speed vs. greedy |",
            "| --- | ---: | ---: | ---: | ---: | ---: |",
            *rows,
        ]
    )
    print(report)
    write_section(output, f"entity-scores-{name or model.name}", report)


if __name__ == "__main__":
    typer.run(main)
