"""Training and inference words/s of our pipeline against a plain Transformers token classifier.

    python benchmarks/benchmark.py [--size base|tiny] [--gpu-id 0] [--variant "KEY=VALUE ..."]...

Both systems get the same randomly initialised BERT (bert-base-cased's size; tiny for smoke runs) and
the same synthetic MultiNERD-like sentences, on one device in one process: ours is configs/trf.cfg
trained by spaCy's training loop and run with nlp.pipe; the baseline is the usual PyTorch loop around
AutoModelForTokenClassification. Each --variant trains and runs ours again with those overrides of the
config, for tuning. The Markdown report goes to stdout and replaces this run's section of the output
file (between its markers), leaving the rest of the file as it is.
"""

import gc
import itertools
import random
import sys
import tempfile
from dataclasses import dataclass
from enum import Enum
from importlib.metadata import version
from pathlib import Path
from time import perf_counter
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple

import spacy
import srsly
import torch
import typer
from spacy.schemas import ConfigSchemaTraining
from spacy.tokens import Doc, DocBin, Span
from spacy.training.initialize import init_nlp
from spacy.training.loop import create_train_batches, train_while_improving
from spacy.util import load_config, registry, resolve_dot_names
from spacy.vocab import Vocab
from thinc.api import require_cpu, require_gpu
from transformers import AutoConfig, AutoModelForTokenClassification, AutoTokenizer, DataCollatorForTokenClassification
from transformers.utils import logging as transformers_logging

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import callbacks  # noqa: E402,F401  (registers the config's [initialize.after_init] callback)
from cli import fail, write_atomically, write_text  # noqa: E402
from multinerd import ENTITY_TYPES, TAG_IDS, TAGS, iob_spans  # noqa: E402
from score import cpu_name  # noqa: E402
from synthetic import TINY_BERT, write_bert  # noqa: E402

CONFIG = ROOT / "configs" / "trf.cfg"
SEED = 0
# bert-base-cased's vocabulary size; BertConfig's other defaults are its size (BertConfig's own
# default vocabulary, 30,522, is bert-base-uncased's).
BASE_VOCAB_SIZE = 28_996
# Sentences per batch of the baseline's training, as in the Transformers token-classification examples.
BASELINE_BATCH = 32
BASELINE_LEARN_RATE = 5e-5
# Saved off (configs/trf.cfg); turned on for our pipeline's inference on a GPU, as annotate.py does.
MIXED_PRECISION = "components.transformer.model.mixed_precision"

# Sentence lengths in words: lognormal with a mean of about 23 and a long tail, like MultiNERD English.
# At most MAX_LENGTH words (about 200 wordpieces, far below 512): no sentence needs truncating.
LENGTH_MU, LENGTH_SIGMA, MIN_LENGTH, MAX_LENGTH = 2.95, 0.6, 3, 150
# An entity starts at a word with this probability; 1-4 words long, so about 12% of words are in one.
ENTITY_START, ENTITY_LENGTHS, ENTITY_LENGTH_WEIGHTS = 0.075, (1, 2, 3, 4), (50, 30, 15, 5)
PUNCTUATION, PUNCTUATION_SHARE = [",", "(", ")", "-", ":", "'s", '"'], 0.1
# Pseudo-words of one to three syllables, drawn with Zipf frequencies (shorter words more frequent).
ONSETS = ["", "b", "c", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w",
          "br", "ch", "cl", "pr", "sh", "st", "th", "tr"]  # fmt: skip
VOWELS = ["a", "e", "i", "o", "u", "ai", "ea", "ou"]
CODAS = ["", "l", "n", "r", "s", "t", "nd", "ng", "rk", "st"]
LEXICON_SIZE = 50_000
# The tokenizer knows the most frequent words whole (lower-case and capitalised) and splits the others
# into syllables; names are drawn from the rarer words, so they split more often, as real names do.
KNOWN_WORDS, FIRST_NAME_RANK = 11_000, 2_000

