"""Playground: train a real PyTorch network on toy data, live, and watch what it learns."""

from __future__ import annotations

import asyncio
import copy
import json
import random
import time
import weakref
from pathlib import Path
from typing import ClassVar, NamedTuple

import ipywidgets as ipw
import torch
from torch import nn

from ..core import layers
from ..core.checks import check_int, check_text, short_repr
from ..core.devices import one_thread
from ..core.init import playground_scheme_names
from ..playground.data import DATASETS, EXTENT, FEATURES
from ..playground.own_data import MAX_CSV_BYTES, read_csv
from ..playground.pictures import (
    column_sizes,
    layer_name,
    loss_chart,
    loss_picture,
    network_picture,
    output_chart,
    output_picture,
    points_data,
    points_svg,
    unit_name,
)
from ..playground.script import script
from ..playground.settings import (
    MAX_HIDDEN_LAYERS,
    MAX_WIDTH,
    PlaygroundSettings,
)
from ..playground.share import read_share_code
from ..playground.share import share_code as encode_state
from ..playground.training import (
    MAX_EPOCHS_PER_CALL,
    OWN_DATA_IGNORES,
    PlaygroundRun,
    TrainingReport,
    check_state,
    replay,
    run_state,
)
from ..render.figures import Chart
from ..render.heatmap import PointsData
from ..render.html import STYLE, preformatted
from ..text import t
from .base import ChartViews, FixedTrait, InvalidValueError, LayerChoiceWidget, Snapshot
from .controls import CheckboxSet, HiddenLayersControl, button, control_for

