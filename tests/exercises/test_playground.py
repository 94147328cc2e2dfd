"""The chapter 08 exercise checks pass right answers and say what is wrong with wrong ones."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from widgets.core.layers import register_layer, registered_layers, unregister_layer
from widgets.exercises.playground import (
    EXERCISE_LAYER,
    L2_SETTINGS,
    check_l2_epoch,
    check_spiral_budget,
    check_xor_layer,
)
from widgets.playground.script import compile_functions

# -- exercise 1: the spiral on a budget ----------------------------------------------------------

SOLUTION = {"features": ("x1", "x2", "sin(x1)", "sin(x2)"), "hidden_sizes": (8,),
            "activations": "tanh", "optimizer": "adam", "learning_rate": 0.03,
            "batch_size": 50}  # chapter 8's solution


def test_spiral_budget_passes_a_solution() -> None:
    report = check_spiral_budget(SOLUTION, num_epochs=200)
    assert report.passed, repr(report)
    assert "(got 98%)" in repr(report)
    assert "✓ the network has at most 60 parameters: it has 49 (Linear(4, 8): 40, " \
           "Linear(8, 1): 9)" in " ".join(repr(report).split())


def test_spiral_budget_refuses_section_8_3_s_recipe_shrunk() -> None:
    """Chapter 8's first attempt fits the budget but cannot follow the arms."""
    attempt = {"hidden_sizes": (4, 4, 4), "activations": "relu", "optimizer": "adam",
               "learning_rate": 0.03, "batch_size": 64}
    report = check_spiral_budget(attempt, num_epochs=60)
    text = repr(report)
    assert not report.passed
    assert "✓ the network has at most 60 parameters" in text
    assert "it cannot follow the arms yet" in " ".join(text.split())
    assert "other input features" in text and "sin(x1)" not in text  # a hint, not the answer


def test_spiral_budget_accepts_the_default_data_spelled_out() -> None:
    settings = {**SOLUTION, "dataset": "spiral", "noise": 0, "seed": 0}
    assert "✓ the data are the default spiral" in repr(check_spiral_budget(settings, 1))


def test_spiral_budget_counts_parameters_per_layer() -> None:
    report = check_spiral_budget({"hidden_sizes": (8, 8, 8), "activations": "relu"},
                                 num_epochs=5)
    text = repr(report)
    assert not report.passed
    assert "it has 177 (Linear(2, 8): 24, Linear(8, 8): 72, Linear(8, 8): 72, " \
           "Linear(8, 1): 9)" in text


def test_spiral_budget_does_not_train_a_huge_network() -> None:
    report = check_spiral_budget({"hidden_sizes": (64, 64)}, num_epochs=200)
    assert "it has 4417" in repr(report)
    assert "not trained: the network is more than ten times too big" in repr(report)


def test_spiral_budget_reports_low_accuracy_with_a_hint() -> None:
    report = check_spiral_budget({"hidden_sizes": (2,)}, num_epochs=10)
    text = repr(report)
    assert not report.passed
    assert "✓ the network has at most 60 parameters" in text
    assert "(got 62%): it reaches 59% on the training points" in text
    assert "other input features" in text


def test_spiral_budget_suggests_features_only_without_the_sines() -> None:
    with_sines = repr(check_spiral_budget({**SOLUTION, "hidden_sizes": (2,)}, num_epochs=5))
    assert "cannot follow the arms" in with_sines and "other input features" not in with_sines


def test_spiral_budget_fixes_the_data_and_the_epochs() -> None:
    report = check_spiral_budget({"hidden_sizes": (2,), "noise": 10, "train_share": 90},
                                 num_epochs=500)
    text = repr(report)
    assert "leave noise=10, train_share=90 out" in text
    assert "num_epochs is 500; give a whole number from 1 to 200" in text
    assert "it trains 200 epochs without stopping" in text  # trained the most allowed


