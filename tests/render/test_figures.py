"""Chart data drawn as matplotlib figures: the same numbers, text, colours and scales.

``widgets.render.figures.figure`` draws the chart-data objects the SVG charts are
drawn from. These tests build chart data by hand and read the figure back: each
curve's points, each bar's height, each image's pixels; and they check that
making a figure leaves matplotlib's global state (pyplot, rcParams) alone.
"""

from __future__ import annotations

import io
import math
import subprocess
import sys
import warnings
from pathlib import Path

import matplotlib
import numpy as np
import pytest
from matplotlib.colors import to_hex, to_rgba
from matplotlib.figure import Figure

from widgets.render.charts import (
    CARD_BACKGROUND,
    HistogramData,
    LineChartData,
    colour,
    histogram_chart,
    line_chart,
)
from widgets.render.figures import figure
from widgets.render.heatmap import HeatmapData, PointsData, colour_map
from widgets.text import speaking


def series_lines(fig: Figure, axes: int = 0) -> list:
    return [line for line in fig.axes[axes].get_lines() if line.get_gid() == "series"]


def marker_lines(fig: Figure, axes: int = 0) -> list:
    return [line for line in fig.axes[axes].get_lines() if line.get_gid() == "markers"]


def assert_opaque(fig: Figure) -> None:
    assert to_rgba(fig.get_facecolor()) == to_rgba(CARD_BACKGROUND)
    for ax in fig.axes:
        assert to_rgba(ax.get_facecolor())[3] == 1.0


def test_chart_data_is_tuples_of_floats_and_compares_equal() -> None:
    chart = LineChartData(np.arange(3), [np.array([1, 2, 3])], labels=["a"])
    assert chart.x == (0.0, 1.0, 2.0) and chart.series == ((1.0, 2.0, 3.0),)
    assert all(type(v) is float for v in chart.x)
    assert chart == LineChartData([0, 1, 2], [[1, 2, 3]], labels=("a",))
    histogram = HistogramData([0, 1, 2], [[3, 1]])
    assert histogram.counts == ((3.0, 1.0),) and histogram.y_label == "count"
    with speaking("zh"):
        assert HistogramData([0, 1], [[1]]).y_label == "个数"


def test_the_svg_is_drawn_from_the_same_chart_data() -> None:
    chart = LineChartData([0, 1, 2], [[0, 1, 4], [1, 1, 1]], labels=["a", "b"], markers=[1],
                          title="T", x_label="x", y_label="y", log_y=True)
    assert chart.svg() == line_chart([0, 1, 2], [[0, 1, 4], [1, 1, 1]], labels=["a", "b"],
                                     markers=[1], title="T", x_label="x", y_label="y",
                                     log_y=True)
    histogram = HistogramData([0, 1, 2], [[3, 1]], title="H", x_label="v")
    assert histogram.svg() == histogram_chart([0, 1, 2], [[3, 1]], title="H", x_label="v")


def test_a_line_chart_keeps_every_number_label_colour_and_axis() -> None:
    chart = LineChartData([0, 1, 2, 3], [[0, 1, math.nan, 2], [1, 1, 1, 1]],
                          labels=["first", "second"], markers=[1.5], title="T & U",
                          x_label="t", y_label="output")
    fig = figure(chart)
    lines = series_lines(fig)
    assert len(lines) == 2
    for line, ys, i in zip(lines, chart.series, range(2)):
        np.testing.assert_array_equal(line.get_xdata(), chart.x)
        np.testing.assert_array_equal(line.get_ydata(), ys)  # NaN kept: the line breaks there
        assert to_hex(line.get_color()) == colour(i).lower()
    ax = fig.axes[0]
    assert (ax.get_title(), ax.get_xlabel(), ax.get_ylabel()) == ("T & U", "t", "output")
    assert ax.get_xscale() == ax.get_yscale() == "linear"
    assert [text.get_text() for text in ax.get_legend().get_texts()] == ["first", "second"]
    assert ax.get_xlim() == (0.0, 3.0)
    # the dots: none on the broken first curve at 1.5, one on the second, as the SVG draws
    assert [m.get_xydata().tolist() for m in marker_lines(fig)] == [[[1.5, 1.0]]]
    assert_opaque(fig)


