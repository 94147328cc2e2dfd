"""The chapter 08 exercise checks pass right answers and say what is wrong with wrong ones.

tests/exercises/test_checkers_8.py runs each check on many right and wrong answers; here are the
finer points: counts and hints, the hidden parts of a report, and what a check leaves behind.
"""

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
            "batch_size": 64}  # chapter 8's solution


def one_line(report: object) -> str:
    return " ".join(repr(report).split())


def test_spiral_budget_passes_a_solution_at_its_first_good_epoch() -> None:
    report = check_spiral_budget(SOLUTION, num_epochs=200)
    assert report.passed, repr(report)
    text = one_line(report)
    assert "reaches 95% test accuracy within 200 epochs (first at epoch 31: 95%)" in text
    assert "✓ the network has at most 60 parameters: it has 49 (Linear(4, 8): 40, " \
           "Linear(8, 1): 9)" in text


def test_spiral_budget_refuses_section_8_3_s_recipe_shrunk() -> None:
    """Chapter 8's first attempt fits the budget but cannot follow the arms."""
    attempt = {"hidden_sizes": (4, 4, 4), "activations": "relu", "optimizer": "adam",
               "learning_rate": 0.03, "batch_size": 64}
    report = check_spiral_budget(attempt, num_epochs=60)
    text = one_line(report)
    assert not report.passed
    assert "✓ the network has at most 60 parameters" in text
    assert "(best 74%, at epoch 54)" in text and "it cannot follow the arms yet" in text
    assert "more epochs (up to 200)" in text
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


def test_spiral_budget_reports_the_best_epoch_with_a_hint() -> None:
    report = check_spiral_budget({"hidden_sizes": (2,)}, num_epochs=10)
    text = one_line(report)
    assert not report.passed
    assert "✓ the network has at most 60 parameters" in text
    assert "within 10 epochs (best 62%, at epoch 5): there it gets 59% of the training " \
           "points and 62% of the test points right" in text
    assert "other input features" in text


def test_spiral_budget_suggests_features_only_without_the_sines() -> None:
    with_sines = one_line(check_spiral_budget({**SOLUTION, "hidden_sizes": (2,)}, num_epochs=5))
    assert "cannot follow the arms" in with_sines and "other input features" not in with_sines


def test_spiral_budget_suggests_more_epochs_only_below_the_most_allowed() -> None:
    few = one_line(check_spiral_budget(SOLUTION, num_epochs=5))
    assert "(best 64%, at epoch 5)" in few and "try more epochs (up to 200)" in few
    most = one_line(check_spiral_budget({"hidden_sizes": (1,)}, num_epochs=200))
    assert "cannot follow the arms" in most and "more epochs" not in most


def test_spiral_budget_gives_an_overfitting_network_something_to_try() -> None:
    relu = {**SOLUTION, "activations": "relu"}
    text = one_line(check_spiral_budget(relu, num_epochs=80))
    assert "(best 91%, at epoch 80): there it gets 97% of the training points right but " \
           "only 91% of the test points" in text
    assert "try another activation or L2 regularization (section 8.6)" in text
    assert check_spiral_budget({**relu, "activations": "gelu"}, num_epochs=200).passed


def test_spiral_budget_fixes_the_data_and_the_epochs() -> None:
    report = check_spiral_budget({"hidden_sizes": (2,), "noise": 10, "train_share": 90},
                                 num_epochs=500)
    text = one_line(report)
    assert "leave noise=10, train_share=90 out" in text
    assert "num_epochs is 500; give a whole number from 1 to 200" in text
    assert "within 200 epochs (best" in text  # trained the most allowed


def test_spiral_budget_reports_unusable_settings() -> None:
    text = repr(check_spiral_budget({"hidden_sizes": (8,), "colour": "red"}, num_epochs=10))
    assert "unknown: colour" in text
    text = repr(check_spiral_budget({"hidden_sizes": (0,)}, num_epochs=10))
    assert "hidden_sizes[0] must be an integer from 1 to 64, got 0" in text
    text = repr(check_spiral_budget([("hidden_sizes", (8,))], num_epochs=10))
    assert "settings is a dict of playground settings: got list" in text


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


# -- exercise 2: L2 by hand ----------------------------------------------------------------------


def _epoch(penalty, batch_size=None):
    def train_epoch(net, optimizer, X, y, batch_size_given, g, rate):
        size = batch_size or batch_size_given
        loss_fn = nn.MSELoss()
        order = torch.randperm(len(X), generator=g)
        for start in range(0, len(X), size):
            batch = order[start:start + size]
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
        assert "at rate 0.1 in batches of 10 and at rate 0.3 in batches of 7" in one_line(report)


def test_l2_epoch_passes_the_playground_s_own_epoch() -> None:
    def own(net, optimizer, X, y, batch_size, g, rate):
        settings = L2_SETTINGS.replace(regularization_rate=rate)
        compile_functions(settings)["train_epoch"](net, optimizer, X, y, batch_size, g)

    assert check_l2_epoch(own).passed


