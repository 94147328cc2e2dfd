"""InitExplorer: choose how each layer of a deep stack starts, watch the signal and gradient."""

from __future__ import annotations

import html
import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass

import ipywidgets as ipw
import torch
from torch import nn

from ..core import layers
from ..core.checks import check_int
from ..core.fields import Int, setting
from ..core.init import (
    MAX_DEPTH,
    SCHEMES,
    InitSpec,
    InitStack,
    InitStats,
    default_histogram_layers,
    stack_inputs,
)
from ..core.layers import is_custom
from ..render.charts import HistogramData, LineChartData, line_chart
from ..render.html import table
from ..text import join, t
from .base import ChartViews, LayerChoiceWidget, Snapshot, drawing
from .controls import control_for


def _number(value: float) -> str:
    """A statistic in a table: three significant digits; ``nan`` and ``inf`` as they are."""
    return f"{value:.3g}"


def _compact(values: tuple) -> object:
    """One value when every layer has the same, else the whole tuple (for ``repr``)."""
    return values[0] if len(set(values)) == 1 else values


@dataclass(frozen=True)
class ExplorerSettings(InitSpec):
    """An :class:`~widgets.core.init.InitSpec` and the layer the explorer looks at closely."""

    selected_layer: int = setting(Int(1, MAX_DEPTH), 1, control="stepper")

    @classmethod
    def check_field(cls, name: str, value: object) -> object:
        """As :meth:`Spec.check_field`; a selected layer's range, 1 to ``depth``, is checked
        with the depth."""
        if name == "selected_layer" and isinstance(value, numbers.Integral) and not isinstance(
                value, bool):
            return int(value)
        return super().check_field(name, value)

    def __post_init__(self) -> None:
        super().__post_init__()
        check_int("selected_layer", self.selected_layer, 1, self.depth)

    def replace(self, **changes: object) -> ExplorerSettings:
        """A copy with ``changes``; fewer layers move a selection past the last one onto it."""
        if "depth" in changes and "selected_layer" not in changes:
            depth = InitSpec.check_field("depth", changes["depth"])
            if self.selected_layer > depth:
                changes["selected_layer"] = depth
        return super().replace(**changes)

    @property
    def stack(self) -> InitSpec:
        """The stack alone, as the initialization engine takes it."""
        return InitSpec(**{name: getattr(self, name) for name in InitSpec.settings()})


