"""ParameterInspector: every parameter of a module, its values and its gradient."""

from __future__ import annotations

import html
from collections.abc import Callable

import ipywidgets as ipw
import torch
import traitlets
from torch import nn

from ..core.checks import check_text, describe
from ..core.introspection import check_module
from ..core.parameters import (
    ParameterInfo,
    Stats,
    backward_step,
    check_bins,
    inspect_parameters,
    sum_of_outputs,
)
from ..render.charts import PALETTE, histogram_chart, sparkline_bars
from ..render.html import STYLE, table
from .base import Checked, InvalidValueError, LiveWidget, as_trait_error


def check_inputs(value: object) -> torch.Tensor | None:
    """The batch a backward step feeds the module: a floating tensor, or None for none."""
    if value is None:
        return None
    if not isinstance(value, torch.Tensor) or not value.is_floating_point():
        raise TypeError(f"X must be a floating-point torch.Tensor or None, got {describe(value)}")
    if value.dim() == 0 or value.numel() == 0:
        raise ValueError(f"X must hold a batch (at least one dimension and one number), "
                         f"got shape {tuple(value.shape)}")
    return value


def _number(value: float) -> str:
    return f"{value:.4g}" if abs(value) >= 1e-4 or value == 0 else f"{value:.2e}"


class ParameterInspector(LiveWidget):
    """A table of every parameter of a module, with histograms of values and gradients.

    Each row is one tensor: its dotted name (all of them, joined by ``=``, when
    the tensor is tied, i.e. reached by several names), shape, count, mean and
    standard deviation, a small histogram of its values, and the same for its
    gradient once a backward pass has filled ``.grad``. Below, the parameter
    picked in the list gets full-size histograms.

    The inspector looks at the module itself, not a copy: after changing it in
    place (an optimizer step, an edit under ``torch.no_grad()``), call
    :meth:`refresh`.

    Args:
        module: any ``torch.nn.Module``.
        X: a batch for :meth:`backward` and the "backward" button (None: no button).
        name: how the title refers to the module.
        bins: histogram bins, 2 to 100.

    Example:
        >>> net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
        >>> inspector = ParameterInspector(net, X=torch.ones(2, 4))
        >>> inspector.total, inspector.info("2.bias").grad is None
        (49, True)
        >>> inspector.backward()
        >>> inspector.info("2.bias").grad.mean
        2.0
    """

    module = Checked(lambda m: check_module("module", m), None, help="The module inspected.")
    X = Checked(check_inputs, None, help="Batch used by backward(); None disables it.")
    bins = Checked(check_bins, 20, help="Histogram bins (2 to 100).")
    selected = traitlets.Any("", help="Name of the parameter shown in full below.")

    def __init__(self, module: nn.Module, X: torch.Tensor | None = None, *, name: str = "net",
                 bins: int = 20) -> None:
        check_module("module", module)
        check_inputs(X)
        check_bins(bins)
        check_text("name", name)
        super().__init__()
        self._name = name
        self._syncing_picker = False
        self.infos: list[ParameterInfo] = []
        self.last_loss: float | None = None
        self._title = ipw.HTML()
        self._table = ipw.HTML()
        self._detail = ipw.HTML()
        self._picker = ipw.Dropdown(description="parameter", layout=ipw.Layout(width="320px"))
        self._backward_button = ipw.Button(description="backward on X", icon="arrow-left",
                                           tooltip="zero the grads, run the module on X and "
                                                   "backpropagate the sum of its outputs")
        self._clear_button = ipw.Button(description="clear grads", icon="eraser")
        self._refresh_button = ipw.Button(description="refresh", icon="refresh")
        self._backward_button.on_click(lambda _: self._apply_from_controls(self.backward))
        self._clear_button.on_click(lambda _: self._apply_from_controls(self.zero_grad))
        self._refresh_button.on_click(lambda _: self._apply_from_controls(self.refresh))
        self._picker.observe(self._on_pick, names="value")
        buttons = ipw.HBox([self._backward_button, self._clear_button, self._refresh_button])
        self.children = [self._title, self._message, buttons, self._table, self._picker,
                         self._detail]
        with self.hold_trait_notifications():
            self.module, self.X, self.bins = module, X, bins
        self.observe(lambda _: self._request_render(), names=["module", "X", "bins", "selected"])
        self._render_now()

    # -- reading ----------------------------------------------------------------------

    @property
    def total(self) -> int:
        """Numbers held by the module's parameters, each tied tensor counted once."""
        return sum(info.numel for info in self.infos)

    @property
    def names(self) -> list[str]:
        """Every name that reaches a parameter, tied aliases included."""
        return [name for info in self.infos for name in info.names]

    def info(self, name: str) -> ParameterInfo:
        """The record of the parameter reached by ``name`` (any of a tied tensor's names)."""
        for info in self.infos:
            if name in info.names:
                return info
        raise KeyError(f"{name!r} is not a parameter of the module; "
                       f"its parameters are {', '.join(self.names) or 'none'}")

    # -- actions ----------------------------------------------------------------------

    def backward(self, X: torch.Tensor | None = None,
                 loss_fn: Callable[[torch.Tensor], torch.Tensor] = sum_of_outputs) -> None:
        """Zero the grads, run the module on ``X`` (default: the inspector's), backpropagate.

        The loss is ``loss_fn(output)``, by default the sum of all outputs; it is
        kept in :attr:`last_loss`. Raises ValueError if ``X`` does not fit the
        module (the module and its gradients are then left as they were).
        """
        batch = check_inputs(self.X if X is None else X)
        if batch is None:
            raise ValueError("X is None: give the inspector a batch (inspector.X = ...) "
                             "or pass one to backward(X)")
        saved = {id(p): p.grad for p in self.module.parameters()}
        try:
            self.last_loss = backward_step(self.module, batch, loss_fn)
        except Exception as error:  # the module or the loss failed: put the gradients back
            for p in self.module.parameters():
                p.grad = saved.get(id(p))
            raise ValueError(f"the backward pass on X of shape {tuple(batch.shape)} failed, "
                             f"gradients left as they were: {type(error).__name__}: "
                             f"{error}") from error
        self.refresh()

    def zero_grad(self) -> None:
        """Set every parameter's gradient to None."""
        self.module.zero_grad(set_to_none=True)
        self.last_loss = None
        self.refresh()

    def refresh(self) -> None:
        """Read the module again (after training steps or in-place edits)."""
        self._request_render()

    # -- traits -----------------------------------------------------------------------

    @traitlets.validate("selected")
    def _check_selected(self, proposal: traitlets.Bunch) -> str:
        value = proposal["value"]
        if not isinstance(value, str):
            raise as_trait_error(TypeError(f"selected must be a parameter name (str), "
                                           f"got {describe(value)}"))
        names = [n for n, _ in self.module.named_parameters(remove_duplicate=False)]
        if value and value not in names:
            raise InvalidValueError(f"selected must be one of {', '.join(names) or '(none)'}, "
                                    f"got {value!r}")
        return value

    def _on_pick(self, change: traitlets.Bunch) -> None:
        if self._syncing_picker:
            return
        if change["new"] and change["new"] != self.selected:
            self._apply_from_controls(lambda: setattr(self, "selected", change["new"]))

    # -- drawing ----------------------------------------------------------------------

    def _render(self) -> None:
        self.infos = inspect_parameters(self.module, self.bins)
        if self.selected and self.selected not in self.names:
            self.set_trait("selected", "")
        tied = sum(len(info.names) - 1 for info in self.infos)
        tied_note = f"; {tied} extra name(s) reach tied tensors" if tied else ""
        lazy = sum(info.shape is None for info in self.infos)
        lazy_note = f"; {lazy} uninitialized (run the module once)" if lazy else ""
        self._title.value = (
            f"<b>{html.escape(self._name)}</b> ({type(self.module).__name__}): "
            f"{len(self.infos)} parameter tensors, {self.total:,} numbers{tied_note}{lazy_note}"
            + (f"; last loss {self.last_loss:.4g}" if self.last_loss is not None else ""))
        self._table.value = STYLE + self._table_html()
        self._backward_button.disabled = self.X is None
        self._syncing_picker = True
        try:
            options = [(" = ".join(info.names), info.name) for info in self.infos]
            if list(self._picker.options) != options:
                self._picker.options = options
            current = self.info(self.selected).name if self.selected else None
            self._picker.value = current if current else (options[0][1] if options else None)
        finally:
            self._syncing_picker = False
        self._detail.value = self._detail_html()

    def _table_html(self) -> str:
        header = ("name", "shape", "count", "mean", "std", "values", "grad std", "grad")
        rows = []
        for info in self.infos:
            name = html.escape(" = ".join(info.names))
            if info.tied:
                name += ' <span class="ll-shared">(tied: one tensor)</span>'
            values = _stats_cells(info.values, info.histogram, PALETTE[0])
            grad = (_stats_cells(info.grad, info.grad_histogram, PALETTE[1])[1:]
                    if info.grad else ['<span class="ll-muted">None</span>', ""])
            count = f"{info.numel:,}" if info.shape is not None else "?"
            rows.append([name, info.shape_text, count, *values, *grad])
        total = ["total (tied counted once)", "", f"{self.total:,}", "", "", "", "", ""]
        return table(header, rows, total, html_columns={0, 5, 6, 7})

    def _detail_html(self) -> str:
        if not self.infos:
            return '<span class="ll-muted">this module has no parameters</span>'
        info = self.info(self.selected) if self.selected else self.infos[0]
        if info.shape is None:
            return (f'<span class="ll-muted">{html.escape(info.name)} is uninitialized: '
                    "its shape is known after the first forward pass</span>")
        if info.histogram is None:
            return (f'<span class="ll-muted">{html.escape(info.name)} has a shape but no '
                    "values to show (an empty or meta tensor)</span>")
        charts = [histogram_chart(info.histogram.edges, [info.histogram.counts],
                                  title=f"{info.name}: values", x_label="value")]
        if info.grad_histogram is not None:
            charts.append(histogram_chart(info.grad_histogram.edges,
                                          [info.grad_histogram.counts],
                                          title=f"{info.name}: gradient", x_label="gradient"))
        else:
            charts.append('<span class="ll-muted">no gradient yet: run backward</span>')
        return ('<div style="display:flex;gap:16px;align-items:center;flex-wrap:wrap">'
                + "".join(charts) + "</div>")

    def __repr__(self) -> str:
        return (f"ParameterInspector({type(self.module).__name__}, tensors={len(self.infos)}, "
                f"parameters={self.total:,})")


def _stats_cells(stats: Stats | None, histogram: object, colour: str) -> list[str]:
    if stats is None or histogram is None:
        return ["", "", ""]
    return [_number(stats.mean), _number(stats.std),
            sparkline_bars(histogram.counts, colour=colour)]
