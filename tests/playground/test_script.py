""""Show code": the script the playground prints reaches the playground's own losses."""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch
from torch import nn

from widgets import Playground
from widgets.core.init import SCHEMES, playground_scheme_names
from widgets.core.layers import register_layer
from widgets.playground.script import net_source, script
from widgets.playground.settings import PlaygroundSettings
from widgets.playground.training import PlaygroundRun


class Scaled(nn.Module):
    """A reader's layer with a parameter: a learned scale per unit, then tanh."""

    def __init__(self, width: int) -> None:
        super().__init__()
        self.scale = nn.Parameter(torch.ones(width))

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return torch.tanh(X * self.scale)


pytestmark = pytest.mark.usefixtures("empty_registry")


def run_script(text: str) -> dict[str, object]:
    namespace: dict[str, object] = {"__name__": "__script__"}
    exec(compile(text, "<script>", "exec"), namespace)
    return namespace


CASES = [
    {},
    {"dataset": "xor", "features": ("x1", "x2", "x1*x2"), "hidden_sizes": ()},
    {"dataset": "two_gaussians", "noise": 30, "train_share": 20},
    {"dataset": "spiral", "hidden_sizes": (8, 8), "activations": ("relu", "leaky_relu"),
     "optimizer": "adam", "learning_rate": 0.01, "features": tuple(
         ["x1", "x2", "sin(x1)", "sin(x2)"])},
    {"dataset": "plane", "num_samples": 300, "batch_size": 1},
    {"dataset": "gaussian", "num_samples": 1200, "batch_size": 64,
     "activations": ("gelu", "elu")},
    {"regularization": "l1", "regularization_rate": 0.003, "noise": 10},
    {"regularization": "l2", "regularization_rate": 0.03, "optimizer": "adam"},
    {"hidden_sizes": (3, 3, 3), "activations": ("sigmoid", "silu", "softplus"), "seed": 12345},
    {"hidden_sizes": (2,), "activations": "linear", "train_share": 90, "batch_size": 7},
    *[{"init": name} for name in SCHEMES],  # every scheme of the registry
]


@pytest.mark.parametrize("changes", CASES, ids=[str(i) for i in range(len(CASES))])
def test_the_script_reaches_exactly_the_playgrounds_losses(changes: dict) -> None:
    settings = PlaygroundSettings(**changes)
    run = PlaygroundRun(settings)
    run.train(12)
    namespace = run_script(script(settings, 12))
    assert namespace["train_loss"] == run.train_loss
    assert namespace["test_loss"] == run.test_loss
    for mine, theirs in zip(run.net.state_dict().values(), namespace["net"].state_dict().values()):
        assert torch.equal(mine, theirs)


def test_the_playground_offers_every_scheme_and_prints_its_nn_init_lines() -> None:
    assert sorted(playground_scheme_names()) == sorted(SCHEMES)
    assert playground_scheme_names()[:2] == ("default", "xavier_uniform")
    assert "nn.init" not in net_source(PlaygroundSettings())  # nn.Linear draws it when made
    for name, scheme in SCHEMES.items():
        if name != "default":
            source = net_source(PlaygroundSettings(init=name))
            assert all(f"            {line}\n" in source for line in scheme.code())
    tf = net_source(PlaygroundSettings(init="tf_playground"))
    assert ("nn.init.uniform_(layer.weight, -0.5, 0.5)" in tf
            and "nn.init.constant_(layer.bias, 0.1)" in tf)
    uniform = net_source(PlaygroundSettings(init="uniform"))  # uniform in ±scale, as everywhere
    assert ("nn.init.uniform_(layer.weight, -1, 1)" in uniform
            and "nn.init.zeros_(layer.bias)" in uniform)


def test_a_registered_layer_with_parameters_is_in_the_script_too() -> None:
    register_layer("scaled", Scaled)
    settings = PlaygroundSettings(hidden_sizes=(4, 3), activations=("scaled", "tanh"))
    run = PlaygroundRun(settings)
    run.train(8)
    text = script(settings, 8)
    assert f"from {Scaled.__module__} import Scaled\n" in text  # importable: imported
    assert "nn.Linear(2, 4), Scaled(4)," in text
    assert run_script(text)["train_loss"] == run.train_loss


def test_a_layer_without_source_gets_a_note_instead() -> None:
    register_layer("halved", lambda: nn.Identity())
    text = script(PlaygroundSettings(activations=("halved", "tanh")), 1)
    assert "# layer_halved: your layer registered as 'halved'" in text
    assert "nn.Linear(2, 4), layer_halved()," in text


