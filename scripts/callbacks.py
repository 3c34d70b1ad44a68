"""Training callbacks for configs/trf.cfg, loaded with `spacy train --code scripts/callbacks.py`.

Only [initialize] refers to them, so a packaged pipeline loads without this file.
"""
from typing import Callable

from spacy.language import Language
from spacy.util import registry
from thinc.api import NumpyOps, PyTorchGradScaler, get_current_ops
from thinc.shims import PyTorchShim


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
