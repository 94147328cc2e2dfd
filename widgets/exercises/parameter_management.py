"""Checks for the exercises of chapter 02, "Parameter management"."""

from __future__ import annotations

import copy
from collections.abc import Callable

import torch
from torch import nn

from . import CheckReport


def _name(obj: object) -> str:
    return getattr(obj, "__name__", type(obj).__name__)


def _nested_model() -> nn.Sequential:
    def block() -> nn.Sequential:
        return nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 4))
    return nn.Sequential(nn.Sequential(block(), nn.ReLU(), block()), nn.ReLU(), nn.Linear(4, 2))


def check_parameter_shapes(parameter_shapes: Callable[[nn.Module], dict]) -> CheckReport:
    """Check a function mapping every dotted parameter name of a module to its shape.

    ``parameter_shapes(net)`` must return ``{"0.0.0.weight": (6, 4), ...}`` for
    every parameter, nested blocks included, in the order ``named_parameters()``
    visits them.
    """
    report = CheckReport(f"check_parameter_shapes({_name(parameter_shapes)})")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        net = _nested_model()
    expected = {name: tuple(p.shape) for name, p in net.named_parameters()}
    got = report.attempt("parameter_shapes(net)", lambda: parameter_shapes(net))
    if got is None:
        return report
    if not report.expect(isinstance(got, dict), "returns a dict", f"got {type(got).__name__}"):
        return report
    got = {str(k): tuple(v) if isinstance(v, (tuple, list, torch.Size)) else v
           for k, v in got.items()}
    missing = [name for name in expected if name not in got]
    report.expect(not missing, f"names all {len(expected)} parameters, nested ones included",
                  f"missing {', '.join(missing[:4])}{' ...' if len(missing) > 4 else ''}"
                  " (recurse=False, children() or named_children() stop before the nested "
                  "blocks)")
    extra = [name for name in got if name not in expected]
    report.expect(not extra, "uses the dotted names named_parameters() gives",
                  f"unexpected names {', '.join(extra[:4])}")
    wrong = [name for name in expected if name in got and got[name] != expected[name]]
    report.expect(not wrong, "every shape given is right",
                  f"wrong for {', '.join(wrong[:4])}")
    if not (missing or extra):
        report.expect(list(got) == list(expected), "keeps the order of named_parameters()",
                      "the order differs")
    return report


def _grads_by_position(net: nn.Sequential, X: torch.Tensor, i: int, j: int) -> torch.Tensor:
    """What positions i and j would each contribute to a shared weight's gradient, summed."""
    untied = copy.deepcopy(net)
    untied[j] = copy.deepcopy(untied[i])  # two separate layers with equal values
    untied.zero_grad(set_to_none=True)
    untied(X).sum().backward()
    return untied[i].weight.grad + untied[j].weight.grad


def check_tied_mlp(make_tied_mlp: Callable[[], nn.Module]) -> CheckReport:
    """Check a factory for an MLP whose layers at positions 2 and 4 are one shared layer.

    ``make_tied_mlp()`` must return an ``nn.Sequential`` mapping ``(batch, 4)`` to
    ``(batch, 1)`` in which ``net[2]`` and ``net[4]`` hold the same parameters.
    The check trains it for three SGD steps and compares gradients.
    """
    report = CheckReport(f"check_tied_mlp({_name(make_tied_mlp)})")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        net = report.attempt("make_tied_mlp()", make_tied_mlp)
        X, y = torch.rand(16, 4), torch.rand(16, 1)
    if net is None:
        return report
    if not report.expect(isinstance(net, nn.Sequential) and len(net) > 4,
                         "returns an nn.Sequential with at least 5 modules",
                         f"got {type(net).__name__}"):
        return report
    out = report.attempt("net(X)", lambda: net(X))
    if out is None or not report.expect(tuple(out.shape) == (16, 1), "maps (16, 4) to (16, 1)",
                                        f"got {tuple(out.shape)}"):
        return report
    a, b = net[2], net[4]
    same = isinstance(a, nn.Linear) and isinstance(b, nn.Linear) and a.weight is b.weight
    report.expect(same, "net[2] and net[4] hold one weight tensor",
                  "they are two layers (two tensors); build one layer and put it at both "
                  "positions")
    if not same:
        return report
    expected = _grads_by_position(net, X, 2, 4)
    net.zero_grad(set_to_none=True)
    net(X).sum().backward()
    report.expect(torch.allclose(a.weight.grad, expected, atol=1e-5),
                  "the shared gradient is the sum of both positions' gradients "
                  f"(norm {a.weight.grad.norm():.4f})")
    optimizer = torch.optim.SGD(net.parameters(), lr=0.05)
    losses = []
    for _ in range(3):
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(net(X), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    report.expect(net[2].weight is net[4].weight and torch.equal(net[2].bias, net[4].bias),
                  "still tied after three SGD steps")
    report.expect(losses[-1] < losses[0],
                  f"the loss falls while training ({losses[0]:.4f} -> {losses[-1]:.4f})",
                  "it did not fall")
    return report


def check_unique_count(count_unique_parameters: Callable[[nn.Module], int]) -> CheckReport:
    """Check a function counting the numbers a module holds, each tied tensor once."""
    report = CheckReport(f"check_unique_count({_name(count_unique_parameters)})")
    shared = nn.Linear(8, 8)
    cases = {
        "a plain MLP": (nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1)), 49),
        "an MLP with one layer at two positions": (
            nn.Sequential(nn.Linear(4, 8), shared, nn.ReLU(), shared, nn.Linear(8, 1)), 121),
        "a module without parameters": (nn.ReLU(), 0),
    }
    for label, (net, expected) in cases.items():
        got = report.attempt(f"counting {label}", lambda net=net: count_unique_parameters(net))
        if got is None:
            continue
        hint = f"got {got}"
        if got == expected + 72:
            hint += ": the shared layer was counted twice"
        report.expect(got == expected, f"{label}: {expected}", hint)
    return report
