"""widgets.core.devices finds GPUs, falls back to the CPU, and times work; no test needs a GPU.

CUDA, Apple's MPS and other accelerators are simulated by replacing the functions
PyTorch asks (``torch.cuda.is_available``, ``torch.cuda.device_count``,
``torch.backends.mps.is_available``, ``torch.accelerator.current_accelerator``,
the ``synchronize`` functions). Timings that need known numbers read a scripted
clock instead of the real one.
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pytest
import torch
from torch import nn

from widgets.core import devices
from widgets.core.devices import (
    MIN_REPEATS,
    MatmulTiming,
    as_device,
    available_devices,
    check_devices,
    check_matrix_sizes,
    default_devices,
    describe_device,
    device_exists,
    num_gpus,
    synchronize,
    time_matmul,
    time_matmuls,
    timing,
    try_all_gpus,
    try_gpu,
)
from widgets.exercises.gpus import check_predict, check_time_once, check_train_epoch

CPU = torch.device("cpu")


@pytest.fixture
def no_gpu(monkeypatch: pytest.MonkeyPatch) -> None:
    """A machine without CUDA, an Apple GPU or any other accelerator, whatever this one has."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 0)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    monkeypatch.setattr(torch.accelerator, "current_accelerator", lambda *a, **k: None)


def intel_gpus(monkeypatch: pytest.MonkeyPatch, count: int) -> list[tuple]:
    """Simulate ``count`` Intel GPUs seen through torch.accelerator; returns its sync calls."""
    calls: list[tuple] = []
    monkeypatch.setattr(torch.accelerator, "current_accelerator",
                        lambda check_available=False: torch.device("xpu"))
    monkeypatch.setattr(torch.accelerator, "device_count", lambda: count)
    monkeypatch.setattr(torch.accelerator, "synchronize", lambda *a: calls.append(a))
    return calls


class ScriptedClock:
    """A clock whose timed calls last the given seconds, in order.

    ``timing`` reads a clock twice per timed call, before and after; the second
    read of each pair moves this clock on by the next duration.
    """

    def __init__(self, durations: list[float]) -> None:
        self.durations = list(durations)
        self.now = 100.0
        self.started = False

    def __call__(self) -> float:
        if self.started:
            self.now += self.durations.pop(0)
        self.started = not self.started
        return self.now


def cuda_with(monkeypatch: pytest.MonkeyPatch, count: int) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: count > 0)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: count)


# --- falling back ----------------------------------------------------------------------------

@pytest.mark.usefixtures("no_gpu")
def test_without_a_gpu_everything_falls_back_to_the_cpu() -> None:
    assert num_gpus() == 0
    assert try_gpu() == CPU and try_gpu(0) == CPU and try_gpu(3) == CPU
    assert try_all_gpus() == [CPU]
    assert not devices.mps_available()


def test_on_this_machine_the_answers_agree() -> None:
    assert num_gpus() == (torch.cuda.device_count() if torch.cuda.is_available() else 0)
    assert try_all_gpus()[0] == try_gpu()
    X = torch.ones(2, 3, device=try_gpu())
    assert X.device.type == try_gpu().type


