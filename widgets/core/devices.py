"""Where tensors live: find the GPUs, fall back to the CPU, time work on any device.

Everything here works on a machine without a GPU: :func:`try_gpu` then returns
the CPU, and code written with it runs unchanged on a laptop, on Binder and on
a GPU server. Besides CUDA, it knows every accelerator ``torch.accelerator``
reports (Apple's ``mps``, Intel's ``xpu``, ...). :func:`time_matmul` measures
what a matrix product costs on a device, the copies to and from the CPU
included (the numbers behind :class:`~widgets.DeviceTimer`). Nothing here
imports ipywidgets or matplotlib.

Example:
    >>> X = torch.ones(2, 3, device=try_gpu())
    >>> X.device.type == try_gpu().type
    True
"""

from __future__ import annotations

import contextlib
import math
import numbers
import statistics
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import torch

from ..text import t
from .checks import check_int, check_int_tuple, describe

__all__ = [
    "MAX_MATRIX_SIZE",
    "MAX_SIZES",
    "MIN_MATRIX_SIZE",
    "MIN_REPEATS",
    "Clock",
    "MatmulTiming",
    "as_device",
    "available_devices",
    "canonical_device",
    "check_budget",
    "check_devices",
    "check_matrix_size",
    "check_matrix_sizes",
    "cpu_clock",
    "default_devices",
    "describe_device",
    "device_exists",
    "mps_available",
    "num_gpus",
    "other_accelerator",
    "synchronize",
    "time_matmul",
    "time_matmuls",
    "timing",
    "try_all_gpus",
    "try_gpu",
]

#: Smallest and largest n of the n x n matrices :func:`time_matmul` multiplies.
MIN_MATRIX_SIZE, MAX_MATRIX_SIZE = 64, 4096
#: Most sizes one :func:`time_matmuls` call (one chart) measures.
MAX_SIZES = 8
#: Fewest timed calls behind one measurement of :func:`time_matmul` (after its warm-up call),
#: unless ``max_repeats`` is lower or one call takes the whole budget.
MIN_REPEATS = 3
#: A clock: seconds from some fixed moment, as ``time.perf_counter`` returns them.
Clock = Callable[[], float]

#: Device types :func:`describe_device` names in words (others are "a ... device").
_KINDS = {"cuda": "devices.kind.cuda", "mps": "devices.kind.mps", "xpu": "devices.kind.xpu",
          "cpu": "devices.kind.cpu", "meta": "devices.kind.meta"}
