"""Training and inference words/s of our pipeline against a plain Transformers token classifier.

    python benchmarks/benchmark.py [--size base|tiny] [--gpu-id 0] [--variant "KEY=VALUE ..."]...

Both systems get the same randomly initialised BERT (bert-base-cased's size; tiny for smoke runs) and
the same synthetic MultiNERD-like sentences, on one device in one process: ours is configs/trf.cfg
trained by spaCy's training loop and run with nlp.pipe; the baseline is the usual PyTorch loop around
AutoModelForTokenClassification. Each --variant trains and runs ours again with those overrides of the
config, for tuning. The Markdown report goes to stdout and replaces this run's section of the output
file (between its markers), leaving the rest of the file as it is.
"""

import sys
import tempfile
from enum import Enum
from importlib.metadata import version
from pathlib import Path
from typing import Any, Dict, List

import srsly
import torch
import typer
from spacy.util import load_config
from thinc.api import require_cpu, require_gpu
from transformers import AutoConfig
from transformers.utils import logging as transformers_logging

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

from baseline import (
    BASELINE_BATCH,
    BASELINE_LEARN_RATE,
    autocast_dtype,
    infer_baseline,
    train_baseline,
)  # noqa: E402
from hardware import cpu_name, gpu_name  # noqa: E402
from ours import MIXED_PRECISION, component_speeds, infer_pipeline, train_pipeline  # noqa: E402
from results import ROOT, write_section  # noqa: E402
from safe_io import fail  # noqa: E402
from synthetic import TINY_BERT, write_bert  # noqa: E402
from throughput_data import synthetic_corpus, write_docbin  # noqa: E402
from throughput_report import describe_corpus, table, variants_table  # noqa: E402
from timing import Figures, measure_system  # noqa: E402

CONFIG = ROOT / "configs" / "trf.cfg"
# bert-base-cased's vocabulary size; BertConfig's other defaults are its size (BertConfig's own
# default vocabulary, 30,522, is bert-base-uncased's).
BASE_VOCAB_SIZE = 28_996


class Size(str, Enum):
    base = "base"
    tiny = "tiny"


def parse_variant(text: str) -> Dict[str, Any]:
    """Overrides of the config from "KEY=VALUE ...", each VALUE read as JSON where it parses (as spaCy's
    CLI reads them) and each KEY a setting the config already has."""
    config = load_config(CONFIG)
    overrides = {}
    for item in text.split():
        key, equals, value = item.partition("=")
        if not equals:
            fail(f"--variant {text!r}: {item!r} is not KEY=VALUE")
        try:
            overrides[key] = srsly.json_loads(value)
        except ValueError:
            overrides[key] = value
        *sections, name = key.split(".")
        section = config
        for part in sections:
            section = section.get(part, {}) if isinstance(section, dict) else {}
        if (
            not isinstance(section, dict)
            or name not in section
            or isinstance(section[name], dict)
        ):
            fail(
                f"--variant {text!r}: {key} is not a setting of {CONFIG.relative_to(ROOT)}"
            )
    return overrides


