"""Print a system's corpus: sentences, tokens and entities per type, per split (train/dev/test).

    python scripts/corpus_stats.py CORPUS_DIR --tagset {full,five} [--config CONFIG]

CORPUS_DIR holds a folder of DocBins a split (train/, dev/, test/: convert_corpus.py's shards).

Warns about a type of the tagset that a split lacks, and about entities of types outside it. With a
training config, also counts the batches its [training.batcher] makes of the train split: the steps of
one epoch, as train_config.py counts them to fit the run's schedule.
"""

from collections import Counter
from pathlib import Path
from typing import Dict, Optional

import typer
from spacy.util import load_config
from spacy.vocab import Vocab
from wasabi import msg

from corpus import docbin_files, read_docs
from multinerd import SPLITS as HUB_SPLITS
from multinerd import TAGSETS, Tagset
from safe_io import InputError, fail, one_line
from train_config import batches_per_epoch

# The corpus's file names: train, dev, test.
SPLITS = tuple(HUB_SPLITS.values())


def count(path: Path) -> Counter:
    """Sentences, tokens and entities per type of a DocBin."""
    counts: Counter = Counter()
    for _, doc in read_docs(path, Vocab()):
        counts["sentences"] += 1
        counts["tokens"] += len(doc)
        counts.update(ent.label_ for ent in doc.ents)
    return counts


def main(
    corpus_dir: Path = typer.Argument(
        ..., help="A system's corpus folder, with train/, dev/, test/"
    ),
    tagset: Tagset = typer.Option(
        ..., "--tagset", help="full (system A) or five (system B)"
    ),
    config: Optional[Path] = typer.Option(
        None, "--config", help="A training config: count its batches of the train split"
    ),
):
    """Print sentences, tokens and entities per type and split of a system's corpus."""
    paths = {split: corpus_dir / split for split in SPLITS}
    missing = [str(path) for path in paths.values() if not docbin_files(path)] + (
        [str(config)] if config and not config.is_file() else []
    )
    if missing:
        fail(f"No such file: {', '.join(missing)}")
    try:
        counts: Dict[str, Counter] = {
            split: count(path) for split, path in paths.items()
        }
    except InputError as err:
        fail(str(err))
    labels = TAGSETS[tagset.value]
    rows = [[label, *(counts[split][label] for split in SPLITS)] for label in labels]
    rows.append(
        [
            "entities",
            *(sum(counts[split][label] for label in labels) for split in SPLITS),
        ]
    )
    rows += [
        [key, *(counts[split][key] for split in SPLITS)]
        for key in ("sentences", "tokens")
    ]
    msg.divider(f"{corpus_dir} ({tagset.value})")
    msg.table(rows, header=["", *SPLITS], aligns=["l", "r", "r", "r"])
    if config:
        try:
            steps = batches_per_epoch(paths["train"], load_config(config))
        except Exception as err:  # a config without a usable [training.batcher]
            fail(f"{config}: cannot make its training batcher ({one_line(err)})")
        msg.info(
            f"Training steps an epoch: {steps:,} (batches of train by {config}'s batcher)"
        )
    for split in SPLITS:
        lacking = [label for label in labels if not counts[split][label]]
        if lacking:
            msg.warn(f"{split}: no entity of type {', '.join(lacking)}")
        others = sorted(set(counts[split]) - set(labels) - {"sentences", "tokens"})
        if others:
            msg.warn(
                f"{split}: entities of types outside the '{tagset.value}' tagset: {', '.join(others)}"
            )


if __name__ == "__main__":
    typer.run(main)
