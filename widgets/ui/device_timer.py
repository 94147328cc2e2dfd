"""DeviceTimer: what a matrix product costs on each device, the copies to and from it included."""

from __future__ import annotations

import html
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import ipywidgets as ipw
import torch

from ..core.checks import check_int, describe
from ..core.devices import (
    MAX_MATRIX_SIZE,
    MAX_SIZES,
    MIN_MATRIX_SIZE,
    Clock,
    MatmulTiming,
    available_devices,
    check_budget,
    check_devices,
    check_matrix_size,
    check_matrix_sizes,
    default_devices,
    describe_device,
    time_matmuls,
)
from ..core.fields import Custom, Spec, setting
from ..render.charts import LineChartData, colour, dash, line_chart
from ..render.html import STYLE, message, table
from ..text import t
from .base import ChartViews, LiveWidget, drawing
from .controls import CheckboxSet, button, control_for

#: The sizes along the chart unless the reader picks others.
DEFAULT_SIZES = (64, 128, 256, 512, 1024)

#: A size as the sizes box takes it: the ASCII digits 0 to 9 only.
_DIGITS = re.compile(r"[0-9]+")


def parse_sizes(text: str) -> tuple[int, ...]:
    """Read the sizes typed in the chart-sizes box: whole numbers separated by commas or spaces.

    Only the digits 0 to 9 count: ``int`` alone would also read ``1_024`` and the
    digits of other scripts (``"١٢٨"``), which the box would then show differently.

    Example:
        >>> parse_sizes("64, 128 256")
        (64, 128, 256)
    """
    if not isinstance(text, str):
        raise TypeError(t("device_timer.sizes_text", got=describe(text)))
    tokens = [token for token in re.split(r"[,;\s]+", text.strip()) if token]
    if not all(_DIGITS.fullmatch(token) for token in tokens):
        raise ValueError(t("device_timer.sizes_numbers", got=repr(text)))
    return tuple(int(token) for token in tokens)


def milliseconds(seconds: float | None) -> str:
    """A time for the table: ``'0.0123 ms'``, ``'4.56 ms'``, ``'1,234 ms'``; None: no copy.

    Example:
        >>> milliseconds(0.00456), milliseconds(None)
        ('4.56 ms', 'no copy')
    """
    if seconds is None:
        return t("device_timer.no_copy")
    ms = seconds * 1e3
    return t("device_timer.ms", ms=f"{ms:,.0f}" if ms >= 1000 else f"{ms:.3g}")


def log_size_data(timings: Sequence[MatmulTiming],
                  devices: Sequence[torch.device]) -> LineChartData:
    """What the chart shows: milliseconds per call against n, both axes logarithmic.

    Each device gets a line for the product (the CPU's says it ran on one
    thread); a device other than the CPU gets a second one for its two copies
    together (NaN where a size was not measured). A dot marks every measured size.

    Example:
        >>> chart = log_size_data([MatmulTiming(torch.device("cpu"), 64, None, 1e-4, None),
        ...                        MatmulTiming(torch.device("cpu"), 256, None, 1e-3, None)],
        ...                       [torch.device("cpu")])
        >>> chart.x, chart.series, chart.log_x and chart.log_y
        ((64.0, 256.0), ((0.1, 1.0),), True)
    """
    sizes = sorted({t.size for t in timings})
    by_key = {(t.device, t.size): t for t in timings}
    series, labels = [], []
    for device in devices:
        rows = [by_key.get((device, n)) for n in sizes]
        series.append([r.matmul_s * 1e3 if r else math.nan for r in rows])
        labels.append(t("device_timer.product_line_cpu" if device.type == "cpu"
                        else "device_timer.product_line", device=device))
        if device.type != "cpu":
            series.append([r.copies_s * 1e3 if r and r.copies_s else math.nan for r in rows])
            labels.append(t("device_timer.copies_line", device=device))
    return LineChartData(sizes, series, labels=labels, markers=sizes, log_x=True, log_y=True,
                         title=t("device_timer.chart_title"), x_label=t("device_timer.x_label"),
                         y_label=t("device_timer.y_label"), width=440, height=260)


