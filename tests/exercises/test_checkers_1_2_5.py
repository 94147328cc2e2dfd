"""Every exercise check of chapters 01, 02 and 05 against answers a reader might write.

For each check: at least three correct answers written in different ways, which
must pass, and at least three plausible wrong ones (among them a forgotten
``return`` and one that raises), which must fail with a message naming the
mistake. Every report must have at least one point: a check never stops silently.
"""

from __future__ import annotations

import copy
import re
from collections import defaultdict
from collections.abc import Callable

import pytest
import torch
from torch import nn
from torch.nn import functional as F

from tests.exercises.verdicts import verdict
from widgets.exercises import CheckReport
from widgets.exercises.custom_layers import check_fourier_half, check_tensor_reduction
from widgets.exercises.layers_and_modules import check_parallel, check_registration, check_stack
from widgets.exercises.parameter_management import (
    check_parameter_shapes,
    check_tied_mlp,
    check_tied_names,
    check_unique_count,
)


def _verdict(report: CheckReport, passed: bool, *words: str) -> None:
    verdict(report, passed, words)


# -- the report itself ---------------------------------------------------------------


def test_attempt_tells_raised_from_returned_none_from_a_value() -> None:
    report = CheckReport("demo")
    assert report.attempt("f()", lambda: 1 / 0) is None
    assert report.attempt("g()", lambda: None) is None
    assert report.attempt("h()", lambda: 0) == 0
    assert report.attempt("x.backward()", lambda: None, returns=False) is None
    assert repr(report) == ("demo: 2 checks not met yet, 0 hold so far\n"
                            "  ✗ f() raised ZeroDivisionError: division by zero\n"
                            "  ✗ g() returned None: did you forget `return`?")
    assert not report.passed


def test_an_empty_report_says_the_check_stopped() -> None:
    report = CheckReport("demo")
    assert not report.passed
    assert repr(report) == "demo: the check stopped before its first point"


# -- chapter 01, exercise 1: check_registration ----------------------------------------


class ModuleListMLP(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(20, 256), nn.ReLU(), nn.Linear(256, 10)])

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        for layer in self.layers:
            X = layer(X)
        return X


class SequentialAttribute(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 10))

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        for layer in self.layers:
            X = layer(X)
        return X


class AddModuleLoop(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        for i, layer in enumerate([nn.Linear(20, 32), nn.ReLU(), nn.Linear(32, 10)]):
            self.add_module(f"layer{i}", layer)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        for layer in self._modules.values():
            X = layer(X)
        return X


class ModuleDictMLP(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.layers = nn.ModuleDict({"hidden": nn.Linear(20, 16), "act": nn.ReLU(),
                                     "out": nn.Linear(16, 10)})

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        for layer in self.layers.values():
            X = layer(X)
        return X


class PlainList(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.layers = [nn.Linear(20, 256), nn.ReLU(), nn.Linear(256, 10)]

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        for layer in self.layers:
            X = layer(X)
        return X


class NoReturn(ModuleListMLP):
    def forward(self, X: torch.Tensor) -> None:  # type: ignore[override]
        for layer in self.layers:
            X = layer(X)


class Copies(ModuleListMLP):
    def forward(self, X: torch.Tensor) -> torch.Tensor:
        for layer in copy.deepcopy(list(self.layers)):
            X = layer(X)
        return X


class NoSuperInit(nn.Module):
    def __init__(self) -> None:
        self.layers = nn.ModuleList([nn.Linear(20, 10)])

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return self.layers[0](X)


class WrongWidth(ModuleListMLP):
    def __init__(self) -> None:
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(20, 256), nn.ReLU(), nn.Linear(256, 3)])


class SkipsLayers(ModuleListMLP):
    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return X[:, :10]


class TupleLayers(PlainList):
    def __init__(self) -> None:
        super().__init__()
        self.layers = tuple(self.layers)


class OneLayerToThree(nn.Module):  # a 20 -> 3 model: registered, but not the exercise's model
    def __init__(self) -> None:
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(20, 3)])

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        for layer in self.layers:
            X = layer(X)
        return X


class LazyToThree(ModuleListMLP):
    def __init__(self) -> None:
        super().__init__()
        self.layers = nn.ModuleList([nn.LazyLinear(256), nn.ReLU(), nn.LazyLinear(3)])


class TakesTen(ModuleListMLP):
    def __init__(self) -> None:
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(10, 256), nn.ReLU(), nn.Linear(256, 10)])


class HiddenMismatch(ModuleListMLP):
    def __init__(self) -> None:
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(20, 256), nn.ReLU(), nn.Linear(128, 10)])


class Transposed(ModuleListMLP):
    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return super().forward(X).T


class ExtraDimension(ModuleListMLP):
    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return super().forward(X).unsqueeze(-1)


class ReturnsPair(ModuleListMLP):
    def forward(self, X: torch.Tensor) -> tuple:  # type: ignore[override]
        Y = super().forward(X)
        return Y, Y


class ListedAndAdded(PlainList):  # a plain list, each item also registered by add_module
    def __init__(self) -> None:
        super().__init__()
        for i, layer in enumerate(self.layers):
            self.add_module(f"layer{i}", layer)


class HalfRegistered(nn.Module):  # the first layer an attribute, the others in a plain list
    def __init__(self) -> None:
        super().__init__()
        self.first = nn.Linear(20, 256)
        self.rest = [nn.ReLU(), nn.Linear(256, 10)]

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        X = self.first(X)
        for layer in self.rest:
            X = layer(X)
        return X


class CopiesInForward(ModuleListMLP):  # each registered layer copied as forward runs
    def forward(self, X: torch.Tensor) -> torch.Tensor:
        for layer in self.layers:
            X = copy.deepcopy(layer)(X)
        return X


