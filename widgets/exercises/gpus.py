"""Checks for the exercises of chapter 07, "GPUs".

Every check prints the same lines on a machine with a GPU and on one without:
device mistakes are caught on devices every machine has (the CPU, PyTorch's
``meta`` device, and a simulated GPU whose queue the check controls), and a
real GPU, where there is one, only confirms what the CPU run found. Code that
sends tensors to a GPU it was not given (``.cuda()``, ``.to("cuda:0")``,
``net.to(0)``) is stopped before the tensor moves, and on the CPU runs every
machine looks like one without an accelerator, whose ``synchronize`` calls fail
as a CPU-only PyTorch's do, so such code gets the same message everywhere.
"""

from __future__ import annotations

import contextlib
import copy
import io
import math
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import FrameType
from unittest import mock

import torch
from torch import nn
from torch.overrides import TorchFunctionMode

from ..core.devices import synchronize as book_synchronize
from ..core.devices import try_gpu
from ..text import join, plural, t
from . import CheckReport

CPU = torch.device("cpu")
META = torch.device("meta")


def _name(obj: object) -> str:
    return getattr(obj, "__name__", type(obj).__name__)


def _other_devices() -> list[torch.device]:
    """The accelerator ``try_gpu()`` finds, if any: where a real run confirms the CPU's."""
    device = try_gpu()
    return [] if device.type == "cpu" else [device]


# --- Exercise 1: run a model on a device, get the answer back on the CPU ---------------------

class _OperandsApartError(Exception):
    """Raised by the check's hook to stop a forward pass whose operands are apart."""


class _UnaskedDeviceError(Exception):
    """Raised when the reader's code sends a tensor to an accelerator it was not given."""

    def __init__(self, target: torch.device, how: str) -> None:
        super().__init__(str(target))
        self.target, self.how = target, how


#: Tensor methods that send a tensor to one kind of accelerator, whatever the caller asked for.
_ACCELERATOR_METHODS = {"cuda", "xpu", "mtia", "hpu", "ipu"}


def _device_of(value: object) -> torch.device | None:
    """The device ``value`` names as an argument of ``.to()`` or ``device=``, if it names one."""
    if isinstance(value, torch.device):
        return value
    if isinstance(value, str):
        with contextlib.suppress(RuntimeError):
            return torch.device(value)
    if isinstance(value, int) and not isinstance(value, bool):  # .to(0): GPU number 0
        return torch.device("cuda", value)
    return None


class _StopUnaskedDevices(TorchFunctionMode):
    """Stops any call that would put a tensor on an accelerator other than ``allowed``.

    It sees ``.cuda()`` and the like, ``.to(...)`` with a device, and factory
    functions given ``device=``; it raises before PyTorch runs them, so the
    outcome is the same on a machine with that accelerator and on one without.
    """

    def __init__(self, allowed: set[str]) -> None:
        super().__init__()
        self.allowed = allowed

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        name = getattr(func, "__name__", "")
        if name in _ACCELERATOR_METHODS:  # .cuda(), .cuda(1), .cuda("cuda:1")
            which = args[1] if len(args) > 1 else kwargs.get("device")
            target = _device_of(which)
            index = target.index if target is not None and target.type == name else None
            raise _UnaskedDeviceError(torch.device(name, index) if index is not None
                                      else torch.device(name), f".{name}()")
        for value in ([*args[1:], kwargs.get("device")] if name == "to"
                      else [kwargs.get("device")]):
            _stop_unasked(self.allowed, name, value)
        return func(*args, **kwargs)


def _stop_unasked(allowed: set[str], name: str, value: object) -> None:
    """Raise :class:`_UnaskedDeviceError` if ``value``, an argument of the call ``name``,
    names a device whose type is not in ``allowed``; the message writes the argument as
    the code did (``.to(0)``, ``.to('cuda')``)."""
    target = _device_of(value)
    if target is None or target.type in allowed:
        return
    written = repr(value) if isinstance(value, (str, int)) else repr(str(target))
    how = f".to({written})" if name == "to" else f"{name}(..., device={written})"
    raise _UnaskedDeviceError(target, how)


@contextlib.contextmanager
def _stop_unasked_module_moves(allowed: set[str]) -> Iterator[None]:
    """Stop ``net.to(...)`` with a device outside ``allowed`` before PyTorch reads it.

    A module's ``.to`` parses its arguments before any tensor moves, and a CPU-only
    PyTorch refuses ``net.to(0)`` right there ("Cannot access accelerator device when
    none is available"), where a GPU machine would go on to move the parameters; stopped
    here, the call reads the same on both.
    """
    real_to = nn.Module.to

    def to(module: nn.Module, *args: object, **kwargs: object) -> nn.Module:
        for value in [*args, kwargs.get("device")]:
            _stop_unasked(allowed, "to", value)
        return real_to(module, *args, **kwargs)

    with mock.patch.object(nn.Module, "to", to):
        yield


