"""Dry runs of lazy modules: shapes before and after, mismatches named, inputs checked."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.nn.modules import module as module_hooks
from torch.nn.parameter import UninitializedParameter

from widgets.core.introspection import ParameterCount
from widgets.core.lazy import (
    MAX_LAYER_NUMBERS,
    DryRun,
    LayerChange,
    ParameterInfo,
    check_input_shape,
    describe_parameters,
    dry_run,
    known_shape,
)
from widgets.exercises.lazy_initialization import (
    check_first_layer_fixed,
    check_materialize,
    check_mismatch,
)


def lazy_mlp() -> nn.Sequential:
    return nn.Sequential(nn.LazyLinear(256), nn.ReLU(), nn.LazyLinear(10))


def hooks_left() -> int:
    return len(module_hooks._global_forward_hooks) + len(module_hooks._global_forward_pre_hooks)


# -- describing parameters -----------------------------------------------------------


def test_describe_lazy_parameters() -> None:
    infos = describe_parameters(lazy_mlp())
    assert [i.name for i in infos] == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert {i.layer_type for i in infos} == {"LazyLinear"}
    assert [i.layer for i in infos] == ["0", "0", "2", "2"]
    assert all(i.shape is None and not i.initialized and i.numel is None for i in infos)
    assert [i.known for i in infos] == [(256, None), (256,), (10, None), (10,)]
    assert [i.shape_text for i in infos] == ["uninitialized (256x?)", "uninitialized (256)",
                                             "uninitialized (10x?)", "uninitialized (10)"]


def test_describe_materialized_and_root_parameters() -> None:
    info = describe_parameters(nn.Linear(3, 2))
    assert info == (ParameterInfo("weight", "", "Linear", (2, 3)),
                    ParameterInfo("bias", "", "Linear", (2,)))
    assert info[0].shape_text == "2x3" and info[0].numel == 6


def test_describe_lists_tied_parameters_once() -> None:
    shared = nn.Linear(4, 4)
    assert [i.name for i in describe_parameters(nn.Sequential(shared, shared))] == [
        "0.weight", "0.bias"]


@pytest.mark.parametrize(
    ("layer", "name", "known"),
    [
        (nn.LazyLinear(7), "weight", (7, None)),
        (nn.LazyConv1d(4, 5), "weight", (4, None, 5)),
        (nn.LazyConv2d(16, (3, 5)), "weight", (16, None, 3, 5)),
        (nn.LazyConv2d(16, 3), "bias", (16,)),
        (nn.LazyConvTranspose2d(8, 3, groups=2), "weight", (None, 4, 3, 3)),
        (nn.LazyBatchNorm1d(), "weight", (None,)),
        (nn.ReLU(), "weight", None),
    ],
)
def test_known_part_of_lazy_shapes(layer: nn.Module, name: str, known: tuple | None) -> None:
    assert known_shape(layer, name) == known


def test_unknown_lazy_parameter_says_uninitialized() -> None:
    class Odd(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.w = UninitializedParameter()

    (info,) = describe_parameters(Odd())
    assert info.shape_text == "uninitialized" and info.known is None


# -- dry runs ---------------------------------------------------------------------------


@pytest.mark.parametrize("size", [1, 3, 20, 784, 4096])
def test_dry_run_infers_input_sizes(size: int) -> None:
    result = dry_run(lazy_mlp(), size)
    assert result.ok and result.error is None and result.failed_layer is None
    assert [a.shape for a in result.after] == [(256, size), (256,), (10, 256), (10,)]
    assert result.output_shape == (2, 10) and result.output_text == "(2, 10)"
    assert result.count_before == ParameterCount(0, 4)
    assert result.num_parameters == 256 * (size + 1) + 10 * 257
    assert result.changes == (LayerChange("0", "LazyLinear", "Linear"),
                              LayerChange("2", "LazyLinear", "Linear"))
    assert type(result.module[0]) is nn.Linear


def test_partial_sizes_lazy_first_fixed_later() -> None:
    net = nn.Sequential(nn.LazyLinear(64), nn.ReLU(), nn.Linear(64, 10))
    result = dry_run(net, 20)
    assert [b.shape_text for b in result.before] == [
        "uninitialized (64x?)", "uninitialized (64)", "10x64", "10"]
    assert [a.shape_text for a in result.after] == ["64x20", "64", "10x64", "10"]
    assert result.count_before == ParameterCount(650, 2)
    assert result.changes == (LayerChange("0", "LazyLinear", "Linear"),)


def test_partial_sizes_fixed_first_lazy_later() -> None:
    net = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.LazyLinear(10))
    result = dry_run(net, 20)
    assert result.count_before == ParameterCount(1344, 2)
    assert result.after[2].shape == (10, 64) and result.num_parameters == 1344 + 650


def test_template_is_left_untouched() -> None:
    net = nn.Sequential(nn.LazyLinear(8), nn.ReLU(), nn.Linear(8, 2))
    state = {k: v.clone() for k, v in net.state_dict().items() if k.startswith("2.")}
    rng = torch.get_rng_state()
    result = dry_run(net, 5, fill="random")
    assert result.ok and result.module is not net
    assert type(net[0]) is nn.LazyLinear and isinstance(net[0].weight, UninitializedParameter)
    assert all(torch.equal(net.state_dict()[k], v) for k, v in state.items())
    assert torch.equal(torch.get_rng_state(), rng)  # the reader's random numbers are untouched
    assert net[2].weight.grad is None and hooks_left() == 0


def test_same_seed_same_weights() -> None:
    first, second = dry_run(lazy_mlp(), 4, seed=3), dry_run(lazy_mlp(), 4, seed=3)
    other = dry_run(lazy_mlp(), 4, seed=4)
    assert torch.equal(first.module[0].weight, second.module[0].weight)
    assert not torch.equal(first.module[0].weight, other.module[0].weight)


def test_mismatch_names_the_layer_and_both_sizes() -> None:
    net = nn.Sequential(nn.LazyLinear(30), nn.ReLU(), nn.Linear(20, 4))
    result = dry_run(net, 8)
    assert not result.ok and result.failed_layer == "2"
    assert result.error == ("layer '2' (Linear) expects inputs with 20 features, got 30 — "
                            "mat1 and mat2 shapes cannot be multiplied (2x30 and 20x4)")
    assert isinstance(result.exception, RuntimeError)
    assert result.after is None and result.module is None and result.output_shape is None
    assert result.changes == () and result.count_after is None and result.num_parameters is None
    assert type(net[0]) is nn.LazyLinear and hooks_left() == 0


def test_materialized_lazy_layer_rejects_another_size() -> None:
    net = lazy_mlp()
    net(torch.rand(2, 20))  # materialized for 20 inputs
    assert dry_run(net, 20).ok
    result = dry_run(net, 8)
    assert result.failed_layer == "0"
    assert result.error.startswith("layer '0' (Linear) expects inputs with 20 features, got 8 — ")
    assert "LazyLinear" not in repr(result)  # it is an ordinary Linear now


def test_each_fresh_lazy_copy_takes_its_own_size() -> None:
    template = lazy_mlp()
    sizes = {n: dry_run(template, n).after[0].shape for n in (4, 8, 16)}
    assert sizes == {4: (256, 4), 8: (256, 8), 16: (256, 16)}


def test_nested_and_root_failures() -> None:
    inner = nn.Sequential(nn.Linear(4, 4), nn.Sequential(nn.ReLU(), nn.Linear(3, 2)))
    result = dry_run(inner, 4)
    assert result.failed_layer == "1.1"
    assert result.error.startswith("layer '1.1' (Linear) expects inputs with 3 features, got 4")
    root = dry_run(nn.Linear(3, 2), 5)
    assert root.failed_layer == ""
    assert root.error.startswith("the module itself (Linear) expects inputs with 3 features, got 5")


def test_failure_in_forward_code_says_where() -> None:
    class Cat(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.a = nn.LazyLinear(3)

        def forward(self, X: torch.Tensor) -> torch.Tensor:
            return torch.cat([self.a(X), X[:1]], dim=1)

    result = dry_run(Cat(), 4)
    assert result.failed_layer == ""
    assert result.error.startswith("the module itself (Cat) failed on an input of shape (2, 4) — ")


def test_lazy_conv_shapes_and_mismatches() -> None:
    net = nn.Sequential(nn.LazyConv2d(8, 3), nn.ReLU(), nn.Flatten(), nn.LazyLinear(10))
    result = dry_run(net, (3, 16, 16))
    assert result.before[0].shape_text == "uninitialized (8x?x3x3)"
    assert [a.shape for a in result.after] == [(8, 3, 3, 3), (8,), (10, 8 * 14 * 14), (10,)]
    assert result.changes == (LayerChange("0", "LazyConv2d", "Conv2d"),
                              LayerChange("3", "LazyLinear", "Linear"))
    assert result.output_shape == (2, 10)
    flat = dry_run(net, 20)
    assert flat.error.startswith("layer '0' (LazyConv2d) expects 3-D or 4-D inputs (channels "
                                 "first), got 2-D inputs of shape (2, 20)")
    fixed = nn.Sequential(nn.Conv2d(3, 8, 3))
    assert dry_run(fixed, (1, 8, 8)).error.startswith(
        "layer '0' (Conv2d) expects inputs with 3 channels, got 1 — ")


def test_lazy_batch_norm_and_transposed_conv() -> None:
    result = dry_run(nn.Sequential(nn.LazyConvTranspose2d(4, 3), nn.LazyBatchNorm2d()), (2, 5, 5))
    assert [a.shape for a in result.after] == [(2, 4, 3, 3), (4,), (4,), (4,)]
    assert [str(c) for c in result.changes] == ["0: LazyConvTranspose2d → ConvTranspose2d",
                                                 "1: LazyBatchNorm2d → BatchNorm2d"]
    mismatch = dry_run(nn.Sequential(nn.Linear(4, 6), nn.BatchNorm1d(5)), 4)
    assert mismatch.error.startswith("layer '1' (BatchNorm1d) expects inputs with 5 features")
    norm = dry_run(nn.Sequential(nn.LayerNorm(5)), 4)
    assert norm.error.startswith("layer '0' (LayerNorm) expects inputs ending in shape (5,)")


def test_huge_lazy_layer_is_refused_not_allocated() -> None:
    net = nn.Sequential(nn.Flatten(), nn.LazyLinear(4096))
    result = dry_run(net, (4096, 4096), batch_size=1)
    assert result.failed_layer == "1"
    assert result.error == (f"layer '1' (LazyLinear) would create {4096 * 16777216 + 4096:,} "
                            f"parameters for inputs of size 16,777,216; a dry run allows at most "
                            f"{MAX_LAYER_NUMBERS:,} per layer")
    assert hooks_left() == 0


def test_outputs_that_are_not_one_tensor() -> None:
    class Two(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.a, self.b = nn.LazyLinear(3), nn.LazyLinear(5)

        def forward(self, X: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            return self.a(X), self.b(X)

    result = dry_run(Two(), 4)
    assert result.output_shape is None and result.output_text == "(2, 3), (2, 5)"


def test_dtype_follows_the_module_and_unregistered_layers_are_named() -> None:
    assert dry_run(nn.LazyLinear(3, dtype=torch.float64), 4).ok

    class Hidden(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.steps = [nn.Linear(3, 3)]

        def forward(self, X: torch.Tensor) -> torch.Tensor:
            return self.steps[0](X)

    result = dry_run(Hidden(), 4)
    assert result.failed_layer is None
    assert result.error.startswith("an unregistered Linear expects inputs with 3 features, got 4")


def test_module_without_parameters() -> None:
    result = dry_run(nn.ReLU(), (3, 4))
    assert result.ok and result.before == () and result.output_shape == (2, 3, 4)
    assert "(no parameters)" in repr(result)


def test_repr_is_a_readable_table() -> None:
    text = repr(dry_run(lazy_mlp(), 20))
    assert text.splitlines()[0] == ("dry run of Sequential on a batch of shape (2, 20): "
                                    "output shape (2, 10)")
    assert "0.weight   0 LazyLinear → Linear  uninitialized (256x?)  256x20" in text
    assert text.endswith("parameters: ? (4 uninitialized) before, 7,946 after")
    failed = repr(dry_run(nn.Sequential(nn.Linear(3, 2)), 4)).splitlines()
    assert failed[0].endswith("(2, 4): failed") and failed[1].startswith("layer '0' (Linear)")
    assert failed[-1] == "parameters: 8; the module is left as it was"
    assert isinstance(dry_run(lazy_mlp(), 2), DryRun)


# -- bad arguments ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"input_shape": 0}, ValueError, r"input_shape must be an integer from 1 to 4096, got 0"),
        ({"input_shape": -3}, ValueError, r"got -3"),
        ({"input_shape": 4097}, ValueError, r"got 4097"),
        ({"input_shape": 2**40}, ValueError, r"got 1099511627776"),
        ({"input_shape": 2.0}, TypeError, r"input_shape must be a tuple .* got 2.0 \(float\)"),
        ({"input_shape": True}, TypeError, r"got True \(bool\)"),
        ({"input_shape": None}, TypeError, r"input_shape must be a tuple of 1 to 4 integers"),
        ({"input_shape": "20"}, TypeError, r"got '20' \(str\)"),
        ({"input_shape": ()}, ValueError, r"input_shape must have 1 to 4 entries, got 0"),
        ({"input_shape": (1, 2, 3, 4, 5)}, ValueError, r"must have 1 to 4 entries, got 5"),
        ({"input_shape": (3, 0)}, ValueError, r"input_shape\[1\] must be an integer from 1"),
        ({"input_shape": (3, 2.5)}, TypeError, r"input_shape\[1\] .* got 2.5 \(float\)"),
        ({"input_shape": (4096, 4096)}, ValueError,
         r"input_shape \(4096, 4096\) with batch_size 2 makes a batch of 33,554,432 numbers"),
        ({"batch_size": 0}, ValueError, r"batch_size must be an integer from 1 to 1024, got 0"),
        ({"batch_size": -1}, ValueError, r"got -1"),
        ({"batch_size": 1025}, ValueError, r"got 1025"),
        ({"batch_size": 2.0}, TypeError, r"batch_size must be an integer .* \(float\)"),
        ({"batch_size": False}, TypeError, r"got False \(bool\)"),
        ({"batch_size": None}, TypeError, r"got None"),
        ({"fill": "ones"}, ValueError, r"fill must be one of zeros, random; got 'ones'"),
        ({"fill": 0}, TypeError, r"fill must be one of zeros, random"),
        ({"seed": -1}, ValueError, r"seed must be an integer from 0"),
        ({"module": None}, TypeError, r"module must be a torch.nn.Module, got None"),
        ({"module": "net"}, TypeError, r"module must be a torch.nn.Module"),
    ],
)
def test_bad_arguments_name_the_field(kwargs: dict, error: type, message: str) -> None:
    arguments = {"module": lazy_mlp(), "input_shape": 20, **kwargs}
    with pytest.raises(error, match=message):
        dry_run(**arguments)


def test_uncopyable_module_is_refused_naming_the_field() -> None:
    class Uncopyable(nn.Linear):
        def __deepcopy__(self, memo: dict) -> None:
            raise RuntimeError("no copies")

    with pytest.raises(TypeError, match="module must be copyable with copy.deepcopy.*no copies"):
        dry_run(Uncopyable(2, 2), 2)


def test_input_shape_accepts_sequences_and_tensors() -> None:
    assert check_input_shape(torch.Size([3, 4])) == (3, 4)
    assert check_input_shape(torch.tensor([5])) == (5,)
    assert check_input_shape(torch.tensor(7)) == (7,)




# -- the exercise checks ----------------------------------------------------------------


def fixed_first() -> nn.Sequential:
    return nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.LazyLinear(32), nn.ReLU(),
                         nn.LazyLinear(10))


def test_check_first_layer_fixed() -> None:
    assert check_first_layer_fixed(fixed_first, 1344, 1344 + 2080 + 330).passed
    all_lazy = check_first_layer_fixed(
        lambda: nn.Sequential(nn.LazyLinear(64), nn.ReLU(), nn.LazyLinear(32), nn.ReLU(),
                              nn.LazyLinear(10)), 1344, 3754)
    text = repr(all_lazy)
    assert not all_lazy.passed and "it is LazyLinear, which waits for data" in text
    assert ("✗ known_before: 1,344 is not how many numbers the network you built holds "
            "before the dry run; recount for the network you built") in text
    assert "✓ known_after: 3,754 numbers exist after the dry run" in text
    wrong_counts = repr(check_first_layer_fixed(fixed_first, 0, 1344))
    assert ("✗ known_before: 0 is not how many numbers the network you built holds before "
            "the dry run; only layers built with their input size") in wrong_counts
    assert ("✗ known_after: 1,344 is not how many numbers the network you built holds after "
            "the dry run; each layer holds (inputs + 1) x outputs") in wrong_counts
    assert "3,754" not in wrong_counts  # a wrong prediction is not answered
    assert "raised RuntimeError: nope" in repr(check_first_layer_fixed(
        lambda: (_ for _ in ()).throw(RuntimeError("nope")), 0, 0))
    assert "found 1" in repr(check_first_layer_fixed(lambda: nn.Linear(20, 10), 210, 210))
    assert "builds an nn.Module: got int" in repr(check_first_layer_fixed(lambda: 3, 0, 0))


def test_check_mismatch() -> None:
    good = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.LazyLinear(10))
    assert check_mismatch("2", 32, 64, good).passed
    wrong = repr(check_mismatch("0", 20, 64,
                                nn.Sequential(nn.LazyLinear(64), nn.ReLU(), nn.Linear(32, 10))))
    assert "✗ layer: the name of the layer that raises: you said '0'" in wrong
    assert "✗ expects: how many input features that layer was built for: you said 20" in wrong
    assert "✓ it gets 64" in wrong
    assert "'2' is the one" not in wrong and "32 input" not in wrong
    assert "it raises at the same layer as the original network" in wrong
    assert "layer '2' (Linear) expects inputs with 32 features, got 64" in repr(check_mismatch(
        "2", 32, 64, nn.Sequential(nn.LazyLinear(64), nn.ReLU(), nn.Linear(32, 10))))
    all_lazy = repr(check_mismatch("2", 32, 64, nn.Sequential(nn.LazyLinear(64), nn.ReLU(),
                                                              nn.LazyLinear(10))))
    assert "✗ its first layer is still nn.Linear(20, 64): it is LazyLinear" in all_lazy
    assert "fixed is an nn.Module: got str" in repr(check_mismatch("2", 32, 64, "net"))


def test_check_materialize() -> None:
    def good(net: nn.Module, input_shape: tuple[int, ...]) -> int:
        with torch.no_grad():
            net(torch.zeros(2, *input_shape))
        return sum(p.numel() for p in net.parameters())

    report = check_materialize(good)
    assert report.passed and len(report.points) == 9

    def no_dry_run(net: nn.Module, input_shape: tuple[int, ...]) -> int:
        return sum(p.numel() for p in net.parameters())

    text = repr(check_materialize(no_dry_run))
    assert ("✗ materialize(a lazy MLP, (20,)) raised ValueError: Attempted to use an "
            "uninitialized parameter\n") in text
    assert "0x" not in text  # no memory addresses from PyTorch's message

    def copies(net: nn.Module, input_shape: tuple[int, ...]) -> float:
        import copy

        return float(good(copy.deepcopy(net), input_shape))

    text = repr(check_materialize(copies))
    assert "a lazy MLP: every layer has its shapes: 4 parameters still uninitialized" in text
    assert "returns its parameter count as an int: got 1002.0" in text
