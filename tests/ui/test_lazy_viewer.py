"""LazyInitViewer driven headlessly: set traits, type into its boxes, read what it shows."""

from __future__ import annotations

import pytest
import torch
import traitlets
from torch import nn
from torch.nn.modules import module as module_hooks
from torch.nn.parameter import UninitializedParameter

from widgets import LazyInitViewer
from widgets.core.introspection import ParameterCount


def lazy_mlp() -> nn.Sequential:
    return nn.Sequential(nn.LazyLinear(256), nn.ReLU(), nn.LazyLinear(10))


def mismatched() -> nn.Sequential:
    return nn.Sequential(nn.LazyLinear(30), nn.ReLU(), nn.Linear(20, 4))


@pytest.fixture
def viewer() -> LazyInitViewer:
    return LazyInitViewer(lazy_mlp(), input_size=20)


def state(viewer: LazyInitViewer) -> tuple:
    return (viewer.module, viewer.input_shape, viewer.batch_size, viewer.render_count,
            viewer.views["table"].value, viewer.views["summary"].value)


def test_defaults_show_shapes_before_and_after(viewer: LazyInitViewer) -> None:
    assert viewer.input_shape == (20,) and viewer.input_size == 20 and viewer.batch_size == 2
    assert viewer.output_shape == (2, 10) and viewer.error is None and viewer.message == ""
    assert [b.shape_text for b in viewer.before][:2] == ["uninitialized (256x?)",
                                                         "uninitialized (256)"]
    assert [a.shape for a in viewer.after] == [(256, 20), (256,), (10, 256), (10,)]
    assert viewer.count_before == ParameterCount(0, 4) and viewer.count_after.known == 7946
    assert [str(c) for c in viewer.changes] == ["0: LazyLinear → Linear", "2: LazyLinear → Linear"]
    table = viewer.views["table"].value
    assert "shape before" in table and "shape after" in table
    assert table.count("<tr class=ll-changed>") == 4
    assert "<td class=l>uninitialized (256x?)</td><td>256x20</td><td>5,120</td>" in table
    assert "7,946" in table and "? (4 uninitialized)" in table
    summary = viewer.views["summary"].value
    assert "input batch <b>(2, 20)</b> → output <b>(2, 10)</b>" in summary
    assert "? (4 uninitialized) before → <b>7,946</b> after" in summary
    assert viewer.controls["input_size"].value == 20 and viewer.controls["batch_size"].value == 2
    assert viewer.render_count == 1


@pytest.mark.parametrize("size", [1, 8, 100, 4096])
def test_input_size_changes_the_shapes_after(viewer: LazyInitViewer, size: int) -> None:
    viewer.input_size = size
    assert viewer.after[0].shape == (256, size) and viewer.input_shape == (size,)
    assert f"256x{size}" in viewer.views["table"].value
    assert viewer.count_after.known == 256 * (size + 1) + 2570
    assert viewer.controls["input_size"].value == size


def test_template_is_never_changed(viewer: LazyInitViewer) -> None:
    template = viewer.module
    for size in (3, 5, 7):
        viewer.input_size = size
    viewer.batch_size = 9
    assert type(template[0]) is nn.LazyLinear
    assert isinstance(template[0].weight, UninitializedParameter)
    assert not module_hooks._global_forward_hooks and not module_hooks._global_forward_pre_hooks


def test_net_is_a_materialized_copy(viewer: LazyInitViewer) -> None:
    net = viewer.net
    assert type(net[0]) is nn.Linear and net(torch.rand(3, 20)).shape == (3, 10)
    assert net is not viewer.result.module and net is not viewer.module


def test_partial_sizes_highlight_only_what_changed() -> None:
    viewer = LazyInitViewer(nn.Sequential(nn.LazyLinear(64), nn.ReLU(), nn.Linear(64, 10)), 20)
    table = viewer.views["table"].value
    assert table.count("<tr class=ll-changed>") == 2
    assert "<tr><td class=l>2.weight</td><td class=l>2 Linear</td>" in table
    assert viewer.count_before == ParameterCount(650, 2)


