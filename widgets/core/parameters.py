"""Reading a module's parameters: one record per tensor, tied names grouped, histograms.

Pure PyTorch; the :class:`~widgets.ParameterInspector` widget
draws what this module computes.

Example:
    >>> net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
    >>> [(p.name, p.shape, p.numel) for p in inspect_parameters(net)][:2]
    [('0.weight', (8, 4), 32), ('0.bias', (8,), 8)]
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from ..text import t
from .checks import check_int, describe
from .introspection import (
    as_inputs,
    check_module,
    floating_tensors,
    is_uninitialized,
    named_parameter_groups,
)

MAX_BINS = 100


@dataclass(frozen=True)
class Histogram:
    """Counts of a tensor's values in equal-width bins between ``edges[0]`` and ``edges[-1]``."""

    edges: tuple[float, ...]
    counts: tuple[int, ...]

    @classmethod
    def of(cls, tensor: torch.Tensor, bins: int = 20,
           span: tuple[float, float] | None = None) -> Histogram:
        """Histogram of the finite values of ``tensor`` (a flat range is widened a little).

        ``span``, the tensor's smallest and largest value if already known, saves a pass.

        Example:
            >>> Histogram.of(torch.tensor([0.0, 0.5, 1.0]), bins=2).counts
            (1, 2)
        """
        values = tensor.detach().flatten()
        if not values.is_floating_point() or values.dtype in (torch.float16, torch.bfloat16):
            values = values.float()
        if values.numel() == 0:
            return cls((0.0, 1.0), (0,))
        low, high = span if span is not None else (x.item() for x in torch.aminmax(values))
        if not (math.isfinite(low) and math.isfinite(high)):  # some inf or nan: drop them
            values = values[torch.isfinite(values)]
            if values.numel() == 0:
                return cls((0.0, 1.0), (0,))
            low, high = (x.item() for x in torch.aminmax(values))
        if high - low < 1e-12:
            pad = max(abs(high) * 0.05, 1e-6)
            low, high = low - pad, high + pad
        if not math.isfinite(float(torch.tensor(high - low, dtype=values.dtype))):
            values = values.double()  # the range overflows float32: count in float64
        counts = torch.histc(values, bins=bins, min=low, max=high)
        step = (high - low) / bins
        return cls(tuple(low + i * step for i in range(bins + 1)),
                   tuple(int(c) for c in counts.tolist()))


@dataclass(frozen=True)
class Stats:
    """Mean, standard deviation, smallest and largest value, and the L2 norm."""

    mean: float
    std: float
    min: float
    max: float
    norm: float

    @classmethod
    def of(cls, tensor: torch.Tensor) -> Stats:
        """Statistics of ``tensor``, in its own precision (float64 where that overflows)."""
        t = tensor.detach()
        if not t.is_floating_point() or t.dtype in (torch.float16, torch.bfloat16):
            t = t.float()
        low, high = torch.aminmax(t)
        var, mean = torch.var_mean(t) if t.numel() > 1 else (torch.tensor(0.0), t.mean())
        norm = torch.linalg.vector_norm(t)
        numbers = [mean.item(), var.item(), norm.item()]
        if not all(map(math.isfinite, numbers)) and math.isfinite(low.item() - high.item()):
            wide = t.double()  # finite values whose squares overflow
            var, mean = torch.var_mean(wide) if t.numel() > 1 else (torch.tensor(0.0), wide.mean())
            numbers = [mean.item(), var.item(), torch.linalg.vector_norm(wide).item()]
        mean_value, var_value, norm_value = numbers
        return cls(mean_value, math.sqrt(var_value) if var_value >= 0 else var_value,
                   low.item(), high.item(), norm_value)


@dataclass(frozen=True)
class ParameterInfo:
    """One parameter tensor as the module holds it.

    ``names`` lists every dotted name that reaches the tensor: more than one
    means the parameter is tied (one tensor used at several places). ``shape``
    is None for a lazy parameter that has no shape yet.
    """

    names: tuple[str, ...]
    shape: tuple[int, ...] | None
    numel: int
    requires_grad: bool
    values: Stats | None
    histogram: Histogram | None
    grad: Stats | None
    grad_histogram: Histogram | None

    @property
    def name(self) -> str:
        """The first name that reaches the tensor (as ``named_parameters()`` reports it)."""
        return self.names[0]

    @property
    def tied(self) -> bool:
        return len(self.names) > 1

    @property
    def shape_text(self) -> str:
        if self.shape is None:
            return t("introspection.uninitialized")
        return "x".join(map(str, self.shape)) or t("introspection.scalar")


