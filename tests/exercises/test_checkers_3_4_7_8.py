"""Every exercise check of chapters 3, 4 and 7, and chapter 8's second, against right answers
in several forms and plausible wrong ones (a forgotten ``return`` and one that raises among
them). Chapter 7 and 8 have more in test_checkers_7.py and test_checkers_8.py.

Each case gives the verdict and words the report must hold (``present``) or must not
(``absent``): a wrong answer is told what is wrong, and no label gives the answer away.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable

import pytest
import torch
from torch import nn

from tests.exercises.test_checkers_7 import (  # answers both files try
    epoch_no_return,
    epoch_solution,
    predict_no_return,
    predict_solution,
    predict_template,
    time_end_only,
    time_milliseconds,
    time_no_return,
    time_solution,
)
from tests.exercises.test_checkers_7 import (
    epoch_stacked as epoch_stack_detached,
)
from tests.exercises.test_checkers_7 import (
    epoch_template as epoch_item_per_batch,
)
from tests.exercises.test_checkers_7 import (
    predict_cuda as predict_hard_coded_cuda,
)
from tests.exercises.test_checkers_7 import (
    predict_model_left_behind as predict_model_behind,
)
from tests.exercises.test_checkers_7 import (
    time_accelerator_always as time_accelerator_on_cpu,
)
from tests.exercises.test_checkers_7 import (
    time_template as time_unsynchronized,
)
from tests.exercises.verdicts import FORGOT_RETURN, verdict
from widgets import synchronize
from widgets.exercises.gpus import check_predict, check_time_once, check_train_epoch
from widgets.exercises.lazy_initialization import (
    check_first_layer_fixed,
    check_materialize,
    check_mismatch,
)
from widgets.exercises.parameter_initialization import (
    check_he_init,
    check_tanh_scale,
    check_xavier_init,
)
from widgets.exercises.playground import check_l2_epoch
from widgets.playground.script import compile_functions

# -- chapter 3, exercise 1: Xavier for every linear layer -------------------------------------

def xavier_isinstance(m: nn.Module) -> None:
    if isinstance(m, nn.Linear):
        nn.init.xavier_uniform_(m.weight)
        nn.init.zeros_(m.bias)


def xavier_by_hand(m: nn.Module) -> None:
    if isinstance(m, nn.Linear):
        bound = math.sqrt(6 / (m.in_features + m.out_features))
        with torch.no_grad():
            m.weight.uniform_(-bound, bound)
            m.bias.zero_()


def xavier_d2l_type(m: nn.Module) -> None:  # D2L's exact type: right after the dry run
    if type(m) in (nn.Linear, nn.LazyLinear):
        nn.init.xavier_uniform_(m.weight, gain=1.0)
        nn.init.constant_(m.bias, 0)


def xavier_lazy_type(m: nn.Module) -> None:  # the template
    if type(m) is nn.LazyLinear:
        nn.init.xavier_uniform_(m.weight)
        nn.init.zeros_(m.bias)


def xavier_normal(m: nn.Module) -> None:
    if isinstance(m, nn.Linear):
        nn.init.xavier_normal_(m.weight)
        nn.init.zeros_(m.bias)


def xavier_relu_gain(m: nn.Module) -> None:
    if isinstance(m, nn.Linear):
        nn.init.xavier_uniform_(m.weight, gain=nn.init.calculate_gain("relu"))
        nn.init.zeros_(m.bias)


def xavier_keeps_bias(m: nn.Module) -> None:
    if isinstance(m, nn.Linear):
        nn.init.xavier_uniform_(m.weight)


def make_xavier_no_return(gain: float = 1.0) -> None:
    def init(m: nn.Module) -> None:
        if isinstance(m, nn.Linear):
            nn.init.xavier_uniform_(m.weight, gain=gain)
    # forgot: return init


def xavier_bound(m: nn.Linear) -> None:
    math.sqrt(6 / (m.in_features + m.out_features))  # forgot: return


def xavier_helper_no_return(m: nn.Module) -> None:
    if isinstance(m, nn.Linear):
        with torch.no_grad():
            m.weight.uniform_(-xavier_bound(m), xavier_bound(m))


@pytest.mark.parametrize(("init_fn", "passed", "present", "absent"), [
    (xavier_isinstance, True, ("all 12 checks pass",), ()),
    (xavier_by_hand, True, ("all 12 checks pass",), ()),
    (xavier_d2l_type, True, ("all 12 checks pass",), ()),
    (xavier_lazy_type, False, ("still holds PyTorch's default ones: did the test on the "
                               "module's type skip it?",), ()),
    (xavier_normal, False, ("drawn from a normal, not uniformly?",), ("use xavier_uniform_",)),
    (xavier_relu_gain, False, ("they are uniform but reach 0.210, 1.41 times Xavier's bound: "
                               "a gain other than 1",), ("normal",)),
    (xavier_keeps_bias, False, ("biases are 0: set them with nn.init.zeros_",), ()),
    (make_xavier_no_return(), False, ("init_fn is a function: got None: did the code that "
                                      "makes it forget `return`?",), ()),
    (xavier_helper_no_return, False, ("raised TypeError", "did a helper function forget "
                                      "`return`?"), ()),
    (lambda m: 1 / 0, False, ("net.apply(init_fn) raised ZeroDivisionError",), ()),
])
def test_xavier_init(init_fn: Callable, passed: bool, present: tuple, absent: tuple) -> None:
    verdict(check_xavier_init(init_fn), passed, present, absent)


# -- chapter 3, exercise 2: a std for a deep tanh stack ---------------------------------------

def pick_std_no_return() -> None:
    1.2 / 1024 ** 0.5  # forgot: return


@pytest.mark.parametrize(("scale", "passed", "present"), [
    (1 / 32, True, ("all 3 checks pass",)),
    (1.2 / 1024 ** 0.5, True, ("all 3 checks pass",)),
    (0.04, True, ("all 3 checks pass",)),
    (1 / 16, False, ("it grows on the way down, so try a smaller std",)),
    (5 / 3 / 32, False, ("your std carries tanh's gain 5/3", "(section 3.5)")),  # §3.5 shows it
    (0.02, False, ("it shrinks every layer, so try a larger std",)),
    (1.0, False, ("the std is too large, tanh is flat out there",)),
    (pick_std_no_return(), False,  # a helper without return
     ("the std is a number from 0 to 100: got None: did the code that makes it forget",)),
    ("0.035", False, ("scale must be a number",)),
    (pick_std_no_return, False, ("scale must be a number",)),  # the function, not its value
])
def test_tanh_scale(scale: object, passed: bool, present: tuple) -> None:
    report = check_tanh_scale(scale)  # type: ignore[arg-type]
    verdict(report, passed, present)
    assert repr(report).startswith("check_tanh_scale(your std)")


# -- chapter 3, exercise 3: He by hand ---------------------------------------------------------

def he_normal(m: nn.Module) -> None:
    if isinstance(m, nn.Linear):
        nn.init.normal_(m.weight, mean=0, std=(2 / m.in_features) ** 0.5)
        nn.init.zeros_(m.bias)


def he_kaiming(m: nn.Module) -> None:
    if isinstance(m, nn.Linear):
        nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
        nn.init.zeros_(m.bias)


def he_by_hand(m: nn.Module) -> None:
    if isinstance(m, nn.Linear):
        with torch.no_grad():
            m.weight.normal_(0, math.sqrt(2 / m.weight.shape[1]))
            m.bias.zero_()


def he_std(std: Callable[[nn.Linear], float]) -> Callable[[nn.Module], None]:
    def init(m: nn.Module) -> None:
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, 0, std(m))
            nn.init.zeros_(m.bias)
    return init


def he_uniform(m: nn.Module) -> None:
    if isinstance(m, nn.Linear):
        nn.init.kaiming_uniform_(m.weight, nonlinearity="relu")
        nn.init.zeros_(m.bias)


def he_lazy_type(m: nn.Module) -> None:
    if type(m) is nn.LazyLinear:
        he_normal(m)


def he_helper_no_return(m: nn.Module) -> None:
    def std(layer: nn.Linear) -> None:
        (2 / layer.in_features) ** 0.5  # forgot: return

    if isinstance(m, nn.Linear):
        nn.init.normal_(m.weight, 0, std(m))


@pytest.mark.parametrize(("init_fn", "passed", "present", "absent"), [
    (he_normal, True, ("all 13 checks pass",), ()),
    (he_kaiming, True, ("all 13 checks pass",), ()),
    (he_by_hand, True, ("all 13 checks pass",), ()),
    (he_std(lambda m: (1 / m.in_features) ** 0.5), False,
     ("smaller than the exercise's formula gives for 16 inputs, by the same factor in every "
      "layer",), ("√(2/16)", "0.354", "factor 2", "ReLU is missing")),
    (he_std(lambda m: 2 / m.in_features ** 0.5), False,  # no fan_out slip for layer 4.0 either
     ("layer 4.0: weight std is He's for its fan_in: it is 0.25",), ("from the layer's",)),
    (None, False, ("init_fn is a function: got None: did the code that makes it forget",), ()),
    (he_std(lambda m: 2 / m.in_features), False,
     ("= 2/16: that is a variance; the std is its square root",), ("0.354",)),
    (he_std(lambda m: (2 / m.out_features) ** 0.5), False,
     ("from the layer's 512 outputs", "uses the 16 inputs (in_features)"), ()),
    (he_uniform, False, ("weights are normal, not uniform",), ()),
    (he_lazy_type, False, ("still holds PyTorch's default ones",), ()),
    (he_helper_no_return, False, ("did a helper function forget `return`?",), ()),
    (None, False, ("init_fn is a function: got None",), ()),
    (lambda m: 1 / 0, False, ("net.apply(init_fn) raised ZeroDivisionError",), ()),
])
def test_he_init(init_fn: Callable, passed: bool, present: tuple, absent: tuple) -> None:
    verdict(check_he_init(init_fn), passed, present, absent)


def test_he_labels_do_not_state_the_answer() -> None:
    text = repr(check_he_init(he_normal))
    assert "√(2/" not in text and "0.354" not in text


# -- chapter 4, exercise 1: only the first layer fixed -----------------------------------------

def first_fixed() -> nn.Module:
    return nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.LazyLinear(32), nn.ReLU(),
                         nn.LazyLinear(10))


def first_fixed_nested() -> nn.Module:
    return nn.Sequential(nn.Sequential(nn.Linear(20, 64), nn.Tanh()),
                         nn.Sequential(nn.LazyLinear(32), nn.Tanh()), nn.LazyLinear(10))


class FirstFixed(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.hidden1, self.hidden2 = nn.Linear(20, 64), nn.LazyLinear(32)
        self.out = nn.LazyLinear(10)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return self.out(torch.relu(self.hidden2(torch.relu(self.hidden1(X)))))


def all_lazy() -> nn.Module:  # the template
    return nn.Sequential(nn.LazyLinear(64), nn.ReLU(), nn.LazyLinear(32), nn.ReLU(),
                         nn.LazyLinear(10))


def first_fixed_no_return() -> None:
    nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.LazyLinear(32), nn.ReLU(), nn.LazyLinear(10))


def first_fixed_raises() -> nn.Module:
    return nn.Sequential(nn.Linear(20), nn.LazyLinear(32), nn.LazyLinear(10))  # no out size


@pytest.mark.parametrize(("make", "before", "after", "passed", "present", "absent"), [
    (first_fixed, 1344, 3754, True, ("known_after: 3,754 numbers exist",), ()),
    (first_fixed_nested, 20 * 64 + 64, 21 * 64 + 65 * 32 + 33 * 10, True, (), ()),
    (FirstFixed, 1344.0, 3754, True, (), ()),  # a float that is a whole number is fine
    (all_lazy, 1344, 3754, False,  # the count of the network asked for is not confirmed
     ("it is LazyLinear, which waits for data", "1,344 is not how many numbers the network "
      "you built holds before the dry run; recount for the network you built"),
     ("fits", "asks for", "nn.Linear(20, 64)")),
    (first_fixed, torch.tensor(1344).numpy()[()], torch.tensor(3754), True,  # np.int64, tensor
     ("known_before: 1,344 numbers exist",), ("give a whole number",)),
    (first_fixed, "1344", 3754, False, ("known_before: '1344' is not how many",
                                        "give a whole number"), ()),
    (None, 1344, 3754, False, ("got None: did the code that makes it forget",), ()),
    (first_fixed, 0, 1344, False,
     ("known_before: 0 is not how many numbers", "each layer holds (inputs + 1) x outputs"),
     ("1,344 numbers exist", "3,754")),
    (first_fixed, None, None, False, ("write your prediction",), ()),
    (lambda: nn.Sequential(nn.Linear(20, 32), nn.ReLU(), nn.LazyLinear(32), nn.ReLU(),
                           nn.LazyLinear(10)), None, None, False,
     ("it is Linear with (in, out) = (20, 32); the network takes 20 inputs into 64",), ()),
    (first_fixed_no_return, 1344, 3754, False, ("make_net() " + FORGOT_RETURN,), ()),
    (first_fixed_raises, 1344, 3754, False, ("make_net() raised TypeError",), ()),
])
def test_first_layer_fixed(make: Callable, before: object, after: object, passed: bool,
                           present: tuple, absent: tuple) -> None:
    verdict(check_first_layer_fixed(make, before, after), passed,  # type: ignore[arg-type]
            present, absent)


# -- chapter 4, exercise 2: which layer raises, and a repair ------------------------------------

def repaired() -> nn.Module:
    return nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 10))


def repaired_no_return() -> None:
    nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 10))


class Broken(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.first = nn.Linear(20, 64)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        raise RuntimeError("not written yet")


@pytest.mark.parametrize(("layer", "expects", "gets", "fixed", "passed", "present", "absent"), [
    ("2", 32, 64, repaired(), True, ("layer '2' is the one that raises",), ()),
    (2, 32, 64, nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.LazyLinear(10)), True,
     ("layer '2' is the one that raises",), ("you said",)),
    ("2", 32.0, 64, nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 32),
                                  nn.Linear(32, 10)), True, (), ()),
    ("0", 20, 64, nn.Sequential(nn.LazyLinear(64), nn.ReLU(), nn.Linear(32, 10)), False,
     ("layer: the name of the layer that raises: you said '0'",
      "expects: how many input features that layer was built for: you said 20"),
     ("'2' is the one", "32 input", "32 features")),
    ("2", 64, 32, repaired(), False, ("you said 64", "you said 32"), ("expects 32",)),
    ("2", "32", 64, repaired(), False, ("you said '32'; give a number",), ()),
    (None, None, None, repaired(), False, ("a name from named_modules()", "write your answer, "
                                           "a number"), ("'2'", "32 input", "gets 64")),
    ("2", 32, 64, repaired_no_return(), False,
     ("fixed is an nn.Module: got None: did the code that makes it forget `return`?",), ()),
    ("2", 32, 64, repaired, False,
     ("fixed is an nn.Module: got repaired, which builds a module: pass the module it builds",),
     ("got function",)),
    (torch.tensor(2).numpy()[()], torch.tensor(32), 64.0, repaired(), True,  # np.int64, tensor
     ("layer '2' is the one that raises",), ()),
    (nn.Linear(32, 10), 32, 64, repaired(), False,  # the layer object, not its name
     ("you gave a Linear module; write its name instead",), ("'2'", "follow the widths")),
    ("2", 32, 64, Broken(), False, ("the fixed network runs on 20 inputs", "not written yet"),
     ()),
])
def test_mismatch(layer: object, expects: object, gets: object, fixed: object, passed: bool,
                  present: tuple, absent: tuple) -> None:
    verdict(check_mismatch(layer, expects, gets, fixed),  # type: ignore[arg-type]
            passed, present, absent)


# -- chapter 4, exercise 3: materialize --------------------------------------------------------

def materialize_solution(net: nn.Module, input_shape: tuple[int, ...]) -> int:
    with torch.no_grad():
        net(torch.zeros(2, *input_shape))
    return sum(p.numel() for p in net.parameters())


def materialize_batch_of_one(net: nn.Module, input_shape: tuple[int, ...]) -> int:
    net(torch.rand(1, *input_shape))
    return int(sum(p.numel() for p in net.parameters()))


def materialize_if_lazy(net: nn.Module, input_shape: tuple[int, ...]) -> int:
    from torch.nn.parameter import UninitializedParameter

    if any(isinstance(p, UninitializedParameter) for p in net.parameters()):
        with torch.no_grad():
            net(torch.randn(3, *input_shape))
    return sum(p.numel() for p in net.parameters())


def materialize_no_dry_run(net: nn.Module, input_shape: tuple[int, ...]) -> int:  # template
    return sum(p.numel() for p in net.parameters())


def materialize_no_return(net: nn.Module, input_shape: tuple[int, ...]) -> None:
    with torch.no_grad():
        net(torch.zeros(2, *input_shape))


def materialize_copy(net: nn.Module, input_shape: tuple[int, ...]) -> int:
    return materialize_solution(copy.deepcopy(net), input_shape)


def materialize_unbatched(net: nn.Module, input_shape: tuple[int, ...]) -> int:
    net(torch.zeros(*input_shape))
    return sum(p.numel() for p in net.parameters())


def materialize_tensor(net: nn.Module, input_shape: tuple[int, ...]) -> torch.Tensor:
    materialize_solution(net, input_shape)
    return torch.tensor(sum(p.numel() for p in net.parameters()))


@pytest.mark.parametrize(("materialize", "passed", "present"), [
    (materialize_solution, True, ("all 9 checks pass",)),
    (materialize_batch_of_one, True, ("all 9 checks pass",)),
    (materialize_if_lazy, True, ("all 9 checks pass",)),
    (materialize_no_dry_run, False, ("raised ValueError: Attempted to use an uninitialized "
                                     "parameter",)),
    (materialize_no_return, False, ("materialize(a lazy MLP, (20,)) " + FORGOT_RETURN,
                                    "a lazy MLP: every layer has its shapes")),
    (materialize_copy, False, ("4 parameters still uninitialized",)),
    (materialize_unbatched, False, ("got 482, the count after a dry run on one sample without "
                                    "its batch dimension",)),
    (materialize_tensor, False, ("got tensor(1002): the right number, as a tensor; return an "
                                 "int",)),
    (lambda net, shape: (materialize_solution(net, shape), len(list(net.parameters())))[1],
     False, ("✗ a second call, on a model already materialized, still returns its parameter "
             "count: got 2",)),  # two tensors, the same answer twice: still not the count
    (None, False, ("✗ materialize is a function: got None",)),
])
def test_materialize(materialize: Callable, passed: bool, present: tuple) -> None:
    verdict(check_materialize(materialize), passed, present)


def test_materialize_labels_do_not_state_the_count() -> None:
    text = repr(check_materialize(materialize_unbatched))
    assert "1,562" not in text  # the conv net's count: the answer of the missed point


# -- chapter 7, exercise 1: predict on a device --------------------------------------------------

def predict_to_cpu(net: nn.Module, X: torch.Tensor, device: torch.device) -> torch.Tensor:
    return net.to(device)(X.to(device, non_blocking=True)).to("cpu")


def predict_no_grad(net: nn.Module, X: torch.Tensor, device: torch.device) -> torch.Tensor:
    net = net.to(device)
    with torch.no_grad():
        out = net(torch.as_tensor(X, device=device))
    return out.to(torch.device("cpu"))


def predict_stays(net: nn.Module, X: torch.Tensor, device: torch.device) -> torch.Tensor:
    return net.to(device)(X.to(device))


def predict_raises(net: nn.Module, X: torch.Tensor, device: torch.device) -> torch.Tensor:
    return net.to(device)(X.to(device)).cpu().numpy_()  # type: ignore[attr-defined]


@pytest.mark.parametrize(("predict", "passed", "present"), [
    (predict_solution, True, ("all 3 checks pass",)),
    (predict_to_cpu, True, ("all 3 checks pass",)),
    (predict_no_grad, True, ("all 3 checks pass",)),
    (predict_template, False, ("returns a moved copy", "what does your function do")),
    (predict_model_behind, False, ("the batch reached the device and the model did not",)),
    (predict_stays, False, ("brings the output back to the CPU: the tensor it returned is "
                            "still on the device",)),
    (predict_no_return, False, ("predict(net, X, device) " + FORGOT_RETURN,)),
    (predict_raises, False, ("raised AttributeError",)),
])
def test_predict(predict: Callable, passed: bool, present: tuple) -> None:
    verdict(check_predict(predict), passed, present)


def predict_accelerator_default(net: nn.Module, X: torch.Tensor,
                                device: torch.device | None = None) -> torch.Tensor:
    if device is None:  # called without a device: the accelerator, else the CPU
        device = torch.accelerator.current_accelerator(check_available=True) or "cpu"
    net.to(device)
    return net(X.to(device)).cpu()


def predict_cuda_fallback(net: nn.Module, X: torch.Tensor,
                          device: str | torch.device | None = None) -> torch.Tensor:
    if device is None:
        device = "cuda" if torch.cuda.is_available() else "cpu"
    device = torch.device(device)
    return net.to(device=device)(X.to(device=device)).detach().to("cpu")


def predict_inference_mode(net: nn.Module, X: torch.Tensor, device: torch.device) -> torch.Tensor:
    model, batch = net.to(device), X.to(device, non_blocking=True)
    with torch.inference_mode():
        return model(batch).cpu()


def predict_cuda_string(net: nn.Module, X: torch.Tensor, device: torch.device) -> torch.Tensor:
    net.to(device)
    return net(X.to("cuda:0")).cpu()


def predict_input_not_moved(net: nn.Module, X: torch.Tensor, device: torch.device) -> torch.Tensor:
    net.to(device)
    return net(X).cpu()


def predict_picks_its_own(net: nn.Module, X: torch.Tensor, device: torch.device) -> torch.Tensor:
    device = "cuda" if torch.cuda.is_available() else "cpu"  # the argument is ignored
    return net.to(device)(X.to(device)).cpu()


ASSUMES_GPU = ("must not assume a GPU", "use the device it receives", "try_gpu()",
               "torch.accelerator")


@pytest.mark.parametrize(("predict", "passed", "present", "absent"), [
    (predict_accelerator_default, True, ("all 3 checks pass",), ()),
    (predict_cuda_fallback, True, ("all 3 checks pass",), ()),
    (predict_inference_mode, True, ("all 3 checks pass",), ()),
    (predict_hard_coded_cuda, False, ("it sent a tensor to cuda with .cuda()", *ASSUMES_GPU),
     ("Torch not compiled", "raised", "X.to(device)", "net.to(device)")),
    (predict_cuda_string, False, ("it sent a tensor to cuda:0 with .to('cuda:0')",
                                  "the check asked for 'meta'", *ASSUMES_GPU),
     ("Torch not compiled", "raised", "X.to(device)")),
    (predict_input_not_moved, False, ("the batch was on cpu and the model on meta",
                                      "returns a moved copy"),
     ("assume a GPU", "X = X.to(device)")),
    (predict_picks_its_own, False, ("neither on 'meta', the device predict was given",
                                    "not pick one of its own"), ("assume a GPU",)),
])
def test_predict_device_choices(predict: Callable, passed: bool, present: tuple,
                                absent: tuple) -> None:
    verdict(check_predict(predict), passed, present, absent)


@pytest.mark.parametrize("predict", [predict_hard_coded_cuda, predict_cuda_string,
                                     predict_picks_its_own])
def test_predict_reports_a_device_choice_alike_with_a_gpu(
        predict: Callable, monkeypatch: pytest.MonkeyPatch) -> None:
    """Stopped before any tensor moves, a hard-coded GPU reads the same where CUDA exists."""
    without = repr(check_predict(predict))
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    assert repr(check_predict(predict)) == without


# -- chapter 7, exercise 2: one read per epoch ------------------------------------------------

def epoch_no_grad_sum(net, batches, loss, trainer) -> float:
    total = 0.0
    for X, y in batches:
        batch_loss = loss(net(X), y)
        trainer.zero_grad()
        batch_loss.backward()
        trainer.step()
        with torch.no_grad():
            total = total + batch_loss
    return float(total / len(batches))


def epoch_no_detach(net, batches, loss, trainer) -> float:
    total = 0.0
    for X, y in batches:
        batch_loss = loss(net(X), y)
        trainer.zero_grad()
        batch_loss.backward()
        trainer.step()
        total += batch_loss
    return (total / len(batches)).item()


def epoch_stack_attached(net, batches, loss, trainer) -> float:
    losses = []
    for X, y in batches:
        batch_loss = loss(net(X), y)
        trainer.zero_grad()
        batch_loss.backward()
        trainer.step()
        losses.append(batch_loss)
    return torch.stack(losses).mean().item()


def epoch_tensor(net, batches, loss, trainer) -> torch.Tensor:
    total = torch.zeros(())
    for X, y in batches:
        batch_loss = loss(net(X), y)
        trainer.zero_grad()
        batch_loss.backward()
        trainer.step()
        total += batch_loss.detach()
    return total / len(batches)


def epoch_raises(net, batches, loss, trainer) -> float:
    for X, y in batches:
        loss(net(X), y).backward()
        trainer.step(closure=1)  # type: ignore[arg-type]
    return 0.0


@pytest.mark.parametrize(("train_epoch", "passed", "present"), [
    (epoch_solution, True, ("all 6 checks pass",)),
    (epoch_no_grad_sum, True, ("all 6 checks pass",)),
    (epoch_stack_detached, True, ("all 6 checks pass",)),
    (epoch_item_per_batch, False, ("it read 8 values back over 8 batches",)),
    (epoch_no_detach, False, ("holds every batch's autograd graph", "memory grows")),
    (epoch_stack_attached, False, ("holds every batch's autograd graph",)),
    (epoch_tensor, False, ("returns it as a Python float: it returned a Tensor, not a float",)),
    (epoch_no_return, False, ("train_epoch(net, batches, loss, trainer) " + FORGOT_RETURN,)),
    (epoch_raises, False, ("raised TypeError",)),
])
def test_train_epoch(train_epoch: Callable, passed: bool, present: tuple) -> None:
    verdict(check_train_epoch(train_epoch), passed, present)


# -- chapter 7, exercise 3: time one call on an asynchronous device --------------------------------

def time_accelerator(fn, device) -> float:
    def wait() -> None:
        if device.type != "cpu":
            torch.accelerator.synchronize(device)

    wait()
    start = time.perf_counter()
    fn()
    wait()
    return time.perf_counter() - start


def time_events(fn, device) -> float:
    if device.type == "cpu":
        start = time.perf_counter()
        fn()
        return time.perf_counter() - start
    start, end = (torch.cuda.Event(enable_timing=True) if device.type == "cuda"
                  else torch.mps.Event(enable_timing=True) for _ in range(2))
    start.record()
    fn()
    end.record()
    end.synchronize()
    return start.elapsed_time(end) / 1000


def time_generic_events(fn, device) -> float:
    if device.type == "cpu":
        return time_solution(fn, device)
    start, end = (torch.Event(device=device, enable_timing=True) for _ in range(2))
    start.record()
    fn()
    end.record()
    torch.accelerator.synchronize()
    return start.elapsed_time(end) / 1000


def time_events_no_wait(fn, device) -> float:
    if device.type == "cpu":
        return time_solution(fn, device)
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    fn()
    end.record()
    return start.elapsed_time(end) / 1000


def time_gpu_only_raises(fn, device) -> float:
    if device.type != "cpu":
        wait = {"cpu": synchronize}[device.type]  # only the CPU is listed
        wait(device)
    return time_solution(fn, device)


@pytest.mark.parametrize(("time_once", "passed", "present", "absent"), [
    (time_solution, True, ("all 5 checks pass",), ()),
    (time_accelerator, True, ("all 5 checks pass",), ()),
    (time_events, True, ("all 5 checks pass",), ()),
    (time_generic_events, True, ("all 5 checks pass",), ()),
    (time_unsynchronized, False, ("nothing waited for the simulated cuda and mps GPUs",), ()),
    (time_end_only, False, ("✗ work queued before the call is left out: it also counted work "
                            "queued before the call",), ("synchronize the device",)),
    (time_milliseconds, False, ("seconds, not milliseconds?",
                                "✓ work queued before the call is left out"),
     ("it also counted work queued",)),
    (time_no_return, False, ("time_once(fn, 'cpu') " + FORGOT_RETURN,), ()),
    (time_accelerator_on_cpu, False, ("torch.accelerator.synchronize failed because on the "
                                      "CPU run",), ("device.type != 'cpu'",)),
    (time_events_no_wait, False, ("device not ready", "call end.synchronize() before "
                                  "elapsed_time"), ("the simulated GPU understands",)),
    (time_gpu_only_raises, False, ("on a simulated GPU raised KeyError",
                                   "the simulated GPU understands torch.cuda.synchronize"), ()),
])
def test_time_once(time_once: Callable, passed: bool, present: tuple, absent: tuple) -> None:
    verdict(check_time_once(time_once), passed, present, absent)


def test_time_once_leaves_torch_as_it_found_it() -> None:
    before = (torch.cuda.Event, torch.mps.Event, torch.Event, torch.accelerator.synchronize,
              torch.accelerator.is_available, torch.cuda.current_stream)
    check_time_once(time_generic_events)
    check_time_once(time_events_no_wait)
    assert before == (torch.cuda.Event, torch.mps.Event, torch.Event,
                      torch.accelerator.synchronize, torch.accelerator.is_available,
                      torch.cuda.current_stream)


# -- chapter 8, exercise 2: L2 by hand ---------------------------------------------------------

def l2_epoch(weights_of: Callable[[nn.Module], list[torch.Tensor]], factor: float = 0.5,
             power: int = 2) -> Callable[..., None]:
    def train_epoch(net, optimizer, X, y, batch_size, g, rate) -> None:
        loss_fn = nn.MSELoss()
        order = torch.randperm(len(X), generator=g)
        for start in range(0, len(X), batch_size):
            batch = order[start:start + batch_size]
            penalty = sum((w.abs() ** power).sum() for w in weights_of(net))
            loss = loss_fn(net(X[batch]), y[batch]) + factor * rate * penalty
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return train_epoch


def linear_weights(net: nn.Module) -> list[torch.Tensor]:
    return [layer.weight for layer in net if isinstance(layer, nn.Linear)]


def named_weights(net: nn.Module) -> list[torch.Tensor]:
    return [p for name, p in net.named_parameters() if name.endswith("weight")]


def playground_epoch(net, optimizer, X, y, batch_size, g, rate) -> None:
    from widgets.exercises.playground import L2_SETTINGS

    compiled = compile_functions(L2_SETTINGS.replace(regularization_rate=rate))
    compiled["train_epoch"](net, optimizer, X, y, batch_size, g)


def penalty_no_return(net: nn.Module) -> None:
    sum((w ** 2).sum() for w in linear_weights(net))  # forgot: return


def l2_helper_no_return(net, optimizer, X, y, batch_size, g, rate) -> None:
    loss_fn = nn.MSELoss()
    order = torch.randperm(len(X), generator=g)
    for start in range(0, len(X), batch_size):
        batch = order[start:start + batch_size]
        loss = loss_fn(net(X[batch]), y[batch]) + rate / 2 * penalty_no_return(net)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


@pytest.mark.parametrize(("train_epoch", "passed", "present"), [
    (l2_epoch(linear_weights), True, ("all 2 checks pass",)),
    (l2_epoch(named_weights), True, ("all 2 checks pass",)),
    (playground_epoch, True, ("all 2 checks pass",)),
    (l2_epoch(lambda net: list(net.parameters())), False, ("biases included",)),
    (l2_epoch(linear_weights, factor=1.0), False, ("twice the playground's rate",)),
    (l2_epoch(linear_weights, factor=0.0), False, ("a run without any penalty",)),
    (l2_helper_no_return, False, ("raised TypeError", "did a helper function forget `return`?")),
    (lambda *args: 1 / 0, False, ("raised ZeroDivisionError",)),
    (lambda *args: None, False, ("they are exactly as they started",)),
])
def test_l2_epoch(train_epoch: Callable, passed: bool, present: tuple) -> None:
    verdict(check_l2_epoch(train_epoch), passed, present)


def test_the_attempts_message_does_not_write_the_fix() -> None:
    report = repr(check_predict(predict_template))
    assert "X = X.to(device)" not in report and "returns a moved copy" in report
