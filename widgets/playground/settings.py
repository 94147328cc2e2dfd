"""The playground's settings and the PyTorch code they stand for.

:class:`PlaygroundSettings` is a validated description of one playground run:
the data, the input features, the network and how it is trained.
:func:`script` writes the short PyTorch program that does that run; the
playground itself compiles and runs the same functions (``features``,
``make_net``, ``train_epoch``), so the code it shows is the code it runs.

Example:
    >>> settings = PlaygroundSettings(hidden_sizes=(3,), activations="relu")
    >>> print(net_source(settings))
    def make_net():
        torch.manual_seed(0)
        return nn.Sequential(
            nn.Linear(2, 3), nn.ReLU(),
            nn.Linear(3, 1), nn.Tanh(),
        )
    <BLANKLINE>
"""

from __future__ import annotations

import dataclasses
import inspect
import keyword
import linecache
import math
import re
import sys
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from torch import nn

from ..core import layers
from ..core.checks import check_choice, check_float, check_int, check_int_tuple, describe
from ..core.layers import activation_names, is_custom
from .data import DATASETS, FEATURES, canonical_feature, features_source

MAX_HIDDEN_LAYERS = 8
MAX_WIDTH = 64
MIN_SAMPLES, MAX_SAMPLES = 20, 2000
MAX_NOISE = 50.0
MIN_TRAIN_SHARE, MAX_TRAIN_SHARE = 10.0, 90.0
MIN_LEARNING_RATE, MAX_LEARNING_RATE = 1e-5, 10.0
MAX_BATCH_SIZE = 64
MAX_REGULARIZATION_RATE = 10.0
MAX_SEED = 2**32 - 1

#: Built-in activation name -> the module as code (the playground also takes "linear").
ACTIVATION_CODE: dict[str, str] = {
    "relu": "nn.ReLU()",
    "sigmoid": "nn.Sigmoid()",
    "tanh": "nn.Tanh()",
    "gelu": "nn.GELU()",
    "leaky_relu": "nn.LeakyReLU(0.1)",
    "elu": "nn.ELU()",
    "silu": "nn.SiLU()",
    "softplus": "nn.Softplus()",
    "identity": "nn.Identity()",
}

#: Initialization scheme -> (what it does, the lines applied to each ``nn.Linear`` ``layer``).
INITS: dict[str, tuple[str, tuple[str, ...]]] = {
    "default": ("PyTorch's own: weights and biases uniform in ±1/√fan_in", ()),
    "xavier_uniform": ("uniform in ±√(6/(fan_in+fan_out)), biases 0",
                       ("nn.init.xavier_uniform_(layer.weight)", "nn.init.zeros_(layer.bias)")),
    "xavier_normal": ("normal with std √(2/(fan_in+fan_out)), biases 0",
                      ("nn.init.xavier_normal_(layer.weight)", "nn.init.zeros_(layer.bias)")),
    "kaiming_uniform": ("uniform in ±√(6/fan_in), made for ReLU, biases 0",
                        ('nn.init.kaiming_uniform_(layer.weight, nonlinearity="relu")',
                         "nn.init.zeros_(layer.bias)")),
    "kaiming_normal": ("normal with std √(2/fan_in), made for ReLU, biases 0",
                       ('nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")',
                        "nn.init.zeros_(layer.bias)")),
    "uniform": ("uniform in ±0.5, biases 0.1 (TensorFlow Playground's choice)",
                ("nn.init.uniform_(layer.weight, -0.5, 0.5)",
                 "nn.init.constant_(layer.bias, 0.1)")),
    "zeros": ("every weight and bias 0: every unit of a layer stays the same",
              ("nn.init.zeros_(layer.weight)", "nn.init.zeros_(layer.bias)")),
}

OPTIMIZERS: dict[str, str] = {"sgd": "torch.optim.SGD", "adam": "torch.optim.Adam"}
REGULARIZATIONS = ("none", "l1", "l2")

