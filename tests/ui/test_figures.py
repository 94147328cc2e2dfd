"""Every chart a widget draws, as a matplotlib figure of the same data.

Each widget that shows charts names them in ``CHARTS`` and answers
``chart_data(which)`` (the chart-data objects its SVG is drawn from) and
``figure(which)`` (those objects drawn with matplotlib). For every chart these
tests build the widget headless, check that the view shows what the chart data
says (the SVG is drawn from it, or its PNG holds the same pixels), and that the
figure holds the same numbers: each line's points, each bar's height, the
image's pixels, with the same axis titles and scales, on an opaque background.
"""

from __future__ import annotations

import base64
import gc
import io
import re
import subprocess
import sys
import weakref
import zlib
from collections.abc import Callable, Iterator, Sequence

import numpy as np
import pytest
import torch
from matplotlib.colors import to_hex, to_rgba
from matplotlib.figure import Figure
from torch import nn

from widgets import DeviceTimer, InitExplorer, MLPExplorer, ParameterInspector, Playground
from widgets.core.devices import MatmulTiming
from widgets.playground.pictures import loss_picture
from widgets.render.charts import CARD_BACKGROUND, HistogramData, LineChartData
from widgets.render.heatmap import HeatmapData
from widgets.text import catalogue, speaking
from widgets.ui import device_timer
from widgets.ui.base import LiveWidget

# -- reading a figure back --------------------------------------------------------------------


def series_lines(fig: Figure, axes: int = 0) -> list:
    """The figure's curves (gid "series"), without the lines of dots."""
    return [line for line in fig.axes[axes].get_lines() if line.get_gid() == "series"]


def assert_same_lines(fig: Figure, chart: LineChartData, axes: int = 0) -> None:
    """The figure's axes hold the chart: each curve's points, colour, label, the axis titles
    and scales, and the dots where the chart has markers."""
    ax = fig.axes[axes]
    lines = series_lines(fig, axes)
    assert len(lines) == len(chart.series)
    for i, (line, ys) in enumerate(zip(lines, chart.series)):
        np.testing.assert_array_equal(line.get_xdata(), chart.x)
        np.testing.assert_array_equal(line.get_ydata(), ys)
        assert to_hex(line.get_color()) == chart.colour(i).lower()
    assert ax.get_title() == chart.title
    assert (ax.get_xlabel(), ax.get_ylabel()) == (chart.x_label, chart.y_label)
    assert ax.get_xscale() == ("log" if chart.log_x else "linear")
    assert ax.get_yscale() == ("log" if chart.log_y else "linear")
    if chart.labels:
        assert [t.get_text() for t in ax.get_legend().get_texts()] == list(chart.labels)
    dots = [line.get_xydata().tolist() for line in ax.get_lines() if line.get_gid() == "markers"]
    assert dots == [[list(p) for p in chart.marker_points(i)]
                    for i in range(len(chart.series)) if chart.marker_points(i)]


def assert_same_bars(fig: Figure, charts: Sequence[HistogramData]) -> None:
    """One axes per histogram, each bar as high and as wide as the chart's bins."""
    assert len(fig.axes) == len(charts)
    for ax, chart in zip(fig.axes, charts):
        assert len(ax.containers) == len(chart.counts)
        for container, counts in zip(ax.containers, chart.counts):
            assert [float(p.get_height()) for p in container.patches] == list(counts)
            np.testing.assert_allclose([p.get_x() for p in container.patches], chart.edges[:-1])
        assert (ax.get_title(), ax.get_xlabel(), ax.get_ylabel()) == (
            chart.title, chart.x_label, chart.y_label)


def assert_same_heatmap(fig: Figure, chart: HeatmapData) -> None:
    """The pixels, the plane they cover, every point, and the axis titles."""
    ax = fig.axes[0]
    image = ax.get_images()[0]
    np.testing.assert_array_equal(image.get_array(), chart.rgb)
    assert tuple(image.get_extent()) == chart.extent
    assert image.get_interpolation() == ("bilinear" if chart.smooth else "nearest")
    drawn = [p for p in chart.points if len(p.xy)]
    assert len(ax.collections) == len(drawn)
    for scatter, points in zip(ax.collections, drawn):
        np.testing.assert_array_equal(scatter.get_offsets(), points.xy)
        assert [to_hex(c) for c in scatter.get_facecolors()] == list(points.colours)
    assert (ax.get_title(), ax.get_xlabel(), ax.get_ylabel()) == (
        chart.title, chart.x_label, chart.y_label)


def assert_opaque(fig: Figure) -> None:
    """A white card: the figure and every axes fully opaque."""
    assert to_rgba(fig.get_facecolor()) == to_rgba(CARD_BACKGROUND)
    for ax in fig.axes:
        assert to_rgba(ax.get_facecolor())[3] == 1.0