def test_mismatch_shows_a_message_and_the_table_before(viewer: LazyInitViewer) -> None:
    viewer.module = mismatched()
    expected = ("layer '2' (Linear) expects inputs with 20 features, got 30 — "
                "mat1 and mat2 shapes cannot be multiplied (2x30 and 20x4)")
    assert viewer.error == expected and viewer.message == expected
    assert "expects inputs with 20 features, got 30" in viewer.views["message"].value
    assert "Traceback" not in viewer.views["message"].value
    table = viewer.views["table"].value
    assert "shape before" in table and "shape after" not in table
    assert "ll-changed" not in table
    assert ("the dry run failed in layer &#x27;2&#x27;, so no shape changed"
            in viewer.views["summary"].value)
    assert viewer.after is None and viewer.output_shape is None and viewer.net is None
    assert repr(viewer) == ("LazyInitViewer(Sequential, input_shape=(20,), batch_size=2, "
                            "failed in layer '2')")
    viewer.module = nn.Sequential(nn.LazyLinear(20), nn.ReLU(), nn.Linear(20, 4))  # recovers
    assert viewer.error is None and viewer.message == "" and viewer.output_shape == (2, 4)


def test_materialized_lazy_net_rejects_another_size() -> None:
    net = lazy_mlp()
    net(torch.rand(2, 20))
    viewer = LazyInitViewer(net, input_size=20)
    assert viewer.changes == () and viewer.error is None
    assert viewer.views["table"].value.count("<tr class=ll-changed>") == 0
    viewer.input_size = 8
    assert viewer.error.startswith("layer '0' (Linear) expects inputs with 20 features, got 8")
    viewer.module = lazy_mlp()  # a fresh lazy net takes the new size
    assert viewer.error is None and viewer.after[0].shape == (256, 8)


def test_lazy_conv_with_an_input_shape() -> None:
    net = nn.Sequential(nn.LazyConv2d(8, 3), nn.ReLU(), nn.Flatten(), nn.LazyLinear(10))
    viewer = LazyInitViewer(net, input_shape=(3, 16, 16))
    assert viewer.input_size == 3 and viewer.controls["input_size"].description == "channels"
    assert viewer.after[0].shape == (8, 3, 3, 3) and viewer.after[2].shape == (10, 8 * 14 * 14)
    assert "uninitialized (8x?x3x3)" in viewer.views["table"].value
    viewer.input_size = 1  # the channels; height and width stay
    assert viewer.input_shape == (1, 16, 16) and viewer.after[0].shape == (8, 1, 3, 3)
    viewer.input_shape = 20
    assert viewer.error.startswith("layer '0' (LazyConv2d) expects 3-D or 4-D inputs")
    assert viewer.controls["input_size"].description == "input size"


def test_module_without_parameters() -> None:
    viewer = LazyInitViewer(nn.ReLU(), input_shape=(3, 4))
    assert viewer.output_shape == (2, 3, 4) and "holds no parameters" in viewer.views["table"].value


# -- controls --------------------------------------------------------------------------


def test_controls_drive_the_state(viewer: LazyInitViewer) -> None:
    viewer.controls["input_size"].value = 12
    assert viewer.input_shape == (12,) and viewer.after[0].shape == (256, 12)
    viewer.controls["batch_size"].value = 5
    assert viewer.batch_size == 5 and viewer.output_shape == (5, 10)
    assert viewer.message == ""


@pytest.mark.parametrize(
    ("control", "value", "expected"),
    [
        ("size", 0, "input_size must be an integer from 1 to 4096, got 0"),
        ("size", -5, "input_size must be an integer from 1 to 4096, got -5"),
        ("size", 100000, "got 100000"),
        ("batch", 0, "batch size must be an integer from 1 to 1024, got 0"),
        ("batch", -1, "got -1"),
        ("batch", 5000, "got 5000"),
    ],
)
def test_bad_ui_value_shows_message_and_restores_the_last_value(
        viewer: LazyInitViewer, control: str, value: int, expected: str) -> None:
    before = state(viewer)
    box = viewer.controls["input_size"] if control == "size" else viewer.controls["batch_size"]
    box.value = value
    assert expected in viewer.message and "kept the last valid setting" in viewer.message
    assert expected in viewer.views["message"].value
    assert state(viewer) == before
    assert box.value == (20 if control == "size" else 2)  # the control is put back
    viewer.controls["input_size"].value = 6  # the next good value clears the message
    assert viewer.message == "" and viewer.input_shape == (6,)


