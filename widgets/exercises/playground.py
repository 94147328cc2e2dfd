"""Checks for the exercises of chapter 08, "Playground"."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import torch
from torch import nn

from ..core.layers import CustomLayer, register_layer, registered_layers, unregister_layer
from ..playground.data import DATASETS
from ..playground.script import compile_functions
from ..playground.settings import CHECKS, DATA_FIELDS, PlaygroundSettings
from ..playground.training import PlaygroundRun
from ..text import t
from . import CheckReport

#: The spiral challenge's data: the playground's default spiral.
SPIRAL_DATA: dict[str, object] = {"dataset": "spiral", "noise": 0.0, "train_share": 50.0,
                                  "num_samples": 500, "seed": 0}
#: The regularized run the hand-written L2 epoch is compared with.
L2_SETTINGS = PlaygroundSettings(dataset="xor", hidden_sizes=(4, 2), activations="tanh",
                                 learning_rate=0.03, regularization="l2")
#: The name a reader's layer is registered under while it is checked.
EXERCISE_LAYER = "exercise_layer"


def _name(thing: object) -> str:
    return getattr(thing, "__name__", type(thing).__name__)


def _percent(share: float, below: float | None = None) -> str:
    """A share in whole percent; one under ``below`` that would round up to it or beyond
    gets a decimal, rounded down, so that it does not read as reaching it (0.948, "94.8%")."""
    if below is None or share >= below or round(share * 100) < round(below * 100):
        return f"{share:.0%}"
    return f"{math.floor(share * 1000 + 1e-9) / 10:.1f}%"


def _count_parameters(net: nn.Module) -> int:
    return sum(p.numel() for p in net.parameters())


def _layer_counts(net: nn.Module) -> str:
    """``Linear(2, 8): 24, Linear(8, 1): 9``: the parameters of each layer that has some."""
    parts = []
    for module in net:
        count = _count_parameters(module)
        if count:
            label = (f"Linear({module.in_features}, {module.out_features})"
                     if isinstance(module, nn.Linear) else type(module).__name__)
            parts.append(f"{label}: {count}")
    return t("list.separator").join(parts)


# -- exercise 1: a small network for the spiral ------------------------------------------------


def check_spiral_budget(settings: Mapping[str, object], num_epochs: int,
                        max_parameters: int = 60, min_accuracy: float = 0.95,
                        max_epochs: int = 200) -> CheckReport:
    """Check playground settings that classify the default spiral with a small network.

    ``settings`` holds playground settings (features, hidden_sizes, activations,
    init, learning_rate, batch_size, optimizer, regularization, ...). The data
    are fixed: the spiral with no noise, 500 points, half of them for training,
    seed 0 (data settings may be left out or set to these values). The network
    may have at most ``max_parameters`` parameters and must reach
    ``min_accuracy`` on the test points within ``num_epochs`` <= ``max_epochs``
    epochs.
    """
    report = CheckReport(f"check_spiral_budget(..., num_epochs={num_epochs!r})")
    if not report.expect(isinstance(settings, Mapping),
                         t("exercises.playground.settings_dict"),
                         t("exercises.playground.got", value=type(settings).__name__)):
        return report
    changed = {name: settings[name] for name in DATA_FIELDS
               if name in settings and settings[name] != SPIRAL_DATA[name]}
    report.expect(not changed, t("exercises.playground.default_spiral"),
                  t("exercises.playground.data_fixed", **SPIRAL_DATA,
                    settings=t("list.separator").join(f"{name}={value!r}"
                                                      for name, value in changed.items())))
    unknown = sorted(str(name) for name in settings if name not in CHECKS)
    if not report.expect(not unknown, t("exercises.playground.known_settings"),
                         t("exercises.playground.unknown_settings",
                           unknown=t("list.separator").join(unknown),
                           settings=t("list.separator").join(CHECKS))):
        return report
    chosen = report.attempt("PlaygroundSettings(**settings)",
                            lambda: PlaygroundSettings(**{**dict(settings), **SPIRAL_DATA}))
    if chosen is None:
        return report
    epochs_ok = isinstance(num_epochs, int) and not isinstance(num_epochs, bool) \
        and 1 <= num_epochs <= max_epochs
    report.expect(epochs_ok, t("exercises.playground.max_epochs", count=max_epochs),
                  t("exercises.playground.epochs_range", got=num_epochs, low=1, high=max_epochs))
    run = report.attempt(t("exercises.playground.building_network"),
                         lambda: PlaygroundRun(chosen))
    if run is None:
        return report
    count = _count_parameters(run.net)
    within = count <= max_parameters
    report.expect(within, t("exercises.playground.max_parameters", count=max_parameters)
                  if not within else t("exercises.playground.parameters_within",
                                       count=max_parameters, got=count,
                                       layers=_layer_counts(run.net)),
                  t("exercises.playground.too_many_parameters", count=count,
                    layers=_layer_counts(run.net)))
    if count > 10 * max_parameters:
        report.expect(False, t("exercises.playground.reaches", accuracy=_percent(min_accuracy)),
                      t("exercises.playground.far_too_big"))
        return report
    epochs = num_epochs if epochs_ok else max_epochs
    result = run.train(epochs)
    if not report.expect(not result.stopped,
                         t("exercises.playground.trains_without_stopping", count=epochs),
                         result.stopped):
        return report
    train_accuracy, test_accuracy = result.train_accuracy, result.test_accuracy
    if test_accuracy >= min_accuracy:
        hint = ""
    elif train_accuracy >= min_accuracy:
        hint = t("exercises.playground.overfits", train=_percent(train_accuracy, min_accuracy),
                 test=_percent(test_accuracy, min_accuracy))
    else:
        periodic = {"sin(x1)", "sin(x2)"}
        tries = [] if periodic <= set(chosen.features) else [t("exercises.playground.try_features")]
        tries.append(t("exercises.playground.try_activation"))
        if chosen.optimizer != "adam":
            tries.append(t("exercises.playground.try_adam"))
        tries.append(t("exercises.playground.try_learning_rate"))
        hint = t("exercises.playground.underfits", train=_percent(train_accuracy, min_accuracy),
                 test=_percent(test_accuracy, min_accuracy), count=epochs,
                 tries=t("exercises.playground.either",
                         head=t("list.separator").join(tries[:-1]), last=tries[-1]))
    report.expect(not hint, t("exercises.playground.reaches_within",
                              accuracy=_percent(min_accuracy), count=epochs,
                              got=_percent(test_accuracy, min_accuracy)), hint)
    return report


# -- exercise 2: L2 regularization by hand -----------------------------------------------------


def _start(settings: PlaygroundSettings) -> tuple[nn.Module, torch.optim.Optimizer,
                                                  torch.Tensor, torch.Tensor, torch.Generator]:
    """The network, optimizer, training data and batch-order generator of a fresh run,
    made as the script of "show code" makes them."""
    g = torch.Generator().manual_seed(settings.seed)
    X, y = DATASETS[settings.dataset].make(settings.num_samples, settings.noise / 100, g)
    split = torch.randperm(len(X), generator=g)
    num_train = round(len(X) * (settings.train_share / 100))
    functions = compile_functions(settings)
    with torch.random.fork_rng(devices=[]):
        net = functions["make_net"]()
    optimizer = torch.optim.SGD(net.parameters(), lr=settings.learning_rate)
    X_train = functions["features"](X[split[:num_train]])
    return net, optimizer, X_train, y[split[:num_train]], g


def _epochs_with(train_epoch: Callable[..., object], settings: PlaygroundSettings,
                 num_epochs: int, *extra: object) -> list[torch.Tensor]:
    """The parameters after ``num_epochs`` epochs of ``train_epoch`` from a fresh run."""
    net, optimizer, X, y, g = _start(settings)
    with torch.random.fork_rng(devices=[]):
        for _ in range(num_epochs):
            train_epoch(net, optimizer, X, y, settings.batch_size, g, *extra)
    return [p.detach().clone() for p in net.parameters()]


def _penalty_on_everything(net: nn.Module, optimizer: torch.optim.Optimizer, X: torch.Tensor,
                           y: torch.Tensor, batch_size: int, g: torch.Generator,
                           rate: float) -> None:
    """An epoch whose L2 penalty covers the biases too (a common slip)."""
    loss_fn = nn.MSELoss()
    order = torch.randperm(len(X), generator=g)
    for start in range(0, len(X), batch_size):
        batch = order[start:start + batch_size]
        loss = loss_fn(net(X[batch]), y[batch])
        loss = loss + rate / 2 * sum((p ** 2).sum() for p in net.parameters())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def _same(a: list[torch.Tensor], b: list[torch.Tensor]) -> bool:
    """Equal up to float rounding (a sum taken in another order)."""
    return _same_shapes(a, b) and all(torch.allclose(x, y, atol=1e-5, rtol=1e-4)
                                      for x, y in zip(a, b))


def _unchanged(a: list[torch.Tensor], b: list[torch.Tensor]) -> bool:
    return _same_shapes(a, b) and all(torch.equal(x, y) for x, y in zip(a, b))


def check_l2_epoch(train_epoch: Callable[..., object], rate: float = 0.1,
                   num_epochs: int = 2) -> CheckReport:
    """Check a hand-written training epoch with L2 regularization against the playground's.

    ``train_epoch(net, optimizer, X, y, batch_size, g, rate)`` must train one
    epoch as the playground does with ``regularization="l2"``: batches in the
    order ``torch.randperm(len(X), generator=g)``, and to each batch's mean
    squared error the penalty ``rate / 2`` times the sum of the squared weights
    of every ``nn.Linear`` (not the biases). The check runs it for
    ``num_epochs`` epochs on the xor data from the playground's starting
    network and compares every parameter with the playground's own run.
    """
    report = CheckReport(f"check_l2_epoch({_name(train_epoch)})")
    settings = L2_SETTINGS.replace(regularization_rate=rate)
    start = _epochs_with(lambda *args: None, settings, 0)
    mine = report.attempt(t("exercises.playground.epochs_of", count=num_epochs,
                            call="train_epoch(net, optimizer, X, y, batch_size, g, "
                                 f"rate={rate!r})"),
                          lambda: _epochs_with(train_epoch, settings, num_epochs, rate))
    if mine is None:
        _hint_none(report, "exercises.playground.helper_returned_none")
        return report
    if not report.expect(not _unchanged(mine, start), t("exercises.playground.l2_trains"),
                         t("exercises.playground.l2_unchanged")):
        return report
    run = PlaygroundRun(settings)
    run.train(num_epochs)
    playground = [p.detach().clone() for p in run.net.parameters()]
    matches = _same(mine, playground)
    report.expect(matches, t("exercises.playground.l2_matches", count=num_epochs, rate=rate),
                  "" if matches else _diagnose(mine, playground, settings, num_epochs, rate))
    return report


def _diagnose(mine: list[torch.Tensor], playground: list[torch.Tensor],
              settings: PlaygroundSettings, num_epochs: int, rate: float) -> str:
    """Which common slip the reader's parameters match, or how far they are off."""
    variants = {
        "exercises.playground.match_no_penalty": settings.replace(regularization="none"),
        "exercises.playground.match_double_rate":
            settings.replace(regularization_rate=min(2 * rate, 10.0)),
        "exercises.playground.match_l1": settings.replace(regularization="l1"),
    }
    for key, other in variants.items():
        epoch = _pass_rate(compile_functions(other)["train_epoch"])
        if _same(mine, _epochs_with(epoch, other, num_epochs, rate)):
            return t(key)
    if _same(mine, _epochs_with(_penalty_on_everything, settings, num_epochs, rate)):
        return t("exercises.playground.match_biases")
    gap = (max((a - b).abs().max().item() for a, b in zip(mine, playground))
           if _same_shapes(mine, playground) else float("nan"))
    return t("exercises.playground.differ_by", gap=gap)


