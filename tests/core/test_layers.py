"""Readers' own layers: the registry's checks and their use in the MLP explorer."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from widgets import MLPExplorer
from widgets.core.layers import (
    ACTIVATIONS,
    BUILT_IN,
    ELU_ALPHA,
    LEAKY_RELU_SLOPE,
    SOFTPLUS_BETA,
    SOFTPLUS_THRESHOLD,
    LayerCheckError,
    activation_names,
    is_custom,
    lookup,
    make_activation,
    make_layer,
    register_layer,
    registered_layers,
    unregister_layer,
)
from widgets.core.mlp import MLPSpec, build_mlp


class Centered(nn.Module):
    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return X - X.mean(dim=1, keepdim=True)


class Scale(nn.Module):
    def __init__(self, width: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.full((width,), 2.0))

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return X * self.weight


class EvenOnly(Scale):
    def __init__(self, width: int) -> None:
        if width % 2:
            raise ValueError("width must be even")
        super().__init__(width)


class Shrink(nn.Module):
    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return X[:, :2]


class Raises(nn.Module):
    def forward(self, X: torch.Tensor) -> torch.Tensor:
        raise RuntimeError("boom")


class NotFinite(nn.Module):
    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return X / 0


class ReturnsTuple(nn.Module):
    def forward(self, X: torch.Tensor) -> tuple:
        return (X,)


pytestmark = pytest.mark.usefixtures("empty_registry")


def test_registered_layers_join_the_activation_names() -> None:
    register_layer("centered", Centered)
    register_layer("scale", Scale, description="learned scale")
    assert activation_names()[-2:] == ("centered", "scale")
    assert registered_layers()["scale"].description == "learned scale"
    assert registered_layers()["scale"].arguments == 1
    assert isinstance(make_activation("scale", 4), Scale)
    assert make_layer("scale", 3).weight.shape == (3,)
    net = build_mlp(MLPSpec(4, (6, 5), ("centered", "scale"), 2))
    assert isinstance(net[1], Centered) and net[3].weight.shape == (5,)
    assert net(torch.rand(3, 4)).shape == (3, 2)


def test_factories_with_two_arguments_get_width_twice() -> None:
    register_layer("square_linear", nn.Linear)
    assert registered_layers()["square_linear"].arguments == 2
    assert make_layer("square_linear", 5).weight.shape == (5, 5)


def test_registering_again_replaces_and_does_not_touch_the_random_state() -> None:
    register_layer("layer", Centered)
    torch.manual_seed(3)
    expected = torch.rand(1)
    torch.manual_seed(3)
    register_layer("layer", Scale)
    assert torch.equal(torch.rand(1), expected)
    assert registered_layers()["layer"].factory is Scale


@pytest.mark.parametrize(("name", "factory", "error", "text"), [
    ("centered", 3, TypeError, "factory must be an nn.Module class or a function"),
    ("centered", lambda: 3, LayerCheckError, "must build a torch.nn.Module, got 3"),
    ("centered", lambda a, b, c: nn.Identity(), TypeError, "requires 3: a, b, c"),
    ("centered", Shrink, LayerCheckError, r"keep the shape.*\(3, 8\) in, \(3, 2\) out"),
    ("centered", Raises, LayerCheckError, "raised RuntimeError in forward.*boom"),
    ("centered", NotFinite, LayerCheckError, "NaN or infinite"),
    ("centered", ReturnsTuple, LayerCheckError, r"must return a tensor, got \(tensor.*\(tuple\)"),
    ("centered", lambda: 1 / 0, LayerCheckError, "building .* raised ZeroDivisionError"),
    ("Centered", Centered, ValueError, "lower-case letters"),
    ("", Centered, ValueError, "lower-case letters"),
    ("x" * 33, Centered, ValueError, "at most 32"),
    ("relu", Centered, ValueError, "is a built-in activation"),
    (7, Centered, TypeError, "name must be a str"),
])
def test_bad_registrations_are_refused_with_the_reason(name, factory, error, text) -> None:
    with pytest.raises(error, match=text):
        register_layer(name, factory)
    assert registered_layers() == {}


def test_unknown_names_are_refused() -> None:
    with pytest.raises(ValueError, match="not a registered layer; registered: none"):
        unregister_layer("nope")
    with pytest.raises(ValueError, match="activation must be one of"):
        make_activation("nope")
    register_layer("centered", Centered)
    assert isinstance(make_activation("centered"), Centered)  # takes no arguments
    register_layer("scale", Scale)
    with pytest.raises(ValueError, match="width is needed"):
        make_activation("scale")


def test_explorer_offers_and_uses_registered_layers() -> None:
    explorer = MLPExplorer(hidden_sizes=(8, 8))
    layers = explorer.controls["hidden_layers"]
    register_layer("centered", Centered)
    assert ("centered (custom)", "centered") in layers.choices[0].options
    layers.choices[1].value = "centered"  # the reader picks it
    assert explorer.activations == ("relu", "centered")
    assert "Centered()" in explorer.views["module"].value
    late = MLPExplorer(hidden_sizes=(4,), activations="centered")  # from code, too
    assert isinstance(late.net[1], Centered)


def test_a_layer_failing_at_some_width_keeps_the_last_valid_state() -> None:
    register_layer("even", EvenOnly)
    explorer = MLPExplorer(hidden_sizes=(8,), activations="even")
    layers = explorer.controls["hidden_layers"]
    before = explorer.output
    with pytest.raises(ValueError, match=r"custom layers in it: even.*width must be even"):
        explorer.hidden_sizes = (7,)
    assert explorer.hidden_sizes == (8,) and torch.equal(explorer.output, before)
    layers.widths[0].value = 9  # from the UI: a message, the box restored
    assert "width must be even" in explorer.message and layers.widths[0].value == 8
    explorer.hidden_sizes = (10,)
    assert explorer.num_parameters == 20 * 10 + 10 + 10 + 10 * 10 + 10


def test_replacing_or_unregistering_a_layer_in_use_updates_the_explorer() -> None:
    register_layer("mine", Centered)
    explorer = MLPExplorer(hidden_sizes=(6,), activations="mine")
    layers = explorer.controls["hidden_layers"]
    register_layer("mine", Scale)
    assert isinstance(explorer.net[1], Scale) and "Scale()" in explorer.views["module"].value
    unregister_layer("mine")
    assert explorer.activations == ("relu",)
    assert "unregistered" in explorer.message
    assert "mine" not in [value for _, value in layers.choices[0].options]


class OnlyEight(nn.Module):
    def forward(self, X: torch.Tensor) -> torch.Tensor:
        if X.shape[1] != 8:
            raise RuntimeError("only width 8")
        return X


def test_replacing_a_layer_in_use_with_one_that_fails_falls_back_to_relu() -> None:
    register_layer("mine", Centered)
    explorer = MLPExplorer(hidden_sizes=(16,), activations="mine")
    other = MLPExplorer(hidden_sizes=(8,), activations="mine")
    register_layer("mine", OnlyEight)  # passes the probe (width 8), fails at 16
    assert explorer.activations == ("relu",) and "only width 8" in explorer.message
    assert "relu in place of the custom layers" in explorer.message
    assert explorer.output.shape == (2, 10)
    assert isinstance(other.net[1], OnlyEight)  # every listener heard of the change


def test_a_layer_that_wears_out_leaves_a_working_explorer() -> None:
    calls = {"n": 0}

    class Wearing(nn.Module):
        def forward(self, X: torch.Tensor) -> torch.Tensor:
            calls["n"] += 1
            if calls["n"] > 3:
                raise RuntimeError("worn out")
            return torch.tanh(X)

    register_layer("wearing", Wearing)
    explorer = MLPExplorer(hidden_sizes=(16,), activations="wearing")
    layers = explorer.controls["hidden_layers"]
    layers.widths[0].value = 17  # from the UI: no exception escapes
    assert "worn out" in explorer.message and "kept the last valid setting" in explorer.message
    # checked before anything changed: the state and the view that worked are kept
    assert explorer.activations == ("wearing",) and explorer.hidden_sizes == (16,)
    assert layers.widths[0].value == 16 and layers.choices[0].value == "wearing"
    assert explorer.output.shape == (2, 10)


class Mix(nn.Module):
    def __init__(self, width: int) -> None:
        super().__init__()
        self.linear = nn.Linear(width, width)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return self.linear(X) + 0.01 * torch.randn_like(X)


def test_custom_layers_with_parameters_or_noise_stay_deterministic() -> None:
    register_layer("mix", Mix)
    torch.manual_seed(1)
    expected = torch.rand(1)
    torch.manual_seed(1)
    first = MLPExplorer(hidden_sizes=(8,), activations="mix", seed=5)
    assert torch.equal(torch.rand(1), expected)  # the reader's random state is untouched
    second = MLPExplorer(hidden_sizes=(8,), activations="mix", seed=5)
    assert torch.equal(first.output, second.output)
    assert torch.equal(first.net[1].linear.weight, second.net[1].linear.weight)


def test_batch_dependent_layers_see_x_alone() -> None:
    register_layer("bn", nn.BatchNorm1d)
    explorer = MLPExplorer(hidden_sizes=(8,), activations="bn")
    assert torch.allclose(explorer.output, explorer.net(explorer.X), atol=1e-6)


class Doubles(nn.Module):
    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return X.double()


def test_layers_must_keep_dtype_and_device() -> None:
    with pytest.raises(LayerCheckError, match="must return torch.float32 values on cpu"):
        register_layer("doubles", Doubles)


def test_x_that_overflows_float32_is_refused() -> None:
    X = torch.tensor([[1e300, 1.0], [0.0, 1.0]], dtype=torch.float64)
    with pytest.raises(ValueError, match="X must hold values a float32 can represent"):
        MLPExplorer(in_features=2, hidden_sizes=(3,), X=X)


def test_a_batch_that_raises_rolls_every_change_back() -> None:
    explorer = MLPExplorer(hidden_sizes=(8,))
    with pytest.raises(KeyError), explorer.batch():
        explorer.hidden_sizes = (4, 4)
        explorer.seed = 3
        raise KeyError("reader's mistake")
    assert explorer.hidden_sizes == (8,) and explorer.seed == 0
    assert explorer.num_parameters == 20 * 8 + 8 + 8 * 10 + 10


# -- the built-in activations: one record each ---------------------------------------------------

def test_every_built_in_activation_is_one_record_its_code_rebuilds() -> None:
    assert activation_names()[:len(BUILT_IN)] == tuple(a.name for a in BUILT_IN)
    for activation in BUILT_IN:
        assert lookup(activation.name) is activation and not is_custom(activation.name)
        assert ACTIVATIONS[activation.name] is activation.factory
        made = activation.factory()
        from_code = eval(activation.code, {"nn": nn})  # the module a printed script makes
        assert type(from_code) is type(made) and repr(from_code) == repr(made)
        assert activation.description and "{" not in activation.description
        assert activation.from_output is None or activation.from_input is None


def test_leaky_relus_slope_is_written_once() -> None:
    record = lookup("leaky_relu")
    assert record.factory().negative_slope == LEAKY_RELU_SLOPE
    assert record.code == f"nn.LeakyReLU({LEAKY_RELU_SLOPE})"
    assert f"{LEAKY_RELU_SLOPE:g}·x" in record.description
    h = torch.tensor([-2.0, 3.0])
    assert torch.equal(record.from_output(torch.ones(2), h), torch.tensor([LEAKY_RELU_SLOPE, 1]))


def test_the_kernels_constants_are_the_modules_defaults() -> None:
    assert (nn.ELU().alpha, nn.Softplus().beta, nn.Softplus().threshold) == (
        ELU_ALPHA, SOFTPLUS_BETA, SOFTPLUS_THRESHOLD)


@pytest.mark.parametrize("name", [a.name for a in BUILT_IN])
def test_each_kernel_is_what_autograd_computes(name: str) -> None:
    record = lookup(name)
    z = torch.randn(5, 7, generator=torch.Generator().manual_seed(1), requires_grad=True)
    g = torch.randn(5, 7, generator=torch.Generator().manual_seed(2))
    h = record.factory()(z)
    (expected,) = torch.autograd.grad(h, z, g)
    with torch.no_grad():
        if record.from_output is not None:
            assert torch.allclose(record.from_output(g, h.detach()), expected, atol=1e-6)
        if record.from_input is not None:
            assert torch.allclose(record.from_input(g, z.detach()), expected, atol=1e-6)
        if record.in_place is not None:
            buffer = z.detach().clone()
            record.in_place(buffer)
            assert torch.allclose(buffer, h.detach())


def test_registered_layers_share_the_registry_with_the_built_ins() -> None:
    registered = register_layer("centered", Centered)
    assert lookup("centered") is registered and is_custom("centered")
    assert activation_names()[-1] == "centered" and "centered" not in ACTIVATIONS
    with pytest.raises(ValueError, match="'relu' is not a registered layer"):
        unregister_layer("relu")
    with pytest.raises(ValueError, match="'tanh' is a built-in activation"):
        register_layer("tanh", Centered)
    unregister_layer("centered")
    with pytest.raises(ValueError, match="name must be one of relu"):
        lookup("centered")