Sentence = Tuple[List[str], List[str]]  # words, IOB tags


class Size(str, Enum):
    base = "base"
    tiny = "tiny"


def synthetic_corpus(n_sentences: int) -> Tuple[List[Sentence], List[str]]:
    """MultiNERD-like sentences with valid IOB tags, and the vocabulary entries of their tokenizer."""
    sentences, pieces = synthetic_sentences()
    return list(itertools.islice(sentences, n_sentences)), pieces


def synthetic_sentences(seed: int = SEED) -> Tuple[Iterator[Sentence], List[str]]:
    """An endless stream of MultiNERD-like sentences with valid IOB tags, and their tokenizer's vocabulary."""
    rng = random.Random(seed)
    syllables = [onset + vowel + coda for onset in ONSETS for vowel in VOWELS for coda in CODAS]
    lexicon: Dict[str, None] = {}
    while len(lexicon) < LEXICON_SIZE:
        n_syllables = rng.choices((1, 2, 3), weights=(3, 5, 2))[0]
        lexicon.setdefault("".join(rng.choices(syllables, k=n_syllables)), None)
    words_by_rank = sorted(lexicon, key=len)
    cum_weights = list(itertools.accumulate(1 / (rank + 2.7) for rank in range(LEXICON_SIZE)))
    names = words_by_rank[FIRST_NAME_RANK:]

    def generate() -> Iterator[Sentence]:
        while True:
            length = min(MAX_LENGTH, max(MIN_LENGTH, round(rng.lognormvariate(LENGTH_MU, LENGTH_SIGMA))))
            words: List[str] = []
            tags: List[str] = []
            while len(words) < length - 1:
                if rng.random() < ENTITY_START:
                    label = rng.choice(ENTITY_TYPES)
                    size = min(rng.choices(ENTITY_LENGTHS, ENTITY_LENGTH_WEIGHTS)[0], length - 1 - len(words))
                    words += [name.capitalize() for name in rng.choices(names, k=size)]
                    tags += [f"B-{label}"] + [f"I-{label}"] * (size - 1)
                else:
                    if rng.random() < PUNCTUATION_SHARE:
                        words.append(rng.choice(PUNCTUATION))
                    else:
                        words.append(rng.choices(words_by_rank, cum_weights=cum_weights)[0])
                    tags.append("O")
            words[0] = words[0].capitalize()
            yield words + ["."], tags + ["O"]

    known = words_by_rank[:KNOWN_WORDS]
    pieces = (PUNCTUATION + ["."] + known + [w.capitalize() for w in known]
              + syllables + [s.capitalize() for s in syllables] + [f"##{s}" for s in syllables])  # fmt: skip
    return generate(), pieces


def write_docbin(sentences: Sequence[Sentence], path: Path) -> None:
    vocab = Vocab()
    doc_bin = DocBin(attrs=["ENT_IOB", "ENT_TYPE"])
    for words, tags in sentences:
        doc = Doc(vocab, words=words)
        doc.set_ents([Span(doc, *span) for span in iob_spans(tags)], default="outside")
        doc_bin.add(doc)
    doc_bin.to_disk(path)


def time_steps(step_words: Iterator[int], warmup_steps: int, steps: int, sync: Callable) -> Tuple[float, float]:
    """Take warmup_steps untimed steps of step_words (each yields its words), then `steps` timed ones.

    Returns the timed steps' words/s and words a step.
    """
    for _ in range(warmup_steps):
        next(step_words)
    sync()
    start = perf_counter()
    words = sum(next(step_words) for _ in range(steps))
    sync()
    return words / (perf_counter() - start), words / steps


