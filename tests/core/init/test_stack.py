"""The init engine: the spec, the statistics against plain autograd, caching, readers' layers."""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Iterator

import pytest
import torch
from torch import nn

from widgets.core import layers
from widgets.core.init import InitSpec, InitStack, build_stack, compute_stats
from widgets.core.init import stack as init_stack
from widgets.core.layers import activation_names

from .helpers import SMALL, autograd_outputs, ratio

# -- the spec -------------------------------------------------------------------------------

def test_spec_broadcasts_one_scheme_and_one_scale() -> None:
    spec = InitSpec(depth=3, schemes="Xavier-Normal", scales=2)
    assert spec.schemes == ("xavier_normal",) * 3 and spec.scales == (2.0,) * 3
    assert InitSpec(depth=2, scales=torch.tensor([0.5, 1.5])).scales == (0.5, 1.5)
    assert InitSpec(depth=1, scales=torch.tensor(0.25)).scales == (0.25,)


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    ({"depth": 0}, ValueError, r"depth must be an integer from 1 to 50, got 0"),
    ({"depth": -3}, ValueError, r"depth must be an integer from 1 to 50, got -3"),
    ({"depth": 51}, ValueError, r"got 51"),
    ({"depth": 2**40}, ValueError, r"got 1099511627776"),
    ({"depth": 2.0}, TypeError, r"depth must be an integer .* got 2.0 \(float\)"),
    ({"depth": True}, TypeError, r"got True \(bool\)"),
    ({"depth": None}, TypeError, r"depth must be an integer"),
    ({"depth": "5"}, TypeError, r"depth must be an integer"),
    ({"width": 0}, ValueError, r"width must be an integer from 1 to 1024, got 0"),
    ({"width": 1025}, ValueError, r"width must be an integer from 1 to 1024, got 1025"),
    ({"width": 16.5}, TypeError, r"width must be an integer"),
    ({"width": False}, TypeError, r"got False \(bool\)"),
    ({"batch_size": 0}, ValueError, r"batch_size must be an integer from 1 to 1024"),
    ({"batch_size": 10**6}, ValueError, r"got 1000000"),
    ({"batch_size": None}, TypeError, r"batch_size must be an integer"),
    ({"seed": -1}, ValueError, r"seed must be an integer from 0 to 4294967295, got -1"),
    ({"seed": 2**32}, ValueError, r"got 4294967296"),
    ({"seed": 0.5}, TypeError, r"seed must be an integer"),
    ({"schemes": "bogus"}, ValueError, r"schemes must be one of default, normal, uniform"),
    ({"schemes": None}, TypeError, r"schemes must be one scheme name or a tuple of names"),
    ({"schemes": 3}, TypeError, r"schemes must be one scheme name"),
    ({"depth": 3, "schemes": ("normal", "bogus", "zeros")}, ValueError,
     r"schemes\[1\] must be one of default"),
    ({"depth": 3, "schemes": ("normal", None, "zeros")}, TypeError, r"schemes\[1\] must be one"),
    ({"depth": 3, "schemes": ("normal",) * 2}, ValueError,
     r"schemes must have one name per layer \(3\), got 2"),
    ({"depth": 3, "schemes": ()}, ValueError, r"one name per layer \(3\), got 0"),
    ({"scales": -1}, ValueError, r"^scales must be a number from 0 to 100, got -1$"),
    ({"scales": 100.5}, ValueError, r"got 100.5"),
    ({"scales": 1e300}, ValueError, r"got 1e\+300"),
    ({"scales": math.nan}, ValueError, r"scales must be a number from 0 to 100, got nan"),
    ({"scales": math.inf}, ValueError, r"got inf"),
    ({"scales": True}, TypeError, r"scales must be a number from 0 to 100, got True \(bool\)"),
    ({"scales": None}, TypeError, r"scales must be a number from 0 to 100 or a tuple"),
    ({"scales": "0.1"}, TypeError, r"scales must be a number"),
    ({"depth": 5, "scales": (1, 1, 1, -1, 1)}, ValueError,
     r"^scales\[3\] must be a number from 0 to 100, got -1$"),
    ({"depth": 2, "scales": (1, "x")}, TypeError, r"scales\[1\] must be a number"),
    ({"depth": 3, "scales": (0.1,) * 4}, ValueError,
     r"scales must have one value per layer \(3\), got 4"),
    ({"activation": "swish"}, ValueError, r"activation must be one of relu, sigmoid, tanh"),
    ({"activation": None}, TypeError, r"activation must be one of"),
])
def test_spec_rejects_bad_values_naming_the_field(kwargs: dict, error: type,
                                                 message: str) -> None:
    with pytest.raises(error, match=message):
        InitSpec(**kwargs)


