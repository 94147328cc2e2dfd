"""Module trees, parameter counts and forward traces on awkward modules."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.nn.modules import module as module_hooks

from widgets.core.introspection import (
    ParameterCount,
    TensorSummary,
    count_parameters,
    module_paths,
    module_tree,
    summarize,
    trace_forward,
)


def hooks_left() -> int:
    return (len(module_hooks._global_forward_hooks)
            + len(module_hooks._global_forward_pre_hooks))


class Reused(nn.Module):
    """Calls one layer twice and loops on the data, returning a scalar."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(4, 4)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        X = self.linear(torch.relu(self.linear(X)))
        while X.abs().sum() > 1:
            X = X / 2
        return X.sum()


class Boom(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.first = nn.Linear(4, 4)
        self.second = nn.Linear(3, 3)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return self.second(self.first(X))


def test_parameter_count_text() -> None:
    assert str(ParameterCount(1234567, 0)) == "1,234,567"
    assert str(ParameterCount(10, 2)) == "10 + ? (2 uninitialized)"
    assert ParameterCount(1, 1) + ParameterCount(2, 0) == ParameterCount(3, 1)


def test_tree_of_lazy_module_before_and_after_dry_run() -> None:
    net = nn.Sequential(nn.LazyLinear(8), nn.ReLU(), nn.LazyLinear(2))
    tree = module_tree(net)
    assert tree.total_count == ParameterCount(0, 4)
    assert tree.children[0].own == {"weight": "uninitialized", "bias": "uninitialized"}
    net(torch.rand(1, 5))
    tree = module_tree(net)
    assert tree.total_count == ParameterCount(5 * 8 + 8 + 8 * 2 + 2, 0)
    assert tree.children[0].own["weight"] == "8x5"


def test_tree_marks_shared_modules_and_counts_them_once() -> None:
    shared = nn.Linear(8, 8)
    net = nn.Sequential(nn.Linear(4, 8), shared, nn.ReLU(), shared)
    tree = module_tree(net)
    paths = [(n.path, n.shared_with) for n in tree.walk()]
    assert paths == [("net", None), ("net.0", None), ("net.1", None), ("net.2", None),
                     ("net.3", "net.1")]
    assert tree.total_count.known == 40 + 72 == count_parameters(net).known


def test_tree_counts_tied_parameters_once() -> None:
    a, b = nn.Linear(3, 3), nn.Linear(3, 3)
    b.weight = a.weight
    tree = module_tree(nn.Sequential(a, b))
    assert tree.total_count.known == 9 + 3 + 3
    assert tree.children[1].own["weight"] == "3x3 (tied)"


def test_tree_of_deep_nesting_and_custom_classes() -> None:
    net: nn.Module = nn.Linear(2, 2)
    for _ in range(30):
        net = nn.Sequential(net)
    tree = module_tree(net)
    assert len(list(tree.walk())) == 31
    assert tree.total_count.known == 6
    custom = module_tree(Reused(), name="mine")
    assert [(n.path, n.type_name) for n in custom.walk()] == [("mine", "Reused"),
                                                             ("mine.linear", "Linear")]


def test_tree_lists_buffers_apart_from_parameters() -> None:
    net = nn.Sequential(nn.LazyBatchNorm1d(), nn.BatchNorm1d(3))
    tree = module_tree(net)
    assert tree.children[0].buffers["running_mean"] == "uninitialized"
    assert tree.children[1].buffers == {"running_mean": "3", "running_var": "3",
                                        "num_batches_tracked": "scalar"}
    assert tree.children[1].own_count.known == 6  # weight and bias; buffers are not counted


def test_tree_rejects_non_modules() -> None:
    with pytest.raises(TypeError, match="module must be a torch.nn.Module, got 3"):
        module_tree(3)  # type: ignore[arg-type]


def test_trace_order_reuse_and_scalar_output() -> None:
    trace = trace_forward(Reused(), torch.rand(2, 4))
    assert [(c.name, c.depth) for c in trace.calls] == [
        ("net", 0), ("net.linear", 1), ("net.linear", 1)]
    assert trace.calls[0].outputs[0].shape == ()
    assert trace.calls[1].inputs[0].shape == (2, 4)
    assert trace.error is None and trace.output.shape == ()
    assert hooks_left() == 0


def test_trace_error_is_captured_and_hooks_removed() -> None:
    trace = trace_forward(Boom(), torch.rand(2, 4))
    assert isinstance(trace.error, RuntimeError)
    assert "mat1 and mat2 shapes cannot be multiplied" in trace.error_text
    assert [c.name for c in trace.calls] == ["net", "net.first", "net.second"]
    assert trace.calls[1].outputs is not None
    assert trace.calls[2].outputs is None and trace.calls[0].outputs is None
    assert hooks_left() == 0


def test_trace_marks_unregistered_layers() -> None:
    class Hidden(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.steps = [nn.Linear(4, 2)]

        def forward(self, X: torch.Tensor) -> torch.Tensor:
            return self.steps[0](X)

    trace = trace_forward(Hidden(), torch.rand(1, 4))
    assert [(c.name, c.registered) for c in trace.calls] == [
        ("net", True), ("(unregistered Linear)", False)]


def test_trace_names_shared_module_by_all_its_paths() -> None:
    shared = nn.Linear(3, 3)
    trace = trace_forward(nn.Sequential(shared, nn.ReLU(), shared), torch.rand(1, 3))
    assert [c.name for c in trace.calls] == ["net", "net.0 = net.2", "net.1", "net.0 = net.2"]


def test_trace_survives_a_caught_inner_error() -> None:
    class Forgiving(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bad = nn.Linear(3, 3)
            self.good = nn.Linear(4, 4)

        def forward(self, X: torch.Tensor) -> torch.Tensor:
            try:
                self.bad(X)
            except RuntimeError:
                pass
            return self.good(X)

    trace = trace_forward(Forgiving(), torch.rand(1, 4))
    assert trace.error is None
    assert [(c.name, c.depth, c.outputs is not None) for c in trace.calls] == [
        ("net", 0, True), ("net.bad", 1, False), ("net.good", 1, True)]
    assert hooks_left() == 0


def test_trace_inside_an_except_block_still_records_outputs() -> None:
    try:
        raise KeyError("the caller's own error")
    except KeyError:
        trace = trace_forward(nn.Linear(2, 2), torch.rand(1, 2))
    assert trace.calls[0].outputs is not None


def test_trace_handles_cycles_and_deep_sharing() -> None:
    looped = nn.Sequential(nn.Linear(2, 2))
    looped.add_module("again", looped)  # a module registered inside itself
    assert module_paths(looped)[id(looped)] == ["net", "net.again"]
    net: nn.Module = nn.ReLU()
    for _ in range(40):  # 2**40 paths if every path were walked
        net = nn.Sequential(net, net)
    assert len(module_paths(net)) == 41  # each module walked once
    small: nn.Module = nn.ReLU()
    for _ in range(5):
        small = nn.Sequential(small, small)
    trace = trace_forward(small, torch.rand(1, 2))
    assert trace.error is None and len(trace.calls) == 2**6 - 1


def test_summaries() -> None:
    s = TensorSummary.of(torch.tensor([1.0, 3.0]))
    assert (s.shape, s.mean, s.min, s.max) == ((2,), 2.0, 1.0, 3.0)
    assert TensorSummary.of(torch.tensor(5)).mean is None
    assert summarize((torch.zeros(2), {"a": torch.ones(1)}, None))[2] == "NoneType"
