"""The Playground widget driven headlessly: traits, controls, play, JSON state, bad input."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch
import traitlets
from torch import nn

from widgets import Playground
from widgets.core.layers import register_layer, unregister_layer
from widgets.ui.controls import HiddenLayersControl, ToggleSet

pytestmark = pytest.mark.usefixtures("empty_registry")


@pytest.fixture
def playground() -> Iterator[Playground]:
    widget = Playground()
    yield widget
    widget.close()


def layers(playground: Playground) -> HiddenLayersControl:
    """The hidden-layers block (layer count, per-layer widths and menus)."""
    block = playground.controls["hidden_layers"]
    assert isinstance(block, HiddenLayersControl)
    return block


def toggles(playground: Playground) -> ToggleSet:
    """The feature toggles."""
    block = playground.controls["features"]
    assert isinstance(block, ToggleSet)
    return block


def shown(playground: Playground, *names: str) -> tuple[str, ...]:
    """What the named views show now."""
    return tuple(playground.views[name].value for name in names)


def images(svg: str) -> list[str]:
    return re.findall(r'href="data:image/png;base64,([^"]+)"', svg)


class EvenOnly(nn.Module):
    """A reader's layer that works only at even widths."""

    def __init__(self, width: int) -> None:
        super().__init__()
        if width % 2:
            raise ValueError("width must be even")

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return torch.tanh(X)


# -- what it shows ------------------------------------------------------------------------


def test_it_starts_as_tensorflow_playground_does(playground: Playground) -> None:
    assert playground.epoch == 0 and not playground.playing
    assert playground.render_count == 1
    assert len(images(playground.views["output"].value)) == 1
    assert len(images(playground.views["network"].value)) == 4  # one per column of units
    assert "<polyline" in playground.views["loss_chart"].value
    assert "epoch <b>0</b>" in playground.views["epoch"].value
    losses = playground.views["losses"].value
    assert "test loss" in losses and "accuracy" in losses
    assert [t.value for t in toggles(playground).buttons] == [True, True] + [False] * 5
    assert layers(playground).count.value == 2
    assert [row.layout.display for row in layers(playground).rows[:3]] == [None, None, "none"]


def test_step_trains_and_redraws(playground: Playground) -> None:
    before = shown(playground, "output", "network", "loss_chart")
    report = playground.step(5)
    assert report.epoch == playground.epoch == 5
    assert "epoch <b>5</b>" in playground.views["epoch"].value
    after = shown(playground, "output", "network", "loss_chart")
    assert all(a != b for a, b in zip(before, after))
    assert len(playground.history["train"]) == 6
    assert f"{report.train_loss:.4f}" in playground.views["losses"].value


def test_the_same_settings_draw_the_same_pictures() -> None:
    a, b = Playground(seed=4), Playground(seed=4)
    a.step(3)
    b.step(3)
    assert shown(a, "output", "network") == shown(b, "output", "network")
    assert a.to_json() == b.to_json()


def test_reset_goes_back_to_epoch_zero_with_the_same_start(playground: Playground) -> None:
    start = playground.views["output"].value
    playground.step(4)
    playground.reset()
    assert playground.epoch == 0 and playground.views["output"].value == start


def test_discretize_and_test_points_change_only_the_picture(playground: Playground) -> None:
    playground.step(2)
    smooth, losses = playground.views["output"].value, playground.history
    playground.discretize = True
    picture = playground.views["output"].value
    assert "pixelated" in picture and picture != smooth
    playground.show_test_data = True
    assert 'stroke="#222"' in playground.views["output"].value  # the test points' dark rings
    assert playground.epoch == 2 and playground.history == losses


def test_each_hidden_unit_and_feature_gets_a_tile_in_the_network_picture() -> None:
    playground = Playground(hidden_sizes=(5, 3), features=("x1", "x2", "sin(x1)"))
    picture = playground.views["network"].value
    assert ">5 tanh<" in picture and ">3 tanh<" in picture and ">sin(x1)<" in picture
    assert picture.count("<path") >= 2  # links of both signs
    wide = Playground(hidden_sizes=(64,) * 8, activations="relu")
    links = "".join(re.findall(r'<path d="([^"]+)"', wide.views["network"].value))
    assert links.count("L") == 1500  # the strongest links only
    wide.close()
    playground.close()


def test_regenerate_draws_new_data(playground: Playground) -> None:
    X = playground.data["X_train"]
    playground.regenerate(seed=9)
    assert playground.seed == 9 and not torch.equal(playground.data["X_train"], X)
    playground.regenerate()
    assert playground.seed != 9 or True  # a random seed; still a valid one
    assert 0 <= playground.seed < 1_000_000


