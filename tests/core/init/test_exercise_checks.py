"""Chapter 3's exercise checks, which read the init engine."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from widgets.core.init import InitSpec, compute_stats
from widgets.exercises.parameter_initialization import (
    check_he_init,
    check_tanh_scale,
    check_xavier_init,
)

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
    assert "they bunch around 0: drawn from a normal, not uniformly?" in normal
    assert "drawn from a normal" not in repr(check_xavier_init(xavier_by_type))
    assert "raised ZeroDivisionError" in repr(check_xavier_init(lambda m: 1 / 0))


@pytest.mark.parametrize(("scale", "passed", "hint"), [
    (1 / 32, True, ""),  # 1024 σ² = 1: passes, near the lower edge of the window
    (1.2 / 32, True, ""),  # the chapter's solution, in the middle of the window
    (0.043, True, ""),
    (1 / 16, False, "it grows on the way down, so try a smaller std"),  # width 256's answer
    (0.025, False, "it shrinks every layer, so try a larger std"),
    (1.0, False, "% do: the std is too large"),
    (-1, False, "the std is a number from 0 to 100: scale must be a number from 0 to 100, got -1"),
    (None, False, "the std is a number from 0 to 100: got None: did the code that makes it "
                  "forget `return`?"),
    ("1/32", False, "scale must be a number"),
])
def test_check_tanh_scale(scale: object, passed: bool, hint: str) -> None:
    report = check_tanh_scale(scale)  # type: ignore[arg-type]
    assert report.passed is passed and hint in " ".join(repr(report).split())
    assert repr(report).startswith("check_tanh_scale(your std): ")  # the value is not echoed


def test_check_tanh_scale_sees_what_the_explorer_shows() -> None:
    """The explorer's depth and activation at width 1024; chapter 3 tells the reader to set
    the width and the batch of 64 in the explorer, which then shows the check's numbers."""
    from widgets.exercises.parameter_initialization import TANH_STACK

    defaults = InitSpec()
    assert (TANH_STACK["depth"], TANH_STACK["activation"]) == (
        defaults.depth, defaults.activation)
    assert TANH_STACK["width"] == 1024  # not the chapter's 256: its σ is not the answer
    assert TANH_STACK["batch_size"] == 64  # chapter 3 names it in the exercise


def test_check_tanh_scale_window_is_where_chapter_3_says() -> None:
    """1/32 (1024 σ² = 1) passes close to the lower edge, 1.2/32 in the middle."""
    from widgets.exercises.parameter_initialization import TANH_STACK

    def ratios(scale: float) -> tuple[float, float]:
        stats = compute_stats(InitSpec(**TANH_STACK, schemes="normal", scales=scale))
        a, g = stats.activation_std, stats.gradient_std
        return a[-1] / a[0], g[0] / g[-1]

    assert all(0.1 <= r < 0.2 for r in ratios(1 / 32))
    assert all(0.3 < r < 3 for r in ratios(1.2 / 32))


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
    lecun = " ".join(repr(check_he_init(lecun_init)).split())
    assert ("layer 0: weight std is He's for its fan_in: it is 0.2" in lecun
            and "smaller than the exercise's formula gives for 16 inputs, by the same factor "
                "in every layer: compare your formula with the exercise's" in lecun)
    # the hint names the symptom, not the answer nor the missing factor
    for fix in ("√(2/16)", "0.354", "factor 2", "√2", "ReLU is missing"):
        assert fix not in lecun, fix
    assert "std at layer 30 within ×10 of layer 1: it is" in lecun

    def uniform(module: nn.Module) -> None:
        if isinstance(module, nn.Linear):
            nn.init.kaiming_uniform_(module.weight, nonlinearity="relu")
            nn.init.zeros_(module.bias)

    report = check_he_init(uniform)
    assert "weights are normal, not uniform: 0.0% lie beyond 2 std" in repr(report)
    assert "raised ZeroDivisionError" in repr(check_he_init(lambda m: 1 / 0))
    assert "biases are 0: set them" in repr(check_he_init(xavier_normal_with_default_bias))


def test_check_he_init_names_no_false_slip_for_the_nested_layer() -> None:
    """2/√fan_in is no slip the check knows: it must not read as √(2/fan_out), which it
    equalled for a nested layer of 64 inputs and 32 outputs."""
    def two_over_root(module: nn.Module) -> None:
        if isinstance(module, nn.Linear):
            nn.init.normal_(module.weight, 0, 2 / module.in_features ** 0.5)
            nn.init.zeros_(module.bias)

    text = " ".join(repr(check_he_init(two_over_root)).split())
    assert not check_he_init(two_over_root).passed
    assert "from the layer's" not in text  # no fan_out diagnosis for any layer
    assert "layer 4.0: weight std is He's for its fan_in: it is 0.25" in text

    def fan_out(module: nn.Module) -> None:
        if isinstance(module, nn.Linear):
            nn.init.normal_(module.weight, 0, (2 / module.out_features) ** 0.5)
            nn.init.zeros_(module.bias)

    text = " ".join(repr(check_he_init(fan_out)).split())
    for layer, outputs in (("0", 512), ("2", 64), ("4.0", 48)):
        assert f"layer {layer}: weight std is He's for its fan_in: it is" in text
        assert f"from the layer's {outputs} outputs" in text


def test_checks_leave_the_global_random_state_alone() -> None:
    torch.manual_seed(7)
    expected = torch.rand(3)
    torch.manual_seed(7)
    check_xavier_init(xavier_by_isinstance)
    check_he_init(he_init)
    check_tanh_scale(0.07)
    assert torch.equal(torch.rand(3), expected)
