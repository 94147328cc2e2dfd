"""Where tensors live: find the GPUs, fall back to the CPU, time work on any device.

Everything here works on a machine without a GPU: :func:`try_gpu` then returns
the CPU, and code written with it runs unchanged on a laptop, on Binder and on
a GPU server. Nothing here imports ipywidgets or matplotlib.

Example:
    >>> X = torch.ones(2, 3, device=try_gpu())
    >>> X.device.type == try_gpu().type
    True
"""

from __future__ import annotations

import math
import numbers
import statistics
import time
from collections.abc import Callable

import torch

from .validation import check_int, describe

__all__ = [
    "as_device",
    "describe_device",
    "mps_available",
    "num_gpus",
    "synchronize",
    "timing",
    "try_all_gpus",
    "try_gpu",
]

_KINDS = {"cuda": "a GPU (cuda)", "mps": "an Apple GPU (mps)", "cpu": "the CPU",
          "meta": "the meta device (shapes only, no data)"}


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


def _check_index(i: object) -> int:
    if isinstance(i, bool) or not isinstance(i, numbers.Integral):
        raise TypeError(f"i must be an integer >= 0 (a GPU number), got {describe(i)}")
    if i < 0:
        raise ValueError(f"i must be an integer >= 0 (a GPU number), got {int(i)}")
    return int(i)


def try_gpu(i: int = 0) -> torch.device:
    """GPU number ``i`` if it exists, else Apple's GPU (for ``i == 0``), else the CPU.

    Args:
        i: which CUDA GPU to ask for, counting from 0.

    Returns:
        ``torch.device(f"cuda:{i}")`` when PyTorch sees more than ``i`` CUDA GPUs;
        ``torch.device("mps")`` when ``i == 0`` and there is no CUDA GPU but an
        Apple GPU; otherwise ``torch.device("cpu")``.

    Example:
        >>> try_gpu(999)  # no machine has 1,000 GPUs: the CPU it is
        device(type='cpu')
    """
    i = _check_index(i)
    if i < num_gpus():
        return torch.device(f"cuda:{i}")
    if i == 0 and num_gpus() == 0 and mps_available():
        return torch.device("mps")
    return torch.device("cpu")


def try_all_gpus() -> list[torch.device]:
    """Every CUDA GPU; without one, ``[mps]`` on an Apple GPU, else ``[cpu]``.

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
    allowed = "a torch.device or a device string such as 'cpu', 'cuda', 'cuda:1' or 'mps'"
    if not isinstance(device, str):
        raise TypeError(f"{field} must be {allowed}, got {describe(device)}")
    try:
        return torch.device(device.strip())
    except RuntimeError:
        raise ValueError(f"{field} must be {allowed}, got {device!r}") from None


def describe_device(device: torch.device | str) -> str:
    """The kind of a device in words, the same on every machine: no index, no model name.

    Example:
        >>> describe_device("cuda:1"), describe_device(torch.device("cpu"))
        ('a GPU (cuda)', 'the CPU')
    """
    kind = as_device(device).type
    return _KINDS.get(kind, f"a {kind} device")


def synchronize(device: torch.device | str) -> None:
    """Wait until every operation queued on ``device`` has finished.

    GPUs run asynchronously: a call such as ``A @ B`` on CUDA or MPS only queues
    the work and returns at once. Call this before reading a clock. On the CPU,
    where work finishes before the call returns, it does nothing.

    Example:
        >>> synchronize("cpu")  # nothing queued on the CPU: returns at once
    """
    device = as_device(device)
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


def timing(fn: Callable[[], object], device: torch.device | str = "cpu", *,
           repeats: int = 5, warmup: int = 1) -> float:
    """Median seconds one call of ``fn`` takes on ``device``, waiting for queued work.

    The device is synchronized before the clock starts (so earlier work is not
    counted) and before it stops (so the work ``fn`` queued is), and the first
    ``warmup`` calls are not timed (they include one-off setup costs).

    Args:
        fn: a function of no arguments that does the work.
        device: where the work runs; it decides which device to wait for.
        repeats: how many timed calls, from 1 to 1000; the median is returned.
        warmup: untimed calls made first, from 0 to 100.

    Returns:
        The median of the timed calls, in seconds (always > 0).

    Example:
        >>> A = torch.rand(64, 64)
        >>> timing(lambda: A @ A, "cpu", repeats=3) > 0
        True
    """
    if not callable(fn):
        raise TypeError(f"fn must be a function of no arguments, got {describe(fn)}")
    device = as_device(device)
    repeats = check_int("repeats", repeats, 1, 1000)
    warmup = check_int("warmup", warmup, 0, 100)
    for _ in range(warmup):
        fn()
    seconds = []
    for _ in range(repeats):
        synchronize(device)
        start = time.perf_counter()
        fn()
        synchronize(device)
        seconds.append(time.perf_counter() - start)
    return max(statistics.median(seconds), math.ulp(0.0))
