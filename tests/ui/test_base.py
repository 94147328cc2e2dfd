"""What every widget inherits from LiveWidget: check, then commit, exactly once."""

from __future__ import annotations

import pytest
from torch import nn

from widgets import MLPExplorer, Playground, register_layer


def test_a_value_the_widget_already_has_draws_nothing() -> None:
    explorer = MLPExplorer(hidden_sizes=(8,), seed=7)
    count = explorer.render_count
    explorer.seed = 7
    with explorer.batch():
        explorer.seed = 7
    explorer.configure(hidden_sizes=(8,))
    assert explorer.render_count == count


def test_an_inner_batch_that_raises_takes_back_only_its_own_changes() -> None:
    explorer = MLPExplorer(hidden_sizes=(8,))
    with explorer.batch():
        explorer.seed = 8
        with pytest.raises(KeyError), explorer.batch():
            explorer.seed = 9
            raise KeyError("the reader's code")
        assert explorer.seed == 8
    assert explorer.seed == 8


def test_a_readers_observer_that_raises_still_leaves_the_view_drawn() -> None:
    explorer = MLPExplorer(hidden_sizes=(8,))
    before = explorer.views["plot"].value
    explorer.observe(lambda change: 1 / 0, names="seed")
    with pytest.raises(ZeroDivisionError):
        explorer.seed = 9
    assert explorer.seed == 9 and explorer.controls["seed"].value == 9
    assert explorer.views["plot"].value != before


def test_a_message_about_an_earlier_state_goes_when_the_state_changes() -> None:
    explorer = MLPExplorer(hidden_sizes=(8,))
    explorer.controls["seed"].value = -1
    assert "kept the last valid setting" in explorer.message
    explorer.seed = 4
    assert explorer.message == ""


def test_a_per_layer_count_error_is_a_plain_value_error_with_a_hint() -> None:
    explorer = MLPExplorer(hidden_sizes=(8,))
    with pytest.raises(ValueError, match=r"\(1\), got 2.*call configure\(hidden_sizes=") as caught:
        explorer.activations = ("relu", "tanh")
    assert type(caught.value).__name__ == "InvalidValueError"
    with pytest.raises(ValueError) as plain:
        MLPExplorer(hidden_sizes=(8,), activations=("relu", "tanh"))
    assert type(plain.value) is ValueError


def test_a_replaced_layer_that_fails_in_the_playground_is_named(empty_registry: None) -> None:
    class Fine(nn.Module):
        def forward(self, X):
            return X

    register_layer("mine", Fine)
    playground = Playground(hidden_sizes=(4,), activations="mine")

    class Broken(nn.Module):
        def __init__(self, width: int) -> None:
            super().__init__()
            if width == 4:
                raise ValueError("no width 4")

        def forward(self, X):
            return X

    register_layer("mine", Broken)  # the probe runs at width 8: accepted
    assert "custom layers in it: mine" in playground.message
    assert "no width 4" in playground.message
    assert playground.activations == ("tanh",)
