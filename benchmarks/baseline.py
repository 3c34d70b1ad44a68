"""The throughput benchmark's baseline: AutoModelForTokenClassification in the usual PyTorch loop."""

import random
from pathlib import Path
from time import perf_counter
from typing import Callable, Iterator, Optional, Sequence, Tuple

import torch
from transformers import (
    AutoModelForTokenClassification,
    AutoTokenizer,
    DataCollatorForTokenClassification,
)

from multinerd import TAG_IDS, TAGS
from throughput_data import SEED, Sentence
from timing import time_steps

# Sentences per batch of the baseline's training, as in the Transformers token-classification examples.
BASELINE_BATCH = 32
BASELINE_LEARN_RATE = 5e-5


def autocast_dtype(gpu: bool) -> Optional[torch.dtype]:
    """The baseline's mixed precision: bf16 where the GPU has it, else fp16; none on the CPU."""
    if not gpu:
        return None
    return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16


def train_baseline(
    model_dir: Path,
    sentences: Sequence[Sentence],
    device: torch.device,
    warmup_steps: int,
    steps: int,
    sync: Callable,
) -> Tuple[float, float]:
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
            labels.append(
                -100
                if word_id is None or word_id == previous
                else TAG_IDS[tags[word_id]]
            )
            previous = word_id
        features.append({**encoding, "labels": labels})
    collate = DataCollatorForTokenClassification(tokenizer)
    model = AutoModelForTokenClassification.from_pretrained(
        model_dir, num_labels=len(TAGS)
    ).to(device)
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
                inputs = {
                    k: v.to(device)
                    for k, v in collate([features[i] for i in batch]).items()
                }
                with torch.autocast("cuda", dtype=dtype, enabled=dtype is not None):
                    loss = model(**inputs).loss
                scaler.scale(loss).backward()
                scaler.step(optimizer)
                scaler.update()
                optimizer.zero_grad()
                yield sum(len(sentences[i][0]) for i in batch)

    return time_steps(step_words(), warmup_steps, steps, sync)


def infer_baseline(
    model_dir: Path,
    sentences: Sequence[Sentence],
    batch_size: int,
    device: torch.device,
    sync: Callable,
) -> float:
    """Words/s of the forward pass + argmax over pre-tokenized padded batches, after one untimed batch."""
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    batches = [
        tokenizer(
            [words for words, _ in sentences[i : i + batch_size]],
            is_split_into_words=True,
            padding=True,
            return_tensors="pt",
        )
        for i in range(0, len(sentences), batch_size)
    ]
    model = AutoModelForTokenClassification.from_pretrained(
        model_dir, num_labels=len(TAGS)
    ).to(device)
    model.eval()
    dtype = autocast_dtype(device.type == "cuda")

    def predict(batch) -> torch.Tensor:
        with (
            torch.inference_mode(),
            torch.autocast("cuda", dtype=dtype, enabled=dtype is not None),
        ):
            return (
                model(**{k: v.to(device) for k, v in batch.items()})
                .logits.argmax(-1)
                .cpu()
            )

    predict(batches[0])
    sync()
    start = perf_counter()
    for batch in batches:
        predict(batch)
    sync()
    return sum(len(words) for words, _ in sentences) / (perf_counter() - start)