# -- settings from code and from the controls ----------------------------------------------


def test_network_settings_restart_training_settings_do_not(playground: Playground) -> None:
    playground.step(3)
    playground.learning_rate = 0.1
    assert playground.epoch == 3 and playground.state()["changes"][0]["to"] == 0.1
    playground.hidden_sizes = (6,)
    assert playground.epoch == 0 and playground.activations == ("tanh",)
    playground.step(1)
    playground.dataset = "xor"
    assert playground.epoch == 0 and playground.controls["dataset"].value == "xor"


def test_configure_draws_once_and_refuses_as_a_whole(playground: Playground) -> None:
    count = playground.render_count
    playground.configure(dataset="spiral", hidden_sizes=(8, 8, 8), activations="relu",
                         optimizer="adam")
    assert playground.render_count == count + 1
    with pytest.raises(ValueError, match="noise must be"):
        playground.configure(noise=70, seed=5)
    assert playground.seed == 0 and playground.noise == 0
    with pytest.raises(TypeError, match="configure\\(\\) takes"):
        playground.configure(speed=1)


@pytest.mark.parametrize(("field", "value", "words"), [
    ("learning_rate", 11, "learning_rate must be a number from 1e-05 to 10"),
    ("batch_size", 0, "batch_size must be an integer from 1 to 64"),
    ("features", (), "features must name at least one input feature"),
    ("hidden_sizes", (65,), "hidden_sizes[0] must be an integer from 1 to 64"),
    ("noise", 60, "noise must be a number from 0 to 50"),
    ("dataset", "moons", "dataset must be one of"),
    ("activations", ("tanh",), "call configure(hidden_sizes=..., activations=...)"),
])
def test_bad_values_from_code_raise_and_change_nothing(playground: Playground, field: str,
                                                       value: object, words: str) -> None:
    playground.step(2)
    before = (playground.state(), playground.views["output"].value)
    with pytest.raises((ValueError, TypeError, traitlets.TraitError)) as raised:
        setattr(playground, field, value)
    assert words in str(raised.value)
    assert (playground.state(), playground.views["output"].value) == before


def test_controls_set_the_state(playground: Playground) -> None:
    playground.controls["learning_rate"].value = 0.3
    playground.controls["optimizer"].value = "adam"
    playground.controls["batch_size"].value = 20
    playground.controls["noise"].value = 15
    toggles(playground).buttons[2].value = True
    layers(playground).count.value = 3
    layers(playground).widths[2].value = 7
    layers(playground).choices[0].value = "relu"
    s = playground.settings
    assert (s.learning_rate, s.optimizer, s.batch_size, s.noise) == (0.3, "adam", 20, 15)
    assert s.features == ("x1", "x2", "x1^2")
    assert s.hidden_sizes == (4, 2, 7) and s.activations == ("relu", "tanh", "tanh")
    assert playground.message == ""


def test_a_refused_control_value_shows_a_message_and_is_put_back(playground: Playground) -> None:
    layers(playground).widths[0].value = 100
    assert "layer 1 width must be an integer from 1 to 64" in playground.message
    assert "kept the last valid setting" in playground.message
    assert layers(playground).widths[0].value == 4 and playground.hidden_sizes == (4, 2)
    toggles(playground).buttons[0].value = False
    toggles(playground).buttons[1].value = False
    assert "at least one input feature" in playground.message
    assert toggles(playground).buttons[1].value and playground.features == ("x2",)
    playground.controls["num_samples"].value = 5
    assert "points must be an integer from 20 to 2000" in playground.message
    assert playground.controls["num_samples"].value == 500


def test_a_learning_rate_set_from_code_joins_the_menu(playground: Playground) -> None:
    playground.learning_rate = 0.05
    menu = playground.controls["learning_rate"]
    assert menu.value == 0.05 and ("0.05", 0.05) in menu.options


def test_buttons_step_and_reset(playground: Playground) -> None:
    playground.controls["step"].click()
    playground.controls["step"].click()
    assert playground.epoch == 2
    playground.controls["reset"].click()
    assert playground.epoch == 0


def test_the_play_button_outside_an_event_loop_says_what_to_do(playground: Playground) -> None:
    playground.controls["play"].click()
    assert "play() needs a running event loop" in playground.message
    assert not playground.playing
    with pytest.raises(RuntimeError, match="call step\\(n\\) instead"):
        playground.play()