class ReluMadeInForward(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.hidden, self.out = nn.Linear(20, 256), nn.Linear(256, 10)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return self.out(nn.ReLU()(self.hidden(X)))


class TensorInList(nn.Module):  # a weight that is a plain tensor in a plain list
    def __init__(self) -> None:
        super().__init__()
        self.weights = [torch.randn(20, 10, requires_grad=True)]

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return X @ self.weights[0]


@pytest.mark.parametrize("model_class", [ModuleListMLP, SequentialAttribute, AddModuleLoop,
                                         ModuleDictMLP, ListedAndAdded])
def test_registration_accepts(model_class: type[nn.Module]) -> None:
    _verdict(check_registration(model_class), True, "checks pass", ".to() converts every layer",
             "forward returns a tensor of shape (2, 10)")


@pytest.mark.parametrize(("model_class", "words"), [
    (PlainList, ["ran but are not registered (kept in a plain list?)",
                 "state_dict() has an entry for every parameter forward uses: it is empty"]),
    (HalfRegistered, ["Linear, ReLU ran but are not registered (kept in a plain list?)",
                      "✗ state_dict() has an entry for every parameter forward uses: it lacks "
                      "2,570 of their numbers, so saving would not store them"]),
    (CopiesInForward, ["Linear, ReLU ran but the model does not hold them: forward made them, "
                       "or copies of them, as it ran",
                       "✗ state_dict() has an entry for every parameter forward uses: it lacks "
                       "7,946 of their numbers"]),
    (ReluMadeInForward, ["ReLU ran but the model does not hold it: forward made it, or a copy "
                         "of it, as it ran"]),
    (TensorInList, ["✗ parameters() holds the parameters forward uses: forward used no layer "
                    "with parameters",
                    "state_dict() has an entry for every parameter forward uses: it is empty"]),
    (None, ["✗ builds an nn.Module: got None: did the code that makes it forget `return`?"]),
    (TupleLayers, ["ran but are not registered"]),
    (NoReturn, ["forward returned None: did you forget `return`?"]),
    (Copies, ["ran but the model does not hold them: forward made them, or copies of them",
              "it lacks 7,946 of them: does forward call copies"]),
    (NoSuperInit, ["building the model raised AttributeError",
                   "cannot assign module before Module.__init__() call"]),
    (WrongWidth, ["forward returns a tensor of shape (2, 10): got (2, 3)"]),
    (OneLayerToThree, ["forward returns a tensor of shape (2, 10): got (2, 3): 3 outputs per "
                       "example, where the model of the exercise gives 10"]),
    (LazyToThree, ["✗ forward returns a tensor of shape (2, 10): got (2, 3)"]),
    (TakesTen, ["✗ forward runs on a (2, 20) batch: it raised RuntimeError",
                "the Linear that failed gets the input batch, 20 features per example"]),
    (Transposed, ["got (10, 2): the first dimension should be the batch, 2 examples in, "
                  "2 rows out"]),
    (ReturnsPair, ["forward returns a tensor of shape (2, 10): got tuple"]),
    (ExtraDimension, ["got (2, 10, 1): 3 dimensions, where a batch of outputs has 2"]),
    (SkipsLayers, ["forward used no layer with parameters"]),
    (ModuleListMLP(), ["check_registration(ModuleListMLP()):",
                       "got a ModuleListMLP instance: pass the class (or the function) that "
                       "builds it"]),
])
def test_registration_rejects(model_class: type[nn.Module], words: list[str]) -> None:
    report = check_registration(model_class)
    _verdict(report, False, *words)
    text = repr(report)
    if model_class in (Copies, CopiesInForward):  # the count is not claimed for other tensors
        assert "✓ parameters() holds" not in text
    if model_class in (Copies, CopiesInForward, ReluMadeInForward):  # no list is involved
        assert "plain list" not in text
    assert "holds all 0" not in text
    if model_class is not ReluMadeInForward and ("not registered" in text
                                                 or "does not hold" in text):
        assert "✓ state_dict()" not in text  # unregistered weights are not saved either


def test_registration_blames_the_input_batch_only_when_the_first_layer_fails() -> None:
    text = repr(check_registration(HiddenMismatch))
    assert "✗ forward runs on a (2, 20) batch: it raised RuntimeError" in text
    assert "gets the input batch" not in text  # the layer that failed got (2, 256)


def test_registration_never_passes_a_forward_without_return() -> None:
    text = repr(check_registration(NoReturn))
    assert "all" not in text.splitlines()[0]


# -- chapter 01, exercise 2: check_parallel --------------------------------------------


class Parallel(nn.Module):
    def __init__(self, net1: nn.Module, net2: nn.Module) -> None:
        super().__init__()
        self.net1, self.net2 = net1, net2

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.net1(X), self.net2(X)], dim=1)


class ParallelHstack(Parallel):
    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return torch.hstack((self.net1(X), self.net2(X)))


class ParallelModuleList(nn.Module):
    def __init__(self, net1: nn.Module, net2: nn.Module) -> None:
        super().__init__()
        self.nets = nn.ModuleList([net1, net2])

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return torch.cat([net(X) for net in self.nets], dim=-1)


class ParallelAddModule(nn.Module):
    def __init__(self, net1: nn.Module, net2: nn.Module) -> None:
        super().__init__()
        self.add_module("first", net1)
        self.add_module("second", net2)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return torch.concat(tuple(m(X) for m in self.children()), 1)


class ParallelNoReturn(Parallel):
    def forward(self, X: torch.Tensor) -> None:  # type: ignore[override]
        torch.cat([self.net1(X), self.net2(X)], dim=1)


class ParallelDim0(Parallel):
    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.net1(X), self.net2(X)], dim=0)


class ParallelOnlyFirst(Parallel):
    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return self.net1(X)


class ParallelSwapped(Parallel):
    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.net2(X), self.net1(X)], dim=1)


