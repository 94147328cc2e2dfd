"""The PyTorch code the playground's settings stand for.

:func:`script` writes the short PyTorch program that does the run a
:class:`~widgets.playground.settings.PlaygroundSettings` describes; the
playground itself compiles and runs the same functions (``features``,
``make_net``, ``train_epoch``, from :func:`compile_functions`), so the code it
shows is the code it runs.

Example:
    >>> from widgets.playground.settings import PlaygroundSettings
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

import inspect
import keyword
import linecache
import math
import re
import sys
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch import nn

from ..core.checks import check_int
from ..core.init import SCHEMES
from ..core.layers import is_custom, lookup, registered_layers
from ..text import t
from .data import DATASETS, features_source
from .settings import OPTIMIZERS, OWN

if TYPE_CHECKING:
    from .own_data import OwnData
    from .settings import PlaygroundSettings

#: Names the script defines or uses: a reader's layer is never called by one of them.
RESERVED_NAMES = frozenset({
    "math", "torch", "nn", "features", "make_net", "train_epoch", "g", "X", "y", "split",
    "num_train", "X_train", "y_train", "X_test", "y_test", "net", "optimizer", "num_epochs",
    "batch_size", "epoch", "loss_fn", "train_loss", "test_loss", "own_data", "targets",
    "edits", "apply_edits", *DATASETS})


@dataclass(frozen=True)
class Edit:
    """A weight or bias set by hand after ``epoch`` epochs: ``layer`` counts the
    ``nn.Linear`` layers from 1, ``row`` is the unit it feeds, ``column`` the unit it
    comes from (None for a bias).

    Example:
        >>> Edit(3, 1, 0, 1, 0.5).parameter, Edit(0, 2, 1, None, -1.0).parameter
        ('0.weight', '2.bias')
    """

    epoch: int
    layer: int
    row: int
    column: int | None
    value: float

    @property
    def parameter(self) -> str:
        """The parameter's name in the ``nn.Sequential`` (a Linear and its activation per
        hidden layer: the k-th Linear is module ``2 * (k - 1)``)."""
        return f"{2 * (self.layer - 1)}.{'bias' if self.column is None else 'weight'}"

    @property
    def index(self) -> tuple[int, ...]:
        return (self.row,) if self.column is None else (self.row, self.column)

    def as_dict(self) -> dict[str, object]:
        return {"epoch": self.epoch, "layer": self.layer, "row": self.row,
                "column": self.column, "value": self.value}


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
    registry = registered_layers()
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
        return lookup(name).code
    arguments = registered_layers()[name].arguments
    return f"{identifiers[name]}({', '.join([str(width)] * arguments)})"


def net_source(settings: PlaygroundSettings) -> str:
    """Source of ``make_net()``: the network, seeded and initialized as the playground does."""
    sizes = (len(settings.features), *settings.hidden_sizes, settings.outputs)
    identifiers = layer_identifiers(settings)
    rows = []
    for i in range(len(sizes) - 1):
        row = f"nn.Linear({sizes[i]}, {sizes[i + 1]})"
        if i < len(settings.hidden_sizes):
            row += f", {_layer_code(settings.activations[i], sizes[i + 1], identifiers)}"
        elif settings.task == "classification" and settings.loss_kind == "mse":
            row += f", {lookup('tanh').code}"  # outputs from -1 to 1, like the labels
        rows.append(f"        {row},\n")
    lines = ["def make_net():\n", f"    torch.manual_seed({settings.seed})\n"]  # code
    init = SCHEMES[settings.init].script_lines()
    if not init:
        return "".join([*lines, "    return nn.Sequential(\n", *rows, "    )\n"])  # code
    lines += ["    net = nn.Sequential(\n", *rows, "    )\n",
              "    for layer in net:\n"  # code
              "        if isinstance(layer, nn.Linear):\n",  # code
              *[f"            {line}\n" for line in init],
              "    return net\n"]  # code
    return "".join(lines)


def penalty_code(settings: PlaygroundSettings) -> str | None:
    """The regularization term added to each batch's loss, or None without one."""
    rate = settings.regularization_rate
    if settings.regularization == "none" or rate == 0:
        return None
    if settings.regularization == "l1":
        return f"{rate!r} * sum(w.abs().sum() for w in weights)"  # code
    return f"{rate!r} / 2 * sum((w ** 2).sum() for w in weights)"  # code


