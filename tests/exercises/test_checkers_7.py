"""Chapter 7's exercise checks against right answers in several forms and plausible wrong ones.

Each case gives the verdict and words the report must hold (``present``) or must not
(``absent``): a wrong answer is told what is wrong without being handed the fix. The
checks must give one answer the same report on every machine, so several tests run a
check twice, once as this machine is and once with a GPU made to look present, and
compare the reports.
"""

from __future__ import annotations

import copy
import sys
import time
from collections.abc import Callable
from time import process_time as cpu_seconds

import pytest
import torch
from torch import nn

from tests.exercises.verdicts import FORGOT_RETURN, verdict
from widgets import synchronize, timing, try_gpu
from widgets.exercises import gpus
from widgets.exercises.gpus import check_predict, check_time_once, check_train_epoch

CPU_ONLY = pytest.mark.skipif(torch.accelerator.current_accelerator() is not None,
                              reason="compares with the errors of a CPU-only PyTorch")




@pytest.fixture
def pretend_cuda(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make this machine look like one with an idle CUDA GPU to code that asks."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    monkeypatch.setattr(torch.cuda, "synchronize", lambda *args, **kwargs: None)


# -- exercise 1: predict on a device ----------------------------------------------------------

def predict_solution(net, X, device):
    net.to(device)
    X = X.to(device)
    return net(X).cpu()


def predict_one_line(net, X, device):
    return net.to(device)(X.to(device)).to("cpu")


def predict_no_grad(net, X, device):
    net = net.to(device)
    with torch.no_grad():
        out = net(X.to(device=device, non_blocking=True))
    return out.to(torch.device("cpu"))


def predict_copy_of_net(net, X, device):
    model = copy.deepcopy(net).to(device)
    return model(X.to(device)).detach().cpu()


def predict_puts_net_back(net, X, device):
    before = next(net.parameters()).device
    net.to(device)
    try:
        return net(X.to(device)).cpu()
    finally:
        net.to(before)


def predict_waits_for_its_copy(net, X, device):
    net.to(device)
    out = net(X.to(device)).to("cpu", non_blocking=True)
    synchronize(device)  # the copy back has arrived before anyone reads it
    return out


def predict_waits_on_the_accelerator(net, X, device):
    net.to(device)
    out = net(X.to(device)).to(device="cpu", non_blocking=True)
    if device.type != "cpu":
        torch.accelerator.synchronize()
    return out


@pytest.mark.parametrize("predict", [
    predict_solution, predict_one_line, predict_no_grad, predict_copy_of_net,
    predict_puts_net_back, predict_waits_for_its_copy, predict_waits_on_the_accelerator])
def test_predict_right_answers(predict: Callable) -> None:
    verdict(check_predict(predict), True, ("all 3 checks pass",))


def predict_template(net, X, device):  # the chapter's first attempt
    net.to(device)
    X.to(device)
    return net(X).cpu()


def predict_no_return(net, X, device):
    net.to(device)
    net(X.to(device)).cpu()


def predict_cuda(net, X, device):
    net.cuda()
    return net(X.cuda()).cpu()


def predict_gpu_number(net, X, device):
    net.to(0)
    return net(X.to(0)).cpu()


def predict_its_own_pick(net, X, device):
    device = try_gpu()
    net.to(device)
    return net(X.to(device)).cpu()


def predict_model_left_behind(net, X, device):
    return net(X.to(device)).cpu()


def predict_left_on_device(net, X, device):
    net.to(device)
    return net(X.to(device))


def predict_numpy(net, X, device):
    net.to(device)
    return net(X.to(device)).detach().cpu().numpy()


def predict_softmax(net, X, device):
    net.to(device)
    return net(X.to(device)).softmax(-1).cpu()


def predict_copy_not_awaited(net, X, device):
    net.to(device)
    return net(X.to(device)).to("cpu", non_blocking=True)


def predict_waits_for_cuda_always(net, X, device):
    net.to(device)
    out = net(X.to(device)).cpu()
    torch.cuda.synchronize()  # fails on every machine without CUDA
    return out


def predict_copy_awaited_on_cuda_only(net, X, device):
    net.to(device)
    out = net(X.to(device)).to("cpu", non_blocking=True)
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    return out


def predict_copy_awaited_for_cuda_devices(net, X, device):
    net.to(device)
    out = net(X.to(device)).to("cpu", non_blocking=True)
    if device.type == "cuda":
        torch.cuda.synchronize()
    return out


def predict_wrong_dtype(net, X, device):
    net.to(device)
    return net(X.to(device, torch.float64)).cpu()


@pytest.mark.parametrize(("predict", "present", "absent"), [
    (predict_template, ("the batch was on cpu and the model on meta", "returns a moved copy"),
     ("X = X.to(device)",)),
    (predict_no_return, ("predict(net, X, device) " + FORGOT_RETURN,), ()),
    (predict_cuda, ("it sent a tensor to cuda with .cuda()", "must not assume a GPU"),
     ("Torch not compiled",)),
    # on a CPU-only PyTorch, net.to(0) used to fail inside PyTorch with its own message
    (predict_gpu_number, ("it sent a tensor to cuda:0 with .to(0)", "must not assume a GPU"),
     ("Cannot access accelerator device", "raised")),
    (predict_its_own_pick, ("neither on 'meta', the device predict was given",), ()),
    (predict_model_left_behind, ("the batch was on meta but the model's parameters on cpu",
                                 "What does your function do with net?"),
     ("net.to(device)", "move the model")),
    (predict_left_on_device, ("✗ brings the output back to the CPU: the tensor it returned "
                              "is still on the device",), (".cpu()", ".to('cpu')")),
    (predict_numpy, ("returns a tensor: got ndarray",), ()),
    (predict_softmax, ("the numbers differ from net(X)",), ()),
    # a copy back queued with non_blocking=True that nothing waits for: a race on a GPU
    (predict_copy_not_awaited, ("✗ brings the output back to the CPU: it copied the output "
                                "to the CPU with non_blocking=True and returned before "
                                "anything waited for the device predict was given: on a GPU",),
     ("synchronize(device)", "CUDA")),
    # regression: a wait kept for CUDA is named as such, not as no wait at all
    (predict_copy_awaited_on_cuda_only, ("returned before anything waited for the device "
                                         "predict was given ('meta' here, standing for any "
                                         "accelerator; a wait for CUDA alone misses the "
                                         "others)",),
     ("synchronize(device)", "waited for that copy", "accelerator.synchronize")),
    (predict_copy_awaited_for_cuda_devices, ("a wait for CUDA alone misses the others",), ()),
    (predict_waits_for_cuda_always, ("raised AssertionError: Torch not compiled with CUDA",
                                     "torch.cuda.synchronize failed because on the CPU run"),
     ()),
    (predict_wrong_dtype, ("raised RuntimeError",), ()),
])
def test_predict_wrong_answers(predict: Callable, present: tuple, absent: tuple) -> None:
    verdict(check_predict(predict), False, present, absent)


@pytest.mark.parametrize("predict", [predict_cuda, predict_gpu_number, predict_its_own_pick,
                                     predict_waits_for_cuda_always])
@pytest.mark.usefixtures("no_real_gpu")
def test_predict_reads_the_same_where_cuda_exists(predict: Callable,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    without = repr(check_predict(predict))
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    assert repr(check_predict(predict)) == without


@pytest.fixture
def no_real_gpu() -> None:
    if torch.cuda.is_available():
        pytest.skip("compares a machine without CUDA with one that pretends to have it")


# -- exercise 2: one read per epoch -----------------------------------------------------------

def epoch_solution(net, batches, loss, trainer):
    total = torch.zeros((), device=batches[0][0].device)
    for X, y in batches:
        batch_loss = loss(net(X), y)
        trainer.zero_grad()
        batch_loss.backward()
        trainer.step()
        total += batch_loss.detach()
    return (total / len(batches)).item()


def epoch_stacked(net, batches, loss, trainer):
    losses = []
    for X, y in batches:
        batch_loss = loss(net(X), y)
        trainer.zero_grad()
        batch_loss.backward()
        trainer.step()
        losses.append(batch_loss.detach())
    return torch.stack(losses).mean().item()


def epoch_python_start(net, batches, loss, trainer):
    total = 0.0
    for X, y in batches:
        batch_loss = loss(net(X), y)
        trainer.zero_grad()
        batch_loss.backward()
        trainer.step()
        total = total + batch_loss.detach()
    return float(total / len(batches))


def epoch_no_grad_sum(net, batches, loss, trainer):
    total = torch.tensor(0.0, device=next(net.parameters()).device)
    for X, y in batches:
        trainer.zero_grad()
        batch_loss = loss(net(X), y)
        batch_loss.backward()
        trainer.step()
        with torch.no_grad():
            total += batch_loss
    return total.div(len(batches)).tolist()


def epoch_cpu_zero_added_out_of_place(net, batches, loss, trainer):
    total = torch.zeros(())  # a CPU scalar beside GPU tensors: allowed as an input
    for X, y in batches:
        batch_loss = loss(net(X), y)
        trainer.zero_grad()
        batch_loss.backward()
        trainer.step()
        total = total + batch_loss.detach()
    return (total / len(batches)).item()


@pytest.mark.parametrize("train_epoch", [
    epoch_solution, epoch_stacked, epoch_python_start, epoch_no_grad_sum,
    epoch_cpu_zero_added_out_of_place])
def test_train_epoch_right_answers(train_epoch: Callable) -> None:
    verdict(check_train_epoch(train_epoch), True, ("all 6 checks pass",))


def epoch_template(net, batches, loss, trainer):  # the chapter's first attempt
    total = 0.0
    for X, y in batches:
        batch_loss = loss(net(X), y)
        trainer.zero_grad()
        batch_loss.backward()
        trainer.step()
        total += batch_loss.item()
    return total / len(batches)


def epoch_cpu_total(net, batches, loss, trainer):
    total = torch.zeros(())  # made on the CPU: += with a GPU loss raises there
    for X, y in batches:
        batch_loss = loss(net(X), y)
        trainer.zero_grad()
        batch_loss.backward()
        trainer.step()
        total += batch_loss.detach()
    return (total / len(batches)).item()


def epoch_cuda_total(net, batches, loss, trainer):
    total = torch.zeros(()).cuda()
    for X, y in batches:
        batch_loss = loss(net(X), y)
        trainer.zero_grad()
        batch_loss.backward()
        trainer.step()
        total += batch_loss.detach()
    return (total / len(batches)).item()


def epoch_cpu_list_stacked(net, batches, loss, trainer):
    losses = [torch.zeros(())]  # a CPU zero stacked with GPU losses: cat refuses it there
    for X, y in batches:
        batch_loss = loss(net(X), y)
        trainer.zero_grad()
        batch_loss.backward()
        trainer.step()
        losses.append(batch_loss.detach())
    return torch.stack(losses).sum().item() / len(batches)


def epoch_no_return(net, batches, loss, trainer):
    epoch_solution(net, batches, loss, trainer)


def epoch_returns_tensor(net, batches, loss, trainer):
    total = torch.zeros((), device=batches[0][0].device)
    for X, y in batches:
        batch_loss = loss(net(X), y)
        trainer.zero_grad()
        batch_loss.backward()
        trainer.step()
        total += batch_loss.detach()
    return total / len(batches)


def epoch_keeps_graphs(net, batches, loss, trainer):
    total = 0
    for X, y in batches:
        batch_loss = loss(net(X), y)
        trainer.zero_grad()
        batch_loss.backward()
        trainer.step()
        total = total + batch_loss
    return (total / len(batches)).item()


def epoch_prints_each_batch(net, batches, loss, trainer):
    total = torch.zeros((), device=batches[0][0].device)
    for i, (X, y) in enumerate(batches):
        batch_loss = loss(net(X), y)
        trainer.zero_grad()
        batch_loss.backward()
        trainer.step()
        total += batch_loss.detach()
        print(f"batch {i}: {batch_loss:.3f}")
    return (total / len(batches)).item()


def epoch_last_loss(net, batches, loss, trainer):
    for X, y in batches:
        batch_loss = loss(net(X), y)
        trainer.zero_grad()
        batch_loss.backward()
        trainer.step()
    return batch_loss.item()


def epoch_waits_for_cuda_always(net, batches, loss, trainer):
    total = epoch_solution(net, batches, loss, trainer)
    torch.cuda.synchronize()
    return total


def epoch_backward_twice(net, batches, loss, trainer):
    for X, y in batches:
        batch_loss = loss(net(X), y)
        batch_loss.backward()
        batch_loss.backward()
    return 0.0


@pytest.mark.parametrize(("train_epoch", "present", "absent"), [
    (epoch_template, ("✓ each operation of the epoch finds its tensors on one device",
                      "it read 8 values back over 8 batches",
                      "Where could the losses add up without leaving the device?"),
     ("total +=", ".item() once")),
    # a CPU total used to pass here and raise on a GPU
    (epoch_cpu_total, ("✗ each operation of the epoch finds its tensors on one device",
                       "an operation, += (add_), combined a tensor on the CPU with the "
                       "epoch's tensors on 'meta'", "Where is each tensor of yours made?"),
     ("device=",)),
    # a hard-coded .cuda() used to raise here and pass on a GPU
    (epoch_cuda_total, ("it sent a tensor to cuda with .cuda(), a device the check did not "
                        "give",), ("Torch not compiled", "raised")),
    (epoch_cpu_list_stacked, ("an operation, stack, combined a tensor on the CPU",), ()),
    (epoch_no_return, ("train_epoch(net, batches, loss, trainer) " + FORGOT_RETURN,), ()),
    (epoch_returns_tensor, ("✗ returns it as a Python float: it returned a Tensor, not a "
                            "float",), (".item()",)),
    (epoch_keeps_graphs, ("holds every batch's autograd graph", "memory grows"),
     (".detach()",)),
    (epoch_prints_each_batch, ("it read 9 values back over 8 batches",), ()),
    (epoch_last_loss, ("the value differs from the mean of the losses",), ()),
    (epoch_waits_for_cuda_always, ("✓ each operation of the epoch",
                                   "raised AssertionError: Torch not compiled with CUDA"), ()),
    (epoch_backward_twice, ("raised RuntimeError",), ()),
])
def test_train_epoch_wrong_answers(train_epoch: Callable, present: tuple,
                                   absent: tuple) -> None:
    verdict(check_train_epoch(train_epoch), False, present, absent)


@pytest.mark.parametrize("train_epoch", [epoch_cpu_total, epoch_cuda_total,
                                         epoch_waits_for_cuda_always])
@pytest.mark.usefixtures("no_real_gpu")
def test_train_epoch_reads_the_same_where_cuda_exists(train_epoch: Callable,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A miss of placement is found on ``meta``, so a GPU run (never reached) cannot change it."""
    without = repr(check_train_epoch(train_epoch))
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    assert repr(check_train_epoch(train_epoch)) == without


def test_the_meta_run_keeps_a_gpu_s_rule_for_cpu_tensors() -> None:
    """One CPU scalar may join GPU tensors as an input; as an output, or inside a list, not."""
    on_meta = torch.ones((), device="meta")
    cpu_zero = torch.zeros(())
    with gpus._EpochOnMeta():
        assert (cpu_zero + on_meta).device.type == "meta"
        assert (on_meta * cpu_zero).device.type == "meta"
        for mixes in (lambda: cpu_zero.add_(on_meta), lambda: torch.zeros(2) + on_meta,
                      lambda: torch.stack([cpu_zero, on_meta])):
            with pytest.raises(gpus._DevicesMixedError):
                mixes()
        assert on_meta.item() == 0.0 and f"{on_meta:.1f}" == "0.0"  # reads answered by zeros


def epoch_refuses_meta(net, batches, loss, trainer):
    if batches[0][0].device.type == "meta":
        raise ValueError("no meta here")
    return epoch_solution(net, batches, loss, trainer)


def test_an_error_of_the_meta_run_alone_is_told_at_the_placement_point() -> None:
    report = check_train_epoch(epoch_refuses_meta)
    text = verdict(report, False, ("with the batches on 'meta' raised ValueError: no meta here",
                                   "✓ returns the mean of the 8 batches' losses"))
    assert [ok for ok, _ in report.points] == [False, True, True, True, True, True], text


def test_the_meta_run_prints_nothing(capsys: pytest.CaptureFixture) -> None:
    check_train_epoch(epoch_prints_each_batch)
    printed = capsys.readouterr().out
    assert printed.count("batch 0:") == 1  # the CPU run's line; the meta run's is kept back


# -- exercise 3: time one call on an asynchronous device ---------------------------------------

def time_solution(fn, device):
    synchronize(device)
    start = time.perf_counter()
    fn()
    synchronize(device)
    return time.perf_counter() - start


def time_branches(fn, device):
    def wait():
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        elif device.type == "mps":
            torch.mps.synchronize()

    wait()
    start = time.monotonic()
    fn()
    wait()
    return time.monotonic() - start


def time_accelerator_with_device(fn, device):
    def wait():
        if device.type != "cpu":
            torch.accelerator.synchronize(device)

    wait()
    start = time.perf_counter_ns()
    fn()
    wait()
    return (time.perf_counter_ns() - start) / 1e9


def time_generic_events(fn, device):
    if device.type == "cpu":
        start = time.perf_counter()
        fn()
        return time.perf_counter() - start
    start, end = torch.Event(enable_timing=True), torch.Event(enable_timing=True)
    start.record()
    fn()
    end.record()
    end.synchronize()
    return start.elapsed_time(end) / 1000


def time_device_module(fn, device):
    module = torch.get_device_module(device) if device.type != "cpu" else None
    if module:
        module.synchronize()
    start = time.perf_counter()
    fn()
    if module:
        module.synchronize()
    return time.perf_counter() - start


def time_with_timing(fn, device):
    return timing(fn, device, repeats=1, warmup=0)


@pytest.mark.parametrize("time_once", [
    time_solution, time_branches, time_accelerator_with_device, time_generic_events,
    time_device_module, time_with_timing])
def test_time_once_right_answers(time_once: Callable) -> None:
    verdict(check_time_once(time_once), True, ("all 5 checks pass",))


def time_template(fn, device):  # the chapter's first attempt
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def time_no_return(fn, device):
    time_solution(fn, device)


def time_cuda_always(fn, device):
    torch.cuda.synchronize()
    start = time.perf_counter()
    fn()
    torch.cuda.synchronize()
    return time.perf_counter() - start


def time_accelerator_always(fn, device):
    torch.accelerator.synchronize(device)
    start = time.perf_counter()
    fn()
    torch.accelerator.synchronize(device)
    return time.perf_counter() - start


def time_accelerator_no_device(fn, device):
    torch.accelerator.synchronize()
    start = time.perf_counter()
    fn()
    torch.accelerator.synchronize()
    return time.perf_counter() - start


def time_end_only(fn, device):
    start = time.perf_counter()
    fn()
    synchronize(device)
    return time.perf_counter() - start


def time_start_only(fn, device):
    synchronize(device)
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def time_milliseconds(fn, device):
    return time_solution(fn, device) * 1000


def time_thread_clock(fn, device):
    synchronize(device)
    start = time.thread_time()
    fn()
    synchronize(device)
    return time.thread_time() - start


def time_process_clock_imported(fn, device):
    synchronize(device)
    start = cpu_seconds()
    fn()
    synchronize(device)
    return cpu_seconds() - start


def time_events_not_awaited(fn, device):
    if device.type == "cpu":
        return time_solution(fn, device)
    start, end = torch.Event(enable_timing=True), torch.Event(enable_timing=True)
    start.record()
    fn()
    end.record()
    return start.elapsed_time(end) / 1000


def time_warm_up_first(fn, device):
    fn()
    return time_solution(fn, device)


@pytest.mark.parametrize(("time_once", "present", "absent"), [
    # the template measured less than fn's work: the backlog point waits for that first
    (time_template, ("nothing waited for the simulated cuda and mps GPUs",
                     "✗ work queued before the call is left out: not checked yet: the clock "
                     "must first wait for fn's work"),
     ("it also counted work queued", "before starting the clock")),
    (time_no_return, ("time_once(fn, 'cpu') " + FORGOT_RETURN,), ()),
    (time_cuda_always, ("raised AssertionError: Torch not compiled with CUDA enabled",
                        "torch.cuda.synchronize failed because on the CPU run"),
     ("device.type",)),
    (time_accelerator_always, ("raised RuntimeError: Accelerator expected",
                               "torch.accelerator.synchronize failed because on the CPU run",
                               "Does work on the CPU leave anything queued to wait for?"),
     ("device.type != 'cpu'", "call it only")),
    # it used to pass, though a machine without an accelerator refuses the call
    (time_accelerator_no_device, ("raised RuntimeError: Cannot access accelerator device when "
                                  "none is available.", "PyTorch refuses to wait"), ()),
    (time_end_only, ("✓ on a simulated GPU (cuda, then mps), the clock stops",
                     "✗ work queued before the call is left out: it also counted work queued "
                     "before the call"), ("not checked yet",)),
    (time_start_only, ("✗ on a simulated GPU", "not checked yet"),
     ("it also counted work queued",)),
    (time_milliseconds, ("seconds, not milliseconds?", "✓ work queued before the call is left "
                         "out"), ()),
    (time_thread_clock, ("reading time.thread_time", "a clock of CPU time does not see waiting",
                         "wall-clock seconds"), ("on a simulated GPU",)),
    (time_process_clock_imported, ("does the clock run while fn does?",
                                   "a clock of CPU time would not see it"),
     ("on a simulated GPU",)),
    (time_events_not_awaited, ("raised RuntimeError: device not ready",), ()),
    (time_warm_up_first, ("✗ calls fn once: it called fn 2 times",), ()),
])
def test_time_once_wrong_answers(time_once: Callable, present: tuple, absent: tuple) -> None:
    verdict(check_time_once(time_once), False, present, absent)


def time_cuda_when_available(fn, device):
    wait = torch.cuda.synchronize if torch.cuda.is_available() else (lambda: None)
    wait()
    start = time.perf_counter()
    fn()
    wait()
    return time.perf_counter() - start


@pytest.mark.parametrize("time_once", [time_cuda_always, time_accelerator_no_device,
                                       time_cuda_when_available, time_solution])
@pytest.mark.usefixtures("no_real_gpu")
def test_time_once_reads_the_same_where_a_gpu_exists(time_once: Callable,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    without = repr(check_time_once(time_once))
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    monkeypatch.setattr(torch.cuda, "synchronize", lambda *args, **kwargs: None)
    monkeypatch.setattr(torch.accelerator, "synchronize", lambda *args, **kwargs: None)
    assert repr(check_time_once(time_once)) == without


@CPU_ONLY
def test_the_cpu_run_refuses_as_a_cpu_only_pytorch_does() -> None:
    """Waiting on the CPU run fails with this PyTorch's own errors, on every machine."""
    def live(action: Callable[[], object]) -> str:
        try:
            action()
        except Exception as error:  # the error is the answer here
            return f"{type(error).__name__}: {error}"
        return "no error"

    with gpus._without_accelerator([]):
        simulated = [live(torch.accelerator.synchronize),
                     live(lambda: torch.accelerator.synchronize("cpu")),
                     live(torch.cuda.synchronize), live(torch.mps.synchronize)]
    real = [live(torch.accelerator.synchronize),
            live(lambda: torch.accelerator.synchronize("cpu")),
            live(torch.cuda.synchronize), live(torch.mps.synchronize)]
    assert simulated == real


def test_the_simulated_accelerator_refuses_another_device_as_pytorch_does() -> None:
    """A build for a GPU answers a CPU device with a ValueError (torch/accelerator/_utils.py)."""
    gpu = gpus._SimulatedGPU("cuda")
    with pytest.raises(ValueError, match=r"^cpu doesn't match the current accelerator cuda\.$"):
        gpu.accelerator_synchronize(torch.device("cpu"))
    gpu.accelerator_synchronize(0)  # a GPU number, or nothing: it waits
    gpu.accelerator_synchronize("cuda:0")
    assert gpu.events == ["sync", "sync"]


def test_the_checks_leave_torch_as_they_found_it() -> None:
    before = (torch.cuda.synchronize, torch.cuda.is_available, torch.mps.synchronize,
              torch.accelerator.synchronize, torch.Event, nn.Module.to, time.thread_time,
              sys.getprofile(), torch._C._len_torch_function_stack())
    check_predict(predict_gpu_number)
    check_predict(predict_waits_for_its_copy)
    check_train_epoch(epoch_cpu_total)
    check_time_once(time_accelerator_always)
    check_time_once(time_thread_clock)
    assert before == (torch.cuda.synchronize, torch.cuda.is_available, torch.mps.synchronize,
                      torch.accelerator.synchronize, torch.Event, nn.Module.to, time.thread_time,
                      sys.getprofile(), torch._C._len_torch_function_stack())