class ParallelUnregistered(nn.Module):
    def __init__(self, net1: nn.Module, net2: nn.Module) -> None:
        super().__init__()
        self.nets = [net1, net2]

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return torch.cat([net(X) for net in self.nets], dim=1)


class ParallelCopies(Parallel):
    def __init__(self, net1: nn.Module, net2: nn.Module) -> None:
        super().__init__(copy.deepcopy(net1), copy.deepcopy(net2))


class ParallelTemplate(nn.Module):  # the chapter's first attempt
    def __init__(self, net1: nn.Module, net2: nn.Module) -> None:
        super().__init__()
        raise NotImplementedError("store net1 and net2 so they are registered")


class ParallelDetached(Parallel):
    def forward(self, X: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            return super().forward(X)


class ParallelFirstTwice(Parallel):  # net2 never runs
    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.net1(X), self.net1(X)], dim=1)


@pytest.mark.parametrize("parallel_class", [Parallel, ParallelHstack, ParallelModuleList,
                                            ParallelAddModule])
def test_parallel_accepts(parallel_class: type[nn.Module]) -> None:
    _verdict(check_parallel(parallel_class), True, "all 6 checks pass", "gradients reach both")


@pytest.mark.parametrize(("parallel_class", "words"), [
    (ParallelNoReturn, ["forward returned None: did you forget `return`?",
                        "✓ both nets' 40 parameters are registered"]),
    (ParallelDim0, ["forward raised RuntimeError"]),
    (ParallelOnlyFirst, ["output shape is (2, 3 + 5) = (2, 8): got (2, 3)"]),
    (ParallelSwapped, ["the values differ from torch.cat([net1(X), net2(X)], dim=1)"]),
    (ParallelUnregistered, ["both nets' 40 parameters are registered: parameters() holds 0"]),
    (ParallelCopies, ["net1, net2 got no gradient: they did not run, or copies of them ran "
                      "in their place"]),
    (ParallelFirstTwice, ["got (2, 6)", "✗ gradients reach both nets: net2 got no gradient: "
                          "it did not run, or a copy of it ran in its place"]),
    (Parallel(nn.Linear(1, 1), nn.Linear(1, 1)), ["got a Parallel instance: pass the class"]),
    (None, ["got None: did the code that makes it forget `return`?"]),
    (ParallelTemplate, ["Parallel(net1, net2) raised NotImplementedError"]),
    (ParallelDetached, ["it is detached"]),
])
def test_parallel_rejects(parallel_class: type[nn.Module], words: list[str]) -> None:
    report = check_parallel(parallel_class)
    _verdict(report, False, *words)
    assert "missing 1 required positional argument" not in repr(report)


# -- chapter 01, exercise 3: check_stack -----------------------------------------------


def stack_list(make_block: Callable[[], nn.Module], num_blocks: int) -> nn.Module:
    return nn.Sequential(*[make_block() for _ in range(num_blocks)])


def stack_loop(make_block: Callable[[], nn.Module], num_blocks: int) -> nn.Module:
    net = nn.Sequential()
    for i in range(num_blocks):
        net.add_module(f"block{i}", make_block())
    return net


