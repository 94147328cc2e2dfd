"""Playground: train a real PyTorch network on toy data, live, and watch what it learns."""

from __future__ import annotations

import asyncio
import copy
import json
import random
import time
import weakref
from pathlib import Path
from typing import ClassVar

import ipywidgets as ipw
import torch
import traitlets
from torch import nn

from ..core import layers
from ..core.checks import check_int, check_text
from ..playground.data import DATASETS, FEATURES
from ..playground.pictures import loss_picture, network_picture, output_picture, points_layer
from ..playground.settings import (
    INITS,
    MAX_BATCH_SIZE,
    MAX_HIDDEN_LAYERS,
    MAX_WIDTH,
    OPTIMIZERS,
    REGULARIZATIONS,
    PlaygroundSettings,
    check_activation_names,
    check_batch_size,
    check_dataset,
    check_features,
    check_flag,
    check_hidden_sizes,
    check_init,
    check_learning_rate,
    check_noise,
    check_num_samples,
    check_optimizer,
    check_regularization,
    check_regularization_rate,
    check_seed,
    check_train_share,
    fit_activations,
    script,
)
from ..playground.training import (
    PlaygroundRun,
    TrainingReport,
    check_state,
    replay,
    run_state,
)
from ..render.html import STYLE, preformatted
from .base import (
    Checked,
    InvalidValueError,
    LayerChoiceWidget,
    Snapshot,
    as_trait_error,
)