def pixels(svg: str) -> np.ndarray:
    """The first PNG in ``svg`` (written unfiltered by png_bytes) as ``(H, W, 3)`` pixels."""
    data = base64.b64decode(re.search(r"base64,([^\"]+)", svg)[1])
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    raw = zlib.decompress(data[data.index(b"IDAT") + 4:data.index(b"IEND") - 8])
    rows = np.frombuffer(raw, dtype=np.uint8).reshape(height, 1 + 3 * width)
    return rows[:, 1:].reshape(height, width, 3)


# -- the widgets ------------------------------------------------------------------------------

CPU = torch.device("cpu")
CUDA0 = torch.device("cuda", 0)


def fake_timings(sizes: Sequence[int], devices: Sequence[torch.device], *, budget_s: float,
                 max_repeats: int, clock: object = None) -> tuple[MatmulTiming, ...]:
    """Stands in for time_matmuls: made-up timings that grow with n."""
    return tuple(MatmulTiming(d, n, None if d.type == "cpu" else 1e-7 * n,
                              2 * n ** 3 / (1e10 if d.type == "cpu" else 1e12),
                              None if d.type == "cpu" else 2e-7 * n)
                 for d in devices for n in sizes)


@pytest.fixture
def fake_gpu(monkeypatch: pytest.MonkeyPatch) -> None:
    """One made-up GPU, and timings made up at once."""
    monkeypatch.setattr(device_timer, "time_matmuls", fake_timings)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)


def small_net() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))


#: Each widget with charts, made small and drawn: (its name, how to make it, its charts).
WIDGETS: dict[str, tuple[Callable[[], LiveWidget], tuple[str, ...]]] = {
    "MLPExplorer": (lambda: MLPExplorer(hidden_sizes=(8,), activations="tanh"), ("plot",)),
    "InitExplorer": (lambda: InitExplorer(depth=6, width=16, batch_size=32),
                     ("std_chart", "mean_chart", "histograms")),
    "ParameterInspector": (lambda: _inspected(), ("detail",)),
    "DeviceTimer": (lambda: _measured(), ("chart",)),
    "Playground": (lambda: _trained(), ("output", "loss_chart")),
}


def _inspected() -> ParameterInspector:
    inspector = ParameterInspector(small_net(), X=torch.ones(2, 4))
    inspector.backward()
    return inspector


def _measured() -> DeviceTimer:
    timer = DeviceTimer(size=64, sizes=(64, 256), devices=["cpu"], max_repeats=1,
                        budget_s=0.001)
    timer.measure()
    return timer


def _trained() -> Playground:
    playground = Playground(dataset="xor", hidden_sizes=(4,), show_test_data=True)
    playground.step(3)
    return playground


@pytest.fixture(params=[(name, which) for name, (_, charts) in WIDGETS.items()
                        for which in charts], ids=lambda p: f"{p[0]}-{p[1]}")
def shown(request: pytest.FixtureRequest) -> Iterator[tuple[LiveWidget, str]]:
    name, which = request.param
    widget = WIDGETS[name][0]()
    yield widget, which
    widget.close()


def test_every_chart_has_a_figure_of_its_data(shown: tuple[LiveWidget, str]) -> None:
    widget, which = shown
    charts = widget.chart_data(which)
    fig = widget.figure(which)
    assert isinstance(fig, Figure)
    lines = [c for c in charts if isinstance(c, LineChartData)]
    if lines:
        assert len(charts) == 1
        assert_same_lines(fig, lines[0])
    elif isinstance(charts[0], HistogramData):
        assert_same_bars(fig, charts)
    else:
        assert len(charts) == 1
        assert_same_heatmap(fig, charts[0])
    assert_opaque(fig)


def test_every_figure_saves_as_png_and_svg(shown: tuple[LiveWidget, str]) -> None:
    widget, which = shown
    fig = widget.figure(which)
    png, svg = io.BytesIO(), io.BytesIO()
    fig.savefig(png, format="png")
    fig.savefig(svg, format="svg")
    assert png.getvalue().startswith(b"\x89PNG\r\n\x1a\n") and len(png.getvalue()) > 2000
    assert b"<svg" in svg.getvalue()


def test_the_default_chart_is_the_first_and_a_bad_which_is_refused() -> None:
    for name, (make, charts) in WIDGETS.items():
        widget = make()
        assert type(widget).CHARTS == charts, name
        assert widget.chart_data() == widget.chart_data(charts[0])
        with pytest.raises(ValueError) as refused:
            widget.figure("network")
        message = str(refused.value)
        assert message.startswith("which must be one of ") and message.endswith("got 'network'")
        assert all(repr(c) in message for c in charts), message
        with pytest.raises(ValueError, match="which must be one of"):
            widget.chart_data(3)  # type: ignore[arg-type]
        widget.close()