#: Seconds one measurement may take: ``budget_s`` of :func:`time_matmul`.
_MIN_BUDGET_S, _MAX_BUDGET_S = 0.001, 60


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    """Run the block on one CPU thread, then restore the thread count.

    The book's networks are small: they gain nothing from more threads, and when
    other work shares the cores, threads waiting for each other make each step many
    times slower. One thread also gives the same numbers on every machine, whatever
    its core count.

    Example:
        >>> before = torch.get_num_threads()
        >>> with one_thread():
        ...     torch.get_num_threads()
        1
        >>> torch.get_num_threads() == before
        True
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def num_gpus() -> int:
    """The number of CUDA GPUs PyTorch can use here; 0 without CUDA.

    Example:
        >>> num_gpus() >= 0
        True
    """
    if not torch.cuda.is_available():
        return 0
    return int(torch.cuda.device_count())


def mps_available() -> bool:
    """True when Apple's Metal GPU (the ``mps`` device) is usable here.

    Example:
        >>> isinstance(mps_available(), bool)
        True
    """
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def other_accelerator() -> torch.device | None:
    """The accelerator other than CUDA that PyTorch can use here, or None.

    Apple's GPU (``mps``) when it is usable; otherwise what
    ``torch.accelerator.current_accelerator(check_available=True)`` names, such
    as Intel's ``xpu``, unless that is CUDA (:func:`num_gpus` counts those).

    Example:
        >>> other_accelerator() is None or other_accelerator().type != "cuda"
        True
    """
    if mps_available():
        return torch.device("mps")
    accelerator = torch.accelerator.current_accelerator(check_available=True)
    if accelerator is None or accelerator.type in ("cuda", "cpu"):
        return None
    return accelerator


def _check_index(i: object) -> int:
    if isinstance(i, bool) or not isinstance(i, numbers.Integral):
        raise TypeError(t("devices.gpu_index", field="i", got=describe(i)))
    if i < 0:
        raise ValueError(t("devices.gpu_index", field="i", got=int(i)))
    return int(i)


def try_gpu(i: int = 0) -> torch.device:
    """GPU number ``i`` if it exists, else another accelerator (for ``i == 0``), else the CPU.

    Args:
        i: which CUDA GPU to ask for, counting from 0.

    Returns:
        ``torch.device(f"cuda:{i}")`` when PyTorch sees more than ``i`` CUDA GPUs;
        when ``i == 0`` and there is no CUDA GPU, the accelerator
        :func:`other_accelerator` finds (``mps`` on an Apple GPU, ``xpu`` on an
        Intel one, ...); otherwise ``torch.device("cpu")``.

    Example:
        >>> try_gpu(999)  # no machine has 1,000 GPUs: the CPU it is
        device(type='cpu')
    """
    i = _check_index(i)
    if i < num_gpus():
        return torch.device(f"cuda:{i}")
    if i == 0 and num_gpus() == 0:
        other = other_accelerator()
        if other is not None:
            return other
    return torch.device("cpu")


def try_all_gpus() -> list[torch.device]:
    """Every CUDA GPU; without one, ``[try_gpu(0)]``: another accelerator, or the CPU.

    The list is never empty, so ``for device in try_all_gpus()`` always runs.

    Example:
        >>> len(try_all_gpus()) >= 1
        True
    """
    gpus = [torch.device(f"cuda:{i}") for i in range(num_gpus())]
    return gpus or [try_gpu(0)]


def as_device(device: object, field: str = "device") -> torch.device:
    """Return ``device`` as a ``torch.device``; accepts a device or a string like ``'cuda:1'``.

    Only the spelling is checked, not whether this machine has the device.

    Args:
        device: a ``torch.device`` or a device string.
        field: the name used in error messages.

    Example:
        >>> as_device("cuda:1")
        device(type='cuda', index=1)
    """
    if isinstance(device, torch.device):
        return device
    if not isinstance(device, str):
        raise TypeError(t("devices.device", field=field, got=describe(device)))
    try:
        return torch.device(device.strip())
    except RuntimeError:
        raise ValueError(t("devices.device", field=field, got=repr(device))) from None


def describe_device(device: torch.device | str) -> str:
    """The kind of a device in words, the same on every machine: no index, no model name.

    Example:
        >>> describe_device("cuda:1"), describe_device(torch.device("cpu"))
        ('a GPU (cuda)', 'the CPU')
    """
    kind = as_device(device).type
    return t(_KINDS[kind]) if kind in _KINDS else t("devices.kind.other", kind=kind)


def synchronize(device: torch.device | str) -> None:
    """Wait until every operation queued on ``device`` has finished.

    GPUs run asynchronously: a call such as ``A @ B`` on CUDA or MPS only queues
    the work and returns at once. Call this before reading a clock. CUDA and MPS
    wait through ``torch.cuda`` and ``torch.mps``; another accelerator this
    machine has, through ``torch.accelerator.synchronize``. On the CPU, where
    work finishes before the call returns, it does nothing (and so on ``meta``,
    or a device this machine lacks).

    Example:
        >>> synchronize("cpu")  # nothing queued on the CPU: returns at once
    """
    device = as_device(device)
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()
    elif device.type not in ("cpu", "meta"):
        other = other_accelerator()
        if other is not None and other.type == device.type:
            torch.accelerator.synchronize(device)


def timing(fn: Callable[[], object], device: torch.device | str = "cpu", *,
           repeats: int = 5, warmup: int = 1, clock: Clock | None = None) -> float:
    """Median seconds one call of ``fn`` takes on ``device``, waiting for queued work.

    The device is synchronized before the clock starts (so earlier work is not
    counted) and before it stops (so the work ``fn`` queued is), and the first
    ``warmup`` calls are not timed (they include one-off setup costs).

    Args:
        fn: a function of no arguments that does the work.
        device: where the work runs; it decides which device to wait for.
        repeats: how many timed calls, from 1 to 1000; the median is returned.
        warmup: untimed calls made first, from 0 to 100.
        clock: what reads the time (``time.perf_counter`` unless given); read
            once before and once after each timed call.

    Returns:
        The median of the timed calls, in seconds (always > 0).

    Example:
        >>> A = torch.rand(64, 64)
        >>> timing(lambda: A @ A, "cpu", repeats=3) > 0
        True
    """
    if not callable(fn):
        raise TypeError(t("devices.function", field="fn", got=describe(fn)))
    device = as_device(device)
    repeats = check_int("repeats", repeats, 1, 1000)
    warmup = check_int("warmup", warmup, 0, 100)
    clock = clock or time.perf_counter
    for _ in range(warmup):
        fn()
    seconds = []
    for _ in range(repeats):
        synchronize(device)
        start = clock()
        fn()
        synchronize(device)
        seconds.append(clock() - start)
    return max(statistics.median(seconds), math.ulp(0.0))


# --- what a matrix product costs, copies included --------------------------------------------

CPU = torch.device("cpu")


def canonical_device(device: torch.device | str, field: str = "device") -> torch.device:
    """The one spelling of ``device`` used here: ``cuda`` is ``cuda:0``, ``cpu:N`` is ``cpu``.

    PyTorch has one CPU device whatever the index (``torch.ones(1, device="cpu:3")``
    lands on ``cpu``) and one Apple GPU, so their indices are dropped; a CUDA device
    always carries its number. Two spellings of one device then compare equal.

    Example:
        >>> canonical_device("cpu:0"), canonical_device("cuda"), canonical_device("mps:0")
        (device(type='cpu'), device(type='cuda', index=0), device(type='mps'))
    """
    device = as_device(device, field)
    if device.type in ("cpu", "mps") and device.index is not None:
        return torch.device(device.type)
    if device.type == "cuda" and device.index is None:
        return torch.device("cuda", 0)
    return device


def device_exists(device: torch.device | str) -> bool:
    """True when this machine has ``device``: the CPU, a CUDA GPU PyTorch counts, or MPS.

    Any index of the CPU (``cpu:0``, ``cpu:5``) is the CPU, as PyTorch treats it.

    Example:
        >>> device_exists("cpu"), device_exists("cpu:5"), device_exists("cuda:99")
        (True, True, False)
        >>> device_exists("meta"), device_exists("xpu:7")
        (False, False)
    """
    device = canonical_device(device)
    if device.type == "cpu":
        return True
    if device.type == "cuda":
        return 0 <= (device.index or 0) < num_gpus()
    if device.type == "mps":
        return mps_available()
    other = other_accelerator()
    if other is None or other.type != device.type:
        return False  # meta, or an accelerator this machine lacks
    return 0 <= (device.index or 0) < torch.accelerator.device_count()


def available_devices() -> tuple[torch.device, ...]:
    """The CPU, then every GPU :func:`try_all_gpus` finds: what a reader can time here.

    Example:
        >>> available_devices()[0]
        device(type='cpu')
    """
    return tuple(dict.fromkeys([CPU, *try_all_gpus()]))


def default_devices() -> tuple[torch.device, ...]:
    """The CPU, and ``try_gpu()`` when that is a different device.

    Example:
        >>> default_devices()[0], len(default_devices()) in (1, 2)
        (device(type='cpu'), True)
    """
    return tuple(dict.fromkeys([CPU, try_gpu()]))


def check_devices(field: str, value: object) -> tuple[torch.device, ...]:
    """Return ``value`` as a tuple of different devices that this machine has.

    Each entry is a ``torch.device`` or a device string, put in the one spelling
    :func:`canonical_device` gives: ``'cuda'`` means ``'cuda:0'``, ``'cpu:0'`` means
    ``'cpu'``, so no device can be named twice under two spellings.

    Example:
        >>> check_devices("devices", ["cpu:0"])
        (device(type='cpu'),)
    """
    if (isinstance(value, (str, bytes, torch.device, Mapping))
            or not isinstance(value, Iterable)):
        raise TypeError(t("devices.device_tuple", field=field, got=describe(value)))
    entries = list(value)
    if not entries:
        raise ValueError(t("devices.no_devices", field=field))
    found: list[torch.device] = []
    for i, entry in enumerate(entries):
        device = _existing_device(f"{field}[{i}]", entry)
        if device in found:
            raise ValueError(t("devices.repeated", field=f"{field}[{i}]", device=repr(str(device))))
        found.append(device)
    return tuple(found)


def _existing_device(field: str, value: object) -> torch.device:
    device = canonical_device(value, field)  # type: ignore[arg-type]
    if not device_exists(device):
        have = ", ".join(map(str, available_devices()))
        raise ValueError(t("devices.missing", field=field, have=have, got=repr(str(device))))
    return device


def check_matrix_size(field: str, value: object) -> int:
    """Return ``value`` if it is a matrix size n from 64 to 4096.

    Example:
        >>> check_matrix_size("size", 512)
        512
    """
    return check_int(field, value, MIN_MATRIX_SIZE, MAX_MATRIX_SIZE)


def check_matrix_sizes(field: str, value: object) -> tuple[int, ...]:
    """Return 1 to 8 matrix sizes, each from 64 to 4096, sorted and without repeats.

    Example:
        >>> check_matrix_sizes("sizes", [256, 64, 256])
        (64, 256)
    """
    sizes = check_int_tuple(field, value, MIN_MATRIX_SIZE, MAX_MATRIX_SIZE, 1, MAX_SIZES)
    return tuple(sorted(set(sizes)))


@dataclass(frozen=True)
class MatmulTiming:
    """What one product of two n x n matrices costs on a device, copies included.

    Attributes:
        device: where the product ran.
        size: n, the rows and the columns of each matrix.
        to_device_s: seconds to copy both matrices from the CPU to ``device``;
            None on the CPU, where ``.to()`` has nothing to copy.
        matmul_s: seconds of one ``A @ B`` on ``device``.
        to_cpu_s: seconds to copy the product back to the CPU; None on the CPU.

    Example:
        >>> t = MatmulTiming(torch.device("cpu"), 1000, None, 0.5, None)
        >>> t.total_s, t.gflops
        (0.5, 4.0)
    """

    device: torch.device
    size: int
    to_device_s: float | None
    matmul_s: float
    to_cpu_s: float | None

    @property
    def copies_s(self) -> float | None:
        """Seconds of both copies together; None on the CPU."""
        if self.to_device_s is None or self.to_cpu_s is None:
            return None
        return self.to_device_s + self.to_cpu_s

    @property
    def total_s(self) -> float:
        """Seconds from operands on the CPU to the product on the CPU."""
        return self.matmul_s + (self.copies_s or 0.0)

    @property
    def gflops(self) -> float:
        """Speed of the product: its 2 n^3 floating-point operations per second, in billions."""
        return 2 * self.size ** 3 / self.matmul_s / 1e9


def check_budget(budget_s: object) -> float:
    """Return ``budget_s`` as a float if it is a number of seconds from 0.001 to 60.

    Example:
        >>> check_budget(1)
        1.0
    """
    if isinstance(budget_s, bool) or not isinstance(budget_s, numbers.Real):
        raise TypeError(t("devices.budget", field="budget_s", low=_MIN_BUDGET_S,
                          high=_MAX_BUDGET_S, got=describe(budget_s)))
    if not _MIN_BUDGET_S <= float(budget_s) <= _MAX_BUDGET_S:
        raise ValueError(t("devices.budget", field="budget_s", low=_MIN_BUDGET_S,
                           high=_MAX_BUDGET_S, got=budget_s))
    return float(budget_s)


def _time_within(fn: Callable[[], object], device: torch.device, budget_s: float,
                 max_repeats: int, clock: Clock | None = None) -> float:
    """Median seconds of ``fn`` on ``device``: a warm-up call, then several timed calls.

    The warm-up call pays one-off costs (the first call at a new size allocates,
    a GPU loads its kernels) and tells how long a call takes; it is not counted.
    Then come as many timed calls as the rest of ``budget_s`` allows, at least
    :data:`MIN_REPEATS` and at most ``max_repeats``, and their median is the
    measurement: a call slowed down by other work on the machine moves it less
    than it moves a mean. Only when the warm-up call alone takes the whole
    budget is that one call the measurement (for work that long, one-off costs
    are small beside it).
    """
    first = timing(fn, device, repeats=1, warmup=0, clock=clock)
    if first >= budget_s:
        return first
    affordable = int((budget_s - first) / first + 1e-9)  # 1e-9: (0.1 - 0.02) / 0.02 is 4
    repeats = min(max_repeats, max(MIN_REPEATS, affordable))
    return timing(fn, device, repeats=repeats, warmup=0, clock=clock)


def cpu_clock() -> Clock:
    """The clock for work on the CPU's calling thread: that thread's CPU time, where it is fine.

    ``time.thread_time`` counts only the time this thread ran, so the time other
    programs hold the core is left out: by it, a product takes little longer than on
    an idle machine (a little: programs that share the caches, the memory bus or the
    core's other hyperthread still slow the thread while it runs).
    Where that clock ticks more coarsely than a microsecond (Windows counts in
    steps of about 16 ms), ``time.perf_counter`` it is.

    Example:
        >>> cpu_clock() in (time.thread_time, time.perf_counter)
        True
    """
    if time.get_clock_info("thread_time").resolution <= 1e-6:
        return time.thread_time
    return time.perf_counter


def _warm_up(device: torch.device) -> None:
    """Pay one-off costs (starting a GPU's context and its matmul library) before timing."""
    small = torch.ones(8, 8)
    on_device = small.to(device)
    (on_device @ on_device).to(CPU)
    synchronize(device)


def time_matmul(size: int, device: torch.device | str = "cpu", *, budget_s: float = 0.2,
                max_repeats: int = 5, seed: int = 0, clock: Clock | None = None) -> MatmulTiming:
    """Time copying two n x n matrices to ``device``, ``A @ B`` there, and the copy back.

    Each of the three is timed with :func:`timing` (the device synchronized
    around every call): one warm-up call that is not counted, then the median
    of :data:`MIN_REPEATS` to ``max_repeats`` calls, as many as a third of
    ``budget_s`` allows; a call that alone takes that third is made once and
    is the measurement. On the CPU nothing is copied, so only the product is
    timed, and on one thread: with several, a product waits until every thread
    has a core, and where other work shares the cores that wait can make a
    small product slower than a large one. Its clock, unless ``clock`` is
    given, is :func:`cpu_clock`: the CPU time of that one thread, which other
    work on the machine delays but lengthens only a little.

    Args:
        size: n, from 64 to 4096.
        device: a device this machine has.
        budget_s: seconds the three measurements together aim to stay within
            (a call longer than that is still made once), 0.001 to 60.
        max_repeats: most timed calls per measurement, 1 to 100.
        seed: seed of the random matrices (the global random state is left alone).
        clock: what reads the time; unless given, :func:`cpu_clock` on the CPU
            and ``time.perf_counter`` on any other device.

    Returns:
        A :class:`MatmulTiming`.

    Example:
        >>> t = time_matmul(64, "cpu", max_repeats=1)
        >>> t.size, t.to_device_s, t.matmul_s > 0
        (64, None, True)
    """
    size = check_matrix_size("size", size)
    device = _existing_device("device", device)
    budget_s = check_budget(budget_s)
    max_repeats = check_int("max_repeats", max_repeats, 1, 100)
    generator = torch.Generator().manual_seed(check_int("seed", seed, 0, 2**63 - 1))
    A_host = torch.rand(size, size, generator=generator)
    B_host = torch.rand(size, size, generator=generator)
    share = budget_s / 3
    if device.type == "cpu":
        with one_thread():  # see the docstring
            matmul_s = _time_within(lambda: A_host @ B_host, device, share, max_repeats,
                                    clock or cpu_clock())
        return MatmulTiming(device, size, None, matmul_s, None)
    _warm_up(device)
    to_device_s = _time_within(lambda: (A_host.to(device), B_host.to(device)), device, share,
                               max_repeats, clock)
    A, B = A_host.to(device), B_host.to(device)
    matmul_s = _time_within(lambda: A @ B, device, share, max_repeats, clock)
    C = A @ B
    to_cpu_s = _time_within(lambda: C.to(CPU), device, share, max_repeats, clock)
    return MatmulTiming(device, size, to_device_s, matmul_s, to_cpu_s)


def time_matmuls(sizes: Sequence[int], devices: Sequence[torch.device | str], *,
                 budget_s: float = 0.2, max_repeats: int = 5,
                 clock: Clock | None = None) -> tuple[MatmulTiming, ...]:
    """:func:`time_matmul` for every device and every size: device by device, small to large.

    Example:
        >>> [(t.device.type, t.size) for t in time_matmuls([128, 64], ["cpu"], max_repeats=1)]
        [('cpu', 64), ('cpu', 128)]
    """
    sizes = check_matrix_sizes("sizes", sizes)
    devices = check_devices("devices", devices)
    budget_s = check_budget(budget_s)
    max_repeats = check_int("max_repeats", max_repeats, 1, 100)
    results = []
    for device in devices:
        results.extend(time_matmul(n, device, budget_s=budget_s, max_repeats=max_repeats,
                                   clock=clock) for n in sizes)
    return tuple(results)
