"""The SVG line chart: ticks, ranges, broken lines, escaping."""

from __future__ import annotations

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
    assert len(root.findall(f"{ns}polyline")) == 3  # the NaN splits the first curve
    texts = [t.text for t in root.findall(f"{ns}text")]
    assert "a<b" in texts and "T & U" in texts
    assert len(root.findall(f"{ns}circle")) == 1  # no dot where the curve is broken


def test_chart_is_deterministic() -> None:
    args = ([0.0, 0.5, 1.0], [[0.1, 0.2, 0.3]])
    assert line_chart(*args) == line_chart(*args)


def test_log_axis_labels_decades_and_drops_non_positive_values() -> None:
    from widgets.render.charts import line_chart

    svg = line_chart([0, 1, 2, 3], [[1e-6, 1e-3, 0.0, 1.0]], log_y=True)
    assert ">1e-06<" in svg and ">1<" in svg
    assert svg.count("<polyline") == 2  # the zero breaks the line


def test_histogram_draws_one_bar_per_non_empty_bin_and_a_legend() -> None:
    from widgets.render.charts import histogram_chart, sparkline_bars

    svg = histogram_chart([0, 1, 2, 3], [[2, 0, 5], [1, 1, 1]], labels=["w", "grad"],
                          title="values")
    assert svg.count("<rect") == 1 + 2 + 3 and ">grad<" in svg and ">values<" in svg
    assert sparkline_bars([0, 0]).count("<rect") == 0
