"""The run's config: a schedule counted on the train corpus, evaluations that end at the last step, a decay to zero."""

import sys
from itertools import islice

import pytest
import spacy
from spacy.tokens import Doc, DocBin, Span
from spacy.util import load_config, registry
from spacy.vocab import Vocab

from helpers import ROOT, run, run_script
from multinerd import TAGSETS
from train_config import schedule


@pytest.mark.parametrize(
    "max_steps,budget,eval_frequency,warmup",
    [
        (
            0,
            14_400,
            1_440,
            250,
        ),  # 3 epochs of 4,800 steps; the config's 250 warm-up steps
        (50, 50, 5, 5),  # a short run: warm-up cut to a tenth of it
        (
            37,
            40,
            4,
            4,
        ),  # rounded up to whole evaluation intervals, so its last step is evaluated
        (
            81,
            90,
            9,
            9,
        ),  # ten intervals of 9, not nine: every run is evaluated ten times
        (6, 6, 1, 0),  # fewer steps than evaluations: each step is evaluated
    ],
)
def test_schedule(max_steps, budget, eval_frequency, warmup):
    plan = schedule(
        steps_per_epoch=4_800, epochs=3, max_steps=max_steps, warmup_steps=250
    )
    assert plan == {
        "max_steps": budget,
        "eval_frequency": eval_frequency,
        "warmup_steps": warmup,
    }


def write_corpus(path, sentences):
    path.parent.mkdir(parents=True, exist_ok=True)
    vocab = Vocab()
    doc_bin = DocBin()
    for i in range(sentences):
        doc_bin.add(Doc(vocab, words=["word"] * (1 + i % 5)))
    doc_bin.to_disk(path)


def learn_rates(config, steps):
    """The first `steps` + 1 learning rates of a config's optimizer, as training would use them."""
    schedule_config = config.interpolate()["training"]["optimizer"]["learn_rate"]
    rates = registry.resolve({"rate": schedule_config})["rate"]
    return list(islice(rates, steps + 1))


def test_cnn_config_counts_the_batchers_steps_an_epoch(tmp_path):
    base = tmp_path / "base.cfg"
    config = load_config(ROOT / "configs/cnn.cfg", interpolate=False)
    config["training"]["batcher"] = {
        "@batchers": "spacy.batch_by_sequence.v1",
        "size": 7,
        "get_length": None,
    }
    config.to_disk(base)
    # A sharded corpus: a folder a split, a DocBin a language.
    write_corpus(tmp_path / "train" / "de.spacy", 25)
    write_corpus(tmp_path / "train" / "zh.spacy", 35)
    write_corpus(tmp_path / "dev" / "de.spacy", 5)
    output = tmp_path / "run" / "config.cfg"
    result = run_script(
        "train_config.py",
        base,
        tmp_path / "train",
        tmp_path / "dev",
        output,
        "--tagset",
        "full",
        check=True,
    )
    # 60 sentences of both shards in batches of 7: 9 steps an epoch; cnn.cfg's 5 epochs: 45 steps, evaluated every
    # 5, rounded up to ten evaluations: 50 steps.
    assert "Steps an epoch: 9 " in result.stdout
    training = load_config(output, interpolate=False)["training"]
    assert (
        training["max_steps"],
        training["eval_frequency"],
        training["max_epochs"],
        training["patience"],
    ) == (
        50,
        5,
        -1,
        0,
    )


def test_trf_config_decays_to_zero_at_the_last_step_and_evaluates_it(
    tmp_path, tiny_model
):
    write_corpus(tmp_path / "train.spacy", 30)
    write_corpus(tmp_path / "dev.spacy", 5)
    output = tmp_path / "config.cfg"
    run_script(
        "train_config.py",
        ROOT / "configs/trf.cfg",
        tmp_path / "train.spacy",
        tmp_path / "dev.spacy",
        output,
        "--tagset",
        "five",
        "--max-steps",
        50,
        "--lang",
        "de",
        "--transformer",
        tiny_model,
        "--learn-rate",
        0.001,
        check=True,
    )
    config = load_config(output, interpolate=False)
    training = config["training"]
    assert training["max_steps"] == 50 and 50 % training["eval_frequency"] == 0
    rates = learn_rates(config, 50)
    assert (
        rates[50] == 0
        and all(rate > 0 for rate in rates[1:50])
        and max(rates) == pytest.approx(0.001)
    )
    assert config["nlp"]["lang"] == "de" and config["paths"]["transformer"] == str(
        tiny_model
    )
    assert config["paths"]["train"] == str(tmp_path / "train.spacy")


def test_a_transformer_that_cannot_be_loaded_is_one_line(tmp_path):
    write_corpus(tmp_path / "train.spacy", 3)
    result = run_script(
        "train_config.py",
        ROOT / "configs/trf.cfg",
        tmp_path / "train.spacy",
        tmp_path / "train.spacy",
        tmp_path / "config.cfg",
        "--tagset",
        "full",
        "--transformer",
        "no-such/encoder",
    )
    assert result.returncode == 1 and not (tmp_path / "config.cfg").exists()
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("✘ no-such/encoder: cannot load this transformer (OSError: ")
    assert line.endswith("give a local model folder: --vars.transformer PATH")


def test_missing_corpus_is_one_line(tmp_path):
    result = run_script(
        "train_config.py",
        ROOT / "configs/trf.cfg",
        tmp_path / "none.spacy",
        tmp_path / "dev.spacy",
        tmp_path / "config.cfg",
        "--tagset",
        "full",
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"✘ {tmp_path / 'none.spacy'}: no such DocBin, nor a folder of them"
    ]
    assert not (tmp_path / "config.cfg").exists()


@pytest.mark.parametrize("tagset,system", [("full", "a"), ("five", "b")])
def test_the_ner_knows_every_label_from_the_first_step_even_one_train_lacks(
    tmp_path, tagset, system
):
    """Train a few steps on a split without the system's last type (VEHI, ANIM): the NER has all its labels."""
    labels = TAGSETS[tagset]
    vocab = Vocab()
    doc_bin = DocBin()
    for label in labels[:-1]:
        doc = Doc(vocab, words=["The", "name", "here", "."])
        doc.ents = [Span(doc, 1, 2, label)]
        doc_bin.add(doc)
    doc_bin.to_disk(tmp_path / "train.spacy")
    config = tmp_path / "config.cfg"
    run_script(
        "train_config.py",
        ROOT / "configs/cnn.cfg",
        tmp_path / "train.spacy",
        tmp_path / "train.spacy",
        config,
        "--tagset",
        tagset,
        "--max-steps",
        2,
        check=True,
    )
    run(
        [
            sys.executable,
            "-m",
            "spacy",
            "train",
            config,
            "--code",
            ROOT / "scripts" / "callbacks.py",
            "--output",
            tmp_path / "out",
            "--gpu-id",
            -1,
        ],
        check=True,
    )
    ner = spacy.load(tmp_path / "out" / "model-best").get_pipe("ner")
    assert sorted(ner.labels) == sorted(labels)
    # B I L U of each label, U and O of none
    assert ner.moves.n_moves == 4 * len(labels) + 2