def epoch_source(settings: PlaygroundSettings) -> str:
    """Source of ``train_epoch(...)``: one pass over the training set in shuffled batches."""
    penalty = penalty_code(settings)
    lines = ["def train_epoch(net, optimizer, X, y, batch_size, g):\n",  # code
             "    net.train()\n",
             f"    loss_fn = {loss_code(settings)}\n"]
    if penalty:
        comment = t("playground.script.regularization", kind=settings.regularization.upper(),
                    what=t(f"playground.script.{settings.regularization}_what"))
        lines += [f"    # {comment}\n",
                  "    weights = [layer.weight for layer in net "  # code
                  "if isinstance(layer, nn.Linear)]\n"]
    lines += ["    order = torch.randperm(len(X), generator=g)\n",
              "    for start in range(0, len(X), batch_size):\n",  # code
              "        batch = order[start:start + batch_size]\n",
              "        loss = loss_fn(net(X[batch]), y[batch])\n"]
    if penalty:
        lines.append(f"        loss = loss + {penalty}\n")
    lines += ["        optimizer.zero_grad()\n",
              "        loss.backward()\n",
              "        optimizer.step()\n"]
    return "".join(lines)


def loss_code(settings: PlaygroundSettings) -> str:
    """``nn.MSELoss()`` or ``nn.CrossEntropyLoss()`` (softmax and log-likelihood in one)."""
    return "nn.CrossEntropyLoss()" if settings.loss_kind == "cross_entropy" else "nn.MSELoss()"


def targets_source(settings: PlaygroundSettings) -> str | None:
    """Source of ``targets(y)``, which turns the data set's labels into what the loss
    compares the outputs with; None where the labels already are that."""
    own = settings.dataset == OWN
    if settings.task != "classification" or (own and settings.loss_kind == "cross_entropy"):
        return None
    if own:  # class indices 0 and 1 -> -1 and +1, the range of the tanh output
        comment = t("playground.script.targets_sign")
        body = "    return (2.0 * y - 1)[:, None]"  # code
    elif settings.loss_kind == "cross_entropy" and settings.classes == 2:
        comment = t("playground.script.targets_class")
        body = "    return (y[:, 0] > 0).long()"  # code
    else:
        return None
    return f"def targets(y):\n{body}  # {comment}\n"  # code


def _number(value: float) -> str:
    """The shortest text that reads back as the same 32-bit float."""
    text = str(np.float32(value))
    return text[:-2] if text.endswith(".0") else text


def own_data_source(data: OwnData, per_line: int = 5) -> str:
    """Source of ``own_data()``: the reader's points and labels, written out in full."""
    points = [f"[{_number(a)}, {_number(b)}]" for a, b in data.X.tolist()]
    if data.task == "classification":
        labels = [str(v) for v in data.y.tolist()]
        kind = "long"
    else:
        labels = [_number(v) for v in data.y[:, 0].tolist()]
        kind = "float32"

    def rows(items: list[str], width: int) -> str:
        return "".join("        " + ", ".join(items[i:i + width]) + ",\n"
                       for i in range(0, len(items), width))

    lines = ["def own_data():\n"]  # code
    if data.task == "classification":
        meaning = ", ".join(f"{i}: {v}" for i, v in enumerate(data.class_values))
        lines.append(f"    # {t('playground.script.own_classes', meaning=meaning)}\n")
    lines += ["    X = torch.tensor([\n", rows(points, per_line), "    ])\n",
              "    y = torch.tensor([\n", rows(labels, 4 * per_line),
              f"    ], dtype=torch.{kind})\n"]
    if data.task == "regression":
        lines.append("    return X, y[:, None]\n")  # code
    else:
        lines.append("    return X, y\n")  # code
    return "".join(lines)