#: The learning rates and regularization rates the menus offer (others can be set from code).
LEARNING_RATES = (0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
REGULARIZATION_RATES = (0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
#: Width of a hidden layer added with the layer-count control when there was none.
NEW_LAYER_WIDTH = 4
#: Most frames per second while playing (each frame trains one epoch and redraws).
MAX_FRAMES_PER_SECOND = 60
#: The most characters a saved state may have: a state is settings, an epoch and the
#: changes made while training, a few kilobytes even after thousands of changes.
MAX_STATE_BYTES = 1_000_000


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
        # the script seeds, and the reader's random state stays; one thread, as the
        # playground trains (the numbers are the same, and small networks run faster)
        with torch.random.fork_rng(devices=[]), one_thread():
            exec(compile(self.text, "<playground script>", "exec"), namespace)
        return namespace


class Playground(ChartViews, LayerChoiceWidget):
    """A live training playground: toy data, a real ``nn.Sequential``, one epoch per frame.

    Every setting is a trait: set it from code or move its control, the
    same checks apply. Data settings (dataset, noise, train_share,
    num_samples, seed) draw new points and restart; network settings
    (features, hidden_sizes, activations, init) build a new network and
    restart; training settings (learning_rate, batch_size, regularization,
    regularization_rate, optimizer) apply from the next epoch on.

    Args:
        data: your own points and labels, ``(X, y)``: ``X`` of shape ``(n, 2)``, ``y`` whole
            numbers (classes) or any numbers (regression), or ``(X, y, task)`` to say
            which; trains on them (dataset "own"). See :meth:`load_data`.
        **settings: any field of :class:`~widgets.playground.settings.PlaygroundSettings`.

    Pointing at a unit of the network picture shows that unit's output in the big
    picture (:meth:`point_at` does it from code); clicking a unit or a link selects
    its bias or weight, which the edit row (or :meth:`set_bias`, :meth:`set_weight`)
    changes by hand.

    ``figure(which)`` gives a picture as a matplotlib figure of the same numbers:
    ``"output"`` (the default: the output over the plane, or the unit pointed
    at, with the points on it) or ``"loss_chart"`` (train and test loss per
    epoch, every epoch); ``chart_data(which)`` gives the numbers themselves.
    The network picture has no figure.

    Example:
        >>> playground = Playground(dataset="xor", hidden_sizes=(8,))
        >>> playground.step(3).epoch
        3
        >>> playground.figure("loss_chart").axes[0].lines[0].get_xdata().tolist()
        [0.0, 1.0, 2.0, 3.0]
    """

    SPEC = PlaygroundSettings
    STATE = tuple(PlaygroundSettings.settings())
    FALLBACK_ACTIVATION = "tanh"
    #: The pictures drawn from numbers a figure shows: the output (the default) and the
    #: loss curves.
    CHARTS = ("output", "loss_chart")

    epoch = FixedTrait(0, "playground_widget.epoch_how", help=t("playground_widget.epoch_help"))
    playing = FixedTrait(False, "playground_widget.playing_how",
                         help=t("playground_widget.playing_help"))

    #: Playgrounds that have played in this kernel: one plays at a time.
    _players: ClassVar[weakref.WeakSet[Playground]] = weakref.WeakSet()

    #: The most epochs :meth:`load` replays unless told otherwise (``max_epochs=``):
    #: replaying is training again, about a second per 100 epochs of a small network.
    max_replay_epochs: int = 2_000

    def __init__(self, data: object = None, **settings: object) -> None:
        if data is not None:
            settings = {"own_data": data, "dataset": "own", **settings}
        start = PlaygroundSettings(**settings)
        try:
            run = PlaygroundRun(start)
        except Exception as error:  # a reader's layer fails with these settings
            raise ValueError(self._failure_text(start, error)) from error
        super().__init__()
        self._run = run
        self._task: asyncio.Task | None = None
        self._points_key: tuple[object, ...] | None = None
        self._points = ""
        self._point_sets: tuple[PointsData, ...] = ()
        self.frame_count = 0
        self._stop_message = ""
        self._frames_per_second = MAX_FRAMES_PER_SECOND
        self._pointed: tuple[int, int] | None = None
        self._selected: tuple[int, ...] | None = None
        self._build_controls()
        layers.on_registry_change(self._on_registry_change)
        try:
            self._start(start)
        except Exception as error:  # a reader's layer fails on the pictures' grid
            self.close()
            raise ValueError(str(error)) from error

    # -- state ------------------------------------------------------------------------------

    @property
    def settings(self) -> PlaygroundSettings:
        """The current settings, checked together."""
        return self._state

    def _prepare(self, spec: PlaygroundSettings) -> tuple[str, _Frame]:
        run = self._run
        saved = run.saved() if spec != run.settings else None
        try:
            what = "nothing" if saved is None else run.update(spec)
            frame = self._draw(spec)  # a reader's layer may fail only on the pictures' grid
        except Exception:
            if saved is not None:
                run.revert(saved)  # the run's own all-or-nothing: as it was before
            raise
        return what, frame

    def _show(self, content: tuple[str, _Frame]) -> None:
        what, frame = content
        if what not in ("training", "view", "nothing") and (self._selected or self._pointed):
            self._selected = self._pointed = None  # a new network: its units are others
            frame = self._draw(self._state)
        self._set_views(frame)
        self._show_selection()
        for name in OWN_DATA_IGNORES:  # they draw the built-in data sets, not your points
            self._controls[name].disabled = self._state.dataset == "own"
        self.set_trait("epoch", self._run.epoch)
        if what not in ("view", "nothing"):
            self.show_message("")  # a setting that works now: older messages are stale

    def refresh(self) -> None:
        """Build the network again (a registered layer it uses was replaced) from epoch 0."""
        try:
            self._run.reset()  # all or nothing: if the new layer fails, the run is as it was
        except Exception as error:
            raise InvalidValueError(self._failure_text(self._state, error)) from error
        self.set_trait("epoch", 0)
        self._draw_frame()

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
            raise RuntimeError(t("playground_widget.needs_loop")) from None
        for other in list(Playground._players):
            if other is not self and other.playing:  # e.g. the same cell run again
                other.pause()
                other.show_message(t("playground_widget.paused_by_other"), kind="info")
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
            self.show_message(t("playground_widget.play_stopped", kind=type(error).__name__,
                                error=error))
        finally:
            self.set_trait("playing", False)
            self._draw_frame()

    def frame(self) -> TrainingReport:
        """One frame of play: train one epoch and redraw the pictures and numbers."""
        self.frame_count += 1
        report = self._run.train(1)
        self._after_training(report)
        return report

    def _on_playing(self, change: object) -> None:
        play = self._controls["play"]
        play.description = t("playground_widget.pause" if change.new else "playground_widget.play")
        play.icon = "pause" if change.new else "play"

    # -- pointing at units, and weights by hand ---------------------------------------------

    def point_at(self, layer: int | None, unit: int = 0) -> None:
        """Show one unit's output over the plane in the big picture, as pointing at it does:
        ``layer`` 0 is the inputs, 1 to the number of hidden layers the hidden ones, the last
        the output; ``unit`` counts from 0. ``point_at(None)`` shows the network's output
        again."""
        if layer is None:
            pointed = None
        else:
            sizes = column_sizes(self._run)
            layer = check_int("layer", layer, 0, len(sizes) - 1)
            pointed = (layer, check_int("unit", unit, 0, sizes[layer] - 1))
        if pointed != self._pointed:
            self._pointed = pointed
            self._draw_pointed()

    @property
    def pointed(self) -> str | None:
        """The unit the big picture shows, by name ("hidden layer 1, unit 2 (tanh)"), or
        None while it shows the network's output."""
        return None if self._pointed is None else unit_name(self._run, self._pointed)

    def select(self, layer: int | None, unit: int = 0, from_unit: int | None = None) -> None:
        """Select a unit's bias (or, with ``from_unit``, the weight of the link into it
        from that unit of the layer before) for the edit row, as clicking it does;
        ``select(None)`` selects nothing."""
        if layer is None:
            self._selected = None
        elif layer == 0 and from_unit is None:  # an input: shown, but it has no bias
            self.point_at(0, unit)
            self._selected = (0, self._pointed[1])
        else:
            edit = self._run.check_edit(layer, unit, from_unit)
            self._selected = ((edit.layer, edit.row) if from_unit is None
                              else (edit.layer, edit.row, edit.column))
        self._show_selection()
        self._draw_network()

    def weight(self, layer: int, unit: int, from_unit: int) -> float:
        """The weight of the link into ``unit`` of ``layer`` from ``from_unit`` of the layer
        before (``layer`` 1 takes the inputs; units count from 0)."""
        return self._run.parameter_value(layer, unit, from_unit)

    def bias(self, layer: int, unit: int) -> float:
        """The bias of ``unit`` of ``layer`` (1 is the first hidden layer)."""
        return self._run.parameter_value(layer, unit)

    def set_weight(self, layer: int, unit: int, from_unit: int, value: float) -> None:
        """Set a weight by hand, now; kept in the saved state and in :meth:`code`'s script,
        which sets it at this same epoch. The next frame trains from it."""
        self._edit(self._run.check_edit(layer, unit, from_unit, value))

    def set_bias(self, layer: int, unit: int, value: float) -> None:
        """Set a bias by hand, now (see :meth:`set_weight`)."""
        self._edit(self._run.check_edit(layer, unit, None, value))

    @property
    def edits(self) -> list[dict[str, object]]:
        """The weights and biases set by hand in this run, in order, as the state saves them."""
        return [edit.as_dict() for edit in self._run.edits]

    def _edit(self, edit: object) -> None:
        self._run.apply_edit(edit)
        self._selected = ((edit.layer, edit.row) if edit.column is None
                          else (edit.layer, edit.row, edit.column))
        self._draw_frame()
        self._show_selection()

    def _on_pointer(self, change: object) -> None:
        """A line from the network picture's pointer script (see POINTER_SCRIPT)."""
        words = str(change.new).split()
        if not words:
            return
        self._controls["pointer"].value = ""  # so that the same line, sent again, counts
        try:
            if words[:1] == ["leave"]:
                self.point_at(None)
            elif words[:1] == ["hover"] and len(words) == 2:
                self.point_at(*map(int, words[1].split(",")))
            elif words[:2] == ["click", "unit"] and len(words) >= 3:
                layer, unit = map(int, words[2].split(","))
                self.select(layer, unit)
            elif words[:2] == ["click", "link"] and len(words) >= 3:
                layer, unit, from_unit = map(int, words[2].split(","))
                self.select(layer, unit, from_unit)
        except (ValueError, TypeError):
            pass  # a picture drawn for an older network: nothing to show

    def _set_from_edit_row(self) -> None:
        selected, value = self._selected, self._controls["edit_value"].value
        if selected is None or selected[0] == 0:
            self.show_message(t("playground_widget.select_first"), kind="info")
            return
        if len(selected) == 2:
            self._apply_from_controls(lambda: self.set_bias(*selected, value))
        else:
            self._apply_from_controls(lambda: self.set_weight(*selected, value))

    def _show_selection(self) -> None:
        """The edit row: what is selected and its value now."""
        selected, run = self._selected, self._run
        sizes = column_sizes(run)
        fits = selected is not None and selected[0] < len(sizes) and selected[1] < sizes[
            selected[0]] and (len(selected) == 2 or selected[2] < sizes[selected[0] - 1])
        if not fits:
            self._selected = selected = None
        if selected is None:
            text = t("playground_widget.nothing_selected")
        elif selected[0] == 0:
            text = t("playground_widget.input_selected", unit=unit_name(run, selected))
        elif len(selected) == 2:
            value = run.parameter_value(selected[0], selected[1])
            text = t("playground_widget.bias_selected", unit=unit_name(run, selected),
                     value=f"{value:.4g}")
        else:
            layer, row, column = selected
            value = run.parameter_value(layer, row, column)
            text = t("playground_widget.weight_selected",
                     source=unit_name(run, (layer - 1, column)),
                     unit=unit_name(run, (layer, row)), value=f"{value:.4g}")
        self._views["selection"].value = text
        self._showing = True
        try:
            if selected is not None and selected[0] != 0:
                self._controls["edit_value"].value = value  # exactly: "set" keeps it as it is
            self._show_pickers(selected)
        finally:
            self._showing = False

    def _show_pickers(self, selected: tuple[int, ...] | None) -> None:
        """The keyboard's way to select: a layer, a unit it feeds, and the bias or a unit
        of the layer before; they show the selection, whichever way it was made."""
        run, sizes = self._run, column_sizes(self._run)
        layer_menu, unit_box, source_menu = (self._controls[name] for name in
                                             ("pick_layer", "pick_unit", "pick_from"))
        layers = [(t("playground_widget.pick_layer_option", layer=k, into=layer_name(run, k)),
                   k) for k in range(1, len(sizes))]
        if list(layer_menu.options) != layers:
            layer_menu.options = layers
        layer = selected[0] if selected is not None and selected[0] > 0 else layer_menu.value
        layer = layer if layer in dict(layers).values() else 1
        layer_menu.value = layer
        unit_box.max = sizes[layer]
        unit_box.value = min(selected[1] + 1, sizes[layer]) if selected and selected[0] else 1
        sources = [(t("playground_widget.pick_bias"), -1)] + [
            (unit_name(run, (layer - 1, j)), j) for j in range(sizes[layer - 1])]
        if list(source_menu.options) != sources:
            source_menu.options = sources
        source_menu.value = selected[2] if selected is not None and len(selected) == 3 else -1

    def _on_picker(self, change: object) -> None:
        """A picker moved by the reader: select what the three say now."""
        if self._showing:
            return
        layer = self._controls["pick_layer"].value
        unit = self._controls["pick_unit"].value - 1
        source = self._controls["pick_from"].value
        sizes = column_sizes(self._run)
        if layer is None:
            return
        unit = min(max(unit, 0), sizes[layer] - 1)  # another layer may have fewer units
        has_source = source is not None and 0 <= source < sizes[layer - 1]
        self.select(layer, unit, source if has_source else None)

    def _draw_pointed(self) -> None:
        """Redraw the big picture (and the ring in the network picture) for the unit
        pointed at; nothing else changes."""
        output = output_chart(self._run, self._state.discretize, self._pointed, self._point_sets)
        self._views["output"].value = output_picture(output, self._points)
        self._keep_charts({"output": (output,)})
        self._draw_network()

    def _draw_network(self) -> None:
        self._views["network"].value = network_picture(self._run, self._state.discretize,
                                                       self._pointed, self._selected)

    def load_data(self, X: object, y: object | None = None, task: str | None = None) -> None:
        """Train on your own points: ``load_data(X, y)`` with arrays, or ``load_data(path)``
        for a CSV file with columns x1, x2 and label (classes) or target (regression).

        With arrays, whole-number labels (two to eight values) are classes and anything
        else a regression target, unless ``task`` ("classification" or "regression")
        says which. The plane shown runs from -6 to 6 on both axes: scale your points to
        it (a message says how many fall outside). Bad data is refused with a message
        naming the row and column; the playground keeps its data.
        """
        if y is None:
            if not isinstance(X, (str, Path)):
                raise TypeError(t("playground_widget.load_data_type", got=type(X).__name__))
            data = self._read_csv_file(Path(X))
        else:
            data = (X, y) if task is None else (X, y, task)
        self.configure(own_data=data, dataset="own")
        self._say_where_the_points_are()

    def _read_csv_file(self, path: Path) -> object:
        try:
            size = path.stat().st_size
            if size > MAX_CSV_BYTES:
                raise ValueError(t("playground_widget.csv_too_big", size=size,
                                   most=MAX_CSV_BYTES))
            content = path.read_bytes()
        except OSError as error:
            raise ValueError(t("playground_widget.cannot_read_csv", path=short_repr(str(path)),
                               error=error.strerror or error)) from None
        return read_csv(content)

    def _say_where_the_points_are(self) -> None:
        """An info line when some of your points lie outside the plane the pictures show."""
        data = self._state.own_data
        outside = int((data.X.abs() > EXTENT).any(dim=1).sum())
        if outside:
            self.show_message(t("playground_widget.points_outside", outside=outside,
                                points=len(data), extent=f"{EXTENT:g}"), kind="info")

    def _on_upload(self, change: object) -> None:
        files = change.new
        if not files:
            return
        upload = files[0]
        self._controls["upload"].value = ()  # the same file chosen again is read again
        size = int(upload.get("size", 0) or len(upload["content"]))
        if size > MAX_CSV_BYTES:
            self.show_message(t("playground_widget.csv_too_big", size=size, most=MAX_CSV_BYTES))
            return
        content = bytes(upload["content"])
        if self._apply_from_controls(
                lambda: self.configure(own_data=read_csv(content), dataset="own")):
            self.show_message(t("playground_widget.csv_loaded", name=upload.get("name", ""),
                                points=len(self._state.own_data)), kind="info")
            self._say_where_the_points_are()

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
            raise ValueError(t("playground_widget.cannot_write", path=repr(str(path)),
                               error=error.strerror or error)) from None
        return path

    def load(self, path: str | Path, replay_epochs: bool = True,
             max_epochs: int | None = None) -> TrainingReport:
        """Load a state saved by :meth:`save` and (by default) retrain to its epoch.

        Every field is checked first; if one is wrong, the playground keeps its
        current state and the error names the field. A state past ``max_epochs``
        (default :attr:`max_replay_epochs`) is refused before any training: replaying
        is training again, epoch by epoch. The message line shows the replay's
        progress; interrupting the kernel stops it and keeps the current state.
        """
        path = Path(path)
        try:
            size = path.stat().st_size
        except OSError as error:
            raise ValueError(t("playground_widget.cannot_read", path=short_repr(str(path)),
                               error=error.strerror or error)) from None
        if size > MAX_STATE_BYTES:
            raise ValueError(t("playground_widget.state_too_big", source=short_repr(str(path)),
                               size=size, most=MAX_STATE_BYTES))
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise ValueError(t("playground_widget.cannot_read", path=short_repr(str(path)),
                               error=getattr(error, "strerror", None) or error)) from None
        return self.load_json(text, replay_epochs, source=short_repr(str(path)),
                              max_epochs=max_epochs)

    def load_json(self, text: str, replay_epochs: bool = True,
                  source: str | None = None, max_epochs: int | None = None) -> TrainingReport:
        """Load a state from JSON text (see :meth:`load`)."""
        source = t("playground_widget.the_json") if source is None else source
        if not isinstance(text, str):
            raise TypeError(t("playground_widget.json_type", got=type(text).__name__))
        if len(text) > MAX_STATE_BYTES:
            raise ValueError(t("playground_widget.state_too_big", source=source,
                               size=len(text), most=MAX_STATE_BYTES))
        try:
            state = json.loads(text)
        except json.JSONDecodeError as error:
            raise ValueError(t("playground_widget.not_json", source=source,
                               error=error)) from None
        except RecursionError:
            raise ValueError(t("playground_widget.too_deep", source=source)) from None
        return self.load_state(state, replay_epochs, max_epochs=max_epochs)

    def load_state(self, state: object, replay_epochs: bool = True,
                   max_epochs: int | None = None) -> TrainingReport:
        """Load a state as :meth:`state` returns it (see :meth:`load`)."""
        saved = check_state(state)
        settings, epoch, changes, edits = saved.settings, saved.epoch, saved.changes, saved.edits
        if not replay_epochs:
            epoch, changes, edits = 0, [], [e for e in edits if e.epoch == 0]
        cap = self.max_replay_epochs if max_epochs is None else check_int(
            "max_epochs", max_epochs, 0, MAX_EPOCHS_PER_CALL)
        last = max([epoch, *(change.epoch for change in changes)])
        if last > cap:
            raise ValueError(t("playground_widget.replay_too_long", epoch=last, cap=cap))

        def progress(done: int, total: int) -> None:
            self.show_message(t("playground_widget.replaying", done=done, total=total),
                              kind="info")

        try:
            run, report = replay(settings, epoch, changes, progress=progress, edits=edits)
        except KeyboardInterrupt:
            self.show_message(t("playground_widget.replay_interrupted"), kind="info")
            raise
        except Exception as error:  # a reader's layer fails with these settings
            self.show_message("")
            raise ValueError(t("playground_widget.not_rebuilt", kind=type(error).__name__,
                               error=error)) from error
        self.pause()
        previous, self._run = self._run, run
        try:
            self._commit(settings, ("loaded", self._draw(settings)))
        except Exception:
            self._run = previous
            raise
        self.show_message(report.stopped)
        return report

    def share_code(self) -> str:
        """The whole setup (settings, epoch, changes made while training) as one short
        string; :meth:`from_code` or :meth:`load_code` restores it anywhere.

        Example:
            >>> Playground(seed=3).share_code().startswith("pg1-")
            True
        """
        return encode_state(self.state())

    def load_code(self, code: str, replay_epochs: bool = True,
                  max_epochs: int | None = None) -> TrainingReport:
        """Restore a setup from :meth:`share_code`'s string (checked as :meth:`load` checks
        a file; a refused code leaves the playground as it was)."""
        return self.load_state(read_share_code(code), replay_epochs, max_epochs=max_epochs)

    @classmethod
    def from_code(cls, code: str, replay_epochs: bool = True,
                  max_epochs: int | None = None) -> Playground:
        """A new playground with the setup :meth:`share_code` wrote into ``code``."""
        state = read_share_code(code)
        playground = cls()
        try:
            playground.load_state(state, replay_epochs, max_epochs=max_epochs)
        except BaseException:
            playground.close()
            raise
        return playground

    def code(self, num_epochs: int | None = None) -> PlaygroundScript:
        """A runnable PyTorch script that does this run for ``num_epochs`` (default: the
        epochs trained so far) and prints the same losses as the playground."""
        epochs = self.epoch if num_epochs is None else num_epochs
        note = ""
        if self._run.changes:
            moves = ", ".join(t("playground_widget.move", field=c.field, old=short_repr(c.old),
                                new=short_repr(c.new), epoch=c.epoch) for c in self._run.changes)
            note = t("playground_widget.changed_mid_run", moves=moves)
        return PlaygroundScript(script(self.settings, epochs, note, self._run.edits))

    # -- controls ---------------------------------------------------------------------------

    @classmethod
    def _activation_options(cls) -> list[tuple[str, str]]:
        return [(t("playground_widget.linear") if value == "identity" else label, value)
                for label, value in super()._activation_options()]

    def _layer_menus(self) -> list[ipw.Dropdown]:
        return self._controls["hidden_layers"].choices

    def _setting(self, name: str, width: str, **options: object) -> ipw.Widget:
        """The control of the setting ``name``, bound to it."""
        return self.bind(control_for(PlaygroundSettings, name, width=width,
                                     label_width="initial", **options), name)

    def _build_controls(self) -> None:
        action = self._apply_from_controls
        buttons = {
            "play": button(t("playground_widget.play"), "play", t("playground_widget.play_tip"),
                           lambda: action(self._toggle_play)),
            "step": button(t("playground_widget.step"), "step-forward",
                           t("playground_widget.step_tip"), lambda: action(lambda: self.step(1))),
            "reset": button(t("playground_widget.reset"), "undo",
                            t("playground_widget.reset_tip"), lambda: action(self.reset)),
            "regenerate": button(t("playground_widget.regenerate"), "refresh",
                                 t("playground_widget.regenerate_tip"),
                                 lambda: action(self.regenerate)),
        }
        self._expose(controls=buttons)
        epoch = ipw.HTML()
        top = ipw.HBox([
            buttons["play"], buttons["step"], buttons["reset"], epoch,
            self.bind(control_for(PlaygroundSettings, "learning_rate", width="170px",
                                  label_width="initial"), "learning_rate",
                      options=lambda: _menu(LEARNING_RATES, self.learning_rate)),
            self._setting("optimizer", "140px"),
            self._setting("batch_size", "160px"),
            self._setting("regularization", "170px"),
            self.bind(control_for(PlaygroundSettings, "regularization_rate", width="110px",
                                  label_width="initial"), "regularization_rate",
                      options=lambda: _menu(REGULARIZATION_RATES, self.regularization_rate)),
            self._setting("init", "190px", options=list(playground_scheme_names())),
        ], layout=ipw.Layout(flex_flow="row wrap", align_items="center"))

        names = {"two_gaussians": t("playground_widget.two_gaussians"),
                 "gaussian": t("playground_widget.gaussian"),
                 "blobs": t("playground_widget.blobs"), "arms": t("playground_widget.arms"),
                 "own": t("playground_widget.own")}
        # radio buttons: which one is chosen is read out, not only shown by colour
        dataset = self.bind(ipw.RadioButtons(
            options=[(names.get(n, n), n) for n in (*DATASETS, "own")],
            tooltip=" · ".join(f"{names.get(n, n)}: {d.description}"
                               for n, d in DATASETS.items()),
            layout=ipw.Layout(width="230px")), "dataset")
        upload = ipw.FileUpload(accept=".csv,text/csv", multiple=False,
                                description=t("playground_widget.upload"),
                                tooltip=t("playground_widget.upload_tip"),
                                layout=ipw.Layout(width="160px"))
        upload.observe(self._on_upload, names="value")
        noise = self._setting("noise", "160px", step=5)
        share = self._setting("train_share", "160px", step=10)
        data = ipw.VBox([ipw.HTML(t("playground_widget.data")), dataset, noise, share,
                         self._setting("num_samples", "160px"),
                         ipw.HBox([self._setting("seed", "160px")]), buttons["regenerate"],
                         upload],
                        layout=ipw.Layout(width="240px", margin="0 12px 0 0"))

        features = self.bind(CheckboxSet(dict(FEATURES)), "features")
        hidden = HiddenLayersControl(MAX_HIDDEN_LAYERS, self._activation_options(),
                                     (NEW_LAYER_WIDTH, "tanh"), width_box="64px",
                                     menu_width="140px", count_width="170px")
        self.bind(hidden, "hidden_layers",
                  read=lambda: (self._state.hidden_sizes, self._state.activations),
                  write=lambda value: self.configure(hidden_sizes=value[0], activations=value[1]))
        network_view = ipw.HTML()
        # what the network picture's pointer script writes to (hidden; see POINTER_SCRIPT)
        pointer = ipw.Text(layout=ipw.Layout(display="none"))
        pointer.add_class("ll-pointer")
        pointer.observe(self._on_pointer, names="value")
        selection = ipw.HTML()
        edit_value = ipw.FloatText(description=t("playground_widget.new_value"),
                                   layout=ipw.Layout(width="165px"),
                                   style={"description_width": "initial"})
        set_value = button(t("playground_widget.set_value"), "pencil",
                           t("playground_widget.set_value_tip"), self._set_from_edit_row)
        pickers = {
            "pick_layer": ipw.Dropdown(description=t("playground_widget.pick_layer"),
                                       layout=ipw.Layout(width="230px"),
                                       style={"description_width": "initial"}),
            "pick_unit": ipw.BoundedIntText(value=1, min=1, max=1,
                                            description=t("playground_widget.pick_unit"),
                                            layout=ipw.Layout(width="95px"),
                                            style={"description_width": "initial"}),
            "pick_from": ipw.Dropdown(description=t("playground_widget.pick_from"),
                                      layout=ipw.Layout(width="255px"),
                                      style={"description_width": "initial"}),
        }
        for picker in pickers.values():
            picker.observe(self._on_picker, names="value")
        edit_row = ipw.VBox([  # two short rows: the column stays as wide as the picture
            ipw.HBox([pickers["pick_layer"], pickers["pick_unit"]],
                     layout=ipw.Layout(align_items="center")),
            ipw.HBox([pickers["pick_from"], edit_value, set_value],
                     layout=ipw.Layout(align_items="center", flex_flow="row wrap"))])
        network = ipw.VBox([
            ipw.HTML(t("playground_widget.network_head", max_width=MAX_WIDTH)),
            features, hidden, self._setting("loss", "200px"), network_view, pointer,
            selection, edit_row], layout=ipw.Layout(margin="0 12px 0 0", max_width="520px"))

        views = {"epoch": epoch, "network": network_view, "losses": ipw.HTML(),
                 "loss_chart": ipw.HTML(), "output": ipw.HTML()}
        output = ipw.VBox([ipw.HTML(t("playground_widget.output")), views["losses"],
                           views["loss_chart"], views["output"],
                           ipw.HBox([self._setting("show_test_data", "140px"),
                                     self._setting("discretize", "150px")])])

        show_code = ipw.ToggleButton(description=t("playground_widget.show_code"), icon="code")
        show_state = ipw.ToggleButton(description=t("playground_widget.show_state"), icon="save")
        code = ipw.HTML(layout=ipw.Layout(display="none"))
        state_text = ipw.Textarea(layout=ipw.Layout(width="520px", height="220px"))
        path = ipw.Text(value="playground.json", description=t("playground_widget.file"),
                        layout=ipw.Layout(width="260px"))
        files = {
            "apply_json": button(t("playground_widget.apply_json"), "check",
                                 t("playground_widget.apply_json_tip"),
                                 lambda: action(lambda: self.load_json(state_text.value))),
            "save": button(t("playground_widget.save"), "download",
                           t("playground_widget.save_tip"), self._save_from_control),
            "load": button(t("playground_widget.load"), "upload",
                           t("playground_widget.load_tip"),
                           lambda: action(lambda: self.load(path.value))),
        }
        share = ipw.Text(description=t("playground_widget.share_code"),
                         layout=ipw.Layout(width="520px"),
                         style={"description_width": "initial"})
        files["apply_code"] = button(t("playground_widget.apply_code"), "check",
                                     t("playground_widget.apply_code_tip"),
                                     lambda: action(lambda: self.load_code(share.value)))
        replay_note = ipw.HTML()
        state_box = ipw.VBox([state_text, replay_note,
                              ipw.HBox([files["apply_json"], path, files["save"], files["load"]]),
                              ipw.HBox([share, files["apply_code"]],
                                       layout=ipw.Layout(flex_flow="row wrap"))],
                             layout=ipw.Layout(display="none"))
        self._expose(controls={"show_code": show_code, "show_state": show_state,
                               "state_text": state_text, "path": path, "share_code": share,
                               "upload": upload, "pointer": pointer, "edit_value": edit_value,
                               "set_value": set_value, **pickers, **files},
                     views={**views, "code": code, "state_box": state_box,
                            "replay_note": replay_note, "selection": selection})
        self.add_class("ll-playground")
        show_code.observe(self._on_panels, names="value")
        show_state.observe(self._on_panels, names="value")
        self.observe(self._on_playing, names="playing")
        self._message.layout.min_height = "32px"  # a line kept for it: nothing jumps when it shows
        self._lay_out(ipw.HTML(STYLE + t("playground_widget.header")), top, self._message,
                      ipw.HBox([data, network, output], layout=ipw.Layout(flex_flow="row wrap")),
                      ipw.HBox([show_code, show_state]), code, state_box)

    def _save_from_control(self) -> None:
        path = self._controls["path"].value
        if self._apply_from_controls(lambda: self.save(path)):
            self.show_message(t("playground_widget.saved", path=path), kind="info")

    def _toggle_play(self) -> None:
        if self.playing:
            self.pause()
        else:
            self.play()

    def _on_panels(self, change: object) -> None:
        self._views["code"].layout.display = None if self._controls["show_code"].value else "none"
        self._views["state_box"].layout.display = (None if self._controls["show_state"].value
                                                   else "none")
        self._draw_panels()

    # -- view -------------------------------------------------------------------------------

    def _draw(self, spec: PlaygroundSettings) -> _Frame:
        """Every picture and number of a frame, and what the charts are drawn from, for
        ``spec`` and the run as it is."""
        run = self._run
        key = (id(run.X), id(run.y), spec.show_test_data)
        if key != self._points_key:
            point_sets = (points_data(run.X, run.y, run.train_index, "#fff"),)
            if spec.show_test_data:
                point_sets += (points_data(run.X, run.y, run.test_index, "#222"),)
            points = "".join(points_svg(p) for p in point_sets)
        else:
            points, point_sets = self._points, self._point_sets
        report = run.report()
        accuracy = ""
        if report.train_accuracy is not None:
            accuracy = t("playground_widget.accuracy", train=report.train_accuracy,
                         test=report.test_accuracy)
        sizes = column_sizes(run)
        if self._pointed is not None and not (self._pointed[0] < len(sizes)
                                              and self._pointed[1] < sizes[self._pointed[0]]):
            self._pointed = None  # the network changed under the pointer
        # the pictures run the network (a reader's layers too) over the plane
        output = output_chart(run, spec.discretize, self._pointed, point_sets)
        losses = loss_chart(run.train_losses, run.test_losses)
        views = {
            "output": output_picture(output, points),
            "network": network_picture(run, spec.discretize, self._pointed, self._selected),
            "loss_chart": loss_picture(losses),
        }
        views["losses"] = t("playground_widget.losses", train=report.train_loss,
                            test=report.test_loss, accuracy=accuracy)
        views["epoch"] = t("playground_widget.epoch", epoch=run.epoch)
        self._points_key, self._points, self._point_sets = key, points, point_sets
        return _Frame(views, {"output": (output,), "loss_chart": (losses,)})

    def _set_views(self, frame: _Frame) -> None:
        for name, value in frame.views.items():
            self._views[name].value = value
        self._keep_charts(frame.charts)
        if not self.playing:
            self._draw_panels()
        elif self._controls["show_code"].value:
            self._views["code"].value = preformatted(str(self.code()))

    def _draw_frame(self) -> None:
        """Redraw what training changes: pictures, numbers, and open panels."""
        self._set_views(self._draw(self._state))

    def _draw_panels(self) -> None:
        if self._controls["show_code"].value:
            self._views["code"].value = preformatted(str(self.code()))
        if self._controls["show_state"].value:
            self._controls["state_text"].value = self.to_json()
            self._controls["share_code"].value = self.share_code()
            self._views["replay_note"].value = t("playground_widget.replay_note",
                                                 cap=self.max_replay_epochs)

    def snapshot(self) -> Snapshot:
        """A still picture of the output heatmap and the network now, kept where displayed."""
        picture = (f'<div style="display:flex;gap:16px;align-items:flex-start">'
                   f'{self._views["output"].value}{self._views["network"].value}</div>')
        return Snapshot(picture, t("playground_widget.snapshot", epoch=self.epoch,
                                   report=repr(self.report())), kind="html")

    def close(self) -> None:
        """Stop playing and close the widget and everything in it."""
        self.pause()
        super().close()

    def __repr__(self) -> str:
        s = self.settings
        return (f"Playground(dataset={s.dataset!r}, features={s.features}, "
                f"hidden_sizes={s.hidden_sizes}, activations={s.activations}, "
                f"learning_rate={s.learning_rate:g}, epoch={self.epoch})")


class _Frame(NamedTuple):
    """What a frame shows: each view's content, and what its charts are drawn from."""

    views: dict[str, str]
    charts: dict[str, tuple[Chart, ...]]


def _menu(values: tuple[float, ...], current: float) -> list[tuple[str, float]]:
    """A menu of ``values`` that also holds ``current`` (set from code, say)."""
    chosen = sorted({*values, current})
    return [(f"{v:g}", v) for v in chosen]
