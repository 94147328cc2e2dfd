"""The initialization statistics: schemes, validation, known behaviour, caching, odd values."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator

import pytest
import torch
from torch import nn

from widgets.core import init_stats
from widgets.core.init_stats import (
    SCHEMES,
    InitSpec,
    InitStack,
    InitStats,
    build_stack,
    compute_stats,
    init_layer_,
    scheme_names,
    stack_inputs,
    verdict,
)
from widgets.core.layers import activation_names
from widgets.exercises.parameter_initialization import (
    check_he_init,
    check_tanh_scale,
    check_xavier_init,
)

SMALL = {"depth": 6, "width": 32, "batch_size": 16}


def autograd_outputs(spec: InitSpec) -> list[torch.Tensor]:
    """Each layer's output of ``build_stack(spec)``, with ``.grad`` from one plain backward."""
    net = build_stack(spec)
    X, dY = stack_inputs(spec)
    outputs, h = [], X.requires_grad_()
    for i in range(spec.depth):
        h = net[2 * i + 1](net[2 * i](h))
        h.retain_grad()
        outputs.append(h)
    (h * dY).sum().backward()
    return outputs


def ratio(values: tuple[float, ...]) -> float:
    return values[-1] / values[0]


# -- the schemes ------------------------------------------------------------------------

def test_the_registry_holds_the_schemes_the_chapter_names() -> None:
    assert set(scheme_names()) >= {"default", "normal", "uniform", "zeros", "constant",
                                   "xavier_uniform", "xavier_normal", "kaiming_uniform",
                                   "kaiming_normal"}
    for scheme in SCHEMES.values():
        assert scheme.draw in ("uniform", "normal", "fill") and len(scheme.description) > 20


@pytest.mark.parametrize(("name", "scale", "expected"), [
    ("default", 1.0, 1 / math.sqrt(256) / math.sqrt(3)),
    ("normal", 0.3, 0.3),
    ("uniform", 0.3, 0.3 / math.sqrt(3)),
    ("zeros", 5.0, 0.0),
    ("constant", 5.0, 0.0),
    ("xavier_uniform", 2.0, 2.0 * math.sqrt(6 / 512) / math.sqrt(3)),
    ("xavier_normal", 2.0, 2.0 * math.sqrt(2 / 512)),
    ("kaiming_uniform", 1.0, math.sqrt(2 / 256)),
    ("kaiming_normal", 0.5, 0.5 * math.sqrt(2 / 256)),
])
def test_weight_std_formula_matches_the_draw(name: str, scale: float, expected: float) -> None:
    assert SCHEMES[name].weight_std(256, 256, scale) == pytest.approx(expected)
    layer = init_layer_(nn.Linear(256, 256), name, scale, seed=1)
    assert layer.weight.std().item() == pytest.approx(expected, rel=0.02, abs=1e-7)


@pytest.mark.parametrize(("name", "draw_like_nn_init"), [
    ("normal", lambda w: nn.init.normal_(w, 0, 0.3)),
    ("uniform", lambda w: nn.init.uniform_(w, -0.3, 0.3)),
    ("constant", lambda w: nn.init.constant_(w, 0.3)),
    ("xavier_uniform", lambda w: nn.init.xavier_uniform_(w, gain=0.3)),
    ("xavier_normal", lambda w: nn.init.xavier_normal_(w, gain=0.3)),
    ("kaiming_uniform", lambda w: nn.init.uniform_(w, -0.3 * math.sqrt(6 / 64),
                                                    0.3 * math.sqrt(6 / 64))),
    ("kaiming_normal", lambda w: nn.init.kaiming_normal_(w, nonlinearity="relu").mul_(0.3)),
])
def test_a_seeded_draw_is_what_nn_init_draws_after_manual_seed(name: str,
                                                               draw_like_nn_init: object) -> None:
    ours = init_layer_(nn.Linear(64, 32), name, 0.3, seed=123)
    theirs = nn.Linear(64, 32)
    torch.manual_seed(123)
    with torch.no_grad():
        draw_like_nn_init(theirs.weight)  # type: ignore[operator]
    assert torch.allclose(ours.weight, theirs.weight, atol=1e-6)
    assert torch.equal(ours.bias, torch.zeros(32))


def test_default_scheme_at_scale_one_is_pytorchs_own_init() -> None:
    ours = init_layer_(nn.Linear(64, 32), "default", 1.0, seed=5)
    torch.manual_seed(5)
    theirs = nn.Linear(64, 32)  # reset_parameters() runs in the constructor
    assert torch.allclose(ours.weight, theirs.weight, atol=1e-7)
    assert torch.allclose(ours.bias, theirs.bias, atol=1e-7)