#: The learning rates and regularization rates the menus offer (others can be set from code).
LEARNING_RATES = (0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
REGULARIZATION_RATES = (0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
#: Width of a hidden layer added with the layer-count control when there was none.
NEW_LAYER_WIDTH = 4
#: Most frames per second while playing (each frame trains one epoch and redraws).
MAX_FRAMES_PER_SECOND = 60


def ReadOnly(kind: type[traitlets.TraitType], how: str, default: object,
             **kwargs: object) -> traitlets.TraitType:
    """A read-only trait of ``kind`` whose assignment says how the value changes instead.

    Traitlets refuses with a bare ``TraitError``; this one is a ``ValueError`` too.
    """
    class Trait(kind):  # type: ignore[valid-type, misc]
        def __set__(self, obj: object, value: object) -> None:
            raise InvalidValueError(f"{self.name} cannot be set: it {how}")

    return Trait(default, read_only=True, **kwargs)


class PlaygroundScript:
    """The PyTorch script "show code" prints; shown as plain text.

    Example:
        >>> PlaygroundScript("print(1)\\n")
        print(1)
    """

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text.rstrip("\n")

    __str__ = __repr__

    def run(self) -> dict[str, object]:
        """Run the script here; returns its variables (``train_loss``, ``net``, ...)."""
        namespace: dict[str, object] = {"__name__": "__playground__"}
        with torch.random.fork_rng(devices=[]):  # the script seeds; the reader's state stays
            exec(compile(self.text, "<playground script>", "exec"), namespace)
        return namespace


class Playground(LayerChoiceWidget):
    """A live training playground: toy data, a real ``nn.Sequential``, one epoch per frame.

    Every setting is a trait: set it from code or move its control, the
    same checks apply. Data settings (dataset, noise, train_share,
    num_samples, seed) draw new points and restart; network settings
    (features, hidden_sizes, activations, init) build a new network and
    restart; training settings (learning_rate, batch_size, regularization,
    regularization_rate, optimizer) apply from the next epoch on.

    Args:
        **settings: any field of :class:`~widgets.playground.settings.PlaygroundSettings`.

    Example:
        >>> playground = Playground(dataset="xor", hidden_sizes=(8,))
        >>> playground.step(3).epoch
        3
    """

    dataset = Checked(check_dataset, "circle",
                      help="Data set: circle, xor, two_gaussians, spiral, plane or gaussian.")
    noise = Checked(check_noise, 0.0, help="Noise in percent, 0 to 50.")
    train_share = Checked(check_train_share, 50.0,
                          help="Percent of the points used for training, 10 to 90.")
    num_samples = Checked(check_num_samples, 500, help="Number of points, 20 to 2000.")
    seed = Checked(check_seed, 0, help="Draws the data, the split, the weights, the batch order.")
    features = Checked(check_features, ("x1", "x2"), help="Input features fed to the network.")
    hidden_sizes = Checked(check_hidden_sizes, (4, 2),
                           help="Width of each hidden layer: 0 to 8 layers of 1 to 64 units.")
    activations = Checked(check_activation_names, ("tanh", "tanh"),
                          help="Activation (or registered layer) of each hidden layer.")
    init = Checked(check_init, "default", help="Initialization scheme of the Linear layers.")
    learning_rate = Checked(check_learning_rate, 0.03, help="Learning rate, 1e-5 to 10.")
    batch_size = Checked(check_batch_size, 10, help="Batch size, 1 to 64.")
    regularization = Checked(check_regularization, "none", help="none, l1 or l2.")
    regularization_rate = Checked(check_regularization_rate, 0.0,
                                  help="Regularization rate, 0 to 10.")
    optimizer = Checked(check_optimizer, "sgd", help="sgd or adam.")
    discretize = Checked(check_flag("discretize"), False,
                         help="Show the output as two classes.")
    show_test_data = Checked(check_flag("show_test_data"), False,
                             help="Draw the test points too.")
    epoch = ReadOnly(traitlets.Int, "trains with step() or play(), restarts with reset()",
                     0, help="Epochs trained since the last restart.")
    playing = ReadOnly(traitlets.Bool, "starts with play() and stops with pause()", False,
                       help="Whether training is playing.")

    #: Playgrounds that have played in this kernel: one plays at a time.
    _players: ClassVar[weakref.WeakSet[Playground]] = weakref.WeakSet()
    FALLBACK_ACTIVATION = "tanh"

    def __init__(self, **settings: object) -> None:
        start = PlaygroundSettings(**settings)
        try:
            run = PlaygroundRun(start)
        except Exception as error:  # a reader's layer fails with these settings
            custom = ", ".join(start.custom_layers)
            raise ValueError(f"the network failed to build or run (custom layers in it: {custom}): "
                             f"{type(error).__name__}: {error}") from error
        super().__init__()
        self._run = run
        self._task: asyncio.Task | None = None
        self._points_key: tuple[object, ...] | None = None
        self._points = ""
        self.frame_count = 0
        self._stop_message = ""
        self._frames_per_second = MAX_FRAMES_PER_SECOND
        with self.hold_trait_notifications():
            for name, value in start.as_dict().items():
                setattr(self, name, value)
        self._build_controls()
        self.observe(self._on_state_change, names=self._state_names())
        layers.on_registry_change(self._on_registry_change)
        try:
            self._render_now()
        except Exception as error:  # a reader's layer fails on the pictures' grid
            self.close()
            custom = ", ".join(start.custom_layers)
            raise ValueError(f"the network failed to build or run (custom layers in it: "
                             f"{custom}): {type(error).__name__}: {error}") from error

    # -- state ------------------------------------------------------------------------------

    @traitlets.validate("activations")
    def _check_activation_count(self, proposal: traitlets.Bunch) -> tuple[str, ...]:
        try:
            return fit_activations(proposal.value, len(self.hidden_sizes))
        except ValueError as error:
            hint = "" if self._configuring else (
                ". To change both, call configure(hidden_sizes=..., activations=...)")
            raise as_trait_error(ValueError(f"{error}{hint}")) from None

    def _on_state_change(self, change: traitlets.Bunch) -> None:
        with self.batch():
            if change.name == "hidden_sizes" and len(self.activations) != len(change.new):
                current = self.activations
                fill = current[-1] if current else "tanh"
                self.activations = (current + (fill,) * len(change.new))[:len(change.new)]
            self._request_render()

    @property
    def settings(self) -> PlaygroundSettings:
        """The current settings, checked together."""
        return PlaygroundSettings(**{name: getattr(self, name) for name in self._state_names()})

    @property
    def net(self) -> nn.Module:
        """A copy of the network as trained so far (the playground keeps its own)."""
        return copy.deepcopy(self._run.net)

    @property
    def train_loss(self) -> float:
        """Mean squared error on the training points now."""
        return self._run.train_loss

    @property
    def test_loss(self) -> float:
        """Mean squared error on the test points now."""
        return self._run.test_loss

    @property
    def history(self) -> dict[str, list[float]]:
        """Train and test loss after each epoch, from epoch 0."""
        return {"train": list(self._run.train_losses), "test": list(self._run.test_losses)}

    @property
    def data(self) -> dict[str, torch.Tensor]:
        """The points and labels, split: ``X_train``, ``y_train``, ``X_test``, ``y_test``
        (X as the features the network sees)."""
        run = self._run
        return {"X_train": run.X_train.clone(), "y_train": run.y_train.clone(),
                "X_test": run.X_test.clone(), "y_test": run.y_test.clone()}

    def report(self) -> TrainingReport:
        """The current epoch, losses and (for classification) accuracies."""
        return self._run.report()

    # -- training ---------------------------------------------------------------------------

    def step(self, epochs: int = 1) -> TrainingReport:
        """Train ``epochs`` epochs now (1 to 100,000), then redraw; returns the losses.

        If the loss diverges or a layer raises, training stops at the last good
        epoch and the report (and the message line) says why.
        """
        epochs = check_int("epochs", epochs, 1, 100_000)
        report = self._run.train(epochs)
        self._after_training(report)
        return report

    def _after_training(self, report: TrainingReport) -> None:
        self.set_trait("epoch", self._run.epoch)
        if report.stopped:
            self.set_trait("playing", False)
            self.show_message(report.stopped)
            self._stop_message = report.stopped
        elif self._stop_message and self.message == self._stop_message:
            self.show_message("")  # training goes on again: the old stop no longer holds
        self._draw_frame()

    def reset(self) -> None:
        """Back to epoch 0 with the same data and the network as initialized."""
        self._run.reset()
        self.set_trait("epoch", 0)
        self.show_message("")
        self._draw_frame()

    def regenerate(self, seed: int | None = None) -> None:
        """New data (and a fresh network) from ``seed``, or from a new random seed."""
        self.seed = random.SystemRandom().randrange(1_000_000) if seed is None else seed

    def play(self) -> None:
        """Train one epoch per frame, on the kernel's event loop, until :meth:`pause`.

        Controls stay live while it plays; a change takes effect at the next epoch.
        """
        if self._task is not None and not self._task.done():
            self.set_trait("playing", True)  # paused a moment ago: its loop goes on
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            raise RuntimeError("play() needs a running event loop, as in a Jupyter kernel; "
                               "in a script, call step(n) instead") from None
        for other in list(Playground._players):
            if other is not self and other.playing:  # e.g. the same cell run again
                other.pause()
                other.show_message("paused: another playground started playing", kind="info")
        Playground._players.add(self)
        self.set_trait("playing", True)
        self.show_message("")
        self._task = loop.create_task(self._play_loop())

    @property
    def max_frames_per_second(self) -> int:
        """The most frames (epochs) per second while playing, 1 to 120 (60 by default)."""
        return self._frames_per_second

    @max_frames_per_second.setter
    def max_frames_per_second(self, value: int) -> None:
        self._frames_per_second = check_int("max_frames_per_second", value, 1, 120)

    def pause(self) -> None:
        """Stop playing after the current epoch."""
        self.set_trait("playing", False)

    async def _play_loop(self) -> None:
        try:
            while self.playing:
                started = time.perf_counter()
                self.frame()
                spare = 1 / self._frames_per_second - (time.perf_counter() - started)
                await asyncio.sleep(max(0.0, spare))  # the controls' messages are handled here
        except Exception as error:  # shown to the reader, never lost in the kernel's log
            self.show_message(f"playing stopped: {type(error).__name__}: {error}")
        finally:
            self.set_trait("playing", False)
            self._draw_frame()

    def frame(self) -> TrainingReport:
        """One frame of play: train one epoch and redraw the pictures and numbers."""
        self.frame_count += 1
        report = self._run.train(1)
        self._after_training(report)
        return report

    def _on_playing(self, change: traitlets.Bunch) -> None:
        self._play_button.description = "pause" if change.new else "play"
        self._play_button.icon = "pause" if change.new else "play"

    # -- state as JSON, and code ------------------------------------------------------------

    def state(self) -> dict[str, object]:
        """The whole state as JSON-ready data: settings, epoch and mid-run changes."""
        return run_state(self._run)

    def to_json(self) -> str:
        """The state as JSON text (see :meth:`state`)."""
        return json.dumps(self.state(), indent=1)

    def save(self, path: str | Path) -> Path:
        """Write the state to ``path`` as JSON; returns the path."""
        path = Path(check_text("path", str(path)) if not isinstance(path, Path) else path)
        try:
            path.write_text(self.to_json() + "\n", encoding="utf-8")
        except OSError as error:
            raise ValueError(f"could not write the playground state to {str(path)!r}: "
                             f"{error.strerror or error}") from None
        return path

    def load(self, path: str | Path, replay_epochs: bool = True) -> TrainingReport:
        """Load a state saved by :meth:`save` and (by default) retrain to its epoch.

        Every field is checked first; if one is wrong, the playground keeps its
        current state and the error names the field.
        """
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise ValueError(f"could not read the playground state from {str(path)!r}: "
                             f"{error.strerror or error}") from None
        return self.load_json(text, replay_epochs, source=repr(str(path)))

    def load_json(self, text: str, replay_epochs: bool = True,
                  source: str = "the JSON text") -> TrainingReport:
        """Load a state from JSON text (see :meth:`load`)."""
        if not isinstance(text, str):
            raise TypeError(f"the playground state must be JSON text, got {type(text).__name__}")
        try:
            state = json.loads(text)
        except json.JSONDecodeError as error:
            raise ValueError(f"{source} is not valid JSON: {error}") from None
        except RecursionError:
            raise ValueError(f"{source} nests too deeply to be a playground state") from None
        return self.load_state(state, replay_epochs)

    def load_state(self, state: object, replay_epochs: bool = True) -> TrainingReport:
        """Load a state as :meth:`state` returns it (see :meth:`load`)."""
        settings, epoch, changes = check_state(state)
        if not replay_epochs:
            epoch, changes = 0, []
        try:
            run, report = replay(settings, epoch, changes)
        except Exception as error:  # a reader's layer fails with these settings
            raise ValueError(f"the playground state could not be rebuilt: "
                             f"{type(error).__name__}: {error}") from error
        self.pause()
        self._run = run
        with self.batch():
            for name, value in settings.as_dict().items():
                setattr(self, name, value)
            self.set_trait("epoch", run.epoch)
            self._request_render()
        self.show_message(report.stopped)
        return report

    def code(self, num_epochs: int | None = None) -> PlaygroundScript:
        """A runnable PyTorch script that does this run for ``num_epochs`` (default: the
        epochs trained so far) and prints the same losses as the playground."""
        epochs = self.epoch if num_epochs is None else num_epochs
        note = ""
        if self._run.changes:
            moves = ", ".join(f"{c.field} {c.old!r} -> {c.new!r} at epoch {c.epoch}"
                              for c in self._run.changes)
            note = (f"This run changed settings mid-way ({moves});\n"
                    "this script uses the current settings from epoch 0.")
        return PlaygroundScript(script(self.settings, epochs, note))

    # -- falling back when a reader's layer fails --------------------------------------------

    def _forget(self) -> None:
        self._points_key = None

    def _rebuild_with_replaced_layer(self, name: str) -> None:
        try:
            self._run.reset()
        except Exception as error:
            self.show_message(f"the replaced layer {name!r} failed: {type(error).__name__}: "
                              f"{error}; {self._fall_back()}")
            return
        self.set_trait("epoch", 0)
        self._draw_frame()

    # -- controls ---------------------------------------------------------------------------

    @staticmethod
    def _activation_options() -> list[tuple[str, str]]:
        return [("linear" if value == "identity" else label, value)
                for label, value in LayerChoiceWidget._activation_options()]

    def _build_controls(self) -> None:
        small = {"description_width": "initial"}

        def button(description: str, icon: str, action: object, tip: str,
                   done: object = None) -> ipw.Button:
            widget = ipw.Button(description=description, icon=icon, tooltip=tip,
                                layout=ipw.Layout(width="auto"))

            def on_click(_: ipw.Button) -> None:
                if self._apply_from_controls(action) and done is not None:
                    done()
            widget.on_click(on_click)
            return widget

        self._play_button = button("play", "play", self._toggle_play,
                                   "train one epoch per frame until paused")
        self._step_button = button("step", "step-forward", lambda: self.step(1),
                                   "train one epoch")
        self._reset_button = button("reset", "undo", self.reset, "back to epoch 0")
        self._epoch_label = ipw.HTML()
        self._lr = ipw.Dropdown(description="learning rate", style=small,
                                layout=ipw.Layout(width="170px"))
        self._optimizer = ipw.Dropdown(options=list(OPTIMIZERS), description="optimizer",
                                       style=small, layout=ipw.Layout(width="140px"))
        self._batch = ipw.IntSlider(min=1, max=MAX_BATCH_SIZE, description="batch size",
                                    style=small, continuous_update=False,
                                    layout=ipw.Layout(width="230px"))
        self._regularization = ipw.Dropdown(options=list(REGULARIZATIONS),
                                            description="regularization", style=small,
                                            layout=ipw.Layout(width="170px"))
        self._rate = ipw.Dropdown(description="rate", style=small,
                                  layout=ipw.Layout(width="110px"))
        self._init = ipw.Dropdown(options=list(INITS), description="init", style=small,
                                  layout=ipw.Layout(width="190px"))
        top = ipw.HBox([self._play_button, self._step_button, self._reset_button,
                        self._epoch_label, self._lr, self._optimizer, self._batch,
                        self._regularization, self._rate, self._init],
                       layout=ipw.Layout(flex_flow="row wrap", align_items="center"))

        labels = {"two_gaussians": "2 Gaussians", "gaussian": "Gaussian"}
        self._dataset = ipw.ToggleButtons(options=[(labels.get(n, n), n) for n in DATASETS],
                                          style={"button_width": "104px"},
                                          tooltips=[d.description for d in DATASETS.values()],
                                          layout=ipw.Layout(width="230px"))
        self._noise = ipw.IntSlider(min=0, max=50, step=5, description="noise %",
                                    continuous_update=False, layout=ipw.Layout(width="220px"))
        self._share = ipw.IntSlider(min=10, max=90, step=10, description="train %",
                                    continuous_update=False, layout=ipw.Layout(width="220px"))
        self._samples = ipw.IntText(description="points", continuous_update=False,
                                    layout=ipw.Layout(width="160px"))
        self._seed = ipw.IntText(description="seed", continuous_update=False,
                                 layout=ipw.Layout(width="160px"))
        self._regenerate = button("regenerate", "refresh", lambda: self.regenerate(),
                                  "new data from a new random seed")
        data = ipw.VBox([ipw.HTML("<b>data</b>"), self._dataset, self._noise, self._share,
                         self._samples, ipw.HBox([self._seed]), self._regenerate],
                        layout=ipw.Layout(width="240px", margin="0 12px 0 0"))

        self._feature_toggles = [ipw.ToggleButton(description=name, tooltip=FEATURES[name],
                                                  layout=ipw.Layout(width="auto"))
                                 for name in FEATURES]
        self._layer_count = ipw.IntSlider(min=0, max=MAX_HIDDEN_LAYERS,
                                          description="hidden layers", style=small,
                                          continuous_update=False,
                                          layout=ipw.Layout(width="260px"))
        self._widths = [ipw.IntText(layout=ipw.Layout(width="64px"), continuous_update=False)
                        for _ in range(MAX_HIDDEN_LAYERS)]
        options = self._activation_options()
        self._choices = [ipw.Dropdown(options=options, layout=ipw.Layout(width="140px"))
                         for _ in range(MAX_HIDDEN_LAYERS)]
        self._rows = [ipw.HBox([ipw.Label(f"layer {i + 1}", layout=ipw.Layout(width="52px")),
                                self._widths[i], self._choices[i]])
                      for i in range(MAX_HIDDEN_LAYERS)]
        self._network = ipw.HTML()
        network = ipw.VBox([
            ipw.HTML(f"<b>features</b> (at least one) and <b>hidden layers</b> "
                     f"(width 1 to {MAX_WIDTH})"),
            ipw.HBox(self._feature_toggles, layout=ipw.Layout(flex_flow="row wrap")),
            self._layer_count, *self._rows, self._network],
            layout=ipw.Layout(margin="0 12px 0 0"))

        self._losses = ipw.HTML()
        self._loss_chart = ipw.HTML()
        self._output = ipw.HTML()
        self._show_test = ipw.Checkbox(description="show test data", indent=False,
                                       layout=ipw.Layout(width="140px"))
        self._discretize = ipw.Checkbox(description="discretize output", indent=False,
                                        layout=ipw.Layout(width="150px"))
        output = ipw.VBox([ipw.HTML("<b>output</b>"), self._losses, self._loss_chart,
                           self._output, ipw.HBox([self._show_test, self._discretize])])

        self._code_toggle = ipw.ToggleButton(description="show code", icon="code")
        self._code = ipw.HTML(layout=ipw.Layout(display="none"))
        self._state_toggle = ipw.ToggleButton(description="state (JSON)", icon="save")
        self._state_text = ipw.Textarea(layout=ipw.Layout(width="520px", height="220px"))
        self._path = ipw.Text(value="playground.json", description="file",
                              layout=ipw.Layout(width="260px"))
        state_buttons = ipw.HBox([
            button("apply JSON", "check", lambda: self.load_json(self._state_text.value),
                   "load the state in the box above"),
            self._path,
            button("save", "download", lambda: self.save(self._path.value),
                   "write the state to this file",
                   lambda: self.show_message(f"saved to {self._path.value}", kind="info")),
            button("load", "upload", lambda: self.load(self._path.value),
                   "read the state from this file and retrain to its epoch")])
        self._state_box = ipw.VBox([self._state_text, state_buttons],
                                   layout=ipw.Layout(display="none"))

        self._sync_controls()
        self._observe_controls()
        self.children = [ipw.HTML(STYLE + "<b>Playground</b>: a real <code>nn.Sequential</code>, "
                                  "trained one epoch per frame"),
                         top, self._message,
                         ipw.HBox([data, network, output], layout=ipw.Layout(flex_flow="row wrap")),
                         ipw.HBox([self._code_toggle, self._state_toggle]), self._code,
                         self._state_box]

    def _toggle_play(self) -> None:
        if self.playing:
            self.pause()
        else:
            self.play()

    def _observe_controls(self) -> None:
        simple = {self._lr: "learning_rate", self._optimizer: "optimizer",
                  self._batch: "batch_size", self._regularization: "regularization",
                  self._rate: "regularization_rate", self._init: "init",
                  self._dataset: "dataset", self._noise: "noise", self._share: "train_share",
                  self._samples: "num_samples", self._seed: "seed",
                  self._show_test: "show_test_data", self._discretize: "discretize"}
        for control, name in simple.items():
            control.observe(self._setter(name), names="value")
        for control in (*self._feature_toggles, self._layer_count, *self._widths,
                        *self._choices):
            control.observe(self._on_network_controls, names="value")
        self._code_toggle.observe(self._on_panels, names="value")
        self.observe(self._on_playing, names="playing")
        self._state_toggle.observe(self._on_panels, names="value")

    def _setter(self, name: str) -> object:
        def on_change(change: traitlets.Bunch) -> None:
            if not self._syncing_controls:
                self._apply_from_controls(lambda: setattr(self, name, change.new))
        return on_change

    def _on_network_controls(self, change: traitlets.Bunch) -> None:
        if self._syncing_controls:
            return
        count = self._layer_count.value
        sizes, acts = list(self.hidden_sizes), list(self.activations)
        for i in range(min(count, len(sizes))):
            sizes[i], acts[i] = self._widths[i].value, self._choices[i].value
        fill = (sizes[-1], acts[-1]) if sizes else (NEW_LAYER_WIDTH, "tanh")
        sizes = (sizes + [fill[0]] * count)[:count]
        acts = (acts + [fill[1]] * count)[:count]
        chosen = tuple(name for name, toggle in zip(FEATURES, self._feature_toggles)
                       if toggle.value)
        self._apply_from_controls(lambda: self.configure(
            features=chosen, hidden_sizes=tuple(sizes), activations=tuple(acts)))

    def _on_panels(self, change: traitlets.Bunch) -> None:
        self._code.layout.display = None if self._code_toggle.value else "none"
        self._state_box.layout.display = None if self._state_toggle.value else "none"
        self._draw_panels()

    @staticmethod
    def _menu(values: tuple[float, ...], current: float) -> list[tuple[str, float]]:
        chosen = sorted({*values, current})
        return [(f"{v:g}", v) for v in chosen]

    def _sync_controls(self) -> None:
        count = len(self.hidden_sizes)
        with self._controls_from_state():
            self._lr.options = self._menu(LEARNING_RATES, self.learning_rate)
            self._lr.value = self.learning_rate
            self._rate.options = self._menu(REGULARIZATION_RATES, self.regularization_rate)
            self._rate.value = self.regularization_rate
            self._optimizer.value = self.optimizer
            self._batch.value = self.batch_size
            self._regularization.value = self.regularization
            self._init.value = self.init
            self._dataset.value = self.dataset
            self._noise.value = round(self.noise)
            self._share.value = round(self.train_share)
            self._samples.value = self.num_samples
            self._seed.value = self.seed
            self._show_test.value = self.show_test_data
            self._discretize.value = self.discretize
            for name, toggle in zip(FEATURES, self._feature_toggles):
                toggle.value = name in self.features
            self._layer_count.value = count
            for i, row in enumerate(self._rows):
                row.layout.display = None if i < count else "none"
                if i < count:
                    self._widths[i].value = self.hidden_sizes[i]
                    self._choices[i].value = self.activations[i]

    # -- view -------------------------------------------------------------------------------

    def _render(self) -> None:
        settings = self.settings
        saved = self._run.saved() if settings != self._run.settings else None
        try:
            what = "nothing" if saved is None else self._run.update(settings)
            if what in ("data", "network"):
                self.set_trait("epoch", 0)
            self._draw_frame()  # a reader's layer may fail only on the pictures' grid
        except Exception as error:  # a reader's layer failed at this width or input
            if saved is None:
                raise
            self._run.revert(saved)
            self.set_trait("epoch", self._run.epoch)
            if self._restoring:
                raise
            custom = ", ".join(self.settings.custom_layers)
            suspects = f" (custom layers in it: {custom})" if custom else ""
            text = (f"the network failed to build or run{suspects}: "
                    f"{type(error).__name__}: {error}")
            if self._good_state is None:
                raise InvalidValueError(text) from error
            raise InvalidValueError(f"{text}; {self._fall_back()}") from error
        if what not in ("view", "nothing"):
            self.show_message("")  # a setting that works now: older messages are stale
        self._good_state = self._current_state()
        self._sync_controls()

    def _draw_frame(self) -> None:
        """Redraw what training changes: pictures, numbers, and open panels."""
        run = self._run
        key = (id(run.X), run.settings.dataset, self.show_test_data)
        if key != self._points_key:
            self._points = points_layer(run.X, run.y, run.train_index, "#fff")
            if self.show_test_data:
                self._points += points_layer(run.X, run.y, run.test_index, "#222")
            self._points_key = key
        self._output.value = output_picture(run, self._points, self.discretize)
        self._network.value = network_picture(run)
        self._loss_chart.value = loss_picture(run.train_losses, run.test_losses)
        report = run.report()
        accuracy = ""
        if report.train_accuracy is not None:
            accuracy = (f"<br>accuracy {report.train_accuracy:.1%} train, "
                        f"{report.test_accuracy:.1%} test")
        self._losses.value = (f'<span style="color:#777">train loss '
                              f"<b>{report.train_loss:.4f}</b></span> · test loss "
                              f"<b>{report.test_loss:.4f}</b>{accuracy}")
        self._epoch_label.value = (f'<span style="font-size:15px;margin:0 10px">epoch '
                                   f"<b>{run.epoch:,}</b></span>")
        if not self.playing:
            self._draw_panels()
        elif self._code_toggle.value:
            self._code.value = preformatted(str(self.code()))

    def _draw_panels(self) -> None:
        if self._code_toggle.value:
            self._code.value = preformatted(str(self.code()))
        if self._state_toggle.value:
            self._state_text.value = self.to_json()

    def snapshot(self) -> Snapshot:
        """A still picture of the output heatmap and the network now, kept where displayed."""
        picture = (f'<div style="display:flex;gap:16px;align-items:flex-start">'
                   f"{self._output.value}{self._network.value}</div>")
        return Snapshot(picture, f"snapshot at epoch {self.epoch}: {self.report()!r}", kind="html")

    def close(self) -> None:
        """Stop playing and close the widget and everything in it."""
        self.pause()
        super().close()

    def __repr__(self) -> str:
        s = self.settings
        return (f"Playground(dataset={s.dataset!r}, features={s.features}, "
                f"hidden_sizes={s.hidden_sizes}, activations={s.activations}, "
                f"learning_rate={s.learning_rate:g}, epoch={self.epoch})")