# -- statistics -----------------------------------------------------------------------------

def test_shapes_and_histograms() -> None:
    stats = compute_stats(InitSpec(depth=9, width=16, batch_size=8))
    for values in (stats.activation_mean, stats.activation_std, stats.gradient_mean,
                   stats.gradient_std):
        assert len(values) == 9 and all(isinstance(v, float) for v in values)
    assert [h.layer for h in stats.histograms] == [1, 5, 9]
    for h in stats.histograms:
        assert len(h.edges) == len(h.counts) + 1 == init_stack.HISTOGRAM_BINS + 1
        assert sum(h.counts) == 8 * 16 and h.nonfinite == 0
        assert list(h.edges) == sorted(h.edges)
    one = compute_stats(InitSpec(depth=1, width=4), histogram_layers=[1, 1])
    assert [h.layer for h in one.histograms] == [1]


@pytest.mark.parametrize("layers", [[0], [10], [1, 2.0], [None]])
def test_histogram_layers_are_checked(layers: list) -> None:
    with pytest.raises((ValueError, TypeError), match=r"histogram_layers\[\d\] must be an integer"):
        compute_stats(InitSpec(depth=9, width=4, batch_size=2), histogram_layers=layers)


def test_deterministic_for_a_seed_and_different_for_another() -> None:
    spec = InitSpec(**SMALL, schemes="kaiming_uniform", activation="relu", seed=11)
    assert compute_stats(spec) == compute_stats(spec)
    other = compute_stats(InitSpec(**SMALL, schemes="kaiming_uniform", activation="relu", seed=12))
    assert other.activation_std != compute_stats(spec).activation_std


@pytest.mark.parametrize("activation", activation_names())
def test_statistics_match_plain_autograd(activation: str) -> None:
    spec = InitSpec(depth=5, width=24, batch_size=10, schemes="xavier_normal", scales=1.5,
                    activation=activation, seed=2)
    stats = compute_stats(spec)
    outputs = autograd_outputs(spec)
    expected = {
        "activation_mean": [o.detach().double().mean().item() for o in outputs],
        "activation_std": [o.detach().double().std().item() for o in outputs],
        "gradient_mean": [o.grad.double().mean().item() for o in outputs],
        "gradient_std": [o.grad.double().std().item() for o in outputs],
    }
    for name, values in expected.items():
        assert getattr(stats, name) == pytest.approx(values, rel=1e-4, abs=1e-6), name


def test_the_top_gradient_is_the_unit_variance_upstream_gradient() -> None:
    stats = compute_stats(InitSpec())
    assert stats.gradient_std[-1] == pytest.approx(1.0, abs=0.01)
    assert stats.gradient_mean[-1] == pytest.approx(0.0, abs=0.01)


# -- known behaviour at depth 50, width 256 -------------------------------------------------

def test_normal_std_one_with_tanh_saturates_and_the_gradient_explodes() -> None:
    stats = compute_stats(InitSpec(schemes="normal", scales=1.0, activation="tanh"))
    assert stats.saturation is not None and stats.saturation > 0.8
    assert stats.gradient_std[0] / stats.gradient_std[-1] > 1e10
    assert re.match(r"signal saturates: at least 80% of layer 50's outputs", stats.verdict)
    assert "gradient explodes" in stats.verdict


def test_normal_std_one_with_relu_overflows_and_shows_it() -> None:
    stats = compute_stats(InitSpec(schemes="normal", scales=1.0, activation="relu"))
    assert all(s > 1 for s in stats.activation_std[:10])
    assert not math.isfinite(stats.activation_std[-1])
    assert stats.histograms[-1].nonfinite > 0
    assert stats.verdict.startswith("signal overflows: outputs reach inf or NaN at layer")
    assert "gradient overflows" in stats.verdict


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid"])
def test_small_normal_init_vanishes(activation: str) -> None:
    stats = compute_stats(InitSpec(schemes="normal", scales=0.01, activation=activation))
    if activation == "sigmoid":  # sigmoid(0) = 0.5: outputs stay, the gradient fades
        assert stats.gradient_std[0] / stats.gradient_std[-1] < 1e-20
    else:
        assert stats.activation_std[-1] / stats.activation_std[0] < 1e-20
        assert stats.verdict.split(":")[0] in ("signal vanishes", "signal dies")
    assert "gradient vanishes" in stats.verdict or "gradient dies" in stats.verdict