def test_spiral_budget_reports_unusable_settings() -> None:
    text = repr(check_spiral_budget({"hidden_sizes": (8,), "colour": "red"}, num_epochs=10))
    assert "unknown: colour" in text
    text = repr(check_spiral_budget({"hidden_sizes": (0,)}, num_epochs=10))
    assert "hidden_sizes[0] must be an integer from 1 to 64, got 0" in text
    text = repr(check_spiral_budget([("hidden_sizes", (8,))], num_epochs=10))
    assert "settings is a dict of playground settings: got list" in text


# -- exercise 2: L2 by hand ----------------------------------------------------------------------


def _epoch(penalty):
    def train_epoch(net, optimizer, X, y, batch_size, g, rate):
        loss_fn = nn.MSELoss()
        order = torch.randperm(len(X), generator=g)
        for start in range(0, len(X), batch_size):
            batch = order[start:start + batch_size]
            loss = loss_fn(net(X[batch]), y[batch]) + penalty(net, rate)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return train_epoch


def _weights(net):
    return [m.weight for m in net if isinstance(m, nn.Linear)]


right = _epoch(lambda net, rate: rate / 2 * sum((w ** 2).sum() for w in _weights(net)))
# the same sum written another way still passes
right_norm = _epoch(lambda net, rate: 0.5 * rate * sum(w.norm() ** 2 for w in _weights(net)))


def test_l2_epoch_passes_right_answers() -> None:
    for answer in (right, right_norm):
        report = check_l2_epoch(answer)
        assert report.passed, repr(report)


def test_l2_epoch_passes_the_playground_s_own_epoch() -> None:
    own = compile_functions(L2_SETTINGS.replace(regularization_rate=0.1))["train_epoch"]
    assert check_l2_epoch(lambda net, opt, X, y, bs, g, rate: own(net, opt, X, y, bs, g)).passed


@pytest.mark.parametrize(("penalty", "expected"), [
    (lambda net, rate: rate * sum((w ** 2).sum() for w in _weights(net)),
     "they match a run with the penalty rate * sum(w ** 2), twice the playground's"),
    (lambda net, rate: rate / 2 * sum((p ** 2).sum() for p in net.parameters()),
     "they match a penalty on every parameter, biases included; section 8.6 says which"),
    (lambda net, rate: 0.0, "they match a run without any penalty"),
    (lambda net, rate: rate * sum(w.abs().sum() for w in _weights(net)),
     "they match a run with L1's penalty"),
    (lambda net, rate: rate / 3 * sum((w ** 2).sum() for w in _weights(net)),
     "they differ by up to"),
])
def test_l2_epoch_names_the_slip(penalty, expected) -> None:
    report = check_l2_epoch(_epoch(penalty))
    assert not report.passed
    assert "✓ it trains: the parameters change" in repr(report)
    assert expected in repr(report)


def test_l2_epoch_needs_the_playground_s_batch_order() -> None:
    def in_order(net, optimizer, X, y, batch_size, g, rate):
        loss_fn = nn.MSELoss()
        for start in range(0, len(X), batch_size):
            loss = loss_fn(net(X[start:start + batch_size]), y[start:start + batch_size])
            loss = loss + rate / 2 * sum((w ** 2).sum() for w in _weights(net))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()

    text = repr(check_l2_epoch(in_order))
    assert "they differ by up to" in text and "torch.randperm(len(X), generator=g)" in text


def test_l2_epoch_reports_answers_that_do_not_train_or_fail() -> None:
    text = repr(check_l2_epoch(lambda *args: None))
    assert "they are exactly as they started" in text

    def broken(net, optimizer, X, y, batch_size, g, rate):
        raise RuntimeError("oops")

    text = repr(check_l2_epoch(broken))
    assert "raised RuntimeError: oops" in text


def test_l2_epoch_leaves_the_global_random_state_alone() -> None:
    torch.manual_seed(3)
    expected = torch.rand(2)
    torch.manual_seed(3)
    check_l2_epoch(right)
    assert torch.equal(torch.rand(2), expected)


# -- exercise 3: a custom layer for xor ----------------------------------------------------------


