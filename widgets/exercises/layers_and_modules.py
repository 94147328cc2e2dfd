"""Checks for the exercises of chapter 01, "Layers and modules"."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from ..core.introspection import (
    TensorSummary,
    Trace,
    count_parameters,
    count_tensors,
    module_paths,
    trace_forward,
)
from ..text import plural, t
from . import CheckReport, answer_name


def check_registration(model_class: type[nn.Module], in_features: int = 20,
                       out_features: int = 10) -> CheckReport:
    """Check that a model registers every layer its ``forward`` calls.

    ``model_class()`` must build a model taking ``(batch, in_features)`` inputs
    and returning ``(batch, out_features)`` outputs. The check traces one
    forward pass: every module called must be registered, so ``parameters()``,
    ``state_dict()`` and ``.to()`` all reach it.
    """
    report = CheckReport(f"check_registration({answer_name(model_class)})")
    if not report.expect_callable(model_class, t("exercises.layers_and_modules.builds_module"),
                                  builds_module=True):
        return report
    net = report.attempt(t("exercises.layers_and_modules.building_model"), model_class)
    if net is None or not report.expect(isinstance(net, nn.Module),
                                        t("exercises.layers_and_modules.builds_module"),
                                        t("exercises.layers_and_modules.got",
                                          value=type(net).__name__)):
        return report
    X = torch.rand(2, in_features)
    trace = trace_forward(net, X)
    if not report.expect(trace.error is None,
                         t("exercises.layers_and_modules.forward_runs", shape=tuple(X.shape)),
                         _forward_error_hint(trace, tuple(X.shape))):
        return report
    shape = (2, out_features)
    if trace.output is None:
        report.expect(False, t("exercises.report.returned_none", what="forward"))
    else:
        out = trace.output
        report.expect(isinstance(out, torch.Tensor) and tuple(out.shape) == shape,
                      t("exercises.layers_and_modules.returns_shape", shape=shape),
                      _output_shape_hint(out, shape))
    called = _called_modules(net, X)
    paths = module_paths(net)
    hidden = [m for m in called if id(m) not in paths]
    names = t("list.separator").join(sorted({type(m).__name__ for m in hidden}))
    kept = _kept_in_containers(net)
    report.expect(not hidden, t("exercises.layers_and_modules.all_registered"),
                  plural("exercises.layers_and_modules.not_registered"
                         if any(id(m) in kept for m in hidden)
                         else "exercises.layers_and_modules.not_registered_made",
                         len({type(m).__name__ for m in hidden}), modules=names))
    used = list({id(p): p for m in called for p in m.parameters(recurse=False)}.values())
    registered = {id(p) for p in net.parameters()}
    missing = [p for p in used if id(p) not in registered]
    used_count = count_tensors(used).known
    if used:
        report.expect(not missing, t("exercises.layers_and_modules.holds_used", count=used_count),
                      t("exercises.layers_and_modules.misses_used",
                        missing=count_tensors(missing).known, count=used_count))
    else:
        report.expect(False, t("exercises.layers_and_modules.holds_used_any"),
                      t("exercises.layers_and_modules.uses_none"))
    saved = net.state_dict(keep_vars=True)  # the tensors themselves, not detached views
    saved_ids = {id(value) for value in saved.values()}
    unsaved = [p for p in used if id(p) not in saved_ids]
    report.expect(bool(saved) and not unsaved,
                  t("exercises.layers_and_modules.state_dict_entries"),
                  t("exercises.layers_and_modules.state_dict_empty") if not saved
                  else t("exercises.layers_and_modules.state_dict_lacks",
                         missing=count_tensors(unsaved).known))
    failures = len(report.points)
    report.attempt(t("exercises.layers_and_modules.to_float64"),
                   lambda: net.to(torch.float64)(X.double()), returns=False)
    if len(report.points) == failures:  # it ran: every layer took float64
        report.expect(True, t("exercises.layers_and_modules.to_converts"))
    return report


def _forward_error_hint(trace: Trace, batch_shape: tuple[int, ...]) -> str:
    """Why forward failed: the error, and which input the failing layer got when it is the batch."""
    failed = [call for call in trace.calls if call.outputs is None and call.depth > 0]
    first_input = failed[-1].inputs[0] if failed and failed[-1].inputs else None
    if isinstance(first_input, TensorSummary) and first_input.shape == batch_shape:
        return t("exercises.layers_and_modules.forward_raised_on_batch", error=trace.error_text,
                 layer=failed[-1].type_name, features=batch_shape[1])
    return t("exercises.layers_and_modules.forward_raised", error=trace.error_text)


def _output_shape_hint(out: object, shape: tuple[int, int]) -> str:
    """What is wrong with forward's output: its type, its batch dimension or its width."""
    if not isinstance(out, torch.Tensor):
        return t("exercises.layers_and_modules.got", value=type(out).__name__)
    got = tuple(out.shape)
    if len(got) != len(shape):
        return t("exercises.layers_and_modules.got_dims", shape=got, count=len(got),
                 expected=len(shape))
    if got[0] == shape[0]:
        return t("exercises.layers_and_modules.got_width", shape=got, width=got[1],
                 expected=shape[1])
    return t("exercises.layers_and_modules.got_batch", shape=got, batch=shape[0])