#: Settings that draw new data (and so restart training).
DATA_FIELDS = ("dataset", "noise", "train_share", "num_samples", "seed")
#: Settings that build a new network (and so restart training).
NETWORK_FIELDS = ("features", "hidden_sizes", "activations", "init")
#: Settings that change how the next epochs train, without restarting.
TRAINING_FIELDS = ("learning_rate", "batch_size", "regularization", "regularization_rate",
                   "optimizer")
#: Settings that change only the picture.
VIEW_FIELDS = ("discretize", "show_test_data")


# -- checks, one per field ---------------------------------------------------------------


def check_dataset(value: object) -> str:
    """One of circle, xor, two_gaussians, spiral, plane, gaussian."""
    return check_choice("dataset", value, tuple(DATASETS))


def check_noise(value: object) -> float:
    """Noise in percent, 0 to 50."""
    return check_float("noise", value, 0.0, MAX_NOISE)


def check_train_share(value: object) -> float:
    """Share of the points used for training, in percent, 10 to 90."""
    return check_float("train_share", value, MIN_TRAIN_SHARE, MAX_TRAIN_SHARE)


def check_num_samples(value: object) -> int:
    """Number of points, 20 to 2000."""
    return check_int("num_samples", value, MIN_SAMPLES, MAX_SAMPLES)


def check_features(value: object) -> tuple[str, ...]:
    """A non-empty set of feature names, returned in the standard order.

    Example:
        >>> check_features(["x2", "X1^2"])
        ('x2', 'x1^2')
    """
    allowed = ", ".join(FEATURES)
    if isinstance(value, str):
        value = (value,)
    if not isinstance(value, (Sequence, set, frozenset)) or isinstance(value, bytes):
        raise TypeError(f"features must be a tuple of feature names ({allowed}), "
                        f"got {describe(value)}")
    chosen = []
    for i, name in enumerate(value):
        if not isinstance(name, str):
            raise TypeError(f"features[{i}] must be one of {allowed}; got {describe(name)}")
        canonical = canonical_feature(name)
        if canonical is None:
            raise ValueError(f"features[{i}] must be one of {allowed}; got {name!r}")
        if canonical in chosen:
            raise ValueError(f"features names {canonical!r} twice; name each feature once")
        chosen.append(canonical)
    if not chosen:
        raise ValueError(f"features must name at least one input feature (from {allowed}); "
                         "the network needs an input")
    return tuple(name for name in FEATURES if name in chosen)


def check_hidden_sizes(value: object) -> tuple[int, ...]:
    """0 to 8 hidden layers of 1 to 64 units."""
    return check_int_tuple("hidden_sizes", value, 1, MAX_WIDTH, 0, MAX_HIDDEN_LAYERS)


def check_activation(field: str, value: object) -> str:
    """A built-in activation, "linear" (no activation), or a registered layer."""
    if isinstance(value, str) and value.strip().lower() == "linear":
        return "identity"
    try:
        return check_choice(field, value, activation_names())
    except (ValueError, TypeError) as error:
        names = ", ".join("identity (or linear)" if n == "identity" else n
                          for n in activation_names())
        raise type(error)(f"{field} must be one of {names}; got "
                          f"{value!r}" if isinstance(value, str) else
                          f"{field} must be one of {names}; got {describe(value)}") from None


def check_activation_names(value: object) -> tuple[str, ...] | str:
    """One activation name, or a sequence of names (their number is checked with the layers)."""
    if isinstance(value, str):
        return check_activation("activations", value)
    if not isinstance(value, Sequence):
        raise TypeError("activations must be one activation name or a tuple of names, "
                        f"got {describe(value)}")
    return tuple(check_activation(f"activations[{i}]", v) for i, v in enumerate(value))


def fit_activations(value: object, num_layers: int) -> tuple[str, ...]:
    """Activations for ``num_layers`` hidden layers: one name is repeated."""
    names = check_activation_names(value)
    if isinstance(names, str):
        return (names,) * num_layers
    if len(names) != num_layers:
        raise ValueError(f"activations must have one name per hidden layer ({num_layers}), "
                         f"got {len(names)}: {names}")
    return names