@contextlib.contextmanager
def _no_accelerator() -> Iterator[None]:
    """Make this machine look like one without CUDA, MPS or any other accelerator, so that
    code which picks a device for itself picks the CPU here as on every laptop."""
    patches = [mock.patch.object(torch.cuda, "is_available", lambda: False),
               mock.patch.object(torch.cuda, "device_count", lambda: 0),
               mock.patch.object(torch.backends.mps, "is_available", lambda: False),
               mock.patch.object(torch.accelerator, "is_available", lambda: False),
               mock.patch.object(torch.accelerator, "device_count", lambda: 0),
               mock.patch.object(torch.accelerator, "current_accelerator",
                                 lambda *args, **kwargs: None)]
    with contextlib.ExitStack() as stack:
        for patch in patches:
            stack.enter_context(patch)
        yield


def _cuda_missing(refused: list[str] | None = None) -> list[mock._patch]:
    """Patches that make CUDA absent, its ``synchronize`` failing as a CPU-only PyTorch's."""
    def synchronize(*args: object, **kwargs: object) -> None:
        if refused is not None:
            refused.append("torch.cuda.synchronize")
        raise AssertionError("Torch not compiled with CUDA enabled")  # code

    return [mock.patch.object(torch.cuda, "is_available", lambda: False),
            mock.patch.object(torch.cuda, "device_count", lambda: 0),
            mock.patch.object(torch.cuda, "synchronize", synchronize)]


def _mps_missing(refused: list[str] | None = None) -> list[mock._patch]:
    """Patches that make Apple's GPU absent, its ``synchronize`` failing as elsewhere."""
    def synchronize(*args: object, **kwargs: object) -> None:
        if refused is not None:
            refused.append("torch.mps.synchronize")
        raise RuntimeError("Cannot execute deviceSynchronize() without MPS backend.")  # code

    return [mock.patch.object(torch.backends.mps, "is_available", lambda: False),
            mock.patch.object(torch.mps, "synchronize", synchronize)]


#: Clocks that count the CPU time of a thread or a process, and so not time spent waiting.
_CPU_CLOCKS = ("thread_time", "thread_time_ns", "process_time", "process_time_ns")


@contextlib.contextmanager
def _without_accelerator(refused: list[str]) -> Iterator[None]:
    """The CPU run, on every machine as under a CPU-only PyTorch: no accelerator is found,
    and waiting for one fails with the errors that build raises. ``refused`` collects the
    calls that failed so, and the CPU-time clocks the code read are noted in it too."""
    def accelerator_synchronize(device: object = None, /) -> None:
        refused.append("torch.accelerator.synchronize")
        if isinstance(device, (str, torch.device)):
            raise RuntimeError("Accelerator expected")  # code
        raise RuntimeError("Cannot access accelerator device when none is available.")  # code

    def noted(name: str, clock: Callable[[], float]) -> Callable[[], float]:
        def read() -> float:
            refused.append(name)
            return clock()
        return read

    patches = [*_cuda_missing(refused), *_mps_missing(refused),
               mock.patch.object(torch.accelerator, "synchronize", accelerator_synchronize),
               *(mock.patch.object(time, name, noted(name, getattr(time, name)))
                 for name in _CPU_CLOCKS)]
    with contextlib.ExitStack() as stack:
        stack.enter_context(_no_accelerator())
        for patch in patches:
            stack.enter_context(patch)
        yield


def _explain_waiting_on_cpu(report: CheckReport, noted: list[str]) -> None:
    """Add a hint to a CPU run that raised after waiting for an accelerator failed
    (``noted`` as :func:`_without_accelerator` filled it)."""
    refused = [name for name in noted if name not in _CPU_CLOCKS]
    ok, text = report.points[-1]
    returned_none = t("exercises.report.returned_none", what="").strip()
    if not ok and refused and not text.endswith(returned_none):  # it raised
        report.points[-1] = (False, t("exercises.report.with_hint", what=text,
                                      hint=t("exercises.gpus.no_accelerator_on_cpu",
                                             call=refused[-1])))


def _small_model() -> tuple[nn.Module, torch.Tensor]:
    with torch.random.fork_rng(devices=[]):  # the reader's random state is left alone
        torch.manual_seed(0)
        net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
        X = torch.rand(5, 4)
    return net, X


