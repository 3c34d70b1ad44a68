"""Training callbacks for configs/*.cfg, loaded with `spacy train --code scripts/callbacks.py`.

Only [initialize] refers to them, so a packaged pipeline loads without this file.
"""
import re
from typing import Callable

from spacy.language import Language
from spacy.util import registry
from thinc.api import NumpyOps, PyTorchGradScaler, get_current_ops
from thinc.shims import PyTorchShim


# One token each, as in MultiNERD's Chinese data: Han characters (with extension A and the compatibility
# ideographs), CJK symbols and punctuation, and full-width forms.
CJK_CHARACTER = "[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]"


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
        patterns = {"prefix_search": f"^{CJK_CHARACTER}", "suffix_search": f"{CJK_CHARACTER}$", "infix_finditer": CJK_CHARACTER}
        for attr, pattern in patterns.items():
            current = getattr(tokenizer, attr)
            regex = re.compile(f"{current.__self__.pattern}|{pattern}" if current is not None else pattern)
            setattr(tokenizer, attr, regex.finditer if attr == "infix_finditer" else regex.search)
        return nlp

    return before_init


@registry.callbacks("multinerd.mixed_precision_on_gpu_only.v1")
def mixed_precision_on_gpu_only() -> Callable[[Language], Language]:
    """Turn mixed precision off when training on the CPU (--gpu-id -1).

    Mixed precision needs a CUDA GPU: thinc's gradient scaler refuses CPU tensors. This lets one
    config train on either, with mixed precision wherever it can work.
    """

    def after_init(nlp: Language) -> Language:
        if isinstance(get_current_ops(), NumpyOps):
            for _, component in nlp.pipeline:
                model = getattr(component, "model", None)
                shims = [shim for node in model.walk() for shim in node.shims] if model else []
                for shim in shims:
                    if isinstance(shim, PyTorchShim):
                        shim._mixed_precision = False
                        shim._grad_scaler = PyTorchGradScaler(enabled=False)
        return nlp

    return after_init
