"""The widgets' charts as matplotlib figures: the same numbers, for a report or a paper.

Every chart a widget shows is drawn from one chart-data object
(:class:`~widgets.render.charts.LineChartData`,
:class:`~widgets.render.charts.HistogramData`,
:class:`~widgets.render.heatmap.HeatmapData`); :func:`figure` draws the same
objects with matplotlib: the same series, labels, colours, axis titles and
scales. It uses matplotlib's object API (``matplotlib.figure.Figure``, never
``pyplot``): nothing opens a window, no global state changes, and a figure
nobody holds is freed. matplotlib is imported only when a figure is asked for,
so importing the package stays as fast as without it.

Example:
    >>> chart = LineChartData([0, 1, 2], [[0, 1, 4]], labels=["y"], x_label="x")
    >>> fig = figure(chart)
    >>> fig.axes[0].get_xlabel(), fig.axes[0].lines[0].get_ydata().tolist()
    ('x', [0.0, 1.0, 4.0])
"""

from __future__ import annotations

import functools
import io
import math
import re
from typing import TYPE_CHECKING

import numpy as np

from ..text import t
from .charts import CARD_BACKGROUND, CARD_TEXT, HistogramData, LineChartData
from .heatmap import TABLE, HeatmapData

if TYPE_CHECKING:  # only for the annotations: matplotlib loads when a figure is made
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: What a figure draws: any chart a widget shows.
Chart = LineChartData | HistogramData | HeatmapData

#: Pixels of a chart per inch of its figure: a chart 460 pixels wide is 5.75 inches wide.
PIXELS_PER_INCH = 80
#: Most charts side by side; more go on further rows.
MOST_COLUMNS = 3
#: Smallest room a chart gets in a figure, in pixels: small charts (the playground's loss
#: curve, 334 x 120) would be too cramped for a figure's axis titles.
SMALLEST = (360, 240)
#: Fonts with Chinese characters, tried in this order after matplotlib's own font for
#: text that needs them (the Chinese edition), where matplotlib knows one of them.
CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC",  # code
             "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Microsoft YaHei", "SimHei",  # code
             "PingFang SC", "Heiti SC", "Noto Sans CJK JP", "Arial Unicode MS")  # code
#: A Chinese character or full-width punctuation mark.
_WIDE = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]")
#: matplotlib's code for a legend placed by its upper left corner.
UPPER_LEFT = 2
#: Line width of a curve, in points (the SVG's 1.8 pixels, read at 100 pixels per inch).
LINE_WIDTH = 1.6


def figure(*charts: Chart, dpi: int = 100) -> Figure:
    """A matplotlib figure of ``charts``, each in its own axes, side by side.

    More than three charts go on rows of at most three (four on two rows of two).
    The figure is a light card (white background, dark text) whatever the
    theme or matplotlib style, as a saved snapshot is.

    Args:
        charts: the chart-data objects, in the order they are placed.
        dpi: the figure's resolution (a PNG ``savefig`` uses it unless told otherwise).

    Returns:
        A ``matplotlib.figure.Figure``; ``fig.savefig("chart.pdf")`` writes it.

    Raises:
        ValueError: no chart was given.
        TypeError: something that is not a chart was given.

    Example:
        >>> fig = figure(HistogramData([0, 1, 2], [[3, 1]]), HistogramData([0, 1], [[2]]))
        >>> len(fig.axes), [float(p.get_height()) for p in fig.axes[0].patches]
        (2, [3.0, 1.0])
    """
    if not charts:
        raise ValueError(t("charts.no_charts"))
    for chart in charts:
        if not isinstance(chart, (LineChartData, HistogramData, HeatmapData)):
            raise TypeError(t("charts.not_a_chart", got=type(chart).__name__))
    rows = math.ceil(len(charts) / MOST_COLUMNS)
    columns = math.ceil(len(charts) / rows)
    sizes = [(max(c.width, SMALLEST[0]), max(c.height, SMALLEST[1])) for c in charts]
    width = max(sum(w for w, _ in sizes[i:i + columns]) for i in range(0, len(charts), columns))
    height = sum(max(h for _, h in sizes[i:i + columns]) for i in range(0, len(charts), columns))
    fig = _chart_figure_class()(
        figsize=(width / PIXELS_PER_INCH, height / PIXELS_PER_INCH), dpi=dpi,
        layout="constrained", facecolor=CARD_BACKGROUND, edgecolor=CARD_BACKGROUND)
    fig.patch.set_alpha(1.0)
    axes = fig.subplots(rows, columns, squeeze=False).ravel()
    for ax, chart in zip(axes, charts):
        if isinstance(chart, LineChartData):
            _line(ax, chart)
        elif isinstance(chart, HistogramData):
            _histogram(ax, chart)
        else:
            _heatmap(fig, ax, chart)
        _on_card(ax)
    for ax in axes[len(charts):]:  # the empty places of the last row
        ax.remove()
    _chinese_fallback(fig)
    return fig