def train_pipeline(config_path: Path, overrides: Dict[str, Any], pipeline_dir: Path, gpu_id: int,
                   warmup_steps: int, steps: int, sync: Callable) -> Tuple[float, float]:  # fmt: skip
    """Train a config with spaCy's training loop and save it; returns time_steps' figures."""
    nlp = init_nlp(load_config(config_path, overrides=overrides), use_gpu=gpu_id)
    config = nlp.config.interpolate()
    T = registry.resolve(config["training"], schema=ConfigSchemaTraining)
    (train_corpus,) = resolve_dot_names(config, [T["train_corpus"]])
    # The loop of spacy.training.loop.train, endless (no step, epoch or patience limit) and with
    # no evaluation: we take as many steps as we time.
    training = train_while_improving(
        nlp, T["optimizer"], create_train_batches(nlp, train_corpus, T["batcher"], max_epochs=0),
        lambda: (0.0, {}), dropout=T["dropout"], eval_frequency=sys.maxsize,
        accumulate_gradient=T["accumulate_gradient"], patience=0, max_steps=0,
        exclude=T["frozen_components"], annotating_components=T["annotating_components"],
        before_update=T["before_update"],
    )  # fmt: skip
    step_words = (sum(len(eg) for eg in batch) for batch, _, _ in training)
    figures = time_steps(step_words, warmup_steps, steps, sync)
    nlp.to_disk(pipeline_dir)
    return figures


def infer_pipeline(pipeline_dir: Path, sentences: Sequence[Sentence], sync: Callable, overrides: Dict = {}) -> float:
    """Words/s of nlp.pipe over Docs of the words, after one untimed batch; overrides go to spacy.load.

    The Docs are made as they are consumed and then dropped, so that their transformer outputs do not
    pile up in memory.
    """
    nlp = spacy.load(pipeline_dir, config=overrides)
    for _ in nlp.pipe(Doc(nlp.vocab, words=words) for words, _ in sentences[: nlp.batch_size]):
        pass
    sync()
    start = perf_counter()
    for _ in nlp.pipe(Doc(nlp.vocab, words=words) for words, _ in sentences):
        pass
    sync()
    return sum(len(words) for words, _ in sentences) / (perf_counter() - start)


def component_speeds(
    pipeline_dir: Path, sentences: Sequence[Sentence], sync: Callable, overrides: Dict
) -> Dict[str, float]:
    """Words/s of each pipeline component alone, over the Docs that the components before it made.

    Shows where nlp.pipe's time goes. The Docs are all kept between components (with their
    transformer outputs), so run it outside the peak-memory measurement.
    """
    nlp = spacy.load(pipeline_dir, config=overrides)
    n_words = sum(len(words) for words, _ in sentences)
    docs = [Doc(nlp.vocab, words=words) for words, _ in sentences]
    speeds = {}
    for name, component in nlp.pipeline:
        list(component.pipe(docs[: nlp.batch_size], batch_size=nlp.batch_size))  # untimed warm-up
        sync()
        start = perf_counter()
        docs = list(component.pipe(docs, batch_size=nlp.batch_size))
        sync()
        speeds[name] = n_words / (perf_counter() - start)
    return speeds


def autocast_dtype(gpu: bool) -> Optional[torch.dtype]:
    """The baseline's mixed precision: bf16 where the GPU has it, else fp16; none on the CPU."""
    if not gpu:
        return None
    return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16


