"""ParameterInspector: every parameter of a module, its values and its gradient."""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass

import ipywidgets as ipw
import torch
from torch import nn

from ..core.checks import check_int, describe, short_repr
from ..core.fields import Custom, Int, Spec, Text, setting
from ..core.introspection import Inputs, as_inputs, check_module, named_parameter_groups
from ..core.parameters import (
    MAX_BINS,
    ParameterInfo,
    Stats,
    backward_step,
    inspect_parameters,
    sum_of_outputs,
)
from ..render.charts import PALETTE, HistogramData, sparkline_bars
from ..render.html import STYLE, table
from ..text import t
from .base import ChartViews, LiveWidget, drawing
from .controls import button


def check_inputs(field: str, value: object) -> object:
    """What a backward step feeds the module: None for nothing, a tensor, a tuple of the
    call's arguments, or :class:`Inputs` (kept as given)."""
    if value is not None:
        as_inputs(field, value)
    return value


def check_selected(field: str, value: object) -> str:
    """A parameter's name, or "" for the first (whether the module has it is checked with it)."""
    if not isinstance(value, str):
        raise TypeError(t("parameter_inspector.selected_type", field=field, got=describe(value)))
    return value


@dataclass(frozen=True, eq=False)
class InspectorSettings(Spec):
    """What a :class:`ParameterInspector` shows: a module, a batch, bins, one parameter."""

    TEXT = "parameter_inspector"

    module: nn.Module = setting(Custom(check_module), None)
    X: object = setting(Custom(check_inputs), None)
    bins: int = setting(Int(2, MAX_BINS), 20)
    selected: str = setting(Custom(check_selected), "")
    name: str = setting(Text(), "net")

    def __post_init__(self) -> None:
        super().__post_init__()
        names = [n for group, _ in named_parameter_groups(self.module).values() for n in group]
        if self.selected and self.selected not in names:
            raise ValueError(t("parameter_inspector.selected_unknown",
                               names=", ".join(names) or t("parameter_inspector.none"),
                               got=short_repr(self.selected)))

    def replace(self, **changes: object) -> InspectorSettings:
        """A copy with ``changes``; a new module forgets a selection it does not have."""
        if "module" in changes and "selected" not in changes and self.selected:
            module = changes["module"]
            if isinstance(module, nn.Module) and not any(
                    self.selected in group for group, _ in named_parameter_groups(module).values()):
                changes["selected"] = ""
        return super().replace(**changes)


#: Parameter rows a table shows at first: a 1000-layer model's page stays small.
ROWS = 50


def _number(value: float) -> str:
    return f"{value:.4g}" if abs(value) >= 1e-4 or value == 0 else f"{value:.2e}"