class InitExplorer(ChartViews, LayerChoiceWidget):
    """A deep stack of ``Linear`` + activation layers whose initialization the reader picks.

    A batch of standard-normal inputs runs up through ``depth`` layers of
    ``width`` units; one backward pass sends a random unit-variance gradient
    back down. The view charts, per layer, the standard deviation of the
    outputs and of the gradients on a log scale (so a signal that shrinks or
    grows geometrically shows as a straight slope), the mean of the outputs,
    histograms of a few layers, and a one-line verdict. ``figure(which)`` gives a
    chart as a matplotlib figure of the same numbers (``which``: ``"std_chart"``,
    the default, ``"mean_chart"`` or ``"histograms"``, one axes per layer), and
    ``chart_data(which)`` the numbers themselves.

    The activation may be a layer registered with
    :func:`widgets.register_layer` (listed as "name (custom)"); its
    gradient comes from autograd through it. The menu follows the registry. If
    the layer in use is removed, or fails at some setting (it raises, or returns
    another shape), the explorer keeps the last setting that worked, or falls
    back to tanh, and says so.

    Args:
        depth: number of layers, 1 to 50.
        width: units per layer, 1 to 1024.
        schemes: one scheme name per layer, or one for all (see ``widgets.core.init.SCHEMES``).
        scales: one scale per layer (0 to 100), or one for all.
        activation: the activation after every layer.
        batch_size: input rows, 1 to 1024.
        seed: seed of the inputs, the upstream gradient and every layer's draw.

    Example:
        >>> explorer = InitExplorer(depth=10, width=64, schemes="xavier_normal")
        >>> explorer.stats.activation_std[0] > 0.5
        True
        >>> explorer.configure(depth=2, schemes=("normal", "zeros"), scales=0.5)
        >>> explorer.schemes, explorer.scales
        (('normal', 'zeros'), (0.5, 0.5))
        >>> [ax.get_title() for ax in explorer.figure("histograms").axes]
        ['layer 1 (selected)', 'layer 2']
    """

    SPEC = ExplorerSettings
    STATE = ("depth", "width", "schemes", "scales", "activation", "batch_size", "seed",
             "selected_layer")
    LAYER_FIELD = "activation"
    FALLBACK_ACTIVATION = "tanh"
    FELL_BACK = "init_explorer.fell_back"
    #: The charts: standard deviations per layer (the default), means per layer, and the
    #: histograms of a few layers (one axes each in a figure).
    CHARTS = ("std_chart", "mean_chart", "histograms")

    def __init__(self, depth: int = 50, width: int = 256,
                 schemes: tuple[str, ...] | str = "default",
                 scales: tuple[float, ...] | float = 1.0, activation: str = "tanh",
                 batch_size: int = 512, seed: int = 0) -> None:
        spec = ExplorerSettings(depth, width, schemes, scales, activation, batch_size, seed)
        super().__init__()
        self._stack = InitStack()
        self._stats: InitStats | None = None
        self._build_controls()
        layers.on_registry_change(self._on_registry_change)
        self._start(spec)

    # -- state --------------------------------------------------------------------

    def set_layer(self, layer: int, scheme: str | None = None,
                  scale: float | None = None) -> None:
        """Give one layer (numbered from 1) its own scheme and/or scale, and select it.

        Example:
            >>> explorer = InitExplorer(depth=3, width=8)
            >>> explorer.set_layer(2, scheme="zeros")
            >>> explorer.schemes, explorer.selected_layer
            (('default', 'zeros', 'default'), 2)
        """
        layer = check_int("layer", layer, 1, self.depth)
        schemes, scales = list(self.schemes), list(self.scales)
        if scheme is not None:
            schemes[layer - 1] = scheme
        if scale is not None:
            scales[layer - 1] = scale
        self.configure(schemes=tuple(schemes), scales=tuple(scales), selected_layer=layer)

    @property
    def spec(self) -> InitSpec:
        """The current stack as a validated :class:`~widgets.core.init.InitSpec`."""
        return self._state.stack

    @property
    def histogram_layers(self) -> tuple[int, ...]:
        """Layers whose histograms are shown: first, middle, last and the selected one."""
        return _histogram_layers(self._state)

    @property
    def stats(self) -> InitStats:
        """Per-layer statistics for the current state (read-only)."""
        return self._statistics(self._state)

    def _statistics(self, settings: ExplorerSettings) -> InitStats:
        spec, shown = settings.stack, _histogram_layers(settings)
        stats = self._stats
        if (stats is None or stats.spec != spec
                or tuple(h.layer for h in stats.histograms) != shown):
            stats = self._stack.statistics(spec, shown)
        return stats

    @property
    def verdict(self) -> str:
        """One line on the signal going up and the gradient coming down."""
        return self.stats.verdict

    @property
    def net(self) -> nn.Sequential:
        """A copy of the stack as an ``nn.Sequential``: edit or train it freely."""
        return self._stack.build(self.spec)

    @property
    def X(self) -> torch.Tensor:
        """The input batch (a fresh copy), standard normal, drawn from ``seed``."""
        return stack_inputs(self.spec)[0]

    # -- controls -----------------------------------------------------------------

    def _control(self, name: str) -> ipw.Widget:
        return control_for(ExplorerSettings, name, width="250px")

    def _build_controls(self) -> None:
        uniform = lambda values: len(set(values)) == 1  # noqa: E731
        for name in ("depth", "width", "activation", "batch_size", "seed"):
            self.bind(self._control(name), name,
                      options=self._activation_options if name == "activation" else None)
        self.bind(self._control("schemes"), "schemes",
                  read=lambda: self.schemes[0] if uniform(self.schemes) else None,
                  write=lambda value: value is not None and self.configure(schemes=value))
        scales = self._control("scales")
        self.bind(scales, "scales",
                  read=lambda: self.scales[0] if uniform(self.scales) else scales.value)
        self.bind(self._control("selected_layer"), "selected_layer")
        self.bind(control_for(ExplorerSettings, "schemes", width="250px",
                              description=t("init_explorer.layer_scheme")), "layer_scheme",
                  read=lambda: self.schemes[self.selected_layer - 1],
                  write=lambda value: self.set_layer(self.selected_layer, scheme=value))
        self.bind(control_for(ExplorerSettings, "scales", width="250px",
                              description=t("init_explorer.layer_scale")), "layer_scale",
                  read=lambda: self.scales[self.selected_layer - 1],
                  write=lambda value: self.set_layer(self.selected_layer, scale=value))
        views = {name: ipw.HTML() for name in ("verdict", "std_chart", "mean_chart",
                                                "histograms", "table", "mixed_note")}
        views["scheme_note"] = ipw.HTML(layout=ipw.Layout(width="230px"))
        views["header"] = ipw.HTML(t("init_explorer.header"))
        self._expose(views=views)
        c = self.controls
        controls = ipw.VBox([
            c["depth"], c["width"], c["activation"], c["batch_size"], c["seed"],
            ipw.HTML(t("init_explorer.every_layer")), c["schemes"], c["scales"],
            views["mixed_note"], ipw.HTML(t("init_explorer.one_layer")), c["selected_layer"],
            c["layer_scheme"], c["layer_scale"], views["scheme_note"], self._message,
        ], layout=ipw.Layout(width="270px", margin="0 12px 0 0"))
        charts = ipw.VBox([views["std_chart"], views["mean_chart"]])
        self._lay_out(views["header"], views["verdict"],
                      ipw.HBox([controls, charts], layout=ipw.Layout(flex_flow="row wrap",
                                                                      align_items="flex-start")),
                      views["histograms"], views["table"])

    def _layer_menus(self) -> list[ipw.Dropdown]:
        return [self.controls["activation"]]

    # -- view ---------------------------------------------------------------------

    def _prepare(self, settings: ExplorerSettings) -> tuple[InitStats, dict[str, str],
                                                            dict[str, tuple]]:
        stats = self._statistics(settings)
        with drawing():
            charts = _charts(settings, stats)
            views = _views(settings, stats, charts)
        return stats, views, charts

    def _show(self, content: tuple[InitStats, dict[str, str], dict[str, tuple]]) -> None:
        self._stats, views, charts = content
        for name, value in views.items():
            self._views[name].value = value
        self._keep_charts(charts)
        with self._quietly():
            self.controls["selected_layer"].max = self._state.depth

    def _failure_text(self, settings: ExplorerSettings, error: Exception) -> str:
        if not is_custom(settings.activation):
            return super()._failure_text(settings, error)
        text = t("init_explorer.layer_failed", name=repr(settings.activation),
                 kind=type(error).__name__, error=error)
        return t("ui.and_kept", text=text, kept=t("ui.kept")) if self._started else text

    def refresh(self) -> None:
        """Run the stack again (a registered layer it uses was replaced behind its name)."""
        self._stack.forget_outputs()
        self._stats = None
        super().refresh()

    def snapshot(self) -> Snapshot:
        """A still copy of the charts, kept in the notebook when displayed; text: the verdict.

        The live widget always shows its latest state; a snapshot keeps this moment
        (inside a batch: the state the batch has made so far).
        """
        settings = self._state.replace(**self._pending) if self._pending else self._state
        stats = self._statistics(settings)
        views = _views(settings, stats, _charts(settings, stats))
        pictures = (f'<div style="display:flex;flex-wrap:wrap;gap:8px">'
                    f'{views["std_chart"]}{views["mean_chart"]}</div>')
        return Snapshot(views["verdict"] + pictures, stats.verdict, kind="html")

    def close(self) -> None:
        """Close the widget and everything inside it, and free the stack's buffers and draws.

        An explorer holds about 80 MB at the default size; ipywidgets keeps every
        open widget alive, so close one that is no longer needed. It still answers
        ``.stats``, ``.net`` and ``.verdict`` afterwards (recomputing them).
        """
        self._stack = InitStack()
        self._stats = None
        super().close()

    def __repr__(self) -> str:
        return (f"InitExplorer(depth={self.depth}, width={self.width}, "
                f"schemes={_compact(self.schemes)!r}, scales={_compact(self.scales)!r}, "
                f"activation={self.activation!r}, batch_size={self.batch_size}, "
                f"seed={self.seed})")