def edits_source(edits: Sequence[Edit]) -> str:
    """``edits`` and ``apply_edits(net, epoch)``: weights and biases set by hand."""
    rows = "".join(f"    ({e.epoch}, {e.parameter!r}, {e.index!r}, {e.value!r}),\n"
                   for e in edits)
    return (f"# {t('playground.script.edits')}\n"
            f"edits = [\n{rows}]\n\n\n"
            "def apply_edits(net, epoch):\n"  # code
            "    with torch.no_grad():\n"
            "        for when, name, index, value in edits:\n"
            "            if when == epoch:\n"
            "                net.get_parameter(name)[index] = value\n")


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
    registry = registered_layers()
    for name, identifier in layer_identifiers(settings).items():
        factory = registry[name].factory
        if _from_torch(factory):
            continue
        own = getattr(factory, "__name__", "")
        alias = "" if identifier == own else f"{identifier} = {own}\n"
        imported = _import_line(factory, identifier)
        text = imported or (_cell_source(factory) if own.isidentifier() else None)
        if text is None:
            note = t("playground.script.define_layer", identifier=identifier, name=repr(name))
            text = "".join(f"# {line}\n" for line in note.splitlines())
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
    return f"from {module_name} import {own}" + (  # code
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


def script(settings: PlaygroundSettings, num_epochs: int = 100, note: str = "",
           edits: Sequence[Edit] = ()) -> str:
    """A runnable PyTorch program doing the playground run for ``settings``.

    It prints the train and test loss after ``num_epochs`` epochs, the same
    numbers the playground shows after ``step(num_epochs)`` from a reset
    (with ``edits``, the weights and biases set by hand at their epochs).
    ``note`` adds comment lines at the top.
    """
    num_epochs = check_int("num_epochs", num_epochs, 0, 10**6)
    own = settings.dataset == OWN
    title = t("playground.script.title", dataset=settings.dataset,
              task=t(f"playground.script.{settings.task}"),
              features=", ".join(settings.features), hidden_sizes=list(settings.hidden_sizes),
              optimizer=settings.optimizer, learning_rate=repr(settings.learning_rate),
              epochs=num_epochs)
    head = f'"""{title}"""\n'
    comments = "".join(f"# {line}\n" for line in note.splitlines())
    targets = targets_source(settings)
    functions = [*layer_sources(settings),
                 own_data_source(settings.own_data) if own else DATASETS[settings.dataset].source,
                 *([targets] if targets else []), features_source(settings.features),
                 net_source(settings), epoch_source(settings),
                 *([edits_source(edits)] if edits else [])]
    imports = "import math\n\n" if any("math." in f for f in functions) else ""  # code
    parts = [head + comments + "\n" + imports + "import torch\nfrom torch import nn\n",  # code
             *functions]
    share = settings.train_share / 100
    draw = ("own_data()" if own else  # code
            f"{settings.dataset}({settings.num_samples}, {settings.noise / 100!r}, g)")
    loop = ("for epoch in range(num_epochs):\n"  # code
            + ("    apply_edits(net, epoch)\n" if edits else "")
            + "    train_epoch(net, optimizer, X_train, y_train, batch_size, g)\n"
            + ("apply_edits(net, num_epochs)\n" if edits else ""))
    main = (
        f"g = torch.Generator().manual_seed({settings.seed})  "  # code
        f"# {t('playground.script.generator')}\n"
        f"X, y = {draw}\n"
        + ("y = targets(y)\n" if targets else "")
        + "split = torch.randperm(len(X), generator=g)\n"
        f"num_train = round(len(X) * {share!r})\n"
        "X_train, y_train = features(X[split[:num_train]]), y[split[:num_train]]\n"
        "X_test, y_test = features(X[split[num_train:]]), y[split[num_train:]]\n"
        "\n"
        "net = make_net()\n"
        f"optimizer = {optimizer_code(settings)}\n"
        f"num_epochs, batch_size = {num_epochs}, {settings.batch_size}\n"
        + loop + "\n"
        f"loss_fn = {loss_code(settings)}\n"
        + (f"torch.manual_seed({settings.seed})  # {t('playground.script.reseed')}\n"  # code
           if settings.custom_layers else "")
        + "net.eval()\n"  # code
        "with torch.no_grad():\n"
        "    train_loss = loss_fn(net(X_train), y_train).item()\n"
        "    test_loss = loss_fn(net(X_test), y_test).item()\n"
        'print(f"after {num_epochs} epochs: train loss {train_loss:.4f}, '
        'test loss {test_loss:.4f}")\n')
    return "\n\n".join(part.rstrip("\n") + "\n" for part in parts) + "\n\n" + main


def compile_functions(settings: PlaygroundSettings) -> dict[str, Callable[..., object]]:
    """``features``, ``make_net``, ``train_epoch`` and ``targets`` for ``settings``,
    compiled from the same source :func:`script` prints (``targets`` returns the labels
    as they are where the script has no such function)."""
    namespace: dict[str, object] = {"torch": torch, "nn": nn, "math": math}
    registry = registered_layers()
    for name, identifier in layer_identifiers(settings).items():
        if not _from_torch(registry[name].factory):
            namespace[identifier] = registry[name].factory
    targets = targets_source(settings)
    for source in (features_source(settings.features), net_source(settings),
                   epoch_source(settings), *([targets] if targets else [])):
        exec(compile(source, "<playground>", "exec"), namespace)
    functions = {name: namespace[name] for name in ("features", "make_net", "train_epoch")}
    functions["targets"] = namespace.get("targets", _same)
    return functions


def _same(y: torch.Tensor) -> torch.Tensor:
    return y
