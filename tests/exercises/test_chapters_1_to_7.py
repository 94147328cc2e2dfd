"""The chapter 01 exercise checks pass right answers and explain wrong ones."""

from __future__ import annotations

import torch
from torch import nn

from widgets.exercises import CheckReport
from widgets.exercises.layers_and_modules import check_parallel, check_registration, check_stack


class ListMLP(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.layers = [nn.Linear(20, 8), nn.ReLU(), nn.Linear(8, 10)]

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        for layer in self.layers:
            X = layer(X)
        return X


class ModuleListMLP(ListMLP):
    def __init__(self) -> None:
        super().__init__()
        self.layers = nn.ModuleList(self.layers)


class Parallel(nn.Module):
    def __init__(self, net1: nn.Module, net2: nn.Module) -> None:
        super().__init__()
        self.net1, self.net2 = net1, net2

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.net1(X), self.net2(X)], dim=1)


def test_report_text() -> None:
    report = CheckReport("demo")
    report.expect(True, "one")
    report.expect(False, "two", "because")
    assert not report.passed
    assert repr(report) == "demo: 1 check not met yet, 1 holds so far\n  ✓ one\n  ✗ two: because"
    assert not CheckReport("empty").passed


def test_registration() -> None:
    assert check_registration(ModuleListMLP).passed
    wrong = check_registration(ListMLP)
    assert not wrong.passed and "not registered" in repr(wrong)


def test_registration_counts_a_root_parameter() -> None:
    class Scaled(ModuleListMLP):
        def __init__(self) -> None:
            super().__init__()
            self.scale = nn.Parameter(torch.ones(10))

        def forward(self, X: torch.Tensor) -> torch.Tensor:
            return super().forward(X) * self.scale

    assert check_registration(Scaled).passed


def test_registration_reports_broken_classes() -> None:
    class Broken(nn.Module):
        def __init__(self) -> None:
            raise ValueError("oops")

    assert "building the model raised ValueError: oops" in repr(check_registration(Broken))
    assert "builds an nn.Module: got list" in repr(check_registration(list))
    assert "pass the class (or the function)" in repr(check_registration(ModuleListMLP()))


def test_parallel() -> None:
    assert check_parallel(Parallel).passed

    class Summed(Parallel):
        def forward(self, X: torch.Tensor) -> torch.Tensor:
            return torch.hstack((self.net1(X), self.net2(X)))

    class Unregistered(Parallel):
        def __init__(self, net1: nn.Module, net2: nn.Module) -> None:
            super().__init__(net1, net2)
            del self.net2
            self.__dict__["net2"] = net2

    class Swapped(Parallel):
        def forward(self, X: torch.Tensor) -> torch.Tensor:
            return torch.cat([self.net2(X), self.net1(X)], dim=1)

    assert check_parallel(Summed).passed  # same values, written differently
    assert "40 parameters" in repr(check_parallel(Unregistered))
    assert not check_parallel(Unregistered).passed
    assert "values differ" in repr(check_parallel(Swapped))

    class Detached(Parallel):
        def forward(self, X: torch.Tensor) -> torch.Tensor:
            return super().forward(X).detach()

    assert "it is detached" in repr(check_parallel(Detached))
    assert "got None: did the code that makes it forget `return`?" in repr(check_parallel(None))


def test_checks_leave_the_global_random_state_alone() -> None:
    torch.manual_seed(7)
    expected = torch.rand(3)
    torch.manual_seed(7)
    check_parallel(Parallel)
    assert torch.equal(torch.rand(3), expected)


