"""Training callbacks and the train corpus reader of configs/*.cfg, loaded with `spacy train --code scripts/callbacks.py`.

Only [initialize], [corpora] and [training] refer to them, so a packaged pipeline loads without this file.
"""

import random
import re
import shutil
import sys
from pathlib import Path
from types import MethodType
from typing import Callable, Dict, Iterator, Optional, Tuple

import torch
from spacy.language import Language
from spacy.training import Corpus, Example
from spacy.training.loop import DIR_MODEL_BEST
from spacy.util import registry
from thinc.api import NumpyOps, Optimizer, PyTorchGradScaler, get_current_ops
from thinc.shims import PyTorchShim
from thinc.util import torch2xp, xp2torch

# spacy train --code imports this file alone; its neighbours are the project's modules.
sys.path.insert(0, str(Path(__file__).resolve().parent))
import entity_scores  # noqa: E402,F401  (the pipelines' entity_scores component)
from corpus import count_docs, docbin_files  # noqa: E402
from multinerd import TAGSETS  # noqa: E402

# One token each, as in MultiNERD's Chinese data: Han characters (with extension A and the compatibility
# ideographs), CJK symbols and punctuation, and full-width forms.
CJK_CHARACTER = "[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]"


@registry.readers("multinerd.MixedCorpus.v1")
def mixed_corpus(path: Path, buffer: int) -> Callable[[Language], Iterator[Example]]:
    """The train corpus streamed in a new order each epoch, holding at most `buffer` examples in memory.

    path is a DocBin or a folder of them (one a language). Each next example comes from a file chosen at
    random in proportion to the docs it has left, so the languages are mixed all through an epoch; the
    examples then pass through a shuffle buffer. Use it with [training] max_epochs = -1: with any other
    value spaCy's training loop holds every example of the corpus in memory, whatever the reader. Draws
    from Python's random, which spacy train seeds with [training] seed.
    """
    sizes = {
        file: count_docs(file) for file in docbin_files(Path(path))
    }  # counted once, not each epoch

    def read(nlp: Language) -> Iterator[Example]:
        streams = [iter(Corpus(file)(nlp)) for file, size in sizes.items() if size]
        left = [size for size in sizes.values() if size]
        pool = []
        while streams:
            i = random.choices(range(len(streams)), weights=left)[0]
            example = next(streams[i], None)
            left[i] -= 1
            if example is not None:
                pool.append(example)
            if example is None or left[i] == 0:
                del streams[i], left[i]
            if len(pool) == buffer:
                j = random.randrange(buffer)
                pool[j], pool[-1] = pool[-1], pool[j]
                yield pool.pop()
        random.shuffle(pool)
        yield from pool

    return read


@registry.misc("multinerd.ner_labels.v1")
def ner_labels(tagset: str) -> Dict[str, Dict[str, int]]:
    """The NER's moves for a tagset's labels, as `spacy init labels` writes them for [initialize.components.ner]
    labels: B, I, L and U of each label, and U and O of none (the actions 1-5 of spaCy's BiluoPushDown)."""
    begin, inside, last, unit, out = "1", "2", "3", "4", "5"
    moves = {
        action: {label: 1 for label in TAGSETS[tagset]}
        for action in (begin, inside, last, unit)
    }
    moves[unit][""] = 1
    moves[out] = {"": 1}
    return {"0": {}, **moves}


@registry.loggers("multinerd.ConsoleLogger.v1")
def console_logger(progress_bar: bool = False) -> Callable:
    """spaCy's console logger, and a model-best that is always a trained step: the best evaluation after step 0.

    spaCy's loop counts its first evaluation, made after a single update, when it picks model-best: a run
    whose later steps never score above that untrained pipeline would package it. spaCy saves each
    evaluated step to model-last before it logs the step; when the step is past 0, scores at least as high
    as every evaluation since step 0 (the latest of equals, as spaCy picks) and spaCy did not just copy
    it to model-best itself, this copies model-last over model-best.
    """
    spacy_console_logger = registry.loggers.get("spacy.ConsoleLogger.v2")(
        progress_bar=progress_bar
    )

    def setup(
        nlp: Language, stdout, stderr
    ) -> Tuple[Callable[[Optional[Dict]], None], Callable[[], None]]:
        log_step, finalize = spacy_console_logger(nlp, stdout, stderr)
        best_trained = None

        def log(info: Optional[Dict]) -> None:
            nonlocal best_trained
            log_step(info)
            if info is None or info["step"] == 0 or "output_path" not in info:
                return
            if best_trained is None or info["score"] >= best_trained:
                best_trained = info["score"]
                # else spaCy copied it
                if info["score"] < max(score for score, _ in info["checkpoints"]):
                    last = Path(info["output_path"])
                    shutil.rmtree(last.parent / DIR_MODEL_BEST, ignore_errors=True)
                    shutil.copytree(last, last.parent / DIR_MODEL_BEST)

        return log, finalize

    return setup