def check_init(value: object) -> str:
    """One of the initialization schemes in :data:`INITS`."""
    return check_choice("init", value, tuple(INITS))


def check_learning_rate(value: object) -> float:
    """A learning rate from 1e-5 to 10."""
    return check_float("learning_rate", value, MIN_LEARNING_RATE, MAX_LEARNING_RATE)


def check_batch_size(value: object) -> int:
    """A batch size from 1 to 64."""
    return check_int("batch_size", value, 1, MAX_BATCH_SIZE)


def check_regularization(value: object) -> str:
    """none, l1 or l2."""
    return check_choice("regularization", value, REGULARIZATIONS)


def check_regularization_rate(value: object) -> float:
    """A regularization rate from 0 to 10."""
    return check_float("regularization_rate", value, 0.0, MAX_REGULARIZATION_RATE)


def check_optimizer(value: object) -> str:
    """sgd or adam."""
    return check_choice("optimizer", value, tuple(OPTIMIZERS))


def check_seed(value: object) -> int:
    """A seed from 0 to 2**32 - 1."""
    return check_int("seed", value, 0, MAX_SEED)


def check_flag(field: str) -> Callable[[object], bool]:
    """A check accepting only True or False for ``field``."""
    def check(value: object) -> bool:
        if not isinstance(value, bool):
            raise TypeError(f"{field} must be True or False, got {describe(value)}")
        return value
    return check


#: Field -> its check (activations are checked against the number of layers separately).
CHECKS: dict[str, Callable[[object], object]] = {
    "dataset": check_dataset,
    "noise": check_noise,
    "train_share": check_train_share,
    "num_samples": check_num_samples,
    "seed": check_seed,
    "features": check_features,
    "hidden_sizes": check_hidden_sizes,
    "activations": check_activation_names,
    "init": check_init,
    "learning_rate": check_learning_rate,
    "batch_size": check_batch_size,
    "regularization": check_regularization,
    "regularization_rate": check_regularization_rate,
    "optimizer": check_optimizer,
    "discretize": check_flag("discretize"),
    "show_test_data": check_flag("show_test_data"),
}


@dataclass(frozen=True)
class PlaygroundSettings:
    """Everything that decides a playground run, checked when made.

    Args:
        dataset: circle, xor, two_gaussians, spiral (classification), plane or
            gaussian (regression).
        noise: percent, 0 to 50.
        train_share: percent of the points used for training, 10 to 90; the
            rest are the test set.
        num_samples: number of points, 20 to 2000.
        seed: draws the data, the split, the initial weights and the batch order.
        features: which of x1, x2, x1^2, x2^2, x1*x2, sin(x1), sin(x2) feed the network.
        hidden_sizes: 0 to 8 hidden layers of 1 to 64 units.
        activations: one per hidden layer (or one for all): a built-in name,
            "linear", or a layer registered with ``register_layer``.
        init: the initialization scheme (see :data:`INITS`).
        learning_rate: 1e-5 to 10.
        batch_size: 1 to 64.
        regularization: none, l1 or l2 (on the ``nn.Linear`` weights).
        regularization_rate: 0 to 10.
        optimizer: sgd or adam.
        discretize: show the output as two classes (picture only).
        show_test_data: draw the test points too (picture only).
    """

    dataset: str = "circle"
    noise: float = 0.0
    train_share: float = 50.0
    num_samples: int = 500
    seed: int = 0
    features: tuple[str, ...] = ("x1", "x2")
    hidden_sizes: tuple[int, ...] = (4, 2)
    activations: tuple[str, ...] | str = "tanh"
    init: str = "default"
    learning_rate: float = 0.03
    batch_size: int = 10
    regularization: str = "none"
    regularization_rate: float = 0.0
    optimizer: str = "sgd"
    discretize: bool = False
    show_test_data: bool = False

    def __post_init__(self) -> None:
        for name, check in CHECKS.items():
            object.__setattr__(self, name, check(getattr(self, name)))
        object.__setattr__(self, "activations",
                           fit_activations(self.activations, len(self.hidden_sizes)))

    def replace(self, **changes: object) -> PlaygroundSettings:
        """A copy with ``changes``, checked again."""
        unknown = set(changes) - set(CHECKS)
        if unknown:
            raise TypeError(f"unknown playground settings: {', '.join(sorted(unknown))}; "
                            f"known: {', '.join(CHECKS)}")
        return dataclasses.replace(self, **changes)

    def as_dict(self) -> dict[str, object]:
        """The settings as JSON-ready values (tuples become lists)."""
        return {name: list(value) if isinstance(value, tuple) else value
                for name, value in dataclasses.asdict(self).items()}

    @property
    def task(self) -> str:
        """"classification" or "regression", from the data set."""
        return DATASETS[self.dataset].task

    @property
    def custom_layers(self) -> tuple[str, ...]:
        """The registered layers the network uses, each named once."""
        return tuple(dict.fromkeys(a for a in self.activations if is_custom(a)))


