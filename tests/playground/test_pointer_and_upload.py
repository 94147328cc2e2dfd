"""What the reader does with the mouse in the playground, headless: the network picture's
pointer script writes lines to a hidden text field (pointing, leaving, clicking a unit or
a link); the edit row sets the selected weight or bias; the upload control loads a CSV.
The browser test (tests/browser/test_lab.py) checks the script itself in JupyterLab."""

from __future__ import annotations

import datetime
import json
import re

import pytest
import torch
from torch import nn

from widgets import Playground
from widgets.core.layers import register_layer, unregister_layer
from widgets.playground.pictures import POINTER_SCRIPT, class_legend, network_picture
from widgets.playground.settings import PlaygroundSettings
from widgets.playground.training import PlaygroundRun

WHEN = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)


@pytest.fixture
def playground():
    playground = Playground(hidden_sizes=(3, 2))
    yield playground
    playground.close()


def output_image(playground: Playground) -> str:
    return re.search(r'href="(data:image/png;base64,[^"]+)"',
                     playground.views["output"].value).group(1)


def pointer(playground: Playground, line: str) -> None:
    playground.controls["pointer"].value = line


def test_pointing_at_a_unit_shows_it_in_the_big_picture_and_leaving_restores_it(
        playground: Playground) -> None:
    network_output = output_image(playground)
    pointer(playground, "hover 1,2")
    assert playground.pointed == "hidden layer 1, unit 3 (tanh)"
    assert output_image(playground) != network_output
    assert "showing hidden layer 1, unit 3 (tanh)" in playground.views["output"].value
    assert 'stroke-dasharray="3 2"' in playground.views["network"].value  # its ring
    pointer(playground, "hover 0,1")
    assert playground.pointed == "input x2"
    pointer(playground, "leave")
    assert playground.pointed is None and output_image(playground) == network_output
    assert "showing" not in playground.views["output"].value


def test_the_pointed_unit_stays_shown_while_training(playground: Playground) -> None:
    playground.point_at(2, 1)
    playground.step(3)
    assert "showing hidden layer 2, unit 2" in playground.views["output"].value
    playground.hidden_sizes = (3,)  # that unit is gone: the output is shown again
    assert playground.pointed is None


def test_the_unit_shown_is_that_units_output() -> None:
    """The big picture of a hidden unit is its slice of the grid values, coloured."""
    from widgets.playground.pictures import DENSITY, unit_values

    run = PlaygroundRun(PlaygroundSettings(hidden_sizes=(3, 2)))
    output, hidden = run.grid_values(DENSITY)
    assert unit_values(run, (1, 2), DENSITY).equal(hidden[0][2])
    assert unit_values(run, (3, 0), DENSITY).equal(output[0])


def test_clicking_a_link_selects_its_weight_and_the_edit_row_sets_it(
        playground: Playground) -> None:
    pointer(playground, "click link 2,1,0 1700000000000")
    selection = playground.views["selection"].value
    assert "weight from hidden layer 1, unit 1 (tanh) to hidden layer 2, unit 2 (tanh)" in selection
    assert f"{playground.weight(2, 1, 0):.4g}" in selection
    playground.controls["edit_value"].value = -0.75
    playground.controls["set_value"].click()
    assert playground.weight(2, 1, 0) == -0.75
    assert "-0.75" in playground.views["selection"].value
    assert json.loads(playground.to_json())["edits"] == [
        {"epoch": 0, "layer": 2, "row": 1, "column": 0, "value": -0.75}]
    assert "(0, '2.weight', (1, 0), -0.75)," in str(playground.code())


def test_clicking_a_unit_selects_its_bias(playground: Playground) -> None:
    pointer(playground, "click unit 3,0 1")
    assert "bias of the output" in playground.views["selection"].value
    playground.controls["edit_value"].value = 0.5
    playground.controls["set_value"].click()
    assert playground.bias(3, 0) == 0.5


def test_an_input_has_no_bias_and_set_without_a_selection_says_what_to_do(
        playground: Playground) -> None:
    playground.controls["set_value"].click()
    assert "click a hidden unit, the output or a link" in playground.message
    pointer(playground, "click unit 0,1 2")
    assert "input x2: an input has no bias" in playground.views["selection"].value
    assert playground.edits == []


@pytest.mark.parametrize("line", ["hover 9,9", "hover x", "click link 1,9,9 3", "click unit",
                                  "", "hover 1,2,3,4", "click link -1,0,0 5"])
def test_a_line_for_another_network_is_ignored(playground: Playground, line: str) -> None:
    before = playground.views["output"].value, playground.views["selection"].value
    pointer(playground, line)
    assert (playground.views["output"].value, playground.views["selection"].value) == before


