"""The playground's three pictures, as SVG strings: the output over the plane with the
data on top, the network with a heatmap per unit, and the loss curves.

Each picture drawn from numbers is drawn from a chart-data object, which a
matplotlib figure can be drawn from too (:mod:`widgets.render.figures`): the
output from :func:`output_chart`, the loss curves from :func:`loss_chart`.

Example:
    >>> from widgets.playground.settings import PlaygroundSettings
    >>> run = PlaygroundRun(PlaygroundSettings())
    >>> output_picture(output_chart(run)).startswith("<svg")
    True
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Sequence

import numpy as np
import torch

from ..core.layers import is_custom
from ..render.charts import LineChartData, format_tick, nice_ticks
from ..render.heatmap import (
    HeatmapData,
    PointsData,
    class_colour,
    class_map,
    colour_map,
    colour_of,
    image_element,
    tiles,
)
from ..text import columns, t
from .data import EXTENT
from .training import PlaygroundRun

#: Grid the output heatmap is computed on (TensorFlow Playground uses 100 as well).
DENSITY = 100
#: Grid of each unit's small heatmap (every fifth point of the output grid).
TILE_DENSITY = 20
TILE_STEP = DENSITY // TILE_DENSITY
#: Side of the output heatmap in pixels, and the margin left for the axes.
PLOT_SIZE, PLOT_MARGIN = 300, 28
#: Most lines drawn between units; above this, the strongest weights are drawn.
MAX_LINKS = 1500
#: Text on the network picture, which is its own light card: dark in every theme.
CARD_FONT = 'font-family="sans-serif" font-size="11" fill="#333"'
#: Text drawn straight on the page (axes, the loss chart): the theme's text colour.
FONT = 'font-family="sans-serif" font-size="11" fill="currentColor"'


def _plot_x(x1: np.ndarray | float) -> np.ndarray | float:
    return PLOT_MARGIN + (x1 + EXTENT) / (2 * EXTENT) * PLOT_SIZE


def _plot_y(x2: np.ndarray | float) -> np.ndarray | float:
    return 4 + (EXTENT - x2) / (2 * EXTENT) * PLOT_SIZE


def points_data(X: torch.Tensor, y: torch.Tensor, index: torch.Tensor,
                outline: str) -> PointsData:
    """The points ``X[index]`` as drawn: where (far points just off the plot), the value
    each is coloured by and its colour, and the ring around them (``outline``). A target
    from -1 to 1 (``y`` of shape ``(n, 1)``) takes the heatmaps' colour map, rounded to
    eleven shades; a class index (``y`` of shape ``(n,)``, integers) its class colour."""
    points = X[index].clamp(-2 * EXTENT, 2 * EXTENT).numpy()  # far points: just off the plot
    classes = y.ndim == 1
    values = (y[index].numpy() if classes
              else np.clip(np.rint(y[index, 0].numpy() * 5) / 5, -1, 1))  # eleven shades
    shades = {level: class_colour(int(level)) if classes else colour_of(float(level))
              for level in np.unique(values).tolist()}
    return PointsData(points, values, tuple(shades[v] for v in values.tolist()), outline)


def points_svg(points: PointsData) -> str:
    """SVG paths drawing ``points``, each in its colour, ringed in their outline colour.

    Each point is a zero-length stroke with round caps, so a thousand points
    are two short paths per colour instead of a thousand elements.
    """
    if len(points.xy) == 0:
        return ""
    xs, ys = _plot_x(points.xy[:, 0]), _plot_y(points.xy[:, 1])
    rings, dots = [], []
    for level in np.unique(points.values):
        chosen = points.values == level
        path = "".join(f"M{x:.1f} {y:.1f}h0" for x, y in zip(xs[chosen], ys[chosen]))
        rings.append(path)
        colour = points.colours[int(np.argmax(chosen))]
        dots.append(f'<path d="{path}" stroke="{colour}" stroke-width="5" '
                    'stroke-linecap="round"/>')
    return (f'<path d="{"".join(rings)}" stroke="{points.outline}" stroke-width="7" '
            f'stroke-linecap="round"/>' + "".join(dots))


def points_layer(X: torch.Tensor, y: torch.Tensor, index: torch.Tensor, outline: str) -> str:
    """SVG paths drawing the points ``X[index]`` coloured by label, ringed in ``outline``
    (see :func:`points_data` and :func:`points_svg`)."""
    if len(index) == 0:
        return ""
    return points_svg(points_data(X, y, index, outline))


def axes_layer() -> str:
    """Ticks and labels for x1 (bottom) and x2 (left), -6 to 6."""
    parts = []
    bottom = _plot_y(-EXTENT)
    for value in range(-6, 7, 2):
        x, y = _plot_x(float(value)), _plot_y(float(value))
        parts.append(f'<text x="{x:.1f}" y="{bottom + 13:.1f}" text-anchor="middle" {FONT}>'
                     f"{value}</text>")
        parts.append(f'<text x="{PLOT_MARGIN - 4}" y="{y + 4:.1f}" text-anchor="end" {FONT}>'
                     f"{value}</text>")
    parts.append(f'<text x="{_plot_x(EXTENT):.1f}" y="{bottom + 25:.1f}" text-anchor="end" '
                 f"{FONT}>x1</text>")
    parts.append(f'<text x="2" y="12" {FONT}>x2</text>')
    return "".join(parts)


def output_chart(run: PlaygroundRun, discretize: bool = False,
                 unit: tuple[int, int] | None = None,
                 points: Sequence[PointsData] = ()) -> HeatmapData:
    """What the output picture shows: the network's output over the plane as a heatmap,
    ``points`` on top, and what its colours mean. With one output per class, each pixel
    takes its likeliest class's colour, saturated as far as the network is sure. ``unit``
    (column, index: column 0 the inputs, then the hidden layers, then the output) shows
    that one unit's values instead, named in the title."""
    found = run.frame_grid(DENSITY, TILE_STEP, _hidden(run, unit))
    output = found.output
    classes = 0
    if unit is not None:
        values = unit_values(run, unit, DENSITY)
        rgb = colour_map(values, discretize)
    elif len(output) > 1:
        classes = len(output)
        rgb = class_map(output, discretize)
    else:
        rgb = colour_map(output[0], discretize)
    if classes:
        legend, caption = "classes", t("playground.pictures.legend_classes")
        swatches = tuple((t("playground.pictures.class_swatch", label=class_label(run, k)),
                          class_colour(k)) for k in range(run.settings.outputs))
    elif discretize:
        legend, caption = "signs", t("playground.pictures.legend_discrete")
        swatches = ((t("playground.pictures.below_zero"), colour_of(-1.0)),
                    (t("playground.pictures.from_zero"), colour_of(1.0)))
    else:
        legend, caption, swatches = "scale", t("playground.pictures.legend"), ()
    title = ("" if unit is None
             else t("playground.pictures.showing", unit=unit_name(run, unit)))
    return HeatmapData(rgb, (-EXTENT, EXTENT, -EXTENT, EXTENT), smooth=not discretize,
                       points=tuple(points), title=title, x_label="x1", y_label="x2",
                       legend=legend, swatches=swatches, caption=caption, size=PLOT_SIZE)


