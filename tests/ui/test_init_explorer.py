"""InitExplorer driven headlessly: set traits, move controls, read what is rendered."""

from __future__ import annotations

import math
import random
import re
from typing import ClassVar

import pytest
import torch
import traitlets

from widgets import InitExplorer
from widgets.core import init
from widgets.core.init import InitSpec, InitStack, InitStats, compute_stats
from widgets.core.init import stack as init_stats
from widgets.ui import init_explorer

SMALL = {"depth": 12, "width": 32, "batch_size": 64}
VIEWS = ("verdict", "std_chart", "mean_chart", "histograms", "table", "scheme_note",
         "mixed_note")


def polylines(svg: str) -> int:
    return len(re.findall(r"<polyline ", svg))


def view(explorer: InitExplorer) -> tuple[str, ...]:
    return tuple(explorer.views[name].value for name in VIEWS)


def state(explorer: InitExplorer) -> tuple:
    return (explorer.depth, explorer.width, explorer.schemes, explorer.scales,
            explorer.activation, explorer.batch_size, explorer.seed, explorer.selected_layer)


@pytest.fixture
def explorer() -> InitExplorer:
    return InitExplorer(**SMALL)


def test_defaults_are_the_chapters_stack() -> None:
    explorer = InitExplorer()
    assert (explorer.depth, explorer.width, explorer.batch_size) == (50, 256, 512)
    assert explorer.schemes == ("default",) * 50 and explorer.scales == (1.0,) * 50
    assert explorer.activation == "tanh" and explorer.selected_layer == 1
    assert explorer.stats == compute_stats(InitSpec(), explorer.histogram_layers)
    assert explorer.render_count == 1
    assert polylines(explorer.views["std_chart"].value) == 2  # outputs and gradients
    assert explorer.views["histograms"].value.count("<svg") == 3  # layers 1, 25 and 50
    assert explorer.views["table"].value.count("<tr>") == 4
    assert ("gradient vanishes: std at layer 1 is 2e-12 of layer 50"
            in explorer.views["verdict"].value)


def test_stats_follow_the_state(explorer: InitExplorer) -> None:
    explorer.configure(schemes="xavier_normal", activation="tanh")
    spec = InitSpec(**SMALL, schemes="xavier_normal", activation="tanh")
    assert explorer.spec == spec and explorer.stats == compute_stats(spec, (1, 6, 12))
    assert explorer.verdict == explorer.stats.verdict
    assert explorer.X.shape == (64, 32)


def test_scheme_change_redraws_the_charts(explorer: InitExplorer) -> None:
    before = view(explorer)
    explorer.schemes = "normal"
    assert explorer.schemes == ("normal",) * 12
    after = view(explorer)
    assert after[0] != before[0] and after[1] != before[1]
    assert explorer.controls["schemes"].value == "normal"
    assert explorer.controls["layer_scheme"].value == "normal"
    assert "N(0, scale²)" in explorer.views["scheme_note"].value


def test_net_is_a_copy_that_computes_what_the_charts_show(explorer: InitExplorer) -> None:
    explorer.configure(schemes="kaiming_normal", activation="relu")
    net = explorer.net
    with torch.no_grad():
        top = net(explorer.X)
    assert top.double().std().item() == pytest.approx(explorer.stats.activation_std[-1],
                                                      rel=1e-4)
    with torch.no_grad():
        net[0].weight.fill_(0.0)
    assert explorer.net[0].weight.abs().sum() > 0


def test_set_layer_changes_one_layer_and_selects_it(explorer: InitExplorer) -> None:
    explorer.set_layer(5, scheme="zeros")
    assert explorer.schemes[4] == "zeros" and explorer.schemes.count("zeros") == 1
    assert explorer.selected_layer == 5 and explorer.controls["selected_layer"].value == 5
    assert explorer.controls["layer_scheme"].value == "zeros"
    assert explorer.controls["schemes"].value is None
    assert "layers differ in schemes" in explorer.views["mixed_note"].value
    assert explorer.views["histograms"].value.count("<svg") == 4 and "layer 5 (selected)" in \
        explorer.views["histograms"].value
    explorer.set_layer(7, scale=2.5)
    assert explorer.scales[6] == 2.5 and explorer.selected_layer == 7
    assert "layers differ in schemes and scales" in explorer.views["mixed_note"].value
    explorer.schemes = "uniform"  # the all-layers choice overrides every layer again
    assert explorer.controls["schemes"].value == "uniform"
    assert "schemes" not in explorer.views["mixed_note"].value


