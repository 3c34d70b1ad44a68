"""How the throughput benchmark times a system: words/s over timed steps, and the peak GPU memory of each phase."""

import gc
from dataclasses import dataclass
from time import perf_counter
from typing import Callable, Iterator, Optional, Tuple

import torch


def time_steps(
    step_words: Iterator[int], warmup_steps: int, steps: int, sync: Callable
) -> Tuple[float, float]:
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