def test_init_layer_with_a_seed_leaves_the_global_random_state_alone() -> None:
    layer = nn.Linear(8, 8)
    torch.manual_seed(7)
    expected = torch.rand(3)
    torch.manual_seed(7)
    init_layer_(layer, "xavier_normal", seed=1)
    compute_stats(InitSpec(**SMALL))
    assert torch.equal(torch.rand(3), expected)


def test_init_layer_without_a_seed_follows_the_global_generator() -> None:
    torch.manual_seed(3)
    a = init_layer_(nn.Linear(8, 8), "normal").weight.clone()
    torch.manual_seed(3)
    b = init_layer_(nn.Linear(8, 8), "normal").weight
    assert torch.equal(a, b) and not torch.equal(a, init_layer_(nn.Linear(8, 8), "normal").weight)


@pytest.mark.parametrize(("args", "error", "message"), [
    (("bogus", 1.0), ValueError, "scheme must be one of default, normal"),
    (("normal", -1), ValueError, "scale must be a number from 0 to 100, got -1"),
    (("normal", None), TypeError, "scale must be a number"),
])
def test_init_layer_rejects_bad_arguments(args: tuple, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        init_layer_(nn.Linear(2, 2), *args)


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
        assert len(h.edges) == len(h.counts) + 1 == init_stats.HISTOGRAM_BINS + 1
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
    original = init_stats._draw

    def counting_draw(*args: object) -> object:
        draws.append(args)
        return original(*args)

    monkeypatch.setattr(init_stats, "_draw", counting_draw)
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


# -- the verdict ----------------------------------------------------------------------------

def made_up(a: tuple[float, ...], g: tuple[float, ...], activation: str = "relu",
            saturation: float | None = None) -> InitStats:
    spec = InitSpec(depth=len(a), width=4, activation=activation)
    return InitStats(spec, a, a, g, g, saturation, ())


@pytest.mark.parametrize(("a", "g", "expected"), [
    ((1.0, 0.5, 1e-9), (1e-8, 0.1, 1.0),
     "signal vanishes: std at layer 3 is 1e-09 of layer 1; "
     "gradient vanishes: std at layer 1 is 1e-08 of layer 3"),
    ((1.0, 0.05), (2e4, 1.0),
     "signal shrinks: std at layer 2 is 0.05 of layer 1; "
     "gradient explodes: std at layer 1 is 2e+04 times layer 2"),
    ((1.0, 2.0), (50.0, 1.0),
     "signal steady: std 1 at layer 1, 2 at layer 2; "
     "gradient grows: std at layer 1 is 50 times layer 2"),
    ((1.0, 500.0), (0.5, 1.0),
     "signal grows: std at layer 2 is 500 times layer 1; "
     "gradient steady: std 1 at layer 2, 0.5 at layer 1"),
    ((1.0, math.inf, math.nan), (math.nan, math.nan, 1.0),
     "signal overflows: outputs reach inf or NaN at layer 2; "
     "gradient overflows: inf or NaN from layer 2 down"),
    ((1.0, 0.0, 0.0), (0.0, 0.0, 1.0),
     "signal dies: every output is 0 from layer 2 up; gradient dies: 0 from layer 2 down"),
    ((0.0, 3.0), (1.0, 1.0),
     "signal grows from nothing: std 0 at layer 1, 3 at layer 2; "
     "gradient steady: std 1 at layer 2, 1 at layer 1"),
    ((0.7,), (1.0,), "signal steady: std 0.7 at layer 1, 0.7 at layer 1; "
                     "gradient steady: std 1 at layer 1, 1 at layer 1"),
])
def test_verdict_wording(a: tuple, g: tuple, expected: str) -> None:
    assert verdict(made_up(a, g)) == expected


def test_verdict_on_saturation() -> None:
    stats = made_up((0.9, 0.95), (30.0, 1.0), activation="sigmoid", saturation=0.75)
    assert verdict(stats) == ("signal saturates: at least 70% of layer 2's outputs are within "
                              "0.01 of 0 or 1; gradient grows: std at layer 1 is 30 times layer 2")


@pytest.mark.parametrize(("share", "text"), [
    (0.5001, "at least 50%"), (0.8639, "at least 80%"), (0.8701, "at least 80%"),
    (0.9, "at least 90%"), (0.9999, "at least 90%"), (1.0, "all"),
])
def test_the_saturated_share_is_given_in_steps_that_rounding_noise_does_not_flip(
        share: float, text: str) -> None:
    stats = made_up((0.9, 0.95), (1.0, 1.0), activation="tanh", saturation=share)
    assert verdict(stats).startswith(f"signal saturates: {text} of layer 2's outputs are within "
                                     "0.01 of ±1;")


def test_ratios_near_the_threshold_show_three_digits() -> None:
    near = verdict(made_up((1.0, 0.0996), (0.0996, 1.0)))
    assert near == ("signal shrinks: std at layer 2 is 0.0996 of layer 1; "
                    "gradient shrinks: std at layer 1 is 0.0996 of layer 2")
    assert "grows: std at layer 2 is 10.4 times layer 1" in verdict(made_up((1.0, 10.4),
                                                                            (1.0, 1.0)))




# -- the chapter's exercise checks ----------------------------------------------------------

def xavier_by_type(module: nn.Module) -> None:
    if type(module) is nn.LazyLinear:  # the bug: materialized lazy layers are nn.Linear
        nn.init.xavier_uniform_(module.weight)
        nn.init.zeros_(module.bias)


def xavier_by_isinstance(module: nn.Module) -> None:
    if isinstance(module, nn.Linear):
        nn.init.xavier_uniform_(module.weight)
        nn.init.zeros_(module.bias)


def xavier_normal_with_default_bias(module: nn.Module) -> None:
    if isinstance(module, nn.Linear):
        nn.init.xavier_normal_(module.weight)


def test_check_xavier_init() -> None:
    assert check_xavier_init(xavier_by_isinstance).passed
    wrong = repr(check_xavier_init(xavier_by_type))
    assert wrong.count("still holds PyTorch's default ones") == 3
    assert "layer 0 (LazyLinear, now Linear)" in wrong and "layer 3.0 (LazyLinear" in wrong
    normal = repr(check_xavier_init(xavier_normal_with_default_bias))
    assert "they reach" in normal and "set them with nn.init.zeros_" in normal
    assert ("beyond the uniform bound: normal instead of uniform? use xavier_uniform_"
            in normal)
    assert "beyond the uniform bound" not in repr(check_xavier_init(xavier_by_type))
    assert "raised ZeroDivisionError" in repr(check_xavier_init(lambda m: 1 / 0))


@pytest.mark.parametrize(("scale", "passed", "hint"), [
    (1 / 32, True, ""),  # 1024 σ² = 1: passes, near the lower edge of the window
    (1.2 / 32, True, ""),  # the chapter's solution, in the middle of the window
    (0.043, True, ""),
    (1 / 16, False, "it grows on the way down, so try a smaller std"),  # width 256's answer
    (0.025, False, "it shrinks every layer, so try a larger std"),
    (1.0, False, "% do: the std is too large"),
    (-1, False, "the std is a number from 0 to 100: scale must be a number from 0 to 100, got -1"),
    (None, False, "scale must be a number"),
])
def test_check_tanh_scale(scale: object, passed: bool, hint: str) -> None:
    report = check_tanh_scale(scale)  # type: ignore[arg-type]
    assert report.passed is passed and hint in repr(report)
    assert repr(report).startswith("check_tanh_scale(your std): ")  # the value is not echoed


def test_check_tanh_scale_sees_what_the_explorer_shows() -> None:
    from widgets.exercises.parameter_initialization import TANH_STACK

    defaults = InitSpec()
    assert (TANH_STACK["depth"], TANH_STACK["activation"], TANH_STACK["batch_size"]) == (
        defaults.depth, defaults.activation, defaults.batch_size)
    assert TANH_STACK["width"] == 1024  # not the chapter's 256: its σ is not the answer


def he_init(module: nn.Module) -> None:
    if isinstance(module, nn.Linear):
        nn.init.normal_(module.weight, 0, (2 / module.in_features) ** 0.5)
        nn.init.zeros_(module.bias)


def lecun_init(module: nn.Module) -> None:
    if isinstance(module, nn.Linear):
        nn.init.normal_(module.weight, 0, (1 / module.in_features) ** 0.5)
        nn.init.zeros_(module.bias)


def test_check_he_init() -> None:
    assert check_he_init(he_init).passed

    def with_nn_init(module: nn.Module) -> None:
        if isinstance(module, nn.Linear):
            nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
            nn.init.zeros_(module.bias)

    assert check_he_init(with_nn_init).passed
    lecun = repr(check_he_init(lecun_init))
    assert ("layer 0: weight std should be √(2/16) = 0.354, is 0.2" in lecun
            and "= √(1/16): the factor 2 for ReLU is missing" in lecun)
    assert "std at layer 30 within ×10 of layer 1: it is" in lecun

    def uniform(module: nn.Module) -> None:
        if isinstance(module, nn.Linear):
            nn.init.kaiming_uniform_(module.weight, nonlinearity="relu")
            nn.init.zeros_(module.bias)

    report = check_he_init(uniform)
    assert "weights are normal, not uniform: 0.0% lie beyond 2 std" in repr(report)
    assert "raised ZeroDivisionError" in repr(check_he_init(lambda m: 1 / 0))
    assert "biases are 0: set them" in repr(check_he_init(xavier_normal_with_default_bias))


def test_checks_leave_the_global_random_state_alone() -> None:
    torch.manual_seed(7)
    expected = torch.rand(3)
    torch.manual_seed(7)
    check_xavier_init(xavier_by_isinstance)
    check_he_init(he_init)
    check_tanh_scale(0.07)
    assert torch.equal(torch.rand(3), expected)


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
