"""DeviceTimer driven headlessly: measure on the CPU, set traits, move controls, read the view.

Most tests replace the measuring function with one that returns made-up timings
at once and counts its calls, so they are fast and their numbers are known; a
few measure for real on the CPU with small matrices, and some of those read a
scripted clock, so that the real products run but every time is known. A GPU is
simulated by replacing the functions PyTorch asks (``torch.cuda.is_available``,
``torch.cuda.device_count``), with made-up timings for it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

import pytest
import torch
import traitlets

from widgets import DeviceTimer
from widgets.core.devices import MatmulTiming, describe_device
from widgets.ui import device_timer
from widgets.ui.device_timer import log_size_chart, milliseconds, parse_sizes

CPU = torch.device("cpu")
CUDA0 = torch.device("cuda", 0)


class FakeMeasure:
    """Stands in for time_matmuls: made-up timings that grow with n, and a log of calls."""

    def __init__(self) -> None:
        self.calls: list[tuple[tuple[int, ...], tuple[torch.device, ...]]] = []

    def __call__(self, sizes: Sequence[int], devices: Sequence[torch.device], *,
                 budget_s: float, max_repeats: int,
                 clock: object = None) -> tuple[MatmulTiming, ...]:
        self.calls.append((tuple(sizes), tuple(devices)))
        results = []
        for device in devices:
            copies = None if device.type == "cpu" else 1e-6 * 0.5
            for n in sizes:
                scale = (n / 64) ** 2
                results.append(MatmulTiming(
                    device, n, None if copies is None else copies * scale,
                    2 * n ** 3 / (1e10 if device.type == "cpu" else 1e12),
                    None if copies is None else copies * scale))
        return tuple(results)


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeMeasure:
    measure = FakeMeasure()
    monkeypatch.setattr(device_timer, "time_matmuls", measure)
    return measure


@pytest.fixture
def no_gpu(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 0)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)


@pytest.fixture
def one_gpu(monkeypatch: pytest.MonkeyPatch, no_gpu: None) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)


def chart_ticks(timer: DeviceTimer) -> list[str]:
    """The x-axis tick labels of the chart (middle-anchored numbers)."""
    return re.findall(r'text-anchor="middle">(\d+)</text>', timer.views["chart"].value)


def ticked(timer: DeviceTimer) -> list[bool]:
    """Whether each device's checkbox is ticked."""
    return [box.value for box in timer.controls["devices"].boxes]


# --- construction ----------------------------------------------------------------------------

@pytest.mark.usefixtures("no_gpu")
def test_construction_measures_nothing(fake: FakeMeasure) -> None:
    timer = DeviceTimer()
    assert fake.calls == [] and timer.results == () and timer.table == ()
    assert (timer.size, timer.sizes, timer.devices) == (512, (64, 128, 256, 512, 1024), (CPU,))
    assert "Nothing measured yet" in timer.views["table"].value and timer.views["chart"].value == ""
    assert timer.controls["size"].value == 512
    assert timer.controls["sizes"].value == "64, 128, 256, 512, 1024"
    assert [box.description for box in timer.controls["devices"].boxes] == ["cpu"]
    assert timer.message == ""


@pytest.mark.usefixtures("no_gpu")
def test_measure_on_the_cpu_for_real() -> None:
    timer = DeviceTimer(size=128, sizes=(64, 128), devices=["cpu"], budget_s=0.05)
    timer.measure()
    assert [(t.device, t.size) for t in timer.results] == [(CPU, 64), (CPU, 128)]
    (row,) = timer.table
    assert (row.device, row.size, row.to_device_s, row.to_cpu_s) == (CPU, 128, None, None)
    assert row.matmul_s > 0 and row.total_s == row.matmul_s and row.gflops > 0
    view = timer.views["table"].value
    assert ">the CPU<" in view and ">no copy<" in view and ">128<" in view
    assert chart_ticks(timer) == ["64", "128"] and "<polyline" in timer.views["chart"].value
    assert "cpu, 1 thread: A @ B" in timer.views["chart"].value
    assert "copies" not in timer.views["chart"].value
    assert timer.message == ""