def output_picture(chart: HeatmapData, points: str | None = None) -> str:
    """The output picture drawn from ``chart`` (see :func:`output_chart`): the heatmap, the
    points on it (``points``: their SVG drawn already, else drawn from the chart's), the
    axes, the colour legend below, and the unit shown, named above the legend."""
    if points is None:
        points = "".join(points_svg(p) for p in chart.points)
    image = image_element(chart.rgb, PLOT_MARGIN, 4, PLOT_SIZE, PLOT_SIZE, smooth=chart.smooth)
    width, height = PLOT_MARGIN + PLOT_SIZE + 6, PLOT_SIZE + 34 + LEGEND_HEIGHT
    if chart.legend == "classes":
        legend, legend_height = _swatch_legend(chart.swatches, chart.caption, PLOT_MARGIN,
                                               PLOT_SIZE + 34, PLOT_SIZE)
        height += max(0, legend_height - LEGEND_HEIGHT)
    else:
        legend = colour_legend(PLOT_MARGIN, PLOT_SIZE + 34, PLOT_SIZE, chart.legend == "signs")
    name = ""
    if chart.title:
        height += 18
        name = (f'<text x="{PLOT_MARGIN}" y="{height - 4}" font-weight="bold" {FONT}>'
                f"{html.escape(chart.title)}</text>")
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}">{image}'
            f'<rect x="{PLOT_MARGIN}" y="4" width="{PLOT_SIZE}" height="{PLOT_SIZE}" fill="none" '
            f'stroke="currentColor" stroke-opacity="0.45"/>{points}{axes_layer()}{legend}{name}'
            "</svg>")