class ParameterInspector(ChartViews, LiveWidget):
    """A table of every parameter of a module, with histograms of values and gradients.

    Each row is one tensor: its dotted name (all of them, joined by ``=``, when
    the tensor is tied, i.e. reached by several names), shape, count, mean and
    standard deviation, a small histogram of its values, and the same for its
    gradient once a backward pass has filled ``.grad``. Below, the parameter
    picked in the list gets full-size histograms; ``figure()`` gives them as a
    matplotlib figure of the same numbers (values, and the gradient once there is
    one, an axes each), and ``chart_data()`` the numbers themselves. The small
    histograms in the table hold the same numbers for every parameter: select one
    (``inspector.selected = name``) to have its figure.

    The inspector looks at the module itself, not a copy: after changing it in
    place (an optimizer step, an edit under ``torch.no_grad()``), call
    :meth:`refresh`.

    Args:
        module: any ``torch.nn.Module``.
        X: what :meth:`backward` and the "backward" button feed the module (None: no
            button): a tensor, a tuple of the call's arguments, or ``Inputs(...)``.
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
        >>> [ax.get_xlabel() for ax in inspector.figure().axes]
        ['value', 'gradient']
    """

    SPEC = InspectorSettings
    STATE = ("module", "X", "bins", "selected")
    FIXED = ("name",)
    #: The one chart view: the selected parameter's histograms (values, then gradient).
    CHARTS = ("detail",)

    def __init__(self, module: nn.Module, X: torch.Tensor | tuple | Inputs | None = None, *,
                 name: str = "net",
                 bins: int = 20) -> None:
        spec = InspectorSettings(module, X, bins, "", name)
        super().__init__()
        self.infos: list[ParameterInfo] = []
        self.last_loss: float | None = None
        views = {"title": ipw.HTML(), "table": ipw.HTML(), "detail": ipw.HTML()}
        picker = ipw.Dropdown(description=t("parameter_inspector.picker"),
                              layout=ipw.Layout(width="320px"))
        buttons = {
            "backward": button(t("parameter_inspector.backward"), "arrow-left",
                               t("parameter_inspector.backward_tip"),
                               lambda: self._apply_from_controls(self.backward)),
            "clear_grads": button(t("parameter_inspector.clear"), "eraser",
                                  t("parameter_inspector.clear_tip"),
                                  lambda: self._apply_from_controls(self.zero_grad)),
            "refresh": button(t("parameter_inspector.refresh"), "refresh",
                              t("parameter_inspector.refresh_tip"),
                              lambda: self._apply_from_controls(self.refresh)),
        }
        #: How many parameter rows the table shows (the rest behind "show more").
        self.rows_shown = ROWS
        more = button("", "", "", lambda: self._apply_from_controls(self.show_more))
        more.layout.display = "none"
        self.bind(picker, "selected", read=self._shown_name,
                  write=lambda value: value and value != self.selected and self.configure(
                      selected=value),
                  options=lambda: [(" = ".join(info.names), info.name) for info in self.infos])
        self._expose(controls={**buttons, "more": more}, views=views)
        self._lay_out(views["title"], ipw.HBox(list(buttons.values()),
                                               layout=ipw.Layout(flex_flow="row wrap")),
                      self._message, views["table"], more, picker, views["detail"])
        self._start(spec)

    def _shown_name(self) -> str | None:
        """The parameter the picker shows: the selected one, else the first."""
        if self.selected:
            return self.info(self.selected).name
        return self.infos[0].name if self.infos else None

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
        raise KeyError(t("parameter_inspector.no_such", name=short_repr(name),
                         names=", ".join(self.names) or t("parameter_inspector.none")))

    # -- actions ----------------------------------------------------------------------

    def backward(self, X: torch.Tensor | tuple | Inputs | None = None,
                 loss_fn: Callable[[object], torch.Tensor] = sum_of_outputs) -> None:
        """Zero the grads, run the module on ``X`` (default: the inspector's), backpropagate.

        The loss is ``loss_fn(output)``, by default the sum of all outputs; it is
        kept in :attr:`last_loss`. Raises ValueError if ``X`` does not fit the
        module (the module and its gradients are then left as they were).
        """
        given = check_inputs("X", self.X if X is None else X)
        if given is None:
            raise ValueError(t("parameter_inspector.no_batch"))
        batch = as_inputs("X", given)
        saved = {id(p): p.grad for p in self.module.parameters()}
        try:
            self.last_loss = backward_step(self.module, batch, loss_fn)
        except Exception as error:  # the module or the loss failed: put the gradients back
            for p in self.module.parameters():
                p.grad = saved.get(id(p))
            raise ValueError(t("parameter_inspector.backward_failed", inputs=batch.text(),
                               kind=type(error).__name__,
                               error=str(error)[:300])) from error
        self.refresh()

    def zero_grad(self) -> None:
        """Set every parameter's gradient to None."""
        self.module.zero_grad(set_to_none=True)
        self.last_loss = None
        self.refresh()

    def refresh(self) -> None:
        """Read the module again (after training steps or in-place edits)."""
        super().refresh()

    def show_more(self, rows: int = ROWS) -> None:
        """Show ``rows`` more parameter rows in the table (a big model starts with
        :data:`ROWS`)."""
        self.rows_shown += check_int("rows", rows, 1, 1_000_000)
        self.refresh()

    # -- drawing ----------------------------------------------------------------------

    def _prepare(self, spec: InspectorSettings) -> tuple[list[ParameterInfo], dict[str, str],
                                                         tuple[HistogramData, ...]]:
        infos = inspect_parameters(spec.module, spec.bins)
        total = sum(info.numel for info in infos)
        tied = sum(len(info.names) - 1 for info in infos)
        lazy = sum(info.shape is None for info in infos)
        title = t("parameter_inspector.title", name=html.escape(spec.name),
                  kind=type(spec.module).__name__, tensors=len(infos), total=total,
                  tied=t("parameter_inspector.tied_note", count=tied) if tied else "",
                  lazy=t("parameter_inspector.lazy_note", count=lazy) if lazy else "",
                  loss=(t("parameter_inspector.loss_note", loss=self.last_loss)
                        if self.last_loss is not None else ""))
        selected = next((info for info in infos if spec.selected in info.names), None)
        shown = selected or (infos[0] if infos else None)
        with drawing():
            detail = _detail_charts(shown)
            views = {"title": title, "table": STYLE + _table_html(infos[:self.rows_shown], total),
                     "detail": _detail_html(shown, detail)}
        return infos, views, detail

    def _show(self, content: tuple[list[ParameterInfo], dict[str, str],
                                   tuple[HistogramData, ...]]) -> None:
        self.infos, views, detail = content
        for name, value in views.items():
            self._views[name].value = value
        self._keep_charts({"detail": detail})
        self._controls["backward"].disabled = self._state.X is None
        hidden = len(self.infos) - self.rows_shown
        self._controls["more"].layout.display = None if hidden > 0 else "none"
        self._controls["more"].description = t("parameter_inspector.more", count=min(hidden, ROWS),
                                   hidden=max(hidden, 0))

    def __repr__(self) -> str:
        return (f"ParameterInspector({type(self.module).__name__}, tensors={len(self.infos)}, "
                f"parameters={self.total:,})")


