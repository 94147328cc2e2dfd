"""An explorer loaded from a file computes with the saved weights, says so, and drops them
when the reader changes its network.

Every file is written under pytest's ``tmp_path``.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import torch
from torch import nn

from widgets import MLPExplorer, load_explorer, save_explorer
from widgets.ui.controls import HiddenLayersControl


def train(explorer: MLPExplorer, steps: int = 5) -> nn.Sequential:
    """A copy of the explorer's network after a few steps that pull its outputs to zero."""
    net = explorer.net
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
    for _ in range(steps):
        optimizer.zero_grad()
        net(explorer.X).pow(2).mean().backward()
        optimizer.step()
    return net


@pytest.fixture
def saved(tmp_path: Path) -> tuple[Path, nn.Sequential, MLPExplorer]:
    """A trained network saved from a chapter-6-like explorer: (file, network, explorer)."""
    explorer = MLPExplorer(hidden_sizes=(16, 8), activations=("tanh", "relu"), seed=3)
    trained = train(explorer)
    return save_explorer(explorer, tmp_path / "trained.pt", net=trained), trained, explorer


def header(explorer: MLPExplorer) -> str:
    return explorer.views["header"].value


def layers(explorer: MLPExplorer) -> HiddenLayersControl:
    block = explorer.controls["hidden_layers"]
    assert isinstance(block, HiddenLayersControl)
    return block


def test_the_loaded_explorer_outputs_what_the_saved_network_outputs(saved) -> None:
    path, trained, explorer = saved
    loaded = load_explorer(path)
    with torch.no_grad():
        expected = trained(loaded.X)
        assert torch.equal(loaded.output, expected)
        assert torch.equal(loaded.net(loaded.X), expected)
        assert not torch.equal(loaded.output, explorer.output)  # not the seed's weights
        # a batch of the reader's own, through a new explorer loaded from the same file
        X = torch.rand(5, 20, generator=torch.Generator().manual_seed(4))
        own = MLPExplorer(hidden_sizes=(16, 8), activations=("tanh", "relu"), seed=3, X=X)
        own.load_state_dict(loaded.net.state_dict(), source="trained.pt")
        assert torch.equal(own.output, trained(X))


def test_the_view_says_where_the_weights_came_from(saved) -> None:
    path, trained, explorer = saved
    loaded = load_explorer(path)
    assert loaded.loaded_from == "trained.pt"
    assert "weights: loaded from trained.pt" in header(loaded)
    assert "weights:" not in header(explorer) and explorer.loaded_from is None
    rows = loaded.views["outputs"].value
    first = f"{trained(loaded.X)[0, 0].item():.4f}"
    assert first in rows  # the outputs table shows the trained network's numbers


def test_the_view_is_deterministic(saved) -> None:
    path, _, _ = saved
    a, b = load_explorer(path), load_explorer(path)
    assert torch.equal(a.output, b.output)
    assert all(a.views[name].value == b.views[name].value
               for name in ("header", "plot", "module", "parameters", "outputs"))


def test_a_new_architecture_drops_the_loaded_weights_and_says_so(saved) -> None:
    path, _, explorer = saved
    loaded = load_explorer(path)
    loaded.hidden_sizes = (16, 4)
    assert loaded.loaded_from is None and "weights:" not in header(loaded)
    assert ("The weights loaded from trained.pt were dropped: the layers changed, so its "
            "weights are drawn from seed 3 again.") == loaded.message
    fresh = MLPExplorer(hidden_sizes=(16, 4), activations=("tanh", "relu"), seed=3)
    assert torch.equal(loaded.output, fresh.output)
    loaded.hidden_sizes = (16, 8)  # back to the saved layers: the seed's weights, for good
    assert loaded.loaded_from is None and torch.equal(loaded.output, explorer.output)
    assert loaded.message == ""


def test_moving_a_control_drops_them_too(saved) -> None:
    path, _, _ = saved
    loaded = load_explorer(path)
    layers(loaded).choices[1].value = "tanh"
    assert loaded.activations == ("tanh", "tanh") and loaded.loaded_from is None
    assert "were dropped" in loaded.message
    again = load_explorer(path)
    again.controls["seed"].value = 4
    assert again.seed == 4 and again.loaded_from is None
    assert "dropped: the seed changed, so its weights are drawn from seed 4 again" in again.message