def _histogram_layers(settings: ExplorerSettings) -> tuple[int, ...]:
    return tuple(sorted({*default_histogram_layers(settings.depth), settings.selected_layer}))


def _charts(settings: ExplorerSettings, stats: InitStats) -> dict[str, tuple]:
    """What each chart shows for ``settings`` and its statistics, by view."""
    layer = settings.selected_layer
    numbers = list(range(1, settings.depth + 1))
    marker = (layer,)
    a_std, g_std = stats.activation_std, stats.gradient_std
    hidden = any(not (math.isfinite(v) and v > 0) for v in (*a_std, *g_std))
    note = t("init_explorer.not_drawn") if hidden else ""
    means, unit = _in_readable_units(stats.activation_mean)
    return {
        "std_chart": (LineChartData(
            numbers, [a_std, g_std], labels=[t("init_explorer.outputs"),
                                             t("init_explorer.gradients")],
            markers=marker, title=t("init_explorer.std_title", note=note),
            x_label=t("init_explorer.layer_axis_selected"), y_label=t("init_explorer.std_axis"),
            log_y=True),),
        "mean_chart": (LineChartData(
            numbers, [means], labels=[t("init_explorer.outputs")], markers=marker,
            title=t("init_explorer.mean_title"), x_label=t("init_explorer.layer_axis"),
            y_label=t("init_explorer.mean_axis", unit=unit), height=220),),
        "histograms": _histogram_charts(stats, layer),
    }