@pytest.mark.parametrize(("penalty", "expected"), [
    (lambda net, rate: rate * sum((w ** 2).sum() for w in _weights(net)),
     "they match a run at twice the playground's rate"),
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
    assert expected in one_line(report)


def test_l2_epoch_messages_do_not_write_the_penalty() -> None:
    for penalty in (lambda net, rate: 0.0,
                    lambda net, rate: rate * sum((w ** 2).sum() for w in _weights(net)),
                    lambda net, rate: rate / 3 * sum((w ** 2).sum() for w in _weights(net))):
        text = one_line(check_l2_epoch(_epoch(penalty)))
        assert "rate / 2" not in text and "** 2" not in text and "weights)" not in text


def test_l2_epoch_compares_a_second_rate_and_batch_size() -> None:
    fixed_rate = _epoch(lambda net, rate: 0.1 / 2 * sum((w ** 2).sum() for w in _weights(net)))
    text = one_line(check_l2_epoch(fixed_rate))
    assert "at rate 0.3 they match the run at rate 0.1: use the argument rate" in text
    fixed_batch = _epoch(lambda net, rate: rate / 2 * sum((w ** 2).sum() for w in _weights(net)),
                         batch_size=10)
    text = one_line(check_l2_epoch(fixed_batch))
    assert "in batches of 7 they match the run in batches of 10: use the argument " \
           "batch_size" in text


def test_l2_epoch_takes_another_second_rate_when_asked_for_the_second_one() -> None:
    text = one_line(check_l2_epoch(right, rate=0.3))
    assert "at rate 0.3 in batches of 10 and at rate 0.6 in batches of 7" in text


def test_l2_epoch_needs_the_playground_s_batch_order() -> None:
    def in_order(net, optimizer, X, y, batch_size, g, rate):
        loss_fn = nn.MSELoss()
        for start in range(0, len(X), batch_size):
            loss = loss_fn(net(X[start:start + batch_size]), y[start:start + batch_size])
            loss = loss + rate / 2 * sum((w ** 2).sum() for w in _weights(net))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()

    text = one_line(check_l2_epoch(in_order))
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


# -- exercise 3: a learnable slope for negative inputs -------------------------------------------


class NegativeSlope(nn.Module):
    """Chapter 8's solution."""

    def __init__(self, width: int) -> None:
        super().__init__()
        self.slope = nn.Parameter(torch.full((width,), 0.25))

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return torch.where(X >= 0, X, self.slope * X)


class LearnableSwish(nn.Module):
    """Bends and learns xor, but is not the layer the exercise asks for."""

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


class FirstTwo(NegativeSlope):
    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return X[:, :2]


class BarelyLearns(nn.Module):
    """The right shape, but its slope moves a thousand times slower than its parameter."""

    def __init__(self, width: int) -> None:
        super().__init__()
        self.p = nn.Parameter(torch.zeros(width))

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return torch.where(X >= 0, X, (1 + 1e-3 * self.p) * X)


def test_xor_layer_passes_the_solution_and_cleans_up() -> None:
    report = check_xor_layer(NegativeSlope)
    assert report.passed, repr(report)
    assert "all 8 checks pass" in repr(report)
    assert EXERCISE_LAYER not in registered_layers()


def test_xor_layer_judges_section_8_7_s_layer_by_what_the_exercise_asks() -> None:
    for layer in (ScaledTanh, LearnableSwish):
        text = one_line(check_xor_layer(layer))
        assert "✗ it returns positive inputs unchanged: with its parameters as they start" in text
        assert "is linear" not in text


def test_xor_layer_says_what_to_try_when_xor_is_not_learned() -> None:
    text = one_line(check_xor_layer(BarelyLearns))
    assert "✓ it multiplies each unit's negative inputs by one slope" in text
    assert "✓ its own parameters learn" in text
    assert "✗ xor reaches 95% test accuracy in 20 epochs (got" in text
    assert "the layer bends only where a slope differs from 1" in text


def test_xor_layer_wants_a_parameter() -> None:
    class Leaky(nn.Module):
        def forward(self, X: torch.Tensor) -> torch.Tensor:
            return torch.where(X >= 0, X, 0.1 * X)

    text = one_line(check_xor_layer(Leaky))
    assert "✓ you wrote it" in text
    assert "✗ it has a learnable parameter: it has none" in text


def test_xor_layer_reports_a_refused_layer() -> None:
    text = one_line(check_xor_layer(FirstTwo))
    assert "registering it with register_layer raised LayerCheckError" in text
    assert "(3, 8) in, (3, 2) out" in text
    assert EXERCISE_LAYER not in registered_layers()


def test_xor_layer_reports_a_layer_that_fails_after_registration() -> None:
    class OnlyThreeRows(NegativeSlope):
        def forward(self, X: torch.Tensor) -> torch.Tensor:
            if len(X) != 3:
                raise RuntimeError(f"expected 3 rows, got {len(X)}")
            return super().forward(X)

    text = one_line(check_xor_layer(OnlyThreeRows))
    assert "✓ the playground accepts it" in text
    assert "running it on a (16, 8) batch raised RuntimeError: expected 3 rows, got 16" in text
    assert EXERCISE_LAYER not in registered_layers()


def test_xor_layer_restores_a_layer_registered_under_its_name() -> None:
    register_layer(EXERCISE_LAYER, ScaledTanh)
    try:
        assert not check_xor_layer(ScaledTanh).passed
        assert registered_layers()[EXERCISE_LAYER].factory is ScaledTanh
    finally:
        unregister_layer(EXERCISE_LAYER)


def test_xor_layer_leaves_the_global_random_state_alone() -> None:
    torch.manual_seed(3)
    expected = torch.rand(2)
    torch.manual_seed(3)
    check_xor_layer(NegativeSlope)
    assert torch.equal(torch.rand(2), expected)
