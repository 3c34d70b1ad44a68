"""Say which device the workflow will train on, or stop in one line if it cannot use the one asked for.

    python scripts/check_device.py --gpu-id GPU_ID

Runs first in `weasel run all`, so a machine without a usable GPU learns it before any work is done. On a
GPU it checks, in order: a CUDA GPU that torch sees, CuPy, spaCy's require_gpu, a torch↔CuPy round trip
through DLPack (how spacy-transformers passes tensors), and a few mixed-precision update steps of a small
torch layer with the project's in-place weight update (scripts/callbacks.py) against thinc's own.
"""

import numpy
import typer
from wasabi import msg

from hardware import gpu_name
from safe_io import fail, one_line

# The most the weights may differ after the update steps, ours against thinc's: they compute the same.
UPDATE_TOLERANCE = 1e-5


def update_difference(steps: int = 5) -> float:
    """The largest difference between a small layer's weights after `steps` updates with thinc's
    PyTorchShim.finish_update and with the project's in-place one, on the current device (mixed precision
    on a GPU, as training uses it)."""
    import torch
    from thinc.api import (
        Adam,
        NumpyOps,
        PyTorchGradScaler,
        PyTorchWrapper_v2,
        get_current_ops,
    )

    from callbacks import finish_update_in_place

    ops = get_current_ops()
    on_gpu = not isinstance(ops, NumpyOps)
    weights = []
    for in_place in (False, True):
        torch.manual_seed(0)
        layer = torch.nn.Linear(32, 4)
        model = PyTorchWrapper_v2(
            layer, mixed_precision=on_gpu, grad_scaler=PyTorchGradScaler(enabled=on_gpu)
        )
        X = ops.asarray2f(numpy.random.default_rng(0).random((8, 32), dtype="float32"))
        model.initialize(X=X)
        optimizer = Adam(
            0.01, L2=0.01, grad_clip=1.0, L2_is_weight_decay=True, use_averages=False
        )
        shim = model.shims[0]
        for _ in range(steps):
            Y, backprop = model.begin_update(X)
            backprop(ops.alloc2f(*Y.shape) + 1)
            if in_place:
                finish_update_in_place(shim, optimizer)
            else:
                shim.finish_update(optimizer)
        weights.append(shim._model.weight.detach().float().cpu().numpy())
    return float(numpy.abs(weights[0] - weights[1]).max())


def gpu_problem(gpu_id: int) -> str:
    """Why spaCy cannot train on GPU gpu_id here, or '' if it can."""
    import spacy
    import torch
    from thinc.util import has_cupy, torch2xp, xp2torch

    if not torch.cuda.is_available():
        return "this machine has no CUDA GPU that torch can use"
    if gpu_id >= torch.cuda.device_count():
        return (
            f"this machine has {torch.cuda.device_count()} CUDA GPU(s), numbered from 0"
        )
    if not has_cupy:
        return "CuPy is not installed (pip install -r requirements-gpu.txt)"
    try:
        spacy.require_gpu(gpu_id)
    except Exception as err:  # CuPy's and CUDA's own errors
        return f"spaCy cannot use it ({one_line(err)})"
    try:
        tensor = torch.arange(6, dtype=torch.float32, device=f"cuda:{gpu_id}")
        if not torch.equal(xp2torch(torch2xp(tensor) * 2), tensor * 2):
            return "a torch↔CuPy round trip through DLPack changed the values"
    except Exception as err:
        return f"a torch↔CuPy round trip through DLPack failed ({one_line(err)})"
    try:
        difference = update_difference()
    except Exception as err:
        return f"mixed-precision update steps failed ({one_line(err)})"
    if difference > UPDATE_TOLERANCE:
        return f"the in-place weight update differs from thinc's by {difference:.2g} after 5 mixed-precision steps"
    return ""


def main(
    gpu_id: int = typer.Option(..., "--gpu-id", help="GPU to train on; -1 for the CPU"),
):
    """Check that the workflow can run on the GPU asked for, and say which device it will use."""
    if gpu_id < 0:
        msg.info("Training and evaluating on the CPU (--vars.gpu_id -1)")
        return
    problem = gpu_problem(gpu_id)
    if problem:
        fail(
            f"--vars.gpu_id {gpu_id}: {problem}. To train on the CPU, pass --vars.gpu_id -1 "
            "(and --vars.pipeline cnn for a pipeline that trains in hours there), e.g. "
            "`weasel run all . --vars.gpu_id -1 --vars.pipeline cnn`"
        )
    msg.info(f"Training and evaluating on GPU {gpu_id}: {gpu_name(gpu_id)}")


if __name__ == "__main__":
    typer.run(main)