class LearnableSwish(nn.Module):
    def __init__(self, width: int) -> None:
        super().__init__()
        self.beta = nn.Parameter(torch.ones(width))

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return X * torch.sigmoid(self.beta * X)


class ScaledTanh(nn.Module):
    def __init__(self, width: int) -> None:
        super().__init__()
        self.scale = nn.Parameter(torch.ones(width))

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.scale * X)


class LearnableScale(ScaledTanh):
    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return self.scale * X


class DetachedSwish(LearnableSwish):
    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return X * torch.sigmoid(self.beta.data * X)


class Whisper(ScaledTanh):
    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.scale * X) * 1e-4


class FirstTwo(ScaledTanh):
    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return X[:, :2]


def test_xor_layer_passes_layers_that_bend_and_learn() -> None:
    for layer in (LearnableSwish, ScaledTanh):
        report = check_xor_layer(layer)
        assert report.passed, repr(report)
    assert EXERCISE_LAYER not in registered_layers()


def test_xor_layer_refuses_a_linear_layer() -> None:
    report = check_xor_layer(LearnableScale)
    text = repr(report)
    assert not report.passed
    assert "✓ it has a learnable parameter" in text
    assert "✗ it is not linear (it bends): but it maps the midpoint" in text


def test_xor_layer_wants_a_parameter() -> None:
    text = repr(check_xor_layer(nn.Tanh))
    assert "✗ it has a learnable parameter: it has none" in text


def test_xor_layer_notices_a_detached_parameter() -> None:
    report = check_xor_layer(DetachedSwish)
    text = repr(report)
    assert not report.passed
    assert "✗ its own parameters learn: they are as they started" in text


def test_xor_layer_reports_low_accuracy() -> None:
    text = repr(check_xor_layer(Whisper))
    assert "✓ it is not linear (it bends)" in text  # tiny outputs are judged at their own scale
    assert "✗ xor reaches 95% test accuracy in 20 epochs (got 49%)" in text


def test_xor_layer_reports_a_refused_layer() -> None:
    text = repr(check_xor_layer(FirstTwo))
    assert "registering it with register_layer raised LayerCheckError" in text
    assert "(3, 8) in, (3, 2) out" in text
    assert EXERCISE_LAYER not in registered_layers()


def test_xor_layer_reports_a_layer_that_fails_after_registration() -> None:
    class OnlyThreeRows(ScaledTanh):
        def forward(self, X: torch.Tensor) -> torch.Tensor:
            if len(X) != 3:
                raise RuntimeError(f"expected 3 rows, got {len(X)}")
            return torch.tanh(self.scale * X)

    text = repr(check_xor_layer(OnlyThreeRows))
    assert "✓ the playground accepts it" in text
    assert "running it on a (12, 8) batch raised RuntimeError: expected 3 rows, got 12" in text
    assert EXERCISE_LAYER not in registered_layers()


def test_xor_layer_restores_a_layer_registered_under_its_name() -> None:
    register_layer(EXERCISE_LAYER, ScaledTanh)
    try:
        assert not check_xor_layer(LearnableScale).passed
        assert registered_layers()[EXERCISE_LAYER].factory is ScaledTanh
    finally:
        unregister_layer(EXERCISE_LAYER)


def test_spiral_budget_names_unknown_settings() -> None:
    text = repr(check_spiral_budget({"hidden_size": (4,)}, num_epochs=10))
    assert "✗ every key names a playground setting: unknown: hidden_size" in text
    assert "hidden_sizes" in text


def test_spiral_budget_suggests_adam_only_when_it_is_not_used() -> None:
    with_adam = repr(check_spiral_budget({"hidden_sizes": (2,), "optimizer": "adam",
                                          "learning_rate": 0.01}, num_epochs=5))
    with_sgd = repr(check_spiral_budget({"hidden_sizes": (2,)}, num_epochs=5))
    assert "Adam" not in with_adam.split("cannot follow the arms")[1]
    assert "Adam" in with_sgd.split("cannot follow the arms")[1]