# -- playing ------------------------------------------------------------------------------


def test_play_trains_on_the_event_loop_and_controls_act_at_the_next_epoch() -> None:
    async def session() -> tuple[Playground, int, int]:
        playground = Playground()
        playground.controls["play"].click()
        assert playground.playing and playground.controls["play"].description == "pause"
        await asyncio.sleep(0.3)
        first = playground.epoch
        playground.controls["learning_rate"].value = 0.1  # a reader moves a control while it plays
        await asyncio.sleep(0.2)
        playground.controls["play"].click()
        await asyncio.sleep(0.05)
        return playground, first, playground.epoch

    playground, first, last = asyncio.run(session())
    assert 0 < first < last and playground.frame_count == last
    assert not playground.playing and playground.controls["play"].description == "play"
    [change] = playground.state()["changes"]
    assert change["field"] == "learning_rate" and first <= change["epoch"] < last
    assert playground.history["train"][-1] == playground.train_loss
    playground.close()


def test_one_playground_plays_at_a_time() -> None:
    async def session() -> tuple[Playground, Playground]:
        first, second = Playground(), Playground()
        first.play()
        await asyncio.sleep(0.1)
        second.play()  # as when the cell that made the first one runs again
        await asyncio.sleep(0.1)
        assert not first.playing and second.playing
        second.pause()
        await asyncio.sleep(0.05)
        return first, second

    first, second = asyncio.run(session())
    assert first.message == "paused: another playground started playing"
    assert first.epoch > 0 and second.epoch > 0
    first.close()
    second.close()


def test_the_frame_rate_cap_is_checked(playground: Playground) -> None:
    playground.max_frames_per_second = 30
    assert playground.max_frames_per_second == 30
    with pytest.raises(ValueError, match="max_frames_per_second must be an integer from 1 to 120"):
        playground.max_frames_per_second = 0


def test_divergence_while_playing_stops_it_and_says_so() -> None:
    async def session() -> Playground:
        playground = Playground(dataset="plane", features=("x1", "x2", "x1^2"),
                                learning_rate=1.0)
        playground.play()
        await asyncio.sleep(0.3)
        return playground

    playground = asyncio.run(session())
    assert not playground.playing
    kept = playground.epoch
    assert f"training diverged at epoch {kept + 1}" in playground.message
    assert f"kept epoch {kept}" in playground.message
    playground.learning_rate = 0.001  # the reader lowers it and goes on
    assert playground.step(3).epoch == kept + 3 and playground.message == ""
    playground.close()


def test_step_reports_divergence_without_raising() -> None:
    playground = Playground(dataset="plane", features=("x1^2", "x2^2"), learning_rate=3.0)
    report = playground.step(10)
    assert report.epoch == 0 and "the loss became" in report.stopped
    assert "diverged" in playground.message and len(images(playground.views["output"].value)) == 1
    playground.close()


# -- state as JSON ------------------------------------------------------------------------


def test_save_and_load_reproduce_the_run(tmp_path: Path) -> None:
    playground = Playground(dataset="spiral", hidden_sizes=(6, 6), seed=2)
    playground.step(4)
    playground.configure(learning_rate=0.1, regularization="l2", regularization_rate=0.001)
    playground.step(3)
    path = playground.save(tmp_path / "run.json")
    other = Playground()
    report = other.load(path)
    assert report.epoch == other.epoch == 7
    assert other.history == playground.history and other.to_json() == playground.to_json()
    assert other.views["output"].value == playground.views["output"].value
    assert other.controls["dataset"].value == "spiral" and layers(other).count.value == 2
    assert other.load(path, replay_epochs=False).epoch == 0
    playground.close()
    other.close()


def test_the_json_box_applies_edited_state(playground: Playground) -> None:
    playground.controls["show_state"].value = True
    state = json.loads(playground.controls["state_text"].value)
    state["settings"]["dataset"] = "xor"
    state["epoch"] = 2
    playground.controls["state_text"].value = json.dumps(state)
    playground.controls["apply_json"].click()
    assert playground.dataset == "xor" and playground.epoch == 2 and playground.message == ""


@pytest.mark.parametrize(("text", "words"), [
    ("{not json", "is not valid JSON"),
    ("[]", "must be a JSON object"),
    ('{"format": "layerlab-playground"}', "is missing version, settings, epoch, changes"),
])
def test_bad_json_is_refused_and_the_state_kept(playground: Playground, text: str,
                                                words: str) -> None:
    playground.step(2)
    before = playground.to_json()
    with pytest.raises((ValueError, TypeError), match=None) as raised:
        playground.load_json(text)
    assert words in str(raised.value) and playground.to_json() == before
    playground.controls["show_state"].value = True
    playground.controls["state_text"].value = text
    playground.controls["apply_json"].click()
    assert words in playground.message and playground.to_json() == before