def check_predict(predict: Callable[[nn.Module, torch.Tensor, torch.device], object]
                  ) -> CheckReport:
    """Check ``predict(net, X, device)``: run ``net`` on ``X`` on ``device``, answer on the CPU.

    The model and the batch must both be on ``device`` when ``forward`` runs, and
    the output must come back as a CPU tensor holding ``net(X)``'s values. The
    placement is tried on the ``meta`` device (shapes without data, present on
    every machine), the values on the CPU, and again on ``try_gpu()`` if that is
    a GPU. During the ``meta`` and CPU runs the machine looks like one without
    an accelerator, so code that picks a device for itself picks the CPU on
    every machine (waiting for one fails there as under a CPU-only PyTorch,
    while on ``meta``, which stands for a GPU, it returns at once); and during
    the ``meta`` run a tensor or a module sent to an
    accelerator (``.cuda()``, ``.to("cuda:0")``, ``net.to(0)``) is stopped and
    reported: ``predict`` must use the device it is given. A copy of the output
    to the CPU with ``non_blocking=True`` that nothing waits for before
    ``predict`` returns is a miss too: on a GPU the CPU tensor may not hold the
    numbers yet.
    """
    report = CheckReport(f"check_predict({_name(predict)})")
    meta = _try_on_meta(report, predict)
    if meta.placed is None:
        return report
    devices = [CPU, *(_other_devices() if meta.placed else [])]
    outputs_on_cpu, values_match = meta.copied_back is not False, True
    for device in devices:
        net, X = _small_model()
        with torch.no_grad():
            expected = net(X)
        # on the CPU, code that picks a device for itself picks the CPU, as on every laptop
        refused: list[str] = []
        with _without_accelerator(refused) if device.type == "cpu" else contextlib.nullcontext():
            out = report.attempt("predict(net, X, device)",
                                 lambda: predict(net, X, device))  # noqa: B023
        if out is None:  # attempt recorded the error or the missing return
            _explain_waiting_on_cpu(report, refused)
            return report
        if not isinstance(out, torch.Tensor):
            report.expect(False, t("exercises.gpus.returns_tensor"),
                          t("exercises.gpus.got", value=type(out).__name__))
            return report
        outputs_on_cpu &= out.device.type == "cpu"
        values_match &= (out.device.type == "cpu" and out.shape == expected.shape
                         and torch.allclose(out.detach(), expected, rtol=1e-4, atol=1e-5))
    report.expect(outputs_on_cpu and not meta.unawaited,
                  t("exercises.gpus.back_on_cpu"),
                  t("exercises.gpus.stayed_on_device") if not outputs_on_cpu
                  else t("exercises.gpus.copy_not_awaited_cuda") if _names_cuda(predict)
                  else t("exercises.gpus.copy_not_awaited"))
    report.expect(values_match, t("exercises.gpus.values_of_net"),
                  t("exercises.gpus.values_differ"))
    return report


def _names_cuda(function: Callable) -> bool:
    """Whether ``function``'s code (or code defined inside it) names CUDA: ``torch.cuda``,
    or a device written as ``"cuda"``, as a wait kept for CUDA alone does. Read from the
    compiled code, not run; a function without ``__code__`` names nothing."""
    code = getattr(function, "__code__", None)
    stack = [code] if code is not None else []
    while stack:
        code = stack.pop()
        if "cuda" in code.co_names or any(isinstance(c, str) and c.startswith("cuda")
                                          for c in code.co_consts):
            return True
        stack.extend(c for c in code.co_consts if hasattr(c, "co_names"))
    return False


@dataclass
class _MetaRun:
    """What the meta run of :func:`check_predict` found.

    ``placed``: the model and the batch met on the device (None: the run failed
    in a way already reported). ``copied_back``: the output left the device
    (None: not known). ``unawaited``: a copy of it to the CPU was queued with
    ``non_blocking=True`` and nothing waited for it before ``predict`` returned.
    """

    placed: bool | None
    copied_back: bool | None = None
    unawaited: bool = False


class _WatchCopiesBack(_StopUnaskedDevices):
    """The guard of the meta run, which also notes copies to the CPU that nobody waits for.

    A non-blocking copy of a tensor on another device to the CPU is noted and
    answered with a CPU tensor of zeros (a meta tensor has no numbers to copy), so
    the function runs on; ``events`` then says whether something waited after it.
    """

    def __init__(self, allowed: set[str]) -> None:
        super().__init__(allowed)
        self.events: list[str] = []

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        source = args[0] if args else None
        if (getattr(func, "__name__", "") == "to" and isinstance(source, torch.Tensor)
                and source.device.type != "cpu" and _to_cpu(args[1:], kwargs)
                and _non_blocking(args[1:], kwargs)):
            self.events.append("copy")
            return torch.zeros(source.shape, dtype=source.dtype)
        return super().__torch_function__(func, types, args, kwargs)

    def waited(self) -> None:
        self.events.append("sync")

    @property
    def unawaited(self) -> bool:
        """True if a non-blocking copy back came after the last wait (or there was none)."""
        if "copy" not in self.events:
            return False
        last_copy = len(self.events) - 1 - self.events[::-1].index("copy")
        return "sync" not in self.events[last_copy:]


def _non_blocking(args: tuple, kwargs: dict) -> bool:
    """Whether a ``Tensor.to`` call asks for ``non_blocking``: the keyword, or the first
    bool among its positional arguments (``to(device, dtype, non_blocking, copy)``)."""
    if "non_blocking" in kwargs:
        return bool(kwargs["non_blocking"])
    return next((arg for arg in args if isinstance(arg, bool)), False)


@contextlib.contextmanager
def _waits_noted(note: Callable[[], None]) -> Iterator[None]:
    """Call ``note()`` whenever the code waits for a device: ``torch.cuda``, ``torch.mps`` or
    ``torch.accelerator``'s ``synchronize`` (which return at once here, on every machine),
    or the book's :func:`~widgets.synchronize`, which on ``meta`` calls nothing to patch and
    is seen through a profile hook instead."""
    def wait(*args: object, **kwargs: object) -> None:
        note()

    def profile(frame: FrameType, event: str, arg: object) -> None:
        if event == "call" and frame.f_code is book_synchronize.__code__:
            note()

    patches = [mock.patch.object(torch.cuda, "synchronize", wait),
               mock.patch.object(torch.mps, "synchronize", wait),
               mock.patch.object(torch.accelerator, "synchronize", wait)]
    before = sys.getprofile()
    with contextlib.ExitStack() as stack:
        for patch in patches:
            stack.enter_context(patch)
        sys.setprofile(profile)
        try:
            yield
        finally:
            sys.setprofile(before)