def _hint_none(report: CheckReport, hint: str) -> None:
    """Add ``hint`` to the last point if it is an error about a None where a value was due."""
    ok, text = report.points[-1] if report.points else (True, "")
    if not ok and ("NoneType" in text or "got None" in text):  # code
        report.points[-1] = (False, t("exercises.report.with_hint", what=text, hint=t(hint)))


def _same_shapes(a: list[torch.Tensor], b: list[torch.Tensor]) -> bool:
    return len(a) == len(b) and all(x.shape == y.shape for x, y in zip(a, b))


def _pass_rate(train_epoch: Callable[..., object]) -> Callable[..., object]:
    """The playground's epoch (its rate built in), callable with the reader's extra ``rate``."""
    return lambda net, optimizer, X, y, batch_size, g, rate: train_epoch(
        net, optimizer, X, y, batch_size, g)


# -- exercise 3: a custom layer that learns xor ------------------------------------------------


def _is_affine(module: nn.Module, width: int = 8) -> bool:
    """True if ``module`` maps the midpoint of two inputs to the midpoint of their outputs
    (tried on a batch of 12 rows: 4 inputs, 4 others, their 4 midpoints)."""
    g = torch.Generator().manual_seed(1)
    a, b = torch.randn(4, width, generator=g) * 3, torch.randn(4, width, generator=g) * 3
    with torch.no_grad():
        out = module(torch.cat([a, b, (a + b) / 2]))
    fa, fb, fm = out[:4], out[4:8], out[8:]
    gap = (fm - (fa + fb) / 2).abs().max().item()
    return gap <= 1e-5 * out.abs().max().item() + 1e-12  # rounding, at the outputs' scale