def test_the_network_picture_carries_its_geometry_and_the_pointer_script() -> None:
    run = PlaygroundRun(PlaygroundSettings(hidden_sizes=(3,)))
    picture = network_picture(run)
    geo = json.loads(re.search(r'data-geo="([^"]+)"', picture).group(1).replace("&quot;", '"'))
    assert [count for _, _, count in geo["cols"]] == [2, 3, 1]
    assert geo["pitch"] > geo["size"] > 0
    assert 'onmouseover="if (!this.llBound)' in picture
    assert "'.ll-pointer input'" in POINTER_SCRIPT and '"' not in POINTER_SCRIPT


def test_a_csv_upload_loads_the_points_and_a_bad_one_keeps_them(playground: Playground) -> None:
    rows = "".join(f"{x},{-x},{int(x > 0)}\n" for x in (-3, -2, -1.5, -1, 1, 1.5, 2, 3))
    upload = playground.controls["upload"]
    upload.value = ({"name": "mine.csv", "type": "text/csv", "size": 60,
                     "content": memoryview(("x1,x2,label\n" + rows).encode()),
                     "last_modified": WHEN},)
    assert playground.dataset == "own" and len(playground.settings.own_data) == 8
    assert "loaded mine.csv: 8 points" in playground.message
    state = playground.to_json()
    upload.value = ({"name": "bad.csv", "type": "text/csv", "size": 30,
                     "content": memoryview(b"x1,x2,label\n1,2,0\n3,abc,1\n"),
                     "last_modified": WHEN},)
    assert "row 3, column x2" in playground.message
    assert playground.to_json() == state
    upload.value = ({"name": "big.csv", "type": "text/csv", "size": 5_000_000,
                     "content": memoryview(b"x1"), "last_modified": WHEN},)
    assert "5,000,000 bytes" in playground.message and playground.to_json() == state


def test_three_classes_get_a_legend_of_class_colours() -> None:
    run = PlaygroundRun(PlaygroundSettings(dataset="blobs"))
    legend, height = class_legend(run, 0, 0, 300)
    assert legend.count("<rect") == 3 and "class 0" in legend and "class 2" in legend
    assert height == 30  # one row of swatches and the caption
    playground = Playground(dataset="arms", hidden_sizes=(6,))
    svg = playground.views["output"].value
    assert "likeliest class" in svg and "linearGradient" not in svg
    playground.discretize = True
    assert playground.views["output"].value != svg
    playground.close()


def test_a_new_network_forgets_the_selection_and_the_pointed_unit(
        playground: Playground) -> None:
    playground.set_weight(1, 0, 1, 0.5)
    playground.point_at(1, 0)
    assert "weight from" in playground.views["selection"].value
    playground.step(1)  # training keeps both
    assert playground.pointed is not None and "weight from" in playground.views["selection"].value
    playground.hidden_sizes = (3, 2, 2)
    assert playground.pointed is None
    assert "click a unit or a link" in playground.views["selection"].value
    assert 'stroke="#111"' not in playground.views["network"].value  # no ring, no bold link
    playground.select(1, 2)
    assert "bias of hidden layer 1, unit 3" in playground.views["selection"].value
    playground.select(None)
    assert "click a unit or a link" in playground.views["selection"].value


