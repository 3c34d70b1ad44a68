"""Write the meta.json that `spacy package --meta-path` merges into a trained pipeline's meta.

    python scripts/package_meta.py MODEL_DIR SCORES_JSON OUTPUT --tagset {full,five}

The packaged `performance` holds the test scores (not the dev scores of training), and the meta
names the data, its license, the transformer and the label scheme.
"""
from pathlib import Path

import srsly
import typer
from spacy.util import load_config

from multinerd import ENTITY_TYPES, HUB_DATASET, LICENSE, TAGSETS

SYSTEMS = {
    "full": "System A: all 15 MultiNERD entity types",
    "five": "System B: five MultiNERD entity types (PER, ORG, LOC, DIS, ANIM); the other ten are not tagged",
}
# Scores of `spacy evaluate` that describe NER (the rest are speeds and tokenization).
SCORE_KEYS = ("ents_p", "ents_r", "ents_f", "ents_per_type")


def main(
    model_dir: Path = typer.Argument(..., help="Trained pipeline folder (model-best)"),
    scores_path: Path = typer.Argument(..., help="Test scores JSON from spacy evaluate"),
    output_path: Path = typer.Argument(..., help="meta.json to write"),
    tagset: str = typer.Option(..., "--tagset", help="full (system A) or five (system B)"),
):
    """Write the package meta for a trained MultiNERD pipeline."""
    config = load_config(model_dir / "config.cfg")
    scores = srsly.read_json(scores_path)
    labels = TAGSETS[tagset]
    meta = {
        "description": f"{SYSTEMS[tagset]}. Trained on MultiNERD ({config['nlp']['lang']}) with spaCy.",
        "license": LICENSE,
        "sources": [
            {
                "name": "MultiNERD",
                "url": f"https://huggingface.co/datasets/{HUB_DATASET}",
                "license": LICENSE,
                "author": "Simone Tedeschi and Roberto Navigli (Babelscape), NAACL 2022 Findings",
            }
        ],
        "performance": {key: scores[key] for key in SCORE_KEYS},
        "multinerd": {
            "tagset": tagset,
            "labels": list(labels),
            "dropped_labels": [label for label in ENTITY_TYPES if label not in labels],
            "transformer": config["paths"].get("transformer"),
            "evaluated_on": "MultiNERD test split",
        },
    }
    output_path.parent.mkdir(parents=True, exist_ok=True)
    srsly.write_json(output_path, meta)


if __name__ == "__main__":
    typer.run(main)