def column_sizes(run: PlaygroundRun) -> tuple[int, ...]:
    """Units in each column of the network picture: inputs, hidden layers, outputs."""
    s = run.settings
    return (len(s.features), *s.hidden_sizes, s.outputs)


def _hidden(run: PlaygroundRun, unit: tuple[int, int] | None) -> tuple[int, int] | None:
    """``unit`` if it is a hidden unit (the grid keeps its values everywhere), else None."""
    return unit if unit is not None and 0 < unit[0] <= len(run.settings.hidden_sizes) else None


def unit_values(run: PlaygroundRun, unit: tuple[int, int], density: int) -> torch.Tensor:
    """One unit's values over a ``density`` x ``density`` grid: ``(density, density)``."""
    column, index = unit
    if column == 0:
        return run.feature_values(density)[index]
    found = run.frame_grid(density, TILE_STEP, _hidden(run, unit))
    return found.output[index] if found.unit is None else found.unit


def unit_name(run: PlaygroundRun, unit: tuple[int, int]) -> str:
    """What a reader calls a unit: "input x1", "hidden layer 2, unit 3 (tanh)", "output"."""
    column, index = unit
    s = run.settings
    if column == 0:
        return t("playground.pictures.input_unit", name=s.features[index])
    if column <= len(s.hidden_sizes):
        name = s.activations[column - 1]
        label = t("playground.pictures.linear") if name == "identity" else name
        return t("playground.pictures.hidden_unit", layer=column, unit=index + 1,
                 activation=label)
    if s.outputs > 1:
        return t("playground.pictures.output_class", unit=index,
                 label=class_label(run, index))
    return t("playground.pictures.output_unit")


def layer_name(run: PlaygroundRun, column: int) -> str:
    """A column of units by name: "the inputs", "hidden layer 2", "the output"."""
    if column == 0:
        return t("playground.pictures.inputs_layer")
    if column <= len(run.settings.hidden_sizes):
        return t("playground.pictures.hidden_layer", layer=column)
    return t("playground.pictures.output_layer")


def class_label(run: PlaygroundRun, index: int) -> str:
    """A class as the data names it: the reader's label value, or -1/+1, or its index."""
    s = run.settings
    if s.own_data is not None and s.dataset == "own":
        return str(s.own_data.class_values[index])
    if s.classes == 2:
        return ("-1", "+1")[index]
    return str(index)


def class_legend(run: PlaygroundRun, x: float, y: float, width: float) -> tuple[str, float]:
    """One swatch per class, in as many rows as the width needs, then how sure the network
    is read from the colour; returns the SVG and the height it takes."""
    swatches = [(t("playground.pictures.class_swatch", label=class_label(run, k)),
                 class_colour(k)) for k in range(run.settings.outputs)]
    return _swatch_legend(swatches, t("playground.pictures.legend_classes"), x, y, width)


def _swatch_legend(swatches: Sequence[tuple[str, str]], caption: str, x: float, y: float,
                   width: float) -> tuple[str, float]:
    """A swatch per ``(label, colour)``, in as many rows as the width needs, then
    ``caption``; returns the SVG and the height it takes."""
    parts, lx, row = [], x, 0
    for label, colour in swatches:
        needed = 22 + 7 * columns(label)  # a Chinese character is two columns wide
        if lx > x and lx + needed > x + width:  # the next row
            lx, row = x, row + 1
        top = y + 16 * row
        parts.append(f'<rect x="{lx:.1f}" y="{top}" width="10" height="10" '
                     f'fill="{colour}" stroke="currentColor" stroke-opacity="0.45"/>'
                     f'<text x="{lx + 14:.1f}" y="{top + 9}" {FONT}>{html.escape(label)}</text>')
        lx += needed
    caption_y = y + 16 * row + 24
    return (f'<g role="img" aria-label="{html.escape(caption)}">{"".join(parts)}'
            f'<text x="{x}" y="{caption_y}" {FONT}>{html.escape(caption)}</text></g>',
            caption_y + 6 - y)


