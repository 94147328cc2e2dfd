"""The playground's settings: what decides a run, checked field by field.

:class:`PlaygroundSettings` is a validated description of one playground run:
the data, the input features, the network and how it is trained
(:mod:`widgets.playground.script` writes the PyTorch code it stands for).

Example:
    >>> settings = PlaygroundSettings(hidden_sizes=(3,), activations="relu")
    >>> settings.activations, settings.task
    (('relu',), 'classification')
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..core.checks import MAX_SEED, check_choice, describe, short_repr
from ..core.fields import Choice, Custom, Flag, Float, Int, Ints, Spec, setting
from ..core.init import playground_scheme_names
from ..core.layers import activation_names, is_custom
from ..text import t
from .data import DATASETS, FEATURES, canonical_feature
from .own_data import OwnData, check_data, from_json

MAX_HIDDEN_LAYERS = 8
MAX_WIDTH = 64
MIN_SAMPLES, MAX_SAMPLES = 20, 2000
MAX_NOISE = 50.0
MIN_TRAIN_SHARE, MAX_TRAIN_SHARE = 10.0, 90.0
MIN_LEARNING_RATE, MAX_LEARNING_RATE = 1e-5, 10.0
MAX_BATCH_SIZE = 64
MAX_REGULARIZATION_RATE = 10.0

OPTIMIZERS: dict[str, str] = {"sgd": "torch.optim.SGD", "adam": "torch.optim.Adam"}
REGULARIZATIONS = ("none", "l1", "l2")
#: The data set that stands for the reader's own points (``own_data``).
OWN = "own"
#: "auto" is mean squared error for two classes (one tanh output, as TensorFlow Playground)
#: and for regression, cross-entropy for three classes or more (one output per class).
LOSSES = ("auto", "mse", "cross_entropy")

# -- checks that no general kind covers ------------------------------------------------------


def check_features(field: str, value: object) -> tuple[str, ...]:
    """A non-empty set of feature names, returned in the standard order.

    Example:
        >>> check_features("features", ["x2", "X1^2"])
        ('x2', 'x1^2')
    """
    allowed = ", ".join(FEATURES)
    if isinstance(value, str):
        value = (value,)
    if not isinstance(value, (Sequence, set, frozenset)) or isinstance(value, bytes):
        raise TypeError(t("playground.settings.features.type", field=field, allowed=allowed,
                          got=describe(value)))
    chosen = []
    for i, name in enumerate(value):
        if not isinstance(name, str):
            raise TypeError(t("checks.choice", field=f"{field}[{i}]", allowed=allowed,
                              got=describe(name)))
        canonical = canonical_feature(name)
        if canonical is None:
            raise ValueError(t("checks.choice", field=f"{field}[{i}]", allowed=allowed,
                               got=short_repr(name)))
        if canonical in chosen:
            raise ValueError(t("playground.settings.features.twice", field=field,
                               name=short_repr(canonical)))
        chosen.append(canonical)
    if not chosen:
        raise ValueError(t("playground.settings.features.empty", field=field, allowed=allowed))
    return tuple(name for name in FEATURES if name in chosen)


def check_own_data(field: str, value: object) -> OwnData | None:
    """None, an :class:`~widgets.playground.own_data.OwnData`, ``(X, y)`` or
    ``(X, y, task)``, or the JSON form a saved state holds (``{"x1": [...], "x2": [...],
    "label": [...]}``)."""
    if value is None or isinstance(value, OwnData):
        return value
    try:
        if isinstance(value, dict):
            return from_json(value)
        if isinstance(value, (tuple, list)) and len(value) in (2, 3):
            return check_data(*value)  # (X, y) or (X, y, task)
    except (ValueError, TypeError) as error:
        raise type(error)(t("playground.settings.own_data.error", field=field,
                            error=error)) from None
    raise TypeError(t("playground.settings.own_data.type", field=field, got=describe(value)))


def check_activation(field: str, value: object) -> str:
    """A built-in activation, "linear" (no activation), or a registered layer."""
    if isinstance(value, str) and value.strip().lower() == "linear":
        return "identity"
    try:
        return check_choice(field, value, activation_names())
    except (ValueError, TypeError) as error:
        names = ", ".join(t("playground.settings.activations.identity") if n == "identity"
                          else n for n in activation_names())
        got = repr(value) if isinstance(value, str) else describe(value)
        raise type(error)(t("checks.choice", field=field, allowed=names, got=got)) from None


@dataclass(frozen=True)
class PlaygroundSettings(Spec):
    """Everything that decides a playground run, checked when made.

    Args:
        dataset: circle, xor, two_gaussians, spiral (two classes), blobs, arms
            (three classes), plane or gaussian (regression), or "own" (``own_data``).
        own_data: the reader's own points and labels (see
            :mod:`widgets.playground.own_data`), used when ``dataset`` is "own".
        noise: percent, 0 to 50.
        train_share: percent of the points used for training, 10 to 90; the
            rest are the test set.
        num_samples: number of points, 20 to 2000.
        seed: draws the data, the split, the initial weights and the batch order.
        features: which of x1, x2, x1^2, x2^2, x1*x2, sin(x1), sin(x2) feed the network.
        hidden_sizes: 0 to 8 hidden layers of 1 to 64 units.
        activations: one per hidden layer (or one for all): a built-in name,
            "linear", or a layer registered with ``register_layer``.
        init: the initialization scheme (any of ``widgets.core.init``'s, at scale 1).
        loss: "mse", "cross_entropy" (softmax over one output per class) or "auto":
            mean squared error for two classes and regression, cross-entropy for more.
        learning_rate: 1e-5 to 10.
        batch_size: 1 to 64.
        regularization: none, l1 or l2 (on the ``nn.Linear`` weights).
        regularization_rate: 0 to 10.
        optimizer: sgd or adam.
        discretize: show the output as two classes (picture only).
        show_test_data: draw the test points too (picture only).

    Each field's ``role`` says what changing it does: "data" draws new points
    and restarts, "network" builds a new network and restarts, "training"
    changes the next epochs, "view" only the picture.
    """

    TEXT = "playground.settings"

    dataset: str = setting(Choice((*DATASETS, OWN)), "circle", role="data", control="toggles")
    own_data: OwnData | None = setting(Custom(check_own_data), None, role="data")
    noise: float = setting(Float(0.0, MAX_NOISE), 0.0, role="data", control="int_stepper")
    train_share: float = setting(Float(MIN_TRAIN_SHARE, MAX_TRAIN_SHARE), 50.0, role="data",
                                 control="int_stepper")
    num_samples: int = setting(Int(MIN_SAMPLES, MAX_SAMPLES), 500, role="data")
    seed: int = setting(Int(0, MAX_SEED), 0, role="data")
    features: tuple[str, ...] = setting(Custom(check_features), ("x1", "x2"), role="network")
    hidden_sizes: tuple[int, ...] = setting(Ints(1, MAX_WIDTH, 0, MAX_HIDDEN_LAYERS), (4, 2),
                                            role="network")
    activations: tuple[str, ...] | str = setting(Custom(check_activation), "tanh",
                                                 per_layer="hidden_sizes", role="network")
    init: str = setting(Choice(playground_scheme_names), "default", role="network")
    loss: str = setting(Choice(LOSSES), "auto", role="network")
    learning_rate: float = setting(Float(MIN_LEARNING_RATE, MAX_LEARNING_RATE), 0.03,
                                   role="training", control="menu")
    batch_size: int = setting(Int(1, MAX_BATCH_SIZE), 10, role="training", control="stepper")
    regularization: str = setting(Choice(REGULARIZATIONS), "none", role="training")
    regularization_rate: float = setting(Float(0.0, MAX_REGULARIZATION_RATE), 0.0,
                                         role="training", control="menu")
    optimizer: str = setting(Choice(tuple(OPTIMIZERS)), "sgd", role="training")
    discretize: bool = setting(Flag(), False, role="view")
    show_test_data: bool = setting(Flag(), False, role="view")

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.dataset == OWN and self.own_data is None:
            raise ValueError(t("playground.settings.own_data.missing"))
        if self.loss == "mse" and self.classes > 2:
            raise ValueError(t("playground.settings.loss.mse_classes", classes=self.classes))
        if self.loss == "cross_entropy" and self.task == "regression":
            raise ValueError(t("playground.settings.loss.regression"))

    def as_dict(self) -> dict[str, object]:
        """The settings as JSON-ready values (tuples become lists, own data its JSON form)."""
        return {name: list(value) if isinstance(value, tuple)
                else value.as_dict() if isinstance(value, OwnData) else value
                for name, value in super().as_dict().items()}

    @property
    def task(self) -> str:
        """"classification" or "regression", from the data set."""
        if self.dataset == OWN:
            return self.own_data.task
        return DATASETS[self.dataset].task

    @property
    def classes(self) -> int:
        """Number of classes (0 for regression)."""
        if self.dataset == OWN:
            return self.own_data.classes
        return DATASETS[self.dataset].classes

    @property
    def loss_kind(self) -> str:
        """"mse" or "cross_entropy": the loss the run trains with ("auto" decided)."""
        if self.loss != "auto":
            return self.loss
        return "cross_entropy" if self.classes > 2 else "mse"

    @property
    def outputs(self) -> int:
        """Units of the output layer: one per class with cross-entropy, else one."""
        return self.classes if self.loss_kind == "cross_entropy" else 1

    @property
    def custom_layers(self) -> tuple[str, ...]:
        """The registered layers the network uses, each named once."""
        return tuple(dict.fromkeys(a for a in self.activations if is_custom(a)))


def fields_with_role(role: str) -> tuple[str, ...]:
    """The settings whose declared role is ``role``, in declaration order."""
    return tuple(name for name, declared in PlaygroundSettings.settings().items()
                 if declared.role == role)


#: Every setting, in declaration order.
FIELDS = tuple(PlaygroundSettings.settings())
#: Settings that draw new data (and so restart training).
DATA_FIELDS = fields_with_role("data")
#: Settings that build a new network (and so restart training).
NETWORK_FIELDS = fields_with_role("network")
#: Settings that change how the next epochs train, without restarting.
TRAINING_FIELDS = fields_with_role("training")
#: Settings that change only the picture.
VIEW_FIELDS = fields_with_role("view")
#: Setting -> its check, alone (the number of activations is checked with the layers).
CHECKS: dict[str, Callable[[object], object]] = {
    name: functools.partial(PlaygroundSettings.check_field, name) for name in FIELDS}


def changed_fields(old: PlaygroundSettings, new: PlaygroundSettings) -> tuple[str, ...]:
    """Names of the fields whose values differ."""
    return tuple(name for name in FIELDS if getattr(old, name) != getattr(new, name))