def test_depth_change_fits_the_per_layer_settings(explorer: InitExplorer) -> None:
    explorer.set_layer(12, scheme="normal", scale=0.5)
    explorer.depth = 15  # new layers repeat the top layer's setting
    assert explorer.schemes[-4:] == ("normal",) * 4 and explorer.scales[-3:] == (0.5,) * 3
    explorer.depth = 4
    assert len(explorer.schemes) == len(explorer.scales) == 4
    assert explorer.selected_layer == 4 and explorer.controls["selected_layer"].max == 4
    assert explorer.controls["selected_layer"].value == 4
    assert len(explorer.stats.activation_std) == 4


def test_controls_drive_the_state(explorer: InitExplorer) -> None:
    explorer.controls["depth"].value = 20
    explorer.controls["width"].value = 16
    explorer.controls["batch_size"].value = 8
    explorer.controls["seed"].value = 3
    explorer.controls["activation"].value = "relu"
    explorer.controls["schemes"].value = "kaiming_uniform"
    explorer.controls["scales"].value = 0.5
    explorer.controls["selected_layer"].value = 9
    explorer.controls["layer_scheme"].value = "constant"
    explorer.controls["layer_scale"].value = 0.25
    assert state(explorer) == (20, 16, ("kaiming_uniform",) * 8 + ("constant",)
                               + ("kaiming_uniform",) * 11, (0.5,) * 8 + (0.25,) + (0.5,) * 11,
                               "relu", 8, 3, 9)
    assert explorer.message == ""
    assert explorer.stats.spec == explorer.spec


@pytest.mark.parametrize(("control", "value", "expected"), [
    ("width", 0, "width must be an integer from 1 to 1024, got 0"),
    ("width", -7, "got -7"),
    ("width", 5000, "got 5000"),
    ("batch_size", 0, "batch must be an integer from 1 to 1024, got 0"),
    ("batch_size", 4096, "got 4096"),
    ("seed", -1, "seed must be an integer from 0 to 4294967295, got -1"),
    ("scales", -1.0, "scale must be a number from 0 to 100, got -1.0"),
    ("scales", 250.0, "got 250.0"),
    ("scales", math.nan, "got nan"),
    ("layer_scale", -0.5, "layer 1 scale must be a number from 0 to 100, got -0.5"),
])
def test_bad_ui_value_shows_a_message_and_restores_the_control(
        explorer: InitExplorer, control: str, value: object, expected: str) -> None:
    before_state, before_view = state(explorer), view(explorer)
    before_value = explorer.controls[control].value
    renders = explorer.render_count
    explorer.controls[control].value = value
    assert expected in explorer.message and "kept the last valid setting" in explorer.message
    assert expected in explorer.views["message"].value
    assert explorer.controls[control].value == before_value  # the control is put back
    assert state(explorer) == before_state and view(explorer) == before_view
    assert explorer.render_count == renders
    explorer.controls["schemes"].value = "xavier_uniform"  # the next good value clears the message
    assert explorer.message == "" and explorer.schemes[0] == "xavier_uniform"