#: Height the colour legend takes below the output heatmap.
LEGEND_HEIGHT = 30


def colour_legend(x: float, y: float, width: float, discretize: bool = False) -> str:
    """What the heatmaps' colours mean: a bar from -1 (orange) through 0 to 1 (blue), values
    beyond clamped; with ``discretize``, the two colours and the sign each stands for."""
    bar_width = width * 0.45
    if discretize:
        half = bar_width / 2
        bar = (f'<rect x="{x}" y="{y}" width="{half:.1f}" height="10" fill="{colour_of(-1.0)}"/>'
               f'<rect x="{x + half:.1f}" y="{y}" width="{half:.1f}" height="10" '
               f'fill="{colour_of(1.0)}"/>')
        labels = ((x + half / 2, t("playground.pictures.below_zero")),
                  (x + 1.5 * half, t("playground.pictures.from_zero")))
    else:
        stops = "".join(f'<stop offset="{(v + 1) / 2:.2f}" stop-color="{colour_of(v)}"/>'
                        for v in (-1.0, -0.5, 0.0, 0.5, 1.0))
        bar = (f'<defs><linearGradient id="ll-legend">{stops}</linearGradient></defs>'
               f'<rect x="{x}" y="{y}" width="{bar_width:.1f}" height="10" '
               'fill="url(#ll-legend)"/>')
        labels = ((x, "−1"), (x + bar_width / 2, "0"), (x + bar_width, "1"))
    text = "".join(f'<text x="{lx:.1f}" y="{y + 22}" text-anchor="middle" {FONT}>'
                   f"{html.escape(label)}</text>" for lx, label in labels)
    caption = t("playground.pictures.legend_discrete" if discretize
                else "playground.pictures.legend")
    return (f'<g role="img" aria-label="{html.escape(caption)}">{bar}'
            f'<rect x="{x}" y="{y}" width="{bar_width:.1f}" height="10" fill="none" '
            f'stroke="currentColor" stroke-opacity="0.45"/>{text}'
            f'<text x="{x + bar_width + 8:.1f}" y="{y + 9}" {FONT}>'
            f"{html.escape(caption)}</text></g>")


def _tile_size(longest: int) -> int:
    for limit, size in ((8, 30), (16, 20), (32, 12)):
        if longest <= limit:
            return size
    return 7


def _column_titles(run: PlaygroundRun) -> list[str]:
    s = run.settings
    titles = [t("playground.pictures.input")]
    for width, name in zip(s.hidden_sizes, s.activations):
        label = t("playground.pictures.linear") if name == "identity" else name
        titles.append(t("playground.pictures.hidden", width=width, activation=label,
                        custom="*" if is_custom(name) else ""))
    return [*titles, t("playground.pictures.output")]