def _table_html(infos: list[ParameterInfo], total: int) -> str:
    header = tuple(t(f"parameter_inspector.column.{key}") for key in (
        "name", "shape", "count", "mean", "std", "values", "grad_std", "grad"))
    rows = []
    for info in infos:
        name = html.escape(" = ".join(info.names))
        if info.tied:
            name += f' <span class="ll-shared">{t("parameter_inspector.tied")}</span>'
        values = _stats_cells(info.values, info.histogram, PALETTE[0])
        grad = (_stats_cells(info.grad, info.grad_histogram, PALETTE[1])[1:]
                if info.grad else [_muted(t("parameter_inspector.none_grad")), ""])
        count = f"{info.numel:,}" if info.shape is not None else "?"
        rows.append([name, info.shape_text, count, *values, *grad])
    row = [t("parameter_inspector.total_row"), "", f"{total:,}", "", "", "", "", ""]
    return table(header, rows, row, html_columns={0, 5, 6, 7})


def _muted(text: str) -> str:
    return f'<span class="ll-muted">{text}</span>'


def _detail_charts(info: ParameterInfo | None) -> tuple[HistogramData, ...]:
    """The histograms of ``info``'s values and, once it has one, of its gradient."""
    if info is None or info.shape is None or info.histogram is None:
        return ()
    charts = [HistogramData(info.histogram.edges, [info.histogram.counts],
                            title=t("parameter_inspector.values_title", name=info.name),
                            x_label=t("parameter_inspector.values_axis"))]
    if info.grad_histogram is not None:
        charts.append(HistogramData(info.grad_histogram.edges, [info.grad_histogram.counts],
                                    title=t("parameter_inspector.grad_title", name=info.name),
                                    x_label=t("parameter_inspector.grad_axis")))
    return tuple(charts)


def _detail_html(info: ParameterInfo | None, charts: tuple[HistogramData, ...]) -> str:
    if info is None:
        return _muted(t("parameter_inspector.no_parameters"))
    name = html.escape(info.name)
    if info.shape is None:
        return _muted(t("parameter_inspector.uninitialized", name=name))
    if info.histogram is None:
        return _muted(t("parameter_inspector.no_values", name=name))
    svgs = [chart.svg() for chart in charts]
    if len(charts) < 2:
        svgs.append(_muted(t("parameter_inspector.no_grad")))
    return ('<div style="display:flex;gap:16px;align-items:center;flex-wrap:wrap">'
            + "".join(svgs) + "</div>")


def _stats_cells(stats: Stats | None, histogram: object, colour: str) -> list[str]:
    if stats is None or histogram is None:
        return ["", "", ""]
    return [_number(stats.mean), _number(stats.std),
            sparkline_bars(histogram.counts, fill=colour)]