def test_tiny_values_keep_their_true_spread() -> None:
    spec = InitSpec(schemes="normal", scales=0.01, activation="tanh", depth=40, batch_size=64)
    stats = compute_stats(spec)
    assert 1e-36 < stats.activation_std[-1] < 1e-25
    exact = [o.detach().double().std().item() for o in autograd_outputs(spec)]
    assert stats.activation_std == pytest.approx(exact, rel=1e-3)


@pytest.mark.parametrize(("scheme", "activation"), [
    ("xavier_normal", "tanh"), ("xavier_uniform", "tanh"),
    ("kaiming_normal", "relu"), ("kaiming_uniform", "relu"),
])
def test_matched_schemes_keep_the_signal_in_a_band(scheme: str, activation: str) -> None:
    stats = compute_stats(InitSpec(schemes=scheme, activation=activation))
    assert 0.05 < min(stats.activation_std) and max(stats.activation_std) < 2
    assert 0.1 < stats.gradient_std[0] / stats.gradient_std[-1] < 10
    assert stats.verdict.startswith("signal steady") and "gradient steady" in stats.verdict


def test_kaiming_keeps_relu_steady_where_xavier_lets_it_vanish() -> None:
    kaiming = compute_stats(InitSpec(schemes="kaiming_normal", activation="relu"))
    xavier = compute_stats(InitSpec(schemes="xavier_normal", activation="relu"))
    assert 0.5 < ratio(kaiming.activation_std) < 2
    assert ratio(xavier.activation_std) < 1e-6


def test_pytorchs_default_lets_the_gradient_vanish_in_a_deep_tanh_stack() -> None:
    stats = compute_stats(InitSpec(schemes="default", activation="tanh"))
    assert stats.gradient_std[0] < 1e-9
    assert "gradient vanishes" in stats.verdict


def test_zero_weights_give_zero_outputs_and_gradients() -> None:
    stats = compute_stats(InitSpec(**SMALL, schemes="zeros", activation="tanh"))
    assert stats.activation_std == (0.0,) * 6 and stats.gradient_std[:-1] == (0.0,) * 5
    assert sum(stats.histograms[0].counts) == 16 * 32


def test_one_zero_layer_cuts_the_stack() -> None:
    schemes = ("kaiming_normal",) * 3 + ("zeros",) + ("kaiming_normal",) * 2
    stats = compute_stats(InitSpec(**SMALL, schemes=schemes, activation="relu"))
    # ReLU's slope at 0 is 0, so no gradient passes the dead layers either
    assert stats.activation_std[3:] == (0.0,) * 3 and stats.gradient_std[:5] == (0.0,) * 5
    assert stats.verdict == ("signal dies: every output is 0 from layer 4 up; "
                             "gradient dies: 0 from layer 5 down")


# -- caching --------------------------------------------------------------------------------

def specs_changing_one_thing() -> list[InitSpec]:
    base = {"depth": 12, "width": 48, "batch_size": 20, "activation": "tanh"}
    schemes = ["xavier_normal"] * 12
    specs = [InitSpec(**base, schemes=tuple(schemes))]
    schemes[7] = "normal"
    specs.append(InitSpec(**base, schemes=tuple(schemes)))
    specs.append(InitSpec(**base, schemes=tuple(schemes), scales=(1.0,) * 11 + (0.5,)))
    specs.append(InitSpec(**{**base, "activation": "gelu"}, schemes=tuple(schemes)))
    specs.append(InitSpec(**{**base, "activation": "gelu", "depth": 8},
                          schemes=tuple(schemes[:8])))
    specs.append(InitSpec(**{**base, "activation": "gelu"}, schemes=tuple(schemes)))
    specs.append(InitSpec(**{**base, "seed": 4}, schemes=tuple(schemes)))
    specs.append(InitSpec(**{**base, "seed": 4, "width": 40}, schemes=tuple(schemes)))
    specs.append(InitSpec(**{**base, "seed": 4, "width": 40, "batch_size": 3},
                          schemes=tuple(schemes)))
    return specs


def test_incremental_updates_equal_computing_from_scratch() -> None:
    stack = InitStack()
    for spec in specs_changing_one_thing():
        assert stack.statistics(spec) == compute_stats(spec)


def test_only_layers_from_the_first_change_up_run_forward() -> None:
    stack = InitStack()
    specs = specs_changing_one_thing()
    computed = []
    for spec in specs[:6]:
        stack.statistics(spec)
        computed.append(stack.layers_computed)
    # first build 12; layer 8 changed: 8..12; layer 12's scale: 1; new activation: all;
    # cut to 8 layers: none; back to 12: 9..12
    assert computed == [12, 5, 1, 12, 0, 4]
    stack.statistics(specs[5])
    assert stack.layers_computed == 0