def test_num_gpus_is_zero_when_cuda_is_absent_even_if_a_count_is_reported(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    assert num_gpus() == 0


# --- CUDA and MPS, simulated -----------------------------------------------------------------

@pytest.mark.usefixtures("no_gpu")
def test_with_two_cuda_gpus(monkeypatch: pytest.MonkeyPatch) -> None:
    cuda_with(monkeypatch, 2)
    assert num_gpus() == 2
    assert try_gpu() == torch.device("cuda:0")
    assert try_gpu(1) == torch.device("cuda", 1)
    assert try_gpu(2) == CPU  # one past the last GPU
    assert try_all_gpus() == [torch.device("cuda:0"), torch.device("cuda:1")]


@pytest.mark.usefixtures("no_gpu")
def test_cuda_wins_over_mps(monkeypatch: pytest.MonkeyPatch) -> None:
    cuda_with(monkeypatch, 1)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    assert try_gpu() == torch.device("cuda:0")
    assert try_all_gpus() == [torch.device("cuda:0")]


@pytest.mark.usefixtures("no_gpu")
def test_apple_gpu_is_found_only_as_gpu_zero(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    assert devices.mps_available()
    assert num_gpus() == 0  # num_gpus counts CUDA GPUs
    assert try_gpu() == torch.device("mps")
    assert try_gpu(1) == CPU
    assert try_all_gpus() == [torch.device("mps")]


@pytest.mark.usefixtures("no_gpu")
def test_another_accelerator_is_found_through_torch_accelerator(
        monkeypatch: pytest.MonkeyPatch) -> None:
    calls = intel_gpus(monkeypatch, 2)
    assert devices.other_accelerator() == torch.device("xpu")
    assert num_gpus() == 0 and try_gpu() == torch.device("xpu") and try_gpu(1) == CPU
    assert try_all_gpus() == [torch.device("xpu")]
    assert describe_device(try_gpu()) == "an Intel GPU (xpu)"
    assert device_exists("xpu:1") and not device_exists("xpu:2") and not device_exists("hpu")
    assert default_devices() == (CPU, torch.device("xpu"))
    synchronize("xpu:1")
    synchronize("hpu")  # not this machine's accelerator: nothing to wait for
    assert calls == [(torch.device("xpu", 1),)]


@pytest.mark.usefixtures("no_gpu")
def test_cuda_seen_through_torch_accelerator_is_left_to_num_gpus(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A CUDA build answers current_accelerator() with cuda even on a machine without a GPU."""
    monkeypatch.setattr(torch.accelerator, "current_accelerator",
                        lambda check_available=False: torch.device("cuda"))
    assert devices.other_accelerator() is None and try_gpu() == CPU


def test_on_this_machine_try_gpu_agrees_with_torch_accelerator() -> None:
    found = torch.accelerator.current_accelerator(check_available=True)
    assert try_gpu().type == (found.type if found is not None else "cpu")


def test_synchronize_calls_the_right_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, tuple]] = []
    monkeypatch.setattr(torch.cuda, "synchronize", lambda *a: calls.append(("cuda", a)))
    monkeypatch.setattr(torch.mps, "synchronize", lambda *a: calls.append(("mps", a)))
    synchronize("cpu")
    assert calls == []
    synchronize("cuda:1")
    synchronize(torch.device("mps"))
    assert calls == [("cuda", (torch.device("cuda:1"),)), ("mps", ())]


def test_timing_synchronizes_before_and_after_every_timed_call(
        monkeypatch: pytest.MonkeyPatch) -> None:
    events: list[str] = []
    monkeypatch.setattr(torch.cuda, "synchronize", lambda *a: events.append("sync"))
    seconds = timing(lambda: events.append("fn"), "cuda", repeats=2, warmup=1)
    assert seconds > 0
    assert events == ["fn", "sync", "fn", "sync", "sync", "fn", "sync"]


def test_timing_on_mps_waits_for_the_queue(monkeypatch: pytest.MonkeyPatch) -> None:
    """An asynchronous device: fn returns at once; only synchronize waits for the work."""
    busy_until = [0.0]

    def queue_work() -> None:
        busy_until[0] = time.perf_counter() + 0.02

    monkeypatch.setattr(torch.mps, "synchronize",
                        lambda: time.sleep(max(0.0, busy_until[0] - time.perf_counter())))
    assert timing(queue_work, "mps", repeats=3, warmup=0) >= 0.02


# --- describing and timing -------------------------------------------------------------------

@pytest.mark.parametrize(("device", "text"), [
    ("cpu", "the CPU"), ("cuda", "a GPU (cuda)"), ("cuda:3", "a GPU (cuda)"),
    (torch.device("mps"), "an Apple GPU (mps)"), ("meta", "the meta device (shapes only, no data)"),
    ("xpu:0", "an Intel GPU (xpu)"), ("hpu", "a hpu device"),
])
def test_describe_device_names_the_kind_only(device: object, text: str) -> None:
    assert describe_device(device) == text


def test_timing_returns_positive_seconds_on_the_cpu() -> None:
    A = torch.rand(32, 32)
    assert timing(lambda: A @ A) > 0
    assert timing(lambda: None, CPU, repeats=1, warmup=0) > 0
    assert 0.01 <= timing(lambda: time.sleep(0.01), "cpu", repeats=3) < 1.0


def test_timing_returns_the_median(monkeypatch: pytest.MonkeyPatch) -> None:
    ticks = iter([0.0, 1.0, 10.0, 13.0, 20.0, 22.0])  # calls take 1, 3 and 2 seconds
    monkeypatch.setattr(devices.time, "perf_counter", lambda: next(ticks))
    assert timing(lambda: None, repeats=3, warmup=0) == 2.0


def test_timing_reads_the_clock_it_is_given_and_leaves_warmup_untimed() -> None:
    clock = ScriptedClock([0.004, 0.250, 0.002, 0.003, 0.001])  # one call held up by 250 ms
    calls: list[int] = []
    assert timing(lambda: calls.append(1), repeats=5, warmup=2, clock=clock) == pytest.approx(0.003)
    assert len(calls) == 7 and clock.durations == []


# --- bad input -------------------------------------------------------------------------------

@pytest.mark.parametrize(("i", "error", "message"), [
    (-1, ValueError, "i must be an integer >= 0 (a GPU number), got -1"),
    (1.0, TypeError, "i must be an integer >= 0 (a GPU number), got 1.0 (float)"),
    (True, TypeError, "got True (bool)"),
    ("0", TypeError, "got '0' (str)"),
    (None, TypeError, "got None (NoneType)"),
])
def test_try_gpu_rejects_bad_indices(i: object, error: type, message: str) -> None:
    with pytest.raises(error) as caught:
        try_gpu(i)  # type: ignore[arg-type]
    assert message in str(caught.value)


def test_try_gpu_accepts_numpy_integers() -> None:
    assert try_gpu(np.int64(999)) == CPU


@pytest.mark.parametrize(("device", "error"), [
    ("gpu", ValueError), ("cuda:x", ValueError), ("cuda:-1", ValueError), ("", ValueError),
    (0, TypeError), (None, TypeError), (torch.ones(1), TypeError),
])
def test_bad_devices_are_refused_with_the_field_named(device: object, error: type) -> None:
    with pytest.raises(error, match=r"^device must be a torch.device or a device string"):
        as_device(device)
    with pytest.raises(error, match=r"^device must be"):
        describe_device(device)  # type: ignore[arg-type]
    with pytest.raises(error, match=r"^device must be"):
        timing(lambda: None, device)  # type: ignore[arg-type]


def test_device_strings_are_parsed() -> None:
    assert as_device(" cuda:1 ") == torch.device("cuda", 1)
    assert as_device(CPU) is CPU
    assert as_device("mps") == torch.device("mps")


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    ({"fn": 3}, TypeError, "fn must be a function of no arguments, got 3"),
    ({"repeats": 0}, ValueError, "repeats must be an integer from 1 to 1000, got 0"),
    ({"repeats": 2.5}, TypeError, "repeats must be an integer from 1 to 1000"),
    ({"warmup": -1}, ValueError, "warmup must be an integer from 0 to 100, got -1"),
])
def test_timing_rejects_bad_arguments(kwargs: dict, error: type, message: str) -> None:
    arguments = {"fn": lambda: None, **kwargs}
    with pytest.raises(error) as caught:
        timing(**arguments)
    assert message in str(caught.value)




# --- what a matrix product costs ------------------------------------------------------------

@pytest.mark.usefixtures("no_gpu")
def test_devices_a_timer_may_use_without_a_gpu() -> None:
    assert available_devices() == default_devices() == (CPU,)
    assert device_exists("cpu") and not device_exists("cuda") and not device_exists("mps")
    assert not device_exists("meta")


@pytest.mark.usefixtures("no_gpu")
def test_devices_a_timer_may_use_with_two_gpus(monkeypatch: pytest.MonkeyPatch) -> None:
    cuda_with(monkeypatch, 2)
    assert available_devices() == (CPU, torch.device("cuda:0"), torch.device("cuda:1"))
    assert default_devices() == (CPU, torch.device("cuda:0"))
    assert device_exists("cuda:1") and not device_exists("cuda:2")
    assert check_devices("devices", ["cuda", "cpu"]) == (torch.device("cuda:0"), CPU)
    with pytest.raises(ValueError, match=r"^devices\[1\] repeats 'cuda:0'; name each device once"):
        check_devices("devices", ["cuda", "cuda:0"])
    with pytest.raises(ValueError, match=r"a device this machine has \(cpu, cuda:0, cuda:1\)"):
        check_devices("devices", ["cuda:2"])


@pytest.mark.usefixtures("no_gpu")
def test_apple_gpu_is_a_default_device(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    assert default_devices() == available_devices() == (CPU, torch.device("mps"))


def test_matrix_sizes_are_sorted_without_repeats() -> None:
    assert check_matrix_sizes("sizes", (1024, 64, 64, 256)) == (64, 256, 1024)
    with pytest.raises(ValueError, match=r"^sizes\[0\] must be an integer from 64 to 4096, got 63"):
        check_matrix_sizes("sizes", [63])


def test_time_matmul_on_the_cpu_copies_nothing() -> None:
    state = torch.get_rng_state()
    t = time_matmul(64, "cpu", budget_s=0.03)
    assert (t.device, t.size, t.to_device_s, t.to_cpu_s, t.copies_s) == (CPU, 64, None, None, None)
    assert t.matmul_s > 0 and t.total_s == t.matmul_s
    assert t.gflops == pytest.approx(2 * 64 ** 3 / t.matmul_s / 1e9)
    assert torch.equal(torch.get_rng_state(), state)  # its matrices come from its own generator


def test_time_matmuls_goes_device_by_device_small_sizes_first() -> None:
    results = time_matmuls([128, 64], [CPU], budget_s=0.03, max_repeats=1)
    assert [(t.device, t.size) for t in results] == [(CPU, 64), (CPU, 128)]


def test_time_matmul_warms_up_then_takes_the_median_of_the_timed_calls() -> None:
    # the warm-up call (30 ms: one-off costs) is left out; of the 5 timed calls, one was
    # held up by other work on the machine, and the median leaves it out too
    clock = ScriptedClock([0.030, 0.010, 0.011, 0.300, 0.009, 0.012])
    t = time_matmul(64, "cpu", budget_s=0.6, max_repeats=5, clock=clock)
    assert t.matmul_s == pytest.approx(0.011) and clock.durations == []


def test_time_matmul_makes_at_least_the_minimum_number_of_timed_calls() -> None:
    assert MIN_REPEATS == 3
    clock = ScriptedClock([0.05, 0.04, 0.06, 0.05])  # the budget (0.1 s) allows one more call
    assert time_matmul(64, "cpu", budget_s=0.3, clock=clock).matmul_s == pytest.approx(0.05)
    assert clock.durations == []
    clock = ScriptedClock([0.05, 0.04, 0.06])  # unless max_repeats is lower
    assert time_matmul(64, "cpu", budget_s=0.3, max_repeats=2,
                       clock=clock).matmul_s == pytest.approx(0.05)


def test_time_matmul_times_the_cpu_on_one_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    threads: list[int] = []
    before = torch.get_num_threads()

    def fake_timing(fn, device, **kwargs) -> float:
        threads.append(torch.get_num_threads())
        return 0.001

    monkeypatch.setattr(devices, "timing", fake_timing)
    time_matmul(64, "cpu")
    assert threads and set(threads) == {1} and torch.get_num_threads() == before


def test_the_cpu_is_timed_by_its_thread_time_where_that_clock_is_fine(
        monkeypatch: pytest.MonkeyPatch) -> None:
    fine = time.get_clock_info("thread_time").resolution <= 1e-6
    assert devices.cpu_clock() is (time.thread_time if fine else time.perf_counter)
    clocks: list[object] = []

    def fake_timing(fn, device, **kwargs) -> float:
        clocks.append(kwargs["clock"])
        return 0.001

    monkeypatch.setattr(devices, "timing", fake_timing)
    time_matmul(64, "cpu")
    assert clocks and set(clocks) == {devices.cpu_clock()}


def test_time_matmuls_passes_the_clock_to_every_size() -> None:
    clock = ScriptedClock([0.02] * 4 + [0.08] * 4)  # 64: warm-up + 3; 128: the same
    results = time_matmuls([64, 128], [CPU], budget_s=0.3, max_repeats=3, clock=clock)
    assert [t.matmul_s for t in results] == pytest.approx([0.02, 0.08])
    assert clock.durations == []


def test_matmul_timing_adds_the_copies() -> None:
    t = MatmulTiming(torch.device("cuda:0"), 100, 0.25, 0.5, 0.125)
    assert (t.copies_s, t.total_s, t.gflops) == (0.375, 0.875, 2 * 100 ** 3 / 0.5 / 1e9)


@pytest.mark.parametrize(("seconds_per_call", "calls"), [
    (1.0, [1]),         # the warm-up call alone takes the budget: that call is the measurement
    (0.1, [1]),         # exactly the budget: the same
    (0.04, [1, 3]),     # room for (0.1 - 0.04) / 0.04 = 1 more call, but 3 at least
    (0.02, [1, 4]),     # room for 4 more
    (0.001, [1, 5]),    # room for 99 more, capped at max_repeats
])
def test_repeats_are_capped_by_the_budget(monkeypatch: pytest.MonkeyPatch,
                                          seconds_per_call: float, calls: list[int]) -> None:
    repeats: list[int] = []

    def fake_timing(fn, device, **kwargs) -> float:
        repeats.append(kwargs["repeats"])
        assert kwargs["warmup"] == 0 and as_device(device) == CPU
        return seconds_per_call

    monkeypatch.setattr(devices, "timing", fake_timing)
    t = time_matmul(64, "cpu", budget_s=0.3, max_repeats=5)  # 0.1 s for the product
    assert repeats == calls and t.matmul_s == seconds_per_call


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    ({"size": 4097}, ValueError, "size must be an integer from 64 to 4096, got 4097"),
    ({"size": 64, "device": "meta"}, ValueError,
     "device must be a device this machine has (cpu"),
    ({"size": 64, "device": 0}, TypeError, "device must be a torch.device or a device string"),
    ({"size": 64, "budget_s": 100}, ValueError,
     "budget_s must be a number of seconds from 0.001 to 60, got 100"),
    ({"size": 64, "max_repeats": 101}, ValueError,
     "max_repeats must be an integer from 1 to 100, got 101"),
    ({"size": 64, "seed": -1}, ValueError, "seed must be an integer from 0"),
])
@pytest.mark.usefixtures("no_gpu")
def test_time_matmul_rejects_bad_arguments(kwargs: dict, error: type, message: str) -> None:
    with pytest.raises(error) as caught:
        time_matmul(**kwargs)
    assert message in str(caught.value)


# --- the chapter's exercise checks -----------------------------------------------------------

def predict_right(net: nn.Module, X: torch.Tensor, device: torch.device) -> torch.Tensor:
    net.to(device)
    return net(X.to(device)).cpu()


def predict_x_left_behind(net: nn.Module, X: torch.Tensor, device: torch.device) -> torch.Tensor:
    net.to(device)
    X.to(device)  # the moved copy is thrown away
    return net(X).cpu()


def predict_model_left_behind(net: nn.Module, X: torch.Tensor,
                              device: torch.device) -> torch.Tensor:
    return net(X.to(device)).cpu()


def predict_output_left_on_device(net: nn.Module, X: torch.Tensor,
                                  device: torch.device) -> torch.Tensor:
    return net.to(device)(X.to(device))


def test_check_predict() -> None:
    assert check_predict(predict_right).passed
    text = repr(check_predict(predict_x_left_behind))
    assert "✗ forward runs" in text and "returns a moved copy" in text
    assert "X = X.to(device)" not in text  # the message explains; it does not write the fix
    text = repr(check_predict(predict_model_left_behind))
    assert "the batch reached the device and the model did not" in text
    assert "net.to(device)" not in text  # a symptom and where to look, not the fix
    text = repr(check_predict(predict_output_left_on_device))
    assert "✗ brings the output back to the CPU" in text
    text = repr(check_predict(lambda net, X, device: None))
    assert "predict(net, X, device) returned None: did you forget `return`?" in text
    text = repr(check_predict(lambda net, X, device: 1 / 0))
    assert "raised ZeroDivisionError" in text


def epoch_with_item_per_batch(net, batches, loss, trainer) -> float:
    total = 0.0
    for X, y in batches:
        l = loss(net(X), y)  # noqa: E741
        trainer.zero_grad()
        l.backward()
        trainer.step()
        total += l.item()
    return total / len(batches)


def epoch_on_device(net, batches, loss, trainer) -> float:
    total = torch.zeros((), device=batches[0][0].device)
    for X, y in batches:
        l = loss(net(X), y)  # noqa: E741
        trainer.zero_grad()
        l.backward()
        trainer.step()
        total += l.detach()
    return (total / len(batches)).item()


def test_check_train_epoch() -> None:
    assert check_train_epoch(epoch_on_device).passed
    wrong = check_train_epoch(epoch_with_item_per_batch)
    assert not wrong.passed
    assert "it read 8 values back over 8 batches" in repr(wrong)
    assert sum(not ok for ok, _ in wrong.points) == 1
    no_steps = check_train_epoch(lambda net, batches, loss, trainer: 1.0)
    assert "✗ takes one optimizer step per batch" in repr(no_steps)


def time_once_right(fn, device) -> float:
    synchronize(device)
    start = time.perf_counter()
    fn()
    synchronize(device)
    return time.perf_counter() - start


def time_once_unsynchronized(fn, device) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def time_once_end_only(fn, device) -> float:
    start = time.perf_counter()
    fn()
    synchronize(device)
    return time.perf_counter() - start


def test_check_time_once() -> None:
    assert check_time_once(time_once_right).passed
    wrong = repr(check_time_once(time_once_unsynchronized))
    assert "✗ on a simulated GPU" in wrong
    assert "nothing waited for the simulated cuda and mps GPUs" in wrong
    assert "✗ work queued before the call is left out" in wrong
    end_only = check_time_once(time_once_end_only)
    assert [ok for ok, _ in end_only.points] == [True, True, True, True, False]


def predict_on_cuda(net: nn.Module, X: torch.Tensor, device: torch.device) -> torch.Tensor:
    return net.cuda()(X.cuda()).cpu()


def test_checks_leave_torch_as_they_found_it() -> None:
    def state() -> tuple:
        return (torch.cuda.synchronize, torch.mps.synchronize, torch.cuda.is_available,
                torch.cuda.device_count, torch.backends.mps.is_available,
                torch.accelerator.is_available, torch.accelerator.current_accelerator,
                torch.accelerator.device_count, torch.accelerator.synchronize, nn.Module.to,
                time.thread_time, time.process_time, sys.getprofile(),
                torch._C._len_torch_function_stack())  # no TorchFunctionMode left behind

    before = state()
    check_time_once(time_once_right)
    check_train_epoch(epoch_on_device)
    check_predict(predict_on_cuda)
    check_predict(predict_right)
    assert state() == before
    assert torch.is_grad_enabled()


# --- one spelling per device -----------------------------------------------------------------

@pytest.mark.usefixtures("no_gpu")
def test_cpu_with_an_index_is_the_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    assert devices.canonical_device("cpu:0") == devices.canonical_device("cpu:5") == CPU
    assert device_exists("cpu:0") and device_exists(torch.device("cpu", 5))
    assert check_devices("devices", ["cpu:0"]) == (CPU,)
    assert time_matmul(64, "cpu:3", max_repeats=1).device == CPU  # its timings say "cpu"
    with pytest.raises(ValueError, match=r"^devices\[1\] repeats 'cpu'; name each device once"):
        check_devices("devices", ["cpu", "cpu:0"])
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    assert check_devices("devices", ["mps:0"]) == (torch.device("mps"),)
    assert devices.canonical_device("cuda") == torch.device("cuda", 0)


@pytest.mark.parametrize("value", [{"cpu": 1}, {"cpu": "cuda"}, "cpu", torch.device("cpu")])
def test_check_devices_refuses_a_dict_or_a_single_device(value: object) -> None:
    with pytest.raises(TypeError, match=r"^devices must be a tuple of devices such as"):
        check_devices("devices", value)