# -- each widget: the chart data is what the view shows, and the widget's numbers -------------


def test_mlp_explorer_plot_is_the_response_along_the_line() -> None:
    explorer = MLPExplorer(hidden_sizes=(8,), activations="tanh")
    (chart,) = explorer.chart_data("plot")
    assert chart.svg() == explorer.views["plot"].value  # the SVG is drawn from it
    X, net = explorer.X, explorer.net
    t = torch.tensor(chart.x)
    with torch.no_grad():
        along = net(X[0] + t[:, None] * (X[1] - X[0]))
    np.testing.assert_allclose(np.array(chart.series).T, along.numpy(), rtol=1e-4, atol=1e-5)
    assert chart.markers == (0.0, 1.0) and chart.labels == tuple(f"y{j}" for j in range(10))
    explorer.configure(hidden_sizes=(4, 4), activations="relu")  # the figure follows
    (after,) = explorer.chart_data()
    assert after != chart and after.svg() == explorer.views["plot"].value
    assert_same_lines(explorer.figure(), after)
    explorer.close()


def test_mlp_explorer_figure_shows_at_most_ten_outputs_and_speaks_the_notebooks_language() -> None:
    with speaking("zh"):
        explorer = MLPExplorer(out_features=12, hidden_sizes=(4,))
        fig = explorer.figure()
    (chart,) = explorer.chart_data()
    assert len(series_lines(fig)) == 10
    assert fig.axes[0].get_ylabel() == catalogue("zh")["mlp_explorer.y_label"]
    assert "10" in chart.title and "12" in chart.title
    explorer.close()


def test_init_explorer_charts_are_its_statistics() -> None:
    explorer = InitExplorer(depth=6, width=16, batch_size=32)
    stats = explorer.stats
    (std,) = explorer.chart_data("std_chart")
    assert std.series == (tuple(stats.activation_std), tuple(stats.gradient_std))
    assert std.x == (1.0, 2.0, 3.0, 4.0, 5.0, 6.0) and std.log_y
    assert std.svg() == explorer.views["std_chart"].value
    (mean,) = explorer.chart_data("mean_chart")
    ratio = np.array(mean.series[0]) / np.array(stats.activation_mean)
    np.testing.assert_allclose(ratio, ratio[0])  # in readable units: scaled by a power of ten
    assert mean.svg() == explorer.views["mean_chart"].value
    histograms = explorer.chart_data("histograms")
    assert [h.counts[0] for h in histograms] == [tuple(map(float, h.counts))
                                                 for h in stats.histograms]
    assert "".join(h.svg() for h in histograms) in explorer.views["histograms"].value
    explorer.selected_layer = 3  # the dot moves, and a histogram for layer 3 comes in
    (std,) = explorer.chart_data()
    assert std.markers == (3.0,)
    assert_same_lines(explorer.figure(), std)
    titles = [ax.get_title() for ax in explorer.figure("histograms").axes]
    assert titles == [h.title for h in explorer.chart_data("histograms")]
    assert "layer 3 (selected)" in titles
    explorer.close()


def test_parameter_inspector_detail_is_the_selected_parameters_histograms() -> None:
    inspector = ParameterInspector(small_net(), X=torch.ones(2, 4))
    (values,) = inspector.chart_data()  # no gradient yet: one chart
    info = inspector.info("0.weight")
    assert values.counts == (tuple(map(float, info.histogram.counts)),)
    assert values.edges == info.histogram.edges
    assert values.svg() in inspector.views["detail"].value
    assert len(inspector.figure().axes) == 1
    inspector.backward()
    inspector.selected = "2.bias"
    charts = inspector.chart_data("detail")
    info = inspector.info("2.bias")
    assert [c.counts[0] for c in charts] == [tuple(map(float, info.histogram.counts)),
                                             tuple(map(float, info.grad_histogram.counts))]
    assert all(c.svg() in inspector.views["detail"].value for c in charts)
    assert_same_bars(inspector.figure(), charts)
    inspector.close()


def test_parameter_inspector_without_values_has_no_figure() -> None:
    inspector = ParameterInspector(nn.Sequential(nn.LazyLinear(3)))
    with pytest.raises(ValueError, match="'detail' shows no chart now"):
        inspector.figure()
    inspector.close()


