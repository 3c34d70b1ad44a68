"""The device step: one line and exit 1 for a GPU that cannot be used, on this machine without one."""

import pytest

import check_device
from helpers import run_script


def test_no_gpu_stops_in_one_line_that_says_what_to_pass():
    result = run_script("check_device.py", "--gpu-id", "0")
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(
        "✘ --vars.gpu_id 0: this machine has no CUDA GPU that torch can use. To train on the CPU"
    )


def test_each_gpu_check_failing_is_one_line(monkeypatch, capsys):
    """The later checks, made to fail on the CPU: CuPy's round trip and the update comparison."""
    import spacy
    import thinc.util
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    monkeypatch.setattr(thinc.util, "has_cupy", True)
    monkeypatch.setattr(spacy, "require_gpu", lambda gpu_id: True)
    monkeypatch.setattr(thinc.util, "torch2xp", lambda tensor: tensor)
    monkeypatch.setattr(thinc.util, "xp2torch", lambda array: array.cpu())
    # no CUDA tensor here
    assert "a torch↔CuPy round trip through DLPack failed" in check_device.gpu_problem(
        0
    )
    monkeypatch.setattr(torch, "arange", lambda *args, **kwargs: torch.ones(6))
    monkeypatch.setattr(check_device, "update_difference", lambda: 0.5)
    assert (
        check_device.gpu_problem(0)
        == "the in-place weight update differs from thinc's by 0.5 after 5 mixed-precision steps"
    )
    with pytest.raises(SystemExit):
        check_device.main(gpu_id=0)
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("✘ --vars.gpu_id 0: the in-place weight update differs")


def test_our_update_gives_thincs_weights_on_this_device():
    assert check_device.update_difference() <= check_device.UPDATE_TOLERANCE
