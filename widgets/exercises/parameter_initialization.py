"""Checks for the exercises of chapter 03, "Parameter initialization"."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import nn

from ..core.init_stats import InitSpec, check_scale, compute_stats
from . import CheckReport


def _name(thing: object) -> str:
    return getattr(thing, "__name__", repr(thing))


def _lazy_test_net() -> tuple[nn.Sequential, set[str]]:
    """Three linear layers, two of them lazy, one nested, after a dry run on 16 inputs."""
    net = nn.Sequential(nn.LazyLinear(256), nn.ReLU(), nn.Linear(256, 16),
                        nn.Sequential(nn.LazyLinear(64), nn.Tanh()))
    net(torch.rand(2, 16))  # the dry run: the lazy layers become nn.Linear
    return net, {"0", "3.0"}


def check_xavier_init(init_fn: Callable[[nn.Module], object]) -> CheckReport:
    """Check an init function for ``net.apply`` that gives every ``nn.Linear`` Xavier weights.

    The function is applied to a net with a plain ``Linear``, two materialized
    ``LazyLinear`` layers (one nested in a block) and activations. Every linear
    layer must end with weights uniform in ±√(6/(fan_in+fan_out)) (as
    ``nn.init.xavier_uniform_`` draws them) and zero biases.
    """
    report = CheckReport(f"check_xavier_init({_name(init_fn)})")
    with torch.random.fork_rng(devices=[]):  # the reader's random state is left alone
        torch.manual_seed(0)
        net, lazy = _lazy_test_net()
        before = {name: p.detach().clone() for name, p in net.named_parameters()}
        if report.attempt("net.apply(init_fn)", lambda: net.apply(init_fn)) is None:
            return report
    for name, module in net.named_modules():
        if not isinstance(module, nn.Linear):
            continue
        what = f"layer {name} (LazyLinear, now Linear)" if name in lazy else f"layer {name}"
        fan_in, fan_out = module.in_features, module.out_features
        bound = math.sqrt(6 / (fan_in + fan_out))
        weight = module.weight.detach()
        if not report.expect(not torch.equal(weight, before[f"{name}.weight"]),
                             f"{what} got new weights",
                             "it still holds PyTorch's default ones: did the test on the "
                             "module's type skip it?"):
            continue
        largest, std = weight.abs().max().item(), weight.std().item()
        beyond = largest > bound * (1 + 1e-6)
        report.expect(not beyond and largest > 0.9 * bound,
                      f"{what}: weights fill ±{bound:.3f}, Xavier's uniform range for "
                      f"{fan_in} in and {fan_out} out",
                      f"they reach {largest:.3f}" + (
                          ", beyond the uniform bound: normal instead of uniform? use "
                          "xavier_uniform_" if beyond else ""))
        report.expect(abs(std - bound / math.sqrt(3)) < 0.1 * bound / math.sqrt(3),
                      f"{what}: weight std is about {bound / math.sqrt(3):.3f}",
                      f"it is {std:.3f}")
        bias = module.bias
        report.expect(bias is not None and bool((bias == 0).all()), f"{what}: biases are 0",
                      "set them with nn.init.zeros_")
    return report


#: The stack of exercise 2: the explorer's depth, activation and batch of inputs, at width
#: 1024 (the chapter works at 256, so its numbers are not the answer).
TANH_STACK = {"depth": 50, "width": 1024, "activation": "tanh", "batch_size": 512}


def check_tanh_scale(scale: float) -> CheckReport:
    """Check a std for ``nn.init.normal_`` that keeps a 50-layer tanh stack of width 1024 steady.

    Steady means: the outputs' std at layer 50 is within a factor of 10 of layer
    1's, few of them saturate at ±1, and the gradient's std at layer 1 is within a
    factor of 10 of layer 50's. The stack is ``InitExplorer(**TANH_STACK,
    schemes="normal", scales=scale)``'s, so the explorer shows the same numbers.
    The report's title does not repeat the value, so a solution shown does not
    print its answer.
    """
    report = CheckReport("check_tanh_scale(your std)")
    try:
        spec = InitSpec(**TANH_STACK, schemes="normal", scales=check_scale("scale", scale))
    except (TypeError, ValueError) as error:
        report.expect(False, "the std is a number from 0 to 100", str(error))
        return report
    stats = compute_stats(spec)
    a, g = stats.activation_std, stats.gradient_std
    signal, gradient = a[-1] / a[0] if a[0] else 0.0, g[0] / g[-1]
    report.expect(math.isfinite(signal) and 0.1 <= signal <= 10,
                  "the signal keeps its size: std at layer 50 within ×10 of layer 1",
                  f"it is {signal:.2g} of layer 1" + (
                      "; it shrinks every layer, so try a larger std" if signal < 0.1 else ""))
    saturation = stats.saturation or 0.0
    report.expect(saturation < 0.05, "under 5% of layer 50's outputs saturate at ±1",
                  f"{saturation:.0%} do: the std is too large, tanh is flat out there")
    report.expect(math.isfinite(gradient) and 0.1 <= gradient <= 10,
                  "the gradient keeps its size: std at layer 1 within ×10 of layer 50",
                  f"it is {gradient:.2g} times layer 50's" + (
                      "; it grows on the way down, so try a smaller std" if gradient > 10
                      else "; it fades on the way down, so try a larger std"
                      if gradient < 0.1 else ""))
    return report


def check_he_init(init_fn: Callable[[nn.Module], object]) -> CheckReport:
    """Check a hand-written He (Kaiming) initializer for ``net.apply``.

    Every ``nn.Linear`` must get normal weights with std √(2/fan_in) (fan_in: the
    layer's ``in_features``) and zero biases. Then a 30-layer ReLU stack of width
    128 initialized with it must keep its signal: the output std at layer 30 within
    a factor of 10 of layer 1's.
    """
    report = CheckReport(f"check_he_init({_name(init_fn)})")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        net = nn.Sequential(nn.LazyLinear(512), nn.ReLU(), nn.Linear(512, 64), nn.ReLU(),
                            nn.Sequential(nn.LazyLinear(32)))
        net(torch.rand(2, 16))  # the dry run
        if report.attempt("net.apply(init_fn)", lambda: net.apply(init_fn)) is None:
            return report
        deep = nn.Sequential(*[m for _ in range(30) for m in (nn.Linear(128, 128), nn.ReLU())])
        if report.attempt("deep.apply(init_fn)", lambda: deep.apply(init_fn)) is None:
            return report
        X = torch.randn(256, 128)
    for name, module in net.named_modules():
        if not isinstance(module, nn.Linear):
            continue
        weight = module.weight.detach()
        fan_in = module.in_features
        target = math.sqrt(2 / fan_in)
        std = weight.std().item()
        if abs(std - target) < 0.07 * target:
            report.expect(True, f"layer {name}: weight std is √(2/{fan_in}) = {target:.3f}")
        else:
            lecun = abs(std * math.sqrt(2) - target) < 0.07 * target  # √(1/fan_in)
            report.expect(False, f"layer {name}: weight std should be √(2/{fan_in}) = "
                                 f"{target:.3f}, is {std:.3f}" + (
                                     f" = √(1/{fan_in}): the factor 2 for ReLU is missing"
                                     if lecun else ""))
        tails = (weight.abs() > 2 * std).double().mean().item()
        report.expect(0.02 < tails < 0.08, f"layer {name}: weights are normal, not uniform",
                      f"{tails:.1%} lie beyond 2 std, where a normal puts 4.6%")
        report.expect(module.bias is not None and bool((module.bias == 0).all()),
                      f"layer {name}: biases are 0", "set them with nn.init.zeros_")
    with torch.no_grad():
        first = deep[1](deep[0](X)).std().item()
        last = deep(X).std().item()
    ratio = last / first if first else 0.0
    report.expect(math.isfinite(ratio) and 0.1 <= ratio <= 10,
                  "a 30-layer ReLU stack keeps its signal: std at layer 30 within ×10 of layer 1",
                  f"it is {ratio:.2g} of layer 1")
    return report