def changed_fields(old: PlaygroundSettings, new: PlaygroundSettings) -> tuple[str, ...]:
    """Names of the fields whose values differ."""
    return tuple(name for name in CHECKS if getattr(old, name) != getattr(new, name))


# -- code -------------------------------------------------------------------------------------


#: Names the script defines or uses: a reader's layer is never called by one of them.
RESERVED_NAMES = frozenset({
    "math", "torch", "nn", "features", "make_net", "train_epoch", "g", "X", "y", "split",
    "num_train", "X_train", "y_train", "X_test", "y_test", "net", "optimizer", "num_epochs",
    "batch_size", "epoch", "loss_fn", "train_loss", "test_loss", *DATASETS})


def _from_torch(factory: object) -> bool:
    """True for PyTorch's own modules (``nn.BatchNorm1d``): the script names them, no source."""
    own = getattr(factory, "__name__", "")
    return bool(own) and getattr(nn, own, None) is factory


def layer_identifiers(settings: PlaygroundSettings) -> dict[str, str]:
    """Registered name -> what the code calls that layer's factory.

    A factory keeps its own name (``ScaledTanh``) unless that name is not a
    plain identifier (a lambda), is one the script uses itself, or is shared
    with another layer of the network (a notebook function edited and
    registered again); then it is ``layer_<registered name>``.
    """
    registry = layers.registered_layers()
    factories = {name: registry[name].factory for name in settings.custom_layers}
    owns = [getattr(f, "__name__", "") for f in factories.values() if not _from_torch(f)]
    taken = set(RESERVED_NAMES)
    identifiers = {}
    for name, factory in factories.items():
        own = getattr(factory, "__name__", "")
        if _from_torch(factory):
            identifiers[name] = f"nn.{own}"
            continue
        usable = (own.isidentifier() and not keyword.iskeyword(own) and not own.startswith("_")
                  and own not in taken and owns.count(own) == 1)
        identifier = own if usable else f"layer_{name}"
        while identifier in taken:
            identifier += "_"
        taken.add(identifier)
        identifiers[name] = identifier
    return identifiers


def _layer_code(name: str, width: int, identifiers: dict[str, str]) -> str:
    if not is_custom(name):
        return ACTIVATION_CODE[name]
    arguments = layers.registered_layers()[name].arguments
    return f"{identifiers[name]}({', '.join([str(width)] * arguments)})"


def net_source(settings: PlaygroundSettings) -> str:
    """Source of ``make_net()``: the network, seeded and initialized as the playground does."""
    sizes = (len(settings.features), *settings.hidden_sizes, 1)
    identifiers = layer_identifiers(settings)
    rows = []
    for i in range(len(sizes) - 1):
        row = f"nn.Linear({sizes[i]}, {sizes[i + 1]})"
        if i < len(settings.hidden_sizes):
            row += f", {_layer_code(settings.activations[i], sizes[i + 1], identifiers)}"
        elif settings.task == "classification":
            row += ", nn.Tanh()"  # outputs from -1 to 1, like the labels
        rows.append(f"        {row},\n")
    lines = ["def make_net():\n", f"    torch.manual_seed({settings.seed})\n"]
    init = INITS[settings.init][1]
    if not init:
        return "".join([*lines, "    return nn.Sequential(\n", *rows, "    )\n"])
    lines += ["    net = nn.Sequential(\n", *rows, "    )\n",
              "    for layer in net:\n",
              "        if isinstance(layer, nn.Linear):\n",
              *[f"            {line}\n" for line in init],
              "    return net\n"]
    return "".join(lines)