def log_size_svg(chart: LineChartData) -> str:
    """The chart drawn from ``chart`` (see :func:`log_size_data`), its legend beside it."""
    x, series = chart.x, chart.series
    if len(x) == 1:  # one size: a dot needs two equal points to sit between
        x, series = x * 2, [ys * 2 for ys in series]
    svg = line_chart(x, series, markers=chart.markers, log_x=chart.log_x, log_y=chart.log_y,
                     title=chart.title, x_label=chart.x_label, y_label=chart.y_label,
                     width=chart.width, height=chart.height)
    legend = "".join(
        f'<div><svg width="24" height="10" aria-hidden="true"><line x1="0" y1="5" x2="24" '
        f'y2="5" stroke="{colour(i)}" stroke-width="3"{dash(i)}/></svg> {html.escape(label)}'
        "</div>" for i, label in enumerate(chart.labels))
    return ('<div style="display:flex;flex-wrap:wrap;align-items:center;gap:12px;'
            f'font-size:12px">{svg}<div>{legend}</div></div>')


def log_size_chart(timings: Sequence[MatmulTiming], devices: Sequence[torch.device]) -> str:
    """Milliseconds per call against n, both axes logarithmic, with a legend beside it
    (:func:`log_size_svg` of :func:`log_size_data`).

    Example:
        >>> chart = log_size_chart([MatmulTiming(torch.device("cpu"), 64, None, 1e-4, None),
        ...                         MatmulTiming(torch.device("cpu"), 256, None, 1e-3, None)],
        ...                        [torch.device("cpu")])
        >>> ">64</text>" in chart and ">256</text>" in chart and "cpu, 1 thread: A @ B" in chart
        True
    """
    return log_size_svg(log_size_data(timings, devices))


@dataclass(frozen=True)
class TimerSettings(Spec):
    """What a :class:`DeviceTimer` times: one size for the table, sizes for the chart, devices."""

    TEXT = "device_timer"

    size: int = setting(Custom(check_matrix_size, control="int"), 512)
    sizes: tuple[int, ...] = setting(Custom(check_matrix_sizes), DEFAULT_SIZES)
    devices: tuple[torch.device, ...] = setting(Custom(check_devices), (torch.device("cpu"),))

    def __post_init__(self) -> None:
        """Check each field, then that ``size`` and ``sizes`` fit on one chart together.

        The chart shows ``size`` beside ``sizes``, so together they may hold at
        most :data:`~widgets.core.devices.MAX_SIZES` different sizes. When they do
        not, the message names ``size`` (the one size a change most often adds);
        :meth:`replace` names ``sizes`` instead when only ``sizes`` changed.
        """
        super().__post_init__()
        if len({*self.sizes, self.size}) > MAX_SIZES:
            raise _too_many_sizes("size", self.size, self.sizes)

    def replace(self, **changes: object) -> TimerSettings:
        """A copy with ``changes``, checked again; a miss names the field that changed."""
        try:
            return super().replace(**changes)
        except ValueError as error:
            if getattr(error, "too_many_sizes", False) and "size" not in changes:
                sizes = check_matrix_sizes("sizes", changes["sizes"])
                raise _too_many_sizes("sizes", self.size, sizes) from None
            raise


def _too_many_sizes(field: str, size: int, sizes: tuple[int, ...]) -> ValueError:
    """The error for a ``size`` and ``sizes`` that would put too many sizes on the chart,
    worded for ``field``, the one that changed."""
    listed = ", ".join(map(str, sizes))
    if field == "size":
        text = t("device_timer.size_not_charted", field=field, size=size, sizes=listed,
                 most=MAX_SIZES)
    else:
        text = t("device_timer.sizes_crowd_size", field=field, size=size, sizes=listed,
                 count=len({*sizes, size}), most=MAX_SIZES, others=MAX_SIZES - 1)
    error = ValueError(text)
    error.too_many_sizes = True  # type: ignore[attr-defined]
    return error