def test_stack() -> None:
    def good(make_block, num_blocks):
        return nn.Sequential(*[make_block() for _ in range(num_blocks)])

    def shared(make_block, num_blocks):
        return nn.Sequential(*[make_block()] * num_blocks)

    def not_a_module(make_block, num_blocks):
        return [make_block() for _ in range(num_blocks)]

    assert check_stack(good).passed
    assert "counted once" in repr(check_stack(shared))
    assert "returns an nn.Module: got list" in repr(check_stack(not_a_module))

    def pair(make_block, num_blocks):
        class Pair(nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.body = good(make_block, num_blocks)

            def forward(self, X: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
                return self.body(X), X

        return Pair()

    report = repr(check_stack(pair))
    assert "maps (2, 8) to (2, 8): got tuple" in report
    assert "it was called once" in repr(check_stack(shared))


# -- chapter 02 ------------------------------------------------------------------------


def test_parameter_shapes_check_accepts_named_parameters_and_explains_misses() -> None:
    from widgets.exercises.parameter_management import check_parameter_shapes

    good = check_parameter_shapes(lambda m: {n: tuple(p.shape) for n, p in m.named_parameters()})
    assert good.passed
    shallow = check_parameter_shapes(
        lambda m: {n: p.shape for n, p in m.named_parameters(recurse=False)})
    assert not shallow.passed and "nested ones included" in repr(shallow)
    raising = check_parameter_shapes(lambda m: 1 / 0)
    assert not raising.passed and "ZeroDivisionError" in repr(raising)
    assert not check_parameter_shapes(lambda m: [1]).passed


def test_tied_mlp_check_trains_and_compares_gradients() -> None:
    from widgets.exercises.parameter_management import check_tied_mlp

    def tied() -> nn.Sequential:
        shared = nn.Linear(8, 8)
        return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), shared, nn.ReLU(), shared, nn.ReLU(),
                             nn.Linear(8, 1))

    def untied() -> nn.Sequential:
        return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 8), nn.ReLU(),
                             nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 1))

    report = check_tied_mlp(tied)
    assert report.passed, report
    assert "sum of both positions' gradients" in repr(report)
    wrong = check_tied_mlp(untied)
    assert not wrong.passed and "two layers (two tensors)" in repr(wrong)
    assert not check_tied_mlp(lambda: nn.Linear(4, 1)).passed
    assert not check_tied_mlp(lambda: nn.Sequential(*[nn.Identity()] * 5)).passed


def test_unique_count_check_spots_double_counting() -> None:
    from widgets.exercises.parameter_management import check_unique_count

    assert check_unique_count(lambda m: sum(p.numel() for p in m.parameters())).passed
    twice = check_unique_count(lambda m: sum(
        p.numel() for _, p in m.named_parameters(remove_duplicate=False)))
    assert not twice.passed and "counted twice" in repr(twice)


# -- chapter 05 ------------------------------------------------------------------------


class _Reduction(nn.Module):
    def __init__(self, in_features: int, out_features: int, detach: bool = False) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(in_features, in_features, out_features))
        self.detach = detach

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        W = self.weight.data if self.detach else self.weight
        return torch.einsum("bi,bj,ijk->bk", X, X, W)


def test_tensor_reduction_check_needs_values_and_gradients() -> None:
    from widgets.exercises.custom_layers import check_tensor_reduction

    assert check_tensor_reduction(_Reduction).passed
    detached = check_tensor_reduction(lambda i, o: _Reduction(i, o, detach=True))
    assert not detached.passed and "no gradient history" in repr(detached)
    no_param = check_tensor_reduction(lambda i, o: nn.Identity())
    assert not no_param.passed and "parameters() is empty" in repr(no_param)
    wrong_shape = check_tensor_reduction(lambda i, o: nn.Linear(i, o))
    assert not wrong_shape.passed
    assert not check_tensor_reduction(lambda i, o: 1 / 0).passed


def test_fourier_half_check_explains_rfft() -> None:
    from widgets.exercises.custom_layers import check_fourier_half

    class Half(nn.Module):
        def forward(self, X: torch.Tensor) -> torch.Tensor:
            return torch.fft.fft(X)[..., : X.shape[-1] // 2]

    class Rfft(nn.Module):
        def forward(self, X: torch.Tensor) -> torch.Tensor:
            return torch.fft.rfft(X)

    class Magnitudes(nn.Module):
        def forward(self, X: torch.Tensor) -> torch.Tensor:
            return torch.fft.fft(X)[..., : X.shape[-1] // 2].abs()

    assert check_fourier_half(Half).passed
    rfft = check_fourier_half(Rfft)
    assert not rfft.passed and "one more than the first half" in repr(rfft)
    magnitudes = check_fourier_half(Magnitudes)
    assert not magnitudes.passed and "should be complex" in repr(magnitudes)
    assert not check_fourier_half(lambda: "layer").passed