def test_log_scales_and_dashes_follow_the_chart() -> None:
    chart = LineChartData([64, 128, 256], [[0.1, 1.0, 10.0], [0.0, 2.0, 20.0]],
                          labels=["a", "b"], markers=[64, 128, 256], log_x=True, log_y=True,
                          dashes=("", "5 3"))
    fig = figure(chart)
    ax = fig.axes[0]
    assert ax.get_xscale() == ax.get_yscale() == "log"
    assert ax.xaxis.get_transform().base == 2 and ax.yaxis.get_transform().base == 10
    assert [tick.get_text() for tick in ax.get_xticklabels()] == ["64", "128", "256"]
    solid, dashed = series_lines(fig)
    assert solid.get_linestyle() == "-" and dashed.get_linestyle() == "--"
    np.testing.assert_array_equal(dashed.get_ydata(), [0.0, 2.0, 20.0])  # 0 masked, not moved
    # dots at every size; on the log axis the 0 has none, as in the SVG
    assert [len(m.get_xdata()) for m in marker_lines(fig)] == [3, 2]
    np.testing.assert_allclose(marker_lines(fig)[0].get_ydata(), [0.1, 1.0, 10.0])


def test_a_chart_from_zero_and_one_without_labels() -> None:
    fig = figure(LineChartData([0, 1], [[2.0, 3.0]], y_from_zero=True))
    assert fig.axes[0].get_ylim()[0] == 0.0 and fig.axes[0].get_legend() is None


def test_a_histogram_keeps_its_bars() -> None:
    chart = HistogramData([-1.0, 0.0, 0.5, 2.0], [[3, 0, 1], [1, 2, 2]], labels=["w", "grad"],
                          title="values", x_label="value")
    fig = figure(chart)
    ax = fig.axes[0]
    bars = [c for c in ax.containers]
    assert len(bars) == 2
    for container, counts, i in zip(bars, chart.counts, range(2)):
        assert [p.get_height() for p in container.patches] == list(counts)
        assert [p.get_x() for p in container.patches] == list(chart.edges[:-1])
        np.testing.assert_allclose([p.get_width() for p in container.patches],
                                   np.diff(chart.edges))
        assert to_hex(container.patches[0].get_facecolor(), keep_alpha=False) == colour(i).lower()
        assert container.patches[0].get_alpha() == chart.opacity(i)
    assert (ax.get_title(), ax.get_xlabel(), ax.get_ylabel()) == ("values", "value", "count")
    assert [text.get_text() for text in ax.get_legend().get_texts()] == ["w", "grad"]
    assert_opaque(fig)


def test_a_heatmap_keeps_its_pixels_points_and_legend() -> None:
    rgb = colour_map(np.linspace(-1, 1, 12).reshape(3, 4))
    points = PointsData(np.array([[0.0, 1.0], [2.0, -3.0]]), np.array([0, 1]),
                        ("#f59322", "#0877bd"), "#fff")
    chart = HeatmapData(rgb, (-6.0, 6.0, -6.0, 6.0), points=(points,), x_label="x1",
                        y_label="x2", caption="the colour scale")
    fig = figure(chart)
    ax = fig.axes[0]
    np.testing.assert_array_equal(ax.get_images()[0].get_array(), rgb)
    assert ax.get_images()[0].get_extent() == [-6.0, 6.0, -6.0, 6.0]
    scatter = ax.collections[0]
    np.testing.assert_array_equal(scatter.get_offsets(), points.xy)
    assert [to_hex(c) for c in scatter.get_facecolors()] == list(points.colours)
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("x1", "x2")
    assert len(fig.axes) == 2 and fig.axes[1].get_ylabel() == "the colour scale"  # colour bar
    assert fig.axes[1].get_ylim() == (-1.0, 1.0)
    assert_opaque(fig)
    swatches = HeatmapData(rgb, (-6.0, 6.0, -6.0, 6.0), smooth=False, legend="classes",
                           swatches=(("class 0", "#f59322"), ("class 1", "#0877bd")),
                           caption="classes", title="output")
    fig = figure(swatches)
    legend = fig.axes[0].get_legend()
    assert [t.get_text() for t in legend.get_texts()] == ["class 0", "class 1"]
    assert legend.get_title().get_text() == "classes" and len(fig.axes) == 1
    assert fig.axes[0].get_images()[0].get_interpolation() == "nearest"


