"""Reading a module's parameters: one record per tensor, tied names grouped, histograms.

Pure PyTorch; the :class:`~widgets.ParameterInspector` widget
draws what this module computes.

Example:
    >>> net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
    >>> [(p.name, p.shape, p.numel) for p in inspect_parameters(net)][:2]
    [('0.weight', (8, 4), 32), ('0.bias', (8,), 8)]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from ..text import t
from .checks import check_int, describe
from .introspection import check_module, is_uninitialized

MAX_BINS = 100


@dataclass(frozen=True)
class Histogram:
    """Counts of a tensor's values in equal-width bins between ``edges[0]`` and ``edges[-1]``."""

    edges: tuple[float, ...]
    counts: tuple[int, ...]

    @classmethod
    def of(cls, tensor: torch.Tensor, bins: int = 20) -> Histogram:
        """Histogram of the finite values of ``tensor`` (a flat range is widened a little).

        Example:
            >>> Histogram.of(torch.tensor([0.0, 0.5, 1.0]), bins=2).counts
            (1, 2)
        """
        values = tensor.detach().double().flatten()  # float32 overflows for huge ranges
        values = values[torch.isfinite(values)]
        if values.numel() == 0:
            return cls((0.0, 1.0), (0,))
        low, high = values.min().item(), values.max().item()
        if high - low < 1e-12:
            pad = max(abs(high) * 0.05, 1e-6)
            low, high = low - pad, high + pad
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
        t = tensor.detach().double()
        std = t.std().item() if t.numel() > 1 else 0.0
        return cls(t.mean().item(), std, t.min().item(), t.max().item(), t.norm().item())


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
    whose ``names`` lists them all.

    Example:
        >>> shared = nn.Linear(3, 3)
        >>> infos = inspect_parameters(nn.Sequential(shared, nn.ReLU(), shared))
        >>> [info.names for info in infos]
        [('0.weight', '2.weight'), ('0.bias', '2.bias')]
    """
    check_module("module", module)
    check_bins(bins)
    names: dict[int, list[str]] = {}
    tensors: dict[int, torch.Tensor] = {}
    for name, param in module.named_parameters(remove_duplicate=False):
        names.setdefault(id(param), []).append(name)
        tensors[id(param)] = param
    return [_info(tuple(names[key]), tensors[key], bins) for key in names]


def _info(names: tuple[str, ...], param: torch.Tensor, bins: int) -> ParameterInfo:
    if is_uninitialized(param):
        return ParameterInfo(names, None, 0, param.requires_grad, None, None, None, None)
    if param.is_meta:  # a shape without values: nothing to count in a histogram
        return ParameterInfo(names, tuple(param.shape), param.numel(), param.requires_grad,
                             None, None, None, None)
    grad = param.grad
    has_grad = grad is not None and grad.numel() > 0
    empty = param.numel() == 0
    return ParameterInfo(
        names, tuple(param.shape), param.numel(), param.requires_grad,
        None if empty else Stats.of(param), None if empty else Histogram.of(param, bins),
        Stats.of(grad) if has_grad else None, Histogram.of(grad, bins) if has_grad else None)


def sum_of_outputs(output: torch.Tensor) -> torch.Tensor:
    """The default loss for a backward step: the sum of every output number."""
    return output.sum()


def backward_step(module: nn.Module, X: torch.Tensor,
                  loss_fn: Callable[[torch.Tensor], torch.Tensor] = sum_of_outputs) -> float:
    """Clear the gradients, run ``module(X)``, and backpropagate ``loss_fn(output)``.

    Afterwards every parameter that took part holds ``.grad``. Returns the loss.

    Example:
        >>> net = nn.Linear(2, 1)
        >>> loss = backward_step(net, torch.ones(3, 2))
        >>> net.bias.grad
        tensor([3.])
    """
    check_module("module", module)
    if not isinstance(X, torch.Tensor):
        raise TypeError(t("parameters.not_tensor", field="X", got=describe(X)))
    module.zero_grad(set_to_none=True)
    loss = loss_fn(module(X))
    if not isinstance(loss, torch.Tensor) or loss.numel() != 1:
        raise ValueError(t("parameters.loss_not_scalar", field="loss_fn", got=describe(loss)))
    loss.backward()
    return loss.item()