@registry.callbacks("multinerd.cjk_characters.v1")
def cjk_characters() -> Callable[[Language], Language]:
    """Make every CJK character a token of its own, as MultiNERD's Chinese tokens are, in raw text too.

    Adds the character to the tokenizer's prefix, suffix and infix patterns, which the tokenizer saves
    with the pipeline: the packaged pipeline splits Chinese text into characters without this file,
    while text with spaces between words is tokenized by the language's own rules as before. A
    tokenizer without such patterns (spaCy's Chinese one, which splits characters itself) is left as it is.
    """

    def before_init(nlp: Language) -> Language:
        tokenizer = nlp.tokenizer
        if not hasattr(tokenizer, "prefix_search"):
            return nlp
        patterns = {
            "prefix_search": f"^{CJK_CHARACTER}",
            "suffix_search": f"{CJK_CHARACTER}$",
            "infix_finditer": CJK_CHARACTER,
        }
        for attr, pattern in patterns.items():
            current = getattr(tokenizer, attr)
            regex = re.compile(
                f"{current.__self__.pattern}|{pattern}"
                if current is not None
                else pattern
            )
            setattr(
                tokenizer,
                attr,
                regex.finditer if attr == "infix_finditer" else regex.search,
            )
        return nlp

    return before_init


def finish_update_in_place(shim: PyTorchShim, optimizer: Optimizer) -> None:
    """thinc's PyTorchShim.finish_update, with the optimizer's output copied into each parameter.

    thinc's own rebinds each parameter's .data to a tensor made from the optimizer's output, a DLPack
    view that keeps the previous tensor alive: with torch 2.13 every step left a copy of every weight
    behind (training memory grew by the encoder's size a step). The weights are the same either way.
    """
    for name, param in shim._model.named_parameters():
        if param.grad is None:
            continue
        # a step whose gradients overflowed is skipped
        if not shim._grad_scaler.found_inf:
            weights, _ = optimizer(
                (shim.id, name), torch2xp(param.data), torch2xp(param.grad)
            )
            with torch.no_grad():
                param.copy_(xp2torch(weights, device=param.device))
        param.grad.zero_()
    shim._grad_scaler.update()


@registry.callbacks("multinerd.pytorch_shims.v1")
def pytorch_shims() -> Callable[[Language], Language]:
    """Fit the pipeline's PyTorch layers for training: weights updated in place, mixed precision on a GPU.

    The configs save mixed precision off (so a packaged pipeline asks no CPU for autocast) and this turns it
    on where training runs on a GPU; thinc's gradient scaler needs a CUDA GPU, so one config trains on either.
    The update in place (finish_update_in_place) keeps training memory flat.
    """

    def after_init(nlp: Language) -> Language:
        for shim in pytorch_shims_of(nlp):
            shim.finish_update = MethodType(finish_update_in_place, shim)
        return mixed_precision_on_gpu(nlp)

    return after_init


def pytorch_shims_of(nlp: Language) -> Iterator[PyTorchShim]:
    for _, component in nlp.pipeline:
        model = getattr(component, "model", None)
        for shim in (
            (shim for node in model.walk() for shim in node.shims) if model else ()
        ):
            if isinstance(shim, PyTorchShim):
                yield shim


def mixed_precision_on_gpu(nlp: Language) -> Language:
    """nlp with mixed precision (and its gradient scaler) turned on if it runs on a GPU."""
    if not isinstance(get_current_ops(), NumpyOps):
        for shim in pytorch_shims_of(nlp):
            shim._mixed_precision = True
            shim._grad_scaler = PyTorchGradScaler(enabled=True)
    return nlp