class ScriptedClock:
    """A clock whose timed calls last the given seconds, in order (read twice per call)."""

    def __init__(self, durations: Sequence[float]) -> None:
        self.durations = list(durations)
        self.now, self.started = 0.0, False

    def __call__(self) -> float:
        if self.started:
            self.now += self.durations.pop(0)
        self.started = not self.started
        return self.now


def cpu_line(timer: DeviceTimer) -> list[float]:
    """The y values (milliseconds) the chart's CPU line is drawn from."""
    return [t.matmul_s * 1e3 for t in timer.results if t.device.type == "cpu"]


@pytest.mark.usefixtures("no_gpu")
def test_each_point_is_the_median_after_a_warm_up_so_a_busy_moment_cannot_bend_the_line(
) -> None:
    # per size: a slow warm-up call (left out), then 5 timed calls of which one was held up
    # by other work on the machine for 40 ms; the median keeps every point on the n^3 line
    durations = []
    for base in (0.0001, 0.0008, 0.0064):  # n = 64, 128, 256: eight times as long per doubling
        durations += [0.004, base, base * 1.1, 0.040, base * 0.9, base * 1.05]
    clock = ScriptedClock(durations)
    timer = DeviceTimer(size=256, sizes=(64, 128), devices=["cpu"], budget_s=0.3, clock=clock)
    timer.measure()
    assert clock.durations == []  # every scripted call was made: 6 per size
    assert cpu_line(timer) == pytest.approx([0.105, 0.84, 6.72])
    assert cpu_line(timer)[1] / cpu_line(timer)[0] == pytest.approx(8)
    assert ">6.72 ms<" in timer.views["table"].value


@pytest.mark.usefixtures("no_gpu")
def test_a_mean_would_have_bent_the_line() -> None:
    """The same held-up call at n = 128, averaged in, would put 128 above 256."""
    timed = [0.0008, 0.0008 * 1.1, 0.040, 0.0008 * 0.9, 0.0008 * 1.05]
    assert sum(timed) / len(timed) > 0.0064 * 1.05  # the mean: above n = 256's slowest call
    clock = ScriptedClock([0.004, *timed])
    timer = DeviceTimer(size=128, sizes=(128,), devices=["cpu"], budget_s=0.3, clock=clock)
    timer.measure()
    assert cpu_line(timer) == pytest.approx([0.84])


@pytest.mark.usefixtures("no_gpu")
def test_a_product_that_takes_the_whole_budget_is_timed_once() -> None:
    clock = ScriptedClock([2.5])  # far over a third of the budget: no second call
    timer = DeviceTimer(size=64, sizes=(64,), devices=["cpu"], budget_s=0.3, clock=clock)
    timer.measure()
    assert clock.durations == [] and cpu_line(timer) == pytest.approx([2500])


def test_measuring_leaves_the_global_random_state_alone() -> None:
    state = torch.get_rng_state()
    timer = DeviceTimer(size=64, sizes=(64,), devices=["cpu"], max_repeats=1)
    timer.measure()
    assert torch.equal(torch.get_rng_state(), state)


def test_chart_covers_sizes_and_size(fake: FakeMeasure) -> None:
    timer = DeviceTimer(size=2048, sizes=(256, 64), devices=["cpu"])
    assert timer.sizes == (64, 256) and timer.chart_sizes == (64, 256, 2048)
    timer.measure()
    assert fake.calls == [((64, 256, 2048), (CPU,))]
    assert [t.size for t in timer.table] == [2048]
    assert chart_ticks(timer)[0] == "64" and chart_ticks(timer)[-1] == "2048"


# --- changes measure again, once per batch ---------------------------------------------------

def test_trait_changes_measure_once_per_batch(fake: FakeMeasure) -> None:
    timer = DeviceTimer(devices=["cpu"])
    timer.size = 256
    assert fake.calls == [((64, 128, 256, 512, 1024), (CPU,))]
    assert [t.size for t in timer.table] == [256] and timer.controls["size"].value == 256
    timer.configure(size=64, sizes=(64, 128))
    assert len(fake.calls) == 2 and fake.calls[-1][0] == (64, 128)
    with timer.batch():
        timer.size = 128
        timer.sizes = (128,)
    assert len(fake.calls) == 3 and timer.controls["sizes"].value == "128"


