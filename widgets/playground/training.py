"""A playground run: data, a network and its training, one epoch at a time.

:class:`PlaygroundRun` holds what a run needs between epochs (the points, the
network, the optimizer, the random generators and the loss history) and
runs the functions compiled from :mod:`widgets.playground.settings`, so a run
matches the script "show code" prints, number for number.

Example:
    >>> run = PlaygroundRun(PlaygroundSettings())
    >>> run.train(5).epoch
    5
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import torch
from torch import nn

from ..core.checks import check_float, check_int, missing_and_unknown, short_repr
from ..core.devices import one_thread
from ..text import t
from .data import DATASETS, plane_grid
from .script import Edit, compile_functions
from .settings import (
    DATA_FIELDS,
    NETWORK_FIELDS,
    OPTIMIZERS,
    OWN,
    TRAINING_FIELDS,
    PlaygroundSettings,
    changed_fields,
)

#: Most epochs one call may train.
MAX_EPOCHS_PER_CALL = 100_000
#: Largest size of a weight or bias set by hand, and most such edits in one run.
MAX_EDIT_VALUE, MAX_EDITS = 1000.0, 10_000


def loss_text(value: float) -> str:
    """A loss with four decimals, or four significant digits when it is huge.

    Example:
        >>> loss_text(0.012345), loss_text(6.5e33)
        ('0.0123', '6.5e+33')
    """
    return f"{value:.4f}" if abs(value) < 1e4 else f"{value:.4g}"


@dataclass(frozen=True)
class TrainingReport:
    """What a call to ``train``/``step`` did, printed in one line.

    ``stopped`` says why training stopped early (the loss diverged, a layer
    raised), or is empty.
    """

    epoch: int
    epochs_trained: int
    train_loss: float
    test_loss: float
    train_accuracy: float | None = None
    test_accuracy: float | None = None
    stopped: str = ""

    def __repr__(self) -> str:
        text = t("playground.training.report", epoch=self.epoch,
                 train_loss=loss_text(self.train_loss), test_loss=loss_text(self.test_loss))
        if self.train_accuracy is not None and self.test_accuracy is not None:
            text = t("playground.training.report_accuracy", report=text,
                     train=self.train_accuracy, test=self.test_accuracy)
        if self.stopped:
            return t("playground.training.report_stopped", report=text, stopped=self.stopped)
        return text


#: Data settings that do nothing to your own points (they draw the built-in data sets).
OWN_DATA_IGNORES = ("noise", "num_samples")
#: Points of the plane's grid sent through the network at once when drawing.
GRID_CHUNK = 2000


@dataclass(frozen=True)
class FrameGrid:
    """The network over the grid, as a frame draws it (see :meth:`PlaygroundRun.frame_grid`):
    ``output`` (units, density, density), ``tiles`` per hidden layer (units, side, side),
    ``unit`` one hidden unit's values (density, density) or None."""

    output: torch.Tensor
    tiles: list[torch.Tensor]
    unit: torch.Tensor | None


@dataclass(frozen=True)
class Change:
    """A training setting changed during a run: at which epoch, from what, to what."""

    epoch: int
    field: str
    old: object
    new: object

    def as_dict(self) -> dict[str, object]:
        return {"epoch": self.epoch, "field": self.field, "from": self.old, "to": self.new}


