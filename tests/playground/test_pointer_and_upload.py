"""What the reader does with the mouse in the playground, headless: the network picture's
pointer script writes lines to a hidden text field (pointing, leaving, clicking a unit or
a link); the edit row sets the selected weight or bias; the upload control loads a CSV.
The browser test (tests/browser/test_lab.py) checks the script itself in JupyterLab."""

from __future__ import annotations

import datetime
import json
import re

import pytest

from widgets import Playground
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
    legend = class_legend(run, 0, 0, 300)
    assert legend.count("<rect") == 3 and "class 0" in legend and "class 2" in legend
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
