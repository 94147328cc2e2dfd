"""Checks for the exercises of chapter 01, "Layers and modules"."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from ..core.introspection import count_parameters, count_tensors, trace_forward
from . import CheckReport


def check_registration(model_class: type[nn.Module], in_features: int = 20) -> CheckReport:
    """Check that a model registers every layer its ``forward`` calls.

    ``model_class()`` must build a model taking ``(batch, in_features)`` inputs.
    The check traces one forward pass: every module called must be registered,
    so ``parameters()``, ``state_dict()`` and ``.to()`` all reach it.
    """
    report = CheckReport(f"check_registration({getattr(model_class, '__name__', model_class)})")
    net = report.attempt("building the model", model_class)
    if net is None or not report.expect(isinstance(net, nn.Module), "builds an nn.Module",
                                        f"got {type(net).__name__}"):
        return report
    X = torch.rand(2, in_features)
    trace = trace_forward(net, X)
    if not report.expect(trace.error is None, "forward runs",
                         f"it raised {trace.error_text}"):
        return report
    hidden = sorted({c.type_name for c in trace.calls if not c.registered})
    verb = "is" if len(hidden) == 1 else "are"
    report.expect(not hidden, "every module that forward calls is registered",
                  f"{', '.join(hidden)} ran but {verb} not registered (kept in a plain list?)")
    used = count_tensors(_used_parameters(net, X)).known
    registered = count_parameters(net).known
    report.expect(registered == used > 0,
                  f"parameters() holds all {used:,} parameters forward uses",
                  f"it holds {registered:,}")
    report.expect(len(net.state_dict()) > 0, "state_dict() has an entry for each weight",
                  "it is empty, so saving would store nothing")
    converted = report.attempt(".to(torch.float64) then forward",
                               lambda: net.to(torch.float64)(X.double()))
    if converted is not None:
        report.expect(True, ".to() converts every layer")
    return report


def _used_parameters(net: nn.Module, X: torch.Tensor) -> list[torch.Tensor]:
    """The parameters held by the modules a forward pass calls, registered or not."""
    called: dict[int, nn.Module] = {}

    def hook(module: nn.Module, args: tuple) -> None:
        called.setdefault(id(module), module)

    handle = nn.modules.module.register_module_forward_pre_hook(hook)
    try:
        with torch.no_grad():
            net(X)
    finally:
        handle.remove()
    unique = {id(p): p for m in called.values() for p in m.parameters(recurse=False)}
    return list(unique.values())


def check_parallel(parallel_class: type[nn.Module]) -> CheckReport:
    """Check a module that runs two modules on one input and concatenates the outputs.

    ``parallel_class(net1, net2)(X)`` must equal ``torch.cat([net1(X), net2(X)], dim=1)``,
    and both nets' parameters must be registered and receive gradients.
    """
    report = CheckReport(f"check_parallel({getattr(parallel_class, '__name__', parallel_class)})")
    with torch.random.fork_rng(devices=[]):  # the reader's random state is left alone
        torch.manual_seed(0)
        net1, net2 = nn.Linear(4, 3), nn.Sequential(nn.Linear(4, 5), nn.Tanh())
        X = torch.rand(2, 4)
    model = report.attempt("Parallel(net1, net2)", lambda: parallel_class(net1, net2))
    if model is None:
        return report
    Y = report.attempt("forward", lambda: model(X))
    if Y is None:
        return report
    expected = torch.cat([net1(X), net2(X)], dim=1)
    if report.expect(isinstance(Y, torch.Tensor) and Y.shape == expected.shape,
                     "output shape is (2, 3 + 5) = (2, 8)",
                     f"got {tuple(Y.shape) if isinstance(Y, torch.Tensor) else type(Y)}"):
        report.expect(torch.allclose(Y, expected), "output is net1(X) then net2(X), side by side",
                      "the values differ from torch.cat([net1(X), net2(X)], dim=1)")
    report.expect(count_parameters(model).known == 15 + 25,
                  "both nets' 40 parameters are registered",
                  f"parameters() holds {count_parameters(model).known}")
    if isinstance(Y, torch.Tensor) and report.expect(
            Y.requires_grad, "the output is part of the autograd graph",
            "it is detached (was .detach(), .data or torch.no_grad() used?)"):
        Y.sum().backward()
        report.expect(net1.weight.grad is not None and net2[0].weight.grad is not None,
                      "gradients reach both nets", "one net got no gradient")
    return report


def check_stack(stack: Callable[[Callable[[], nn.Module], int], nn.Module]) -> CheckReport:
    """Check a factory ``stack(make_block, num_blocks)`` that chains fresh blocks.

    Each block must be a new instance with parameters of its own: repeating one
    block object would make every position share the same weights.
    """
    report = CheckReport(f"check_stack({getattr(stack, '__name__', stack)})")
    made: list[nn.Module] = []

    def make_block() -> nn.Module:
        block = nn.Sequential(nn.Linear(8, 8), nn.ReLU())
        made.append(block)
        return block

    net = report.attempt("stack(make_block, 3)", lambda: stack(make_block, 3))
    if net is None:
        return report
    if not report.expect(isinstance(net, nn.Module), "returns an nn.Module",
                         f"got {type(net).__name__}"):
        return report
    Y = report.attempt("forward", lambda: net(torch.rand(2, 8)))
    shape = tuple(Y.shape) if isinstance(Y, torch.Tensor) else type(Y).__name__
    report.expect(shape == (2, 8), "maps (2, 8) to (2, 8)", f"got {shape}")
    times = "once" if len(made) == 1 else f"{len(made)} times"
    report.expect(len(made) == 3, "calls make_block once per block", f"it was called {times}")
    report.expect(count_parameters(net).known == 3 * 72,
                  "holds 3 x 72 = 216 parameters: one independent set per block",
                  f"it holds {count_parameters(net).known}; shared blocks are counted once")
    return report