#: What pointing at and clicking the network picture does in a live notebook: the picture's
#: box gets listeners the first time the pointer enters it; each one writes a line to the
#: playground's hidden text field ("hover 2,0", "leave", "click unit 2,0 <time>",
#: "click link 2,1,3 <time>"), which the kernel reads. Where there is no such field (a
#: static page) nothing happens. Geometry comes from the box's data-geo attribute.
POINTER_SCRIPT = """
if (!this.llBound) {
  this.llBound = true;
  var box = this, geo = JSON.parse(box.dataset.geo);
  var send = function (message) {
    var root = box.closest('.ll-playground');
    var field = root && root.querySelector('.ll-pointer input');
    if (!field) return;
    field.value = message;
    field.dispatchEvent(new Event('input', {bubbles: true}));
  };
  var place = function (e) {  /* in the picture's own units; the third: 4 CSS px in them */
    var svg = box.querySelector('svg'), r = svg.getBoundingClientRect();
    return [(e.clientX - r.left) * geo.w / r.width, (e.clientY - r.top) * geo.h / r.height,
            4 * geo.w / Math.max(r.width, 1)];
  };
  var unitAt = function (x, y) {
    for (var c = 0; c < geo.cols.length; c++) {
      var col = geo.cols[c], k = Math.floor((y - col[1]) / geo.pitch);
      if (x >= col[0] && x <= col[0] + geo.size && k >= 0 && k < col[2]
          && y - col[1] - k * geo.pitch <= geo.size) return c + ',' + k;
    }
    return null;
  };
  var linkAt = function (x, y, reach) {
    for (var c = 0; c + 1 < geo.cols.length; c++) {
      var a = geo.cols[c], b = geo.cols[c + 1], x0 = a[0] + geo.size, x1 = b[0];
      if (x <= x0 || x >= x1) continue;
      var u = (x - x0) / (x1 - x0), best = reach, found = null, half = geo.size / 2;
      for (var j = 0; j < a[2]; j++) for (var i = 0; i < b[2]; i++) {
        var y0 = a[1] + j * geo.pitch + half, y1 = b[1] + i * geo.pitch + half;
        var slope = (y1 - y0) / (x1 - x0);
        var d = Math.abs(y - (y0 + u * (y1 - y0))) / Math.sqrt(1 + slope * slope);
        if (d < best) { best = d; found = (c + 1) + ',' + i + ',' + j; }
      }
      return found;
    }
    return null;
  };
  var move = function (e) {
    var p = place(e), unit = unitAt(p[0], p[1]), message = unit ? 'hover ' + unit : 'leave';
    if (message !== box.llLast) { box.llLast = message; send(message); }
  };
  box.addEventListener('mousemove', move);
  move(event);
  box.addEventListener('mouseleave', function () { box.llLast = 'leave'; send('leave'); });
  box.addEventListener('click', function (e) {
    var p = place(e), unit = unitAt(p[0], p[1]), link = unit ? null : linkAt(p[0], p[1], p[2]);
    if (unit) send('click unit ' + unit + ' ' + Date.now());
    else if (link) send('click link ' + link + ' ' + Date.now());
  });
}
"""  # code
_POINTER_ATTRIBUTE = html.escape(" ".join(POINTER_SCRIPT.split()), quote=True)


def network_picture(run: PlaygroundRun, discretize: bool = False,
                    pointed: tuple[int, int] | None = None,
                    selected: tuple[int, ...] | None = None) -> str:
    """Every input feature, hidden unit and the output as a small heatmap over the
    plane, in columns, joined by lines coloured by the weight's sign (blue positive,
    orange negative) and as thick as the weight is large. ``discretize`` colours every
    heatmap by sign alone, as the output picture does.

    ``pointed`` (column, unit) is ringed; ``selected`` (column, unit) or (layer, unit,
    from unit) for a link is ringed and drawn bold. In a live notebook, pointing at a
    unit or clicking a unit or a link tells the playground (see :data:`POINTER_SCRIPT`).
    """
    found = run.frame_grid(DENSITY, TILE_STEP, _hidden(run, pointed))
    start = TILE_STEP // 2
    columns = [run.feature_values(TILE_DENSITY), *found.tiles,
               found.output[:, start::TILE_STEP, start::TILE_STEP]]
    longest = max(len(c) for c in columns)
    size = _tile_size(longest)
    gap = max(2, size // 3)
    spacing = size + max(56, 2 * size)
    left, top = 52, 30
    width = left + spacing * (len(columns) - 1) + size + 10
    height = top + longest * (size + gap) + 6
    positions: list[list[tuple[int, int]]] = []  # top-left corner of each tile
    geometry = []
    images = []
    for c, values in enumerate(columns):  # one image per column: the gaps stay out of it
        x = left + c * spacing
        offset = top + (longest - len(values)) * (size + gap) // 2
        strip = np.full((len(values), size + gap, size, 3), 255, dtype=np.uint8)
        strip[:, :size] = tiles(values, size, discretize)
        strip = strip.reshape(-1, size, 3)[:-gap]  # the tiles one under another, gaps white
        positions.append([(x, offset + k * (size + gap)) for k in range(len(values))])
        geometry.append([x, offset, len(values)])
        images.append(image_element(strip, x, offset, size, len(strip), smooth=False))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="ll-card" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}">',
             f'<rect width="{width}" height="{height}" fill="#fff"/>', *images,
             _links(run.linear_weights(), positions, size)]
    for c, title in enumerate(_column_titles(run)):
        x = left + c * spacing + size / 2
        parts.append(f'<text x="{x:.0f}" y="14" text-anchor="middle" {CARD_FONT}>'
                     f"{html.escape(title)}</text>")
    for name, (x, y) in zip(run.settings.features, positions[0]):
        parts.append(f'<text x="{x - 4}" y="{y + size / 2 + 4:.0f}" text-anchor="end" '
                     f"{CARD_FONT}>{html.escape(name)}</text>")
    parts.append(_marks(positions, size, pointed, selected))
    parts.append("</svg>")
    geo = {"w": width, "h": height, "size": size, "pitch": size + gap, "cols": geometry}
    return (f'<div class="ll-net" data-geo="{html.escape(json.dumps(geo), quote=True)}" '
            f'onmouseover="{_POINTER_ATTRIBUTE}" style="cursor:crosshair">'
            f'{"".join(parts)}</div>')


