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
#: The rate and batch size of the second run it is compared with (the first: 0.1 and 10).
SECOND_RUN = (0.3, 7)
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
    ``min_accuracy`` on the test points at some epoch up to ``num_epochs`` (at
    most ``max_epochs``). The check trains one epoch at a time and stops at the
    first epoch that reaches it, as early stopping would keep that epoch's network.
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
    history, stopped = _train_until(run, epochs, min_accuracy)
    if not report.expect(not stopped, t("exercises.playground.trains_without_stopping"),
                         stopped) or not history:
        return report
    epoch, train_accuracy, test_accuracy = max(history, key=lambda row: row[2])  # the first best
    if test_accuracy >= min_accuracy:
        report.expect(True, t("exercises.playground.reaches_within",
                              accuracy=_percent(min_accuracy), count=epochs, epoch=epoch,
                              got=_percent(test_accuracy)))
        return report
    test = _percent(test_accuracy, min_accuracy)
    # without a hidden layer the activations are never used: a hidden layer is the change
    bend = t("exercises.playground.try_activation" if chosen.hidden_sizes
             else "exercises.playground.try_hidden_layer")
    if train_accuracy >= min_accuracy:
        tries = [bend]
        if not {"sin(x1)", "sin(x2)"} <= set(chosen.features):
            tries.append(t("exercises.playground.try_features"))
        tries.append(t("exercises.playground.try_regularization"))
        hint = t("exercises.playground.overfits", train=_percent(train_accuracy, min_accuracy),
                 test=test, tries=_either(tries))
    else:
        tries = [t("exercises.playground.try_epochs", count=max_epochs)] \
            if epochs < max_epochs else []
        if not {"sin(x1)", "sin(x2)"} <= set(chosen.features):
            tries.append(t("exercises.playground.try_features"))
        tries.append(bend)
        if chosen.optimizer != "adam":
            tries.append(t("exercises.playground.try_adam"))
        tries.append(t("exercises.playground.try_learning_rate"))
        hint = t("exercises.playground.underfits", train=_percent(train_accuracy, min_accuracy),
                 test=test, tries=_either(tries))
    report.expect(False, t("exercises.playground.reaches_best", accuracy=_percent(min_accuracy),
                           count=epochs, epoch=epoch, got=test), hint)
    return report


def _train_until(run: PlaygroundRun, epochs: int,
                 min_accuracy: float) -> tuple[list[tuple[int, float, float]], str]:
    """Train ``run`` one epoch at a time, at most ``epochs``, until the test accuracy reaches
    ``min_accuracy``; returns (epoch, train accuracy, test accuracy) per epoch, and why
    training stopped early ("" if it did not)."""
    history: list[tuple[int, float, float]] = []
    for _ in range(epochs):
        result = run.train(1)
        if result.stopped:
            return history, result.stopped
        history.append((result.epoch, result.train_accuracy, result.test_accuracy))
        if result.test_accuracy >= min_accuracy:
            break
    return history, ""


def _either(tries: list[str]) -> str:
    """``a, b or c``: the suggestions as alternatives."""
    if len(tries) == 1:
        return tries[0]
    return t("exercises.playground.either", head=t("list.separator").join(tries[:-1]),
             last=tries[-1])


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
    network and compares every parameter with the playground's own run, at
    ``rate`` in batches of 10 and again at :data:`SECOND_RUN`'s rate and batch
    size (so that fixed numbers in place of the arguments do not pass).
    """
    report = CheckReport(f"check_l2_epoch({_name(train_epoch)})")
    first = L2_SETTINGS.replace(regularization_rate=rate)
    second_rate, second_batch = SECOND_RUN
    if math.isclose(rate, second_rate):
        second_rate = 2 * rate  # a second rate that differs from the first
    second = L2_SETTINGS.replace(regularization_rate=second_rate, batch_size=second_batch)
    start = _epochs_with(lambda *args: None, first, 0)
    mine = report.attempt(t("exercises.playground.epochs_of", count=num_epochs,
                            call="train_epoch(net, optimizer, X, y, batch_size, g, "
                                 f"rate={rate!r})"),
                          lambda: _epochs_with(train_epoch, first, num_epochs, rate))
    if mine is None:
        _hint_none(report, "exercises.report.helper_none")
        return report
    if not report.expect(not _unchanged(mine, start), t("exercises.playground.l2_trains"),
                         t("exercises.playground.l2_unchanged")):
        return report
    what = t("exercises.playground.l2_matches", count=num_epochs, rate=rate,
             batch_size=first.batch_size, second_rate=second_rate, second_batch=second_batch)
    playground = _playground_run(first, num_epochs)
    if not _same(mine, playground):
        report.expect(False, what, _diagnose(mine, playground, first, num_epochs, rate))
        return report
    mine_second = report.attempt(t("exercises.playground.epochs_of", count=num_epochs,
                                   call=f"train_epoch(net, optimizer, X, y, {second_batch}, g, "
                                        f"rate={second_rate!r})"),
                                 lambda: _epochs_with(train_epoch, second, num_epochs,
                                                      second_rate))
    if mine_second is None:
        _hint_none(report, "exercises.report.helper_none")
        return report
    playground = _playground_run(second, num_epochs)
    matches = _same(mine_second, playground)
    report.expect(matches, what, "" if matches else _diagnose_fixed(
        mine_second, playground, first, second, num_epochs))
    return report


def _playground_run(settings: PlaygroundSettings, num_epochs: int) -> list[torch.Tensor]:
    """The parameters of the playground's own run after ``num_epochs`` epochs."""
    run = PlaygroundRun(settings)
    run.train(num_epochs)
    return [p.detach().clone() for p in run.net.parameters()]


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
    return _differ_by(mine, playground)


