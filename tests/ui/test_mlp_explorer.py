"""MLPExplorer driven headlessly: set traits, move controls, read what is rendered."""

from __future__ import annotations

import itertools
import random
import re

import pytest
import torch
import traitlets

from widgets import MLPExplorer
from widgets.render.charts import card
from widgets.ui.controls import HiddenLayersControl


def curves(explorer: MLPExplorer) -> list[list[tuple[float, float]]]:
    """The response plot's polylines, as lists of (x, y) pixel positions."""
    found = re.findall(r'<polyline points="([^"]+)"', explorer.views["plot"].value)
    return [[tuple(map(float, p.split(","))) for p in line.split()] for line in found]


def kinks(line: list[tuple[float, float]]) -> int:
    """Abrupt slope changes along a polyline (more than 0.3 px between neighbouring steps)."""
    steps = [b[1] - a[1] for a, b in itertools.pairwise(line)]
    return sum(abs(s1 - s0) > 0.3 for s0, s1 in itertools.pairwise(steps))


def layers(explorer: MLPExplorer) -> HiddenLayersControl:
    """The hidden-layers block (layer count, per-layer widths and menus)."""
    block = explorer.controls["hidden_layers"]
    assert isinstance(block, HiddenLayersControl)
    return block


def visible_rows(explorer: MLPExplorer) -> int:
    return sum(row.layout.display != "none" for row in layers(explorer).rows)


@pytest.fixture
def explorer() -> MLPExplorer:
    return MLPExplorer()


def test_defaults_match_the_chapter(explorer: MLPExplorer) -> None:
    assert explorer.hidden_sizes == (256,) and explorer.activations == ("relu",)
    assert explorer.X.shape == (2, 20) and explorer.output.shape == (2, 10)
    assert explorer.num_parameters == 20 * 256 + 256 + 256 * 10 + 10 == 7946
    assert "Linear(in_features=20, out_features=256, bias=True)" in explorer.views["module"].value
    assert "7,946" in explorer.views["parameters"].value
    assert explorer.views["outputs"].value.count("<tr>") == 3  # header + one row per sample
    assert len(curves(explorer)) == 10
    assert explorer.render_count == 1


def test_output_is_net_of_x(explorer: MLPExplorer) -> None:
    assert torch.allclose(explorer.net(explorer.X), explorer.output)
    explorer.X.zero_()  # a copy: the explorer's batch is untouched
    assert explorer.X.abs().sum() > 0


def test_activation_change_redraws_plot_from_kinks_to_smooth() -> None:
    explorer = MLPExplorer(hidden_sizes=(6,))
    relu_curves = curves(explorer)
    relu_output = explorer.output
    explorer.activations = "tanh"
    tanh_curves = curves(explorer)
    assert tanh_curves != relu_curves
    assert not torch.equal(explorer.output, relu_output)
    # ReLU: straight segments meeting at kinks. tanh: smooth, no kink anywhere.
    assert sum(kinks(c) for c in relu_curves) >= 5
    assert sum(kinks(c) for c in tanh_curves) == 0
    assert "Tanh()" in explorer.views["module"].value
    assert layers(explorer).choices[0].value == "tanh"


def test_width_change_updates_counts_and_view(explorer: MLPExplorer) -> None:
    explorer.hidden_sizes = (8, 4)
    assert explorer.activations == ("relu", "relu")  # grown with the last activation
    assert explorer.num_parameters == 20 * 8 + 8 + 8 * 4 + 4 + 4 * 10 + 10
    assert ">254<" in explorer.views["parameters"].value
    assert visible_rows(explorer) == 2
    assert [w.value for w in layers(explorer).widths[:2]] == [8, 4]
    assert layers(explorer).count.value == 2


def test_zero_hidden_layers(explorer: MLPExplorer) -> None:
    explorer.hidden_sizes = ()
    assert explorer.activations == ()
    assert explorer.num_parameters == 210 and visible_rows(explorer) == 0


def test_controls_drive_the_state(explorer: MLPExplorer) -> None:
    layers(explorer).count.value = 3
    assert explorer.hidden_sizes == (256, 256, 256)
    layers(explorer).widths[1].value = 16
    layers(explorer).choices[2].value = "gelu"
    explorer.controls["seed"].value = 9
    assert explorer.hidden_sizes == (256, 16, 256)
    assert explorer.activations == ("relu", "relu", "gelu")
    assert explorer.seed == 9
    layers(explorer).count.value = 1
    assert explorer.hidden_sizes == (256,) and visible_rows(explorer) == 1
    assert explorer.message == ""