def test_eight_classes_wrap_their_legend_inside_the_picture() -> None:
    X = torch.tensor([[float(i % 8) - 3.5, float(i // 8) - 3] for i in range(56)])
    y = torch.arange(56) % 8 * 1000  # long labels: wide swatches
    playground = Playground(data=(X, y), hidden_sizes=(4,))
    svg = playground.views["output"].value
    width = int(re.search(r'width="(\d+)"', svg).group(1))
    xs = [float(x) for x in re.findall(r'<rect x="([\d.]+)" y="[\d.]+" width="10"', svg)]
    assert len(xs) == 8 and max(xs) + 60 < width  # every swatch and most of its label inside
    assert "class 7000" in svg
    playground.close()


class Gated(nn.Module):
    """A reader's layer with a Linear of its own inside: tanh, gated by a sigmoid."""

    def __init__(self, width: int) -> None:
        super().__init__()
        self.gate = nn.Linear(width, width)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return torch.tanh(X) * torch.sigmoid(self.gate(X))


def test_weights_by_hand_count_only_the_networks_own_linear_layers() -> None:
    register_layer("gated_test", Gated)
    try:
        playground = Playground(hidden_sizes=(3,), activations="gated_test")
        playground.set_weight(2, 0, 2, 0.5)  # the output layer, not the gate inside
        assert playground.weight(2, 0, 2) == 0.5
        with pytest.raises(ValueError, match="layer must be an integer from 1 to 2, got 3"):
            playground.set_weight(3, 0, 0, 1.0)
        assert playground.code().run()["train_loss"] == playground.train_loss
        links = re.findall(r'<path d="([^"]+)"[^>]*stroke-opacity="0.55"',
                           playground.views["network"].value)
        assert "".join(links).count("M") == 2 * 3 + 3 * 1  # the gate's weights are no links
        playground.close()
    finally:
        unregister_layer("gated_test")


def test_load_data_says_what_it_takes_and_why_a_file_failed(tmp_path) -> None:
    playground = Playground()
    before = playground.to_json()
    with pytest.raises(TypeError, match="load_data takes the path of a CSV file, or the points"):
        playground.load_data(torch.zeros(5, 2))
    with pytest.raises(ValueError, match="could not read the CSV file .*missing.csv"):
        playground.load_data(tmp_path / "missing.csv")
    with pytest.raises(ValueError, match="could not read the CSV file"):
        playground.load_data(tmp_path)  # a folder
    assert playground.to_json() == before
    X = torch.tensor([[0.0, 0.0], [1.0, 1.0], [50.0, 0.0], [2.0, 2.0], [3.0, -1.0]])
    playground.load_data(X, torch.tensor([0, 1, 0, 1, 1]))
    assert "1 of your 5 points lie outside the plane shown (-6 to 6" in playground.message
    playground.load_data(X, torch.tensor([0, 1, 0, 1, 1]), task="regression")
    assert playground.settings.task == "regression"
    playground.close()


def test_the_same_file_uploaded_twice_is_read_twice(playground: Playground) -> None:
    upload = playground.controls["upload"]
    content = b"x1,x2,label\n" + b"".join(b"%d,%d,%d\n" % (i, -i, i % 2) for i in range(-4, 5))
    chosen = ({"name": "a.csv", "type": "text/csv", "size": len(content),
               "content": memoryview(content), "last_modified": WHEN},)
    upload.value = chosen
    assert playground.dataset == "own"
    playground.dataset = "xor"
    upload.value = chosen
    assert playground.dataset == "own" and "loaded a.csv" in playground.message


def test_noise_and_point_count_do_nothing_to_your_own_points(playground: Playground) -> None:
    playground.load_data(torch.tensor([[float(i), float(-i)] for i in range(-4, 5)]),
                         torch.arange(9) % 2)
    playground.step(3)
    playground.noise = 20
    playground.num_samples = 300
    assert playground.epoch == 3  # no restart
    assert playground.controls["noise"].disabled and playground.controls["num_samples"].disabled
    playground.dataset = "circle"
    assert not playground.controls["noise"].disabled


def test_pointing_keeps_one_unit_beside_the_plain_grid() -> None:
    run = PlaygroundRun(PlaygroundSettings(hidden_sizes=(8, 8)))
    run.frame_grid(100, 5)
    for layer in (1, 2):
        for unit in range(8):
            found = run.frame_grid(100, 5, (layer, unit))
            assert found.unit.equal(run.grid_values(100)[1][layer - 1][unit])
    assert sum(key[2] is not None for key in run._frame_cache) == 1  # the last unit only


def test_the_same_pointer_line_twice_counts_twice(playground: Playground) -> None:
    pointer(playground, "hover 1,0")
    playground.point_at(None)  # from code, between two identical lines from the picture
    pointer(playground, "hover 1,0")
    assert playground.pointed == "hidden layer 1, unit 1 (tanh)"


def test_the_edit_row_shows_the_exact_value(playground: Playground) -> None:
    playground.set_weight(1, 0, 0, 4.321e-05)
    stored = playground.weight(1, 0, 0)  # as a 32-bit float holds it
    assert playground.controls["edit_value"].value == stored
    playground.controls["set_value"].click()  # set without typing: the weight stays
    assert playground.weight(1, 0, 0) == stored


def test_the_keyboard_selects_with_three_menus(playground: Playground) -> None:
    """Layer, unit and where from: the same selection as a click, no mouse needed."""
    controls = playground.controls
    assert [label for label, _ in controls["pick_layer"].options] == [
        "1: into hidden layer 1", "2: into hidden layer 2", "3: into the output"]
    controls["pick_layer"].value = 2
    controls["pick_unit"].value = 2
    assert "bias of hidden layer 2, unit 2" in playground.views["selection"].value
    controls["pick_from"].value = 2
    assert ("weight from hidden layer 1, unit 3 (tanh) to hidden layer 2, unit 2"
            in playground.views["selection"].value)
    controls["pick_layer"].value = 3  # one output unit and two before it: unit 1, the bias
    assert "bias of the output" in playground.views["selection"].value
    assert (controls["pick_unit"].value, controls["pick_from"].value) == (1, -1)
    pointer(playground, "click link 1,2,1 9")  # a click shows in the menus
    assert (controls["pick_layer"].value, controls["pick_unit"].value,
            controls["pick_from"].value) == (1, 3, 1)