class DeviceTimer(ChartViews, LiveWidget):
    """Time a matrix product on each device, and the copies it needs, for any matrix size.

    For every device it copies two random ``n x n`` matrices from the CPU to the
    device, multiplies them there (``A @ B``), and copies the product back,
    timing each step with :func:`~widgets.timing` (the device is
    synchronized around every call). The table shows the three times at
    ``size``; the chart shows them for every size in ``sizes`` and ``size``.
    On the CPU nothing is copied, and the product runs on one thread, timed
    by that thread's CPU time (see :func:`~widgets.core.devices.time_matmul`).

    Making the widget measures nothing; :meth:`measure`, the "measure" button,
    and every later change of ``size``, ``sizes`` or ``devices`` do. Each timed
    step makes one warm-up call, then takes the median of 3 to ``max_repeats``
    calls, as many as ``budget_s`` allows for the three steps at one size (a
    product that alone takes a third of it is timed once).

    ``figure()`` gives the chart as a matplotlib figure of the same numbers
    (both axes logarithmic), and ``chart_data()`` the numbers themselves; until
    something is measured there is no chart, and both raise ``ValueError``.

    Args:
        size: n of the matrices in the table, 64 to 4096.
        sizes: n along the chart: 1 to 8 sizes from 64 to 4096; with ``size``
            among them or beside them, at most 8 different sizes in all.
        devices: the devices to compare, each one this machine has; by default
            the CPU, and ``try_gpu()`` when that is a different device.
        budget_s: seconds the three steps at one size on one device aim to stay
            within, 0.001 to 60.
        max_repeats: most timed calls per step, 1 to 100.
        clock: what reads the time; unless given, the CPU time of the thread
            on the CPU and ``time.perf_counter`` elsewhere (tests pass a clock
            of their own to know every time it reads).

    Example:
        >>> timer = DeviceTimer(size=64, sizes=(64,), devices=["cpu"], max_repeats=1)
        >>> timer.measure()
        >>> [(describe_device(t.device), t.size, t.to_device_s) for t in timer.table]
        [('the CPU', 64, None)]
        >>> timer.figure().axes[0].get_xscale(), timer.chart_data()[0].x
        ('log', (64.0,))
    """

    SPEC = TimerSettings
    STATE = ("size", "sizes", "devices")
    #: The one chart: time per call against n (there once something is measured).
    CHARTS = ("chart",)

    def __init__(self, size: int = 512, sizes: Sequence[int] = DEFAULT_SIZES,
                 devices: Sequence[torch.device | str] | None = None, *,
                 budget_s: float = 0.2, max_repeats: int = 5, clock: Clock | None = None) -> None:
        spec = TimerSettings(size, sizes, default_devices() if devices is None else devices)
        self._budget_s = check_budget(budget_s)
        self._max_repeats = check_int("max_repeats", max_repeats, 1, 100)
        self._clock = clock
        super().__init__()
        self._results: tuple[MatmulTiming, ...] = ()
        self._measured_size: int | None = None
        self._measure_next = False
        self._build_controls()
        self._start(spec)

    # -- state ------------------------------------------------------------------------

    @property
    def results(self) -> tuple[MatmulTiming, ...]:
        """Every timing of the last measurement: device by device, small sizes first."""
        return self._results

    @property
    def table(self) -> tuple[MatmulTiming, ...]:
        """The timings the table shows: one per device, at the size last measured."""
        return tuple(t for t in self._results if t.size == self._measured_size)

    @property
    def chart_sizes(self) -> tuple[int, ...]:
        """The sizes a measurement times: ``sizes`` and ``size``, sorted."""
        return tuple(sorted({*self.sizes, self.size}))

    def configure(self, **state: object) -> None:
        """Set several of ``size``, ``sizes``, ``devices`` at once; one measurement follows.

        All values are checked together; if one is invalid nothing changes.
        """
        super().configure(**state)

    def measure(self) -> None:
        """Time every device at every chart size now, then show the results.

        Returns nothing: the numbers are in :attr:`results` and :attr:`table`.
        """
        self._measure_next = True
        try:
            self.refresh()
        finally:
            self._measure_next = False

    def _apply(self, changes: Mapping[str, object], alone: bool = False) -> None:
        self._measure_next = True  # a change of size, sizes or devices measures again
        try:
            super()._apply(changes, alone)
        finally:
            self._measure_next = False

    def _measure(self, spec: TimerSettings) -> tuple[MatmulTiming, ...]:
        sizes = tuple(sorted({*spec.sizes, spec.size}))
        self.show_message(t("device_timer.measuring", devices=", ".join(map(str, spec.devices)),
                            sizes=", ".join(map(str, sizes))), kind="info")
        self._controls["measure"].disabled = True
        try:
            with drawing():
                return time_matmuls(sizes, spec.devices, budget_s=self._budget_s,
                                    max_repeats=self._max_repeats, clock=self._clock)
        finally:
            self._controls["measure"].disabled = False

    # -- controls ---------------------------------------------------------------------

    def _build_controls(self) -> None:
        size = self.bind(control_for(TimerSettings, "size", width="170px", label_width="70px"),
                         "size")
        sizes = self.bind(
            control_for(TimerSettings, "sizes", width="300px", label_width="70px",
                        placeholder="64, 256, 1024"), "sizes",
            read=lambda: ", ".join(map(str, self.sizes)),
            write=lambda text: self.configure(sizes=parse_sizes(text)))
        devices = self.bind(CheckboxSet({d: describe_device(d) for d in available_devices()}),
                            "devices")
        measure = button(t("device_timer.measure"), "", t("device_timer.measure_tip"),
                         lambda: self._apply_from_controls(self.measure))
        views = {"header": ipw.HTML(t("device_timer.header", low=MIN_MATRIX_SIZE,
                                      high=MAX_MATRIX_SIZE, most=MAX_SIZES)),
                 "table": ipw.HTML(), "chart": ipw.HTML()}
        self._expose(controls={"measure": measure}, views=views)
        devices_row = ipw.HBox([ipw.Label(t("device_timer.devices_row"),
                                          layout=ipw.Layout(width="70px")), devices])
        controls = ipw.HBox([ipw.VBox([size, sizes, devices_row]), measure],
                            layout=ipw.Layout(align_items="flex-start", flex_flow="row wrap"))
        self._lay_out(views["header"], controls, self._message, views["table"], views["chart"])

    def _apply_from_controls(self, action: Callable[[], object],
                             note: Callable[[], str] | None = None, failed: str = "") -> bool:
        # a RuntimeError from a control means measuring failed, e.g. the GPU ran out of memory
        return super()._apply_from_controls(action, note, failed or t("device_timer.failed"))

    # -- view -------------------------------------------------------------------------

    def _prepare(self, spec: TimerSettings) -> tuple[tuple[MatmulTiming, ...], int | None,
                                                     dict[str, str], tuple[LineChartData, ...]]:
        results, measured_size = self._results, self._measured_size
        if self._measure_next:
            results, measured_size = self._measure(spec), spec.size
        if not results:
            return results, measured_size, {
                "table": STYLE + message(t("device_timer.nothing_yet"), "info"), "chart": ""}, ()
        shown = [r for r in results if r.size == measured_size]
        rows = [(str(r.device), describe_device(r.device), f"{r.size}",
                 milliseconds(r.to_device_s), milliseconds(r.matmul_s), milliseconds(r.to_cpu_s),
                 milliseconds(r.total_s), f"{r.gflops:,.1f}") for r in shown]
        header = tuple(t(f"device_timer.column.{key}") for key in (
            "device", "kind", "n", "to_device", "product", "back", "total", "gflops"))
        measured = tuple(dict.fromkeys(r.device for r in results))
        with drawing():
            chart = log_size_data(results, measured)
            views = {"table": STYLE + table(header, rows, left_columns=2),
                     "chart": log_size_svg(chart)}
        return results, measured_size, views, (chart,)

    def _show(self, content: tuple[tuple[MatmulTiming, ...], int | None,
                                   dict[str, str], tuple[LineChartData, ...]]) -> None:
        measured = self._results is not content[0]
        self._results, self._measured_size, views, charts = content
        for name, value in views.items():
            self._views[name].value = value
        self._keep_charts({"chart": charts})
        if measured:
            self.show_message("")

    def _no_chart_note(self, which: str) -> str:
        return t("device_timer.no_chart_note")

    def __repr__(self) -> str:
        devices = (t("device_timer.default_devices") if self.devices == default_devices()
                   else repr(tuple(str(d) for d in self.devices)))
        return f"DeviceTimer(size={self.size}, sizes={self.sizes}, devices={devices})"