def test_button_measures(fake: FakeMeasure) -> None:
    timer = DeviceTimer(devices=["cpu"])
    timer.controls["measure"].click()
    assert len(fake.calls) == 1 and len(timer.table) == 1 and timer.message == ""
    assert not timer.controls["measure"].disabled


# --- bad values ------------------------------------------------------------------------------

@pytest.mark.parametrize(("trait", "value", "error", "message"), [
    ("size", 5000, ValueError, r"^size must be an integer from 64 to 4096, got 5000$"),
    ("size", 32, ValueError, r"^size must be an integer from 64 to 4096, got 32$"),
    ("size", 512.0, TypeError, r"^size must be an integer from 64 to 4096, got 512.0 \(float\)"),
    ("size", "512", TypeError, r"^size must be an integer"),
    ("sizes", (), ValueError, r"^sizes must have 1 to 8 entries, got 0$"),
    ("sizes", (64, 10), ValueError, r"^sizes\[1\] must be an integer from 64 to 4096, got 10$"),
    ("sizes", 64, TypeError, r"^sizes must be a tuple of 1 to 8 integers"),
    ("sizes", tuple(range(64, 64 * 10, 64)), ValueError, r"^sizes must have 1 to 8 entries"),
    ("devices", [], ValueError, r"^devices must name at least one device, got none$"),
    ("devices", ["meta"], ValueError,
     r"^devices\[0\] must be a device this machine has \(cpu\), got 'meta'$"),
    ("devices", ["cpu", "cuda:1"], ValueError,
     r"^devices\[1\] must be a device this machine has \(cpu\), got 'cuda:1'$"),
    ("devices", ["cpu", torch.device("cpu")], ValueError,
     r"^devices\[1\] repeats 'cpu'; name each device once$"),
    ("devices", "cpu", TypeError, r"^devices must be a tuple of devices such as"),
    ("devices", [3], TypeError, r"^devices\[0\] must be a torch.device or a device string"),
    ("devices", ["gpu"], ValueError, r"^devices\[0\] must be a torch.device or a device string"),
])
@pytest.mark.usefixtures("no_gpu")
def test_bad_code_value_raises_and_keeps_state(fake: FakeMeasure, trait: str, value: object,
                                               error: type, message: str) -> None:
    timer = DeviceTimer(size=128, sizes=(64, 128), devices=["cpu"])
    timer.measure()
    before = (timer.size, timer.sizes, timer.devices, timer.results,
              timer.views["table"].value, timer.views["chart"].value)
    with pytest.raises(error, match=message) as caught:
        setattr(timer, trait, value)
    assert isinstance(caught.value, traitlets.TraitError)
    assert (timer.size, timer.sizes, timer.devices, timer.results,
            timer.views["table"].value, timer.views["chart"].value) == before
    assert len(fake.calls) == 1  # no measurement for a refused value


def test_configure_is_atomic(fake: FakeMeasure) -> None:
    timer = DeviceTimer(size=128, devices=["cpu"])
    with pytest.raises(ValueError, match="sizes\\[0\\] must be an integer from 64 to 4096"):
        timer.configure(size=256, sizes=(1,))
    assert timer.size == 128 and fake.calls == []
    with pytest.raises(TypeError, match="configure\\(\\) takes size, sizes and devices, not seed"):
        timer.configure(seed=1)


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    ({"size": 0}, ValueError, "size must be an integer from 64 to 4096, got 0"),
    ({"sizes": [64, "x"]}, TypeError, "sizes[1] must be an integer from 64 to 4096"),
    ({"devices": ["xpu"]}, ValueError, "devices[0] must be a device this machine has"),
    ({"budget_s": 0}, ValueError, "budget_s must be a number of seconds from 0.001 to 60, got 0"),
    ({"budget_s": "1"}, TypeError, "budget_s must be a number of seconds"),
    ({"max_repeats": 0}, ValueError, "max_repeats must be an integer from 1 to 100, got 0"),
])
def test_constructor_rejects_bad_values(kwargs: dict, error: type, message: str) -> None:
    with pytest.raises(error) as caught:
        DeviceTimer(**kwargs)
    assert message in str(caught.value)