class PlaygroundRun:
    """The data, network and training state of one playground run.

    Args:
        settings: the run's :class:`~widgets.playground.settings.PlaygroundSettings`.
    """

    def __init__(self, settings: PlaygroundSettings) -> None:
        self.settings = settings
        self.changes: list[Change] = []
        self.edits: list[Edit] = []
        self._frame_cache: dict[tuple[object, ...], FrameGrid] = {}
        self._scores: tuple[float, float, float, float] = (math.nan,) * 4
        self._make_data()
        self._make_network()

    # -- building ---------------------------------------------------------------------------

    def _make_data(self) -> None:
        """Draw the points and split them, as the script's first lines do."""
        s = self.settings
        g = torch.Generator().manual_seed(s.seed)
        if s.dataset == OWN:
            X, y = s.own_data.X.clone(), s.own_data.y.clone()
        else:
            X, y = DATASETS[s.dataset].make(s.num_samples, s.noise / 100, g)
        split = torch.randperm(len(X), generator=g)
        num_train = round(len(X) * (s.train_share / 100))
        self.X, self.labels = X, y
        self.train_index, self.test_index = split[:num_train], split[num_train:]
        self._generator_after_split = g.get_state()

    def _make_network(self) -> None:
        """Compile the run's functions, build the network and start training from epoch 0."""
        s = self.settings
        functions = compile_functions(s)
        self._features, self._train_epoch = functions["features"], functions["train_epoch"]
        self.y = functions["targets"](self.labels)  # what the loss compares the outputs with
        with torch.no_grad():
            self.X_train = self._features(self.X[self.train_index])
            self.X_test = self._features(self.X[self.test_index])
        self.y_train, self.y_test = self.y[self.train_index], self.y[self.test_index]
        with torch.random.fork_rng(devices=[]):
            self.net: nn.Module = functions["make_net"]()
            self._rng_state = torch.get_rng_state()  # training's random numbers continue from here
        self._generator = torch.Generator()
        self._generator.set_state(self._generator_after_split)
        self.optimizer = self._make_optimizer()
        self.epoch = 0
        self.train_losses: list[float] = []
        self.test_losses: list[float] = []
        self.changes = []
        self.edits = []
        self._clear_caches()
        self._record_losses()

    def _clear_caches(self) -> None:
        self._frame_cache.clear()

    def _make_optimizer(self) -> torch.optim.Optimizer:
        kind = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam}[self.settings.optimizer]
        assert OPTIMIZERS[self.settings.optimizer].endswith(kind.__name__)
        return kind(self.net.parameters(), lr=self.settings.learning_rate)

    def reset(self) -> None:
        """Back to epoch 0: the same data, the network as initialized."""
        saved = self.saved()
        try:
            self._make_network()
        except BaseException:
            self.revert(saved)
            raise

    def update(self, settings: PlaygroundSettings) -> str:
        """Move to ``settings``; returns what was redone: "data", "network", "training",
        "view" or "nothing".

        New data or a new network restart the run at epoch 0. Training settings
        (learning rate, batch size, regularization, optimizer) apply from the
        next epoch on, and are recorded in :attr:`changes` when made mid-run.
        """
        changed = changed_fields(self.settings, settings)
        if self.settings.dataset == settings.dataset == OWN:  # your points: no noise, no count
            changed = tuple(n for n in changed if n not in OWN_DATA_IGNORES)
        saved = self.saved()
        old, self.settings = self.settings, settings
        try:
            if any(name in DATA_FIELDS for name in changed):
                self._make_data()
                self._make_network()
                return "data"
            if any(name in NETWORK_FIELDS for name in changed):
                self._make_network()
                return "network"
            if any(name in TRAINING_FIELDS for name in changed):
                self._apply_training_changes(old, changed)
                return "training"
        except BaseException:
            self.revert(saved)  # all or nothing: the run is as it was before
            raise
        return "view" if changed else "nothing"

    def saved(self) -> dict[str, object]:
        """What :meth:`revert` needs to undo an :meth:`update` or :meth:`reset`.

        Updates and resets replace the run's parts (data, network, optimizer, lists)
        rather than change them in place, so keeping references is enough.
        """
        state = dict(self.__dict__)
        state["_frame_cache"] = dict(self._frame_cache)
        state["_lr"] = [group["lr"] for group in self.optimizer.param_groups]
        return state

    def revert(self, saved: dict[str, object]) -> None:
        """Put back the run as :meth:`saved` found it."""
        saved = dict(saved)
        rates = saved.pop("_lr")
        self.__dict__.clear()
        self.__dict__.update(saved)
        for group, rate in zip(self.optimizer.param_groups, rates):
            group["lr"] = rate

    def _apply_training_changes(self, old: PlaygroundSettings, changed: tuple[str, ...]) -> None:
        s = self.settings
        if "regularization" in changed or "regularization_rate" in changed:
            self._train_epoch = compile_functions(s)["train_epoch"]
        if "optimizer" in changed:
            self.optimizer = self._make_optimizer()  # a new optimizer starts with no momentum
        elif "learning_rate" in changed:
            for group in self.optimizer.param_groups:
                group["lr"] = s.learning_rate
        if self.epoch:
            self.changes = self.changes + [
                Change(self.epoch, name, getattr(old, name), getattr(s, name))
                for name in changed if name in TRAINING_FIELDS]

    # -- training ---------------------------------------------------------------------------

    @contextlib.contextmanager
    def _training_random_state(self) -> Iterator[None]:
        """Training draws from its own random stream; the reader's stays as it was."""
        with torch.random.fork_rng(devices=[]):
            torch.set_rng_state(self._rng_state)
            yield
            self._rng_state = torch.get_rng_state()

    def _checkpoint(self) -> tuple[object, ...]:
        params = [p.detach().clone() for p in self.net.parameters()]
        buffers = [b.clone() for b in self.net.buffers()]  # e.g. batch norm's running means
        optimizer_state = {
            id(p): {k: v.clone() if isinstance(v, torch.Tensor) else v for k, v in state.items()}
            for p, state in self.optimizer.state.items()}
        return (params, buffers, optimizer_state, self._generator.get_state(),
                self._rng_state.clone())

    def _restore(self, checkpoint: tuple[object, ...]) -> None:
        params, buffers, optimizer_state, generator_state, rng_state = checkpoint
        with torch.no_grad():
            for p, saved in zip(self.net.parameters(), params):
                p.copy_(saved)
            for b, saved in zip(self.net.buffers(), buffers):
                b.copy_(saved)
        self.optimizer.state.clear()
        for p in self.net.parameters():
            if id(p) in optimizer_state:
                self.optimizer.state[p] = optimizer_state[id(p)]
        self._generator.set_state(generator_state)
        self._rng_state = rng_state

    def train(self, epochs: int = 1) -> TrainingReport:
        """Train ``epochs`` epochs (1 to 100,000) and report the losses.

        If the loss becomes NaN or infinite, or the network raises, training
        stops, the network goes back to the last good epoch, and the report
        says why in ``stopped``.
        """
        epochs = check_int("epochs", epochs, 1, MAX_EPOCHS_PER_CALL)
        with one_thread():
            done, stopped = self._train(epochs)
        return self.report(done, stopped)

    def _train(self, epochs: int) -> tuple[int, str]:
        stopped = ""
        done = 0
        for _ in range(epochs):
            checkpoint = self._checkpoint()
            try:
                with self._training_random_state():
                    self._train_epoch(self.net, self.optimizer, self.X_train, self.y_train,
                                      self.settings.batch_size, self._generator)
                scores = self._score()
            except Exception as error:  # a reader's layer failed in training or scoring
                self._restore(checkpoint)
                stopped = t("playground.training.stopped", epoch=self.epoch + 1,
                            error_type=type(error).__name__, error=error, kept=self.epoch)
                break
            train_loss, test_loss = scores[:2]
            if not (math.isfinite(train_loss) and math.isfinite(test_loss)
                    and self._parameters_finite()):
                self._restore(checkpoint)
                bad = train_loss if not math.isfinite(train_loss) else test_loss
                what = t("playground.training.nan" if math.isnan(bad)
                         else "playground.training.infinite")
                stopped = t("playground.training.diverged", epoch=self.epoch + 1, what=what,
                            rate=self.settings.learning_rate, kept=self.epoch)
                break
            self.epoch += 1
            done += 1
            self.train_losses.append(train_loss)
            self.test_losses.append(test_loss)
            self._scores = scores
            self._clear_caches()
        return done, stopped

    def report(self, epochs_trained: int = 0, stopped: str = "") -> TrainingReport:
        """The current losses (and accuracies for classification) as a report."""
        accuracies = self.accuracies() if self.settings.task == "classification" else (None, None)
        return TrainingReport(self.epoch, epochs_trained, self.train_losses[-1],
                              self.test_losses[-1], *accuracies, stopped=stopped)

    def _parameters_finite(self) -> bool:
        return all(bool(torch.isfinite(p).all()) for p in self.net.parameters())

    @contextlib.contextmanager
    def _evaluating(self) -> Iterator[None]:
        """Evaluation mode, no gradients, one thread, training's random stream untouched."""
        self.net.eval()  # train_epoch switches back to training mode
        with torch.no_grad(), torch.random.fork_rng(devices=[]), one_thread():
            torch.default_generator.manual_seed(self.settings.seed)  # the CPU one: fast
            yield

    def _outputs(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The network's outputs for the training and the test points, each set on its own
        (as the script computes them: a layer may mix the rows of a batch)."""
        with self._evaluating():
            return self.net(self.X_train), self.net(self.X_test)

    def _score(self) -> tuple[float, float, float, float]:
        """Train and test loss, and the share of train and test points on the right side
        of 0 (what the accuracy is for classification), from one pass over each set."""
        cross_entropy = self.settings.loss_kind == "cross_entropy"
        loss_fn = nn.CrossEntropyLoss() if cross_entropy else nn.MSELoss()
        train, test = self._outputs()

        def right(outputs: torch.Tensor, y: torch.Tensor) -> float:
            if cross_entropy:
                return (outputs.argmax(dim=1) == y).float().mean().item()
            return ((outputs >= 0) == (y > 0)).float().mean().item()

        return (loss_fn(train, self.y_train).item(), loss_fn(test, self.y_test).item(),
                right(train, self.y_train), right(test, self.y_test))

    def _record_losses(self) -> None:
        self._scores = self._score()
        self.train_losses.append(self._scores[0])
        self.test_losses.append(self._scores[1])

    @property
    def train_loss(self) -> float:
        """The loss (mean squared error or cross-entropy) on the training set now."""
        return self.train_losses[-1]

    @property
    def test_loss(self) -> float:
        """The loss on the test set now."""
        return self.test_losses[-1]

    def accuracies(self) -> tuple[float, float]:
        """Share of training and test points classified right (classification): on the
        right side of 0 with one output, the largest output the right class with several."""
        return self._scores[2], self._scores[3]

    # -- weights and biases by hand --------------------------------------------------------

    def linear_layers(self) -> list[nn.Linear]:
        """The network's own ``nn.Linear`` layers, input side first (layer 1 is the first):
        those of the ``nn.Sequential`` itself, not any inside a reader's layer."""
        return [m for m in self.net.children() if isinstance(m, nn.Linear)]

    def check_edit(self, layer: object, row: object, column: object = None,
                   value: object = 0.0) -> Edit:
        """An :class:`~widgets.playground.script.Edit` at this epoch, checked: ``layer``
        from 1 to the number of Linear layers, ``row`` and ``column`` inside its weight,
        ``value`` a finite number of size at most :data:`MAX_EDIT_VALUE`."""
        linears = self.linear_layers()
        layer = check_int("layer", layer, 1, len(linears))
        rows, columns = linears[layer - 1].weight.shape
        row = check_int("unit", row, 0, rows - 1)
        if column is not None:
            column = check_int("from_unit", column, 0, columns - 1)
        value = check_float("value", value, -MAX_EDIT_VALUE, MAX_EDIT_VALUE)
        return Edit(self.epoch, layer, row, column, value)

    def apply_edit(self, edit: Edit) -> None:
        """Set a weight or bias now, as the script's ``apply_edits`` does; kept in
        :attr:`edits` (and so in the saved state and the script)."""
        if len(self.edits) >= MAX_EDITS:
            raise ValueError(t("playground.training.too_many_edits", most=MAX_EDITS))
        with torch.no_grad():
            self.net.get_parameter(edit.parameter)[edit.index] = edit.value
        self.edits = [*self.edits, edit]
        self._clear_caches()
        self._scores = self._score()
        self.train_losses[-1], self.test_losses[-1] = self._scores[:2]

    def parameter_value(self, layer: int, row: int, column: int | None = None) -> float:
        """The weight (or, with ``column`` None, the bias) now."""
        edit = self.check_edit(layer, row, column)
        return float(self.net.get_parameter(edit.parameter).detach()[edit.index])

    # -- what the pictures show --------------------------------------------------------------

    def grid_values(self, density: int) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """The outputs over a ``density`` x ``density`` grid of the plane, and each hidden
        unit's output there: ``(outputs (units, density, density), [per layer (units,
        density, density)])``; one output unit, or one per class with cross-entropy.

        A hidden layer's units are read after its activation (or custom layer).
        """
        found = self.frame_grid(density, 1)  # every point of every hidden unit; kept there
        return found.output, list(found.tiles)

    def frame_grid(self, density: int, step: int, unit: tuple[int, int] | None = None,
                   ) -> FrameGrid:
        """What one frame's pictures need from the network over a ``density`` x ``density``
        grid: the outputs everywhere, each hidden unit at every ``step``-th row and column
        of the grid (from ``step // 2``), and, for ``unit`` (hidden layer from 1, unit), that
        unit everywhere. Kept until the network changes.

        The grid goes through the network two thousand points at a time and only those
        values are kept: one pass, and no layer's values for all points held at once.
        """
        key = (density, step, unit)
        if key in self._frame_cache:
            return self._frame_cache[key]
        grid = plane_grid(density)
        start = step // 2
        lattice = torch.arange(start, density, step)
        lattice = (lattice[:, None] * density + lattice[None, :]).flatten()
        modules = list(self.net.children()) if isinstance(self.net, nn.Sequential) else [self.net]
        layers = len(self.settings.hidden_sizes)
        outputs: list[torch.Tensor] = []
        tiles: list[list[torch.Tensor]] = [[] for _ in range(layers)]
        chosen: list[torch.Tensor] = []
        # a reader's layer may mix the points of a batch (subtract their mean, say): it sees
        # the whole grid at once, as it always has
        chunk = len(grid) if self.settings.custom_layers else GRID_CHUNK
        with self._evaluating():
            for first in range(0, len(grid), chunk):
                h = self._features(grid[first:first + chunk])
                picked = lattice[(lattice >= first) & (lattice < first + len(h))] - first
                for i, module in enumerate(modules):
                    h = module(h)
                    if i % 2 == 1 and i // 2 < layers:  # after a hidden layer
                        tiles[i // 2].append(h[picked])
                        if unit is not None and unit[0] == i // 2 + 1:
                            chosen.append(h[:, unit[1]])
                outputs.append(h)
        side = len(range(start, density, step))
        if unit is not None:  # only the last unit pointed at is kept beside the plain grid
            for other in [k for k in self._frame_cache if k[2] is not None]:
                del self._frame_cache[other]
        found = FrameGrid(
            torch.cat(outputs).T.reshape(-1, density, density),
            [torch.cat(parts).T.reshape(-1, side, side) for parts in tiles],
            torch.cat(chosen).reshape(density, density) if chosen else None)
        self._frame_cache[key] = found
        return found

    def feature_values(self, density: int) -> torch.Tensor:
        """Each input feature over the grid: ``(features, density, density)``."""
        with torch.no_grad(), one_thread():
            return self._features(plane_grid(density)).T.reshape(-1, density, density)

    def linear_weights(self) -> list[torch.Tensor]:
        """The weight matrix of each ``nn.Linear``, input side first."""
        return [m.weight.detach() for m in self.linear_layers()]



# -- saving and loading a run as JSON --------------------------------------------------------

#: What a saved playground state says it is, and the version of its layout.
STATE_FORMAT, STATE_VERSION = "layerlab-playground", 3
#: Version 1 named TensorFlow Playground's scheme (±0.5, biases 0.1) "uniform"; from version 2
#: "uniform" is uniform in ±scale everywhere, and that scheme is "tf_playground".
_RENAMED_IN_2 = {"init": {"uniform": "tf_playground"}}
#: Version 3 added the loss, the reader's own data and the weights set by hand; older
#: states read as having none of them.
_ADDED_IN_3 = {"loss": "auto", "own_data": None}
STATE_FIELDS = ("format", "version", "settings", "epoch", "changes", "edits")
EDIT_FIELDS = ("epoch", "layer", "row", "column", "value")


def run_state(run: PlaygroundRun) -> dict[str, object]:
    """Everything needed to reproduce ``run``: settings, epochs trained, mid-run changes
    and weights or biases set by hand."""
    return {"format": STATE_FORMAT, "version": STATE_VERSION,
            "settings": run.settings.as_dict(), "epoch": run.epoch,
            "changes": [change.as_dict() for change in run.changes],
            "edits": [edit.as_dict() for edit in run.edits]}


def _json_value(value: object) -> object:
    return tuple(value) if isinstance(value, list) else value


def _check_fields(mapping: dict, expected: tuple[str, ...], missing_id: str,
                  unknown_id: str) -> None:
    """Raise if ``mapping`` lacks one of ``expected`` or holds another key, naming them all
    with the catalogue's texts ``missing_id`` and ``unknown_id``."""
    missing, unknown = missing_and_unknown(mapping, expected)
    problems = ([t(missing_id, names=missing)] if missing else []) + (
        [t(unknown_id, names=unknown)] if unknown else [])
    if problems:
        raise ValueError("; ".join(problems))


@dataclass(frozen=True)
class SavedRun:
    """A saved state, checked: what :func:`replay` needs to redo the run."""

    settings: PlaygroundSettings
    epoch: int
    changes: list[Change]
    edits: list[Edit]


def check_state(state: object) -> SavedRun:
    """Check a saved state (as :func:`run_state` writes it); raise naming the bad field.

    Versions 1 and 2 (without the loss, own data and edits) are read too.
    """
    if not isinstance(state, dict):
        raise TypeError(t("playground.training.state_type", fields=", ".join(STATE_FIELDS),
                          got=type(state).__name__))
    version = state.get("version")
    if "version" in state and (version not in (1, 2, STATE_VERSION)
                               or isinstance(version, bool)):
        raise ValueError(t("playground.training.state_version", expected=STATE_VERSION,
                           got=short_repr(version)))
    if version in (1, 2):
        state = {"edits": [], **state}
    _check_fields(state, STATE_FIELDS, "playground.training.state_missing",
                  "playground.training.state_unknown")
    if state["format"] != STATE_FORMAT:
        raise ValueError(t("playground.training.state_format", expected=repr(STATE_FORMAT),
                           got=short_repr(state["format"])))
    fields = state["settings"]
    if not isinstance(fields, dict):
        raise TypeError(t("playground.training.settings_type", got=type(fields).__name__))
    if version == 1:  # read as it was written: old names for the same schemes
        fields = {name: _RENAMED_IN_2.get(name, {}).get(value, value)
                  if isinstance(value, str) else value for name, value in fields.items()}
    if version in (1, 2):
        fields = {**_ADDED_IN_3, **fields}
    _check_fields(fields, tuple(PlaygroundSettings().as_dict()),
                  "playground.training.settings_missing", "playground.training.settings_unknown")
    try:
        settings = PlaygroundSettings(**{k: _json_value(v) for k, v in fields.items()})
    except (ValueError, TypeError) as error:
        raise type(error)(t("playground.training.settings_error", error=error)) from None
    epoch = check_int(t("playground.training.epoch"), state["epoch"], 0, MAX_EPOCHS_PER_CALL)
    return SavedRun(settings, epoch, _check_changes(state["changes"], settings, epoch),
                    _check_edits(state["edits"], settings, epoch))


def _check_edits(edits: object, settings: PlaygroundSettings, epoch: int) -> list[Edit]:
    """The weights and biases set by hand, each inside the network, in the order made."""
    where = t("playground.training.edits")
    if not isinstance(edits, list):
        raise TypeError(t("playground.training.changes_type", where=where,
                          got=type(edits).__name__))
    if len(edits) > MAX_EDITS:
        raise ValueError(t("playground.training.too_many_edits", most=MAX_EDITS))
    sizes = (len(settings.features), *settings.hidden_sizes, settings.outputs)
    checked: list[Edit] = []
    for i, item in enumerate(edits):
        at = f"{where}[{i}]"
        if not isinstance(item, dict) or set(item) != set(EDIT_FIELDS):
            raise ValueError(t("playground.training.edit_type", at=at,
                               fields=", ".join(EDIT_FIELDS), got=short_repr(item)))
        low = checked[-1].epoch if checked else 0
        when = check_int(f"{at}.epoch", item["epoch"], low, max(epoch, low))
        layer = check_int(f"{at}.layer", item["layer"], 1, len(sizes) - 1)
        row = check_int(f"{at}.row", item["row"], 0, sizes[layer] - 1)
        column = item["column"]
        if column is not None:
            column = check_int(f"{at}.column", column, 0, sizes[layer - 1] - 1)
        value = check_float(f"{at}.value", item["value"], -MAX_EDIT_VALUE, MAX_EDIT_VALUE)
        checked.append(Edit(when, layer, row, column, value))
    return checked


def _check_changes(changes: object, settings: PlaygroundSettings, epoch: int) -> list[Change]:
    where = t("playground.training.changes")
    if not isinstance(changes, list):
        raise TypeError(t("playground.training.changes_type", where=where,
                          got=type(changes).__name__))
    checked: list[Change] = []
    for i, item in enumerate(changes):
        at = f"{where}[{i}]"
        if not isinstance(item, dict) or set(item) != {"epoch", "field", "from", "to"}:
            raise ValueError(t("playground.training.change_type", at=at, got=short_repr(item)))
        if item["field"] not in TRAINING_FIELDS:
            raise ValueError(t("playground.training.change_field", at=at,
                               fields=", ".join(TRAINING_FIELDS), got=short_repr(item["field"])))
        low = checked[-1].epoch if checked else 1
        if epoch < low:
            raise ValueError(t("playground.training.change_epoch", at=at, low=low, epoch=epoch,
                               got=short_repr(item["epoch"])))
        when = check_int(f"{at}.epoch", item["epoch"], low, epoch)
        try:
            old, new = (getattr(settings.replace(**{item["field"]: item[key]}), item["field"])
                        for key in ("from", "to"))
        except (ValueError, TypeError) as error:
            raise type(error)(t("playground.training.change_error", at=at, error=error)) from None
        checked.append(Change(when, item["field"], old, new))
    last: dict[str, object] = {}
    for change in checked:
        if change.field in last and last[change.field] != change.old:
            raise ValueError(t("playground.training.change_order", where=where,
                               field=change.field, old=short_repr(change.old), epoch=change.epoch,
                               was=repr(last[change.field])))
        last[change.field] = change.new
    for field, value in last.items():
        if getattr(settings, field) != value:
            raise ValueError(t("playground.training.change_end", where=where, field=field,
                               value=repr(value), setting=repr(getattr(settings, field))))
    return checked


#: Epochs a replay trains between two progress calls.
REPLAY_CHUNK = 20


def replay(settings: PlaygroundSettings, epoch: int = 0, changes: list[Change] | None = None,
           progress: Callable[[int, int], None] | None = None,
           edits: list[Edit] | None = None) -> tuple[PlaygroundRun, TrainingReport]:
    """Redo a run: start from the settings before ``changes``, apply each change and
    each edit at its epoch, and train to ``epoch``. The same state always gives the
    same run.

    ``progress(done, total)`` is called every :data:`REPLAY_CHUNK` epochs; an
    exception it raises (or an interrupt) stops the replay and propagates.
    """
    changes = changes or []
    edits = edits or []
    first: dict[str, object] = {}
    for change in changes:
        first.setdefault(change.field, change.old)
    current = settings.replace(**first)
    run = PlaygroundRun(current)
    trained = 0

    def train_to(target: int) -> str:
        nonlocal trained
        while run.epoch < target:
            report = run.train(min(REPLAY_CHUNK, target - run.epoch))
            trained += report.epochs_trained
            if report.stopped:
                return report.stopped
            if progress is not None:
                progress(run.epoch, epoch)
        return ""

    events = sorted([*((c.epoch, 0, k, c) for k, c in enumerate(changes)),
                     *((e.epoch, 1, k, e) for k, e in enumerate(edits))],
                    key=lambda event: event[:3])  # by epoch; each kind in its own order
    for when, _, _, event in events:
        stopped = train_to(when)
        if stopped:
            return run, run.report(trained, stopped)
        if isinstance(event, Change):
            current = current.replace(**{event.field: event.new})
            run.update(current)
        else:
            run.apply_edit(event)
    stopped = train_to(epoch)
    return run, run.report(trained, stopped)