def test_the_drop_message_names_what_changed(saved) -> None:
    path, _, _ = saved
    changes = {"the layers changed": {"activations": ("relu", "relu")},
               "the seed changed": {"seed": 5},
               "the layers and the seed changed": {"hidden_sizes": (16,),
                                                   "activations": ("tanh",), "seed": 5}}
    for said, change in changes.items():
        loaded = load_explorer(path)
        loaded.configure(**change)
        assert loaded.loaded_from is None
        assert f"were dropped: {said}, so its weights" in loaded.message, (said, loaded.message)


def test_a_refused_value_keeps_the_loaded_weights(saved) -> None:
    path, trained, _ = saved
    loaded = load_explorer(path)
    layers(loaded).widths[0].value = 0  # not a width: refused, nothing changes
    assert loaded.hidden_sizes == (16, 8) and loaded.loaded_from == "trained.pt"
    assert "dropped" not in loaded.message
    with torch.no_grad():
        assert torch.equal(loaded.output, trained(loaded.X))
    with pytest.raises(ValueError):
        loaded.seed = -1
    assert loaded.loaded_from == "trained.pt"


def test_setting_the_same_values_keeps_them(saved) -> None:
    path, trained, _ = saved
    loaded = load_explorer(path)
    loaded.configure(hidden_sizes=(16, 8), activations=("tanh", "relu"), seed=3)
    loaded.refresh()
    assert loaded.loaded_from == "trained.pt" and loaded.message == ""
    with torch.no_grad():
        assert torch.equal(loaded.output, trained(loaded.X))


def test_a_closed_loaded_explorer_still_computes_with_them(saved) -> None:
    path, trained, _ = saved
    loaded = load_explorer(path)
    loaded.close()
    with torch.no_grad():
        assert torch.equal(loaded.output, trained(loaded.X))


def test_saving_a_loaded_explorer_writes_the_weights_it_shows(saved, tmp_path: Path) -> None:
    path, trained, _ = saved
    copy = load_explorer(save_explorer(load_explorer(path), tmp_path / "copy.pt"))
    with torch.no_grad():
        assert torch.equal(copy.output, trained(copy.X))


def with_values(net: nn.Sequential, count: int, value: float) -> nn.Sequential:
    """``net`` with the first ``count`` weights of its first layer set to ``value``."""
    with torch.no_grad():
        net[0].weight.view(-1)[:count] = value
    return net


def test_weights_that_are_not_finite_load_with_a_note(saved, tmp_path: Path) -> None:
    _, trained, explorer = saved
    total = sum(tensor.numel() for tensor in trained.state_dict().values())
    diverged = with_values(copy.deepcopy(trained), 3, float("nan"))
    path = save_explorer(explorer, tmp_path / "diverged.pt", net=diverged)
    loaded = load_explorer(path)  # a diverged run is worth looking at: not refused
    assert loaded.loaded_from == "diverged.pt"
    assert loaded.message == (f"Note: 3 of the {total} numbers loaded from diverged.pt are NaN "
                              "or infinite, so outputs computed through them can be NaN or "
                              "infinite too.")
    assert "ll-info" in loaded.views["message"].value
    assert torch.isnan(loaded.output).all()  # every hidden unit of layer 0 feeds every output
    loaded.refresh()  # still computing with them: still said
    assert "3 of the" in loaded.message
    loaded.seed = 4  # dropped: the drop is what the line says now
    assert loaded.message.startswith("The weights loaded from diverged.pt were dropped")
    assert torch.isfinite(loaded.output).all()


def test_one_infinite_number_is_counted_and_finite_weights_get_no_note(saved) -> None:
    _, trained, _ = saved
    one = MLPExplorer(hidden_sizes=(16, 8), activations=("tanh", "relu"), seed=3)
    one.load_state_dict(with_values(copy.deepcopy(trained), 1, float("inf")).state_dict())
    assert one.message.startswith("Note: 1 of the ")
    assert "from a state_dict is NaN or infinite, so outputs computed through it" in one.message
    one.load_state_dict(trained.state_dict(), source="trained.pt")  # all finite: no note
    assert one.message == "" and one.loaded_from == "trained.pt"