def test_bad_ui_batch_too_large_for_the_shape() -> None:
    viewer = LazyInitViewer(nn.ReLU(), input_shape=(4096, 2048), batch_size=1)
    viewer.controls["batch_size"].value = 3
    assert "makes a batch of 25,165,824 numbers" in viewer.message
    assert viewer.batch_size == 1 and viewer.controls["batch_size"].value == 1


def test_ui_keeps_the_mismatch_in_view() -> None:
    viewer = LazyInitViewer(mismatched(), input_size=8)
    viewer.controls["batch_size"].value = 3
    assert viewer.message.startswith("layer '2' (Linear) expects inputs with 20 features")
    viewer.controls["input_size"].value = -1
    assert viewer.message.startswith("input_size must be an integer from 1 to 4096, got -1 "
                                     "(kept the last valid setting); the dry run still fails: "
                                     "layer '2' (Linear) expects inputs with 20 features")


# -- from code ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("trait", "value", "error", "message"),
    [
        ("input_size", 0, ValueError, r"input_size must be an integer from 1 to 4096, got 0"),
        ("input_size", -3, ValueError, r"got -3"),
        ("input_size", 4097, ValueError, r"got 4097"),
        ("input_size", 2**40, ValueError, r"got 1099511627776"),
        ("input_size", 8.0, TypeError, r"input_size must be an integer .* got 8.0 \(float\)"),
        ("input_size", True, TypeError, r"got True \(bool\)"),
        ("input_size", None, TypeError, r"got None"),
        ("input_size", "8", TypeError, r"got '8' \(str\)"),
        ("input_shape", 0, ValueError, r"input_shape must be an integer from 1 to 4096, got 0"),
        ("input_shape", (), ValueError, r"input_shape must have 1 to 4 entries, got 0"),
        ("input_shape", (3, 0), ValueError, r"input_shape\[1\] must be an integer from 1"),
        ("input_shape", (3, 1.5), TypeError, r"input_shape\[1\] .* got 1.5 \(float\)"),
        ("input_shape", (1, 2, 3, 4, 5), ValueError, r"must have 1 to 4 entries, got 5"),
        ("input_shape", None, TypeError, r"input_shape must be a tuple of 1 to 4 integers"),
        ("input_shape", "3x4", TypeError, r"got '3x4' \(str\)"),
        ("input_shape", False, TypeError, r"got False \(bool\)"),
        ("input_shape", (4096, 4096), ValueError, r"makes a batch of 33,554,432 numbers"),
        ("batch_size", 0, ValueError, r"batch_size must be an integer from 1 to 1024, got 0"),
        ("batch_size", 1025, ValueError, r"got 1025"),
        ("batch_size", 2.5, TypeError, r"batch_size must be an integer .* \(float\)"),
        ("batch_size", None, TypeError, r"got None"),
        ("module", None, TypeError, r"module must be a torch.nn.Module, got None"),
        ("module", nn.Linear, TypeError, r"module must be a torch.nn.Module"),
    ],
)
def test_bad_code_value_raises_naming_the_field_and_keeps_state(
        viewer: LazyInitViewer, trait: str, value: object, error: type, message: str) -> None:
    before = state(viewer)
    with pytest.raises(error, match=message) as info:
        setattr(viewer, trait, value)
    assert isinstance(info.value, traitlets.TraitError)
    assert state(viewer) == before


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"module": None}, TypeError, r"module must be a torch.nn.Module, got None"),
        ({"input_size": 0}, ValueError, r"input_size must be an integer from 1 to 4096"),
        ({"input_size": 2.5}, TypeError, r"input_size must be an integer"),
        ({"input_shape": (3, -1)}, ValueError, r"input_shape\[1\] must be an integer"),
        ({"batch_size": 0}, ValueError, r"batch_size must be an integer from 1 to 1024"),
        ({"input_shape": (4096, 4096), "batch_size": 2}, ValueError, r"makes a batch of"),
        ({"input_size": 4, "input_shape": (4,)}, TypeError, r"input_size or input_shape, not both"),
    ],
)
def test_constructor_rejects_bad_values(kwargs: dict, error: type, message: str) -> None:
    arguments = {"module": lazy_mlp(), **kwargs}
    with pytest.raises(error, match=message):
        LazyInitViewer(**arguments)


