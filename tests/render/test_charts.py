"""The SVG line chart: ticks, ranges, broken lines, escaping."""

from __future__ import annotations

import itertools
import math
import xml.etree.ElementTree as ET

from widgets.render.charts import format_tick, line_chart, nice_ticks, value_range


def test_nice_ticks_are_round_and_cover_the_range() -> None:
    ticks = nice_ticks(-2, 3, 6)
    assert ticks == [-2, -1, 0, 1, 2, 3]
    assert nice_ticks(0.013, 0.087)[0] >= 0.013 and nice_ticks(5, 5) == [5]


def test_format_tick() -> None:
    assert [format_tick(v) for v in (0, 0.25, -3, 12345.0, 0.0001)] == [
        "0", "0.25", "-3", "1.2e+04", "1.0e-04"]


def test_value_range_pads_flat_and_ignores_non_finite() -> None:
    low, high = value_range([[1.0, 1.0, math.nan]])
    assert low < 1.0 < high
    assert value_range([[math.inf]]) == (-1.0, 1.0)


def test_chart_is_valid_svg_with_one_polyline_per_finite_run() -> None:
    svg = line_chart([0, 1, 2, 3], [[0, 1, math.nan, 2], [1, 1, 1, 1]],
                     labels=["a<b", "c"], markers=[1.5], title="T & U")
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    series = root.findall(f"{ns}g[@class='ll-series']")
    assert len(series) == 2
    curves = [len(g.findall(f"{ns}polyline")) for g in series]
    assert curves == [2, 1]  # the NaN splits the first curve
    texts = [t.text for t in root.iter(f"{ns}text")]
    assert "a<b" in texts and "T & U" in texts
    assert len(list(root.iter(f"{ns}circle"))) == 1  # no dot where the curve is broken
    assert root.get("aria-label") == "T & U" and root.get("role") == "img"


def _font_sizes(svg: str) -> list[float]:
    root = ET.fromstring(svg)
    base = float(root.get("font-size"))
    return [float(t.get("font-size", base)) for t in root.iter("{http://www.w3.org/2000/svg}text")]


def test_chart_text_follows_the_theme_and_is_at_least_11_px() -> None:
    from widgets.render.charts import histogram_chart

    for svg in (line_chart([0, 1], [[0, 1]] * 10, labels=[f"y{i}" for i in range(10)],
                           title="t", x_label="x", y_label="y"),
                histogram_chart([0, 1, 2], [[1, 2]], labels=["w"], title="h", x_label="v")):
        assert min(_font_sizes(svg)) >= 11
        assert 'fill="currentColor"' in svg and "white" not in svg and "#000" not in svg


def test_every_line_has_a_label_at_its_end_and_labels_never_overlap() -> None:
    from widgets.render.charts import _label_positions

    ends = [1.0, 1.0, 1.01, None, 0.0, 0.99, 1.0, 1.0, 1.0, 1.0]
    placed = _label_positions(ends, lambda v: 200 - 100 * v, 20, 220)
    ys = sorted(y for _, y in placed)
    assert all(b - a >= 13 - 1e-9 for a, b in itertools.pairwise(ys))
    assert 20 <= ys[0] and ys[-1] <= 220
    assert placed[3][0] is None and placed[3][1] == ys[-1]  # no finite value: last
    svg = line_chart([0, 1], [[0, v] for v in range(10)], labels=[f"y{i}" for i in range(10)])
    assert all(f">y{i}<" in svg for i in range(10))


def test_series_past_the_palette_differ_by_dashes_too() -> None:
    from widgets.render.charts import PALETTE, colour, dash

    assert len(set(PALETTE)) == len(PALETTE) >= 6
    seen = {(colour(i), dash(i)) for i in range(24)}
    assert len(seen) == 24


def test_a_card_reads_the_same_in_any_theme() -> None:
    from widgets.render.charts import card

    svg = card(line_chart([0, 1], [[0, 1]], title="t"))
    root = ET.fromstring(svg)
    first = root[0]
    assert first.tag.endswith("rect") and first.get("fill") == "#ffffff"
    assert root.get("color") == "#1f1f1f"
    assert card("<div>not svg</div>") == "<div>not svg</div>"


def test_chart_is_deterministic() -> None:
    args = ([0.0, 0.5, 1.0], [[0.1, 0.2, 0.3]])
    assert line_chart(*args) == line_chart(*args)


def test_log_axis_labels_decades_and_drops_non_positive_values() -> None:
    from widgets.render.charts import line_chart

    svg = line_chart([0, 1, 2, 3], [[1e-6, 1e-3, 0.0, 1.0]], log_y=True)
    assert ">1e-06<" in svg and ">1<" in svg
    assert svg.count("<polyline") == 2  # the zero breaks the line


def test_histogram_draws_one_bar_per_non_empty_bin_a_legend_and_a_count_axis() -> None:
    from widgets.render.charts import histogram_chart, sparkline_bars

    svg = histogram_chart([0, 1, 2, 3], [[2, 0, 5], [1, 1, 1]], labels=["w", "grad"],
                          title="values")
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    bars = [r for g in root.findall(f"{ns}g") for r in g.findall(f"{ns}rect")]
    assert len(bars) == 2 + 3 and ">grad<" in svg and ">values<" in svg
    texts = [t.text for t in root.iter(f"{ns}text")]
    assert "count" in texts
    assert {"0", "2", "4"} <= set(texts)  # y ticks between 0 and the peak, not just the ends
    assert sparkline_bars([0, 0]).count("<rect") == 0


def test_a_log_axis_spanning_less_than_a_decade_gets_round_ticks() -> None:
    svg = line_chart([0, 1, 2], [[0.15, 0.3, 0.9]], log_y=True)
    assert ">0.2<" in svg and ">0.5<" in svg
