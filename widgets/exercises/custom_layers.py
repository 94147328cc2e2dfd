"""Checks for the exercises of chapter 05, "Custom layers"."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from . import CheckReport


def _name(obj: object) -> str:
    return getattr(obj, "__name__", type(obj).__name__)


def check_tensor_reduction(layer_class: Callable[[int, int], nn.Module]) -> CheckReport:
    """Check a layer computing ``y_k = sum_ij W_ijk x_i x_j`` with a learnable ``W``.

    ``layer_class(in_features, out_features)`` must hold one parameter of shape
    ``(in_features, in_features, out_features)`` and map ``(batch, in_features)``
    to ``(batch, out_features)``, with gradients reaching ``W``.
    """
    report = CheckReport(f"check_tensor_reduction({_name(layer_class)})")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        layer = report.attempt("layer_class(3, 2)", lambda: layer_class(3, 2))
        X = torch.randn(4, 3)
    if layer is None:
        return report
    if not report.expect(isinstance(layer, nn.Module), "builds an nn.Module",
                         f"got {type(layer).__name__}"):
        return report
    params = list(layer.parameters())
    shapes = [tuple(p.shape) for p in params]
    if not report.expect(shapes == [(3, 3, 2)], "holds one parameter W of shape (3, 3, 2)",
                         f"its parameters have shapes {shapes or 'none (use nn.Parameter)'}"):
        return report
    W = params[0]
    Y = report.attempt("forward on a (4, 3) batch", lambda: layer(X))
    if Y is None:
        return report
    expected = torch.einsum("bi,bj,ijk->bk", X, X, W.detach())
    if not report.expect(isinstance(Y, torch.Tensor) and tuple(Y.shape) == (4, 2),
                         "returns shape (4, 2)", f"got {getattr(Y, 'shape', type(Y).__name__)}"):
        return report
    report.expect(torch.allclose(Y, expected, atol=1e-5), "y_k = sum_ij W_ijk x_i x_j",
                  f"first row {Y[0].tolist()} but expected {expected[0].tolist()}")
    layer.zero_grad(set_to_none=True)
    if Y.requires_grad:
        report.attempt("backward", lambda: Y.sum().backward())
    report.expect(W.grad is not None and bool(W.grad.abs().sum() > 0), "gradients reach W",
                  "W.grad is None: forward must use the parameter itself, not W.data")
    return report


def check_fourier_half(layer: Callable[[], nn.Module]) -> CheckReport:
    """Check a layer returning the first half of the Fourier coefficients of each row.

    For a row of ``n`` numbers the discrete Fourier transform has ``n``
    coefficients; the layer must return the first ``n // 2`` (for odd ``n``,
    ``n // 2`` or ``(n + 1) // 2`` both count), as complex numbers.
    """
    report = CheckReport(f"check_fourier_half({_name(layer)})")
    module = report.attempt("building the layer", layer)
    if module is None:
        return report
    if not report.expect(isinstance(module, nn.Module), "builds an nn.Module",
                         f"got {type(module).__name__}"):
        return report
    generator = torch.Generator().manual_seed(0)
    for n in (8, 6, 7):
        X = torch.randn(2, n, generator=generator)
        Y = report.attempt(f"forward on a (2, {n}) batch", lambda X=X: module(X))
        if Y is None:
            return report
        full = torch.fft.fft(X)
        sizes = {n // 2, (n + 1) // 2}
        got = Y.shape[-1] if isinstance(Y, torch.Tensor) and Y.dim() == 2 else None
        hint = f"got shape {tuple(Y.shape)}" if isinstance(Y, torch.Tensor) else f"got {Y!r}"
        if got == n // 2 + 1 and n % 2 == 0:
            hint += " (rfft keeps n // 2 + 1 coefficients)"
        if not report.expect(got in sizes and Y.shape[0] == 2,
                             f"{n} inputs give {n // 2} coefficients per row", hint):
            return report
        report.expect(Y.is_complex() and torch.allclose(Y, full[:, :got], atol=1e-5),
                      f"they are the first {got} DFT coefficients for n = {n}",
                      "the values differ from torch.fft.fft(X)[:, :n // 2]"
                      + ("" if Y.is_complex() else " (they should be complex)"))
    return report
