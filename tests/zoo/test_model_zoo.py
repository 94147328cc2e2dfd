"""The inspection widgets on modules nobody here wrote: torch's own, and odd ones.

For every model of the zoo: the tree, the inspector and torchinfo count the same
parameters (a tied tensor once; torchinfo counts it at each place); the trace
lists the calls an independent per-module hook record sees, in that order; a
backward step reaches every parameter; and no hook stays registered.
"""

from __future__ import annotations

import warnings

import pytest
import torch
import torchinfo
from torch import nn
from torch.nn.modules import module as module_hooks

from widgets import ForwardTrace, Inputs, LazyInitViewer, ModuleTree, ParameterInspector
from widgets.core.introspection import module_tree

from .models import zoo

NAMES = list(zoo())


def distinct_numel(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())  # parameters() skips repeats


def no_hooks_left(model: nn.Module) -> bool:
    """No forward hook on any module or globally, but a lazy layer's own (it removes it
    itself at its first forward pass)."""
    per_module = all(
        all(getattr(hook, "__name__", "") == "_infer_parameters"
            for hook in m._forward_pre_hooks.values()) and not m._forward_hooks
        for m in model.modules())
    global_ = not module_hooks._global_forward_hooks and \
        not module_hooks._global_forward_pre_hooks
    return per_module and global_


def hook_record(model: nn.Module, inputs: Inputs) -> list[str]:
    """Every registered module's call, in order, recorded by hooks on each module."""
    paths = {id(m): f"net.{p}" if p else "net" for p, m in model.named_modules()}
    seen: list[str] = []
    handles = [m.register_forward_pre_hook(lambda mod, args: seen.append(paths[id(mod)]))
               for m in model.modules()]
    try:
        with torch.no_grad():
            inputs.run(model)
    finally:
        for handle in handles:
            handle.remove()
    return seen


@pytest.fixture(params=NAMES)
def case(request: pytest.FixtureRequest) -> tuple[str, nn.Module, Inputs]:
    model, inputs = zoo()[request.param]
    return request.param, model, inputs


def test_counts_agree_with_torchinfo_and_distinct_numel(case: tuple) -> None:
    name, model, inputs = case
    inspector = ParameterInspector(model, X=inputs)  # before a forward: lazy ones unknown
    inputs.run(model)  # lazy layers take their shapes
    inspector.refresh()
    ours = {"tree": module_tree(model).total_count.known, "inspector": inspector.total,
            "ModuleTree": ModuleTree(model).tree.total_count.known}
    expected = distinct_numel(model)
    assert set(ours.values()) == {expected}, (name, ours, expected)
    info = torchinfo.summary(model, input_data=list(inputs.args), verbose=0,
                             **inputs.kwargs).total_params
    tied = sum(p.numel() for names, p in _groups(model) if len(names) > 1)
    # torchinfo counts a tied tensor once per module that holds it
    assert info == expected + tied, (name, info, expected, tied)


def _groups(model: nn.Module) -> list[tuple[list[str], torch.Tensor]]:
    from widgets.core.introspection import named_parameter_groups
    return list(named_parameter_groups(model).values())


def test_trace_lists_the_calls_hooks_on_each_module_see(case: tuple) -> None:
    name, model, inputs = case
    inputs.run(model)  # lazy layers first: the record below runs on a built model
    trace = ForwardTrace(model, inputs)
    assert trace.error is None, (name, trace.trace.error_text)
    traced = [call.name.split(" = ")[0] for call in trace.calls]
    assert traced == hook_record(model, inputs), name
    assert no_hooks_left(model)


def test_eval_mode_transformer_shows_its_sublayers() -> None:
    model, inputs = zoo()["TransformerEncoder (eval)"]
    names = [call.name for call in ForwardTrace(model, inputs).calls]
    for part in ("self_attn", "linear1", "norm1", "linear2", "norm2"):
        assert f"net.layers.0.{part}" in names and f"net.layers.1.{part}" in names
    assert no_hooks_left(model)


def test_backward_reaches_every_parameter(case: tuple) -> None:
    name, model, inputs = case
    inspector = ParameterInspector(model, X=inputs)
    inspector.backward()
    missing = [info.name for info in inspector.infos if info.grad is None]
    assert not missing, (name, missing)
    assert inspector.last_loss is not None and no_hooks_left(model)


def test_lazy_viewer_on_lazy_layers() -> None:
    model, inputs = zoo()["lazy layers"]
    viewer = LazyInitViewer(model, input_shape=tuple(inputs.args[0].shape[1:]))
    assert "LazyLinear" in repr(model) and no_hooks_left(model)  # dry run on a copy
    assert viewer.message == "" and "8" in viewer.views["table"].value


def test_nested_and_keyword_inputs_are_checked_and_bounded() -> None:
    lstm = nn.LSTM(4, 8)
    deep: object = torch.ones(1)
    for _ in range(20):
        deep = (deep,)
    with pytest.raises(TypeError, match="X nests too deep or holds too much"):
        ForwardTrace(lstm, (torch.ones(3, 1, 4), deep))
    with pytest.raises(TypeError, match="X nests too deep or holds too much"):
        ParameterInspector(lstm, X=tuple(torch.ones(1) for _ in range(300)))
    with pytest.raises(TypeError, match="X must be a tensor, a tuple"):
        ForwardTrace(lstm, (object(),))
    with pytest.raises(ValueError, match="every tensor needs at least one"):
        ForwardTrace(lstm, (torch.ones(3, 1, 4), torch.ones(0)))


def test_a_cyclic_module_graph_is_inspected_not_recursed_forever() -> None:
    inner = nn.Sequential(nn.Linear(2, 2))
    outer = nn.Sequential(inner)
    inner.add_module("back", outer)  # outer holds inner holds outer
    inspector = ParameterInspector(outer)
    assert inspector.total == 6 and inspector.names == ["0.0.weight", "0.0.bias"]
    assert ModuleTree(outer).tree.total_count.known == 6


def test_scripted_modules_show_as_one_compiled_call() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scripted = torch.jit.script(nn.Sequential(nn.Linear(4, 3), nn.ReLU()))
    model = nn.Sequential(scripted, nn.Tanh())
    trace = ForwardTrace(model, torch.ones(2, 4))
    assert [c.name for c in trace.calls] == ["net", "net.0", "net.1"]
    assert trace.trace.compiled == ["net.0"] and "TorchScript" in trace.message
    inspector = ParameterInspector(model, X=torch.ones(2, 4))
    inspector.backward()
    assert inspector.total == 15 and all(info.grad is not None for info in inspector.infos)
    assert no_hooks_left(model)


def test_a_thousand_layer_model_opens_small_and_shows_more_on_request() -> None:
    big = nn.Sequential(*[nn.Linear(8, 8) for _ in range(1000)])
    inspector = ParameterInspector(big)
    table = inspector.views["table"].value
    assert len(table) < 100_000 and table.count("<tr") < 60
    assert "72,000" in table  # the total row counts every parameter all the same
    more = inspector.controls["more"]
    assert more.layout.display is None and "1,950 not shown" in more.description
    more.click()
    assert inspector.views["table"].value.count("<tr") > table.count("<tr") + 40
    sizes = [len(w.value) for w in (*ModuleTree(big).views.values(),
                                    *ForwardTrace(big, torch.ones(1, 8)).views.values())
             if isinstance(getattr(w, "value", None), str)]
    assert max(sizes) < 300_000, sizes
