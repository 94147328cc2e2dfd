"""Checks for the exercises of chapter 02, "Parameter management"."""

from __future__ import annotations

import copy
import numbers
from collections.abc import Callable

import torch
from torch import nn

from ..text import plural, t
from . import CheckReport, answer_name


def _nested_model() -> nn.Sequential:
    def block() -> nn.Sequential:
        return nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 4))
    return nn.Sequential(nn.Sequential(block(), nn.ReLU(), block()), nn.ReLU(), nn.Linear(4, 2))


def check_parameter_shapes(parameter_shapes: Callable[[nn.Module], dict]) -> CheckReport:
    """Check a function mapping every dotted parameter name of a module to its shape.

    ``parameter_shapes(net)`` must return ``{"0.0.0.weight": (6, 4), ...}`` for
    every parameter, nested blocks included. Like any two dicts, the answer and
    the expected one are compared without regard to order.
    """
    report = CheckReport(f"check_parameter_shapes({answer_name(parameter_shapes)})")
    if not report.expect_callable(parameter_shapes,
                                  t("exercises.parameter_management.is_function",
                                    name="parameter_shapes")):
        return report
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        net = _nested_model()
    expected = {name: tuple(p.shape) for name, p in net.named_parameters()}
    got = report.attempt("parameter_shapes(net)", lambda: parameter_shapes(net))
    if got is None:
        return report
    if not report.expect(isinstance(got, dict), t("exercises.parameter_management.returns_dict"),
                         t("exercises.parameter_management.got", value=type(got).__name__)):
        return report
    got = {str(k): tuple(v) if isinstance(v, (tuple, list, torch.Size)) else v
           for k, v in got.items()}
    missing = [name for name in expected if name not in got]
    nested = all(name.count(".") > 1 for name in missing) or not got
    report.expect(not missing,
                  t("exercises.parameter_management.names_all", count=len(expected)),
                  t("exercises.parameter_management.missing_nested" if nested
                    else "exercises.parameter_management.missing", names=_first_four(missing)))
    extra = [name for name in got if name not in expected]
    report.expect(not extra, t("exercises.parameter_management.dotted_names"),
                  t("exercises.parameter_management.unexpected_names",
                    names=t("list.separator").join(extra[:4])))
    wrong = [name for name in expected if name in got and got[name] != expected[name]]
    if any(name in got for name in expected):  # with no name right there is no shape to judge
        report.expect(not wrong, t("exercises.parameter_management.shapes_right"),
                      t("exercises.parameter_management.shapes_wrong",
                        names=t("list.separator").join(wrong[:4])))
    return report


def _first_four(names: list[str]) -> str:
    """The first four names, and an ellipsis if there are more."""
    shown = t("list.separator").join(names[:4])
    return t("exercises.parameter_management.more", names=shown) if len(names) > 4 else shown


def _grads_by_position(net: nn.Sequential, X: torch.Tensor, i: int, j: int) -> torch.Tensor:
    """What positions i and j would each contribute to their shared weight's gradient, summed.

    The reference network is a copy in which every tensor that positions i and j
    share is split into two equal tensors, and nothing else changes: a bias the
    two positions do not share stays separate, as in the reader's network.
    """
    untied = copy.deepcopy(net)
    if untied[i] is untied[j]:
        untied[j] = copy.deepcopy(untied[i])  # two separate layers with equal values
    else:
        own = dict(untied[i].named_parameters(recurse=False))
        for name, p in list(untied[j].named_parameters(recurse=False)):
            if own.get(name) is p:
                setattr(untied[j], name, nn.Parameter(p.detach().clone()))
    untied.zero_grad(set_to_none=True)
    untied(X).sum().backward()
    return untied[i].weight.grad + untied[j].weight.grad