@pytest.mark.parametrize(("trait", "value", "error", "message"), [
    ("depth", 0, ValueError, r"depth must be an integer from 1 to 50, got 0"),
    ("depth", -2, ValueError, r"got -2"),
    ("depth", 51, ValueError, r"got 51"),
    ("depth", 10**12, ValueError, r"got 1000000000000"),
    ("depth", 2.5, TypeError, r"depth must be an integer .* got 2.5 \(float\)"),
    ("depth", 3.0, TypeError, r"got 3.0 \(float\)"),
    ("depth", True, TypeError, r"got True \(bool\)"),
    ("depth", None, TypeError, r"depth must be an integer"),
    ("width", 0, ValueError, r"width must be an integer from 1 to 1024, got 0"),
    ("width", 1025, ValueError, r"got 1025"),
    ("width", 64.0, TypeError, r"width must be an integer"),
    ("width", False, TypeError, r"got False \(bool\)"),
    ("batch_size", 0, ValueError, r"batch_size must be an integer from 1 to 1024, got 0"),
    ("batch_size", None, TypeError, r"batch_size must be an integer"),
    ("seed", -1, ValueError, r"seed must be an integer from 0 to 4294967295, got -1"),
    ("seed", 0.5, TypeError, r"seed must be an integer"),
    ("schemes", "bogus", ValueError, r"schemes must be one of default, normal, uniform"),
    ("schemes", None, TypeError, r"schemes must be one scheme name or a tuple of names"),
    ("schemes", 7, TypeError, r"schemes must be one scheme name"),
    ("schemes", ("normal",) * 3, ValueError,
     r"schemes must have one name per layer \(12\), got 3. To change both, call "
     r"configure\(depth=..., schemes=...\)"),
    ("schemes", ("normal",) * 11 + ("nope",), ValueError, r"schemes\[11\] must be one of"),
    ("schemes", (1,) * 12, TypeError, r"schemes\[0\] must be one of"),
    ("scales", -1, ValueError, r"^scales must be a number from 0 to 100, got -1$"),
    ("scales", 101, ValueError, r"got 101"),
    ("scales", math.inf, ValueError, r"got inf"),
    ("scales", math.nan, ValueError, r"got nan"),
    ("scales", True, TypeError, r"got True \(bool\)"),
    ("scales", None, TypeError, r"scales must be a number from 0 to 100 or a tuple"),
    ("scales", "1", TypeError, r"scales must be a number"),
    ("scales", (1, 1, 1, -1) + (1,) * 8, ValueError,
     r"^scales\[3\] must be a number from 0 to 100, got -1$"),
    ("scales", (0.5,) * 5, ValueError,
     r"scales must have one value per layer \(12\), got 5. .*configure\(depth=..., scales=...\)"),
    ("activation", "swish", ValueError, r"activation must be one of relu, sigmoid, tanh"),
    ("activation", None, TypeError, r"activation must be one of"),
    ("selected_layer", 0, ValueError, r"selected_layer must be an integer from 1 to 12, got 0"),
    ("selected_layer", 13, ValueError, r"selected_layer must be an integer from 1 to 12"),
    ("selected_layer", 51, ValueError, r"selected_layer must be an integer from 1 to 12, got 51"),
    ("selected_layer", 2.0, TypeError, r"selected_layer must be an integer"),
])
def test_bad_code_value_raises_and_keeps_state(
        explorer: InitExplorer, trait: str, value: object, error: type, message: str) -> None:
    before = (state(explorer), view(explorer), explorer.render_count)
    with pytest.raises(error, match=message) as info:
        setattr(explorer, trait, value)
    assert isinstance(info.value, traitlets.TraitError)
    assert (state(explorer), view(explorer), explorer.render_count) == before


