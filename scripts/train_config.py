"""Write one training run's config: the base config with its schedule fitted to the train corpus.

    python scripts/train_config.py CONFIG TRAIN DEV OUTPUT [--max-steps 0] [--lang en] [--transformer NAME]
        [--learn-rate 0] --tagset {full,five}

Counts the batches that the config's [training.batcher] makes of TRAIN: the optimizer steps of one epoch.
The run's budget is --max-steps when set, else [training] max_epochs epochs of those steps. In the written
config the run stops at that step, a warmup_linear learning rate reaches zero exactly there, the dev set is
evaluated EVALUATIONS times at even intervals after step 0, the last step included, and patience is off:
the run always ends at its budget, where the learning rate is zero, and model-best is its best evaluation.
The NER knows every label of --tagset from the first step ([initialize.components.ner] labels), not only
those of the first examples spaCy initializes it from. The train corpus is streamed (max_epochs = -1), so
memory does not grow with it. --learn-rate sets the peak
learning rate (pretrained encoders want 2e-5 to 5e-5, the configs' own; a randomly initialised one far more).
A transformer config's encoder is loaded once (config and tokenizer), so that a name the hub cannot serve
stops here in one line rather than in spacy train.
`spacy train OUTPUT` then trains exactly what the config says, and the numbers stay on disk beside the model.
"""

import math
from pathlib import Path
from typing import Dict, Optional

import typer
from spacy.util import load_config, registry
from spacy.vocab import Vocab
from thinc.api import Config
from wasabi import msg

from corpus import docbin_files, read_docs
from multinerd import Tagset
from safe_io import InputError, Outputs, fail, one_line, reports_errors

# Evaluations on the dev set in one run, besides the one of the untrained step 0.
EVALUATIONS = 10
# The longest warm-up, as a share of the budget: a short run still decays to zero.
MAX_WARMUP_SHARE = 0.1


def batches_per_epoch(train_path: Path, config: Config) -> int:
    """Batches that the config's training batcher makes of a DocBin's docs (or a folder's), in one pass."""
    batcher = registry.resolve({"batcher": config["training"]["batcher"]})["batcher"]
    return sum(1 for _ in batcher(doc for _, doc in read_docs(train_path, Vocab())))


def schedule(
    steps_per_epoch: int, epochs: int, max_steps: int, warmup_steps: Optional[int]
) -> Dict[str, int]:
    """The run's step budget, evaluation interval and warm-up.

    The budget is rounded up to EVALUATIONS whole evaluation intervals (fewer only for a run of fewer
    steps), so the run is evaluated that many times and its last step is one of them.
    """
    if max_steps <= 0 and epochs <= 0:
        raise ValueError(
            "the run needs a budget: max_steps or the config's max_epochs above 0"
        )
    wanted = max_steps if max_steps > 0 else epochs * steps_per_epoch
    eval_frequency = max(1, math.ceil(wanted / EVALUATIONS))
    budget = eval_frequency * min(EVALUATIONS, wanted)
    result = {"max_steps": budget, "eval_frequency": eval_frequency}
    if warmup_steps is not None:
        result["warmup_steps"] = min(warmup_steps, int(MAX_WARMUP_SHARE * budget))
    return result


def check_transformer(name: str) -> None:
    """InputError in one line unless the transformer's config and tokenizer load (from the hub, its cache or a folder)."""
    from huggingface_hub.utils import logging as hub_logging
    from transformers import AutoConfig, AutoTokenizer
    from transformers.utils import logging as transformers_logging

    hub_logging.set_verbosity_error()  # its retries would print a line each
    transformers_logging.set_verbosity_error()
    try:
        AutoConfig.from_pretrained(name)
        AutoTokenizer.from_pretrained(name)
    except (OSError, ValueError) as err:
        raise InputError(
            f"{name}: cannot load this transformer ({one_line(err)}); without access to the "
            "Hugging Face hub, give a local model folder: --vars.transformer PATH"
        ) from None