def stack_module_list(make_block: Callable[[], nn.Module], num_blocks: int) -> nn.Module:
    class Stack(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.blocks = nn.ModuleList(make_block() for _ in range(num_blocks))

        def forward(self, X: torch.Tensor) -> torch.Tensor:
            for block in self.blocks:
                X = block(X)
            return X

    return Stack()


def stack_recursive(make_block: Callable[[], nn.Module], num_blocks: int) -> nn.Module:
    if num_blocks == 1:
        return make_block()
    return nn.Sequential(make_block(), stack_recursive(make_block, num_blocks - 1))


def stack_shared(make_block: Callable[[], nn.Module], num_blocks: int) -> nn.Module:
    block = make_block()
    return nn.Sequential(*[block] * num_blocks)


def stack_no_return(make_block: Callable[[], nn.Module], num_blocks: int) -> None:
    nn.Sequential(*[make_block() for _ in range(num_blocks)])


def stack_off_by_one(make_block: Callable[[], nn.Module], num_blocks: int) -> nn.Module:
    return nn.Sequential(*[make_block() for _ in range(1, num_blocks)])


def stack_plain_list(make_block: Callable[[], nn.Module], num_blocks: int) -> nn.Module:
    class Stack(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.blocks = [make_block() for _ in range(num_blocks)]

        def forward(self, X: torch.Tensor) -> torch.Tensor:
            for block in self.blocks:
                X = block(X)
            return X

    return Stack()


def stack_raises(make_block: Callable[[], nn.Module], num_blocks: int) -> nn.Module:
    return nn.Sequential(*make_block * num_blocks)  # type: ignore[operator]


def stack_list_returned(make_block: Callable[[], nn.Module], num_blocks: int) -> list:
    return [make_block() for _ in range(num_blocks)]


def stack_shared_activation(make_block: Callable[[], nn.Module], num_blocks: int) -> nn.Module:
    act = nn.Tanh()  # one module without parameters between the blocks: nothing is tied
    layers = []
    for _ in range(num_blocks):
        layers += [make_block(), act]
    return nn.Sequential(*layers)


def stack_copies(make_block: Callable[[], nn.Module], num_blocks: int) -> nn.Module:
    block = make_block()
    return nn.Sequential(*[copy.deepcopy(block) for _ in range(num_blocks)])


def stack_one_copy_repeated(make_block: Callable[[], nn.Module], num_blocks: int) -> nn.Module:
    return nn.Sequential(*[copy.deepcopy(make_block())] * num_blocks)


@pytest.mark.parametrize("stack", [stack_list, stack_loop, stack_module_list, stack_recursive,
                                   stack_shared_activation])
def test_stack_accepts(stack: Callable) -> None:
    _verdict(check_stack(stack), True, "all 4 checks pass", "one independent set per block")


@pytest.mark.parametrize(("stack", "words"), [
    (stack_shared, ["it was called once", "one block object sits at several positions"]),
    (stack_no_return, ["stack(make_block, 3) returned None: did you forget `return`?"]),
    (stack_off_by_one, ["it was called 2 times", "it holds 144, the parameters of 2 blocks"]),
    (stack_plain_list, ["it holds 0: the blocks are not registered (kept in a plain list?)"]),
    (stack_raises, ["stack(make_block, 3) raised TypeError"]),
    (stack_list_returned, ["returns an nn.Module: got list"]),
    (stack_copies, ["it was called once", "✗ holds 3 x 72 = 216 parameters: one independent "
                    "set per block: it holds 216, of which 216 sit in blocks that make_block() "
                    "did not return (copies of a block?)"]),
    (stack_one_copy_repeated, ["it holds 72: one block object sits at several positions"]),
    (None, ["✗ stack is a function: got None: did the code that makes it forget `return`?"]),
])
def test_stack_rejects(stack: Callable, words: list[str]) -> None:
    report = check_stack(stack)
    _verdict(report, False, *words)
    if stack in (stack_off_by_one, stack_plain_list, stack_copies):  # nothing is shared there
        assert "shared" not in repr(report)


# -- chapter 02, exercise 1: check_parameter_shapes ------------------------------------


def shapes_comprehension(module: nn.Module) -> dict:
    return {name: tuple(p.shape) for name, p in module.named_parameters()}


def shapes_state_dict(module: nn.Module) -> dict:
    return {name: tuple(value.shape) for name, value in module.state_dict().items()}


def shapes_by_hand(module: nn.Module, prefix: str = "") -> dict:
    found = {prefix + name: list(p.shape) for name, p in module.named_parameters(recurse=False)}
    for name, child in module.named_children():
        found.update(shapes_by_hand(child, f"{prefix}{name}."))
    return found


def shapes_size(module: nn.Module) -> dict:
    return dict((name, p.size()) for name, p in module.named_parameters())


def shapes_not_recursive(module: nn.Module) -> dict:
    return {name: tuple(p.shape) for name, p in module.named_parameters(recurse=False)}


def shapes_children(module: nn.Module) -> dict:
    return {f"{child}.{name}": tuple(p.shape) for child, m in module.named_children()
            for name, p in m.named_parameters(recurse=False)}


def shapes_no_return(module: nn.Module) -> None:
    {name: tuple(p.shape) for name, p in module.named_parameters()}


def shapes_raises(module: nn.Module) -> dict:
    return {name: tuple(p.shape) for name, p in module.parameters()}  # type: ignore[misc]


def shapes_weights_only(module: nn.Module) -> dict:
    return {name: tuple(p.shape) for name, p in module.named_parameters() if "weight" in name}


def shapes_transposed(module: nn.Module) -> dict:
    return {name: tuple(reversed(p.shape)) for name, p in module.named_parameters()}


def shapes_list(module: nn.Module) -> list:
    return [(name, tuple(p.shape)) for name, p in module.named_parameters()]


def shapes_reversed(module: nn.Module) -> dict:
    return dict(reversed(list(shapes_comprehension(module).items())))


def shapes_sorted(module: nn.Module) -> dict:  # another order: a dict is a dict
    return dict(sorted(shapes_comprehension(module).items()))


@pytest.mark.parametrize("parameter_shapes", [shapes_comprehension, shapes_state_dict,
                                              shapes_by_hand, shapes_size, shapes_reversed,
                                              shapes_sorted])
def test_parameter_shapes_accepts(parameter_shapes: Callable) -> None:
    _verdict(check_parameter_shapes(parameter_shapes), True, "all 4 checks pass",
             "names all 10 parameters")


@pytest.mark.parametrize(("parameter_shapes", "words"), [
    (shapes_not_recursive, ["missing 0.0.0.weight",
                            "(all of them sit inside nested blocks, deeper than the function "
                            "looks)"]),
    (shapes_children, ["missing 0.0.0.weight", "sit inside nested blocks",
                       "✓ every shape given is right"]),
    (shapes_no_return, ["parameter_shapes(net) returned None: did you forget `return`?"]),
    (shapes_raises, ["parameter_shapes(net) raised"]),
    (shapes_weights_only, ["missing 0.0.0.bias"]),
    (shapes_transposed, ["wrong for 0.0.0.weight"]),
    (shapes_list, ["returns a dict: got list"]),
    (None, ["✗ parameter_shapes is a function: got None"]),
])
def test_parameter_shapes_rejects(parameter_shapes: Callable, words: list[str]) -> None:
    report = check_parameter_shapes(parameter_shapes)
    _verdict(report, False, *words)
    if parameter_shapes is shapes_weights_only:  # top-level biases are missing too
        assert "nested blocks" not in repr(report)
    if parameter_shapes is shapes_not_recursive:  # no name, so no shape was judged
        assert "every shape given is right" not in repr(report)
    assert "order" not in repr(report)  # a dict's order is not part of the answer


# -- chapter 02, exercise 2: check_tied_mlp --------------------------------------------


def tied_shared_layer() -> nn.Sequential:
    shared = nn.Linear(8, 8)
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), shared, nn.ReLU(), shared, nn.ReLU(),
                         nn.Linear(8, 1))


def tied_by_index() -> nn.Sequential:
    layers: list[nn.Module] = [nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 8), nn.ReLU()]
    layers += [layers[2], nn.ReLU(), nn.Linear(8, 1)]
    return nn.Sequential(*layers)


def tied_both_tensors() -> nn.Sequential:
    net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 8),
                        nn.ReLU(), nn.Linear(8, 1))
    net[4].weight, net[4].bias = net[2].weight, net[2].bias
    return net


def tied_short() -> nn.Sequential:
    shared = nn.Linear(8, 8)
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), shared, nn.Tanh(), shared, nn.Linear(8, 1))