def test_the_script_runs_on_its_own_in_a_fresh_python() -> None:
    playground = Playground(dataset="xor", hidden_sizes=(6,), features=("x1", "x2", "x1*x2"))
    report = playground.step(15)
    text = str(playground.code())
    assert "widgets" not in text  # only torch: a reader can take it anywhere
    done = subprocess.run([sys.executable, "-c", text], capture_output=True, text=True,
                          timeout=120, check=True)
    assert done.stdout.strip() == (f"after 15 epochs: train loss {report.train_loss:.4f}, "
                                   f"test loss {report.test_loss:.4f}")
    assert playground.code().run()["train_loss"] == playground.train_loss


def test_code_for_a_run_with_mid_run_changes_says_so() -> None:
    playground = Playground()
    playground.step(3)
    playground.learning_rate = 0.3
    playground.step(2)
    text = str(playground.code())
    assert "# This run changed settings mid-way (learning_rate 0.03 -> 0.3 at epoch 3)" in text
    assert "lr=0.3" in text and "num_epochs, batch_size = 5, 10" in text


def test_code_shows_the_epochs_asked_for() -> None:
    playground = Playground()
    assert "num_epochs, batch_size = 40, 10" in str(playground.code(40))
    assert "num_epochs, batch_size = 0, 10" in str(playground.code())


def test_a_class_defined_in_a_notebook_cell_is_found_in_the_cells_text() -> None:
    import linecache

    cell = ("class CellLayer(nn.Module):\n"
            "    def forward(self, X):\n"
            "        return X * 0.5\n"
            "\n"
            "print('not part of the class')\n")
    namespace: dict[str, object] = {"nn": nn, "__name__": "__main__"}
    linecache.cache["<cell-7>"] = (len(cell), None, cell.splitlines(True), "<cell-7>")
    try:
        exec(compile(cell, "<cell-7>", "exec"), namespace)
        register_layer("half", namespace["CellLayer"])
        text = script(PlaygroundSettings(activations=("half", "tanh")), 1)
    finally:
        del linecache.cache["<cell-7>"]
    expected = "class CellLayer(nn.Module):\n    def forward(self, X):\n        return X * 0.5\n"
    assert expected in text
    assert "not part of the class" not in text


def test_factories_sharing_a_name_or_taking_the_scripts_names_get_their_own() -> None:
    def make(width: int) -> nn.Module:
        return nn.Tanh()
    first = make

    def make(width: int) -> nn.Module:
        return nn.ReLU()

    def features(width: int) -> nn.Module:
        return nn.Sigmoid()

    register_layer("first", first)
    register_layer("second", make)
    register_layer("clash", features)
    settings = PlaygroundSettings(hidden_sizes=(3, 3, 3), activations=("first", "second", "clash"))
    text = script(settings, 3)
    assert "layer_first(3)," in text and "layer_second(3)," in text and "layer_clash(3)," in text
    run = PlaygroundRun(settings)
    assert [type(m).__name__ for m in run.net][1:6:2] == ["Tanh", "ReLU", "Sigmoid"]
    run.train(3)
    namespace = run_script(text)
    assert namespace["train_loss"] == run.train_loss
    assert [type(m).__name__ for m in namespace["net"]][1:6:2] == ["Tanh", "ReLU", "Sigmoid"]


class NoisyInEval(nn.Module):
    """A layer that adds noise even when evaluating."""

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return torch.tanh(X) + 0.01 * torch.randn_like(X)


def test_layers_drawing_random_numbers_still_match_the_script() -> None:
    register_layer("noisy", NoisyInEval)
    settings = PlaygroundSettings(activations=("noisy", "tanh"))
    run = PlaygroundRun(settings)
    run.train(4)
    namespace = run_script(script(settings, 4))
    assert (namespace["train_loss"], namespace["test_loss"]) == (run.train_loss, run.test_loss)


def test_a_notebook_class_is_copied_from_the_cell_it_was_made_from() -> None:
    import linecache

    def cell(name: str, factor: str) -> str:
        text = ("class ReLU(nn.Module):\n"
                "    def forward(self, X):\n"
                f"        return torch.relu(X) * {factor}\n")
        linecache.cache[name] = (len(text), None, text.splitlines(True), name)
        return text

    namespace: dict[str, object] = {"nn": nn, "torch": torch, "__name__": "__main__"}
    try:
        exec(compile(cell("<cell-1>", "0.5"), "<cell-1>", "exec"), namespace)
        register_layer("half_relu", namespace["ReLU"])
        cell("<cell-2>", "0.9")  # the cell edited and run again, but not registered again
        text = script(PlaygroundSettings(activations=("half_relu", "tanh")), 1)
    finally:
        for name in ("<cell-1>", "<cell-2>"):
            linecache.cache.pop(name, None)
    assert "return torch.relu(X) * 0.5" in text and "* 0.9" not in text