# --- the controls ----------------------------------------------------------------------------

@pytest.mark.parametrize(("control", "value", "expected"), [
    ("size", 5000, "size n must be an integer from 64 to 4096, got 5000"),
    ("size", 0, "size n must be an integer from 64 to 4096, got 0"),
    ("sizes", "64, x", "chart n must be whole numbers separated by commas, "
                       "such as '64, 256, 1024', got '64, x'"),
    ("sizes", "64, 8192", "entry 2 of chart n must be an integer from 64 to 4096, got 8192"),
    ("sizes", "", "chart n must have 1 to 8 entries, got 0"),
    ("devices", False, "devices must name at least one device, got none"),
])
@pytest.mark.usefixtures("no_gpu")
def test_bad_ui_value_shows_message_and_restores_the_control(
        fake: FakeMeasure, control: str, value: object, expected: str) -> None:
    timer = DeviceTimer(size=128, sizes=(64, 128), devices=["cpu"])
    timer.measure()
    before = (timer.size, timer.sizes, timer.devices, timer.views["table"].value)
    widget = {"size": timer.controls["size"], "sizes": timer.controls["sizes"],
              "devices": timer.controls["devices"].boxes[0]}[control]
    good = widget.value
    widget.value = value
    assert timer.message == f"{expected} (kept the last valid setting)"
    assert html.escape(expected) in timer.views["message"].value
    assert widget.value == good  # the control is put back
    assert (timer.size, timer.sizes, timer.devices, timer.views["table"].value) == before
    assert len(fake.calls) == 1
    timer.controls["size"].value = 256  # the next good value clears the message and measures
    assert timer.message == "" and timer.size == 256 and len(fake.calls) == 2


def test_controls_drive_the_state(fake: FakeMeasure) -> None:
    timer = DeviceTimer(devices=["cpu"])
    timer.controls["sizes"].value = "1024 64;256"
    assert timer.sizes == (64, 256, 1024) and timer.controls["sizes"].value == "64, 256, 1024"
    assert fake.calls[-1][0] == (64, 256, 512, 1024)


@pytest.mark.usefixtures("one_gpu")
def test_with_a_simulated_gpu_both_devices_are_compared(fake: FakeMeasure) -> None:
    timer = DeviceTimer(size=256, sizes=(64, 256))
    assert timer.devices == (CPU, CUDA0)
    assert [box.description for box in timer.controls["devices"].boxes] == ["cpu", "cuda:0"]
    assert ticked(timer) == [True, True]
    timer.measure()
    assert [describe_device(t.device) for t in timer.table] == ["the CPU", "a GPU (cuda)"]
    gpu = timer.table[1]
    assert gpu.copies_s == gpu.to_device_s + gpu.to_cpu_s > 0
    view = timer.views["table"].value
    assert view.count(">no copy<") == 2 and ">cuda:0<" in view and ">a GPU (cuda)<" in view
    chart = timer.views["chart"].value
    assert chart.count("<polyline") == 3  # cpu A @ B, cuda:0 A @ B, cuda:0 both copies
    assert "cuda:0: both copies" in chart
    timer.controls["devices"].boxes[0].value = False  # the GPU alone
    assert timer.devices == (CUDA0,) and fake.calls[-1][1] == (CUDA0,)
    assert [t.device for t in timer.table] == [CUDA0]


def test_measuring_errors_are_shown_and_the_last_results_kept(
        fake: FakeMeasure, monkeypatch: pytest.MonkeyPatch) -> None:
    timer = DeviceTimer(size=128, sizes=(64,), devices=["cpu"])
    timer.measure()
    before = (timer.results, timer.views["table"].value)

    def out_of_memory(*args: object, **kwargs: object) -> None:
        raise RuntimeError("CUDA out of memory")

    monkeypatch.setattr(device_timer, "time_matmuls", out_of_memory)
    timer.controls["measure"].click()
    assert timer.message == "measuring failed: CUDA out of memory"
    assert (timer.results, timer.views["table"].value) == before
    assert not timer.controls["measure"].disabled
    with pytest.raises(RuntimeError, match="out of memory"):  # from code, it raises
        timer.measure()