@pytest.mark.parametrize(("args", "kwargs", "error", "message"), [
    ((0,), {"scheme": "zeros"}, ValueError, r"layer must be an integer from 1 to 12, got 0"),
    ((13,), {"scale": 1.0}, ValueError, r"layer must be an integer from 1 to 12, got 13"),
    ((1.0,), {"scale": 1.0}, TypeError, r"layer must be an integer"),
    ((3,), {"scheme": "bogus"}, ValueError, r"schemes\[2\] must be one of default"),
    ((3,), {"scale": -1}, ValueError, r"scales\[2\] must be a number from 0 to 100, got -1"),
    ((3,), {"scheme": "zeros", "scale": None}, None, ""),
])
def test_set_layer_checks_its_arguments(explorer: InitExplorer, args: tuple, kwargs: dict,
                                        error: type | None, message: str) -> None:
    before = state(explorer)
    if error is None:
        explorer.set_layer(*args, **kwargs)
        assert explorer.schemes[2] == "zeros" and explorer.scales == before[3]
        return
    with pytest.raises(error, match=message):
        explorer.set_layer(*args, **kwargs)
    assert state(explorer) == before


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    ({"depth": 0}, ValueError, r"depth must be an integer from 1 to 50"),
    ({"width": 2048}, ValueError, r"width must be an integer from 1 to 1024"),
    ({"schemes": "he"}, ValueError, r"schemes must be one of"),
    ({"depth": 3, "scales": (1.0, 2.0)}, ValueError, r"one value per layer \(3\), got 2"),
    ({"activation": 3}, TypeError, r"activation must be one of"),
    ({"batch_size": 1.5}, TypeError, r"batch_size must be an integer"),
    ({"seed": None}, TypeError, r"seed must be an integer"),
])
def test_constructor_rejects_bad_values(kwargs: dict, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        InitExplorer(**kwargs)


def test_configure_is_atomic(explorer: InitExplorer) -> None:
    before = state(explorer)
    with pytest.raises(ValueError, match=r"scales\[1\]"):
        explorer.configure(depth=3, schemes="normal", scales=(1.0, -2.0, 1.0))
    assert state(explorer) == before
    with pytest.raises(ValueError, match="one name per layer"):
        explorer.configure(depth=3, schemes=("normal",) * 4)
    assert state(explorer) == before
    with pytest.raises(ValueError, match="selected_layer must be an integer from 1 to 3"):
        explorer.configure(depth=3, selected_layer=5)
    assert state(explorer) == before
    with pytest.raises(TypeError, match=r"configure\(\) takes depth, .* not colour"):
        explorer.configure(colour="red")
    explorer.configure(depth=3, schemes=("normal", "zeros", "normal"), selected_layer=2)
    assert explorer.schemes == ("normal", "zeros", "normal") and explorer.selected_layer == 2


def test_configure_errors_do_not_suggest_configure(explorer: InitExplorer) -> None:
    with pytest.raises(ValueError) as info:
        explorer.configure(schemes=("normal",) * 3)
    assert "configure" not in str(info.value)


def test_bursts_render_once(explorer: InitExplorer) -> None:
    start = explorer.render_count
    with explorer.batch():
        explorer.schemes = "normal"
        explorer.scales = 0.1
        explorer.activation = "relu"
        explorer.depth = 20
        explorer.selected_layer = 17
    assert explorer.render_count == start + 1
    assert explorer.schemes == ("normal",) * 20 and explorer.selected_layer == 17
    explorer.configure(depth=5, schemes="zeros", scales=2.0)
    assert explorer.render_count == start + 2
    explorer.depth = 7  # also grows the per-layer tuples: still one render
    assert explorer.render_count == start + 3
    explorer.set_layer(2, scheme="normal", scale=0.3)
    assert explorer.render_count == start + 4


def test_batch_rolls_back_on_error(explorer: InitExplorer) -> None:
    start = explorer.render_count
    with pytest.raises(ValueError), explorer.batch():
        explorer.seed = 5
        explorer.schemes = ("normal", "zeros")  # wrong length, found when the batch ends
    assert explorer.seed == 0 and explorer.schemes == ("default",) * 12
    assert explorer.render_count == start


def test_nan_and_inf_are_shown_not_crashed_on() -> None:
    explorer = InitExplorer(depth=50, width=256, batch_size=64, schemes="normal",
                            activation="relu")
    assert explorer.verdict.startswith("signal overflows")
    assert "nan" in explorer.views["table"].value or "inf" in explorer.views["table"].value
    assert "(0, inf and NaN not drawn)" in explorer.views["std_chart"].value
    assert "inf/NaN left out" in explorer.views["histograms"].value
    explorer.schemes = "kaiming_normal"  # and it recovers
    assert explorer.verdict.startswith("signal steady")
    assert "not drawn" not in explorer.views["std_chart"].value


def test_log_chart_shows_vanishing_as_many_decades() -> None:
    explorer = InitExplorer(batch_size=64, schemes="normal", scales=0.01)
    ticks = re.findall(r'text-anchor="end">(1e[+-]\d\d)</text>', explorer.views["std_chart"].value)
    assert len(ticks) >= 4 and "vanishes" in explorer.verdict
    # tiny outputs are drawn in units of a power of ten, so their ticks differ
    assert "output value (× 1e-39)" in explorer.views["histograms"].value
    last = explorer.views["histograms"].value.split("<svg")[-1]
    labels = re.findall(r'text-anchor="middle">([^<]+)</text>', last)[:-2]  # not the titles
    assert len(set(labels)) == len(labels) > 1


def test_view_matches_state_after_random_changes() -> None:
    rng = random.Random(0)
    explorer = InitExplorer(depth=8, width=16, batch_size=16)
    moves = {
        "depth": lambda: setattr(explorer.controls["depth"], "value", rng.randint(1, 12)),
        "width": lambda: setattr(explorer.controls["width"], "value", rng.choice([0, 4, 16, 2000])),
        "scheme": lambda: setattr(explorer.controls["schemes"], "value",
                                  rng.choice(["normal", "xavier_normal", "zeros"])),
        "scale": lambda: setattr(explorer.controls["scales"], "value",
                                 rng.choice([-1.0, 0.1, 1.0])),
        "act": lambda: setattr(explorer.controls["activation"], "value",
                               rng.choice(["relu", "tanh", "gelu"])),
        "layer": lambda: setattr(explorer.controls["selected_layer"], "value",
                                 rng.randint(1, explorer.depth)),
        "layer scheme": lambda: setattr(explorer.controls["layer_scheme"], "value",
                                        rng.choice(["uniform", "kaiming_normal"])),
        "layer scale": lambda: setattr(explorer.controls["layer_scale"], "value",
                                       rng.choice([0.5, 2.0, -3.0])),
        "code": lambda: explorer.configure(depth=rng.randint(1, 9), schemes="default"),
    }
    for _ in range(60):
        moves[rng.choice(list(moves))]()
    fresh = InitExplorer(depth=explorer.depth, width=explorer.width, schemes=explorer.schemes,
                         scales=explorer.scales, activation=explorer.activation,
                         batch_size=explorer.batch_size, seed=explorer.seed)
    fresh.selected_layer = explorer.selected_layer
    assert view(explorer) == view(fresh)
    assert explorer.controls["selected_layer"].value == explorer.selected_layer
    assert explorer.controls["depth"].value == explorer.depth


def test_same_state_same_numbers_and_pictures() -> None:
    a = InitExplorer(**SMALL, schemes="xavier_uniform", seed=9)
    b = InitExplorer(**SMALL, schemes="xavier_uniform", seed=9)
    assert a.stats == b.stats and view(a) == view(b)


def test_read_only_results(explorer: InitExplorer) -> None:
    with pytest.raises(AttributeError):
        explorer.stats = None  # type: ignore[misc]
    with pytest.raises(AttributeError):
        explorer.net = None  # type: ignore[misc]


def test_repr_is_compact(explorer: InitExplorer) -> None:
    assert repr(explorer) == ("InitExplorer(depth=12, width=32, schemes='default', scales=1.0, "
                              "activation='tanh', batch_size=64, seed=0)")
    explorer.set_layer(2, scheme="zeros")
    assert "schemes=('default', 'zeros', 'default'," in repr(explorer)


def test_snapshot_keeps_the_picture_and_says_the_verdict(explorer: InitExplorer) -> None:
    first = explorer.snapshot()
    explorer.schemes = "xavier_normal"
    second = explorer.snapshot()
    assert repr(second) == explorer.verdict != repr(first)
    assert second._repr_html_().count("<svg") == 2 and first._repr_html_() != second._repr_html_()
    assert explorer.views["std_chart"].value in second._repr_html_()


def test_no_pyplot_figures_are_created() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    explorer = InitExplorer(**SMALL)
    explorer.schemes = "normal"
    assert plt.get_fignums() == before


def test_errors_while_drawing_are_shown_not_swallowed(explorer: InitExplorer,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_chart(*args: object, **kwargs: object) -> str:
        raise RuntimeError("no ink")

    monkeypatch.setattr("widgets.ui.init_explorer.line_chart", broken_chart)
    with pytest.raises(RuntimeError, match="no ink"):
        explorer.schemes = "normal"
    assert explorer.message == "Could not draw the view: RuntimeError: no ink"


class CountingStack(InitStack):
    """An InitStack that adds up the layers its ``statistics`` calls ran forward."""

    made: ClassVar[list[CountingStack]] = []

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.forward_runs = 0
        CountingStack.made.append(self)

    def statistics(self, *args: object, **kwargs: object) -> InitStats:
        stats = super().statistics(*args, **kwargs)
        self.forward_runs += self.layers_computed
        return stats


def test_only_the_changed_layers_run_forward(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(CountingStack, "made", [])
    monkeypatch.setattr(init_stats, "InitStack", CountingStack)
    monkeypatch.setattr(init, "InitStack", CountingStack)
    monkeypatch.setattr(init_explorer, "InitStack", CountingStack, raising=False)
    explorer = InitExplorer(**SMALL)
    (stack,) = CountingStack.made  # the explorer's own stack

    def runs() -> int:
        """Layers run forward since the last call."""
        done, stack.forward_runs = stack.forward_runs, 0
        return done

    runs()
    explorer.set_layer(10, scheme="normal")
    assert runs() == 3  # layers 10 to 12
    explorer.selected_layer = 2  # another histogram only: nothing recomputed
    assert runs() == 0
    explorer.activation = "relu"
    assert runs() == 12


def test_close_frees_the_explorer() -> None:
    import gc
    import weakref

    explorer = InitExplorer(**SMALL)
    ref = weakref.ref(explorer)
    explorer.close()
    del explorer
    gc.collect()
    assert ref() is None  # nothing (open controls, their callbacks) keeps it alive


# -- readers' registered layers ----------------------------------------------------------------

class Centered(torch.nn.Module):
    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return torch.tanh(X - X.mean(dim=0))


class OnlyNarrow(torch.nn.Module):
    def forward(self, X: torch.Tensor) -> torch.Tensor:
        if X.shape[1] > 32:
            raise RuntimeError("too wide for me")
        return torch.tanh(X)




def menu(explorer: InitExplorer) -> list[tuple[str, str]]:
    return [tuple(option) for option in explorer.controls["activation"].options]


@pytest.mark.usefixtures("empty_registry")
def test_the_menu_follows_the_registry(explorer: InitExplorer) -> None:
    from widgets.core.layers import register_layer, unregister_layer

    assert ("centered (custom)", "centered") not in menu(explorer)
    register_layer("centered", Centered)
    assert menu(explorer)[-1] == ("centered (custom)", "centered")
    assert explorer.controls["activation"].value == explorer.activation == "tanh"
    explorer.controls["activation"].value = "centered"  # from the UI
    assert explorer.activation == "centered" and explorer.message == ""
    assert explorer.spec == InitSpec(**SMALL, activation="centered")
    assert explorer.stats == compute_stats(explorer.spec, explorer.histogram_layers)
    unregister_layer("centered")
    assert ("centered (custom)", "centered") not in menu(explorer)
    assert explorer.activation == explorer.controls["activation"].value == "tanh"
    assert explorer.message == "the custom layer 'centered' was unregistered; tanh took its place"
    assert explorer.stats == compute_stats(InitSpec(**SMALL), explorer.histogram_layers)


@pytest.mark.usefixtures("empty_registry")
def test_a_registered_layer_that_fails_keeps_the_last_valid_state(
        explorer: InitExplorer) -> None:
    from widgets.core.layers import register_layer

    register_layer("only_narrow", OnlyNarrow)
    explorer.activation = "only_narrow"
    before, pictures = state(explorer), view(explorer)
    with pytest.raises(ValueError, match=r"^the custom layer 'only_narrow' failed in the stack: "
                                         r"RuntimeError: too wide for me; kept the last valid "
                                         r"setting$"):
        explorer.width = 64
    assert state(explorer) == before and view(explorer) == pictures
    explorer.controls["width"].value = 100  # from the UI: a message, the box put back
    assert "too wide for me; kept the last valid setting" in explorer.message
    assert explorer.controls["width"].value == 32 and state(explorer) == before
    assert explorer.stats == compute_stats(explorer.spec, explorer.histogram_layers)


@pytest.mark.usefixtures("empty_registry")
def test_a_layer_in_use_replaced_by_one_that_fails_gives_way_to_tanh() -> None:
    from widgets.core.layers import register_layer

    register_layer("mine", Centered)
    explorer = InitExplorer(depth=4, width=48, batch_size=8, activation="mine")
    register_layer("mine", OnlyNarrow)  # passes the registry's probe, fails at 48: no raise
    assert explorer.activation == "tanh" and explorer.controls["activation"].value == "tanh"
    assert "too wide for me" in explorer.message
    assert "with tanh in place of the custom layer" in explorer.message
    expected = compute_stats(InitSpec(depth=4, width=48, batch_size=8), explorer.histogram_layers)
    assert explorer.stats == expected
    register_layer("mine", Centered)  # another replacement: the explorer stays on tanh
    assert explorer.activation == "tanh"


@pytest.mark.usefixtures("empty_registry")
def test_a_replaced_layer_in_use_is_drawn_again() -> None:
    from widgets.core.layers import register_layer

    register_layer("mine", Centered)
    explorer = InitExplorer(depth=4, width=16, batch_size=8, activation="mine")
    before = explorer.stats
    register_layer("mine", OnlyNarrow)
    assert explorer.activation == "mine" and explorer.stats != before
    assert explorer.stats == compute_stats(explorer.spec, explorer.histogram_layers)


@pytest.mark.usefixtures("empty_registry")
def test_a_layer_failing_while_the_explorer_is_made_is_refused() -> None:
    from widgets.core.layers import register_layer

    register_layer("only_narrow", OnlyNarrow)
    with pytest.raises(ValueError, match="the custom layer 'only_narrow' failed in the stack"):
        InitExplorer(depth=3, width=64, activation="only_narrow")