def _marks(positions: list[list[tuple[int, int]]], size: int,
           pointed: tuple[int, int] | None, selected: tuple[int, ...] | None) -> str:
    """A ring around the unit pointed at (dashed) and the one selected (solid), or a bold
    line over the selected link."""
    marks = []

    def ring(unit: tuple[int, int], dash: str) -> None:
        column, index = unit
        if 0 <= column < len(positions) and 0 <= index < len(positions[column]):
            x, y = positions[column][index]
            marks.append(f'<rect x="{x - 2.5}" y="{y - 2.5}" width="{size + 5}" '
                         f'height="{size + 5}" fill="none" stroke="#111" stroke-width="2"{dash}/>')

    if pointed is not None:
        ring(pointed, ' stroke-dasharray="3 2"')
    if selected is not None and len(selected) == 2:
        ring(selected, "")
    elif selected is not None:
        layer, row, column = selected
        if layer < len(positions) and row < len(positions[layer]) \
                and column < len(positions[layer - 1]):
            x0, y0 = positions[layer - 1][column]
            x1, y1 = positions[layer][row]
            marks.append(f'<path d="M{x0 + size} {y0 + size // 2}L{x1} {y1 + size // 2}" '
                         'stroke="#111" stroke-width="3.5" stroke-dasharray="6 3"/>')
    return "".join(marks)