def test_several_charts_share_a_figure_in_rows_of_at_most_three() -> None:
    histograms = [HistogramData([0, 1], [[i]], title=f"h{i}") for i in range(4)]
    fig = figure(*histograms)
    assert [ax.get_title() for ax in fig.axes] == ["h0", "h1", "h2", "h3"]
    rows = {round(ax.get_position().y0, 3) for ax in fig.axes}
    assert len(rows) == 2  # four: two rows of two
    assert len(figure(*histograms[:3]).axes) == 3


def test_a_figure_saves_as_png_and_svg() -> None:
    fig = figure(LineChartData([0, 1, 2], [[0, 1, 4]], labels=["y"], title="saved"),
                 HistogramData([0, 1, 2], [[3, 1]]))
    png, svg = io.BytesIO(), io.BytesIO()
    fig.savefig(png, format="png")
    fig.savefig(svg, format="svg")
    assert png.getvalue().startswith(b"\x89PNG\r\n\x1a\n")
    assert b"<svg" in svg.getvalue() and b"saved" in svg.getvalue()


def test_nothing_to_draw_and_not_a_chart_are_refused() -> None:
    with pytest.raises(ValueError, match="at least one chart"):
        figure()
    with pytest.raises(TypeError, match="LineChartData, HistogramData and HeatmapData, got str"):
        figure("<svg/>")  # type: ignore[arg-type]


def test_making_a_figure_leaves_matplotlib_global_state_alone() -> None:
    before = dict(matplotlib.rcParams)
    figure(LineChartData([0, 1], [[0, 1]], labels=["y"]))
    assert dict(matplotlib.rcParams) == before
    code = ("import sys; from widgets.render.figures import figure; "
            "from widgets.render.charts import LineChartData; "
            "print('matplotlib' in sys.modules); "
            "fig = figure(LineChartData([0, 1], [[0, 1]])); "
            "print('matplotlib' in sys.modules, 'matplotlib.pyplot' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.split() == ["False", "True", "False"]  # loaded late, never pyplot


def test_a_log_chart_with_nothing_positive_draws_without_warnings() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = figure(LineChartData([0, 1], [[0.0, math.nan]], log_y=True))
        fig.savefig(io.BytesIO(), format="png")
    assert fig.axes[0].get_ylim() == (0.1, 10.0)  # the SVG's empty range: 1 in the middle


NOTO_CJK = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")


@pytest.mark.skipif(not NOTO_CJK.exists(), reason="no Chinese font on this machine")
def test_chinese_text_falls_back_to_a_font_that_has_it() -> None:
    """In a fresh interpreter (adding a font changes matplotlib's global font list): with a
    Chinese font known to matplotlib, a Chinese figure draws with no glyph missing."""
    code = ("import io, warnings\n"
            "from matplotlib import font_manager\n"
            f"font_manager.fontManager.addfont({str(NOTO_CJK)!r})\n"
            "from widgets.render.charts import LineChartData\n"
            "from widgets.render.figures import figure\n"
            "from widgets.text import speaking\n"
            "with speaking('zh'):\n"
            "    fig = figure(LineChartData([0, 1], [[0, 1]], labels=['训练损失'], title='输出',"
            " x_label='轮次'))\n"
            "warnings.simplefilter('error')\n"
            "fig.savefig(io.BytesIO(), format='png')\n"
            "print(fig.axes[0].title.get_fontfamily()[-1].startswith('Noto Sans CJK'))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["True"]


def test_a_figure_shows_itself_in_a_notebook_without_pyplot() -> None:
    """IPython shows an object through its ``_repr_png_``: no pyplot import is needed."""
    fig = figure(HistogramData([0, 1, 2], [[3, 1]]))
    assert fig._repr_png_().startswith(b"\x89PNG\r\n\x1a\n")


def test_a_chart_of_one_point_shows_the_point_with_one_tick() -> None:
    """One layer, one size, epoch 0: a line through one point draws nothing, so a dot does."""
    fig = figure(LineChartData(x=(3.0,), series=((0.5,),), labels=("loss",)))
    (ax,) = fig.axes
    dots = [line for line in ax.get_lines() if line.get_gid() == "markers"]
    assert len(dots) == 1 and list(dots[0].get_xdata()) == [3.0]
    assert list(ax.get_xticks()) == [3.0] and ax.get_xlim() == (2.0, 4.0)