def _try_on_meta(report: CheckReport, predict: Callable) -> _MetaRun:
    """Run ``predict`` on the meta device and record the placement point."""
    net, X = _small_model()
    seen: list[tuple[set[str], set[str]]] = []

    def hook(module: nn.Module, args: tuple) -> None:
        inputs = {a.device.type for a in args if isinstance(a, torch.Tensor)}
        params = {p.device.type for p in module.parameters()}
        seen.append((inputs, params))
        if inputs != {"meta"} or params != {"meta"}:
            raise _OperandsApartError

    net.register_forward_pre_hook(hook)
    what = t("exercises.gpus.operands_together", device=META.type)
    call = f"predict(net, X, {META.type!r})"
    allowed = {META.type, CPU.type}
    guard = _WatchCopiesBack(allowed)
    try:
        with (_no_accelerator(), _stop_unasked_module_moves(allowed), _waits_noted(guard.waited),
              guard):
            out = predict(net, X, META)
    except _UnaskedDeviceError as error:
        report.expect(False, what, t("exercises.gpus.assumes_gpu", target=str(error.target),
                                     how=error.how, given=META.type))
        return _MetaRun(None)
    except _OperandsApartError:
        inputs, params = seen[0]
        key = ("exercises.gpus.batch_apart" if params == {"meta"}
               else "exercises.gpus.model_apart" if inputs == {"meta"}
               else "exercises.gpus.both_apart")
        report.expect(False, what, t(key, inputs=t("list.separator").join(sorted(inputs)),
                                     params=t("list.separator").join(sorted(params)),
                                     given=META.type))
        return _MetaRun(False)
    except NotImplementedError as error:
        if "Cannot copy out of meta tensor" not in str(error) or not seen:  # code
            report.points.append((False, t("exercises.gpus.raised", what=call,
                                           error_type="NotImplementedError", error=error)))
            return _MetaRun(None)
        report.expect(True, what)
        # it tried to copy the (data-less) output back to the CPU: good
        return _MetaRun(True, True, guard.unawaited)
    except Exception as error:  # the reader's code failed: report it, do not raise
        report.points.append((False, t("exercises.gpus.raised", what=call,
                                       error_type=type(error).__name__, error=error)))
        return _MetaRun(None)
    if not report.expect(bool(seen), what, t("exercises.gpus.never_called")):
        return _MetaRun(False)
    return _MetaRun(True, not (isinstance(out, torch.Tensor) and out.device.type == "meta"),
                    guard.unawaited)


# --- Exercise 2: one read back to the CPU per epoch, not per batch ---------------------------

_READS = {"item", "tolist", "numpy", "cpu", "__float__", "__int__", "__bool__", "__index__",
          "__format__", "__repr__", "__str__"}


class _CountReads(TorchFunctionMode):
    """Counts the calls that copy a tensor's values to the CPU (and so wait for a GPU), and
    notes the batch losses (``is_loss``) that are built into a tensor which needs grad,
    such as a running sum of the losses themselves: each keeps its batch's graph alive."""

    def __init__(self, is_loss: Callable[[torch.Tensor], bool] = lambda tensor: False) -> None:
        super().__init__()
        self.reads = 0
        self.is_loss = is_loss
        self.kept: list[torch.Tensor] = []  # outputs that hold a batch loss's graph
        self.backward: list[torch.Tensor] = []  # the tensors .backward() was called on

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        name = getattr(func, "__name__", "")
        if name in _READS or (name == "to" and _to_cpu(args[1:], kwargs)):
            self.reads += 1
        out = func(*args, **kwargs)
        if name == "backward":
            self.backward.extend(a for a in args[:1] if isinstance(a, torch.Tensor))
        elif (isinstance(out, torch.Tensor) and out.requires_grad
              and any(self.is_loss(a) for a in _tensors(args))):
            self.kept.append(out)
        return out

    def keeps_graphs(self) -> bool:
        """True if a batch loss went into a tensor that needs grad and was never a loss
        that ``backward`` ran on: a sum of losses, say, that holds every batch's graph."""
        return any(all(out is not done for done in self.backward) for out in self.kept)


def _tensors(args: object) -> Iterator[torch.Tensor]:
    """The tensors among ``args``, also inside lists and tuples (``torch.stack(losses)``)."""
    for arg in args if isinstance(args, (list, tuple)) else [args]:
        if isinstance(arg, torch.Tensor):
            yield arg
        elif isinstance(arg, (list, tuple)):
            yield from _tensors(arg)


class _RecordLosses(nn.Module):
    """The loss the reader's epoch is given: it computes ``loss`` and keeps the results."""

    def __init__(self, loss: nn.Module) -> None:
        super().__init__()
        self.loss = loss
        self.results: list[torch.Tensor] = []

    def forward(self, *args: object, **kwargs: object) -> torch.Tensor:
        result = self.loss(*args, **kwargs)
        self.results.append(result)
        return result

    def holds(self, tensor: torch.Tensor) -> bool:
        return any(tensor is result for result in self.results)


def _to_cpu(args: tuple, kwargs: dict) -> bool:
    targets = [*args, kwargs.get("device")]
    for target in targets:
        if isinstance(target, (str, torch.device)):
            with contextlib.suppress(RuntimeError):
                return torch.device(target).type == "cpu"
    return False