def _views(settings: ExplorerSettings, stats: InitStats,
           charts: dict[str, tuple]) -> dict[str, str]:
    """Every view's content for ``settings``, its statistics, and its charts."""
    layer = settings.selected_layer
    mixed = [t(f"init_explorer.differ_{what}") for what, values in (
        ("schemes", settings.schemes), ("scales", settings.scales)) if len(set(values)) > 1]
    scheme = SCHEMES[settings.schemes[layer - 1]]
    std = scheme.weight_std(settings.width, settings.width, settings.scales[layer - 1])
    return {
        "verdict": _verdict_html(stats.verdict, stats.steady),
        "std_chart": line_chart(**charts["std_chart"][0].arguments()),
        "mean_chart": line_chart(**charts["mean_chart"][0].arguments()),
        "histograms": _histograms_html(charts["histograms"]),
        "table": _table_html(settings, stats),
        "mixed_note": (_muted(t("init_explorer.mixed", what=join(mixed)))
                       if mixed else ""),
        "scheme_note": _muted(t("init_explorer.scheme_note", name=html.escape(scheme.name),
                                description=html.escape(scheme.description),
                                std=_number(std))),
    }


def _muted(text: str) -> str:
    return f'<span class="ll-muted" style="font-size:12px">{text}</span>'


def _table_html(settings: ExplorerSettings, stats: InitStats) -> str:
    rows = []
    for histogram in stats.histograms:
        i = histogram.layer - 1
        rows.append((histogram.layer, settings.schemes[i], f"{settings.scales[i]:g}",
                     _number(stats.spec.weight_std(histogram.layer)),
                     _number(stats.activation_mean[i]), _number(stats.activation_std[i]),
                     _number(stats.gradient_mean[i]), _number(stats.gradient_std[i])))
    header = tuple(t(f"init_explorer.column.{key}") for key in (
        "layer", "scheme", "scale", "weight_std", "output_mean", "output_std", "gradient_mean",
        "gradient_std"))
    return table(header, rows, left_columns=2)


def _verdict_html(text: str, steady: bool) -> str:
    colour = "#009E73" if steady else "#D55E00"  # Okabe-Ito green and vermillion
    return (f'<div style="border-left:4px solid {colour};padding:2px 8px;font-size:13px">'
            f"{html.escape(text)}</div>")


def _histogram_charts(stats: InitStats, selected: int) -> tuple[HistogramData, ...]:
    charts = []
    for h in stats.histograms:
        title = t("init_explorer.histogram_selected" if h.layer == selected
                  else "init_explorer.histogram", layer=h.layer)
        edges, unit = _in_readable_units(h.edges)
        label = t("init_explorer.histogram_axis", unit=unit) + (
            t("init_explorer.left_out", count=h.nonfinite) if h.nonfinite else "")
        charts.append(HistogramData(edges, [h.counts], title=title, x_label=label,
                                    width=250, height=150))
    return tuple(charts)


def _histograms_html(charts: tuple[HistogramData, ...]) -> str:
    svgs = "".join(chart.svg() for chart in charts)
    return f'<div style="display:flex;flex-wrap:wrap;gap:8px">{svgs}</div>'


def _in_readable_units(values: Sequence[float]) -> tuple[list[float], str]:
    """Tiny values rescaled by a power of ten, so chart ticks can tell them apart.

    Returns the values and the unit for the axis label, e.g. ``" (× 1e-20)"``; values
    whose largest finite size is 0.001 or more come back as they are, with no unit.
    """
    largest = max((abs(v) for v in values if math.isfinite(v)), default=0.0)
    if largest == 0 or largest >= 1e-3:
        return list(values), ""
    exponent = math.floor(math.log10(largest))
    return [v / 10.0**exponent for v in values], t("init_explorer.axis_scale", exponent=exponent)