def penalty_code(settings: PlaygroundSettings) -> str | None:
    """The regularization term added to each batch's loss, or None without one."""
    rate = settings.regularization_rate
    if settings.regularization == "none" or rate == 0:
        return None
    if settings.regularization == "l1":
        return f"{rate!r} * sum(w.abs().sum() for w in weights)"
    return f"{rate!r} / 2 * sum((w ** 2).sum() for w in weights)"


def epoch_source(settings: PlaygroundSettings) -> str:
    """Source of ``train_epoch(...)``: one pass over the training set in shuffled batches."""
    penalty = penalty_code(settings)
    lines = ["def train_epoch(net, optimizer, X, y, batch_size, g):\n",
             "    net.train()\n",
             "    loss_fn = nn.MSELoss()\n"]
    if penalty:
        what = "absolute values" if settings.regularization == "l1" else "squares"
        kind = settings.regularization.upper()
        lines += [f"    # {kind} regularization: the {what} of these weights\n",
                  "    weights = [layer.weight for layer in net "
                  "if isinstance(layer, nn.Linear)]\n"]
    lines += ["    order = torch.randperm(len(X), generator=g)\n",
              "    for start in range(0, len(X), batch_size):\n",
              "        batch = order[start:start + batch_size]\n",
              "        loss = loss_fn(net(X[batch]), y[batch])\n"]
    if penalty:
        lines.append(f"        loss = loss + {penalty}\n")
    lines += ["        optimizer.zero_grad()\n",
              "        loss.backward()\n",
              "        optimizer.step()\n"]
    return "".join(lines)


def optimizer_code(settings: PlaygroundSettings) -> str:
    """``torch.optim.SGD(net.parameters(), lr=0.03)`` and the like."""
    return f"{OPTIMIZERS[settings.optimizer]}(net.parameters(), lr={settings.learning_rate!r})"


def layer_sources(settings: PlaygroundSettings) -> list[str]:
    """How the script gets each registered layer the network uses.

    PyTorch's own modules need nothing; a layer from an importable module is
    imported; a class or function from a notebook cell is copied from the
    cell's text; anything else (a lambda, a callable object) gets a note
    asking for its definition.
    """
    sources = []
    registry = layers.registered_layers()
    for name, identifier in layer_identifiers(settings).items():
        factory = registry[name].factory
        if _from_torch(factory):
            continue
        own = getattr(factory, "__name__", "")
        alias = "" if identifier == own else f"{identifier} = {own}\n"
        imported = _import_line(factory, identifier)
        text = imported or (_cell_source(factory) if own.isidentifier() else None)
        if text is None:
            text = (f"# {identifier}: your layer registered as {name!r}. Define it here (a "
                    "module class, or a function\n# taking the width and returning a module) "
                    "before running this script.\n")
        elif not imported:
            text += alias  # right after its own definition, before any other takes the name
        sources.append(text)
    return sources


def _import_line(factory: object, identifier: str) -> str | None:
    """``from module import Name`` for a factory defined in an importable module's file."""
    module_name = getattr(factory, "__module__", None)
    own = getattr(factory, "__name__", "")
    module = sys.modules.get(module_name or "")
    if (module is None or module_name == "__main__" or not getattr(module, "__file__", None)
            or getattr(module, own, None) is not factory):
        return None
    return f"from {module_name} import {own}" + (
        f" as {identifier}\n" if identifier != own else "\n")