def tied_two_layers() -> nn.Sequential:  # the chapter's first attempt
    hidden = [nn.Linear(8, 8) for _ in range(2)]
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), hidden[0], nn.ReLU(), hidden[1], nn.ReLU(),
                         nn.Linear(8, 1))


def tied_weight_only() -> nn.Sequential:
    net = tied_two_layers()
    net[4].weight = net[2].weight
    return net


def tied_no_return() -> None:
    shared = nn.Linear(8, 8)
    nn.Sequential(nn.Linear(4, 8), nn.ReLU(), shared, nn.ReLU(), shared, nn.ReLU(),
                  nn.Linear(8, 1))


def tied_raises() -> nn.Sequential:
    shared = nn.Linear(8, 8)
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), shared, nn.ReLU(), shared, nn.ReLU(),
                         nn.Linear(4, 1))


def tied_wrong_positions() -> nn.Sequential:
    shared = nn.Linear(8, 8)
    return nn.Sequential(nn.Linear(4, 8), shared, nn.ReLU(), shared, nn.ReLU(), nn.Linear(8, 1))


def tied_too_short() -> nn.Sequential:
    shared = nn.Linear(4, 4)
    return nn.Sequential(shared, shared, nn.Linear(4, 1))


@pytest.mark.parametrize("make_tied_mlp", [tied_shared_layer, tied_by_index, tied_both_tensors,
                                           tied_short])
def test_tied_mlp_accepts(make_tied_mlp: Callable) -> None:
    _verdict(check_tied_mlp(make_tied_mlp), True, "all 8 checks pass",
             "the shared gradient is the sum of both positions' gradients",
             "weight, bias still shared after three SGD steps")


@pytest.mark.parametrize(("make_tied_mlp", "words"), [
    (tied_two_layers, ["they are two layers (two tensors)"]),
    (tied_weight_only, ["✗ net[2] and net[4] hold one bias tensor: the biases are separate",
                        "✓ the shared gradient is the sum of both positions' gradients",
                        "✓ weight still shared"]),
    (tied_no_return, ["make_tied_mlp() returned None: did you forget `return`?"]),
    (tied_raises, ["net(X) raised RuntimeError"]),
    (tied_wrong_positions, ["they are ReLU and ReLU: put the shared nn.Linear(8, 8) at "
                            "positions 2 and 4"]),
    (tied_too_short, ["at least 5 modules: it has 3 modules"]),
    (lambda: nn.Linear(4, 1), ["got Linear"]),
])
def test_tied_mlp_rejects(make_tied_mlp: Callable, words: list[str]) -> None:
    _verdict(check_tied_mlp(make_tied_mlp), False, *words)


# -- chapter 02, exercise 3: check_unique_count ----------------------------------------