def _diagnose_fixed(mine: list[torch.Tensor], playground: list[torch.Tensor],
                    first: PlaygroundSettings, second: PlaygroundSettings,
                    num_epochs: int) -> str:
    """For an epoch right at the first rate and batch size but not at the second: which
    of the two it kept fixed, or how far it is off."""
    rate, batch_size = first.regularization_rate, first.batch_size
    variants = {
        "exercises.playground.match_fixed_both": first,
        "exercises.playground.match_fixed_rate": second.replace(regularization_rate=rate),
        "exercises.playground.match_fixed_batch": second.replace(batch_size=batch_size),
    }
    for key, other in variants.items():
        if _same(mine, _playground_run(other, num_epochs)):
            return t(key, rate=rate, batch_size=batch_size,
                     second_rate=second.regularization_rate, second_batch=second.batch_size)
    return _differ_by(mine, playground)


def _differ_by(mine: list[torch.Tensor], playground: list[torch.Tensor]) -> str:
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


# -- exercise 3: a learnable slope for negative inputs -----------------------------------------


#: The layer's width in the shape checks, and the rows of their batches.
PROBE_WIDTH, PROBE_ROWS = 8, 16


#: PyTorch's layers that already give negative inputs a slope of their own.
SLOPE_LAYERS = (nn.PReLU, nn.LeakyReLU, nn.RReLU)


def _built_on_pytorch(module: nn.Module) -> str:
    """Why ``module`` is not the reader's own work although they wrote its class: that class
    inherits from a ``torch.nn`` class other than ``nn.Module``, or a module in it is one of
    :data:`SLOPE_LAYERS` (or inherits from one); "" if neither."""
    for name, inner in module.named_modules():
        kind = type(inner)
        if isinstance(inner, SLOPE_LAYERS):
            base = next(c for c in kind.__mro__ if c in SLOPE_LAYERS)
            if inner is module and kind is not base:
                return t("exercises.playground.inherits_slope_layer", name=kind.__name__,
                         base=f"nn.{base.__name__}")
            if inner is not module:
                return t("exercises.playground.holds_slope_layer", name=type(module).__name__,
                         attribute=name, base=f"nn.{base.__name__}")
        if inner is module and not kind.__module__.startswith("torch."):
            bases = [c for c in kind.__mro__[1:]
                     if c.__module__.startswith("torch.nn") and c is not nn.Module]
            if bases:
                return t("exercises.playground.inherits_pytorch", name=kind.__name__,
                         base=f"nn.{bases[0].__name__}")
    return ""


def _pytorch_own(module: nn.Module) -> list[str]:
    """The names of ``module``'s kinds (``nn.PReLU``) if it and every module inside it are
    PyTorch's own; empty if the reader wrote any of them."""
    kinds = list(dict.fromkeys(type(m) for m in module.modules()))
    if all(kind.__module__.startswith("torch.") for kind in kinds):
        return [f"nn.{kind.__name__}" for kind in kinds]
    return []


def _move(module: nn.Module) -> nn.Module:
    """Move every parameter of ``module`` by 0.3 to 0.7, up or down (a fixed draw), in place."""
    g = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for p in module.parameters():
            if p.is_floating_point():
                size = 0.3 + 0.4 * torch.rand(p.shape, generator=g)
                sign = torch.where(torch.rand(p.shape, generator=g) < 0.5, -1.0, 1.0)
                p.add_((size * sign).to(p.dtype))
    return module


def _probe_inputs() -> tuple[torch.Tensor, torch.Tensor]:
    """A batch of positive inputs and one of negative inputs, from 0.1 to 3.1 in size."""
    g = torch.Generator().manual_seed(2)
    positive = 0.1 + 3 * torch.rand(PROBE_ROWS, PROBE_WIDTH, generator=g)
    negative = -(0.1 + 3 * torch.rand(PROBE_ROWS, PROBE_WIDTH, generator=g))
    return positive, negative


def _outputs(modules: tuple[nn.Module, nn.Module],
             inputs: tuple[torch.Tensor, torch.Tensor]) -> list[list[torch.Tensor]]:
    """Each module's outputs for each batch of ``inputs``, one list per module. Each call
    gets a copy, so a layer that changes its input in place leaves ``inputs`` as they were."""
    with torch.no_grad(), torch.random.fork_rng(devices=[]):
        return [[module(X.clone()).detach() for X in inputs] for module in modules]


