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

#: Colour of the ``i``-th series (matplotlib's "tab10" palette).
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
           "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")


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

    Returns:
        The ``<svg>`` element as a string.

    Example:
        >>> "1e+04" in line_chart([0, 1, 2], [[1, 100, 1e4]], log_y=True)
        True
    """
    if log_y:
        series = [[math.log10(v) if math.isfinite(v) and v > 0 else math.nan for v in ys]
                  for ys in series]
    left, right, top, bottom = 56, 86 if labels else 14, 26 if title else 10, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    x0, x1 = float(x[0]), float(x[-1])
    y0, y1 = value_range(series)

    def sx(v: float) -> float:
        return left + (v - x0) / (x1 - x0) * plot_w if x1 > x0 else left + plot_w / 2

    def sy(v: float) -> float:
        return top + (y1 - v) / (y1 - y0) * plot_h

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="white" '
        'stroke="#999"/>',
    ]
    for tick in nice_ticks(x0, x1, 6):
        px = sx(tick)
        parts.append(f'<line x1="{px:.1f}" y1="{top}" x2="{px:.1f}" y2="{top + plot_h}" '
                     'stroke="#eee"/>')
        parts.append(f'<text x="{px:.1f}" y="{top + plot_h + 14}" text-anchor="middle">'
                     f'{format_tick(tick)}</text>')
    for tick in _log_ticks(y0, y1) if log_y else nice_ticks(y0, y1, 6):
        py = sy(tick)
        label = _power_of_ten(tick) if log_y else format_tick(tick)
        parts.append(f'<line x1="{left}" y1="{py:.1f}" x2="{left + plot_w}" y2="{py:.1f}" '
                     'stroke="#eee"/>')
        parts.append(f'<text x="{left - 5}" y="{py + 4:.1f}" text-anchor="end">{label}</text>')
    for i, ys in enumerate(series):
        colour = PALETTE[i % len(PALETTE)]
        for run in _finite_runs(x, ys):
            points = " ".join(f"{sx(a):.1f},{sy(b):.1f}" for a, b in run)
            parts.append(f'<polyline points="{points}" fill="none" stroke="{colour}" '
                         'stroke-width="1.6"/>')
        for m in markers:
            value = _interpolate(x, ys, m)
            if value is not None:
                parts.append(f'<circle cx="{sx(m):.1f}" cy="{sy(value):.1f}" r="3" '
                             f'fill="{colour}" stroke="white"/>')
    for i, label in enumerate(labels):
        ly = top + 6 + i * 15
        if ly > top + plot_h:
            break
        lx = left + plot_w + 10
        parts.append(f'<line x1="{lx}" y1="{ly}" x2="{lx + 16}" y2="{ly}" '
                     f'stroke="{PALETTE[i % len(PALETTE)]}" stroke-width="2"/>')
        parts.append(f'<text x="{lx + 20}" y="{ly + 4}">{html.escape(label)}</text>')
    if title:
        parts.append(f'<text x="{left + plot_w / 2:.1f}" y="{top - 9}" text-anchor="middle" '
                     f'font-size="12" font-weight="bold">{html.escape(title)}</text>')
    if x_label:
        parts.append(f'<text x="{left + plot_w / 2:.1f}" y="{height - 6}" '
                     f'text-anchor="middle">{html.escape(x_label)}</text>')
    if y_label:
        cy = top + plot_h / 2
        parts.append(f'<text x="12" y="{cy:.1f}" text-anchor="middle" '
                     f'transform="rotate(-90 12 {cy:.1f})">{html.escape(y_label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def histogram_chart(
    edges: Sequence[float],
    counts: Sequence[Sequence[float]],
    *,
    labels: Sequence[str] = (),
    title: str = "",
    x_label: str = "",
    width: int = 320,
    height: int = 170,
) -> str:
    """An SVG histogram: one set of bars per sequence in ``counts``, drawn over each other.

    Args:
        edges: the ``len(counts[i]) + 1`` bin edges, increasing.
        counts: bar heights per series (later series are drawn translucent on top).
        labels: legend text per series (legend omitted when empty).
        title, x_label: text around the plot.
        width, height: size in pixels.

    Returns:
        The ``<svg>`` element as a string.

    Example:
        >>> histogram_chart([0, 1, 2], [[3, 1]]).count("<rect")
        3
    """
    left, right, top, bottom = 44, 10, 24 if title else 8, 34 if x_label else 22
    plot_w, plot_h = width - left - right, height - top - bottom
    x0, x1 = float(edges[0]), float(edges[-1])
    peak = max([float(c) for cs in counts for c in cs if math.isfinite(c)] + [1.0])

    def sx(v: float) -> float:
        return left + (v - x0) / (x1 - x0) * plot_w if x1 > x0 else left + plot_w / 2

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="10">',
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="white" '
        'stroke="#999"/>',
    ]
    for i, heights in enumerate(counts):
        colour = PALETTE[i % len(PALETTE)]
        opacity = 0.85 if i == 0 else 0.55
        bars = []
        for lo, hi, c in zip(edges, edges[1:], heights):
            if c > 0:
                h = c / peak * plot_h
                bars.append(f'<rect x="{sx(lo):.1f}" y="{top + plot_h - h:.1f}" '
                            f'width="{max(sx(hi) - sx(lo) - 0.5, 0.5):.1f}" height="{h:.1f}"/>')
        parts.append(f'<g fill="{colour}" fill-opacity="{opacity}">{"".join(bars)}</g>')
    for tick in nice_ticks(x0, x1, 4):
        parts.append(f'<text x="{sx(tick):.1f}" y="{top + plot_h + 12}" '
                     f'text-anchor="middle">{format_tick(tick)}</text>')
    parts.append(f'<text x="{left - 4}" y="{top + 9}" text-anchor="end">{format_tick(peak)}'
                 f'</text><text x="{left - 4}" y="{top + plot_h}" text-anchor="end">0</text>')
    for i, label in enumerate(labels):
        parts.append(f'<text x="{left + plot_w - 4}" y="{top + 12 + i * 13}" text-anchor="end" '
                     f'fill="{PALETTE[i % len(PALETTE)]}">{html.escape(label)}</text>')
    if title:
        parts.append(f'<text x="{left + plot_w / 2:.1f}" y="{top - 8}" text-anchor="middle" '
                     f'font-size="11" font-weight="bold">{html.escape(title)}</text>')
    if x_label:
        parts.append(f'<text x="{left + plot_w / 2:.1f}" y="{height - 4}" '
                     f'text-anchor="middle">{html.escape(x_label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def sparkline_bars(counts: Sequence[float], *, width: int = 90, height: int = 18,
                   colour: str = PALETTE[0]) -> str:
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
            f'<g fill="{colour}">{bars}</g></svg>')


def _log_ticks(low: float, high: float) -> list[float]:
    """Tick positions (log10 values) for a log axis: whole decades, thinned to about 6."""
    first, last = math.ceil(low - 1e-9), math.floor(high + 1e-9)
    if last - first < 1:
        return nice_ticks(low, high, 4)
    step = max(1, math.ceil((last - first) / 6))
    return [float(t) for t in range(first, last + 1, step)]


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