def check_tied_mlp(make_tied_mlp: Callable[[], nn.Module]) -> CheckReport:
    """Check a factory for an MLP whose layers at positions 2 and 4 are one shared layer.

    ``make_tied_mlp()`` must return an ``nn.Sequential`` mapping ``(batch, 4)`` to
    ``(batch, 1)`` in which ``net[2]`` and ``net[4]`` hold the same parameters.
    The check trains it for three SGD steps and compares gradients.
    """
    report = CheckReport(f"check_tied_mlp({answer_name(make_tied_mlp)})")
    if not report.expect_callable(make_tied_mlp,
                                  t("exercises.parameter_management.is_function",
                                    name="make_tied_mlp"), builds_module=True):
        return report
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        net = report.attempt("make_tied_mlp()", make_tied_mlp)
        X, y = torch.rand(16, 4), torch.rand(16, 1)
    if net is None:
        return report
    long_enough = isinstance(net, nn.Sequential) and len(net) > 4
    if not report.expect(long_enough,
                         t("exercises.parameter_management.returns_sequential", count=5),
                         plural("exercises.parameter_management.sequential_length", len(net))
                         if isinstance(net, nn.Sequential)
                         else t("exercises.parameter_management.got", value=type(net).__name__)):
        return report
    with torch.random.fork_rng(devices=[]):  # lazy layers draw their weights here
        torch.manual_seed(1)
        out = report.attempt("net(X)", lambda: net(X))
    if out is None or not report.expect(
            isinstance(out, torch.Tensor) and tuple(out.shape) == (16, 1),
            t("exercises.parameter_management.maps_shape", shape_in=(16, 4), shape_out=(16, 1)),
            t("exercises.parameter_management.got",
              value=tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__)):
        return report
    a, b = net[2], net[4]
    if not report.expect(isinstance(a, nn.Linear) and isinstance(b, nn.Linear),
                         t("exercises.parameter_management.both_linear"),
                         t("exercises.parameter_management.not_linear",
                           first=type(a).__name__, second=type(b).__name__)):
        return report
    if not report.expect(a.weight is b.weight,
                         t("exercises.parameter_management.one_weight_tensor"),
                         t("exercises.parameter_management.two_layers")):
        return report
    report.expect(a.bias is b.bias, t("exercises.parameter_management.one_bias_tensor"),
                  t("exercises.parameter_management.two_biases"))
    expected = _grads_by_position(net, X, 2, 4)
    net.zero_grad(set_to_none=True)
    net(X).sum().backward()
    report.expect(torch.allclose(a.weight.grad, expected, atol=1e-5),
                  t("exercises.parameter_management.shared_gradient", norm=a.weight.grad.norm()),
                  t("exercises.parameter_management.gradient_differs",
                    norm=a.weight.grad.norm(), expected=expected.norm()))
    shared = [name for name, p in a.named_parameters(recurse=False)
              if getattr(b, name, None) is p]
    optimizer = torch.optim.SGD(net.parameters(), lr=0.05)
    losses = []
    for _ in range(3):
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(net(X), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    report.expect(all(getattr(net[4], name) is getattr(net[2], name) for name in shared),
                  t("exercises.parameter_management.still_tied",
                    names=t("list.separator").join(shared)))
    report.expect(losses[-1] < losses[0],
                  t("exercises.parameter_management.loss_falls", first=losses[0],
                    last=losses[-1]),
                  t("exercises.parameter_management.loss_flat"))
    return report


def _tied_language_model() -> nn.Sequential:
    """A tiny language model (V = 100 words, d = 16) whose output layer reuses the embedding."""
    embedding, output = nn.Embedding(100, 16), nn.Linear(16, 100)
    output.weight = embedding.weight  # one (100, 16) tensor in two modules
    return nn.Sequential(embedding, nn.Linear(16, 16), nn.ReLU(), output)


def check_unique_count(count_unique_parameters: Callable[[nn.Module], int]) -> CheckReport:
    """Check a function counting the numbers a module holds, each tied tensor once.

    The networks counted: a plain MLP, an MLP with one layer at two positions,
    a module without parameters, and a language model whose output layer and
    embedding share one tensor (two modules, one tensor).
    """
    report = CheckReport(f"check_unique_count({answer_name(count_unique_parameters)})")
    if not report.expect_callable(count_unique_parameters,
                                  t("exercises.parameter_management.is_function",
                                    name="count_unique_parameters")):
        return report
    shared = nn.Linear(8, 8)
    # label: (module, numbers it stores, numbers counted twice by a slip, the hint for that slip)
    cases = {
        t("exercises.parameter_management.plain_mlp"): (
            nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1)), 49, None, ""),
        t("exercises.parameter_management.shared_mlp"): (
            nn.Sequential(nn.Linear(4, 8), shared, nn.ReLU(), shared, nn.Linear(8, 1)), 121,
            72, "exercises.parameter_management.counted_twice"),
        t("exercises.parameter_management.no_parameters"): (nn.ReLU(), 0, None, ""),
        t("exercises.parameter_management.tied_language_model"): (
            _tied_language_model(), 100 * 16 + 16 * 16 + 16 + 100,
            100 * 16, "exercises.parameter_management.tensor_counted_twice"),
    }
    for label, (net, expected, twice, twice_hint) in cases.items():
        got = report.attempt(t("exercises.parameter_management.counting", label=label),
                             lambda net=net: count_unique_parameters(net))
        if got is None:
            continue
        slip = twice is not None and _equals(got, expected + twice)
        hint = t(twice_hint if slip else "exercises.parameter_management.got", value=got)
        report.expect(_equals(got, expected), t("exercises.parameter_management.case_count",
                                                label=label, count=expected), hint)
    return report