def _cell_source(factory: object) -> str | None:
    """The source of a class or function defined in a notebook cell (or any file).

    A kernel keeps each cell's text in ``linecache`` under the name its code
    objects carry; a class is found from one of its methods, so the text is
    the one this very class was made from, even if the cell changed since.
    """
    if not inspect.isclass(factory):
        try:
            return textwrap.dedent(inspect.getsource(factory))
        except (OSError, TypeError):
            return None
    head = re.compile(rf"class {re.escape(factory.__name__)}\b")
    for member in vars(factory).values():
        code = getattr(getattr(member, "__func__", member), "__code__", None)
        if code is None:
            continue
        lines = linecache.getlines(code.co_filename)
        for i in range(min(code.co_firstlineno, len(lines)) - 1, -1, -1):
            if head.match(lines[i]):
                return textwrap.dedent("".join(inspect.getblock(lines[i:])))
    return None


def script(settings: PlaygroundSettings, num_epochs: int = 100, note: str = "") -> str:
    """A runnable PyTorch program doing the playground run for ``settings``.

    It prints the train and test loss after ``num_epochs`` epochs, the same
    numbers the playground shows after ``step(num_epochs)`` from a reset.
    ``note`` adds comment lines at the top.
    """
    num_epochs = check_int("num_epochs", num_epochs, 0, 10**6)
    data = DATASETS[settings.dataset]
    head = (f'"""Playground run: {settings.dataset} ({data.task}), features '
            f'{", ".join(settings.features)}, hidden layers {list(settings.hidden_sizes)}, '
            f"{settings.optimizer} at lr {settings.learning_rate!r}, "
            f'{num_epochs} epochs."""\n')
    comments = "".join(f"# {line}\n" for line in note.splitlines())
    functions = [*layer_sources(settings), data.source, features_source(settings.features),
                 net_source(settings), epoch_source(settings)]
    imports = "import math\n\n" if any("math." in f for f in functions) else ""
    parts = [head + comments + "\n" + imports + "import torch\nfrom torch import nn\n",
             *functions]
    share = settings.train_share / 100
    main = (
        f"g = torch.Generator().manual_seed({settings.seed})  "
        "# draws the data, the split and the batch order\n"
        f"X, y = {data.name}({settings.num_samples}, {settings.noise / 100!r}, g)\n"
        "split = torch.randperm(len(X), generator=g)\n"
        f"num_train = round(len(X) * {share!r})\n"
        "X_train, y_train = features(X[split[:num_train]]), y[split[:num_train]]\n"
        "X_test, y_test = features(X[split[num_train:]]), y[split[num_train:]]\n"
        "\n"
        "net = make_net()\n"
        f"optimizer = {optimizer_code(settings)}\n"
        f"num_epochs, batch_size = {num_epochs}, {settings.batch_size}\n"
        "for epoch in range(num_epochs):\n"
        "    train_epoch(net, optimizer, X_train, y_train, batch_size, g)\n"
        "\n"
        "loss_fn = nn.MSELoss()\n"
        + (f"torch.manual_seed({settings.seed})  # as the playground does before scoring, "
           "for layers that draw random numbers\n" if settings.custom_layers else "")
        + "net.eval()\n"
        "with torch.no_grad():\n"
        "    train_loss = loss_fn(net(X_train), y_train).item()\n"
        "    test_loss = loss_fn(net(X_test), y_test).item()\n"
        'print(f"after {num_epochs} epochs: train loss {train_loss:.4f}, '
        'test loss {test_loss:.4f}")\n')
    return "\n\n".join(part.rstrip("\n") + "\n" for part in parts) + "\n\n" + main


def compile_functions(settings: PlaygroundSettings) -> dict[str, Callable[..., object]]:
    """``features``, ``make_net`` and ``train_epoch`` for ``settings``, compiled from
    the same source :func:`script` prints."""
    namespace: dict[str, object] = {"torch": torch, "nn": nn, "math": math}
    registry = layers.registered_layers()
    for name, identifier in layer_identifiers(settings).items():
        if not _from_torch(registry[name].factory):
            namespace[identifier] = registry[name].factory
    for source in (features_source(settings.features), net_source(settings),
                   epoch_source(settings)):
        exec(compile(source, "<playground>", "exec"), namespace)
    return {name: namespace[name] for name in ("features", "make_net", "train_epoch")}
