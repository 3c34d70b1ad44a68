"""The weight update of multinerd.pytorch_shims.v1 (scripts/callbacks.py): the weights that thinc's own
PyTorchShim.finish_update gives, without the copy of every weight that thinc's leaves behind each step."""

import gc

import numpy
import torch
from thinc.api import Adam, PyTorchWrapper

from callbacks import finish_update_in_place


def live_tensors() -> int:
    gc.collect()
    return sum(isinstance(obj, torch.Tensor) for obj in gc.get_objects())


def train(in_place: bool, steps: int):
    """(weights after `steps` updates of a linear layer, torch tensors left alive by them)."""
    torch.manual_seed(0)
    model = PyTorchWrapper(torch.nn.Linear(30, 4))
    X = numpy.random.default_rng(0).random((8, 30), dtype="float32")
    model.initialize(X=X)
    # trf.cfg's optimizer, with a fixed learning rate.
    optimizer = Adam(
        0.01, L2=0.01, grad_clip=1.0, L2_is_weight_decay=True, use_averages=False
    )
    shim = model.shims[0]
    before = live_tensors()
    for _ in range(steps):
        Y, backprop = model.begin_update(X)
        backprop(numpy.ones_like(Y))
        if in_place:
            finish_update_in_place(shim, optimizer)
        else:
            shim.finish_update(optimizer)
    weights = shim._model.weight.detach().numpy().copy()
    return weights, live_tensors() - before


def test_same_weights_as_thincs_update_and_no_tensor_left_behind_a_step():
    # A step of each first: what torch or thinc make once, on first use, is then made before the counts.
    train(in_place=False, steps=1)
    train(in_place=True, steps=1)
    thincs, thinc_after_10 = train(in_place=False, steps=10)
    ours, ours_after_10 = train(in_place=True, steps=10)
    numpy.testing.assert_allclose(ours, thincs, rtol=0, atol=1e-6)
    _, thinc_after_20 = train(in_place=False, steps=20)
    _, ours_after_20 = train(in_place=True, steps=20)
    # thinc's keeps each step's weight and bias tensors; when it stops, the workaround can go.
    assert thinc_after_20 - thinc_after_10 == 2 * 10
    assert ours_after_20 == ours_after_10