def test_uncopyable_module_is_refused(viewer: LazyInitViewer) -> None:
    class Uncopyable(nn.Linear):
        def __deepcopy__(self, memo: dict) -> None:
            raise RuntimeError("no copies")

    before = state(viewer)
    with pytest.raises(TypeError, match="module must be copyable with copy.deepcopy"):
        viewer.module = Uncopyable(2, 2)
    assert state(viewer) == before


def test_results_are_read_only(viewer: LazyInitViewer) -> None:
    for name in ("result", "before", "after", "output_shape", "error", "changes", "net"):
        with pytest.raises(AttributeError):
            setattr(viewer, name, None)


def test_configure_renders_once_and_is_atomic(viewer: LazyInitViewer) -> None:
    start = viewer.render_count
    viewer.configure(module=nn.Sequential(nn.LazyConv1d(4, 3)), input_shape=(2, 9), batch_size=3)
    assert viewer.render_count == start + 1 and viewer.output_shape == (3, 4, 7)
    before = state(viewer)
    with pytest.raises(ValueError, match="batch_size must be an integer"):
        viewer.configure(input_shape=(5, 9), batch_size=0)
    with pytest.raises(ValueError, match="makes a batch of"):
        viewer.configure(input_shape=(4096, 2048), batch_size=3)
    with pytest.raises(TypeError, match=r"configure\(\) takes .* not colour"):
        viewer.configure(colour="red")
    assert state(viewer) == before


@pytest.mark.parametrize("order", ["size first", "shape first"])
def test_configure_refuses_input_size_and_input_shape_together(viewer: LazyInitViewer,
                                                               order: str) -> None:
    before, count = state(viewer), viewer.render_count
    both = {"input_size": 5, "input_shape": (3, 8)}
    if order == "shape first":  # the answer must not depend on the order of the arguments
        both = dict(reversed(list(both.items())))
    with pytest.raises(TypeError, match="input_size or input_shape, not both"):
        viewer.configure(**both, batch_size=4)
    assert state(viewer) == before and viewer.render_count == count


def test_batches_render_once_and_check_the_final_values(viewer: LazyInitViewer) -> None:
    start = viewer.render_count
    with viewer.batch():
        viewer.input_size = 3
        viewer.input_size = 4
        viewer.batch_size = 7
        viewer.module = lazy_mlp()
    assert viewer.render_count == start + 1 and viewer.result.batch_shape == (7, 4)
    with viewer.batch():  # too large on the way, fine at the end
        viewer.input_shape = (4096, 2048)
        viewer.batch_size = 1
    assert viewer.render_count == start + 2 and viewer.input_shape == (4096, 2048)


def test_batch_rolls_back_on_error(viewer: LazyInitViewer) -> None:
    before = state(viewer)
    with pytest.raises(ValueError), viewer.batch():
        viewer.batch_size = 5
        viewer.input_size = 0
    assert state(viewer) == before
    with pytest.raises(ValueError, match="makes a batch of"), viewer.batch():
        viewer.batch_size = 8
        viewer.input_shape = (4096, 2048)
    assert state(viewer) == before


def test_same_state_same_view() -> None:
    first, second = LazyInitViewer(lazy_mlp(), 5), LazyInitViewer(lazy_mlp(), 5)
    assert first.views["table"].value == second.views["table"].value
    assert torch.equal(first.net[0].weight, second.net[0].weight)


def test_repr_states_the_state(viewer: LazyInitViewer) -> None:
    assert repr(viewer) == ("LazyInitViewer(Sequential, input_shape=(20,), batch_size=2, "
                            "output_shape=(2, 10))")
