"""Hypothesis state machines over the widgets: any sequence of changes a reader's code
or a reader's clicks can make.

Each machine sets settings to valid and invalid values one at a time and several at
once, in batches that succeed, fail or raise, registers and unregisters layers,
steps and resets, and checks after every step that:

* only the documented errors escape (``ValueError``/``TypeError``, as the widgets'
  trait errors are), and a refused change leaves the state as it was;
* the widget's traits, its spec and its controls agree (the view matches the state);
* nothing is written to stderr (a kernel shows that as a red box).

CI runs a bounded number of examples (the "ci" profile); ``make fuzz`` runs many
more (the "deep" profile). Refusal times are not asserted (wall-clock bounds do not
belong in tests); ``make fuzz`` prints the slowest.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import tempfile
import time
from pathlib import Path
from typing import ClassVar

import hypothesis.strategies as st
import pytest
import torch
from hypothesis import HealthCheck, settings
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from torch import nn

from widgets import (
    DeviceTimer,
    InitExplorer,
    LazyInitViewer,
    MLPExplorer,
    ModuleTree,
    ParameterInspector,
    Playground,
    load_explorer,
    register_layer,
    save_explorer,
    unregister_layer,
)
from widgets.core.devices import MAX_SIZES

settings.register_profile("ci", max_examples=15, stateful_step_count=12, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow], derandomize=True)
settings.register_profile("deep", max_examples=100, stateful_step_count=30, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("LAYERLAB_FUZZ", "ci"))

#: The slowest refusal seen per machine, printed by ``make fuzz``.
SLOWEST: dict[str, float] = {}

#: Values a reader might type or compute, valid somewhere and invalid elsewhere.
ANYTHING = st.one_of(
    st.sampled_from([-1, 0, 1, 2, 3, 5, 8, 10**9, 2**70, True, False, None]),
    st.floats(allow_nan=True, allow_infinity=True, width=32),
    st.sampled_from(["relu", "tanh", "sigmoid", "gelu", "identity", "", "Relu", "nope",
                     "x" * 500, "default", "xavier", "circle", "xor", "sgd", "adam"]),
    st.lists(st.sampled_from([-3, 0, 1, 2, 4, 7, 16, 5000, "relu", "tanh", 2.5, None]),
             max_size=5).map(tuple),
    st.lists(st.integers(1, 12), max_size=4).map(tuple),
    st.just(()),
    st.just([4, 2]),
    st.just({"a": 1}),
    st.just(torch.tensor(3)),
)


class WidgetMachine(RuleBasedStateMachine):
    """Shared rules: set one, configure several, batches, refresh; invariants after each."""

    #: Subclasses set: build the widget, and values for each of its settings.
    values: ClassVar[dict[str, st.SearchStrategy]] = {}

    def make(self) -> object:  # pragma: no cover - subclasses
        raise NotImplementedError

    @initialize()
    def start(self) -> None:
        self.stderr = io.StringIO()
        with contextlib.redirect_stderr(self.stderr):
            self.widget = self.make()
        self.known = self.state()

    def state(self) -> dict[str, object]:
        return {name: getattr(self.widget, name) for name in self.widget.STATE}

    def refused(self, action: object, *args: object) -> bool:
        """Run ``action``; True if it was refused (and refused properly)."""
        before = self.state()
        start = time.perf_counter()
        try:
            with contextlib.redirect_stderr(self.stderr):
                action(*args)
        except (ValueError, TypeError):
            name = type(self).__name__
            SLOWEST[name] = max(SLOWEST.get(name, 0.0), time.perf_counter() - start)
            assert _same(self.state(), before), "a refused change altered the state"
            return True
        self.known = self.state()
        return False

    @rule(data=st.data())
    def set_one(self, data: st.DataObject) -> None:
        name = data.draw(st.sampled_from(sorted(self.values)))
        value = data.draw(st.one_of(self.values[name], ANYTHING))
        self.refused(setattr, self.widget, name, value)

    @rule(data=st.data())
    def configure_several(self, data: st.DataObject) -> None:
        names = data.draw(st.lists(st.sampled_from(sorted(self.values)), min_size=1,
                                   max_size=3, unique=True))
        changes = {n: data.draw(st.one_of(self.values[n], ANYTHING)) for n in names}
        self.refused(lambda: self.widget.configure(**changes))

    @rule(data=st.data(), raise_inside=st.booleans())
    def batch(self, data: st.DataObject, raise_inside: bool) -> None:
        names = data.draw(st.lists(st.sampled_from(sorted(self.values)), min_size=1,
                                   max_size=3, unique=True))
        changes = {n: data.draw(self.values[n]) for n in names}
        before = self.state()

        def run() -> None:
            with self.widget.batch():
                for name, value in changes.items():
                    setattr(self.widget, name, value)
                if raise_inside:
                    raise KeyError("the reader's own code failed inside the batch")

        try:
            self.refused(run)
        except KeyError:
            assert _same(self.state(), before), "a batch that raised changed the state"

    @rule()
    def refresh(self) -> None:
        with contextlib.redirect_stderr(self.stderr):
            self.widget.refresh()

    @invariant()
    def view_matches_state(self) -> None:
        if not hasattr(self, "widget"):
            return
        spec = self.widget.spec
        for name in self.widget.STATE:
            if hasattr(spec, name):  # some settings (a selected layer) live beside the spec
                assert _same(getattr(self.widget, name), getattr(spec, name)), name
        assert _same(self.state(), self.known)

    @invariant()
    def nothing_on_stderr(self) -> None:
        if hasattr(self, "stderr"):
            assert self.stderr.getvalue() == "", self.stderr.getvalue()[:500]

    def teardown(self) -> None:
        if hasattr(self, "widget"):
            self.widget.close()


def _same(a: object, b: object) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, torch.Tensor) or isinstance(b, torch.Tensor):
        return a is b
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a is b or a == b


ACTIVATIONS = st.sampled_from(["relu", "tanh", "sigmoid", "gelu", "fuzzscale"])
WIDTHS = st.lists(st.integers(1, 24), max_size=3).map(tuple)


class MLPExplorerMachine(WidgetMachine):
    values: ClassVar[dict[str, st.SearchStrategy]] = {
        "hidden_sizes": WIDTHS,
        "activations": st.one_of(ACTIVATIONS, st.lists(ACTIVATIONS, max_size=3).map(tuple)),
        "seed": st.integers(0, 2**32 - 1),
    }

    def make(self) -> MLPExplorer:
        return MLPExplorer(in_features=6, hidden_sizes=(8,), out_features=3)

    @rule(factor=st.sampled_from([1.0, 2.0, -1.0]), breaks_on_grid=st.booleans())
    def register_a_layer(self, factor: float, breaks_on_grid: bool) -> None:
        def factory() -> nn.Module:
            return Scale(factor, breaks_on_grid)

        self.refused(register_layer, "fuzzscale", factory)

    @rule()
    def unregister_the_layer(self) -> None:
        self.refused(unregister_layer, "fuzzscale")

    @rule()
    def save_and_load(self) -> None:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "explorer.pt"
            if self.refused(save_explorer, self.widget, path):
                return
            try:
                loaded = load_explorer(path)
            except ValueError:  # a registered layer changed since: refused, named
                return
            assert torch.equal(loaded.output, self.widget.output)
            loaded.close()

    @rule()
    def unregister_inside_a_batch(self) -> None:
        def run() -> None:
            with self.widget.batch():
                self.widget.hidden_sizes = (5,)
                unregister_layer("fuzzscale")

        self.refused(run)

    def teardown(self) -> None:
        with contextlib.suppress(ValueError):
            unregister_layer("fuzzscale")
        super().teardown()


class Scale(nn.Module):
    """A reader's layer that multiplies; one that breaks on large batches too."""

    def __init__(self, factor: float, breaks_on_grid: bool, limit: int = 64) -> None:
        super().__init__()
        self.factor, self.breaks_on_grid, self.limit = factor, breaks_on_grid, limit

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.breaks_on_grid and x.shape[0] > self.limit:
            raise RuntimeError("this layer only takes small batches")
        return x * self.factor