def fitted_config(
    config: Config, steps_per_epoch: int, max_steps: int, peak_rate: float = 0
) -> Config:
    """config with its [training] stop, evaluations and learning-rate decay set for one budget, and its peak
    learning rate set to peak_rate unless that is 0."""
    training = config["training"]
    if peak_rate > 0:
        if isinstance(training["optimizer"]["learn_rate"], dict):
            training["optimizer"]["learn_rate"]["initial_rate"] = peak_rate
        else:
            training["optimizer"]["learn_rate"] = peak_rate
    learn_rate = training["optimizer"]["learn_rate"]
    decays = isinstance(learn_rate, dict) and "total_steps" in learn_rate
    if isinstance(learn_rate, dict) and not decays:
        raise ValueError(
            f"learn_rate schedule {learn_rate.get('@schedules')} has no total_steps to fit"
        )
    plan = schedule(
        steps_per_epoch,
        training["max_epochs"],
        max_steps,
        learn_rate["warmup_steps"] if decays else None,
    )
    # max_steps alone ends the run: an epoch limit would end it wherever the shuffled batches fall, and
    # patience before the decay's end. max_epochs = -1: spaCy streams the train corpus (multinerd.MixedCorpus.v1
    # shuffles it) instead of holding every example in memory.
    training.update(
        max_epochs=-1,
        max_steps=plan["max_steps"],
        eval_frequency=plan["eval_frequency"],
        patience=0,
    )
    if decays:
        learn_rate.update(
            total_steps=plan["max_steps"], warmup_steps=plan["warmup_steps"]
        )
    return config


@reports_errors
def main(
    config_path: Path = typer.Argument(
        ..., help="Base training config (configs/trf.cfg or configs/cnn.cfg)"
    ),
    train_path: Path = typer.Argument(..., help="Train DocBin, or a folder of them"),
    dev_path: Path = typer.Argument(..., help="Dev DocBin, or a folder of them"),
    output_path: Path = typer.Argument(..., help="Config to write, for spacy train"),
    max_steps: int = typer.Option(
        0,
        "--max-steps",
        min=0,
        help="Steps of the run; 0: the config's max_epochs epochs",
    ),
    lang: str = typer.Option(
        "en", "--lang", help="The pipeline's language ([nlp] lang)"
    ),
    transformer: Optional[str] = typer.Option(
        None, "--transformer", help="[paths] transformer: a model name or folder"
    ),
    learn_rate: float = typer.Option(
        0, "--learn-rate", min=0, help="Peak learning rate; 0: the config's"
    ),
    tagset: Tagset = typer.Option(
        ..., "--tagset", help="The NER's labels: full (system A) or five (system B)"
    ),
):
    """Write CONFIG with the paths, language and a schedule fitted to TRAIN, for `spacy train`."""
    outputs = Outputs(files=[output_path], inputs=[config_path, train_path, dev_path])
    if not config_path.is_file():
        fail(f"{config_path}: no such file")
    for path in (train_path, dev_path):
        if not docbin_files(path):
            fail(f"{path}: no such DocBin, nor a folder of them")
    # The NER's labels: every one of the tagset from the first step, not only those of the examples spaCy
    # initializes it from.
    labels = {"@misc": "multinerd.ner_labels.v1", "tagset": tagset.value}
    overrides = {
        "paths.train": str(train_path),
        "paths.dev": str(dev_path),
        "nlp.lang": lang,
        "initialize.components": {"ner": {"labels": labels}},
    }
    if transformer is not None:
        overrides["paths.transformer"] = transformer
    config = load_config(config_path, overrides=overrides, interpolate=False)
    if "transformer" in config["components"]:
        check_transformer(config.interpolate()["paths"]["transformer"])
    epochs = config["training"]["max_epochs"]
    steps_per_epoch = batches_per_epoch(train_path, config.interpolate())
    if steps_per_epoch == 0:
        fail(
            f"{train_path}: the config's batcher makes no batch of it (no sentences, or all oversize)"
        )
    source = (
        f"--max-steps {max_steps}"
        if max_steps
        else f"{epochs} epochs of {steps_per_epoch:,}"
    )
    try:
        config = fitted_config(config, steps_per_epoch, max_steps, learn_rate)
    except ValueError as err:
        fail(f"{config_path}: {err}")
    with outputs:
        outputs.write(output_path, config.to_disk)
        outputs.commit()
    training = config["training"]
    msg.good(f"Wrote {output_path}")
    print(
        f"Steps an epoch: {steps_per_epoch:,} (batches of {train_path} by the config's batcher)"
    )
    budget, eval_frequency = training["max_steps"], training["eval_frequency"]
    rounded = (
        ""
        if budget == max_steps or budget == steps_per_epoch * epochs
        else ", rounded up to whole evaluation intervals"
    )
    print(
        f"Budget: {budget:,} steps ({source}{rounded}); no patience: the run ends there"
    )
    print(
        f"Evaluations: every {eval_frequency:,} steps, {budget // eval_frequency} after step 0, the last at step {budget:,}"
    )
    learn_rate = training["optimizer"]["learn_rate"]
    if isinstance(learn_rate, dict):
        print(
            f"Learning rate: peak {learn_rate['initial_rate']:g} after {learn_rate['warmup_steps']:,} warm-up steps, "
            f"zero at step {learn_rate['total_steps']:,}"
        )
    else:
        print(f"Learning rate: {learn_rate:g}")


if __name__ == "__main__":
    typer.run(main)
