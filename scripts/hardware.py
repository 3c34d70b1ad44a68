"""The hardware a run uses, as the score files and benchmark reports name it: the CPU's model, a GPU's name."""

import os
import platform
from pathlib import Path


def cpu_name() -> str:
    """The CPU's model (from /proc/cpuinfo), else what Python's platform module knows of it."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def gpu_name(gpu_id: int) -> str:
    """The name CUDA gives GPU gpu_id."""
    import torch

    return torch.cuda.get_device_name(gpu_id)


def describe_device(gpu_id: int) -> str:
    """The device the pipeline runs on: the GPU's name, or the CPU's model and core count."""
    if gpu_id >= 0:
        return f"GPU: {gpu_name(gpu_id)}"
    return f"CPU: {cpu_name()} ({os.cpu_count()} cores)"