def _regression_task(device: torch.device) -> tuple[nn.Module, list, nn.Module]:
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        w = torch.tensor([[2.0], [-3.4], [1.5], [0.5]])
        batches = []
        for _ in range(8):
            X = torch.randn(16, 4)
            batches.append((X.to(device), (X @ w + 4.2 + 0.01 * torch.randn(16, 1)).to(device)))
        net = nn.Linear(4, 1).to(device)
    return net, batches, nn.MSELoss()


#: In-place operators: their first operand is also their output.
_IN_PLACE = {"__iadd__", "__isub__", "__imul__", "__itruediv__", "__ifloordiv__", "__imod__",
             "__ipow__", "__imatmul__", "__iand__", "__ior__", "__ixor__"}
#: How an operator reads in code, for the message that names it.
_OPERATORS = {"__add__": "+", "__radd__": "+", "__iadd__": "+=", "__sub__": "-",
              "__rsub__": "-", "__isub__": "-=", "__mul__": "*", "__rmul__": "*",
              "__imul__": "*=", "__truediv__": "/", "__rtruediv__": "/", "__itruediv__": "/=",
              "__matmul__": "@", "__imatmul__": "@=", "add_": "+= (add_)", "sub_": "-= (sub_)",
              "mul_": "*= (mul_)", "div_": "/= (div_)"}


class _DevicesMixedError(Exception):
    """Raised by the meta run of exercise 2 where a GPU would refuse operands on two devices."""

    def __init__(self, operation: str) -> None:
        super().__init__(operation)
        self.operation = operation


class _EpochOnMeta(_StopUnaskedDevices):
    """The guard of exercise 2's meta run: the batches, the model and its gradients are on
    ``meta``, and every tensor the epoch makes must join them there, as on a GPU.

    PyTorch's rule for a GPU (TensorIterator's) is enforced here, because ``meta`` is
    laxer: an operation may take one CPU tensor of zero dimensions as an input beside
    tensors on the GPU, but no other CPU tensor, and never as its output
    (``cpu_total += gpu_loss`` raises on a GPU, while on ``meta`` it quietly gives 0).
    Reads of a meta tensor's values (``.item()``, ``float()``, printing, ``.cpu()``)
    are answered with zeros so the epoch runs to its end; the CPU run counts them.
    """

    def __init__(self) -> None:
        super().__init__({META.type, CPU.type})

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        name = getattr(func, "__name__", "")
        source = args[0] if args else None
        if (isinstance(source, torch.Tensor) and source.device.type == META.type
                and (name in _READS or (name == "to" and _to_cpu(args[1:], kwargs)))):
            zeros = torch.zeros(source.shape, dtype=source.dtype)  # what a GPU would send
            return func(zeros, *args[1:], **kwargs)
        if name not in ("to", "copy_") and name not in _ACCELERATOR_METHODS:
            self._check_devices(name, args, kwargs)
        return super().__torch_function__(func, types, args, kwargs)

    @staticmethod
    def _check_devices(name: str, args: tuple, kwargs: dict) -> None:
        direct = [*args, *kwargs.values()]
        outputs = ([args[0]] if args and (name in _IN_PLACE or (
            name.endswith("_") and not name.startswith("__"))) else [])
        outputs += [kwargs["out"]] if isinstance(kwargs.get("out"), torch.Tensor) else []
        tensors = list(_tensors(direct))
        if not any(tensor.device.type == META.type for tensor in tensors):
            return
        scalars = [arg for arg in direct if isinstance(arg, torch.Tensor)
                   and arg.device.type == CPU.type and arg.dim() == 0
                   and all(arg is not out for out in outputs)]
        apart = [tensor for tensor in tensors if tensor.device.type == CPU.type
                 and all(tensor is not scalar for scalar in scalars[:1])]
        if apart:
            raise _DevicesMixedError(_OPERATORS.get(name, name))


def _try_epoch_on_meta(train_epoch: Callable) -> tuple[str, object]:
    """Run ``train_epoch`` on batches on the meta device, with the reads answered by zeros.

    Returns ``("placed", None)``; ``("apart", operation)`` where a GPU would have
    refused to mix devices; ``("unasked", error)`` where the code sent a tensor to an
    accelerator it was not given; or ``("raised", error)`` for any other error.
    """
    net, batches, loss = _regression_task(META)
    trainer = torch.optim.SGD(net.parameters(), lr=0.03, foreach=False)
    try:
        with (_no_accelerator(), _stop_unasked_module_moves({META.type, CPU.type}),
              _waits_noted(lambda: None), contextlib.redirect_stdout(io.StringIO()),
              _EpochOnMeta()):
            train_epoch(net, batches, loss, trainer)
    except _UnaskedDeviceError as error:
        return "unasked", error
    except _DevicesMixedError as error:
        return "apart", error.operation
    except Exception as error:  # the reader's code failed: the CPU run may say why
        return "raised", error
    return "placed", None