def _links(weights: Sequence[torch.Tensor], positions: list[list[tuple[int, int]]],
           size: int) -> str:
    """Lines between the columns of units, one per weight (the strongest when too many),
    gathered into one path per colour and line width."""
    pairs = [(k, w) for k, w in enumerate(weights)
             if k + 1 < len(positions) and w.shape == (len(positions[k + 1]), len(positions[k]))]
    if not pairs:
        return ""
    values = torch.cat([w.flatten() for _, w in pairs]).abs().nan_to_num(nan=-1.0)
    keep = torch.zeros_like(values, dtype=torch.bool)
    keep[values.topk(min(MAX_LINKS, len(values))).indices] = True  # the strongest links
    paths: dict[tuple[bool, int], list[str]] = {}
    offset = 0
    for k, w in pairs:
        weight = w.numpy()
        chosen = keep[offset:offset + w.numel()].numpy().reshape(w.shape) & np.isfinite(weight)
        offset += w.numel()
        rows, cols = np.nonzero(chosen)
        value = weight[rows, cols]
        thickness = np.minimum(3, (np.abs(value) * 2).astype(np.int64))  # four line widths
        starts = np.array(positions[k])[cols] + (size, size // 2)
        ends = np.array(positions[k + 1])[rows] + (0, size // 2)
        segments = [f"M{a} {b}L{c} {d}" for a, b, c, d in
                    np.concatenate([starts, ends], axis=1).tolist()]
        for positive, width, segment in zip((value >= 0).tolist(), thickness.tolist(), segments):
            paths.setdefault((positive, width), []).append(segment)
    return "".join(
        f'<path d="{"".join(segments)}" stroke="{colour_of(1.0 if positive else -1.0)}" '
        f'stroke-width="{0.6 + 1.2 * thickness:.1f}" stroke-opacity="0.55" fill="none"/>'
        for (positive, thickness), segments in sorted(paths.items()))


def loss_chart(train: Sequence[float], test: Sequence[float], width: int = 334,
               height: int = 120) -> LineChartData:
    """What the loss chart shows: the train (solid) and test (dashed) loss after each
    epoch, from epoch 0, on a linear scale from 0.

    Example:
        >>> chart = loss_chart([0.5, 0.25], [0.75, 0.5])
        >>> chart.x, chart.series[1], chart.dashes
        ((0.0, 1.0), (0.75, 0.5), ('', '5 3'))
    """
    return LineChartData(range(len(train)), (train, test),
                         labels=(t("playground.pictures.train"), t("playground.pictures.test")),
                         title=t("playground.pictures.loss_title"),
                         x_label=t("playground.pictures.epoch_axis"),
                         y_label=t("playground.pictures.loss_axis"), y_from_zero=True,
                         dashes=("", "5 3"), width=width, height=height)


def loss_picture(chart: LineChartData, most_points: int = 200) -> str:
    """The loss chart drawn from ``chart`` (see :func:`loss_chart`): at most ``most_points``
    points per line, with a legend above and a few ticks on each axis."""
    train, test = chart.series
    width, height = chart.width, chart.height
    count = len(train)
    picks = (list(range(count)) if count <= most_points
             else sorted({round(i * (count - 1) / (most_points - 1)) for i in range(most_points)}))
    finite = [v for series in (train, test) for v in (series[i] for i in picks) if math.isfinite(v)]
    top = max(finite, default=1.0) or 1.0
    left, right, upper, lower = 40, width - 8, 22, height - 18
    span = max(count - 1, 1)

    def line(series: Sequence[float], colour: str, pattern: str) -> str:
        height_per_loss = (lower - upper) / top
        coords = " ".join(
            f"{left + (right - left) * i / span:.1f},{lower - height_per_loss * series[i]:.1f}"
            for i in picks if math.isfinite(series[i]))
        return (f'<polyline points="{coords}" fill="none" stroke="{colour}" '
                f'stroke-width="1.8"{pattern}/>')

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="ll-chart" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="{html.escape(chart.title)}">',
             f'<rect x="{left}" y="{upper}" width="{right - left}" height="{lower - upper}" '
             'fill="none" stroke="currentColor" stroke-opacity="0.45"/>']
    for value in nice_ticks(0.0, top, 3):
        y = lower - (lower - upper) * value / top
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}" '
                     f'stroke="currentColor" stroke-opacity="0.12"/>'
                     f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" {FONT}>'
                     f'{format_tick(value)}</text>')
    parts.append(f'<text x="{left}" y="{height - 4}" {FONT}>0</text>'
                 f'<text x="{right}" y="{height - 4}" text-anchor="end" {FONT}>'
                 f'{html.escape(t("playground.pictures.epoch", epoch=count - 1))}</text>')
    keys = []
    for i, name in enumerate(chart.labels):
        pattern = chart.dash_pattern(i)
        keys.append((name, chart.colour(i), f' stroke-dasharray="{pattern}"' if pattern else ""))
    x = left
    for name, colour, pattern in keys:  # the legend, above the plot
        parts.append(f'<line x1="{x}" y1="11" x2="{x + 18}" y2="11" stroke="{colour}" '
                     f'stroke-width="2"{pattern}/><text x="{x + 22}" y="15" {FONT}>'
                     f'{html.escape(name)}</text>')
        x += 30 + 7 * columns(name)
    parts += [line(train, keys[0][1], keys[0][2]), line(test, keys[1][1], keys[1][2]), "</svg>"]
    return "".join(parts)