def test_changing_one_layer_draws_only_that_layer(monkeypatch: pytest.MonkeyPatch) -> None:
    draws = []
    original = init_stack._draw

    def counting_draw(*args: object) -> object:
        draws.append(args)
        return original(*args)

    monkeypatch.setattr(init_stack, "_draw", counting_draw)
    stack = InitStack()
    schemes = ["normal"] * 10
    stack.statistics(InitSpec(depth=10, width=8, schemes=tuple(schemes), batch_size=4))
    assert len(draws) == 10
    schemes[4] = "xavier_normal"  # the same normal draw, another factor: no new draw
    stack.statistics(InitSpec(depth=10, width=8, schemes=tuple(schemes), batch_size=4))
    stack.statistics(InitSpec(depth=10, width=8, schemes=tuple(schemes), scales=0.3,
                              batch_size=4))
    assert len(draws) == 10
    schemes[4] = "uniform"  # a uniform draw for that layer only
    stack.statistics(InitSpec(depth=10, width=8, schemes=tuple(schemes), batch_size=4))
    assert len(draws) == 11 and draws[-1][0] == "uniform"


def test_the_cache_keeps_two_stacks_of_draws_at_most_beyond_its_budget() -> None:
    stack = InitStack(max_cache_bytes=20_000)
    two_stacks = 2 * 12 * 48 * 49 * 4  # weights and biases of 12 layers of 48, twice
    for spec in specs_changing_one_thing()[:4]:
        assert stack.statistics(spec) == compute_stats(spec)
        assert 20_000 < stack.cache_bytes <= two_stacks
    for seed in range(5):  # new seeds, new draws: old ones are dropped
        stack.statistics(InitSpec(depth=12, width=48, batch_size=4, seed=seed))
        assert stack.cache_bytes <= two_stacks


def test_build_matches_what_the_statistics_saw_and_is_a_copy() -> None:
    spec = InitSpec(depth=3, width=8, schemes=("default", "normal", "constant"),
                    scales=(1.0, 0.2, 0.5), activation="relu", batch_size=4)
    stack = InitStack()
    net = stack.build(spec)
    assert [type(m).__name__ for m in net] == ["Linear", "ReLU"] * 3
    weight, bias = stack.layer_weights(spec, 2)
    assert torch.equal(net[2].weight, weight) and torch.equal(net[2].bias, bias)
    assert torch.equal(net[4].weight, torch.full((8, 8), 0.5))
    assert net[0].bias.abs().sum() > 0 and net[2].bias.abs().sum() == 0
    with torch.no_grad():
        net[2].weight.fill_(7.0)
    assert not torch.equal(stack.layer_weights(spec, 2)[0], net[2].weight)
    assert stack.statistics(spec) == compute_stats(spec)


# -- readers' registered layers as the activation ---------------------------------------------

class Centered(nn.Module):
    """Depends on the whole batch: its gradient is not elementwise."""

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return torch.tanh(X - X.mean(dim=0))


class Scale(nn.Module):
    """Takes the width and draws a parameter of that size."""

    def __init__(self, width: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.rand(width) + 0.5)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return torch.tanh(X * self.weight)


class Mixing(nn.Module):
    """Takes (width, width), mixes the units, and works in place on its input."""

    def __init__(self, fan_in: int, fan_out: int) -> None:
        super().__init__()
        self.linear = nn.Linear(fan_in, fan_out)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.linear(X.mul_(0.5)))


class OnlyNarrow(nn.Module):
    def forward(self, X: torch.Tensor) -> torch.Tensor:
        if X.shape[1] > 16:
            raise RuntimeError("too wide for me")
        return X


@pytest.fixture
def registry() -> Iterator[None]:
    """Register the layers above; remove every registered layer afterwards."""
    from widgets.core.layers import register_layer, registered_layers, unregister_layer

    register_layer("centered", Centered)
    register_layer("scale", Scale)
    register_layer("mixing", Mixing)
    register_layer("dropout", nn.Dropout)
    register_layer("only_narrow", OnlyNarrow)
    yield
    for name in registered_layers():
        unregister_layer(name)