def check_train_epoch(train_epoch: Callable[[nn.Module, list, nn.Module,
                                             torch.optim.Optimizer], object]) -> CheckReport:
    """Check ``train_epoch(net, batches, loss, trainer)``: one epoch, one read of the loss.

    It must take one optimizer step per ``(X, y)`` batch and return the mean
    of the batches' losses as a Python float, while copying values to the CPU
    (``item()``, ``float()``, printing, ``.cpu()``, ``.numpy()``, ``.tolist()``)
    at most once per epoch. Where its tensors live is tried first with the
    batches and the model on the ``meta`` device, which every machine has: an
    operation that mixes the CPU with the batches' device as a GPU would refuse
    is a miss, and so is a tensor sent to an accelerator the check did not give.
    The values and the reads are then checked on the CPU, and on ``try_gpu()``
    if that is a GPU and the placement held, so an answer gets the same verdict
    on every machine. A running total of the batch losses themselves (not
    ``.detach()``-ed, outside ``torch.no_grad()``) is a miss: it keeps every
    batch's autograd graph alive.
    """
    report = CheckReport(f"check_train_epoch({_name(train_epoch)})")
    placement = t("exercises.gpus.epoch_on_one_device", device=META.type)
    outcome, found = _try_epoch_on_meta(train_epoch)
    if outcome == "unasked":
        report.expect(False, placement, t("exercises.gpus.epoch_assumes_gpu",
                                          target=str(found.target), how=found.how,
                                          given=META.type))
        return report
    if outcome in ("placed", "apart"):
        report.expect(outcome == "placed", placement,
                      t("exercises.gpus.epoch_apart", operation=found, device=META.type))
    mean_ok, steps_ok, is_float, reads, keeps_graphs = True, True, True, 0, False
    for device in [CPU, *(_other_devices() if outcome == "placed" else [])]:
        net, batches, loss = _regression_task(device)
        reference = copy.deepcopy(net)
        expected = _reference_epoch(reference, batches, loss)
        trainer = torch.optim.SGD(net.parameters(), lr=0.03, foreach=False)
        recorded = _RecordLosses(loss)
        counter = _CountReads(recorded.holds)

        refused: list[str] = []

        def run(net=net, batches=batches, loss=recorded, trainer=trainer, counter=counter,
                device=device, refused=refused) -> object:
            with (_without_accelerator(refused) if device.type == "cpu"
                  else contextlib.nullcontext()), counter:
                return train_epoch(net, batches, loss, trainer)

        result = report.attempt("train_epoch(net, batches, loss, trainer)", run)
        if result is None:  # attempt recorded the error or the missing return
            _explain_waiting_on_cpu(report, refused)
            return report
        reads = max(reads, counter.reads)
        keeps_graphs |= counter.keeps_graphs()
        is_float &= isinstance(result, float)
        value = float(result.item()) if isinstance(result, torch.Tensor) and \
            result.numel() == 1 else result
        mean_ok &= isinstance(value, (int, float)) and math.isclose(value, expected, rel_tol=1e-4)
        steps_ok &= all(torch.allclose(p, q, rtol=1e-4, atol=1e-5)
                        for p, q in zip(net.parameters(), reference.parameters()))
    if outcome == "raised":  # only the meta run failed: say so where the placement goes
        report.points.insert(0, (False, t("exercises.report.with_hint", what=placement, hint=t(
            "exercises.gpus.raised", what=t("exercises.gpus.on_meta", device=META.type),
            error_type=type(found).__name__, error=found))))
    num_batches = len(batches)
    report.expect(mean_ok, t("exercises.gpus.mean_loss", count=num_batches),
                  t("exercises.gpus.mean_differs"))
    report.expect(is_float, t("exercises.gpus.python_float"),
                  t("exercises.gpus.not_a_float", got=type(result).__name__))
    report.expect(steps_ok, t("exercises.gpus.step_per_batch"),
                  t("exercises.gpus.steps_differ", count=num_batches))
    report.expect(reads <= 1, t("exercises.gpus.read_once"),
                  plural("exercises.gpus.reads", reads, batches=num_batches))
    report.expect(not keeps_graphs, t("exercises.gpus.no_graph_kept"),
                  t("exercises.gpus.graph_kept"))
    return report


def _reference_epoch(net: nn.Module, batches: list, loss: nn.Module) -> float:
    trainer = torch.optim.SGD(net.parameters(), lr=0.03, foreach=False)
    total = 0.0
    for X, y in batches:
        l = loss(net(X), y)  # noqa: E741 (the field's name for a loss value)
        trainer.zero_grad()
        l.backward()
        trainer.step()
        total += l.item()
    return total / len(batches)


# --- Exercise 3: time work on a device that runs asynchronously ------------------------------

WORK_S = 0.05     # the work one call of fn stands for
BACKLOG_S = 0.3   # work already queued on the simulated GPU before the timed call
NEAR_ZERO_S = 0.2 * WORK_S  # a CPU measurement this short saw none of fn's waiting


class _SimulatedError:
    """Marks an error the simulation raises where PyTorch would: the reader's code misused
    the device. Its subclasses are the built-in errors PyTorch raises there."""


class _SimulatedRuntimeError(_SimulatedError, RuntimeError):
    pass


class _SimulatedValueError(_SimulatedError, ValueError):
    pass


def _shown_type(error: BaseException) -> str:
    """The error's type as PyTorch would name it (a simulated error by its built-in base)."""
    for base in (RuntimeError, ValueError):
        if isinstance(error, _SimulatedError) and isinstance(error, base):
            return base.__name__
    return type(error).__name__