def train_baseline(model_dir: Path, sentences: Sequence[Sentence], device: torch.device, warmup_steps: int,
                   steps: int, sync: Callable) -> Tuple[float, float]:  # fmt: skip
    """Fine-tune AutoModelForTokenClassification; returns time_steps' figures.

    Batches of BASELINE_BATCH shuffled sentences, padded to their longest; each word's label on its
    first wordpiece, -100 on the others; AdamW; autocast (bf16, or fp16 with a GradScaler) on a GPU.
    """
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    features = []
    for words, tags in sentences:
        encoding = tokenizer(words, is_split_into_words=True)
        previous = None
        labels = []
        for word_id in encoding.word_ids():
            labels.append(-100 if word_id is None or word_id == previous else TAG_IDS[tags[word_id]])
            previous = word_id
        features.append({**encoding, "labels": labels})
    collate = DataCollatorForTokenClassification(tokenizer)
    model = AutoModelForTokenClassification.from_pretrained(model_dir, num_labels=len(TAGS)).to(device)
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=BASELINE_LEARN_RATE)
    dtype = autocast_dtype(device.type == "cuda")
    scaler = torch.amp.GradScaler("cuda", enabled=dtype == torch.float16)
    rng = random.Random(SEED)

    def step_words() -> Iterator[int]:
        order = list(range(len(sentences)))
        while True:
            rng.shuffle(order)
            for start in range(0, len(order), BASELINE_BATCH):
                batch = order[start : start + BASELINE_BATCH]
                inputs = {k: v.to(device) for k, v in collate([features[i] for i in batch]).items()}
                with torch.autocast("cuda", dtype=dtype, enabled=dtype is not None):
                    loss = model(**inputs).loss
                scaler.scale(loss).backward()
                scaler.step(optimizer)
                scaler.update()
                optimizer.zero_grad()
                yield sum(len(sentences[i][0]) for i in batch)

    return time_steps(step_words(), warmup_steps, steps, sync)


def infer_baseline(model_dir: Path, sentences: Sequence[Sentence], batch_size: int, device: torch.device,
                   sync: Callable) -> float:  # fmt: skip
    """Words/s of the forward pass + argmax over pre-tokenized padded batches, after one untimed batch."""
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    batches = [
        tokenizer([words for words, _ in sentences[i : i + batch_size]], is_split_into_words=True,
                  padding=True, return_tensors="pt")
        for i in range(0, len(sentences), batch_size)
    ]  # fmt: skip
    model = AutoModelForTokenClassification.from_pretrained(model_dir, num_labels=len(TAGS)).to(device)
    model.eval()
    dtype = autocast_dtype(device.type == "cuda")

    def predict(batch) -> torch.Tensor:
        with torch.inference_mode(), torch.autocast("cuda", dtype=dtype, enabled=dtype is not None):
            return model(**{k: v.to(device) for k, v in batch.items()}).logits.argmax(-1).cpu()

    predict(batches[0])
    sync()
    start = perf_counter()
    for batch in batches:
        predict(batch)
    sync()
    return sum(len(words) for words, _ in sentences) / (perf_counter() - start)


@dataclass
class Figures:
    training: float  # words/s
    step_words: float
    training_memory: Optional[float]  # GiB; None on the CPU
    inference: float  # words/s
    inference_memory: Optional[float]


def measure(gpu: bool, phase: Callable):
    """Run phase(); return (its result, peak GPU memory in GiB or None on the CPU)."""
    gc.collect()
    if not gpu:
        return phase(), None
    torch.cuda.empty_cache()
    torch.cuda.reset_peak_memory_stats()
    result = phase()
    return result, torch.cuda.max_memory_allocated() / 2**30


def measure_system(gpu: bool, train: Callable, infer: Callable) -> Figures:
    """Run a system's training phase, then its inference phase, each with its peak GPU memory."""
    (training, step_words), training_memory = measure(gpu, train)
    inference, inference_memory = measure(gpu, infer)
    return Figures(training, step_words, training_memory, inference, inference_memory)


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
        if not isinstance(section, dict) or name not in section or isinstance(section[name], dict):
            fail(f"--variant {text!r}: {key} is not a setting of {CONFIG.relative_to(ROOT)}")
    return overrides


def ratio(ours: Optional[float], baseline: Optional[float]) -> str:
    return "n/a" if ours is None or baseline is None else f"{ours / baseline:.2f}"


def speed(words_per_s: float) -> str:
    return f"{words_per_s:,.0f}"


def memory(gib: Optional[float]) -> str:
    return "n/a" if gib is None else f"{gib:.2f}"