def test_device_timer_chart_is_its_measurements(fake_gpu: None) -> None:
    timer = DeviceTimer(size=64, sizes=(64, 128, 512), devices=["cpu", "cuda:0"])
    with pytest.raises(ValueError, match="nothing is measured yet"):
        timer.figure()
    timer.measure()
    (chart,) = timer.chart_data()
    assert chart.x == (64.0, 128.0, 512.0) and chart.markers == chart.x
    by_key = {(r.device, r.size): r for r in timer.results}
    assert chart.series == (
        tuple(by_key[CPU, n].matmul_s * 1e3 for n in (64, 128, 512)),
        tuple(by_key[CUDA0, n].matmul_s * 1e3 for n in (64, 128, 512)),
        tuple(by_key[CUDA0, n].copies_s * 1e3 for n in (64, 128, 512)))
    assert device_timer.log_size_svg(chart) == timer.views["chart"].value
    fig = timer.figure()
    assert_same_lines(fig, chart)
    assert fig.axes[0].xaxis.get_transform().base == 2
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["64", "128", "512"]
    timer.close()


def test_playground_output_is_the_pictures_pixels_and_points() -> None:
    playground = _trained()
    (output,) = playground.chart_data("output")
    np.testing.assert_array_equal(output.rgb, pixels(playground.views["output"].value))
    data = playground.data  # the points: training points ringed white, test points dark
    train, test = output.points
    np.testing.assert_array_equal(train.xy, data["X_train"].numpy())
    np.testing.assert_array_equal(test.xy, data["X_test"].numpy())
    assert (train.outline, test.outline) == ("#fff", "#222")
    assert output.legend == "scale" and output.smooth and output.title == ""
    fig = playground.figure()
    assert_same_heatmap(fig, output)
    assert fig.axes[1].get_ylabel() == output.caption  # the colour bar says what colours mean
    playground.step(2)  # a new frame: new pixels
    (later,) = playground.chart_data()
    assert not np.array_equal(later.rgb, output.rgb)
    np.testing.assert_array_equal(later.rgb, pixels(playground.views["output"].value))
    playground.discretize = True
    playground.point_at(1, 2)  # the unit pointed at, coloured by sign
    (pointed,) = playground.chart_data()
    np.testing.assert_array_equal(pointed.rgb, pixels(playground.views["output"].value))
    assert pointed.title == f"showing {playground.pointed}" and not pointed.smooth
    assert pointed.legend == "signs"
    fig = playground.figure()
    assert_same_heatmap(fig, pointed)
    legend = fig.axes[0].get_legend()
    assert [t.get_text() for t in legend.get_texts()] == [s[0] for s in pointed.swatches]
    playground.close()


def test_playground_output_of_classes_has_a_swatch_per_class() -> None:
    playground = Playground(dataset="blobs")
    (output,) = playground.chart_data()
    assert output.legend == "classes" and len(output.swatches) == playground.settings.outputs
    np.testing.assert_array_equal(output.rgb, pixels(playground.views["output"].value))
    fig = playground.figure()
    assert_same_heatmap(fig, output)
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == [
        label for label, _ in output.swatches]
    playground.close()


def test_playground_loss_chart_holds_every_epoch() -> None:
    playground = _trained()
    (losses,) = playground.chart_data("loss_chart")
    history = playground.history
    assert losses.series == (tuple(history["train"]), tuple(history["test"]))
    assert losses.x == (0.0, 1.0, 2.0, 3.0) and losses.y_from_zero
    assert loss_picture(losses) == playground.views["loss_chart"].value
    fig = playground.figure("loss_chart")
    assert_same_lines(fig, losses)
    assert fig.axes[0].get_ylim()[0] == 0.0
    assert [line.get_linestyle() for line in series_lines(fig)] == ["-", "--"]
    playground.close()


# -- figures cost nothing until asked for, and are freed --------------------------------------


def test_importing_and_using_the_widgets_does_not_load_matplotlib() -> None:
    code = ("import sys, torch, widgets\n"
            "explorer = widgets.MLPExplorer(hidden_sizes=(4,))\n"
            "explorer.configure(hidden_sizes=(8,))\n"
            "widgets.InitExplorer(depth=3, width=8, batch_size=8)\n"
            "widgets.ParameterInspector(torch.nn.Linear(2, 2))\n"
            "widgets.Playground().step(1)\n"
            "print('matplotlib' in sys.modules)\n"
            "explorer.figure()\n"
            "print('matplotlib' in sys.modules, 'matplotlib.pyplot' in sys.modules)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.split() == ["False", "True", "False"]


def test_a_figure_nobody_holds_is_freed() -> None:
    explorer = MLPExplorer(hidden_sizes=(4,))
    held = weakref.ref(explorer.figure())
    gc.collect()
    assert held() is None  # no pyplot: nothing keeps a figure per call
    explorer.close()
