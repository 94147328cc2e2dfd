"""Line charts drawn as SVG text: fast to make, crisp at any zoom, saved with the notebook.

A chart of ten curves of 161 points is a few kilobytes of text and takes well
under a millisecond to write, where a matplotlib PNG takes tens of milliseconds.

Example:
    >>> svg = line_chart([0, 1, 2], [[0, 1, 4]], labels=["y"])
    >>> svg.startswith("<svg")
    True
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass

from ..text import t

#: Colour of the ``i``-th series: the Okabe-Ito palette, which stays distinct under the
#: common colour-vision deficiencies (black and yellow left out: each vanishes on one of
#: the light and dark themes). Past six series the colours repeat with dashes.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
#: Stroke patterns for the first, second, ... round of the palette.
DASHES = ("", "6 3", "2 2", "8 3 2 3")
#: Colours a chart drawn as a picture (a snapshot, a static page) uses on its own card.
CARD_BACKGROUND, CARD_TEXT = "#ffffff", "#1f1f1f"
#: Smallest text in a chart, in pixels.
TICK_SIZE = 11


def colour(i: int) -> str:
    """The colour of the ``i``-th series.

    Example:
        >>> colour(0) == colour(len(PALETTE))
        True
    """
    return PALETTE[i % len(PALETTE)]


def dash_pattern(i: int) -> str:
    """The dash pattern of the ``i``-th series, as SVG writes it ("" while solid).

    Example:
        >>> dash_pattern(0), dash_pattern(len(PALETTE))
        ('', '6 3')
    """
    return DASHES[i // len(PALETTE) % len(DASHES)]


def dash(i: int) -> str:
    """The ``stroke-dasharray`` attribute of the ``i``-th series ("" while solid).

    Example:
        >>> dash(0), dash(len(PALETTE))
        ('', ' stroke-dasharray="6 3"')
    """
    pattern = dash_pattern(i)
    return f' stroke-dasharray="{pattern}"' if pattern else ""


def card(svg: str) -> str:
    """``svg`` on an opaque light card with dark text, to read the same in any theme.

    A chart inside a widget draws in ``currentColor`` and follows the theme; a
    picture shown as an image (a snapshot) cannot see the theme, so it carries
    its own background.

    Example:
        >>> card('<svg width="2" height="2"></svg>').count('fill="#ffffff"')
        1
    """
    if not svg.startswith("<svg"):
        return svg
    head = svg.index(">")
    return (f'{svg[:head]} color="{CARD_TEXT}">'
            f'<rect width="100%" height="100%" fill="{CARD_BACKGROUND}"/>{svg[head + 1:]}')


def nice_ticks(low: float, high: float, target: int = 5) -> list[float]:
    """About ``target`` round tick positions covering ``[low, high]``.

    Example:
        >>> nice_ticks(0, 1)
        [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
        >>> nice_ticks(0, 4e-12, 2)
        [0.0, 2e-12, 4e-12]
    """
    span = high - low
    if not span > 0:
        return [low]
    raw = span / max(target, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.ceil(low / step - 1e-9)
    last = math.floor(high / step + 1e-9)
    digits = max(0, 3 - math.floor(math.log10(step)))  # enough to show the step exactly
    return [round(i * step, digits) for i in range(first, last + 1)]


def format_tick(value: float) -> str:
    """Compact tick label: ``0.25``, ``-3``, ``1.5e+04``."""
    if value == 0:
        return "0"
    if abs(value) >= 1e4 or abs(value) < 1e-3:
        return f"{value:.1e}"
    return f"{value:.4g}"


def value_range(series: Sequence[Sequence[float]]) -> tuple[float, float]:
    """Smallest and largest finite value over all series, padded when flat."""
    finite = [v for ys in series for v in ys if math.isfinite(v)]
    if not finite:
        return -1.0, 1.0
    low, high = min(finite), max(finite)
    if high - low < 1e-12 * max(1.0, abs(high)):
        pad = max(abs(high) * 0.1, 1e-3)
        return low - pad, high + pad
    pad = (high - low) * 0.05
    return low - pad, high + pad


def _floats(values: Sequence[float]) -> tuple[float, ...]:
    return tuple(map(float, values))


@dataclass(frozen=True)
class LineChartData:
    """What a line chart shows: its numbers, their names and its axes.

    A widget makes one of these for each line chart it shows, and draws the
    SVG from it (:meth:`svg`, or its own drawing for a chart laid out otherwise);
    :func:`widgets.render.figures.figure` draws the same object with matplotlib.
    Sequences are kept as tuples of floats, so two charts of the same numbers
    are equal.

    Args:
        x: shared horizontal positions, increasing.
        series: one sequence of values per curve; non-finite values break the line.
        labels: legend text per curve.
        markers: x positions where every curve gets a dot.
        title, x_label, y_label: text around the plot.
        log_x: logarithmic horizontal axis, base 2 (ticks at powers of two).
        log_y: logarithmic vertical axis, base 10; values that are not positive
            are left out.
        y_from_zero: the vertical axis starts at 0.
        dashes: a dash pattern per curve as SVG writes it (``"5 3"``, ``""`` for
            solid); curves past the end take the palette's (:func:`dash_pattern`).
        width, height: size in pixels (a figure gives the chart as many inches at
            80 pixels per inch, at least 360 x 240 pixels' worth).

    Example:
        >>> chart = LineChartData([0, 1, 2], [[0, 1, 4]], labels=["y"])
        >>> chart.series, chart.svg() == line_chart([0, 1, 2], [[0, 1, 4]], labels=["y"])
        (((0.0, 1.0, 4.0),), True)
    """

    x: tuple[float, ...]
    series: tuple[tuple[float, ...], ...]
    labels: tuple[str, ...] = ()
    markers: tuple[float, ...] = ()
    title: str = ""
    x_label: str = ""
    y_label: str = ""
    log_x: bool = False
    log_y: bool = False
    y_from_zero: bool = False
    dashes: tuple[str, ...] = ()
    width: int = 460
    height: int = 280

    def __post_init__(self) -> None:
        object.__setattr__(self, "x", _floats(self.x))
        object.__setattr__(self, "series", tuple(_floats(ys) for ys in self.series))
        object.__setattr__(self, "markers", _floats(self.markers))
        object.__setattr__(self, "labels", tuple(self.labels))
        object.__setattr__(self, "dashes", tuple(self.dashes))

    def colour(self, i: int) -> str:
        """The colour of the ``i``-th curve."""
        return colour(i)

    def dash_pattern(self, i: int) -> str:
        """The dash pattern of the ``i``-th curve ("" while solid)."""
        return self.dashes[i] if i < len(self.dashes) else dash_pattern(i)

    def marker_points(self, i: int) -> list[tuple[float, float]]:
        """Where the ``i``-th curve gets its dots: ``(x, y)`` at each marker on the curve
        (interpolated along it, on the log scales where the axes are, as the SVG draws).

        Example:
            >>> LineChartData([0, 1, 2], [[0, 2, math.nan]], markers=[0.5, 1.5]).marker_points(0)
            [(0.5, 1.0)]
        """
        xs, ys = self.x, self.series[i]
        if self.log_x:
            xs = tuple(math.log2(v) for v in xs)
        if self.log_y:
            ys = tuple(math.log10(v) if math.isfinite(v) and v > 0 else math.nan for v in ys)
        found = []
        for m in self.markers:
            value = _interpolate(xs, ys, math.log2(m) if self.log_x else m)
            if value is not None:
                found.append((m, 10 ** value if self.log_y else value))
        return found

    def arguments(self) -> dict[str, object]:
        """The arguments of :func:`line_chart` that draw this chart (``y_from_zero`` and
        ``dashes`` are for charts drawn otherwise, such as the playground's loss chart)."""
        return {"x": self.x, "series": self.series, "labels": self.labels,
                "markers": self.markers, "title": self.title, "x_label": self.x_label,
                "y_label": self.y_label, "width": self.width, "height": self.height,
                "log_y": self.log_y, "log_x": self.log_x}

    def svg(self) -> str:
        """The chart as :func:`line_chart` draws it (labels at the lines' ends)."""
        return line_chart(**self.arguments())


def line_chart(
    x: Sequence[float],
    series: Sequence[Sequence[float]],
    *,
    labels: Sequence[str] = (),
    markers: Sequence[float] = (),
    title: str = "",
    x_label: str = "",
    y_label: str = "",
    width: int = 460,
    height: int = 280,
    log_y: bool = False,
    log_x: bool = False,
) -> str:
    """An SVG chart of each sequence in ``series`` against ``x``.

    Args:
        x: shared horizontal positions, increasing.
        series: one sequence of values per curve; non-finite values break the line.
        labels: legend text per curve (legend omitted when empty).
        markers: x positions where every curve gets a dot (e.g. the data points).
        title, x_label, y_label: text around the plot.
        width, height: size in pixels.
        log_y: logarithmic vertical axis; values that are not positive are left out.
        log_x: logarithmic horizontal axis, base 2 (``x`` all positive): ticks at the
            powers of two and at the x values, labelled with the value (64, 128, ...).

    Returns:
        The ``<svg>`` element as a string.

    Example:
        >>> "1e+04" in line_chart([0, 1, 2], [[1, 100, 1e4]], log_y=True)
        True
    """
    if log_y:
        series = [[math.log10(v) if math.isfinite(v) and v > 0 else math.nan for v in ys]
                  for ys in series]
    if log_x:
        x, markers = [math.log2(v) for v in x], [math.log2(v) for v in markers]
    left, right, top, bottom = 58, 96 if labels else 14, 26 if title else 10, 42
    plot_w, plot_h = width - left - right, height - top - bottom
    x0, x1 = float(x[0]), float(x[-1])
    y0, y1 = value_range(series)

    def sx(v: float) -> float:
        return left + (v - x0) / (x1 - x0) * plot_w if x1 > x0 else left + plot_w / 2

    def sy(v: float) -> float:
        return top + (y1 - v) / (y1 - y0) * plot_h

    parts = [_open(width, height, title or y_label),
             f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" '
             'stroke="currentColor" stroke-opacity="0.45"/>']
    for tick in nice_ticks(x0, x1, 6):
        px = sx(tick)
        parts.append(f'<line x1="{px:.1f}" y1="{top}" x2="{px:.1f}" y2="{top + plot_h}" '
                     'stroke="currentColor" stroke-opacity="0.12"/>')
        label = _power_of_two(tick, x) if log_x else format_tick(tick)
        parts.append(f'<text x="{px:.1f}" y="{top + plot_h + 15}" text-anchor="middle">'
                     f'{label}</text>')
    for tick in _log_ticks(y0, y1) if log_y else nice_ticks(y0, y1, 6):
        py = sy(tick)
        label = _power_of_ten(tick) if log_y else format_tick(tick)
        parts.append(f'<line x1="{left}" y1="{py:.1f}" x2="{left + plot_w}" y2="{py:.1f}" '
                     'stroke="currentColor" stroke-opacity="0.12"/>')
        parts.append(f'<text x="{left - 5}" y="{py + 4:.1f}" text-anchor="end">{label}</text>')
    ends = _label_positions([_last_finite(ys) for ys in series[:len(labels)]], sy,
                            top + 5, top + plot_h - 2)
    for i, ys in enumerate(series):
        group = [f'<g class="ll-series" stroke="{colour(i)}">']
        for run in _finite_runs(x, ys):
            points = " ".join(f"{sx(a):.1f},{sy(b):.1f}" for a, b in run)
            group.append(f'<polyline points="{points}" fill="none" stroke-width="1.8"'
                         f'{dash(i)}/>')
        for m in markers:
            value = _interpolate(x, ys, m)
            if value is not None:
                group.append(f'<circle cx="{sx(m):.1f}" cy="{sy(value):.1f}" r="3" '
                             f'fill="{colour(i)}" stroke="none"/>')
        if i < len(labels):  # the label at the line's end, joined to it by a short leader
            end_y, label_y = ends[i]
            lx = left + plot_w
            if end_y is not None:
                group.append(f'<path d="M{lx} {end_y:.1f}L{lx + 8} {label_y:.1f}'
                             f'H{lx + 20}" fill="none" stroke-width="2"{dash(i)}/>')
            else:
                group.append(f'<line x1="{lx + 8}" y1="{label_y:.1f}" x2="{lx + 20}" '
                             f'y2="{label_y:.1f}" stroke-width="2"{dash(i)}/>')
            group.append(f'<text x="{lx + 24}" y="{label_y + 4:.1f}" stroke="none">'
                         f'{html.escape(labels[i])}</text>')
        group.append("</g>")
        parts.append("".join(group))
    if title:
        parts.append(f'<text x="{left + plot_w / 2:.1f}" y="{top - 9}" text-anchor="middle" '
                     f'font-size="13" font-weight="bold">{html.escape(title)}</text>')
    if x_label:
        parts.append(f'<text x="{left + plot_w / 2:.1f}" y="{height - 6}" '
                     f'text-anchor="middle" font-size="12">{html.escape(x_label)}</text>')
    if y_label:
        cy = top + plot_h / 2
        parts.append(f'<text x="13" y="{cy:.1f}" text-anchor="middle" font-size="12" '
                     f'transform="rotate(-90 13 {cy:.1f})">{html.escape(y_label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _open(width: int, height: int, name: str) -> str:
    """The ``<svg>`` tag of a chart: scales down in a narrow window, draws in currentColor."""
    named = f' role="img" aria-label="{html.escape(name)}"' if name else ""
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="ll-chart" width="{width}" '
            f'height="{height}" viewBox="0 0 {width} {height}"{named} '
            f'font-family="sans-serif" font-size="{TICK_SIZE}" fill="currentColor">')


def _last_finite(ys: Sequence[float]) -> float | None:
    return next((float(v) for v in reversed(ys) if math.isfinite(v)), None)


def _label_positions(ends: Sequence[float | None], sy: object, low: float, high: float,
                     gap: float = 13.0) -> list[tuple[float | None, float]]:
    """Where each line's end is, and where its label goes: near it, at least ``gap`` apart.

    Labels keep the order of the line ends; a line with no finite value gets its
    label below the others.

    Example:
        >>> [round(b) for _, b in _label_positions([1.0, 1.0], lambda v: 50 * v, 0, 100)]
        [50, 63]
    """
    placed = [(sy(e) if e is not None else None) for e in ends]  # type: ignore[operator]
    order = sorted(range(len(ends)), key=lambda i: (placed[i] is None, placed[i] or 0.0, i))
    wanted = [placed[i] if placed[i] is not None else high for i in order]
    positions: list[float] = []
    for want in wanted:  # push down past the label above
        positions.append(max(want, positions[-1] + gap) if positions else max(want, low))
    overflow = positions[-1] - high if positions else 0.0
    if overflow > 0:  # then up, as a block, and never above the top
        positions = [p - overflow for p in positions]
        for k in range(len(positions)):
            positions[k] = max(positions[k], low + k * gap)
    result: list[tuple[float | None, float]] = [(None, 0.0)] * len(ends)
    for k, i in enumerate(order):
        result[i] = (placed[i], positions[k])
    return result


@dataclass(frozen=True)
class HistogramData:
    """What a histogram shows: bin edges, bar heights per series, and its text.

    The SVG (:meth:`svg`) and the matplotlib figure
    (:func:`widgets.render.figures.figure`) are drawn from the same object.

    Args:
        edges: the ``len(counts[i]) + 1`` bin edges, increasing.
        counts: bar heights per series (later series are drawn translucent on top).
        labels: legend text per series.
        title, x_label: text around the plot.
        y_label: the vertical axis's name; by default the catalogue's "count".
        width, height: size in pixels.

    Example:
        >>> chart = HistogramData([0, 1, 2], [[3, 1]])
        >>> chart.counts, chart.y_label, chart.svg().count("<rect")
        (((3.0, 1.0),), 'count', 3)
    """

    edges: tuple[float, ...]
    counts: tuple[tuple[float, ...], ...]
    labels: tuple[str, ...] = ()
    title: str = ""
    x_label: str = ""
    y_label: str = ""
    width: int = 320
    height: int = 170

    def __post_init__(self) -> None:
        object.__setattr__(self, "edges", _floats(self.edges))
        object.__setattr__(self, "counts", tuple(_floats(cs) for cs in self.counts))
        object.__setattr__(self, "labels", tuple(self.labels))
        object.__setattr__(self, "y_label", self.y_label or t("charts.count"))

    def colour(self, i: int) -> str:
        """The colour of the ``i``-th series."""
        return colour(i)

    def opacity(self, i: int) -> float:
        """How opaque the ``i``-th series' bars are: the first 0.85, later ones 0.55."""
        return 0.85 if i == 0 else 0.55

    def arguments(self) -> dict[str, object]:
        """The arguments of :func:`histogram_chart` that draw this chart."""
        return {"edges": self.edges, "counts": self.counts, "labels": self.labels,
                "title": self.title, "x_label": self.x_label, "y_label": self.y_label,
                "width": self.width, "height": self.height}

    def svg(self) -> str:
        """The chart as :func:`histogram_chart` draws it."""
        return histogram_chart(**self.arguments())


def histogram_chart(
    edges: Sequence[float],
    counts: Sequence[Sequence[float]],
    *,
    labels: Sequence[str] = (),
    title: str = "",
    x_label: str = "",
    y_label: str = "",
    width: int = 320,
    height: int = 170,
) -> str:
    """An SVG histogram: one set of bars per sequence in ``counts``, drawn over each other.

    Args:
        edges: the ``len(counts[i]) + 1`` bin edges, increasing.
        counts: bar heights per series (later series are drawn translucent on top).
        labels: legend text per series (legend omitted when empty).
        title, x_label: text around the plot.
        y_label: the vertical axis's name; by default the catalogue's "count".
        width, height: size in pixels.

    Returns:
        The ``<svg>`` element as a string.

    Example:
        >>> histogram_chart([0, 1, 2], [[3, 1]]).count("<rect")
        3
    """
    left, right, top, bottom = 52, 10, 24 if title else 8, 36 if x_label else 22
    plot_w, plot_h = width - left - right, height - top - bottom
    x0, x1 = float(edges[0]), float(edges[-1])
    peak = max([float(c) for cs in counts for c in cs if math.isfinite(c)] + [1.0])
    y_ticks = [v for v in nice_ticks(0, peak, 3) if v <= peak]
    peak = max(peak, y_ticks[-1])

    def sx(v: float) -> float:
        return left + (v - x0) / (x1 - x0) * plot_w if x1 > x0 else left + plot_w / 2

    def sy(v: float) -> float:
        return top + plot_h - v / peak * plot_h

    parts = [_open(width, height, title),
             f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" '
             'stroke="currentColor" stroke-opacity="0.45"/>']
    for tick in y_ticks:
        py = sy(tick)
        parts.append(f'<line x1="{left}" y1="{py:.1f}" x2="{left + plot_w}" y2="{py:.1f}" '
                     'stroke="currentColor" stroke-opacity="0.12"/>'
                     f'<text x="{left - 4}" y="{py + 4:.1f}" text-anchor="end">'
                     f'{format_tick(tick)}</text>')
    for i, heights in enumerate(counts):
        opacity = 0.85 if i == 0 else 0.55
        bars = []
        for lo, hi, c in zip(edges, edges[1:], heights):
            if c > 0:
                h = c / peak * plot_h
                bars.append(f'<rect x="{sx(lo):.1f}" y="{top + plot_h - h:.1f}" '
                            f'width="{max(sx(hi) - sx(lo) - 0.5, 0.5):.1f}" height="{h:.1f}"/>')
        parts.append(f'<g fill="{colour(i)}" fill-opacity="{opacity}">{"".join(bars)}</g>')
    for tick in nice_ticks(x0, x1, 4):
        parts.append(f'<text x="{sx(tick):.1f}" y="{top + plot_h + 13}" '
                     f'text-anchor="middle">{format_tick(tick)}</text>')
    cy, y_name = top + plot_h / 2, y_label or t("charts.count")
    parts.append(f'<text x="11" y="{cy:.1f}" text-anchor="middle" '
                 f'transform="rotate(-90 11 {cy:.1f})">{html.escape(y_name)}</text>')
    for i, label in enumerate(labels):  # a swatch (colour and fill strength) beside each name
        ly = top + 12 + i * 14
        parts.append(f'<rect x="{left + plot_w - 14}" y="{ly - 9}" width="10" height="10" '
                     f'fill="{colour(i)}" fill-opacity="{0.85 if i == 0 else 0.55}"/>'
                     f'<text x="{left + plot_w - 18}" y="{ly}" text-anchor="end">'
                     f'{html.escape(label)}</text>')
    if title:
        parts.append(f'<text x="{left + plot_w / 2:.1f}" y="{top - 8}" text-anchor="middle" '
                     f'font-size="12" font-weight="bold">{html.escape(title)}</text>')
    if x_label:
        parts.append(f'<text x="{left + plot_w / 2:.1f}" y="{height - 4}" '
                     f'text-anchor="middle">{html.escape(x_label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def sparkline_bars(counts: Sequence[float], *, width: int = 90, height: int = 18,
                   fill: str = PALETTE[0]) -> str:
    """A tiny inline histogram (no axes) to sit in a table cell.

    Example:
        >>> sparkline_bars([1, 0, 2]).count("<rect")
        2
    """
    peak = max([float(c) for c in counts if math.isfinite(c)] + [1e-12])
    step = width / max(len(counts), 1)
    bars = "".join(
        f'<rect x="{i * step:.1f}" y="{height - c / peak * height:.1f}" '
        f'width="{max(step - 0.4, 0.4):.1f}" height="{c / peak * height:.1f}"/>'
        for i, c in enumerate(counts) if math.isfinite(c) and c > 0)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" style="vertical-align:middle">'
            f'<g fill="{fill}">{bars}</g></svg>')


def _log_ticks(low: float, high: float) -> list[float]:
    """Tick positions (log10 values) for a log axis: whole decades, thinned to about 6."""
    first, last = math.ceil(low - 1e-9), math.floor(high + 1e-9)
    if last - first < 1:  # less than a decade: 1, 2 and 5 times powers of ten
        steps = [math.log10(m) + k for k in range(math.floor(low), math.ceil(high) + 1)
                 for m in (1, 2, 5)]
        inside = [v for v in steps if low - 1e-9 <= v <= high + 1e-9]
        return inside if len(inside) >= 2 else nice_ticks(low, high, 4)
    step = max(1, math.ceil((last - first) / 6))
    return [float(t) for t in range(first, last + 1, step)]


def _power_of_two(tick: float, shown: Sequence[float]) -> str:
    """Label of a tick at ``log2`` value ``tick``: the power of two, or the x value that
    sits there; "" between (``shown``: the log2 of the x values).

    Example:
        >>> _power_of_two(6.0, []), _power_of_two(6.5, []), _power_of_two(6.5, [6.5])
        ('64', '', '91')
    """
    power = float(format_tick(tick))  # as the label reads
    if abs(power - round(power)) > 1e-9 and not any(abs(power - p) < 1e-9 for p in shown):
        return ""
    return f"{2 ** power:.0f}"


def _power_of_ten(log_value: float) -> str:
    """Label of a log-axis tick: ``1``, ``100``, ``1e-05``."""
    value = 10 ** log_value
    if abs(log_value - round(log_value)) > 1e-9:
        return format_tick(value)
    exponent = round(log_value)
    return f"{value:g}" if -2 <= exponent <= 3 else f"1e{exponent:+03d}"


def _finite_runs(x: Sequence[float], ys: Sequence[float]) -> list[list[tuple[float, float]]]:
    runs: list[list[tuple[float, float]]] = [[]]
    for a, b in zip(x, ys):
        if math.isfinite(b):
            runs[-1].append((float(a), float(b)))
        elif runs[-1]:
            runs.append([])
    return [run for run in runs if run]


def _interpolate(x: Sequence[float], ys: Sequence[float], at: float) -> float | None:
    for (a0, b0), (a1, b1) in zip(zip(x, ys), zip(x[1:], ys[1:])):
        if a0 <= at <= a1 and math.isfinite(b0) and math.isfinite(b1):
            return b0 if a1 == a0 else b0 + (b1 - b0) * (at - a0) / (a1 - a0)
    return None