def table(ours: Figures, baseline: Figures, ours_cpu: float, components: Dict[str, float]) -> List[str]:
    rows = [
        ("training, words/s", speed, "training"),
        ("inference, words/s", speed, "inference"),
        ("peak GPU memory, training (GiB)", memory, "training_memory"),
        ("peak GPU memory, inference (GiB)", memory, "inference_memory"),
    ]
    lines = ["| | ours: spaCy (configs/trf.cfg) | baseline: Transformers | ours / baseline |",
             "| --- | ---: | ---: | ---: |"]  # fmt: skip
    for name, show, field in rows:
        a, b = getattr(ours, field), getattr(baseline, field)
        lines.append(f"| {name} | {show(a)} | {show(b)} | {ratio(a, b)} |")
        if field == "inference":
            lines += [f"| inference, {component} component alone, words/s | {speed(words_per_s)} | — | — |"
                      for component, words_per_s in components.items()]  # fmt: skip
    return lines + [f"| inference on the CPU, words/s | {speed(ours_cpu)} | — | — |"]


def variants_table(variants: Dict[str, Figures], baseline: Figures) -> List[str]:
    """A row per variant of our config: its words/s and memory, and its ratios to the baseline."""
    lines = ["| variant of configs/trf.cfg | training, words/s | words a step | inference, words/s "
             "| training: ours / baseline | inference: ours / baseline | peak GPU memory, training / inference (GiB) |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]  # fmt: skip
    for name, ours in variants.items():
        lines.append(
            f"| {name} | {speed(ours.training)} | {ours.step_words:,.0f} | {speed(ours.inference)} "
            f"| {ratio(ours.training, baseline.training)} | {ratio(ours.inference, baseline.inference)} "
            f"| {memory(ours.training_memory)} / {memory(ours.inference_memory)} |"
        )  # fmt: skip
    return lines


def describe_corpus(sentences: Sequence[Sentence], model_dir: Path) -> str:
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    lengths = [len(words) for words, _ in sentences]
    encodings = tokenizer([words for words, _ in sentences], is_split_into_words=True)["input_ids"]
    wordpieces = sum(len(ids) - 2 for ids in encodings)  # less [CLS] and [SEP]
    entity_words = sum(tag != "O" for _, tags in sentences for tag in tags)
    return (f"{len(sentences):,} synthetic sentences, {sum(lengths) / len(sentences):.1f} words on average "
            f"(longest {max(lengths)}), {entity_words / sum(lengths):.1%} of words in entities, "
            f"{wordpieces / sum(lengths):.2f} wordpieces a word")  # fmt: skip


def write_section(path: Path, key: str, body: str) -> None:
    """Put body between key's markers in path: in place of the section there, else appended."""
    start, end = f"<!-- benchmark.py: {key} -->", f"<!-- /benchmark.py: {key} -->"
    section = f"{start}\n{body.strip()}\n{end}"
    text = path.read_text(encoding="utf8") if path.exists() else ""
    if start in text and end in text:
        before, _, rest = text.partition(start)
        text = before + section + rest.partition(end)[2]
    else:
        text = (text.rstrip("\n") + "\n\n" if text.strip() else "") + section + "\n"
    write_atomically(path, write_text(text))


def main(
    size: Size = typer.Option(Size.base, "--size", help="Encoder: base (bert-base-cased's size) or tiny (smoke runs)"),
    gpu_id: int = typer.Option(0, "--gpu-id", help="GPU to measure on; -1 for the CPU"),
    n_sentences: int = typer.Option(5000, "--sentences", help="Synthetic sentences to train on and to run inference on"),
    cpu_sentences: int = typer.Option(500, "--cpu-sentences", help="Of those, how many nlp.pipe runs on the CPU (GPU runs)"),
    warmup_steps: int = typer.Option(10, "--warmup-steps", help="Untimed training steps before the timed ones"),
    steps: int = typer.Option(100, "--steps", help="Timed training steps"),
    output: Path = typer.Option(ROOT / "benchmarks" / "RESULTS.md", "--output", help="Markdown file to put the report into"),
    variants: List[str] = typer.Option([], "--variant", help='Also measure ours with these overrides of the config, e.g. "training.batcher.size=4000 nlp.batch_size=128"; repeatable'),
):  # fmt: skip
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
        model_dir, train_path, pipeline_dir = Path(tmp, "bert"), Path(tmp, "train.spacy"), Path(tmp, "pipeline")
        paths = {"paths.train": str(train_path), "paths.dev": str(train_path), "paths.transformer": str(model_dir)}
        if size == Size.tiny:
            write_bert(model_dir, pieces, **TINY_BERT)
        else:
            write_bert(model_dir, pieces, vocab_size=BASE_VOCAB_SIZE)
        write_docbin(sentences, train_path)

        load_overrides = {MIXED_PRECISION: True} if gpu else {}

        def measure_ours(overrides: Dict[str, Any], output_dir: Path) -> Figures:
            return measure_system(
                gpu,
                lambda: train_pipeline(CONFIG, {**paths, **overrides}, output_dir, gpu_id, warmup_steps, steps, sync),
                lambda: infer_pipeline(output_dir, sentences, sync, load_overrides),
            )

        print("Training and inference of ours, then of the baseline", file=sys.stderr)
        ours = measure_ours({}, pipeline_dir)
        baseline = measure_system(
            gpu,
            lambda: train_baseline(model_dir, sentences, device, warmup_steps, steps, sync),
            lambda: infer_baseline(model_dir, sentences, infer_batch, device, sync),
        )
        components = component_speeds(pipeline_dir, sentences, sync, load_overrides)
        measured_variants = {"the config as it is": ours}
        for i, (text, overrides) in enumerate(variant_overrides.items()):
            print(f"Training and inference of ours with {text}", file=sys.stderr)
            measured_variants[f"`{text}`"] = measure_ours(overrides, Path(tmp, f"variant{i}"))
        if gpu:
            require_cpu()
            ours_cpu = infer_pipeline(pipeline_dir, sentences[:cpu_sentences], lambda: None, {})
        else:
            ours_cpu = ours.inference
        encoder = AutoConfig.from_pretrained(model_dir)
        corpus = describe_corpus(sentences, model_dir)
    where = "GPU" if gpu else "CPU"
    variant_args = "".join(f' --variant "{text}"' for text in variants)
    precisions = {None: "fp32", torch.bfloat16: "bf16 autocast", torch.float16: "fp16 autocast + GradScaler"}
    lines = [f"## Throughput: our pipeline vs. Transformers token classification ({size.value} encoder, {where})", ""]
    if size == Size.tiny:
        lines += ["A run of the tiny test encoder: its transformer costs next to nothing, so the totals and "
                  "ratios say nothing about our speed with a real encoder. The ner row still shows what NER "
                  "decoding costs, which runs on the CPU whatever the device.", ""]  # fmt: skip
    lines += table(ours, baseline, ours_cpu, components) + [
        "",
        f"- Command: `python benchmarks/benchmark.py --size {size.value} --gpu-id {gpu_id} --sentences "
        f"{n_sentences} --cpu-sentences {cpu_sentences} --warmup-steps {warmup_steps} --steps {steps}"
        f"{variant_args}`",
        f"- Device: {torch.cuda.get_device_name(device) + '; CPU: ' if gpu else ''}{cpu_name()}, "
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
    ]  # fmt: skip
    if variants:
        lines += ["", "### Variants of our config", "",
                  "Ours trained and run again with each variant's overrides of configs/trf.cfg, as above; "
                  "the ratios are to the baseline above.", ""] + variants_table(measured_variants, baseline)  # fmt: skip
    report = "\n".join(lines)
    print(report)
    write_section(output, f"throughput-{size.value}-{where.lower()}", report)


if __name__ == "__main__":
    typer.run(main)