def _positive_miss(X: torch.Tensor, outputs: list[torch.Tensor]) -> str:
    """Why positive inputs do not come out unchanged (before, then after the parameters
    moved), or "" if they do."""
    for out, when in zip(outputs, ("exercises.playground.at_start", "exercises.playground.moved")):
        if out.shape != X.shape:
            return t("exercises.playground.shape_changed", shape=tuple(X.shape),
                     got=tuple(out.shape))
        if not torch.allclose(out, X, rtol=1e-5, atol=1e-6):
            i = int((out - X).abs().nan_to_num(math.inf).flatten().argmax())
            return t("exercises.playground.positive_changed", when=t(when),
                     x=X.flatten()[i].item(), y=out.flatten()[i].item())
    return ""


def _negative_miss(X: torch.Tensor, outputs: list[torch.Tensor]) -> str:
    """Why negative inputs are not multiplied by one slope per unit that the parameters set,
    or "" if they are."""
    slopes = []
    for out, when in zip(outputs, ("exercises.playground.at_start", "exercises.playground.moved")):
        if out.shape != X.shape:
            return t("exercises.playground.shape_changed", shape=tuple(X.shape),
                     got=tuple(out.shape))
        ratio = out / X
        spread = (ratio - ratio[:1]).abs().nan_to_num(math.inf)
        if spread.max() > 1e-4 * (1 + ratio[0].abs().nan_to_num(0).max()):
            row, unit = divmod(int(spread.flatten().argmax()), X.shape[1])
            return t("exercises.playground.negative_not_proportional", when=t(when),
                     unit=unit, x1=X[0, unit].item(), y1=out[0, unit].item(),
                     x2=X[row, unit].item(), y2=out[row, unit].item())
        slopes.append(ratio[0])
    if (slopes[1] - slopes[0]).abs().max() <= 1e-5:
        return t("exercises.playground.negative_fixed",
                 slopes=t("list.separator").join(f"{s:.2f}" for s in slopes[0][:3].tolist()))
    return ""


def check_xor_layer(factory: Callable[..., nn.Module], num_epochs: int = 20,
                    min_accuracy: float = 0.95) -> CheckReport:
    """Check a hand-written layer with a learnable slope for negative inputs that learns xor.

    The layer is registered (under ``"exercise_layer"``, removed again
    afterwards). It must be the reader's own (not made only of PyTorch's
    modules, not a subclass of a ``torch.nn`` class other than ``nn.Module``, and
    holding none of :data:`SLOPE_LAYERS`), hold a parameter, return positive
    inputs unchanged and multiply each unit's negative inputs by one slope that
    its parameters set, both as built and with its parameters moved by a fixed
    draw. Then a playground
    network ``x1, x2 -> 8 units -> output`` with the layer after the hidden
    ``nn.Linear`` must reach ``min_accuracy`` on xor's test points after
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
            module = layer.build(PROBE_WIDTH)  # registration built it at this width already
            torch.manual_seed(0)
            moved = _move(layer.build(PROBE_WIDTH))
        own = _pytorch_own(module)
        borrowed = "" if own else _built_on_pytorch(module)
        if not report.expect(not own and not borrowed, t("exercises.playground.yours"),
                             t("exercises.playground.pytorch_own",
                               names=t("list.separator").join(own)) if own else borrowed):
            return report
        if not report.expect(len(list(module.parameters())) > 0,
                             t("exercises.playground.has_parameter"),
                             t("exercises.playground.no_parameter")):
            return report
        inputs = _probe_inputs()
        outputs = report.attempt(t("exercises.playground.running_on_batch",
                                   shape=(PROBE_ROWS, PROBE_WIDTH)),
                                 lambda: _outputs((module, moved), inputs))
        if outputs is None:
            return report
        positive = _positive_miss(inputs[0], [outputs[0][0], outputs[1][0]])
        negative = _negative_miss(inputs[1], [outputs[0][1], outputs[1][1]])
        report.expect(not positive, t("exercises.playground.positive_unchanged"), positive)
        if not report.expect(not negative, t("exercises.playground.negative_slope"), negative) \
                or positive:
            return report
        return _learns_xor(report, num_epochs, min_accuracy)
    finally:
        if EXERCISE_LAYER in registered_layers():
            unregister_layer(EXERCISE_LAYER)
        if previous is not None:
            register_layer(previous.name, previous.factory, description=previous.description)


def _learns_xor(report: CheckReport, num_epochs: int, min_accuracy: float) -> CheckReport:
    """Train the playground's xor network with the registered exercise layer and report."""
    dataset = "xor"
    settings = PlaygroundSettings(dataset=dataset, hidden_sizes=(PROBE_WIDTH,),
                                  activations=EXERCISE_LAYER, optimizer="adam",
                                  learning_rate=0.01)
    run = report.attempt(t("exercises.playground.building_playground_network"),
                         lambda: PlaygroundRun(settings))
    if run is None:
        return report
    own = [p.detach().clone() for p in run.net[1].parameters()]
    result = run.train(num_epochs)
    if not report.expect(not result.stopped,
                         t("exercises.playground.trains_on", count=num_epochs, dataset=dataset),
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


__all__ = ["check_l2_epoch", "check_spiral_budget", "check_xor_layer"]
