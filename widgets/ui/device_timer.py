"""DeviceTimer: what a matrix product costs on each device, the copies to and from it included."""

from __future__ import annotations

import html
import math
import re
from collections.abc import Callable, Sequence

import ipywidgets as ipw
import torch
import traitlets

from ..core.checks import check_int, describe
from ..core.devices import (
    MAX_MATRIX_SIZE,
    MAX_SIZES,
    MIN_MATRIX_SIZE,
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
from ..render.charts import PALETTE, line_chart
from ..render.html import STYLE, message, table
from .base import Checked, LiveWidget

#: The sizes along the chart unless the reader picks others.
DEFAULT_SIZES = (64, 128, 256, 512, 1024)

#: A size as the sizes box takes it: the ASCII digits 0 to 9 only.
_DIGITS = re.compile(r"[0-9]+")

#: An x tick label of line_chart: the only centred text that is a plain number.
_X_TICK_LABEL = re.compile(
    r'(<text x="[\d.]+" y="[\d.]+" text-anchor="middle">)(-?\d+(?:\.\d+)?)(</text>)')


def parse_sizes(text: str) -> tuple[int, ...]:
    """Read the sizes typed in the chart-sizes box: whole numbers separated by commas or spaces.

    Only the digits 0 to 9 count: ``int`` alone would also read ``1_024`` and the
    digits of other scripts (``"١٢٨"``), which the box would then show differently.

    Example:
        >>> parse_sizes("64, 128 256")
        (64, 128, 256)
    """
    if not isinstance(text, str):
        raise TypeError(f"sizes must be typed as text, got {describe(text)}")
    tokens = [t for t in re.split(r"[,;\s]+", text.strip()) if t]
    if not all(_DIGITS.fullmatch(t) for t in tokens):
        raise ValueError(f"sizes must be whole numbers separated by commas, such as "
                         f"'64, 256, 1024', got {text!r}")
    return tuple(int(t) for t in tokens)


def milliseconds(seconds: float | None) -> str:
    """A time for the table: ``'0.0123 ms'``, ``'4.56 ms'``, ``'1,234 ms'``; None: no copy.

    Example:
        >>> milliseconds(0.00456), milliseconds(None)
        ('4.56 ms', 'no copy')
    """
    if seconds is None:
        return "no copy"
    ms = seconds * 1e3
    return f"{ms:,.0f} ms" if ms >= 1000 else f"{ms:.3g} ms"


def log_size_chart(timings: Sequence[MatmulTiming], devices: Sequence[torch.device]) -> str:
    """Milliseconds per call against n, both axes logarithmic, with a legend beside it.

    Each device gets a line for the product; a device other than the CPU gets a
    second one for its two copies together. A dot marks every measured size.

    Example:
        >>> chart = log_size_chart([MatmulTiming(torch.device("cpu"), 64, None, 1e-4, None),
        ...                         MatmulTiming(torch.device("cpu"), 256, None, 1e-3, None)],
        ...                        [torch.device("cpu")])
        >>> ">64</text>" in chart and ">256</text>" in chart and "cpu: A @ B" in chart
        True
    """
    sizes = sorted({t.size for t in timings})
    by_key = {(t.device, t.size): t for t in timings}
    series, labels = [], []
    for device in devices:
        rows = [by_key.get((device, n)) for n in sizes]
        series.append([r.matmul_s * 1e3 if r else math.nan for r in rows])
        labels.append(f"{device}: A @ B")
        if device.type != "cpu":
            series.append([r.copies_s * 1e3 if r and r.copies_s else math.nan for r in rows])
            labels.append(f"{device}: both copies")
    x = [math.log2(n) for n in sizes]
    if len(x) == 1:  # one size: a dot needs two equal points to sit between
        x, series = x * 2, [ys * 2 for ys in series]
    svg = line_chart(x, series, markers=x[:len(sizes)], log_y=True, title="time per call",
                     x_label="matrix size n (log scale)", y_label="milliseconds (log scale)",
                     width=440, height=260)

    def tick_label(match: re.Match) -> str:
        """line_chart has no log x axis: its x ticks are log2(n); label powers of 2 and sizes."""
        power = float(match[2])
        if abs(power - round(power)) > 1e-9 and not any(abs(power - p) < 1e-9 for p in x):
            return ""
        return f"{match[1]}{2 ** power:.0f}{match[3]}"

    svg = _X_TICK_LABEL.sub(tick_label, svg)
    legend = "".join(
        f'<div style="white-space:nowrap"><span style="color:{PALETTE[i % len(PALETTE)]};'
        f'font-weight:bold">━━</span> {html.escape(label)}</div>'
        for i, label in enumerate(labels))
    return ('<div style="display:flex;align-items:center;gap:12px;font-size:12px">'
            f"{svg}<div>{legend}</div></div>")


class DeviceTimer(LiveWidget):
    """Time a matrix product on each device, and the copies it needs, for any matrix size.

    For every device it copies two random ``n x n`` matrices from the CPU to the
    device, multiplies them there (``A @ B``), and copies the product back,
    timing each step with :func:`~widgets.devices.timing` (the device is
    synchronized around every call). The table shows the three times at
    ``size``; the chart shows them for every size in ``sizes`` and ``size``.
    On the CPU nothing is copied.

    Making the widget measures nothing; :meth:`measure`, the "measure" button,
    and every later change of ``size``, ``sizes`` or ``devices`` do. Each timed
    step takes the median of up to ``max_repeats`` calls, fewer when the three
    steps at one size would take longer than ``budget_s`` (a very large product
    is timed once).

    Args:
        size: n of the matrices in the table, 64 to 4096.
        sizes: n along the chart: 1 to 8 sizes from 64 to 4096.
        devices: the devices to compare, each one this machine has; by default
            the CPU, and ``try_gpu()`` when that is a different device.
        budget_s: seconds the three steps at one size on one device aim to stay
            within, 0.001 to 60.
        max_repeats: most timed calls per step, 1 to 100.

    Example:
        >>> timer = DeviceTimer(size=64, sizes=(64,), devices=["cpu"], max_repeats=1)
        >>> timer.measure()
        >>> [(describe_device(t.device), t.size, t.to_device_s) for t in timer.table]
        [('the CPU', 64, None)]
    """

    size = Checked(lambda v: check_matrix_size("size", v), 512,
                   help="n of the n x n matrices timed in the table: 64 to 4096.")
    sizes = Checked(lambda v: check_matrix_sizes("sizes", v), DEFAULT_SIZES,
                    help="n along the chart: 1 to 8 sizes from 64 to 4096 (sorted, no repeats).")
    devices = Checked(lambda v: check_devices("devices", v), (torch.device("cpu"),),
                      help="The devices compared, each one this machine has.")

    def __init__(self, size: int = 512, sizes: Sequence[int] = DEFAULT_SIZES,
                 devices: Sequence[torch.device | str] | None = None, *,
                 budget_s: float = 0.2, max_repeats: int = 5) -> None:
        checked = (check_matrix_size("size", size), check_matrix_sizes("sizes", sizes),
                   check_devices("devices", default_devices() if devices is None else devices))
        self._budget_s = check_budget(budget_s)
        self._max_repeats = check_int("max_repeats", max_repeats, 1, 100)
        super().__init__()
        self._results: tuple[MatmulTiming, ...] = ()
        self._measured_size: int | None = None
        self._stale = False
        with self.hold_trait_notifications():
            self.size, self.sizes, self.devices = checked
        self._build_controls()
        self.observe(self._on_state_change, names=["size", "sizes", "devices"])
        self._render_now()

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

    def _configurable(self) -> list[str]:
        return ["size", "sizes", "devices"]

    def measure(self) -> None:
        """Time every device at every chart size now, then show the results.

        Returns nothing: the numbers are in :attr:`results` and :attr:`table`.
        """
        self._stale = True
        self._render_now()

    def _on_state_change(self, change: traitlets.Bunch) -> None:
        self._stale = True
        self._request_render()

    def _measure_now(self) -> None:
        names = ", ".join(map(str, self.devices))
        self.show_message(f"measuring on {names} at n = "
                          f"{', '.join(map(str, self.chart_sizes))} ...", kind="info")
        self._button.disabled = True
        try:
            self._results = time_matmuls(self.chart_sizes, self.devices,
                                         budget_s=self._budget_s, max_repeats=self._max_repeats)
        finally:
            self._button.disabled = False
        self._measured_size = self.size
        self.show_message("")

    # -- controls ---------------------------------------------------------------------

    def _build_controls(self) -> None:
        wide = {"description_width": "70px"}
        self._size_box = ipw.IntText(description="size n", continuous_update=False, style=wide,
                                     layout=ipw.Layout(width="170px"),
                                     tooltip=f"{MIN_MATRIX_SIZE} to {MAX_MATRIX_SIZE}")
        self._sizes_box = ipw.Text(description="chart n", continuous_update=False, style=wide,
                                   layout=ipw.Layout(width="300px"),
                                   placeholder="64, 256, 1024")
        self._device_boxes = [ipw.Checkbox(description=str(d), indent=False,
                                           layout=ipw.Layout(width="auto", margin="0 12px 0 0"))
                              for d in available_devices()]
        self._button = ipw.Button(description="measure",
                                  tooltip="time the copies and the product on every device")
        self._button.on_click(lambda _: self._from_ui(self.measure))
        self._size_box.observe(self._on_controls, names="value")
        self._sizes_box.observe(self._on_controls, names="value")
        for box in self._device_boxes:
            box.observe(self._on_controls, names="value")
        self._table_view = ipw.HTML()
        self._chart = ipw.HTML()
        header = ipw.HTML(
            "<b>Device timer</b>: copy two n × n matrices from the CPU to a device, multiply "
            f"them there (A @ B), copy the product back (n from {MIN_MATRIX_SIZE} to "
            f"{MAX_MATRIX_SIZE}; up to {MAX_SIZES} sizes on the chart)")
        devices_row = ipw.HBox([ipw.Label("devices", layout=ipw.Layout(width="70px")),
                                *self._device_boxes])
        controls = ipw.HBox([ipw.VBox([self._size_box, self._sizes_box, devices_row]),
                             self._button], layout=ipw.Layout(align_items="flex-start"))
        self.children = [header, self._message, controls, self._table_view, self._chart]

    def _sync_controls(self) -> None:
        with self._controls_from_state():
            self._size_box.value = self.size
            self._sizes_box.value = ", ".join(map(str, self.sizes))
            for box, device in zip(self._device_boxes, available_devices()):
                box.value = device in self.devices

    def _on_controls(self, change: traitlets.Bunch) -> None:
        if self._syncing_controls:
            return
        chosen = [d for box, d in zip(self._device_boxes, available_devices()) if box.value]

        def apply() -> None:
            self.configure(size=self._size_box.value, sizes=parse_sizes(self._sizes_box.value),
                           devices=chosen)

        self._from_ui(apply)

    def _from_ui(self, action: Callable[[], object]) -> bool:
        """Run a reader's action; show any error in the message line; True if it worked."""
        # a RuntimeError here means measuring failed, e.g. the GPU ran out of memory
        return self._apply_from_controls(action, failed="measuring failed: ")

    # -- view -------------------------------------------------------------------------

    def _render(self) -> None:
        if self._stale:
            self._stale = False
            self._measure_now()
        self._sync_controls()
        if not self._results:
            self._table_view.value = STYLE + message(
                "Nothing measured yet: press measure (or call measure()).", "info")
            self._chart.value = ""
            return
        rows = [(str(t.device), describe_device(t.device), f"{t.size}",
                 milliseconds(t.to_device_s), milliseconds(t.matmul_s), milliseconds(t.to_cpu_s),
                 milliseconds(t.total_s), f"{t.gflops:,.1f}") for t in self.table]
        self._table_view.value = STYLE + table(
            ("device", "kind", "n", "copy A, B to it", "A @ B", "copy back", "total",
             "A @ B GFLOP/s"), rows, left_columns=2)
        measured = tuple(dict.fromkeys(t.device for t in self._results))
        self._chart.value = log_size_chart(self._results, measured)

    def __repr__(self) -> str:
        devices = ("<the CPU and try_gpu()>" if self.devices == default_devices()
                   else repr(tuple(str(d) for d in self.devices)))
        return f"DeviceTimer(size={self.size}, sizes={self.sizes}, devices={devices})"

