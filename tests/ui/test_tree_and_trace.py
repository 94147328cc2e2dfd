"""ModuleTree and ForwardTrace driven headlessly."""

from __future__ import annotations

import pytest
import torch
import traitlets
from torch import nn
from torch.nn.modules import module as module_hooks

from widgets import ForwardTrace, ModuleTree


def test_tree_of_lazy_module_updates_after_refresh() -> None:
    net = nn.Sequential(nn.LazyLinear(8), nn.ReLU(), nn.LazyLinear(2))
    tree = ModuleTree(net)
    assert "uninitialized" in tree.views["tree"].value and str(tree.total) == "? (4 uninitialized)"
    net(torch.rand(3, 5))
    tree.refresh()
    assert "uninitialized" not in tree.views["tree"].value
    assert tree.total.known == 5 * 8 + 8 + 8 * 2 + 2
    assert "weight 8x5" in tree.views["tree"].value


def test_tree_shows_buffers() -> None:
    module = nn.Linear(2, 2)
    module.register_buffer("scale", torch.ones(2, 2))
    assert "buffers (not trained): scale 2x2" in ModuleTree(module).views["tree"].value


def test_tree_shows_shared_modules() -> None:
    shared = nn.Linear(8, 8)
    tree = ModuleTree(nn.Sequential(nn.Linear(4, 8), shared, shared), name="tied")
    assert "shared: the same module as tied.1" in tree.views["tree"].value
    assert "1 shared reference(s) counted once" in tree.views["title"].value
    assert tree.total.known == 112


def test_tree_folding_and_traits() -> None:
    net = nn.Sequential(nn.Sequential(nn.Sequential(nn.Linear(2, 2))))
    tree = ModuleTree(net, open_depth=0)
    assert tree.views["tree"].value.count("<details open>") == 0
    tree.open_depth = 5
    assert tree.views["tree"].value.count("<details open>") == 3
    tree.name = "model"
    assert "<b>model</b>" in tree.views["tree"].value
    tree.module = nn.Linear(3, 1)
    assert tree.total.known == 4


@pytest.mark.parametrize(
    ("trait", "value", "error", "message"),
    [
        ("module", None, TypeError, "module must be a torch.nn.Module, got None"),
        ("module", "net", TypeError, "module must be a torch.nn.Module"),
        ("open_depth", -1, ValueError, "open_depth must be an integer from 0 to 32"),
        ("open_depth", 1.5, TypeError, "open_depth must be an integer"),
        ("name", "", ValueError, "name must be a non-empty string"),
        ("name", 3, TypeError, "name must be a non-empty string, got 3"),
    ],
)
def test_tree_rejects_bad_values_and_keeps_state(trait: str, value: object, error: type,
                                                  message: str) -> None:
    tree = ModuleTree(nn.Linear(2, 2))
    before = (tree.module, tree.open_depth, tree.name, tree.views["tree"].value)
    with pytest.raises(error, match=message) as info:
        setattr(tree, trait, value)
    assert isinstance(info.value, traitlets.TraitError)
    assert (tree.module, tree.open_depth, tree.name, tree.views["tree"].value) == before


def test_tree_constructor_rejects_bad_values_naming_the_field() -> None:
    with pytest.raises(TypeError, match="module must be a torch.nn.Module, got 5"):
        ModuleTree(5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="name must be a non-empty string"):
        ModuleTree(nn.ReLU(), name="  ")
    with pytest.raises(ValueError, match="open_depth must be an integer from 0 to 32, got -1"):
        ModuleTree(nn.ReLU(), open_depth=-1)


class Twice(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(4, 4)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return self.linear(self.linear(X)).sum()


def test_trace_lists_calls_and_shows_reuse() -> None:
    trace = ForwardTrace(Twice(), torch.rand(2, 4))
    assert [c.name for c in trace.calls] == ["net", "net.linear", "net.linear"]
    assert trace.views["table"].value.count("net.linear") == 2
    assert "scalar" in trace.views["table"].value
    assert trace.error is None and trace.message == ""


def test_trace_shows_errors_and_removes_hooks() -> None:
    trace = ForwardTrace(Twice(), torch.rand(2, 4))
    trace.X = torch.rand(2, 3)
    assert isinstance(trace.error, RuntimeError)
    assert "forward raised RuntimeError: mat1 and mat2 shapes" in trace.message
    assert "raised" in trace.views["table"].value
    assert not module_hooks._global_forward_hooks and not module_hooks._global_forward_pre_hooks
    assert not trace.module._forward_hooks and not trace.module.linear._forward_pre_hooks
    trace.X = torch.rand(2, 4)  # recovers
    assert trace.error is None and trace.message == ""


def test_long_traces_list_the_first_calls_and_count_the_rest() -> None:
    net = nn.Sequential(*[nn.ReLU() for _ in range(600)])
    trace = ForwardTrace(net, torch.rand(1, 2))
    assert len(trace.calls) == 601
    assert "... and 101 more calls" in trace.views["table"].value


def test_trace_accepts_several_inputs() -> None:
    class Add(nn.Module):
        def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
            return a + b

    trace = ForwardTrace(Add(), (torch.ones(2), torch.ones(2)))
    assert torch.equal(trace.output, torch.full((2,), 2.0))


@pytest.mark.parametrize(
    ("trait", "value", "message"),
    [
        ("X", None, "X must be a tensor, a tuple of a forward call's arguments, .* got None"),
        ("X", [1.0, 2.0], "X must be a tensor, a tuple"),
        ("X", (), "X must be a tensor, a tuple"),
        ("module", 3, "module must be a torch.nn.Module, got 3"),
    ],
)
def test_trace_rejects_bad_values_and_keeps_state(trait: str, value: object,
                                                   message: str) -> None:
    trace = ForwardTrace(Twice(), torch.rand(2, 4))
    before = (trace.X, trace.module, trace.views["table"].value)
    with pytest.raises(TypeError, match=message):
        setattr(trace, trait, value)
    assert (trace.X, trace.module, trace.views["table"].value) == before


def test_trace_name_is_a_checked_trait() -> None:
    trace = ForwardTrace(Twice(), torch.rand(2, 4))
    trace.name = "twice"
    assert [c.name for c in trace.calls] == ["twice", "twice.linear", "twice.linear"]
    with pytest.raises(TypeError, match="name must be a non-empty string, got 5"):
        trace.name = 5
    assert trace.name == "twice"


def test_trace_constructor_rejects_bad_values() -> None:
    with pytest.raises(TypeError, match="module must be a torch.nn.Module"):
        ForwardTrace(None, torch.rand(2))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="X must be a tensor, a tuple"):
        ForwardTrace(nn.Linear(2, 2), "data")  # type: ignore[arg-type]


def test_batch_renders_once() -> None:
    trace = ForwardTrace(Twice(), torch.rand(2, 4))
    start = trace.render_count
    with trace.batch():
        trace.module = nn.Linear(3, 3)
        trace.X = torch.rand(1, 3)
    assert trace.render_count == start + 1 and trace.error is None