def _called_modules(net: nn.Module, X: torch.Tensor) -> list[nn.Module]:
    """The modules a forward pass of ``net`` calls, registered or not, each once."""
    called: dict[int, nn.Module] = {}

    def hook(module: nn.Module, args: tuple) -> None:
        called.setdefault(id(module), module)

    handle = nn.modules.module.register_module_forward_pre_hook(hook)
    try:
        with torch.no_grad():
            net(X)
    finally:
        handle.remove()
    return list(called.values())


#: The attributes every ``nn.Module`` has: PyTorch's own bookkeeping, not the reader's.
_MODULE_INTERNALS = frozenset(vars(nn.Module()))


def _kept_in_containers(net: nn.Module, limit: int = 10_000) -> set[int]:
    """The ids of modules that ``net`` or its submodules keep in plain Python attributes
    (lists, tuples, sets, dicts, nested a few levels), where registration does not see them.

    The walk looks at no more than ``limit`` values, whatever the model holds.
    """
    found: set[int] = set()
    pending: list[tuple[object, int]] = [
        (value, 0) for module in net.modules() for key, value in vars(module).items()
        if key not in _MODULE_INTERNALS]
    seen = 0
    while pending and seen < limit:
        value, depth = pending.pop()
        seen += 1
        if isinstance(value, nn.Module):
            found.update(id(m) for m in value.modules())
        elif depth < 4 and isinstance(value, (list, tuple, set, frozenset)):
            pending.extend((item, depth + 1) for item in value)
        elif depth < 4 and isinstance(value, dict):
            pending.extend((item, depth + 1) for item in value.values())
    return found


