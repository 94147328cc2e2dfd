"""Building MLPs from a spec: shapes, validation, determinism, the weight cache."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from widgets.core.layers import ACTIVATIONS, activation_names, make_activation
from widgets.core.mlp import (
    LinearCache,
    MLPSpec,
    build_mlp,
    default_inputs,
    init_linear_,
    layer_seed,
    response_line,
)


def test_spec_normalizes_and_broadcasts() -> None:
    spec = MLPSpec(20, [64, 32], "TANH", 10, 3)
    assert spec.hidden_sizes == (64, 32)
    assert spec.activations == ("tanh", "tanh")
    assert spec.layer_sizes == (20, 64, 32, 10)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"hidden_sizes": (0,)}, ValueError,
         r"hidden_sizes\[0\] must be an integer from 1 to 4096"),
        ({"hidden_sizes": (5000,)}, ValueError, r"got 5000"),
        ({"hidden_sizes": (8.0,)}, TypeError, r"got 8.0 \(float\)"),
        ({"hidden_sizes": (True,)}, TypeError, r"got True \(bool\)"),
        ({"hidden_sizes": None}, TypeError, r"hidden_sizes must be a tuple"),
        ({"hidden_sizes": (1,) * 9}, ValueError, r"hidden_sizes must have 0 to 8 entries, got 9"),
        ({"activations": "swish"}, ValueError, r"activations must be one of relu, .*got 'swish'"),
        ({"activations": ("relu", "tanh")}, ValueError, r"one name per hidden layer \(1\), got 2"),
        ({"activations": None}, TypeError, r"activations must be one activation name"),
        ({"activations": (None,)}, TypeError, r"activations\[0\] must be one of"),
        ({"in_features": 0}, ValueError, r"in_features must be an integer from 1 to 4096"),
        ({"out_features": -1}, ValueError, r"out_features must be an integer from 1 to 4096"),
        ({"seed": -1}, ValueError, r"seed must be an integer from 0 to 4294967295"),
        ({"seed": 1.5}, TypeError, r"seed must be an integer"),
    ],
)
def test_spec_rejects_bad_values_with_field_names(kwargs: dict, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        MLPSpec(**kwargs)


def test_build_mlp_layout_matches_the_book() -> None:
    net = build_mlp(MLPSpec(20, (256,), "relu", 10))
    assert [type(m) for m in net] == [nn.Linear, nn.ReLU, nn.Linear]
    assert net(torch.rand(2, 20)).shape == torch.Size([2, 10])
    assert sum(p.numel() for p in net.parameters()) == 20 * 256 + 256 + 256 * 10 + 10


def test_zero_hidden_layers_is_a_linear_model() -> None:
    net = build_mlp(MLPSpec(3, (), "relu", 2))
    assert [type(m) for m in net] == [nn.Linear]


def test_every_activation_builds_and_is_fresh() -> None:
    for name in activation_names():
        a, b = make_activation(name), make_activation(name)
        assert isinstance(a, nn.Module) and a is not b
    assert set(ACTIVATIONS) >= {"relu", "sigmoid", "tanh", "gelu", "leaky_relu", "elu", "silu",
                                "identity"}


def test_same_spec_same_weights_and_activation_does_not_change_weights() -> None:
    a = build_mlp(MLPSpec(20, (16, 16), "relu", 10, seed=4))
    b = build_mlp(MLPSpec(20, (16, 16), "tanh", 10, seed=4))
    for pa, pb in zip(a.parameters(), b.parameters()):
        assert torch.equal(pa, pb)
    c = build_mlp(MLPSpec(20, (16, 16), "relu", 10, seed=5))
    assert not torch.equal(a[0].weight, c[0].weight)


def test_each_layer_depends_only_on_its_own_shape_and_seed() -> None:
    a = build_mlp(MLPSpec(20, (16, 16), "relu", 10))
    b = build_mlp(MLPSpec(20, (16, 99), "relu", 10))
    assert torch.equal(a[0].weight, b[0].weight)  # widening layer 2 leaves layer 1 alone


def test_build_does_not_touch_the_global_random_state() -> None:
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    build_mlp(MLPSpec(20, (64,), "relu", 10))
    assert torch.equal(torch.rand(3), expected)


def test_init_matches_pytorch_default_range() -> None:
    layer = init_linear_(nn.Linear(400, 50), layer_seed(0, 0))
    bound = 1 / 400**0.5
    assert layer.weight.abs().max() <= bound and layer.weight.abs().max() > 0.9 * bound
    assert layer.bias.abs().max() <= bound


def test_cache_hands_out_copies_and_evicts() -> None:
    cache = LinearCache(max_bytes=2 * (4 * 3 + 3) * 4)
    first = cache.linear(4, 3, 7)
    with torch.no_grad():
        first.weight.fill_(100.0)  # a reader edits the net they were given
    second = cache.linear(4, 3, 7)
    assert not torch.equal(second.weight, first.weight)
    assert torch.equal(second.weight, init_linear_(nn.Linear(4, 3), 7).weight)
    cache.linear(4, 3, 8)
    cache.linear(4, 3, 9)
    assert list(cache._entries) == [(4, 3, 8), (4, 3, 9)] and cache.nbytes == 2 * 15 * 4
    cache.linear(100, 100, 0)  # larger than the whole budget: not kept
    assert cache.nbytes <= cache.max_bytes


def test_default_inputs_and_response_line() -> None:
    X = default_inputs(20)
    assert X.shape == (2, 20) and torch.equal(X, default_inputs(20))
    t, points = response_line(X)
    assert points.shape == (161, 20)
    assert torch.allclose(points[t == 0][0], X[0])
    i = int(torch.argmin((t - 1).abs()))
    assert torch.allclose(points[i], X[1], atol=1e-5)
    t1, points1 = response_line(X[:1])
    assert points1.shape == (161, 20) and torch.allclose(points1[t1 == 0][0], X[0])




def test_inputs_never_repeat_a_layers_draw() -> None:
    from widgets.core.init import InitSpec, InitStack, stack_inputs

    X = default_inputs(20)
    net = build_mlp(MLPSpec(20, (8,), "relu", 10, seed=0))
    scaled = (2 * X - 1) / 20**0.5  # what a layer's uniform draw of the same stream would be
    assert not torch.allclose(net[0].weight[:2], scaled)
    spec = InitSpec(depth=2, width=8, schemes="normal", batch_size=8, seed=0)
    X, _ = stack_inputs(spec)
    first = InitStack().build(spec)[0].weight
    assert not torch.allclose(X, first, atol=1e-3)
