"""Checks for the exercises of chapter 07, "GPUs".

Every check prints the same lines on a machine with a GPU and on one without:
device mistakes are caught on devices every machine has (the CPU, PyTorch's
``meta`` device, and a simulated GPU whose queue the check controls), and a
real GPU, where there is one, only confirms what the CPU run found. Code that
sends tensors to a GPU it was not given (``.cuda()``, ``.to("cuda:0")``) is
stopped before the tensor moves, so it gets the same message everywhere.
"""

from __future__ import annotations

import contextlib
import copy
import math
import time
from collections.abc import Callable, Iterator
from unittest import mock

import torch
from torch import nn
from torch.overrides import TorchFunctionMode

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
            target = _device_of(value)
            if target is not None and target.type not in self.allowed:
                how = (f".to({str(target)!r})" if name == "to"
                       else f"{name}(..., device={str(target)!r})")
                raise _UnaskedDeviceError(target, how)
        return func(*args, **kwargs)


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
    every machine; and during the ``meta`` run a tensor sent to an accelerator
    (``.cuda()``, ``.to("cuda:0")``) is stopped and reported: ``predict`` must
    use the device it is given.
    """
    report = CheckReport(f"check_predict({_name(predict)})")
    placed, copied_back = _try_on_meta(report, predict)
    if placed is None:
        return report
    devices = [CPU, *(_other_devices() if placed else [])]
    outputs_on_cpu, values_match = copied_back is not False, True
    for device in devices:
        net, X = _small_model()
        with torch.no_grad():
            expected = net(X)
        # on the CPU, code that picks a device for itself picks the CPU, as on every laptop
        with _no_accelerator() if device.type == "cpu" else contextlib.nullcontext():
            out = report.attempt("predict(net, X, device)",
                                 lambda: predict(net, X, device))  # noqa: B023
        if out is None:  # attempt recorded the error or the missing return
            return report
        if not isinstance(out, torch.Tensor):
            report.expect(False, t("exercises.gpus.returns_tensor"),
                          t("exercises.gpus.got", value=type(out).__name__))
            return report
        outputs_on_cpu &= out.device.type == "cpu"
        values_match &= (out.device.type == "cpu" and out.shape == expected.shape
                         and torch.allclose(out.detach(), expected, rtol=1e-4, atol=1e-5))
    report.expect(outputs_on_cpu, t("exercises.gpus.back_on_cpu"),
                  t("exercises.gpus.stayed_on_device"))
    report.expect(values_match, t("exercises.gpus.values_of_net"),
                  t("exercises.gpus.values_differ"))
    return report


def _try_on_meta(report: CheckReport, predict: Callable) -> tuple[bool | None, bool | None]:
    """Run ``predict`` on the meta device; return (operands placed?, output copied back?)."""
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
    try:
        with _no_accelerator(), _StopUnaskedDevices({META.type, CPU.type}):
            out = predict(net, X, META)
    except _UnaskedDeviceError as error:
        report.expect(False, what, t("exercises.gpus.assumes_gpu", target=str(error.target),
                                     how=error.how, given=META.type))
        return None, None
    except _OperandsApartError:
        inputs, params = seen[0]
        key = ("exercises.gpus.batch_apart" if params == {"meta"}
               else "exercises.gpus.model_apart" if inputs == {"meta"}
               else "exercises.gpus.both_apart")
        report.expect(False, what, t(key, inputs=t("list.separator").join(sorted(inputs)),
                                     params=t("list.separator").join(sorted(params)),
                                     given=META.type))
        return False, None
    except NotImplementedError as error:
        if "Cannot copy out of meta tensor" not in str(error) or not seen:  # code
            report.points.append((False, t("exercises.gpus.raised", what=call,
                                           error_type="NotImplementedError", error=error)))
            return None, None
        report.expect(True, what)
        return True, True  # it tried to copy the (data-less) output back to the CPU: good
    except Exception as error:  # the reader's code failed: report it, do not raise
        report.points.append((False, t("exercises.gpus.raised", what=call,
                                       error_type=type(error).__name__, error=error)))
        return None, None
    if not report.expect(bool(seen), what, t("exercises.gpus.never_called")):
        return False, None
    return True, not (isinstance(out, torch.Tensor) and out.device.type == "meta")


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


def check_train_epoch(train_epoch: Callable[[nn.Module, list, nn.Module,
                                             torch.optim.Optimizer], object]) -> CheckReport:
    """Check ``train_epoch(net, batches, loss, trainer)``: one epoch, one read of the loss.

    It must take one optimizer step per ``(X, y)`` batch and return the mean
    of the batches' losses as a Python float, while copying values to the CPU
    (``item()``, ``float()``, printing, ``.cpu()``, ``.numpy()``, ``.tolist()``)
    at most once per epoch. The reads are counted on the CPU (and on
    ``try_gpu()`` if that is a GPU); the count is the same on every device.
    A running total of the batch losses themselves (not ``.detach()``-ed, outside
    ``torch.no_grad()``) is a miss: it keeps every batch's autograd graph alive.
    """
    report = CheckReport(f"check_train_epoch({_name(train_epoch)})")
    mean_ok, steps_ok, is_float, reads, keeps_graphs = True, True, True, 0, False
    for device in [CPU, *_other_devices()]:
        net, batches, loss = _regression_task(device)
        reference = copy.deepcopy(net)
        expected = _reference_epoch(reference, batches, loss)
        trainer = torch.optim.SGD(net.parameters(), lr=0.03, foreach=False)
        recorded = _RecordLosses(loss)
        counter = _CountReads(recorded.holds)

        def run(net=net, batches=batches, loss=recorded, trainer=trainer,
                counter=counter) -> object:
            with counter:
                return train_epoch(net, batches, loss, trainer)

        result = report.attempt("train_epoch(net, batches, loss, trainer)", run)
        if result is None:  # attempt recorded the error or the missing return
            return report
        reads = max(reads, counter.reads)
        keeps_graphs |= counter.keeps_graphs()
        is_float &= isinstance(result, float)
        value = float(result.item()) if isinstance(result, torch.Tensor) and \
            result.numel() == 1 else result
        mean_ok &= isinstance(value, (int, float)) and math.isclose(value, expected, rel_tol=1e-4)
        steps_ok &= all(torch.allclose(p, q, rtol=1e-4, atol=1e-5)
                        for p, q in zip(net.parameters(), reference.parameters()))
    num_batches = len(batches)
    report.expect(mean_ok, t("exercises.gpus.mean_loss", count=num_batches),
                  t("exercises.gpus.mean_differs"))
    report.expect(is_float, t("exercises.gpus.python_float"), t("exercises.gpus.item_once"))
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

    def accelerator_synchronize(self, device: object = None) -> None:
        """``torch.accelerator.synchronize``: like PyTorch, it refuses a CPU device."""
        if device is not None and torch.device(device).type != self.kind:  # type: ignore[arg-type]
            raise _SimulatedDeviceError("Accelerator expected")  # PyTorch's message  # code
        self.synchronize()

    def event(self, *args: object, **kwargs: object) -> _SimulatedEvent:
        return _SimulatedEvent(self)

    def stream(self, *args: object, **kwargs: object) -> _SimulatedStream:
        return _SimulatedStream(self)


class _SimulatedDeviceError(RuntimeError):
    """An error the simulated GPU raises as the real one would: the reader's code misused it."""


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
            raise _SimulatedDeviceError(t("exercises.gpus.event_not_recorded"))
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
            raise _SimulatedDeviceError(t("exercises.gpus.events_not_done"))
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
    ``torch.Event`` wait on ``gpu`` instead of real hardware."""
    device = torch.device(kind, 0) if kind == "cuda" else torch.device(kind)
    if kind == "cuda":
        patches = [mock.patch.object(torch.cuda, "synchronize", gpu.synchronize),
                   mock.patch.object(torch.cuda, "is_available", lambda: True),
                   mock.patch.object(torch.cuda, "device_count", lambda: 1),
                   mock.patch.object(torch.cuda, "Event", gpu.event),
                   mock.patch.object(torch.cuda, "current_stream", gpu.stream),
                   mock.patch.object(torch.cuda, "default_stream", gpu.stream)]
    else:
        patches = [mock.patch.object(torch.mps, "synchronize", gpu.synchronize),
                   mock.patch.object(torch.backends.mps, "is_available", lambda: True),
                   mock.patch.object(torch.mps, "Event", gpu.event)]
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


@contextlib.contextmanager
def _idle_accelerator() -> Iterator[None]:
    """On the CPU run, ``torch.accelerator.synchronize()`` waits for an idle accelerator, on
    every machine: it returns at once, and refuses a CPU device as PyTorch does."""
    def synchronize(device: object = None) -> None:
        if device is not None and torch.device(device).type == "cpu":  # type: ignore[arg-type]
            raise RuntimeError("Accelerator expected")  # PyTorch's message  # code

    with mock.patch.object(torch.accelerator, "synchronize", synchronize):
        yield


def check_time_once(time_once: Callable[[Callable[[], object], torch.device], object]
                    ) -> CheckReport:
    """Check ``time_once(fn, device)``: the seconds one call of ``fn`` takes on ``device``.

    On the CPU, ``fn`` sleeps for 50 ms. On a simulated GPU (``cuda``, then
    ``mps``), ``fn`` only queues 50 ms of work behind 300 ms queued earlier, and
    returns at once, as GPU calls do; ``torch.cuda.synchronize``,
    ``torch.mps.synchronize``, ``torch.accelerator.synchronize``, the current
    stream's ``synchronize`` and timing events (``torch.cuda.Event``,
    ``torch.mps.Event``, ``torch.Event``) work on the simulated queue. A correct
    answer measures about 50 ms everywhere: it synchronizes before starting the
    clock and before stopping it, or times fn between two events. An answer in
    milliseconds is told so once, on the CPU run, and its simulated runs are read
    in milliseconds too. The simulation needs no GPU, so the check prints the
    same on every machine.
    """
    report = CheckReport(f"check_time_once({_name(time_once)})")
    calls = []

    def cpu_work() -> None:
        calls.append("fn")
        time.sleep(WORK_S)

    with _idle_accelerator():
        seconds = report.attempt("time_once(fn, 'cpu')", lambda: time_once(cpu_work, CPU))
    if seconds is None:  # attempt recorded the error or the missing return
        _explain_accelerator_on_cpu(report)
        return report
    if not report.expect(isinstance(seconds, float) and seconds > 0,
                         t("exercises.gpus.returns_seconds"),
                         t("exercises.gpus.got_repr", value=seconds)):
        return report
    report.expect(len(calls) == 1, t("exercises.gpus.calls_fn_once"),
                  t("exercises.gpus.calls_fn", count=len(calls)))
    in_ms = seconds >= 2.0  # 50 ms of work measured as 50: the simulated runs are read alike
    report.expect(0.9 * WORK_S <= seconds < 2.0, t("exercises.gpus.cpu_work", ms=WORK_S * 1000),
                  t("exercises.gpus.milliseconds" if in_ms
                    else "exercises.gpus.too_short", seconds=2))
    stops_after, starts_after, never_synced = True, True, []
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
                simulated = isinstance(error, _SimulatedDeviceError)
                report.expect(False, t("exercises.gpus.raised", what=call,
                                       error_type="RuntimeError" if simulated
                                       else type(error).__name__, error=error),
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
        stops_after &= seconds >= 0.9 * WORK_S
        # only a clock that waits for fn's work can show whether it left the backlog out
        starts_after &= 0.9 * WORK_S <= seconds < WORK_S + BACKLOG_S / 2
    report.expect(stops_after, t("exercises.gpus.clock_stops", first=kinds[0], second=kinds[1]),
                  plural("exercises.gpus.sync_after_never", len(never_synced),
                         kinds=join(never_synced)) if never_synced
                  else t("exercises.gpus.sync_after"))
    report.expect(starts_after, t("exercises.gpus.backlog_left_out"),
                  t("exercises.gpus.sync_before"))
    return report


def _explain_accelerator_on_cpu(report: CheckReport) -> None:
    """Add a hint to a CPU run that failed in ``torch.accelerator.synchronize(cpu)``."""
    ok, text = report.points[-1]
    if not ok and "Accelerator expected" in text:  # code
        report.points[-1] = (False, t("exercises.report.with_hint", what=text,
                                      hint=t("exercises.gpus.accelerator_refuses_cpu")))