def check_parallel(parallel_class: type[nn.Module]) -> CheckReport:
    """Check a module that runs two modules on one input and concatenates the outputs.

    ``parallel_class(net1, net2)(X)`` must equal ``torch.cat([net1(X), net2(X)], dim=1)``,
    and both nets' parameters must be registered and receive gradients.
    """
    report = CheckReport(f"check_parallel({answer_name(parallel_class)})")
    if not report.expect_callable(parallel_class,
                                  t("exercises.layers_and_modules.builds_module"),
                                  builds_module=True):
        return report
    with torch.random.fork_rng(devices=[]):  # the reader's random state is left alone
        torch.manual_seed(0)
        net1, net2 = nn.Linear(4, 3), nn.Sequential(nn.Linear(4, 5), nn.Tanh())
        X = torch.rand(2, 4)
    model = report.attempt("Parallel(net1, net2)", lambda: parallel_class(net1, net2))
    if model is None:
        return report
    if not report.expect(isinstance(model, nn.Module),
                         t("exercises.layers_and_modules.builds_module"),
                         t("exercises.layers_and_modules.got", value=type(model).__name__)):
        return report
    Y = report.attempt("forward", lambda: model(X))
    expected = torch.cat([net1(X), net2(X)], dim=1)
    if Y is not None and report.expect(
            isinstance(Y, torch.Tensor) and Y.shape == expected.shape,
            t("exercises.layers_and_modules.parallel_shape", batch=2, first=3, second=5,
              shape=tuple(expected.shape)),
            t("exercises.layers_and_modules.got",
              value=tuple(Y.shape) if isinstance(Y, torch.Tensor) else type(Y).__name__)):
        report.expect(torch.allclose(Y, expected),
                      t("exercises.layers_and_modules.parallel_values"),
                      t("exercises.layers_and_modules.parallel_values_differ"))
    count = count_parameters(model).known
    report.expect(count == 15 + 25,
                  t("exercises.layers_and_modules.parallel_registered", count=15 + 25),
                  t("exercises.layers_and_modules.parameters_hold", count=count))
    if isinstance(Y, torch.Tensor) and report.expect(
            Y.requires_grad, t("exercises.layers_and_modules.in_graph"),
            t("exercises.layers_and_modules.detached")):
        Y.sum().backward()
        without = [name for name, weight in (("net1", net1.weight), ("net2", net2[0].weight))
                   if weight.grad is None]
        report.expect(not without, t("exercises.layers_and_modules.gradients_reach_both"),
                      plural("exercises.layers_and_modules.without_gradient", len(without),
                             nets=t("list.separator").join(without)))
    return report


def check_stack(stack: Callable[[Callable[[], nn.Module], int], nn.Module]) -> CheckReport:
    """Check a factory ``stack(make_block, num_blocks)`` that chains fresh blocks.

    Each block must be a new instance with parameters of its own: repeating one
    block object would make every position share the same weights.
    """
    report = CheckReport(f"check_stack({answer_name(stack)})")
    if not report.expect_callable(stack, t("exercises.layers_and_modules.stack_is_function")):
        return report
    made: list[nn.Module] = []

    def make_block() -> nn.Module:
        block = nn.Sequential(nn.Linear(8, 8), nn.ReLU())
        made.append(block)
        return block

    net = report.attempt("stack(make_block, 3)", lambda: stack(make_block, 3))
    if net is None:
        return report
    if not report.expect(isinstance(net, nn.Module),
                         t("exercises.layers_and_modules.returns_module"),
                         t("exercises.layers_and_modules.got", value=type(net).__name__)):
        return report
    Y = report.attempt("forward", lambda: net(torch.rand(2, 8)))
    if Y is not None:
        shape = tuple(Y.shape) if isinstance(Y, torch.Tensor) else type(Y).__name__
        report.expect(shape == (2, 8),
                      t("exercises.layers_and_modules.stack_shape", shape_in=(2, 8),
                        shape_out=(2, 8)),
                      t("exercises.layers_and_modules.got", value=shape))
    report.expect(len(made) == 3, t("exercises.layers_and_modules.calls_once_per_block"),
                  plural("exercises.layers_and_modules.called", len(made)))
    count = count_parameters(net).known
    paths = module_paths(net)
    held = [block for block in made if id(block) in paths]
    # a module with parameters at several positions, a block or a copy of one
    shared = any(len(paths[id(m)]) > 1 and any(True for _ in m.parameters())
                 for m in net.modules())
    from_blocks = {id(p) for block in held for p in block.parameters()}
    others = count_tensors([p for p in net.parameters() if id(p) not in from_blocks]).known
    if count == 0:
        hint = t("exercises.layers_and_modules.stack_unregistered")
    elif shared:
        hint = t("exercises.layers_and_modules.stack_shared", count=count)
    elif others:  # blocks in the network that no make_block() call returned
        hint = t("exercises.layers_and_modules.stack_copies", count=count, others=others)
    elif count == 72 * len(held):
        hint = plural("exercises.layers_and_modules.stack_blocks", len(held), total=count)
    else:
        hint = t("exercises.layers_and_modules.stack_holds", count=count)
    report.expect(count == 3 * 72 and len(held) == 3 and not shared and not others,
                  t("exercises.layers_and_modules.stack_count", blocks=3, per_block=72,
                    total=3 * 72), hint)
    return report