def check_bins(value: object) -> int:
    """Number of histogram bins: 2 to 100."""
    return check_int("bins", value, 2, MAX_BINS)


def inspect_parameters(module: nn.Module, bins: int = 20) -> list[ParameterInfo]:
    """Every distinct parameter tensor of ``module``, in registration order.

    Tied parameters (the same tensor reached by several names) give one record
    whose ``names`` lists them all. Statistics and histograms are remembered per
    tensor until it (or its gradient) changes, so drawing again costs nothing.

    Example:
        >>> shared = nn.Linear(3, 3)
        >>> infos = inspect_parameters(nn.Sequential(shared, nn.ReLU(), shared))
        >>> [info.names for info in infos]
        [('0.weight', '2.weight'), ('0.bias', '2.bias')]
    """
    check_module("module", module)
    check_bins(bins)
    return [_info(tuple(names), param, bins)
            for names, param in named_parameter_groups(module).values()]


def _info(names: tuple[str, ...], param: torch.Tensor, bins: int) -> ParameterInfo:
    if is_uninitialized(param):
        return ParameterInfo(names, None, 0, param.requires_grad, None, None, None, None)
    if param.is_meta:  # a shape without values: nothing to count in a histogram
        return ParameterInfo(names, tuple(param.shape), param.numel(), param.requires_grad,
                             None, None, None, None)
    grad = param.grad
    has_grad = grad is not None and grad.numel() > 0 and not grad.is_meta
    empty = param.numel() == 0
    values = (None, None) if empty else _summary(param, bins)
    grads = _summary(grad, bins) if has_grad else (None, None)
    return ParameterInfo(names, tuple(param.shape), param.numel(), param.requires_grad,
                         *values, *grads)


#: Statistics and histograms already computed: ``id(tensor)`` -> (a weak reference
#: to the tensor, its version then, its statistics, its histograms by bins).
_SUMMARIES: dict[int, tuple[weakref.ref, int, Stats, dict[int, Histogram]]] = {}


def _summary(tensor: torch.Tensor, bins: int) -> tuple[Stats, Histogram]:
    key = id(tensor)
    known = _SUMMARIES.get(key)
    if known is None or known[0]() is not tensor or known[1] != tensor._version:
        try:
            ref = weakref.ref(tensor, lambda _, key=key: _SUMMARIES.pop(key, None))
        except TypeError:  # a tensor subclass without weak references: not remembered
            stats = Stats.of(tensor)
            return stats, Histogram.of(tensor, bins, (stats.min, stats.max))
        known = (ref, tensor._version, Stats.of(tensor), {})
        _SUMMARIES[key] = known
    stats, histograms = known[2], known[3]
    if bins not in histograms:
        histograms[bins] = Histogram.of(tensor, bins, (stats.min, stats.max))
    return stats, histograms[bins]


def sum_of_outputs(output: object) -> torch.Tensor:
    """The default loss for a backward step: the sum of every floating-point output
    number (an LSTM's output and its final state, attention's output and weights).

    Example:
        >>> sum_of_outputs((torch.ones(2), (torch.ones(3), torch.tensor([7]))))
        tensor(5.)
    """
    tensors = floating_tensors(output)
    if not tensors:
        raise ValueError(t("parameters.no_float_output", got=describe(output)))
    return sum((x.sum() for x in tensors[1:]), tensors[0].sum())


def backward_step(module: nn.Module, X: object,
                  loss_fn: Callable[[object], torch.Tensor] = sum_of_outputs) -> float:
    """Clear the gradients, run ``module`` on ``X``, and backpropagate ``loss_fn(output)``.

    ``X`` is a tensor, a tuple of the call's arguments, or
    :class:`~widgets.core.introspection.Inputs`. Afterwards every parameter that took
    part holds ``.grad``. Returns the loss.

    Example:
        >>> net = nn.Linear(2, 1)
        >>> loss = backward_step(net, torch.ones(3, 2))
        >>> net.bias.grad
        tensor([3.])
    """
    check_module("module", module)
    inputs = as_inputs("X", X)
    module.zero_grad(set_to_none=True)
    loss = loss_fn(inputs.run(module))
    if not isinstance(loss, torch.Tensor) or loss.numel() != 1:
        raise ValueError(t("parameters.loss_not_scalar", field="loss_fn", got=describe(loss)))
    loss.backward()
    return loss.item()