@pytest.mark.usefixtures("registry")
@pytest.mark.parametrize("activation", ["centered", "scale", "mixing"])
def test_registered_layers_are_built_at_the_width_and_match_plain_autograd(
        activation: str) -> None:
    spec = InitSpec(depth=5, width=24, batch_size=10, schemes="xavier_normal", scales=1.5,
                    activation=activation, seed=2)
    stats = compute_stats(spec)
    outputs = autograd_outputs(spec)
    expected = {
        "activation_std": [o.detach().double().std().item() for o in outputs],
        "gradient_mean": [o.grad.double().mean().item() for o in outputs],
        "gradient_std": [o.grad.double().std().item() for o in outputs],
    }
    for name, values in expected.items():
        assert getattr(stats, name) == pytest.approx(values, rel=1e-4, abs=1e-6), name
    net = build_stack(spec)
    assert [type(m).__name__ for m in net][1::2] == [type(net[1]).__name__] * 5
    if activation == "scale":  # built at the width, each layer from a seed of its own
        assert net[1].weight.shape == (24,)
        assert not torch.equal(net[1].weight, net[3].weight)
        assert torch.equal(net[3].weight, build_stack(spec)[3].weight)


@pytest.mark.usefixtures("registry")
def test_a_noisy_registered_layer_gives_the_same_numbers_every_time() -> None:
    state = torch.get_rng_state()
    spec = InitSpec(depth=6, width=16, batch_size=8, activation="dropout", seed=3)
    stats = compute_stats(spec)
    assert torch.equal(torch.get_rng_state(), state)  # the reader's random state is untouched
    assert compute_stats(spec) == stats
    stack = InitStack()
    stack.statistics(spec)
    changed = InitSpec(depth=6, width=16, batch_size=8, activation="dropout", seed=3,
                       schemes=("default",) * 4 + ("normal", "default"))
    assert stack.statistics(changed) == compute_stats(changed)  # a restart at layer 5 agrees
    assert stack.layers_computed == 2
    # dropout's gradient is zero exactly where its output is: the masks of forward and backward
    # are the same draw
    assert 0 < stats.gradient_std[0] < math.inf


@pytest.mark.usefixtures("registry")
def test_a_registered_layer_that_fails_leaves_nothing_stale() -> None:
    stack = InitStack()
    narrow = InitSpec(depth=4, width=16, batch_size=4, activation="only_narrow")
    assert stack.statistics(narrow) == compute_stats(narrow)
    wide = InitSpec(depth=4, width=32, batch_size=4, activation="only_narrow")
    with pytest.raises(RuntimeError, match="too wide for me"):
        stack.statistics(wide)
    assert stack.statistics(narrow) == compute_stats(narrow)
    relu = InitSpec(depth=4, width=32, batch_size=4, activation="relu")
    assert stack.statistics(relu) == compute_stats(relu)


@pytest.mark.usefixtures("registry")
def test_registering_a_name_again_is_noticed_by_a_stack() -> None:
    from widgets.core.layers import register_layer

    stack = InitStack()
    spec = InitSpec(depth=4, width=8, batch_size=4, activation="centered")
    before = stack.statistics(spec)
    register_layer("centered", Scale)  # the same name, another layer
    after = stack.statistics(spec)
    assert stack.layers_computed == 4 and after == compute_stats(spec) and after != before


# -- the private kernels and their fallback -----------------------------------------------------

def _broken(g: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
    raise RuntimeError("aten::tanh_backward() expected 3 arguments")  # a changed signature


@pytest.mark.parametrize(("activation", "kernel"), [
    ("tanh", "from_output"), ("leaky_relu", "from_output"), ("gelu", "from_input"),
    ("softplus", "from_input")])
def test_a_kernel_whose_call_fails_falls_back_to_autograd(
        monkeypatch: pytest.MonkeyPatch, activation: str, kernel: str) -> None:
    spec = InitSpec(depth=5, width=24, batch_size=10, schemes="xavier_normal", scales=1.5,
                    activation=activation, seed=2)
    expected = compute_stats(spec)
    broken = dataclasses.replace(layers.lookup(activation), **{kernel: _broken})
    monkeypatch.setitem(layers._LAYERS, activation, broken)
    stats = InitStack().statistics(spec)
    assert stats.activation_std == expected.activation_std
    assert stats.gradient_std == pytest.approx(expected.gradient_std, rel=1e-5)
    assert stats.gradient_mean == pytest.approx(expected.gradient_mean, rel=1e-4, abs=1e-9)


def test_a_built_in_without_kernels_runs_on_autograd(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = InitSpec(depth=4, width=16, batch_size=8, activation="elu", seed=1)
    expected = compute_stats(spec)
    bare = dataclasses.replace(layers.lookup("elu"), from_output=None, in_place=None)
    monkeypatch.setitem(layers._LAYERS, "elu", bare)
    stats = InitStack().statistics(spec)
    assert stats.gradient_std == pytest.approx(expected.gradient_std, rel=1e-5)