def count_parameters_call(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def count_by_identity(module: nn.Module) -> int:
    seen = {id(p): p.numel() for _, p in module.named_parameters(remove_duplicate=False)}
    return sum(seen.values())


def count_by_pointer(module: nn.Module) -> int:
    unique = {p.data_ptr(): p for p in module.parameters(recurse=True)}
    return sum(p.numel() for p in unique.values())


def count_state_dict_dedup(module: nn.Module) -> torch.Tensor:
    unique = {id(v): v for v in module.state_dict(keep_vars=True).values()}
    return torch.tensor(sum(v.numel() for v in unique.values()))


def count_by_name(module: nn.Module) -> int:  # the chapter's first attempt
    return sum(p.numel() for _, p in module.named_parameters(remove_duplicate=False))


def count_per_module(module: nn.Module) -> int:
    return sum(p.numel() for m in module.modules() for p in m.parameters(recurse=False))


def count_no_return(module: nn.Module) -> None:
    sum(p.numel() for p in module.parameters())


def count_raises(module: nn.Module) -> int:
    return max(p.numel() for p in module.parameters()) * 0 + sum(
        p.numel() for p in module.parameters())


def count_tensors_not_numbers(module: nn.Module) -> int:
    return len(list(module.parameters()))


@pytest.mark.parametrize("count_unique_parameters", [
    count_parameters_call, count_by_identity, count_by_pointer, count_state_dict_dedup])
def test_unique_count_accepts(count_unique_parameters: Callable) -> None:
    _verdict(check_unique_count(count_unique_parameters), True, "all 4 checks pass",
             "(V = 100, d = 16): 1972")


@pytest.mark.parametrize(("count_unique_parameters", "words"), [
    (count_by_name, ["got 193: the shared layer was counted twice",
                     "got 3572: two modules share one tensor"]),
    (count_per_module, ["✓ an MLP with one layer at two positions: 121",
                        "got 3572: two modules share one tensor, and it was counted twice: "
                        "de-duplicate tensors, not modules"]),
    (count_no_return, ["returned None: did you forget `return`?"]),
    (count_raises, ["counting a module without parameters raised ValueError"]),
    (count_tensors_not_numbers, ["a plain MLP: 49: got 4"]),
])
def test_unique_count_rejects(count_unique_parameters: Callable, words: list[str]) -> None:
    _verdict(check_unique_count(count_unique_parameters), False, *words)


def test_unique_count_cases_say_true_numbers() -> None:
    embedding, output = nn.Embedding(100, 16), nn.Linear(16, 100)
    output.weight = embedding.weight
    lm = nn.Sequential(embedding, nn.Linear(16, 16), nn.ReLU(), output)
    assert count_parameters_call(lm) == 1972 and count_per_module(lm) == 3572


# -- chapter 02, exercise 3: check_tied_names ------------------------------------------


def names_by_id(module: nn.Module) -> list:
    groups: dict[int, list[str]] = {}
    for name, p in module.named_parameters(remove_duplicate=False):
        groups.setdefault(id(p), []).append(name)
    return [tuple(names) for names in groups.values() if len(names) > 1]


def names_by_parameter(module: nn.Module) -> list:
    groups: defaultdict[nn.Parameter, list[str]] = defaultdict(list)
    for name, p in module.named_parameters(remove_duplicate=False):
        groups[p].append(name)  # a tensor hashes by identity
    return [tuple(names) for names in groups.values() if len(names) >= 2]


def names_by_pointer(module: nn.Module) -> set:
    groups: dict[int, list[str]] = {}
    for name, p in module.named_parameters(remove_duplicate=False):
        groups.setdefault(p.data_ptr(), []).append(name)
    return {tuple(reversed(names)) for names in groups.values() if len(names) > 1}


def names_by_is(module: nn.Module) -> list:
    named = list(module.named_parameters(remove_duplicate=False))
    found: list[list[str]] = []
    for i, (_, p) in enumerate(named):
        if any(q is p for _, q in named[:i]):
            continue  # this tensor's group is already made
        group = [other for other, q in named if q is p]
        if len(group) > 1:
            found.append(group)
    return found


def names_deduplicated(module: nn.Module) -> list:
    groups: dict[int, list[str]] = {}
    for name, p in module.named_parameters():
        groups.setdefault(id(p), []).append(name)
    return [tuple(names) for names in groups.values() if len(names) > 1]


def names_by_module(module: nn.Module) -> list:  # the chapter's first attempt
    paths: dict[nn.Module, list[str]] = {}
    for path, m in module.named_modules(remove_duplicate=False):
        paths.setdefault(m, []).append(path)
    return [tuple(f"{path}.{name}" for path in group)
            for m, group in paths.items() if len(group) > 1
            for name, _ in m.named_parameters(recurse=False)]


def names_by_shape(module: nn.Module) -> list:
    groups: dict[tuple, list[str]] = {}
    for name, p in module.named_parameters(remove_duplicate=False):
        groups.setdefault(tuple(p.shape), []).append(name)
    return [tuple(names) for names in groups.values() if len(names) > 1]


def names_by_value(module: nn.Module) -> list:
    named = list(module.named_parameters(remove_duplicate=False))
    groups: list[list[str]] = []
    for name, p in named:
        for group in groups:
            first = dict(named)[group[0]]
            if first.shape == p.shape and torch.equal(first, p):
                group.append(name)
                break
        else:
            groups.append([name])
    return [tuple(group) for group in groups if len(group) > 1]


def names_in_pairs(module: nn.Module) -> list:
    named = list(module.named_parameters(remove_duplicate=False))
    return [(a, b) for i, (a, p) in enumerate(named) for b, q in named[i + 1:] if p is q]


def names_with_singles(module: nn.Module) -> list:
    groups: dict[int, list[str]] = {}
    for name, p in module.named_parameters(remove_duplicate=False):
        groups.setdefault(id(p), []).append(name)
    return [tuple(names) for names in groups.values()]


def names_twice(module: nn.Module) -> list:
    return names_by_id(module) * 2


def names_no_return(module: nn.Module) -> None:
    names_by_id(module)


def names_raises(module: nn.Module) -> list:
    return [*names_by_id(module)[0:1], max(names_by_id(module))]


def names_as_dict(module: nn.Module) -> dict:
    return {names[0]: names[1:] for names in names_by_id(module)}


def names_local(module: nn.Module) -> list:
    groups: dict[int, list[str]] = {}
    for _, m in module.named_modules(remove_duplicate=False):
        for name, p in m.named_parameters(recurse=False):
            groups.setdefault(id(p), []).append(name)
    return [tuple(names) for names in groups.values() if len(names) > 1]


@pytest.mark.parametrize("tied_names", [names_by_id, names_by_parameter, names_by_pointer,
                                        names_by_is])
def test_tied_names_accepts(tied_names: Callable) -> None:
    _verdict(check_tied_names(tied_names), True, "all 6 checks pass",
             "✓ finds the names that share a tensor in a language model whose output layer "
             "shares the embedding's tensor")


@pytest.mark.parametrize(("tied_names", "words"), [
    (names_deduplicated, ["✗ finds the names that share a tensor in an MLP with one layer at two "
                          "positions: got []: at least one tensor here is reached under several "
                          "names, yet none was found"]),
    (names_by_module, ["✓ finds the names that share a tensor in an MLP with one layer at two "
                       "positions", "got []: here two different modules, the embedding and "
                       "the output layer, hold one tensor, and no module is repeated"]),
    (names_by_shape, ["✗ finds the names that share a tensor in two separate layers with equal "
                      "values: 0.weight, 2.weight do not all reach one tensor"]),
    (names_by_value, ["two separate layers with equal values: 0.weight, 2.weight do not all "
                      "reach one tensor (equal shapes or equal values do not make one tensor)"]),
    (names_in_pairs, ["one layer at three positions: a tensor here is reached under more than "
                      "two names, and all of them belong in one tuple"]),
    (names_with_singles, ["a plain MLP: it lists a tensor reached under one name only"]),
    (names_twice, ["a tuple appears more than once"]),
    (names_no_return, ["tied_names() on a plain MLP returned None: did you forget `return`?"]),
    (names_raises, ["tied_names() on a plain MLP raised ValueError"]),
    (names_as_dict, ["got dict: the answer is a list of tuples of names"]),
    (names_local, ["unknown names bias, weight"]),
])
def test_tied_names_rejects(tied_names: Callable, words: list[str]) -> None:
    _verdict(check_tied_names(tied_names), False, *words)


def test_tied_names_hints_never_write_the_answer() -> None:
    """No miss shows the right groups, the code that finds them, or the name of the trick."""
    for wrong in (names_deduplicated, names_by_module, names_by_shape, names_in_pairs,
                  names_with_singles):
        text = repr(check_tied_names(wrong))
        for answer in ("('0.weight', '3.weight')", "id(", "data_ptr", "remove_duplicate=False",
                       "group by tensor", "is p"):
            assert answer not in text, (wrong.__name__, answer, text)


def test_tied_names_blames_modules_only_when_repeated_layers_were_found() -> None:
    text = repr(check_tied_names(names_deduplicated))
    assert "no module is repeated" not in text


# -- chapter 05, exercise 1: check_tensor_reduction ------------------------------------


class ReductionEinsum(nn.Module):
    def __init__(self, in_features: int, out_features: int) -> None:
        super().__init__()
        self.W = nn.Parameter(torch.randn(in_features, in_features, out_features))

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return torch.einsum("bi,bj,ijk->bk", X, X, self.W)


class ReductionOuter(ReductionEinsum):
    def forward(self, X: torch.Tensor) -> torch.Tensor:
        outer = X[:, :, None] * X[:, None, :]  # (batch, i, j)
        return outer.flatten(1) @ self.W.flatten(0, 1)


class ReductionTensordot(ReductionEinsum):
    def forward(self, X: torch.Tensor) -> torch.Tensor:
        outer = torch.einsum("bi,bj->bij", X, X)
        return torch.tensordot(outer, self.W, dims=([1, 2], [0, 1]))


class ReductionBilinear(nn.Module):
    def __init__(self, in_features: int, out_features: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(in_features, in_features, out_features))
        nn.init.normal_(self.weight, std=0.1)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return F.bilinear(X, X, self.weight.permute(2, 0, 1))


class ReductionTemplate(ReductionEinsum):  # the chapter's first attempt: forward to write
    def forward(self, X: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError("compute y for each row of X")


class ReductionData(ReductionEinsum):
    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return torch.einsum("bi,bj,ijk->bk", X, X, self.W.data)


class ReductionNoGrad(ReductionEinsum):
    def forward(self, X: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            return super().forward(X)


class ReductionNoReturn(ReductionEinsum):
    def forward(self, X: torch.Tensor) -> None:  # type: ignore[override]
        torch.einsum("bi,bj,ijk->bk", X, X, self.W)


class ReductionRaises(ReductionEinsum):
    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return torch.einsum("bi,bj,ijk->bk", X, self.W)


class ReductionPlainTensor(nn.Module):
    def __init__(self, in_features: int, out_features: int) -> None:
        super().__init__()
        self.W = torch.randn(in_features, in_features, out_features, requires_grad=True)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return torch.einsum("bi,bj,ijk->bk", X, X, self.W)


class ReductionLinearOnly(ReductionEinsum):
    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return torch.einsum("bi,ijk->bk", X, self.W)


class ReductionSeveredFromW(ReductionEinsum):  # a history, but W's part in it is cut off
    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return torch.einsum("bi,bj,ijk->bk", X, X, self.W.detach()) + 0 * self.W.sum()


class ReductionWrongShape(nn.Module):
    def __init__(self, in_features: int, out_features: int) -> None:
        super().__init__()
        self.W = nn.Parameter(torch.randn(out_features, in_features, in_features))

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return torch.einsum("bi,bj,kij->bk", X, X, self.W)


class ReductionFixedReshape(ReductionEinsum):  # right at 3 inputs, 2 outputs, 4 rows only
    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return (X[:, :, None] * X[:, None, :]).reshape(4, 9) @ self.W.reshape(9, 2)


class ReductionFixedWeight(ReductionEinsum):  # W of the first size, whatever it is asked
    def __init__(self, in_features: int, out_features: int) -> None:
        super().__init__(3, 2)


class ReductionFixedOutputs(ReductionEinsum):  # keeps only the first two outputs
    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return super().forward(X)[:, :2]


@pytest.mark.parametrize("layer_class", [ReductionEinsum, ReductionOuter, ReductionTensordot,
                                         ReductionBilinear])
def test_tensor_reduction_accepts(layer_class: type[nn.Module]) -> None:
    _verdict(check_tensor_reduction(layer_class), True, "all 6 checks pass", "gradients reach W",
             "✓ works at other sizes too: layer_class(5, 3) on a (7, 5) batch")


@pytest.mark.parametrize(("layer_class", "words"), [
    (ReductionTemplate, ["✓ holds one parameter W of shape (3, 3, 2)",
                         "forward on a (4, 3) batch raised NotImplementedError"]),
    (ReductionData, ["W.grad is None: the output has no gradient history at all",
                     "look at how forward computes it (section 5.3)",
                     "✓ y_k = sum_ij W_ijk x_i x_j"]),
    (ReductionNoGrad, ["✗ gradients reach W: W.grad is None", "no gradient history at all"]),
    (ReductionSeveredFromW, ["the output has a gradient history, but it does not lead back to "
                             "W: look at how forward reads W"]),
    (ReductionNoReturn, ["forward on a (4, 3) batch returned None: did you forget `return`?"]),
    (ReductionRaises, ["forward on a (4, 3) batch raised RuntimeError"]),
    (ReductionPlainTensor, ["it holds no parameters: parameters() is empty (section 5.2"]),
    (ReductionEinsum(3, 2), ["check_tensor_reduction(ReductionEinsum()):",
                             "got a ReductionEinsum instance: pass the class"]),
    (None, ["got None: did the code that makes it forget `return`?"]),
    (ReductionLinearOnly, ["first row"]),
    (ReductionWrongShape, ["its parameters have shapes [(2, 3, 3)]"]),
    # sizes written as numbers: right at the first size, caught at the second
    (ReductionFixedReshape, ["✓ y_k = sum_ij W_ijk x_i x_j",
                             "✗ works at other sizes too: layer_class(5, 3) on a (7, 5) batch: "
                             "it raised RuntimeError: shape '[4, 9]' is invalid",
                             "the sizes must come from the constructor's arguments and from "
                             "the input, not from fixed numbers", "✓ gradients reach W"]),
    (ReductionFixedWeight, ["its parameters have shapes [(3, 3, 2)]: the sizes must come from "
                            "the constructor's arguments"]),
    (ReductionFixedOutputs, ["layer_class(5, 3) on a (7, 5) batch: got shape (7, 2): the sizes"]),
    (lambda i, o: 1 / 0, ["layer_class(3, 2) raised ZeroDivisionError"]),
])
def test_tensor_reduction_rejects(layer_class: Callable, words: list[str]) -> None:
    report = check_tensor_reduction(layer_class)
    _verdict(report, False, *words)
    assert "shapes none" not in repr(report)


def test_tensor_reduction_prints_rows_to_four_decimals() -> None:
    text = " ".join(repr(check_tensor_reduction(ReductionLinearOnly)).split())
    rows = re.search(r"first row \[(.*?)\] but expected \[(.*?)\]", text)
    assert rows, text
    for number in ", ".join(rows.groups()).split(", "):
        assert re.fullmatch(r"-?\d+\.\d{4}", number), (number, text)


# -- chapter 05, exercise 2: check_fourier_half ----------------------------------------


class HalfFft(nn.Module):
    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return torch.fft.fft(X)[..., : X.shape[-1] // 2]


class HalfRfft(nn.Module):
    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return torch.fft.rfft(X)[:, : X.shape[1] // 2]


class HalfRoundUp(nn.Module):
    def forward(self, X: torch.Tensor) -> torch.Tensor:
        n = X.shape[-1]
        return torch.fft.fft(X, dim=-1)[:, : (n + 1) // 2]


class HalfNarrow(nn.Module):
    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return torch.fft.fft(X.to(torch.complex64)).narrow(1, 0, X.size(1) // 2)


class FullRfft(nn.Module):  # the chapter's first attempt
    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return torch.fft.rfft(X)


class HalfMagnitudes(HalfFft):
    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return super().forward(X).abs()


class HalfNoReturn(nn.Module):
    def forward(self, X: torch.Tensor) -> None:
        torch.fft.fft(X)[..., : X.shape[-1] // 2]


class HalfRaises(nn.Module):
    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return torch.fft.fft(X)[..., : X.shape[-1] / 2]


class HalfWrongEnd(nn.Module):
    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return torch.fft.fft(X)[..., X.shape[-1] - X.shape[-1] // 2:]


class HalfFullSpectrum(nn.Module):
    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return torch.fft.fft(X)


class HalfOneTooManyShifted(nn.Module):  # n // 2 + 1 columns, but not the first ones
    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return torch.fft.fft(X)[..., 1: X.shape[-1] // 2 + 2]


@pytest.mark.parametrize("layer", [HalfFft, HalfRfft, HalfRoundUp, HalfNarrow])
def test_fourier_half_accepts(layer: type[nn.Module]) -> None:
    _verdict(check_fourier_half(layer), True, "all 7 checks pass",
             "8 inputs give 4 coefficients per row")


def test_fourier_half_names_the_count_it_accepted() -> None:
    text = repr(check_fourier_half(HalfRoundUp))
    assert "7 inputs give 4 coefficients per row" in text


@pytest.mark.parametrize(("layer", "words"), [
    (FullRfft, ["got shape (2, 5): the first 5 coefficients, one more than the first half"]),
    (HalfOneTooManyShifted, ["✗ 8 inputs give 4 coefficients per row: got shape (2, 5)"]),
    (HalfFft(), ["check_fourier_half(HalfFft()):", "got a HalfFft instance: pass the class"]),
    (None, ["got None: did the code that makes it forget `return`?"]),
    (HalfMagnitudes, ["the values are real, and DFT coefficients should be complex numbers"]),
    (HalfNoReturn, ["forward on a (2, 8) batch returned None: did you forget `return`?"]),
    (HalfRaises, ["forward on a (2, 8) batch raised TypeError"]),
    (HalfWrongEnd, ["the values are not the first coefficients of each row's DFT",
                    "check which coefficients are kept"]),
    (HalfFullSpectrum, ["got shape (2, 8)"]),
    (lambda: "layer", ["builds an nn.Module: got str"]),
])
def test_fourier_half_rejects(layer: Callable, words: list[str]) -> None:
    report = check_fourier_half(layer)
    _verdict(report, False, *words)
    if layer is HalfOneTooManyShifted:  # the values are not the first ones: no such claim
        assert "one more than the first half" not in repr(report)


# -- hints name the mistake and where to look, never the line to write -------------------


@pytest.mark.parametrize(("check", "answer", "fixes"), [
    (check_tied_mlp, tied_two_layers, ["build one layer", "put it at both positions",
                                       "shared = nn.Linear"]),
    (check_tied_mlp, tied_weight_only, ["put one layer object", "net[4].bias ="]),
    (check_tensor_reduction, ReductionData, ["must use the parameter itself", "self.W)",
                                             "use W instead", "W.data", ".detach()"]),
    (check_tensor_reduction, ReductionPlainTensor, ["nn.Parameter"]),
    (check_tensor_reduction, ReductionTemplate, ["einsum", "x_i x_j"]),
    (check_fourier_half, HalfWrongEnd, ["fft(X)[", "[:, :n // 2]", "[..., :"]),
    (check_fourier_half, FullRfft, ["rfft", "n // 2 + 1", "[..., :", "drop the last"]),
    (check_parameter_shapes, shapes_not_recursive, ["recurse", "children()"]),
    (check_parallel, ParallelFirstTwice, ["self.net2(X)", "torch.cat("]),
    (check_registration, OneLayerToThree, ["nn.Linear(256, 10)", "nn.Linear(20, 256)"]),
])
def test_hints_name_the_mistake_not_the_fix(check: Callable, answer: Callable,
                                            fixes: list[str]) -> None:
    text = repr(check(answer))
    assert "✗" in text
    for fix in fixes:
        assert fix not in text, (fix, text)