@functools.cache
def _chart_figure_class() -> type[Figure]:
    """``ChartFigure``: a matplotlib Figure that shows itself in a notebook.

    A Figure made without pyplot has no picture in Jupyter until pyplot's inline
    backend registers one; this one carries its own PNG (``_repr_png_``), so
    ``explorer.figure()`` at the end of a cell shows the chart either way.
    matplotlib is imported here, on the first figure, never with the package.
    """
    from matplotlib.figure import Figure

    class ChartFigure(Figure):
        def _repr_png_(self) -> bytes:
            buffer = io.BytesIO()
            self.savefig(buffer, format="png")
            return buffer.getvalue()

    return ChartFigure


def _chinese_fallback(fig: Figure) -> None:
    """Let text with Chinese characters fall back to a font that has them (the first of
    :data:`CJK_FONTS` matplotlib knows; with none, matplotlib warns of missing glyphs)."""
    from matplotlib import font_manager
    from matplotlib.text import Text

    texts = [text for text in fig.findobj(Text) if _WIDE.search(text.get_text())]
    if not texts:
        return
    known = {entry.name for entry in font_manager.fontManager.ttflist}
    fonts = [name for name in CJK_FONTS if name in known]
    for text in texts:
        text.set_fontfamily([*text.get_fontfamily(), *fonts])


def _linestyle(pattern: str) -> str | tuple[float, tuple[float, ...]]:
    """An SVG dash pattern (``"6 3"``, in pixels) as matplotlib's line style."""
    if not pattern:
        return "solid"
    return (0.0, tuple(float(v) / LINE_WIDTH for v in pattern.split()))


def _legend(ax: Axes, below: bool = False, **options: object) -> None:
    """A legend beside the plot, on the right, as the SVG's labels are (``below``: under
    the plot, in columns, as the output picture's swatches are)."""
    place = {"bbox_to_anchor": (0.0, -0.14), "ncols": 4} if below else {
        "bbox_to_anchor": (1.02, 1.0)}
    legend = ax.legend(loc=UPPER_LEFT, frameon=False, fontsize="small", alignment="left",
                       **place, **options)
    for text in legend.get_texts():
        text.set_color(CARD_TEXT)
    legend.get_title().set_color(CARD_TEXT)