def check_xor_layer(factory: Callable[..., nn.Module], num_epochs: int = 20,
                    min_accuracy: float = 0.95) -> CheckReport:
    """Check a custom layer with a learnable parameter that the playground accepts and
    that learns xor.

    The layer is registered (under ``"exercise_layer"``, removed again
    afterwards), must hold at least one parameter, must not be linear, and a
    playground network ``x1, x2 -> 8 units -> output`` with the layer after the
    hidden ``nn.Linear`` must reach ``min_accuracy`` on xor's test points after
    ``num_epochs`` epochs of Adam at learning rate 0.01, its own parameters
    learning too.
    """
    report = CheckReport(f"check_xor_layer({_name(factory)})")
    previous: CustomLayer | None = registered_layers().get(EXERCISE_LAYER)
    try:
        layer = report.attempt(t("exercises.playground.registering"),
                               lambda: register_layer(EXERCISE_LAYER, factory))
        if layer is None:
            _hint_none(report, "exercises.playground.forward_returned_none")
            return report
        report.expect(True, t("exercises.playground.accepted"))
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(0)
            module = layer.build(8)  # registration built it at this width already
        if not report.expect(len(list(module.parameters())) > 0,
                             t("exercises.playground.has_parameter"),
                             t("exercises.playground.no_parameter")):
            return report
        affine = report.attempt(t("exercises.playground.running_on_batch", shape=(12, 8)),
                                lambda: _is_affine(module))
        if affine is None:
            return report
        dataset = "xor"
        if not report.expect(not affine, t("exercises.playground.bends"),
                             t("exercises.playground.linear", dataset=dataset)):
            return report
        settings = PlaygroundSettings(dataset=dataset, hidden_sizes=(8,),
                                      activations=EXERCISE_LAYER, optimizer="adam",
                                      learning_rate=0.01)
        run = report.attempt(t("exercises.playground.building_playground_network"),
                             lambda: PlaygroundRun(settings))
        if run is None:
            return report
        own = [p.detach().clone() for p in run.net[1].parameters()]
        result = run.train(num_epochs)
        if not report.expect(not result.stopped,
                             t("exercises.playground.trains_on", count=num_epochs,
                               dataset=dataset),
                             result.stopped):
            return report
        after = [p.detach() for p in run.net[1].parameters()]
        report.expect(not _unchanged(own, after), t("exercises.playground.own_parameters_learn"),
                      t("exercises.playground.own_parameters_unchanged"))
        report.expect(result.test_accuracy >= min_accuracy,
                      t("exercises.playground.xor_reaches", dataset=dataset,
                        accuracy=_percent(min_accuracy), count=num_epochs,
                        got=_percent(result.test_accuracy, min_accuracy)),
                      t("exercises.playground.xor_not_separated",
                        train=_percent(result.train_accuracy, min_accuracy),
                        test=_percent(result.test_accuracy, min_accuracy)))
        return report
    finally:
        if EXERCISE_LAYER in registered_layers():
            unregister_layer(EXERCISE_LAYER)
        if previous is not None:
            register_layer(previous.name, previous.factory, description=previous.description)


__all__ = ["check_l2_epoch", "check_spiral_budget", "check_xor_layer"]