@pytest.mark.parametrize(
    ("control", "value", "expected"),
    [
        ("width", 0, "layer 1 width must be an integer from 1 to 4096, got 0"),
        ("width", -5, "got -5"),
        ("width", 100000, "got 100000"),
        ("seed", -1, "seed must be an integer from 0 to 4294967295, got -1"),
    ],
)
def test_bad_ui_value_shows_message_and_keeps_state(
        explorer: MLPExplorer, control: str, value: int, expected: str) -> None:
    before = (explorer.hidden_sizes, explorer.seed, explorer.views["plot"].value)
    widget = layers(explorer).widths[0] if control == "width" else explorer.controls["seed"]
    widget.value = value
    assert expected in explorer.message and "kept the last valid setting" in explorer.message
    assert expected in explorer.views["message"].value
    assert (explorer.hidden_sizes, explorer.seed, explorer.views["plot"].value) == before
    assert widget.value == (256 if control == "width" else 0)  # the control is put back
    layers(explorer).widths[0].value = 12  # the next good value clears the message
    assert explorer.message == "" and explorer.hidden_sizes == (12,)


@pytest.mark.parametrize(
    ("trait", "value", "error", "message"),
    [
        ("hidden_sizes", (0,), ValueError, r"hidden_sizes\[0\] must be an integer from 1 to 4096"),
        ("hidden_sizes", (-4,), ValueError, r"got -4"),
        ("hidden_sizes", (4097,), ValueError, r"got 4097"),
        ("hidden_sizes", (2**40,), ValueError, r"got 1099511627776"),
        ("hidden_sizes", (12.0,), TypeError, r"got 12.0 \(float\)"),
        ("hidden_sizes", (False,), TypeError, r"got False \(bool\)"),
        ("hidden_sizes", None, TypeError, r"hidden_sizes must be a tuple"),
        ("hidden_sizes", 256, TypeError, r"hidden_sizes must be a tuple"),
        ("hidden_sizes", (8,) * 9, ValueError, r"hidden_sizes must have 0 to 8 entries"),
        ("activations", "swish", ValueError, r"activations must be one of relu, sigmoid"),
        ("activations", ("relu", "tanh"), ValueError,
         r"one name per hidden layer \(1\).*configure"),
        ("activations", None, TypeError, r"activations must be one activation name"),
        ("activations", (3,), TypeError, r"activations\[0\] must be one of"),
        ("seed", -1, ValueError, r"seed must be an integer from 0"),
        ("seed", 0.5, TypeError, r"seed must be an integer"),
        ("seed", None, TypeError, r"seed must be an integer"),
        ("seed", True, TypeError, r"got True \(bool\)"),
    ],
)
def test_bad_code_value_raises_and_keeps_state(
        explorer: MLPExplorer, trait: str, value: object, error: type, message: str) -> None:
    before = (explorer.hidden_sizes, explorer.activations, explorer.seed, explorer.render_count,
              explorer.views["plot"].value)
    with pytest.raises(error, match=message) as info:
        setattr(explorer, trait, value)
    assert isinstance(info.value, traitlets.TraitError)
    assert (explorer.hidden_sizes, explorer.activations, explorer.seed, explorer.render_count,
            explorer.views["plot"].value) == before


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"hidden_sizes": (0,)}, ValueError, r"hidden_sizes\[0\]"),
        ({"activations": "nope"}, ValueError, r"activations must be one of"),
        ({"hidden_sizes": (4,), "activations": ("relu", "relu")}, ValueError, "one name per"),
        ({"in_features": 0}, ValueError, r"in_features must be an integer from 1 to 4096"),
        ({"out_features": 5000}, ValueError, r"out_features must be an integer from 1 to 4096"),
        ({"in_features": 2.5}, TypeError, r"in_features must be an integer"),
        ({"seed": None}, TypeError, r"seed must be an integer"),
        ({"X": torch.rand(2, 3)}, ValueError, r"X must have shape \(batch, 20\).*got \(2, 3\)"),
        ({"X": torch.rand(20)}, ValueError, r"X must have shape \(batch, 20\)"),
        ({"X": [[0.0] * 20]}, TypeError, r"X must be a torch.Tensor"),
    ],
)
def test_constructor_rejects_bad_values(kwargs: dict, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        MLPExplorer(**kwargs)


def test_net_is_a_copy_the_reader_may_change() -> None:
    explorer = MLPExplorer(hidden_sizes=(4,))
    net = explorer.net
    with torch.no_grad():
        net[0].weight.fill_(3.0)
    assert torch.allclose(explorer.net(explorer.X), explorer.output)
    assert not torch.allclose(net(explorer.X), explorer.output)


def test_double_precision_input_is_accepted() -> None:
    explorer = MLPExplorer(hidden_sizes=(4,), X=torch.rand(3, 20, dtype=torch.float64))
    assert explorer.X.dtype == torch.float32 and explorer.output.shape == (3, 10)


def test_configure_errors_do_not_suggest_configure(explorer: MLPExplorer) -> None:
    with pytest.raises(ValueError) as info:
        explorer.configure(activations=("relu", "tanh"))
    assert "configure" not in str(info.value)


def test_custom_input_batch_of_one_row() -> None:
    explorer = MLPExplorer(in_features=3, hidden_sizes=(5,), out_features=2,
                           X=torch.ones(1, 3))
    assert explorer.output.shape == (1, 2) and len(curves(explorer)) == 2


def test_many_outputs_show_the_first_ten() -> None:
    explorer = MLPExplorer(hidden_sizes=(4,), out_features=30)
    assert len(curves(explorer)) == 10 and "first 10 of 30" in explorer.views["plot"].value


def test_configure_is_atomic(explorer: MLPExplorer) -> None:
    with pytest.raises(ValueError, match="activations"):
        explorer.configure(hidden_sizes=(4, 4), activations=("relu", "bogus"))
    assert explorer.hidden_sizes == (256,) and explorer.activations == ("relu",)
    with pytest.raises(ValueError, match="one name per hidden layer"):
        explorer.configure(hidden_sizes=(4, 4), activations=("relu", "tanh", "elu"))
    assert explorer.hidden_sizes == (256,)
    with pytest.raises(TypeError, match="configure\\(\\) takes .* not colour"):
        explorer.configure(colour="red")


def test_read_only_traits(explorer: MLPExplorer) -> None:
    with pytest.raises(traitlets.TraitError, match="read-only"):
        explorer.in_features = 3


def test_bursts_render_once(explorer: MLPExplorer) -> None:
    start = explorer.render_count
    with explorer.batch():
        explorer.hidden_sizes = (8,)
        explorer.activations = "tanh"
        explorer.seed = 3
        explorer.hidden_sizes = (8, 8, 8)
    assert explorer.render_count == start + 1
    assert explorer.activations == ("tanh", "tanh", "tanh")
    explorer.configure(hidden_sizes=(4,), activations="elu", seed=1)
    assert explorer.render_count == start + 2
    explorer.hidden_sizes = (4, 4)  # also resizes activations: still one render
    assert explorer.render_count == start + 3


def test_batch_rolls_back_on_error(explorer: MLPExplorer) -> None:
    start = explorer.render_count
    with pytest.raises(ValueError), explorer.batch():
        explorer.seed = 5
        explorer.activations = ("relu", "relu")  # wrong length, found when the batch ends
    assert explorer.seed == 0 and explorer.activations == ("relu",)
    assert explorer.render_count == start


def test_view_always_matches_state_after_random_changes() -> None:
    rng = random.Random(0)
    explorer = MLPExplorer(hidden_sizes=(8,))
    for _ in range(40):
        move = rng.choice(["layers", "width", "act", "seed", "code"])
        block = layers(explorer)
        count = block.count.value
        if move == "layers":
            block.count.value = rng.randint(0, 4)
        elif move == "width" and count:
            block.widths[rng.randrange(count)].value = rng.choice([0, 1, 3, 16, 5000])
        elif move == "act" and count:
            block.choices[rng.randrange(count)].value = rng.choice(["relu", "tanh", "elu"])
        elif move == "seed":
            explorer.controls["seed"].value = rng.choice([-1, 0, 1, 2])
        else:
            explorer.configure(hidden_sizes=(rng.randint(1, 9),), activations="sigmoid")
    fresh = MLPExplorer(hidden_sizes=explorer.hidden_sizes, activations=explorer.activations,
                        seed=explorer.seed)
    for name in ("plot", "module", "parameters", "outputs"):
        assert explorer.views[name].value == fresh.views[name].value
    assert [w.value for w in layers(explorer).widths[:len(explorer.hidden_sizes)]] == list(
        explorer.hidden_sizes)


def test_same_state_same_numbers_and_pictures() -> None:
    a = MLPExplorer(hidden_sizes=(32, 16), activations=("gelu", "silu"), seed=7)
    b = MLPExplorer(hidden_sizes=(32, 16), activations=("gelu", "silu"), seed=7)
    assert torch.equal(a.output, b.output) and a.views["plot"].value == b.views["plot"].value


def test_repr_is_short_and_states_the_state(explorer: MLPExplorer) -> None:
    assert repr(explorer) == ("MLPExplorer(in_features=20, hidden_sizes=(256,), "
                              "activations=('relu',), out_features=10, seed=0)")


def test_no_pyplot_figures_are_created() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    explorer = MLPExplorer()
    for name in ("tanh", "relu", "elu"):
        explorer.activations = name
    assert plt.get_fignums() == before


def test_snapshot_keeps_the_picture_of_its_moment(explorer: MLPExplorer) -> None:
    relu = explorer.snapshot()
    explorer.activations = "tanh"
    tanh = explorer.snapshot()
    assert relu._repr_svg_() != tanh._repr_svg_() == card(explorer.views["plot"].value)
    assert 'fill="#ffffff"' in tanh._repr_svg_()  # a light card: it reads in a dark theme too
    assert repr(tanh) == f"snapshot of {explorer!r}"


def test_errors_while_drawing_are_shown_not_swallowed(explorer: MLPExplorer,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_chart(*args: object, **kwargs: object) -> str:
        raise RuntimeError("no ink")

    monkeypatch.setattr("widgets.ui.mlp_explorer.line_chart", broken_chart)
    with pytest.raises(RuntimeError, match="no ink"):  # from code: raised
        explorer.activations = "elu"
    assert explorer.message == "Could not draw the view: RuntimeError: no ink"
    layers(explorer).choices[0].value = "gelu"  # from the UI: shown in the widget, not raised
    assert explorer.message == "RuntimeError: no ink"


def test_close_closes_every_widget_inside_and_keeps_answering() -> None:
    explorer = MLPExplorer(hidden_sizes=(8, 8))
    block = layers(explorer)
    inside = [explorer.views["plot"], block.widths[0], block.choices[7], block.rows[3],
              block.widths[0].layout, explorer.controls["seed"].style]
    assert all(w.comm is not None for w in inside)
    explorer.close()
    assert explorer.comm is None and all(w.comm is None for w in inside)
    explorer.hidden_sizes = (4,)  # still usable from code
    assert explorer.num_parameters == 20 * 4 + 4 + 4 * 10 + 10


# -- weights given with load_state_dict ------------------------------------------------


def test_output_is_exactly_net_of_x() -> None:
    explorer = MLPExplorer(hidden_sizes=(64, 32), activations=("tanh", "relu"), seed=2)
    with torch.no_grad():
        assert torch.equal(explorer.output, explorer.net(explorer.X))


def test_load_state_dict_computes_with_the_given_tensors() -> None:
    explorer = MLPExplorer(hidden_sizes=(8,), seed=1)
    net = explorer.net
    with torch.no_grad():
        net[0].weight.mul_(2.0)
    explorer.load_state_dict(net.state_dict())
    assert explorer.loaded_from == "a state_dict"
    assert "weights: loaded from a state_dict" in explorer.views["header"].value
    with torch.no_grad():
        assert torch.equal(explorer.output, net(explorer.X))
        net[0].weight.zero_()  # the explorer holds copies
        assert not torch.equal(explorer.output, net(explorer.X))
    assert explorer.render_count == 2


def test_load_state_dict_names_the_first_tensor_that_does_not_fit() -> None:
    explorer = MLPExplorer(hidden_sizes=(8,))
    before = explorer.output
    cases = [
        (MLPExplorer(hidden_sizes=(4,)).net.state_dict(),
         r"state_dict does not fit the explorer's network: 0\.weight has shape \(4, 20\), "
         r"the network needs \(8, 20\)"),
        ({"0.weight": torch.zeros(8, 20)}, "it lacks 0.bias, 2.weight, 2.bias"),
        ({**explorer.net.state_dict(), "0.bias": torch.zeros(8, dtype=torch.float64)},
         r"0\.bias has dtype torch\.float64, the network needs torch\.float32"),
        ({**explorer.net.state_dict(), "0.bias": 1.0}, r"state_dict\['0\.bias'\] must be a tensor"),
        ([torch.zeros(1)], "state_dict must be a dict from parameter names to tensors"),
        (explorer.net.to("meta").state_dict(), r"0\.weight is on the meta device"),
    ]
    for state, message in cases:
        with pytest.raises(ValueError, match=message):
            explorer.load_state_dict(state)  # type: ignore[arg-type]
        assert explorer.loaded_from is None and torch.equal(explorer.output, before)


def test_load_state_dict_that_cannot_be_drawn_changes_nothing(
        monkeypatch: pytest.MonkeyPatch) -> None:
    explorer = MLPExplorer(hidden_sizes=(8,))
    before = explorer.output

    def broken_chart(*args: object, **kwargs: object) -> str:
        raise RuntimeError("no ink")

    monkeypatch.setattr("widgets.ui.mlp_explorer.line_chart", broken_chart)
    net = explorer.net
    with torch.no_grad():
        net[0].bias.fill_(1.0)
    with pytest.raises(RuntimeError, match="no ink"):
        explorer.load_state_dict(net.state_dict(), source="x.pt")
    assert explorer.loaded_from is None and torch.equal(explorer.output, before)