def main(
    size: Size = typer.Option(
        Size.base,
        "--size",
        help="Encoder: base (bert-base-cased's size) or tiny (smoke runs)",
    ),
    gpu_id: int = typer.Option(0, "--gpu-id", help="GPU to measure on; -1 for the CPU"),
    n_sentences: int = typer.Option(
        5000,
        "--sentences",
        help="Synthetic sentences to train on and to run inference on",
    ),
    cpu_sentences: int = typer.Option(
        500,
        "--cpu-sentences",
        help="Of those, how many nlp.pipe runs on the CPU (GPU runs)",
    ),
    warmup_steps: int = typer.Option(
        10, "--warmup-steps", help="Untimed training steps before the timed ones"
    ),
    steps: int = typer.Option(100, "--steps", help="Timed training steps"),
    output: Path = typer.Option(
        ROOT / "benchmarks" / "RESULTS.md",
        "--output",
        help="Markdown file to put the report into",
    ),
    variants: List[str] = typer.Option(
        [],
        "--variant",
        help='Also measure ours with these overrides of the config, e.g. "training.batcher.size=4000 nlp.batch_size=128"; repeatable',
    ),
):
    """Compare our pipeline's training and inference words/s with a plain Transformers baseline."""
    variant_overrides = {text: parse_variant(text) for text in variants}
    transformers_logging.set_verbosity_error()
    gpu = gpu_id >= 0
    if gpu:
        require_gpu(gpu_id)
    device = torch.device(f"cuda:{gpu_id}" if gpu else "cpu")
    sync = (lambda: torch.cuda.synchronize(device)) if gpu else (lambda: None)
    infer_batch = load_config(CONFIG)["nlp"]["batch_size"]
    sentences, pieces = synthetic_corpus(n_sentences)
    with tempfile.TemporaryDirectory() as tmp:
        model_dir, train_path, pipeline_dir = (
            Path(tmp, "bert"),
            Path(tmp, "train.spacy"),
            Path(tmp, "pipeline"),
        )
        paths = {
            "paths.train": str(train_path),
            "paths.dev": str(train_path),
            "paths.transformer": str(model_dir),
        }
        if size == Size.tiny:
            write_bert(model_dir, pieces, **TINY_BERT)
        else:
            write_bert(model_dir, pieces, vocab_size=BASE_VOCAB_SIZE)
        write_docbin(sentences, train_path)

        load_overrides = {MIXED_PRECISION: True} if gpu else {}

        def measure_ours(overrides: Dict[str, Any], output_dir: Path) -> Figures:
            return measure_system(
                gpu,
                lambda: train_pipeline(
                    CONFIG,
                    {**paths, **overrides},
                    output_dir,
                    gpu_id,
                    warmup_steps,
                    steps,
                    sync,
                ),
                lambda: infer_pipeline(output_dir, sentences, sync, load_overrides),
            )

        print("Training and inference of ours, then of the baseline", file=sys.stderr)
        ours = measure_ours({}, pipeline_dir)
        baseline = measure_system(
            gpu,
            lambda: train_baseline(
                model_dir, sentences, device, warmup_steps, steps, sync
            ),
            lambda: infer_baseline(model_dir, sentences, infer_batch, device, sync),
        )
        components = component_speeds(pipeline_dir, sentences, sync, load_overrides)
        measured_variants = {"the config as it is": ours}
        for i, (text, overrides) in enumerate(variant_overrides.items()):
            print(f"Training and inference of ours with {text}", file=sys.stderr)
            measured_variants[f"`{text}`"] = measure_ours(
                overrides, Path(tmp, f"variant{i}")
            )
        if gpu:
            require_cpu()
            ours_cpu = infer_pipeline(
                pipeline_dir, sentences[:cpu_sentences], lambda: None, {}
            )
        else:
            ours_cpu = ours.inference
        encoder = AutoConfig.from_pretrained(model_dir)
        corpus = describe_corpus(sentences, model_dir)
    where = "GPU" if gpu else "CPU"
    variant_args = "".join(f' --variant "{text}"' for text in variants)
    precisions = {
        None: "fp32",
        torch.bfloat16: "bf16 autocast",
        torch.float16: "fp16 autocast + GradScaler",
    }
    lines = [
        f"## Throughput: our pipeline vs. Transformers token classification ({size.value} encoder, {where})",
        "",
    ]
    if size == Size.tiny:
        lines += [
            "A run of the tiny test encoder: its transformer costs next to nothing, so the totals and "
            "ratios say nothing about our speed with a real encoder. The ner row still shows what NER "
            "decoding costs, which runs on the CPU whatever the device.",
            "",
        ]
    lines += table(ours, baseline, ours_cpu, components) + [
        "",
        f"- Command: `python benchmarks/benchmark.py --size {size.value} --gpu-id {gpu_id} --sentences "
        f"{n_sentences} --cpu-sentences {cpu_sentences} --warmup-steps {warmup_steps} --steps {steps}"
        f"{variant_args}`",
        f"- Device: {gpu_name(gpu_id) + '; CPU: ' if gpu else ''}{cpu_name()}, "
        f"{torch.get_num_threads()} torch threads",
        f"- Versions: spacy {version('spacy')}, spacy-transformers {version('spacy-transformers')}, "
        f"thinc {version('thinc')}, transformers {version('transformers')}, torch {torch.__version__}, "
        f"CUDA {torch.version.cuda or 'none'}",
        f"- Encoder: BERT, {encoder.num_hidden_layers} layers, hidden size {encoder.hidden_size}, "
        f"vocabulary {encoder.vocab_size:,}, randomly initialised (throughput does not depend on the weights)",
        f"- Corpus: {corpus}",
        f"- Training: {warmup_steps} untimed warm-up steps, then words/s over {steps} steps. Ours: spaCy's "
        f"training loop with the config's batcher, {ours.step_words:,.0f} words a step, "
        f"{'mixed precision (fp16 autocast, gradient scaling)' if gpu else 'fp32'}. Baseline: "
        f"{BASELINE_BATCH} sentences a batch ({baseline.step_words:,.0f} words), AdamW at {BASELINE_LEARN_RATE}, "
        f"{precisions[autocast_dtype(gpu)]}, wordpieces computed before the loop",
        f"- Inference: batches of {infer_batch} sentences. Ours: nlp.pipe over Docs of the words, "
        f"wordpiece tokenization, alignment and NER decoding included. Baseline: forward pass + argmax over "
        f"wordpieces computed before timing. The component rows: each of ours' components alone over "
        f"all the sentences, each after the one before it, to show where nlp.pipe's time goes (the ner "
        f"component computes its features on the device, then decodes its transitions on the CPU). The "
        f"CPU row: {f'nlp.pipe on the CPU over {len(sentences[:cpu_sentences])} sentences' if gpu else 'the inference row'}",
        "- Peak GPU memory: torch.cuda.max_memory_allocated, reset before each phase; spaCy's CuPy arrays "
        "count too (gpu_allocator = pytorch)",
    ]
    if variants:
        lines += [
            "",
            "### Variants of our config",
            "",
            "Ours trained and run again with each variant's overrides of configs/trf.cfg, as above; "
            "the ratios are to the baseline above.",
            "",
        ] + variants_table(measured_variants, baseline)
    report = "\n".join(lines)
    print(report)
    write_section(output, f"throughput-{size.value}-{where.lower()}", report)


if __name__ == "__main__":
    typer.run(main)
