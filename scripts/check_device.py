"""Say which device the workflow will train on, or stop in one line if it cannot use the one asked for.

    python scripts/check_device.py --gpu-id GPU_ID

Runs first in `weasel run all`, so a machine without a usable GPU learns it before any work is done.
"""
import typer
from wasabi import msg

from cli import fail


def gpu_problem(gpu_id: int) -> str:
    """Why spaCy cannot train on GPU gpu_id here, or '' if it can."""
    import torch
    from thinc.util import has_cupy

    if not torch.cuda.is_available():
        return "this machine has no CUDA GPU that torch can use"
    if gpu_id >= torch.cuda.device_count():
        return f"this machine has {torch.cuda.device_count()} CUDA GPU(s), numbered from 0"
    if not has_cupy:
        return "CuPy is not installed (pip install cupy-cuda12x, or the build for your CUDA version)"
    return ""


def main(gpu_id: int = typer.Option(..., "--gpu-id", help="GPU to train on; -1 for the CPU")):
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
    import torch

    msg.info(f"Training and evaluating on GPU {gpu_id}: {torch.cuda.get_device_name(gpu_id)}")


if __name__ == "__main__":
    typer.run(main)
