"""The scheme registry: formulas, nn.init code, the engine's draws and every user agreeing."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from widgets.core.init import (
    SCHEMES,
    InitSpec,
    compute_stats,
    init_layer_,
    playground_scheme_names,
    scheme_names,
)
from widgets.core.mlp import init_linear_

from .helpers import SMALL

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


# -- one registry: the nn.init code, the engine's draws, and their users agree ----------------

@pytest.mark.parametrize("scale", [1.0, 0.3, 2.0])
@pytest.mark.parametrize("name", list(SCHEMES))
def test_the_nn_init_code_draws_what_the_engine_draws(name: str, scale: float) -> None:
    scheme = SCHEMES[name]
    engine = init_layer_(nn.Linear(48, 24), name, scale, seed=9)
    ours = nn.Linear(48, 24)
    torch.manual_seed(9)
    scheme.apply_(ours, scale)
    assert torch.allclose(ours.weight, engine.weight, atol=1e-6)
    assert torch.allclose(ours.bias, engine.bias, atol=1e-6)
    assert scheme.weight_std(48, 24, scale) == pytest.approx(
        ours.weight.std().item() if scheme.draw != "fill" else 0.0, rel=0.1, abs=1e-7)
    no_bias = scheme.apply_(nn.Linear(4, 3, bias=False), scale)  # the bias line is left out
    assert no_bias.bias is None


def test_every_scheme_has_a_description_and_code_lines() -> None:
    for name, scheme in SCHEMES.items():
        assert len(scheme.description) > 20 and "{" not in scheme.description
        weight, bias = scheme.code()
        assert weight.startswith("nn.init.") and "layer.weight" in weight
        assert bias.startswith("nn.init.") and "layer.bias" in bias
        assert scheme.script_lines() == (() if name == "default" else (weight, bias))
    assert SCHEMES["default"].script_lines(2.0) == SCHEMES["default"].code(2.0)
    assert SCHEMES["normal"].code(0.25)[0] == "nn.init.normal_(layer.weight, 0, 0.25)"
    assert SCHEMES["xavier_uniform"].code(3)[0] == (
        "nn.init.xavier_uniform_(layer.weight, gain=3)")


def test_uniform_means_uniform_in_plus_minus_scale_and_tf_playground_is_its_own() -> None:
    uniform = init_layer_(nn.Linear(64, 64), "uniform", 1.0, seed=0)
    assert 0.9 < uniform.weight.abs().max() <= 1 and uniform.bias.abs().sum() == 0
    tf = init_layer_(nn.Linear(64, 64), "tf_playground", 7.0, seed=0)  # scale unused
    assert 0.45 < tf.weight.abs().max() <= 0.5 and torch.equal(tf.bias, torch.full((64,), 0.1))
    assert SCHEMES["tf_playground"].weight_std(3, 5, 9.0) == pytest.approx(0.5 / math.sqrt(3))
    assert "TensorFlow Playground" in SCHEMES["tf_playground"].description


def test_the_explorer_offers_every_scheme_with_a_scale_and_the_playground_every_one() -> None:
    assert scheme_names() == tuple(n for n in SCHEMES if n != "tf_playground")
    assert sorted(playground_scheme_names()) == sorted(SCHEMES)
    with pytest.raises(ValueError, match="schemes must be one of default, normal, uniform"):
        InitSpec(schemes="tf_playground")


@pytest.mark.parametrize(("fan_in", "fan_out", "seed"),
                         [(1, 1, 0), (20, 256, 3), (300, 7, 2**32 - 1)])
def test_init_linear_is_the_default_scheme_and_pytorchs_own_numbers(fan_in: int, fan_out: int,
                                                                      seed: int) -> None:
    ours = init_linear_(nn.Linear(fan_in, fan_out), seed)
    torch.manual_seed(seed)
    theirs = nn.Linear(fan_in, fan_out)  # reset_parameters() runs in the constructor
    assert torch.equal(ours.weight, theirs.weight) and torch.equal(ours.bias, theirs.bias)