def _equals(got: object, expected: int) -> bool:
    """Whether the reader's count is ``expected`` (an int, or a one-number tensor)."""
    if isinstance(got, torch.Tensor):
        return got.numel() == 1 and got.item() == expected
    return isinstance(got, numbers.Real) and not isinstance(got, bool) and got == expected


def _tied_cases() -> list[tuple[str, nn.Module]]:
    """The modules whose tied names the reader's function finds, each with its label id."""
    shared, thrice = nn.Linear(8, 8), nn.Linear(4, 4)
    twin = nn.Linear(8, 8)
    return [
        ("plain_mlp", nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))),
        ("shared_mlp", nn.Sequential(nn.Linear(4, 8), nn.ReLU(), shared, nn.ReLU(), shared,
                                     nn.ReLU(), nn.Linear(8, 1))),
        ("equal_twins", nn.Sequential(twin, nn.ReLU(), copy.deepcopy(twin))),
        ("tied_language_model", _tied_language_model()),
        ("three_positions", nn.Sequential(thrice, nn.ReLU(), thrice, nn.ReLU(), thrice)),
        ("no_parameters", nn.ReLU()),
    ]


def _name_groups(got: object) -> list[tuple[str, ...]] | None:
    """The reader's answer as a list of name tuples, or None if it is not shaped like one."""
    if isinstance(got, (str, bytes, dict)) or not hasattr(got, "__iter__"):
        return None
    groups = []
    for group in got:  # type: ignore[attr-defined]
        if isinstance(group, str) or not hasattr(group, "__iter__"):
            return None
        names = tuple(group)
        if not all(isinstance(name, str) for name in names):
            return None
        groups.append(names)
    return groups


def _tied_hint(groups: list[tuple[str, ...]], tensor_of: dict[str, int],
               expected: set[frozenset[str]], between_modules: bool) -> str:
    """Name what is wrong with the reader's groups for one module, without giving them."""
    unknown = sorted({name for group in groups for name in group if name not in tensor_of})
    if unknown:
        return t("exercises.parameter_management.unknown_names", names=_first_four(unknown))
    mixed = [group for group in groups if len({tensor_of[name] for name in group}) > 1]
    if mixed:
        return t("exercises.parameter_management.separate_tensors", names=", ".join(mixed[0]))
    if any(len(set(group)) < 2 for group in groups):
        return t("exercises.parameter_management.single_names")
    found = {frozenset(group) for group in groups}
    if len(found) < len(groups):
        return t("exercises.parameter_management.repeated")
    if found and all(any(group < whole for whole in expected) for group in found - expected):
        return t("exercises.parameter_management.split_groups")
    if not groups and between_modules:
        return t("exercises.parameter_management.missed_between_modules")
    if not groups:
        return t("exercises.parameter_management.missed_names")
    return t("exercises.parameter_management.some_missed")


def check_tied_names(tied_names: Callable[[nn.Module], list]) -> CheckReport:
    """Check a function listing, for each tensor reached under several names, those names.

    ``tied_names(module)`` must return one tuple per tensor that two or more of
    the dotted names of ``named_parameters(remove_duplicate=False)`` reach, and
    nothing for a tensor with one name. The order of the tuples and of the names
    in each does not matter. The modules: a plain MLP, one layer at two positions,
    two separate layers with equal values, a language model whose output layer
    shares the embedding's tensor, one layer at three positions, and a module
    without parameters.
    """
    report = CheckReport(f"check_tied_names({answer_name(tied_names)})")
    if not report.expect_callable(tied_names, t("exercises.parameter_management.is_function",
                                                name="tied_names")):
        return report
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        cases = _tied_cases()
    shared_layer_found = False  # a function that finds repeated layers but not tied tensors
    for case, module in cases:
        label = t(f"exercises.parameter_management.{case}")
        named = list(module.named_parameters(remove_duplicate=False))
        tensor_of = {name: id(p) for name, p in named}
        by_tensor: dict[int, list[str]] = {}
        for name, p in named:
            by_tensor.setdefault(id(p), []).append(name)
        expected = {frozenset(names) for names in by_tensor.values() if len(names) > 1}
        got = report.attempt(t("exercises.parameter_management.naming", label=label),
                             lambda module=module: tied_names(module))
        if got is None:
            continue
        groups = _name_groups(got)
        if groups is None:
            report.expect(False, t("exercises.parameter_management.tied_in", label=label),
                          t("exercises.parameter_management.not_groups",
                            value=type(got).__name__))
            continue
        between_modules = case == "tied_language_model" and shared_layer_found
        right = report.expect({frozenset(group) for group in groups} == expected
                              and len(groups) == len(expected),
                              t("exercises.parameter_management.tied_in", label=label),
                              _tied_hint(groups, tensor_of, expected, between_modules))
        shared_layer_found = shared_layer_found or (right and case == "shared_mlp")
    return report