def _line(ax: Axes, chart: LineChartData) -> None:
    """Each series a line (gid ``"series"``), its dots a line of markers (gid ``"markers"``)."""
    from matplotlib.ticker import MaxNLocator

    for i, ys in enumerate(chart.series):
        named = {"label": chart.labels[i]} if i < len(chart.labels) else {}  # else no legend
        ax.plot(chart.x, ys, color=chart.colour(i), linewidth=LINE_WIDTH,
                linestyle=_linestyle(chart.dash_pattern(i)), gid="series", **named)
        # one x (one layer, one size, epoch 0): a line through one point draws nothing
        dots = chart.marker_points(i) or [(x, y) for x, y in zip(chart.x, ys)
                                          if len(chart.x) == 1 and math.isfinite(y)]
        if dots:  # unnamed: left out of the legend
            ax.plot([d[0] for d in dots], [d[1] for d in dots], linestyle="none", marker="o",
                    markersize=4.5, color=chart.colour(i), gid="markers")
    if chart.log_x:
        ax.set_xscale("log", base=2)
        ax.set_xticks(chart.x, labels=[f"{v:g}" for v in chart.x])
        ax.minorticks_off()
    elif chart.x and all(v.is_integer() for v in chart.x):  # layers, epochs: whole ticks
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if chart.log_y:
        if not any(math.isfinite(v) and v > 0 for ys in chart.series for v in ys):
            ax.set_ylim(0.1, 10.0)  # nothing to draw: the SVG's empty range, 1 in the middle
        ax.set_yscale("log", nonpositive="mask")
    if len(chart.x) > 1 and chart.x[-1] > chart.x[0]:
        ax.set_xlim(chart.x[0], chart.x[-1])
    elif len(chart.x) == 1 and not chart.log_x:  # one x (one layer, epoch 0): one tick, room
        ax.set_xlim(chart.x[0] - 1, chart.x[0] + 1)
        ax.set_xticks(chart.x, labels=[f"{chart.x[0]:g}"])
    if chart.y_from_zero:
        ax.set_ylim(bottom=0.0)
    ax.grid(alpha=0.25)
    _texts(ax, chart.title, chart.x_label, chart.y_label)
    if chart.labels:
        _legend(ax)


def _histogram(ax: Axes, chart: HistogramData) -> None:
    """Each series a set of bars (one patch per bin, zero-height bars included)."""
    edges = np.asarray(chart.edges)
    for i, counts in enumerate(chart.counts):
        named = {"label": chart.labels[i]} if i < len(chart.labels) else {}
        ax.bar(edges[:-1], counts, width=np.diff(edges), align="edge", color=chart.colour(i),
               alpha=chart.opacity(i), edgecolor=CARD_BACKGROUND, linewidth=0.4, gid="series",
               **named)
    if edges[-1] > edges[0]:
        ax.set_xlim(edges[0], edges[-1])
    ax.grid(axis="y", alpha=0.25)
    _texts(ax, chart.title, chart.x_label, chart.y_label)
    if chart.labels:
        _legend(ax)


def _heatmap(fig: Figure, ax: Axes, chart: HeatmapData) -> None:
    """The pixels over the plane, the points on top, and the colour bar or the swatches."""
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import ListedColormap, Normalize
    from matplotlib.patches import Patch

    left, right, bottom, top = chart.extent
    ax.imshow(chart.rgb, extent=(left, right, bottom, top), origin="upper",
              interpolation="bilinear" if chart.smooth else "nearest")
    for points in chart.points:
        if len(points.xy):
            ax.scatter(points.xy[:, 0], points.xy[:, 1], c=list(points.colours), s=18,
                       edgecolors=points.outline, linewidths=0.9, zorder=2)
    ax.set_xlim(left, right)
    ax.set_ylim(bottom, top)
    ax.set_aspect("equal")
    _texts(ax, chart.title, chart.x_label, chart.y_label)
    if chart.legend == "scale":
        low, high = chart.value_range
        scale = ScalarMappable(Normalize(low, high), ListedColormap(TABLE / 255.0))
        bar = fig.colorbar(scale, ax=ax, shrink=0.8)
        bar.set_label(chart.caption, color=CARD_TEXT)
        bar.ax.tick_params(colors=CARD_TEXT)
    else:
        handles = [Patch(facecolor=colour, edgecolor=CARD_TEXT, linewidth=0.5, label=label)
                   for label, colour in chart.swatches]
        _legend(ax, below=True, handles=handles, title=chart.caption)


def _texts(ax: Axes, title: str, x_label: str, y_label: str) -> None:
    ax.set_title(title, fontsize="medium", fontweight="bold", color=CARD_TEXT)
    ax.set_xlabel(x_label, color=CARD_TEXT)
    ax.set_ylabel(y_label, color=CARD_TEXT)


def _on_card(ax: Axes) -> None:
    """Dark text and frame on a white plot, whatever matplotlib style is in use."""
    ax.set_facecolor(CARD_BACKGROUND)
    ax.patch.set_alpha(1.0)
    ax.tick_params(colors=CARD_TEXT, which="both")
    for spine in ax.spines.values():
        spine.set_edgecolor(CARD_TEXT)
        spine.set_alpha(0.45)