# --- size and sizes together: never more sizes than the chart takes ----------------------------

EIGHT = (64, 128, 256, 512, 1024, 2048, 3072, 4096)
NINTH_SIZE = (r"^size 100 is not among the chart's 8 sizes \(64, 128, 256, 512, 1024, 2048, "
              r"3072, 4096\), and the chart takes no more than 8: pick one of them, or take "
              r"one out of the chart's sizes first$")


def state_of(timer: DeviceTimer) -> tuple:
    return (timer.size, timer.sizes, timer.devices, timer.results, timer.views["table"].value,
            timer.views["chart"].value)


def test_the_constructor_refuses_a_size_that_would_be_a_ninth_on_the_chart(
        fake: FakeMeasure) -> None:
    with pytest.raises(ValueError, match=NINTH_SIZE):
        DeviceTimer(size=100, sizes=EIGHT, devices=["cpu"])
    timer = DeviceTimer(size=512, sizes=EIGHT, devices=["cpu"])  # one of the eight: fine
    timer.measure()
    assert timer.chart_sizes == EIGHT and fake.calls == [(EIGHT, (CPU,))]


def test_setting_size_past_the_chart_names_size_and_keeps_the_state(fake: FakeMeasure) -> None:
    timer = DeviceTimer(size=64, sizes=EIGHT, devices=["cpu"])
    timer.measure()
    before = state_of(timer)
    with pytest.raises(ValueError, match=NINTH_SIZE) as caught:
        timer.size = 100
    assert isinstance(caught.value, traitlets.TraitError)
    assert state_of(timer) == before and len(fake.calls) == 1


def test_setting_sizes_past_the_chart_names_sizes_and_keeps_the_state(fake: FakeMeasure) -> None:
    timer = DeviceTimer(size=100, sizes=(64,), devices=["cpu"])
    timer.measure()
    before = state_of(timer)
    with pytest.raises(ValueError, match=(
            r"^sizes \(64, 128, 256, 512, 1024, 2048, 3072, 4096\) and the table's size 100 "
            r"make 9 sizes, and the chart takes no more than 8: include 100 among them, or "
            r"give at most 7 others$")):
        timer.sizes = EIGHT
    assert state_of(timer) == before and len(fake.calls) == 1
    timer.sizes = (*EIGHT[:7], 100)  # 100 among them: eight in all
    assert timer.chart_sizes == (64, 100, 128, 256, 512, 1024, 2048, 3072)


def test_configure_with_both_names_size_and_changes_nothing(fake: FakeMeasure) -> None:
    timer = DeviceTimer(size=64, sizes=(64, 128), devices=["cpu"])
    with pytest.raises(ValueError, match=NINTH_SIZE):
        timer.configure(size=100, sizes=EIGHT)
    assert (timer.size, timer.sizes, fake.calls) == (64, (64, 128), [])
    timer.configure(size=100, sizes=EIGHT[:7])
    assert len(timer.chart_sizes) == 8 and len(fake.calls) == 1


@pytest.mark.usefixtures("no_gpu")
def test_each_box_names_itself_when_the_chart_would_overflow(fake: FakeMeasure) -> None:
    timer = DeviceTimer(size=64, sizes=(64, 128), devices=["cpu"])
    timer.measure()
    timer.controls["sizes"].value = "64, 65, 66, 67, 68, 69, 70, 71"
    assert timer.sizes == (64, 65, 66, 67, 68, 69, 70, 71) and len(fake.calls) == 2
    before = state_of(timer)
    timer.controls["size"].value = 100
    assert timer.message == (
        "size n 100 is not among the chart's 8 sizes (64, 65, 66, 67, 68, 69, 70, 71), and "
        "the chart takes no more than 8: pick one of them, or take one out of the chart's "
        "sizes first (kept the last valid setting)")
    assert timer.controls["size"].value == 64 and state_of(timer) == before
    timer.controls["sizes"].value = "72, 73, 74, 75, 76, 77, 78, 79"
    assert timer.message == (
        "chart n (72, 73, 74, 75, 76, 77, 78, 79) and the table's size 64 make 9 sizes, and "
        "the chart takes no more than 8: include 64 among them, or give at most 7 others "
        "(kept the last valid setting)")
    assert timer.controls["sizes"].value == "64, 65, 66, 67, 68, 69, 70, 71"
    assert state_of(timer) == before and len(fake.calls) == 2
    timer.controls["measure"].click()  # the widget still measures
    assert len(fake.calls) == 3 and timer.message == ""


