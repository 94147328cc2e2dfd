"""Checks for the exercises of chapter 05, "Custom layers"."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from ..text import t
from . import CheckReport, answer_name

#: The second size :func:`check_tensor_reduction` tries: in_features, out_features, batch.
OTHER_SIZES = (5, 3, 7)


def _row(values: torch.Tensor) -> str:
    """A row of numbers to 4 decimals, as the chapter prints tensors."""
    return "[" + ", ".join(f"{value:.4f}" for value in values.tolist()) + "]"


def _miss_at_other_sizes(layer_class: Callable[[int, int], nn.Module]) -> str:
    """What goes wrong with a layer built at :data:`OTHER_SIZES`, or "" if nothing does."""
    in_features, out_features, batch = OTHER_SIZES
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(1)
        try:
            layer = layer_class(in_features, out_features)
            shapes = [tuple(p.shape) for p in layer.parameters()]
            if shapes != [(in_features, in_features, out_features)]:
                return t("exercises.custom_layers.parameter_shapes", shapes=shapes)
            X = torch.randn(batch, in_features)
            Y = layer(X)
        except Exception as error:  # the reader's code failed: describe it, do not raise
            return t("exercises.custom_layers.raised", error_type=type(error).__name__,
                     error=error)
    if not isinstance(Y, torch.Tensor):
        return t("exercises.custom_layers.got", value=type(Y).__name__)
    if tuple(Y.shape) != (batch, out_features):
        return t("exercises.custom_layers.got_shape", shape=tuple(Y.shape))
    with torch.no_grad():
        W = next(layer.parameters())
        expected = torch.einsum("bi,bj,ijk->bk", X, X, W)
    if not torch.allclose(Y.detach(), expected, atol=1e-4):
        return t("exercises.custom_layers.values_at_size")
    return ""


def check_tensor_reduction(layer_class: Callable[[int, int], nn.Module]) -> CheckReport:
    """Check a layer computing ``y_k = sum_ij W_ijk x_i x_j`` with a learnable ``W``.

    ``layer_class(in_features, out_features)`` must hold one parameter of shape
    ``(in_features, in_features, out_features)`` and map ``(batch, in_features)``
    to ``(batch, out_features)``, with gradients reaching ``W``. Once the values are
    right at 3 inputs and 2 outputs, the layer is built and run again at
    :data:`OTHER_SIZES`, so sizes written as fixed numbers do not pass.
    """
    report = CheckReport(f"check_tensor_reduction({answer_name(layer_class)})")
    if not report.expect_callable(layer_class, t("exercises.custom_layers.builds_module"),
                                  builds_module=True):
        return report
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        layer = report.attempt("layer_class(3, 2)", lambda: layer_class(3, 2))
        X = torch.randn(4, 3)
    if layer is None:
        return report
    if not report.expect(isinstance(layer, nn.Module), t("exercises.custom_layers.builds_module"),
                         t("exercises.custom_layers.got", value=type(layer).__name__)):
        return report
    params = list(layer.parameters())
    shapes = [tuple(p.shape) for p in params]
    if not report.expect(shapes == [(3, 3, 2)],
                         t("exercises.custom_layers.one_parameter", shape=(3, 3, 2)),
                         t("exercises.custom_layers.parameter_shapes", shapes=shapes) if shapes
                         else t("exercises.custom_layers.no_parameters")):
        return report
    W = params[0]
    Y = report.attempt(t("exercises.custom_layers.forward_on_batch", shape=(4, 3)),
                       lambda: layer(X))
    if Y is None:
        return report
    expected = torch.einsum("bi,bj,ijk->bk", X, X, W.detach())
    if not report.expect(isinstance(Y, torch.Tensor) and tuple(Y.shape) == (4, 2),
                         t("exercises.custom_layers.returns_shape", shape=(4, 2)),
                         t("exercises.custom_layers.got",
                           value=getattr(Y, "shape", type(Y).__name__))):
        return report
    if report.expect(torch.allclose(Y, expected, atol=1e-5), t("exercises.custom_layers.reduction"),
                     t("exercises.custom_layers.first_row", got=_row(Y[0]),
                       expected=_row(expected[0]))):
        in_features, out_features, batch = OTHER_SIZES
        miss = _miss_at_other_sizes(layer_class)
        report.expect(not miss, t("exercises.custom_layers.other_sizes",
                                  call=f"layer_class({in_features}, {out_features})",
                                  shape=(batch, in_features)),
                      t("exercises.custom_layers.sizes_from_arguments", why=miss))
    layer.zero_grad(set_to_none=True)
    if Y.requires_grad:
        report.attempt("backward", lambda: Y.sum().backward(), returns=False)
    report.expect(W.grad is not None and bool(W.grad.abs().sum() > 0),
                  t("exercises.custom_layers.gradients_reach"),
                  t("exercises.custom_layers.no_gradient" if Y.requires_grad
                    else "exercises.custom_layers.no_history"))
    return report


def check_fourier_half(layer: Callable[[], nn.Module]) -> CheckReport:
    """Check a layer returning the first half of the Fourier coefficients of each row.

    For a row of ``n`` numbers the discrete Fourier transform has ``n``
    coefficients; the layer must return the first ``n // 2`` (for odd ``n``,
    ``n // 2`` or ``(n + 1) // 2`` both count), as complex numbers.
    """
    report = CheckReport(f"check_fourier_half({answer_name(layer)})")
    if not report.expect_callable(layer, t("exercises.custom_layers.builds_module"),
                                  builds_module=True):
        return report
    module = report.attempt(t("exercises.custom_layers.building_layer"), layer)
    if module is None:
        return report
    if not report.expect(isinstance(module, nn.Module), t("exercises.custom_layers.builds_module"),
                         t("exercises.custom_layers.got", value=type(module).__name__)):
        return report
    generator = torch.Generator().manual_seed(0)
    for n in (8, 6, 7):
        X = torch.randn(2, n, generator=generator)
        Y = report.attempt(t("exercises.custom_layers.forward_on_batch", shape=(2, n)),
                           lambda X=X: module(X))
        if Y is None:
            return report
        full = torch.fft.fft(X)
        sizes = {n // 2, (n + 1) // 2}
        got = Y.shape[-1] if isinstance(Y, torch.Tensor) and Y.dim() == 2 else None
        if not isinstance(Y, torch.Tensor):
            hint = t("exercises.custom_layers.got_repr", value=Y)
        elif (got == n // 2 + 1 and n % 2 == 0 and Y.shape[0] == 2 and Y.is_complex()
              and torch.allclose(Y, full[:, :got], atol=1e-5)):  # the first n // 2 + 1
            hint = t("exercises.custom_layers.one_too_many", shape=tuple(Y.shape), count=got)
        else:
            hint = t("exercises.custom_layers.got_shape", shape=tuple(Y.shape))
        if not report.expect(got in sizes and Y.shape[0] == 2,
                             t("exercises.custom_layers.coefficients_per_row", inputs=n,
                               count=got if got in sizes else n // 2), hint):
            return report
        report.expect(Y.is_complex() and torch.allclose(Y, full[:, :got], atol=1e-5),
                      t("exercises.custom_layers.first_coefficients", count=got, n=n),
                      t("exercises.custom_layers.values_differ" if Y.is_complex()
                        else "exercises.custom_layers.not_complex"))
    return report