class InitExplorerMachine(WidgetMachine):
    values: ClassVar[dict[str, st.SearchStrategy]] = {
        "depth": st.integers(1, 6),
        "width": st.integers(1, 16),
        "activation": st.sampled_from(["relu", "tanh", "identity"]),
        "seed": st.integers(0, 100),
        "selected_layer": st.integers(1, 6),
    }

    def make(self) -> InitExplorer:
        return InitExplorer(depth=3, width=8)


class PlaygroundMachine(WidgetMachine):
    values: ClassVar[dict[str, st.SearchStrategy]] = {
        "dataset": st.sampled_from(["circle", "xor", "gauss", "spiral", "blobs", "own"]),
        "loss": st.sampled_from(["auto", "mse", "cross_entropy", "softmax"]),
        "hidden_sizes": st.lists(st.integers(1, 6), max_size=2).map(tuple),
        "learning_rate": st.sampled_from([0.001, 0.03, 0.3, 3.0]),
        "batch_size": st.integers(1, 30),
        "noise": st.sampled_from([0.0, 10.0, 50.0]),
        "num_samples": st.sampled_from([100, 200]),
        "seed": st.integers(0, 5),
    }

    def make(self) -> Playground:
        return Playground(num_samples=100)

    @rule(breaks_on_grid=st.booleans())
    def register_and_use_a_layer(self, breaks_on_grid: bool) -> None:
        def factory() -> nn.Module:
            return Scale(0.5, breaks_on_grid, limit=5_000)

        self.refused(register_layer, "fuzzscale", factory)
        self.refused(setattr, self.widget, "activations", "fuzzscale")

    @rule()
    def unregister_the_layer(self) -> None:
        self.refused(unregister_layer, "fuzzscale")

    def teardown(self) -> None:
        with contextlib.suppress(ValueError):
            unregister_layer("fuzzscale")
        super().teardown()

    @rule(epochs=st.sampled_from([0, 1, 2, -1, 10**9, 2.5, "1"]))
    def step(self, epochs: object) -> None:
        if isinstance(epochs, int) and 0 < epochs < 10:
            with contextlib.redirect_stderr(self.stderr):
                self.widget.step(epochs)
            self.known = self.state()
        else:
            self.refused(self.widget.step, epochs)

    @rule()
    def step_inside_a_batch(self) -> None:
        def run() -> None:
            with self.widget.batch():
                self.widget.seed = (self.widget.seed + 1) % 5
                self.widget.step(1)

        self.refused(run)

    @rule()
    def reset(self) -> None:
        with contextlib.redirect_stderr(self.stderr):
            self.widget.reset()

    @precondition(lambda self: hasattr(self, "widget"))
    @rule()
    def save_and_load(self) -> None:
        text = self.widget.to_json()
        self.refused(self.widget.load_json, text)
        assert self.widget.to_json() == text

    @rule(line=st.one_of(st.sampled_from(["leave", "hover 1,0", "hover 0,1", "hover 2,0",
                                          "click unit 1,0 1", "click link 1,0,1 2",
                                          "click unit 0,0 3", "hover 9,9"]),
                         st.text(max_size=30)))
    def point_and_click(self, line: str) -> None:
        """What the network picture's pointer script sends; odd lines are ignored."""
        with contextlib.redirect_stderr(self.stderr):
            self.widget.controls["pointer"].value = line

    @rule(layer=st.integers(-1, 4), unit=st.integers(-1, 7), source=st.integers(-1, 7),
          value=st.one_of(st.floats(-2000, 2000), st.just(math.nan), st.just("x")),
          bias=st.booleans())
    def set_by_hand(self, layer: int, unit: int, source: int, value: object,
                    bias: bool) -> None:
        edits = len(self.widget.edits)
        if bias:
            done = not self.refused(self.widget.set_bias, layer, unit, value)
        else:
            done = not self.refused(self.widget.set_weight, layer, unit, source, value)
        assert len(self.widget.edits) == edits + done

    @rule(bad=st.booleans())
    def own_data(self, bad: bool) -> None:
        X = torch.tensor([[float(i % 4), float(i // 4)] for i in range(12)])
        if bad:
            X[5, 0] = math.inf
        before = self.widget.to_json()
        if self.refused(self.widget.load_data, X, torch.arange(12) % 2):
            assert bad and self.widget.to_json() == before


class InspectorMachine(WidgetMachine):
    values: ClassVar[dict[str, st.SearchStrategy]] = {
        "module": st.sampled_from([nn.Linear(3, 2), nn.Sequential(nn.Linear(3, 4), nn.Tanh()),
                                   nn.LSTM(3, 2), nn.Embedding(5, 3)]),
        "X": st.sampled_from([None, torch.ones(2, 3), torch.ones(0, 3), (torch.ones(1, 2, 3),),
                              torch.tensor([[1, 2]])]),
        "bins": st.integers(2, 100),
        "selected": st.sampled_from(["", "weight", "0.weight", "bias", "nope"]),
    }

    def make(self) -> ParameterInspector:
        return ParameterInspector(nn.Linear(3, 2), X=torch.ones(2, 3))

    @rule()
    def backward(self) -> None:
        self.refused(self.widget.backward)


class TreeMachine(WidgetMachine):
    values: ClassVar[dict[str, st.SearchStrategy]] = {
        "module": st.sampled_from([nn.Linear(3, 2), nn.TransformerEncoderLayer(8, 2, 16),
                                   nn.Sequential(*[nn.ReLU() for _ in range(40)])]),
        "name": st.sampled_from(["net", "model", "", "a.b"]),
        "open_depth": st.integers(0, 32),
    }

    def make(self) -> ModuleTree:
        return ModuleTree(nn.Linear(2, 2))


class LazyViewerMachine(WidgetMachine):
    values: ClassVar[dict[str, st.SearchStrategy]] = {
        "input_shape": st.one_of(st.integers(1, 30), st.lists(st.integers(1, 9), min_size=1,
                                                            max_size=3).map(tuple)),
        "batch_size": st.integers(1, 8),
    }

    def make(self) -> LazyInitViewer:
        return LazyInitViewer(nn.Sequential(nn.LazyLinear(4), nn.ReLU(), nn.LazyLinear(2)),
                              input_shape=5)


@pytest.fixture(scope="module", autouse=True)
def print_slowest_refusals() -> object:
    """After the machines ran: the slowest refusal each saw (shown with ``pytest -s``)."""
    yield
    for name, seconds in sorted(SLOWEST.items()):
        print(f"\nslowest refusal, {name}: {seconds * 1000:.1f} ms")


class DeviceTimerMachine(WidgetMachine):
    values: ClassVar[dict[str, st.SearchStrategy]] = {
        "size": st.sampled_from([64, 96, 128]),
        "sizes": st.lists(st.sampled_from([64, 80, 96, 112, 128, 144, 160, 176, 192]),
                          min_size=1, max_size=9).map(tuple),
        "devices": st.sampled_from([("cpu",), (torch.device("cpu"),), ("cuda:7",), ()]),
    }

    def make(self) -> DeviceTimer:
        return DeviceTimer(size=64, sizes=(64, 128), devices=["cpu"], budget_s=0.001,
                           max_repeats=1)

    @rule()
    def measure(self) -> None:
        with contextlib.redirect_stderr(self.stderr):
            self.widget.measure()

    @invariant()
    def never_more_sizes_than_allowed(self) -> None:
        if hasattr(self, "widget"):
            assert len(self.widget.chart_sizes) <= MAX_SIZES


MACHINES = [MLPExplorerMachine, InitExplorerMachine, PlaygroundMachine, InspectorMachine,
            TreeMachine, LazyViewerMachine, DeviceTimerMachine]


@pytest.mark.parametrize("machine", MACHINES, ids=lambda m: m.__name__)
def test_any_sequence_of_changes_keeps_the_widget_consistent(machine: type) -> None:
    machine.TestCase().runTest()
