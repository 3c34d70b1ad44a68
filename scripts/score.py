"""Score a trained pipeline on a test DocBin as seqeval does, comparable with Hugging Face results.

    python scripts/score.py MODEL GOLD OUTPUT [--five-types-gold B_GOLD] [--predictions PREDICTIONS] [--gpu-id N]

The pipeline tags each gold sentence's own tokens once. Writes token accuracy and entity-level
micro P/R/F, plus P/R/F/support per type and, where GOLD is a folder of DocBins named by language
(corpus/a/test/de.spacy, ...), per language (seqeval_scores.py). With --five-types-gold (system B's
test DocBin: the same sentences), the same predictions, less every type outside B's five, are
also scored on B's gold: system A and system B on the same data. The same pass counts the mistakes
per type and kind and the confusion table (mistakes.py); --predictions saves the predicted Docs, with
the gold entities under doc.spans["gold"], for report.py's error page.
"""

from pathlib import Path
from typing import Optional, Tuple

import spacy
import typer
from spacy.tokens import DocBin, Span
from tqdm import tqdm
from wasabi import msg

import entity_scores  # noqa: F401  (the pipelines' entity_scores component)
from confidence import ConfidenceCounter
from corpus import count_docs, read_docs, unannotated
from hardware import describe_device
from mistakes import GOLD_KEY, MistakeCounter, doc_spans, judge
from multinerd import TAGSETS
from safe_io import InputError, Outputs, fail, one_line, reports_errors, write_json
from seqeval_scores import SeqevalScorer, iob_tags

# The types system A and system B share: all of B's.
FIVE_TYPES = TAGSETS["five"]


def score(
    nlp,
    gold_path: Path,
    five_types_gold_path: Optional[Path],
    predictions: Optional[DocBin] = None,
) -> Tuple[SeqevalScorer, SeqevalScorer, MistakeCounter, ConfidenceCounter]:
    """Tag GOLD's sentences with nlp, streaming; count them against GOLD and the five-types gold, and the
    entities' scores (ent._.score) against GOLD.
    Each predicted Doc, with GOLD's entities as doc.spans["gold"], goes into predictions if given.

    GOLD may be a DocBin or a folder of them, one a language: the scores are then per language too.
    """
    n_gold = count_docs(gold_path)
    golds = read_docs(gold_path, nlp.vocab)
    if five_types_gold_path is None:
        pairs = ((lang, gold, None) for lang, gold in golds)
    else:
        n_five = count_docs(five_types_gold_path)
        if n_five != n_gold:
            raise InputError(
                f"{five_types_gold_path}: {n_five} sentences, {gold_path} has {n_gold}"
            )
        pairs = (
            (lang, gold, five_gold)
            for (lang, gold), (_, five_gold) in zip(
                golds, read_docs(five_types_gold_path, nlp.vocab)
            )
        )
    inputs = (
        (unannotated(gold), (lang, gold, five_gold)) for lang, gold, five_gold in pairs
    )
    scorer, five_scorer, mistakes, confidence = (
        SeqevalScorer(),
        SeqevalScorer(),
        MistakeCounter(),
        ConfidenceCounter(),
    )
    tagged = nlp.pipe(inputs, as_tuples=True)
    for i, (doc, (lang, gold, five_gold)) in enumerate(
        tqdm(tagged, total=n_gold, unit="sent", disable=None)
    ):
        scorer.add(iob_tags(gold), iob_tags(doc), lang)
        mistakes.add(judge(doc_spans(gold), doc_spans(doc)))
        scores = {
            (e.start, e.end, e.label_): e._.score
            for e in doc.ents
            if e._.score is not None
        }
        if scores:
            confidence.add(set(doc_spans(gold)), scores)
        if predictions is not None:
            doc.spans[GOLD_KEY] = [
                Span(doc, ent.start, ent.end, ent.label_) for ent in gold.ents
            ]
            predictions.add(doc)
        if five_gold is not None:
            if [t.text for t in five_gold] != [t.text for t in gold]:
                raise InputError(
                    f"{five_types_gold_path}: sentence {i + 1} differs from {gold_path}'s"
                )
            five_scorer.add(iob_tags(five_gold), iob_tags(doc, FIVE_TYPES), lang)
    return scorer, five_scorer, mistakes, confidence


@reports_errors
def main(
    model_path: Path = typer.Argument(..., help="Trained pipeline folder (model-best)"),
    gold_path: Path = typer.Argument(
        ...,
        help="Test DocBin with the gold entities, or a folder of them (one a language)",
    ),
    output_path: Path = typer.Argument(..., help="JSON file to write"),
    five_types_gold_path: Optional[Path] = typer.Option(
        None,
        "--five-types-gold",
        help="System B's test DocBin (or folder): also score the predictions of its five types on it",
    ),
    predictions_path: Optional[Path] = typer.Option(
        None,
        "--predictions",
        help="DocBin to write: the predicted Docs, the gold entities as doc.spans['gold']",
    ),
    gpu_id: int = typer.Option(-1, "--gpu-id", help="GPU to run on; -1 for the CPU"),
):
    """Score a pipeline seqeval-style: token accuracy, entity-level P/R/F overall and per type."""
    for path in (model_path, gold_path, five_types_gold_path):
        if path is not None and not path.exists():
            fail(f"{path}: no such file or folder")
    outputs = Outputs(
        files=[output_path, predictions_path],
        inputs=[model_path, gold_path, five_types_gold_path],
    )
    if gpu_id >= 0:
        spacy.require_gpu(gpu_id)
    try:
        nlp = spacy.load(model_path)
    except Exception as err:  # a broken config, missing weights
        fail(f"{model_path}: cannot load this pipeline ({one_line(err)})")
    predictions = (
        None
        if predictions_path is None
        else DocBin(attrs=["ENT_IOB", "ENT_TYPE"], store_user_data=True)
    )
    scorer, five_scorer, mistakes, confidence = score(
        nlp, gold_path, five_types_gold_path, predictions
    )
    result = {
        "model": str(model_path),
        # Training sets paths.transformer for either pipeline; only the transformer pipeline uses it.
        "transformer": nlp.config["paths"].get("transformer")
        if "transformer" in nlp.pipe_names
        else None,
        "lang": nlp.lang,
        "pipeline": nlp.pipe_names,
        "hardware": describe_device(gpu_id),
        "gold": str(gold_path),
        "sentences": scorer.sentences,
        "tokens": scorer.tokens,
        "scores": scorer.scores(),
        # Gold entities per type and kind (right, missed, ...; spurious predictions under their type).
        "mistakes": mistakes.per_type(),
        # {gold type: {predicted type: entities}}, "none" for missed and spurious.
        "confusion": mistakes.confusion_table(),
        # How well ent._.score predicts a right entity (null for a pipeline without entity_scores).
        "confidence": confidence.result() if confidence.scored else None,
    }
    if five_types_gold_path is not None:
        five_types = {
            "gold": str(five_types_gold_path),
            "types": list(FIVE_TYPES),
            "scores": five_scorer.scores(),
        }
        result["five_types"] = five_types
    with outputs:
        outputs.write(output_path, write_json(result))
        if predictions is not None:
            outputs.write(predictions_path, predictions.to_disk)
        outputs.commit()
    msg.good(
        f"Wrote {output_path}: F {result['scores']['f']:.4f}, token acc {result['scores']['token_acc']:.4f}"
    )


if __name__ == "__main__":
    typer.run(main)