def test_wrong_fields_in_a_file_name_the_field(tmp_path: Path, playground: Playground) -> None:
    state = playground.state()
    state["settings"]["batch_size"] = 500
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(state))
    with pytest.raises(ValueError, match="settings: batch_size must be an integer from 1 to 64"):
        playground.load(path)
    with pytest.raises(ValueError, match="could not read the playground state from"):
        playground.load(tmp_path / "missing.json")
    playground.controls["path"].value = str(tmp_path / "missing.json")
    playground.controls["load"].click()
    assert "could not read" in playground.message and playground.epoch == 0


def test_the_save_button_writes_the_file(tmp_path: Path, playground: Playground) -> None:
    playground.controls["path"].value = str(tmp_path / "saved.json")
    playground.controls["save"].click()
    assert json.loads((tmp_path / "saved.json").read_text()) == playground.state()
    assert playground.message.startswith("saved to")


def test_code_panel_shows_the_script(playground: Playground) -> None:
    assert playground.views["code"].layout.display == "none"
    playground.controls["show_code"].value = True
    playground.step(2)
    assert playground.views["code"].layout.display is None
    assert "num_epochs, batch_size = 2, 10" in playground.views["code"].value


# -- readers' layers ----------------------------------------------------------------------


def test_registered_layers_are_offered_and_used() -> None:
    playground = Playground()
    register_layer("even", EvenOnly)
    assert ("even (custom)", "even") in layers(playground).choices[0].options
    playground.activations = ("even", "tanh")
    assert playground.step(2).epoch == 2 and "EvenOnly(4)" in str(playground.code())
    playground.close()


def test_a_layer_failing_at_a_width_keeps_the_last_valid_network() -> None:
    register_layer("even", EvenOnly)
    playground = Playground(activations=("even", "tanh"))
    layers(playground).widths[0].value = 5
    assert "the network failed to build or run (custom layers in it: even)" in playground.message
    assert "width must be even" in playground.message
    assert playground.hidden_sizes == (4, 2) and layers(playground).widths[0].value == 4
    with pytest.raises(ValueError, match="width must be even"):
        playground.hidden_sizes = (3, 2)
    assert playground.hidden_sizes == (4, 2)
    playground.close()


def test_unregistering_a_layer_in_use_puts_tanh_in_its_place() -> None:
    register_layer("even", EvenOnly)
    playground = Playground(activations=("even", "relu"))
    unregister_layer("even")
    assert playground.activations == ("tanh", "relu")
    assert "unregistered; tanh took its place" in playground.message
    playground.close()


def test_a_saved_state_naming_an_unknown_layer_is_refused(playground: Playground) -> None:
    register_layer("even", EvenOnly)
    playground.activations = ("even", "tanh")
    text = playground.to_json()
    unregister_layer("even")
    with pytest.raises(ValueError, match="activations\\[0\\] must be one of"):
        playground.load_json(text)


# -- the rest -----------------------------------------------------------------------------


def test_snapshot_keeps_the_pictures_of_this_moment(playground: Playground) -> None:
    playground.step(3)
    still = playground.snapshot()
    assert "snapshot at epoch 3" in repr(still)
    assert still._repr_html_().count("data:image/png;base64") == 1 + 4  # output, 4 columns


def test_net_is_a_copy(playground: Playground) -> None:
    net = playground.net
    with torch.no_grad():
        net[0].weight.zero_()
    assert playground.net[0].weight.abs().sum() > 0  # a fresh copy: the playground's own net


def test_repr(playground: Playground) -> None:
    assert repr(playground).startswith("Playground(dataset='circle', features=('x1', 'x2')")


class MixesRows(nn.Module):
    """A reader's layer whose output for one row depends on the other rows of its batch."""

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return torch.tanh(X - X.mean(dim=0))


def test_layers_that_mix_rows_still_match_the_script() -> None:
    register_layer("mixes", MixesRows)
    playground = Playground(activations=("mixes", "tanh"))
    playground.step(4)
    variables = playground.code().run()
    assert variables["train_loss"] == playground.train_loss
    assert variables["test_loss"] == playground.test_loss
    playground.close()


