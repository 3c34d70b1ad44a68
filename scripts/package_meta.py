"""Write the meta.json that `spacy package --meta-path` merges into a trained pipeline's meta.

    python scripts/package_meta.py SCORES_JSON SEQEVAL_JSON OUTPUT --tagset {full,five} --name NAME --pipeline {trf,cnn}

The packaged `performance` holds the test scores (not the dev scores of training): spaCy's, the
seqeval-style ones of score.py and, for system A, those on B's five types; the meta names the data,
its license, the transformer and the label scheme, and its notes say what each score is.
"""

from pathlib import Path
from typing import Optional

import typer

from confidence import BINS
from multinerd import (
    ENTITY_TYPES,
    HUB_DATASET,
    LICENSE,
    MULTI_LANG,
    TAGSETS,
    Tagset,
    expand_lang,
)
from safe_io import Outputs, read_json, reports_errors, write_json

SYSTEMS = {
    "full": "System A: all 15 MultiNERD entity types",
    "five": "System B: five MultiNERD entity types (PER, ORG, LOC, DIS, ANIM); the other ten are not tagged",
}
# Package name suffix of each pipeline: the CPU pipelines sit beside the transformer ones, as spaCy's _sm do.
NAME_SUFFIXES = {"trf": "", "cnn": "_sm"}
# Scores of `spacy evaluate` that describe NER (the rest are speeds and tokenization).
SCORE_KEYS = ("ents_p", "ents_r", "ents_f", "ents_per_type")
# Scores of score.py, packaged as seqeval_KEY (and five_types_seqeval_KEY).
SEQEVAL_KEYS = ("p", "r", "f", "token_acc")


def performance(scores: dict, seqeval: dict) -> dict:
    """The test scores to package: spacy evaluate's, then score.py's."""
    result = {key: scores[key] for key in SCORE_KEYS}
    result.update({f"seqeval_{key}": seqeval["scores"][key] for key in SEQEVAL_KEYS})
    result["seqeval_per_type"] = seqeval["scores"]["per_type"]
    result["seqeval_per_lang"] = seqeval["scores"].get("per_lang", {})
    if "five_types" in seqeval:
        result.update(
            {
                f"five_types_seqeval_{key}": seqeval["five_types"]["scores"][key]
                for key in SEQEVAL_KEYS
            }
        )
    return result


def entity_scores(confidence: Optional[dict]) -> dict:
    """What ent._.score is, and how well it predicted a right entity on the test split."""
    return {
        "method": "the probability of the entity's NER actions, each a softmax of the NER's scores over the "
        "valid actions, divided by a temperature fitted on the dev sample (scripts/entity_scores.py, "
        "scripts/calibrate.py)",
        "expected_calibration_error": None if confidence is None else confidence["ece"],
        "calibration_bins": BINS,
    }


def trained_on(lang: str) -> str:
    return (
        f"all ten languages: {', '.join(expand_lang(lang))}"
        if lang == MULTI_LANG
        else lang
    )


def notes(seqeval: dict) -> str:
    """What the scores in the model card's Accuracy table are."""
    text = (
        f"### Test scores\n\nOn MultiNERD's `{seqeval['lang']}` test split ({seqeval['sentences']} sentences). "
        "`ENTS_P`, `ENTS_R`, `ENTS_F`: entity-level micro precision, recall and F of `spacy evaluate`. "
        "`SEQEVAL_P`, `SEQEVAL_R`, `SEQEVAL_F`: the same as seqeval computes them (default mode) on the gold "
        "tokens' IOB2 tags, and `SEQEVAL_TOKEN_ACC` the share of tokens whose IOB2 tag is right: comparable "
        "with Hugging Face token-classification results. Per-type and per-language scores are in the meta's "
        "`performance` (`seqeval_per_type`, `seqeval_per_lang`)."
    )
    if "five_types" in seqeval:
        text += (
            f" `FIVE_TYPES_SEQEVAL_*`: this pipeline's predictions of {', '.join(seqeval['five_types']['types'])} "
            "only (the other ten types dropped), scored on system B's test data: compare with system B's `SEQEVAL_*`."
        )
    return text


@reports_errors
def main(
    scores_path: Path = typer.Argument(
        ..., help="Test scores JSON from spacy evaluate"
    ),
    seqeval_path: Path = typer.Argument(..., help="Test scores JSON from score.py"),
    output_path: Path = typer.Argument(..., help="meta.json to write"),
    tagset: Tagset = typer.Option(
        ..., "--tagset", help="full (system A) or five (system B)"
    ),
    name: str = typer.Option(
        ..., "--name", help="Package name without the lang prefix, e.g. multinerd_a"
    ),
    pipeline: str = typer.Option(
        ..., "--pipeline", help=f"Pipeline variant: {', '.join(NAME_SUFFIXES)}"
    ),
):
    """Write the package meta for a trained MultiNERD pipeline."""
    outputs = Outputs(files=[output_path], inputs=[scores_path, seqeval_path])
    scores = read_json(scores_path, SCORE_KEYS)
    seqeval = read_json(
        seqeval_path,
        (
            "lang",
            "sentences",
            "transformer",
            "scores.per_type",
            *(f"scores.{key}" for key in SEQEVAL_KEYS),
        ),
    )
    labels = TAGSETS[tagset.value]
    meta = {
        "name": name + NAME_SUFFIXES[pipeline],
        "description": f"{SYSTEMS[tagset.value]}. Trained on MultiNERD ({trained_on(seqeval['lang'])}) with spaCy.",
        "license": LICENSE,
        "sources": [
            {
                "name": "MultiNERD",
                "url": f"https://huggingface.co/datasets/{HUB_DATASET}",
                "license": LICENSE,
                "author": "Simone Tedeschi and Roberto Navigli (Babelscape), NAACL 2022 Findings",
            }
        ],
        "performance": performance(scores, seqeval),
        "notes": notes(seqeval),
        "multinerd": {
            "tagset": tagset.value,
            "labels": list(labels),
            "dropped_labels": [label for label in ENTITY_TYPES if label not in labels],
            "transformer": seqeval["transformer"],
            "evaluated_on": "MultiNERD test split",
            "entity_scores": entity_scores(seqeval.get("confidence")),
        },
    }
    with outputs:
        outputs.write(output_path, write_json(meta))
        outputs.commit()


if __name__ == "__main__":
    typer.run(main)