class _SimulatedGPU:
    """A device queue: fn adds work and returns at once; synchronize waits for it to finish."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.busy_until = time.perf_counter()
        self.events: list[str] = []

    def submit(self, seconds: float) -> None:
        self.busy_until = max(self.busy_until, time.perf_counter()) + seconds

    def synchronize(self, *args: object, **kwargs: object) -> None:
        self.events.append("sync")
        time.sleep(max(0.0, self.busy_until - time.perf_counter()))

    def wait_until(self, moment: float) -> None:
        self.events.append("sync")
        time.sleep(max(0.0, moment - time.perf_counter()))

    def accelerator_synchronize(self, device: object = None, /) -> None:
        """``torch.accelerator.synchronize`` of a PyTorch built for this kind of GPU.

        Like PyTorch (``torch/accelerator/_utils.py``), it takes a GPU number or
        nothing, and refuses a device of another type, the CPU included, with a
        ``ValueError``.
        """
        if isinstance(device, (str, torch.device)):
            kind = torch.device(device).type
            if kind != self.kind:
                raise _SimulatedValueError(
                    f"{kind} doesn't match the current accelerator {self.kind}.")  # code
        self.synchronize()

    def event(self, *args: object, **kwargs: object) -> _SimulatedEvent:
        return _SimulatedEvent(self)

    def stream(self, *args: object, **kwargs: object) -> _SimulatedStream:
        return _SimulatedStream(self)


class _SimulatedEvent:
    """``torch.cuda.Event``, ``torch.mps.Event`` or ``torch.Event`` on a simulated GPU: it
    completes when the work queued before its ``record()`` is done."""

    def __init__(self, gpu: _SimulatedGPU) -> None:
        self.gpu = gpu
        self.at: float | None = None  # when the queue reaches the event

    def record(self, *args: object, **kwargs: object) -> None:
        self.at = max(self.gpu.busy_until, time.perf_counter())

    def _recorded(self) -> float:
        if self.at is None:
            raise _SimulatedRuntimeError(t("exercises.gpus.event_not_recorded"))
        return self.at

    def query(self) -> bool:
        return time.perf_counter() >= self._recorded()

    def synchronize(self) -> None:
        self.gpu.wait_until(self._recorded())

    def wait(self, *args: object, **kwargs: object) -> None:
        """Make a stream wait for this event: one queue here, so nothing to do."""

    def elapsed_time(self, end: _SimulatedEvent) -> float:
        """Milliseconds from this event to ``end``; both must have completed, as on CUDA."""
        if not (self.query() and end.query()):
            raise _SimulatedRuntimeError(t("exercises.gpus.events_not_done"))
        return (end._recorded() - self._recorded()) * 1000


class _SimulatedStream:
    """``torch.cuda.current_stream()`` and the like on a simulated GPU."""

    def __init__(self, gpu: _SimulatedGPU) -> None:
        self.gpu = gpu

    def synchronize(self) -> None:
        self.gpu.synchronize()

    def record_event(self, event: _SimulatedEvent | None = None) -> _SimulatedEvent:
        event = event or _SimulatedEvent(self.gpu)
        event.record()
        return event

    def wait_event(self, event: object) -> None:
        """One queue here: nothing to wait for."""

    def query(self) -> bool:
        return time.perf_counter() >= self.gpu.busy_until


@contextlib.contextmanager
def _simulated(kind: str, gpu: _SimulatedGPU) -> Iterator[None]:
    """Make ``torch.cuda`` or ``torch.mps``, ``torch.accelerator`` and the device-generic
    ``torch.Event`` wait on ``gpu`` instead of real hardware; the other kind of GPU is
    absent, so the run is the same on a machine that has one."""
    device = torch.device(kind, 0) if kind == "cuda" else torch.device(kind)
    if kind == "cuda":
        patches = [mock.patch.object(torch.cuda, "synchronize", gpu.synchronize),
                   mock.patch.object(torch.cuda, "is_available", lambda: True),
                   mock.patch.object(torch.cuda, "device_count", lambda: 1),
                   mock.patch.object(torch.cuda, "Event", gpu.event),
                   mock.patch.object(torch.cuda, "current_stream", gpu.stream),
                   mock.patch.object(torch.cuda, "default_stream", gpu.stream),
                   *_mps_missing()]
    else:
        patches = [mock.patch.object(torch.mps, "synchronize", gpu.synchronize),
                   mock.patch.object(torch.backends.mps, "is_available", lambda: True),
                   mock.patch.object(torch.mps, "Event", gpu.event),
                   *_cuda_missing()]
    patches += [mock.patch.object(torch.accelerator, "synchronize", gpu.accelerator_synchronize),
                mock.patch.object(torch.accelerator, "is_available", lambda: True),
                mock.patch.object(torch.accelerator, "current_accelerator",
                                  lambda *args, **kwargs: device),
                mock.patch.object(torch.accelerator, "device_count", lambda: 1),
                mock.patch.object(torch.accelerator, "current_stream", gpu.stream),
                mock.patch.object(torch, "Event", gpu.event)]
    with contextlib.ExitStack() as stack:
        for patch in patches:
            stack.enter_context(patch)
        yield


def check_time_once(time_once: Callable[[Callable[[], object], torch.device], object]
                    ) -> CheckReport:
    """Check ``time_once(fn, device)``: the seconds one call of ``fn`` takes on ``device``.

    On the CPU, ``fn`` sleeps for 50 ms, and the machine looks like one without
    an accelerator, whatever it has: waiting for CUDA, Apple's GPU or
    ``torch.accelerator`` fails there as under a CPU-only PyTorch. On a
    simulated GPU (``cuda``, then ``mps``), ``fn`` only queues 50 ms of work
    behind 300 ms queued earlier, and returns at once, as GPU calls do;
    ``torch.cuda.synchronize``, ``torch.mps.synchronize``,
    ``torch.accelerator.synchronize``, the current stream's ``synchronize`` and
    timing events (``torch.cuda.Event``, ``torch.mps.Event``, ``torch.Event``)
    work on the simulated queue. A correct answer measures about 50 ms
    everywhere: it synchronizes before starting the clock and before stopping
    it, or times fn between two events. Whether it leaves the earlier work out
    is judged only once its clock waits for fn's. An answer in milliseconds is
    told so once, on the CPU run, and its simulated runs are read in
    milliseconds too; one that measured almost nothing of the CPU's 50 ms
    (a CPU-time clock, which does not see waiting) is told so and not run on
    the simulated GPU. The simulation needs no GPU, so the check prints the
    same on every machine.
    """
    report = CheckReport(f"check_time_once({_name(time_once)})")
    calls: list[str] = []
    noted: list[str] = []

    def cpu_work() -> None:
        calls.append("fn")
        time.sleep(WORK_S)

    with _without_accelerator(noted):
        seconds = report.attempt("time_once(fn, 'cpu')", lambda: time_once(cpu_work, CPU))
    if seconds is None:  # attempt recorded the error or the missing return
        _explain_waiting_on_cpu(report, noted)
        return report
    if not report.expect(isinstance(seconds, float) and seconds > 0,
                         t("exercises.gpus.returns_seconds"),
                         t("exercises.gpus.got_repr", value=seconds)):
        return report
    report.expect(len(calls) == 1, t("exercises.gpus.calls_fn_once"),
                  t("exercises.gpus.calls_fn", count=len(calls)))
    in_ms = seconds >= 2.0  # 50 ms of work measured as 50: the simulated runs are read alike
    near_zero = seconds < NEAR_ZERO_S
    cpu_clocks = [name for name in noted if name in _CPU_CLOCKS]
    measured = {"ms": f"{seconds * 1000:.2g}", "work": WORK_S * 1000}
    report.expect(0.9 * WORK_S <= seconds < 2.0, t("exercises.gpus.cpu_work", ms=WORK_S * 1000),
                  t("exercises.gpus.milliseconds", seconds=2) if in_ms
                  else t("exercises.gpus.cpu_clock", clock=f"time.{cpu_clocks[0]}", **measured)
                  if near_zero and cpu_clocks
                  else t("exercises.gpus.near_zero", **measured) if near_zero
                  else t("exercises.gpus.too_short"))
    if near_zero:  # a clock that does not see waiting cannot time a simulated GPU either
        return report
    stops, starts, never_synced = [], [], []
    kinds = ("cuda", "mps")
    for kind in kinds:
        gpu = _SimulatedGPU(kind)
        gpu.submit(BACKLOG_S)

        def gpu_work(gpu: _SimulatedGPU = gpu) -> None:
            gpu.events.append("fn")
            gpu.submit(WORK_S)

        device = torch.device(f"{kind}:0")
        call = t("exercises.gpus.simulated_call", call=f"time_once(fn, {str(device)!r})")
        with _simulated(kind, gpu):
            try:
                seconds = time_once(gpu_work, device)
            except Exception as error:  # the reader's code failed: report it, do not raise
                simulated = isinstance(error, _SimulatedError)
                report.expect(False, t("exercises.gpus.raised", what=call,
                                       error_type=_shown_type(error), error=error),
                              "" if simulated else t("exercises.gpus.simulation_understands"))
                return report
        if seconds is None:
            report.expect(False, t("exercises.report.returned_none", what=call))
            return report
        if not isinstance(seconds, (int, float)) or isinstance(seconds, bool):
            report.expect(False, t("exercises.gpus.returns_seconds"),
                          t("exercises.gpus.got_repr", value=seconds))
            return report
        seconds = seconds / 1000 if in_ms else float(seconds)
        if "sync" not in gpu.events:
            never_synced.append(kind)
        stops.append(seconds >= 0.9 * WORK_S)
        starts.append(seconds < WORK_S + BACKLOG_S / 2)
    stops_after = all(stops)
    report.expect(stops_after, t("exercises.gpus.clock_stops", first=kinds[0], second=kinds[1]),
                  plural("exercises.gpus.sync_after_never", len(never_synced),
                         kinds=join(never_synced)) if never_synced
                  else t("exercises.gpus.sync_after"))
    # whether the earlier work was left out shows only on a clock that waits for fn's work
    report.expect(stops_after and all(starts), t("exercises.gpus.backlog_left_out"),
                  t("exercises.gpus.sync_before") if stops_after
                  else t("exercises.gpus.backlog_not_checked"))
    return report