# --- what nbval compares ---------------------------------------------------------------------

def test_repr_is_the_same_on_every_machine_and_every_run(
        fake: FakeMeasure, monkeypatch: pytest.MonkeyPatch) -> None:
    text = "DeviceTimer(size=512, sizes=(64, 128, 256, 512, 1024), devices=<the CPU and try_gpu()>)"
    timer = DeviceTimer()
    assert repr(timer) == text
    timer.measure()
    assert repr(timer) == text  # no timings in it
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    assert repr(DeviceTimer()) == text
    assert repr(DeviceTimer(size=64, sizes=(64,), devices=["cuda:1", "cpu"])) == (
        "DeviceTimer(size=64, sizes=(64,), devices=('cuda:1', 'cpu'))")


def test_close_closes_every_widget_inside() -> None:
    timer = DeviceTimer()
    controls = timer.controls
    inside = [controls["size"], controls["sizes"], controls["devices"].boxes[0],
              controls["measure"], timer.views["chart"], controls["size"].layout]
    timer.close()
    assert timer.comm is None and all(w.comm is None for w in inside)


# --- helpers ---------------------------------------------------------------------------------

def test_parse_sizes() -> None:
    assert parse_sizes(" 64,128 ;256 ") == (64, 128, 256)
    assert parse_sizes("") == ()
    with pytest.raises(ValueError, match="sizes must be whole numbers"):
        parse_sizes("64, 1e3")


@pytest.mark.parametrize(("seconds", "text"), [
    (None, "no copy"), (1.234e-5, "0.0123 ms"), (0.00456, "4.56 ms"), (0.25, "250 ms"),
    (1.2345, "1,234 ms"),
])
def test_milliseconds(seconds: float | None, text: str) -> None:
    assert milliseconds(seconds) == text


def test_chart_of_one_size_draws_dots_and_labels_the_size() -> None:
    chart = log_size_chart([MatmulTiming(CPU, 256, None, 1e-3, None)], [CPU])
    assert re.findall(r'text-anchor="middle">(\d+)</text>', chart) == ["256"]
    assert "<circle" in chart


@pytest.mark.parametrize("text", ["1_024", "٦٤", "６４", "64, １２８", "+64", "64.0", "0x40"])
def test_parse_sizes_takes_ascii_digits_only(text: str) -> None:
    with pytest.raises(ValueError, match="sizes must be whole numbers"):
        parse_sizes(text)


@pytest.mark.usefixtures("no_gpu")
def test_ui_sizes_in_other_digits_are_refused_and_the_box_restored(fake: FakeMeasure) -> None:
    timer = DeviceTimer(size=128, sizes=(64, 128), devices=["cpu"])
    timer.controls["sizes"].value = "1_024"
    assert timer.sizes == (64, 128) and timer.controls["sizes"].value == "64, 128"
    assert "chart n must be whole numbers" in timer.message


@pytest.mark.usefixtures("no_gpu")
def test_the_cpu_under_any_index_is_one_device_checked_and_measured_once(
        fake: FakeMeasure) -> None:
    timer = DeviceTimer(size=64, sizes=(64,), devices=["cpu:0"])
    assert timer.devices == (CPU,) and ticked(timer) == [True]
    with pytest.raises(ValueError, match="repeats 'cpu'"):
        timer.devices = ("cpu", "cpu:0")
    timer.devices = ("cpu:7",)
    timer.measure()
    assert fake.calls[-1][1] == (CPU,) and [t.device for t in timer.table] == [CPU]
    assert ticked(timer) == [True]
    assert repr(timer) == "DeviceTimer(size=64, sizes=(64,), devices=<the CPU and try_gpu()>)"
