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
from collections.abc import Callable
from typing import TYPE_CHECKING

import torch
from torch import nn

from ..core.checks import check_int
from ..core.init import SCHEMES
from ..core.layers import is_custom, lookup, registered_layers
from ..text import t
from .data import DATASETS, features_source
from .settings import OPTIMIZERS

if TYPE_CHECKING:
    from .settings import PlaygroundSettings

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
    sizes = (len(settings.features), *settings.hidden_sizes, 1)
    identifiers = layer_identifiers(settings)
    rows = []
    for i in range(len(sizes) - 1):
        row = f"nn.Linear({sizes[i]}, {sizes[i + 1]})"
        if i < len(settings.hidden_sizes):
            row += f", {_layer_code(settings.activations[i], sizes[i + 1], identifiers)}"
        elif settings.task == "classification":
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
             "    loss_fn = nn.MSELoss()\n"]
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


def script(settings: PlaygroundSettings, num_epochs: int = 100, note: str = "") -> str:
    """A runnable PyTorch program doing the playground run for ``settings``.

    It prints the train and test loss after ``num_epochs`` epochs, the same
    numbers the playground shows after ``step(num_epochs)`` from a reset.
    ``note`` adds comment lines at the top.
    """
    num_epochs = check_int("num_epochs", num_epochs, 0, 10**6)
    data = DATASETS[settings.dataset]
    title = t("playground.script.title", dataset=settings.dataset, task=data.task,
              features=", ".join(settings.features), hidden_sizes=list(settings.hidden_sizes),
              optimizer=settings.optimizer, learning_rate=repr(settings.learning_rate),
              epochs=num_epochs)
    head = f'"""{title}"""\n'
    comments = "".join(f"# {line}\n" for line in note.splitlines())
    functions = [*layer_sources(settings), data.source, features_source(settings.features),
                 net_source(settings), epoch_source(settings)]
    imports = "import math\n\n" if any("math." in f for f in functions) else ""  # code
    parts = [head + comments + "\n" + imports + "import torch\nfrom torch import nn\n",  # code
             *functions]
    share = settings.train_share / 100
    main = (
        f"g = torch.Generator().manual_seed({settings.seed})  "  # code
        f"# {t('playground.script.generator')}\n"
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
    """``features``, ``make_net`` and ``train_epoch`` for ``settings``, compiled from
    the same source :func:`script` prints."""
    namespace: dict[str, object] = {"torch": torch, "nn": nn, "math": math}
    registry = registered_layers()
    for name, identifier in layer_identifiers(settings).items():
        if not _from_torch(registry[name].factory):
            namespace[identifier] = registry[name].factory
    for source in (features_source(settings.features), net_source(settings),
                   epoch_source(settings)):
        exec(compile(source, "<playground>", "exec"), namespace)
    return {name: namespace[name] for name in ("features", "make_net", "train_epoch")}