def test_batch_norm_trains_in_training_mode_and_is_scored_in_evaluation_mode() -> None:
    register_layer("batch_norm", nn.BatchNorm1d)
    playground = Playground(hidden_sizes=(6, 4), activations=("batch_norm", "tanh"))
    playground.step(3)
    net = playground.net
    assert not net.training  # scored as a reader would, after net.eval()
    assert net[1].num_batches_tracked.item() == 3 * 25  # only training batches count
    assert "nn.Linear(2, 6), nn.BatchNorm1d(6)," in str(playground.code())
    variables = playground.code().run()
    assert variables["test_loss"] == playground.test_loss
    playground.close()


def test_a_message_goes_once_a_later_change_works() -> None:
    register_layer("even", EvenOnly)
    playground = Playground(activations=("even", "tanh"))
    with pytest.raises(ValueError, match="width must be even"):
        playground.hidden_sizes = (3, 2)
    assert "width must be even" in playground.message
    playground.configure(hidden_sizes=(5,), activations="relu")
    assert playground.message == ""
    playground.close()


def test_pause_then_play_within_one_frame_keeps_playing() -> None:
    async def session() -> Playground:
        playground = Playground()
        playground.play()
        await asyncio.sleep(0.05)
        playground.controls["play"].click()  # pause
        playground.controls["play"].click()  # and play again at once
        await asyncio.sleep(0.2)
        assert playground.playing and playground.controls["play"].description == "pause"
        epoch = playground.epoch
        await asyncio.sleep(0.1)
        assert playground.epoch > epoch
        playground.pause()
        await asyncio.sleep(0.05)
        return playground

    asyncio.run(session()).close()


class FailsOnTheGrid(nn.Module):
    """Works on the 250-point sets, fails on the 10,000-point grid of the pictures."""

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        if len(X) > 1000:
            raise RuntimeError("batch too large")
        return torch.tanh(X)


def test_a_layer_failing_only_on_the_pictures_grid_keeps_the_last_valid_state() -> None:
    register_layer("small_batches", FailsOnTheGrid)
    playground = Playground()
    playground.step(3)
    picture = playground.views["output"].value
    layers(playground).choices[0].value = "small_batches"
    assert "batch too large" in playground.message and "kept the last valid" in playground.message
    assert playground.activations == ("tanh", "tanh") and playground.epoch == 3
    assert playground.report().epoch == 3 and len(playground.history["train"]) == 4
    assert playground.views["output"].value == picture
    assert playground.step(1).epoch == 4
    playground.close()


def test_a_constructor_with_a_failing_layer_says_so() -> None:
    register_layer("small_batches", FailsOnTheGrid)
    with pytest.raises(ValueError, match="failed to build or run .*batch too large"):
        Playground(activations=("small_batches", "tanh"))


def test_read_only_traits_say_how_they_change(playground: Playground) -> None:
    with pytest.raises(ValueError, match="epoch cannot be set: it trains with step"):
        playground.epoch = 3
    with pytest.raises(ValueError, match="playing cannot be set: it starts with play"):
        playground.playing = True


def test_saving_where_it_cannot_write_names_the_path(tmp_path: Path,
                                                     playground: Playground) -> None:
    with pytest.raises(ValueError, match="could not write the playground state to"):
        playground.save(tmp_path / "missing" / "state.json")
    with pytest.raises(ValueError, match="nests too deeply"):
        playground.load_json("[" * 100_000 + "]" * 100_000)


def test_links_stay_capped_when_every_weight_is_zero() -> None:
    playground = Playground(hidden_sizes=(64,) * 3, init="zeros")
    links = "".join(re.findall(r'<path d="([^"]+)"', playground.views["network"].value))
    assert links.count("L") == 1500
    playground.close()


def test_a_number_typed_out_of_range_is_refused_with_a_message_not_clamped(
        playground: Playground) -> None:
    before = playground.batch_size
    playground.controls["batch_size"].value = 0
    assert playground.batch_size == before and playground.controls["batch_size"].value == before
    assert playground.message.startswith("batch size must be an integer from 1 to")
    layers(playground).count.value = 9
    assert len(playground.hidden_sizes) == 2 and layers(playground).count.value == 2
    assert playground.message.startswith("hidden layers must have 0 to")


def test_on_and_off_are_read_out_not_only_shown_by_colour(playground: Playground) -> None:
    import ipywidgets as ipw

    assert isinstance(playground.controls["dataset"], ipw.RadioButtons)
    assert all(isinstance(box, ipw.Checkbox) for box in toggles(playground).buttons)
