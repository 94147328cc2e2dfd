"""Chapter 8's exercise checks against right answers in several forms and plausible wrong ones.

Each case gives the verdict and words the report must hold (``present``) or must not
(``absent``): a right answer passes whatever its form, a wrong one is told what is wrong, and
no message writes the answer out. Cases marked "regression" are answers an earlier version of
a check judged wrongly.
"""

from __future__ import annotations

import types
from collections.abc import Callable

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from tests.exercises.verdicts import verdict
from widgets.exercises.playground import check_l2_epoch, check_spiral_budget, check_xor_layer

# -- exercise 1: a small network for the spiral --------------------------------------------------

SINES = ("x1", "x2", "sin(x1)", "sin(x2)")
SOLUTION = {"features": SINES, "hidden_sizes": (8,), "activations": "tanh", "optimizer": "adam",
            "learning_rate": 0.03, "batch_size": 64}
ATTEMPT = {"hidden_sizes": (4, 4, 4), "activations": "relu", "optimizer": "adam",
           "learning_rate": 0.03, "batch_size": 64}


def settings_no_return() -> None:
    dict(SOLUTION)  # forgot: return


@pytest.mark.parametrize(("settings", "epochs", "passed", "present", "absent"), [
    # right: the book's solution, a read-only mapping with SGD, data spelled out, two layers,
    # TensorFlow Playground's starting weights
    (SOLUTION, 50, True, ("all 7 checks pass", "(first at epoch 31: 95%)"), ()),
    (types.MappingProxyType({"features": SINES, "hidden_sizes": (8,), "activations": "tanh",
                             "optimizer": "sgd", "learning_rate": 0.3}), 200, True,
     ("all 7 checks pass",), ()),
    ({**SOLUTION, "dataset": "spiral", "seed": 0, "noise": 0, "num_samples": 500,
      "train_share": 50}, 50, True, ("✓ the data are the default spiral",), ()),
    ({"features": SINES, "hidden_sizes": (4, 4), "activations": "tanh", "optimizer": "adam",
      "learning_rate": 0.03}, 200, True, ("(first at epoch 23: 95%)",), ()),
    ({**SOLUTION, "init": "tf_playground", "batch_size": 30}, 200, True,
     ("all 7 checks pass",), ()),
    # regression: 95% at epoch 32, 94.8% at epoch 200; "within 200 epochs" holds
    ({"features": SINES, "hidden_sizes": (6,), "activations": "tanh", "optimizer": "adam",
      "learning_rate": 0.03}, 200, True, ("within 200 epochs (first at epoch 32: 95%)",), ()),
    # wrong: the first attempt, too few epochs, an overfitting ReLU net, too many parameters,
    # other data, a forgotten return, too many epochs, an unknown activation
    (ATTEMPT, 60, False, ("(best 74%, at epoch 54)", "it cannot follow the arms yet",
                          "try more epochs (up to 200), other input features"),
     ("sin(", "tanh")),
    # regression: the book's solution cut to 5 epochs is told to train longer
    (SOLUTION, 5, False, ("(best 64%, at epoch 5)", "try more epochs (up to 200)"), ()),
    ({**SOLUTION, "activations": "relu"}, 80, False,
     ("97% of the training points right but only 91% of the test points",
      "try another activation or L2 regularization"), ()),
    ({**SOLUTION, "hidden_sizes": (8, 8, 8)}, 60, False,
     ("✗ the network has at most 60 parameters: it has 193",), ()),
    ({**SOLUTION, "seed": 3}, 50, False, ("leave seed=3 out",), ()),
    (settings_no_return(), 50, False, ("settings is a dict of playground settings: got "
                                       "NoneType",), ()),
    (SOLUTION, 500, False, ("num_epochs is 500; give a whole number from 1 to 200",), ()),
    ({**SOLUTION, "activations": "swish"}, 50, False,
     ("PlaygroundSettings(**settings) raised ValueError",), ()),
    # regression: no hidden layer, so no activation to change: a hidden layer is suggested
    ({"features": ("sin(x1)", "sin(x2)"), "hidden_sizes": (), "optimizer": "adam"}, 200, False,
     ("(best 56%, at epoch 1)", "try a hidden layer (with none, no activation is used"),
     ("another activation",)),
])
def test_spiral_budget(settings: object, epochs: int, passed: bool, present: tuple,
                       absent: tuple) -> None:
    verdict(check_spiral_budget(settings, num_epochs=epochs),  # type: ignore[arg-type]
            passed, present, absent)


# -- exercise 2: L2 regularization by hand -------------------------------------------------------

def loop(penalty: Callable[[nn.Module, float], torch.Tensor | float],
         batch_size: int | None = None) -> Callable[..., None]:
    """An epoch in the playground's batch order whose batch loss adds ``penalty(net, rate)``;
    with ``batch_size``, that size instead of the argument."""
    def train_epoch(net, optimizer, X, y, size, g, rate) -> None:
        size = batch_size or size
        loss_fn = nn.MSELoss()
        order = torch.randperm(len(X), generator=g)
        for start in range(0, len(X), size):
            batch = order[start:start + size]
            loss = loss_fn(net(X[batch]), y[batch]) + penalty(net, rate)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return train_epoch


def linear_weights(net: nn.Module) -> list[torch.Tensor]:
    return [layer.weight for layer in net if isinstance(layer, nn.Linear)]


def l2_solution(net, optimizer, X, y, batch_size, g, rate) -> None:
    """The chapter's solution."""
    loss_fn = nn.MSELoss()
    weights = [layer.weight for layer in net if isinstance(layer, nn.Linear)]
    order = torch.randperm(len(X), generator=g)
    for start in range(0, len(X), batch_size):
        batch = order[start:start + batch_size]
        loss = loss_fn(net(X[batch]), y[batch])
        loss = loss + rate / 2 * sum((w ** 2).sum() for w in weights)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def l2_on_the_gradient(net, optimizer, X, y, batch_size, g, rate) -> None:
    """The penalty's gradient added by hand after backward."""
    loss_fn = nn.MSELoss()
    order = torch.randperm(len(X), generator=g)
    for start in range(0, len(X), batch_size):
        batch = order[start:start + batch_size]
        loss = loss_fn(net(X[batch]), y[batch])
        optimizer.zero_grad()
        loss.backward()
        with torch.no_grad():
            for layer in net.modules():
                if isinstance(layer, nn.Linear):
                    layer.weight.grad += rate * layer.weight
        optimizer.step()


def l2_split(net, optimizer, X, y, batch_size, g, rate) -> None:
    """Batches from split, the mean written out, a penalty per layer."""
    for batch in torch.randperm(len(X), generator=g).split(batch_size):
        loss = ((net(X[batch]) - y[batch]) ** 2).mean()
        for layer in net:
            if type(layer) is nn.Linear:
                loss = loss + rate * (layer.weight * layer.weight).sum() / 2
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def the_first_attempt(net, optimizer, X, y, batch_size, g, rate) -> None:
    """Section 8.8's epoch: the rate is not used yet."""
    loop(lambda net, rate: 0.0)(net, optimizer, X, y, batch_size, g, rate)


def hard_coded(net, optimizer, X, y, batch_size, g, rate) -> None:
    """Right at rate 0.1 in batches of 10 only."""
    loop(lambda net, rate: 0.05 * sum((w ** 2).sum() for w in linear_weights(net)),
         batch_size=10)(net, optimizer, X, y, batch_size, g, rate)


def unseeded_order(net, optimizer, X, y, batch_size, g, rate) -> None:
    loss_fn = nn.MSELoss()
    order = torch.randperm(len(X))  # forgot the generator
    for start in range(0, len(X), batch_size):
        batch = order[start:start + batch_size]
        loss = loss_fn(net(X[batch]), y[batch])
        loss = loss + rate / 2 * sum((w ** 2).sum() for w in linear_weights(net))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def summed_loss(net, optimizer, X, y, batch_size, g, rate) -> None:
    loss_fn = nn.MSELoss(reduction="sum")
    order = torch.randperm(len(X), generator=g)
    for start in range(0, len(X), batch_size):
        batch = order[start:start + batch_size]
        loss = loss_fn(net(X[batch]), y[batch])
        loss = loss + rate / 2 * sum((w ** 2).sum() for w in linear_weights(net))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def penalty_no_return(net: nn.Module, rate: float) -> None:
    rate / 2 * sum((w ** 2).sum() for w in linear_weights(net))  # forgot: return


#: Words the messages never write: the penalty itself.
THE_PENALTY = ("rate / 2", "** 2", "for w in weights")


@pytest.mark.parametrize(("train_epoch", "passed", "present"), [
    # right
    (l2_solution, True, ("all 2 checks pass",)),
    (loop(lambda net, rate: 0.5 * rate * sum(p.pow(2).sum() for name, p in net.named_parameters()
                                             if name.endswith("weight"))), True,
     ("all 2 checks pass",)),
    (loop(lambda net, rate: rate / 2 * torch.stack([w.norm() ** 2
                                                    for w in linear_weights(net)]).sum()), True,
     ("all 2 checks pass",)),
    (l2_on_the_gradient, True, ("all 2 checks pass",)),
    (l2_split, True, ("all 2 checks pass",)),
    # wrong; regression: the first attempt shows only that the penalty is missing
    (the_first_attempt, False, ("they match a run without any penalty",)),
    (loop(lambda net, rate: rate / 2 * sum((p ** 2).sum() for p in net.parameters())), False,
     ("biases included", "section 8.6 says which parameters")),
    (loop(lambda net, rate: rate * sum((w ** 2).sum() for w in linear_weights(net))), False,
     ("they match a run at twice the playground's rate",)),
    (loop(lambda net, rate: rate * sum(w.abs().sum() for w in linear_weights(net))), False,
     ("they match a run with L1's penalty",)),
    # regression: a rate and a batch size written in as numbers passed before
    (hard_coded, False, ("at rate 0.3 in batches of 7 they match the run at rate 0.1 in "
                         "batches of 10: use the arguments rate and batch_size",)),
    (unseeded_order, False, ("they differ by up to", "the order of the batches")),
    (summed_loss, False, ("they differ by up to", "the mean over its points")),
    (loop(penalty_no_return), False, ("raised TypeError",
                                      "did a helper function forget `return`?")),
    (lambda *args: 1 / 0, False, ("raised ZeroDivisionError",)),
])
def test_l2_epoch(train_epoch: Callable, passed: bool, present: tuple) -> None:
    verdict(check_l2_epoch(train_epoch), passed, present, THE_PENALTY)


# -- exercise 3: a learnable slope for negative inputs -------------------------------------------

class NegativeSlope(nn.Module):
    """The chapter's solution."""

    def __init__(self, width: int) -> None:
        super().__init__()
        self.slope = nn.Parameter(torch.full((width,), 0.25))

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return torch.where(X >= 0, X, self.slope * X)


class Clamped(NegativeSlope):
    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return X.clamp(min=0) + self.slope * X.clamp(max=0)


class TwoReLUs(NegativeSlope):
    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return torch.relu(X) - self.slope * torch.relu(-X)


class Functional(NegativeSlope):
    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return F.prelu(X, self.slope)


class OneSlope(nn.Module):
    """One slope for the whole layer, and a factory without arguments."""

    def __init__(self) -> None:
        super().__init__()
        self.slope = nn.Parameter(torch.tensor(0.1))

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return torch.maximum(X, torch.zeros(())) + self.slope * torch.minimum(X, torch.zeros(()))


class SigmoidSlope(nn.Module):
    """A slope kept between 0 and 1 by a sigmoid."""

    def __init__(self, width: int) -> None:
        super().__init__()
        self.logit = nn.Parameter(torch.full((width,), -1.0))

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return torch.where(X >= 0, X, torch.sigmoid(self.logit) * X)


class StartsLinear(NegativeSlope):
    """Slope 1 at the start: the identity until it learns."""

    def __init__(self, width: int) -> None:
        super().__init__(width)
        self.slope = nn.Parameter(torch.ones(width))


class TheAttempt(NegativeSlope):
    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return torch.relu(X) + self.slope * X


class ScaledTanh(nn.Module):
    """Section 8.7's layer."""

    def __init__(self, width: int) -> None:
        super().__init__()
        self.scale = nn.Parameter(torch.ones(width))

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.scale * X)


class SwishFromZero(nn.Module):
    """x * sigmoid(beta * x) with beta 0 at the start: linear until it learns."""

    def __init__(self, width: int) -> None:
        super().__init__()
        self.beta = nn.Parameter(torch.zeros(width))

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return X * torch.sigmoid(self.beta * X)


class FixedLeak(NegativeSlope):
    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return F.leaky_relu(X, 0.1)  # the parameter is never used


class Detached(NegativeSlope):
    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return torch.where(X >= 0, X, self.slope.detach() * X)


class SlopeOnThePositiveSide(NegativeSlope):
    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return torch.where(X >= 0, self.slope * X, X)


class ScaledEverywhere(StartsLinear):
    """One scale for both sides: the identity at the start, linear throughout."""

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return self.slope * X


class InheritsPReLU(nn.PReLU):
    """Written by the reader, but PyTorch's PReLU does the work."""

    def __init__(self, width: int) -> None:
        super().__init__(width)


class WrapsPReLU(nn.Module):
    def __init__(self, width: int) -> None:
        super().__init__()
        self.act = nn.PReLU(width)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return self.act(X)


class WrapsLeakyReLU(NegativeSlope):
    """A parameter of its own beside a LeakyReLU, which does the work."""

    def __init__(self, width: int) -> None:
        super().__init__(width)
        self.leaky = nn.LeakyReLU(0.25)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return self.leaky(X) * self.slope / self.slope.detach()


class InheritsLinear(nn.Linear):
    """A torch.nn class other than nn.Module as its base."""

    def __init__(self, width: int) -> None:
        super().__init__(width, width)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return torch.where(X >= 0, X, self.bias * X)


class ChangesItsInput(NegativeSlope):
    """A fixed slope of 0.25, written into the input itself."""

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        X[X < 0] = 0.25 * X[X < 0]
        return X


class NoReturn(NegativeSlope):
    def forward(self, X: torch.Tensor) -> None:
        torch.where(X >= 0, X, self.slope * X)  # forgot: return


#: Words no message writes: the way to the answer.
THE_FIX = ("torch.where", "X >= 0", "clamp", "relu(-", "is linear")


@pytest.mark.parametrize(("factory", "passed", "present"), [
    # right, in several forms
    (NegativeSlope, True, ("all 8 checks pass", "(got 100%)")),
    (Clamped, True, ("all 8 checks pass",)),
    (TwoReLUs, True, ("all 8 checks pass",)),
    (Functional, True, ("all 8 checks pass",)),
    (OneSlope, True, ("all 8 checks pass",)),
    (SigmoidSlope, True, ("all 8 checks pass",)),
    # regression: linear at the start, bends once it learns; it was called linear before
    (StartsLinear, True, ("all 8 checks pass",)),
    # wrong
    (TheAttempt, False, ("✗ it returns positive inputs unchanged: with its parameters as they "
                         "start, it maps 3.04 to 3.80", "✓ it multiplies each unit's negative")),
    (ScaledTanh, False, ("✗ it returns positive inputs unchanged", "which is not one slope")),
    # regression: PyTorch's own module with slope 1 at the start was called linear
    (lambda width: nn.PReLU(width, init=1.0), False,
     ("✗ you wrote it: it is made only of PyTorch's own modules (nn.PReLU)",)),
    (lambda width: nn.Sequential(nn.PReLU(width)), False,
     ("PyTorch's own modules (nn.Sequential, nn.PReLU)",)),
    # regression: swish from beta 0 learns xor, but it is not the layer asked for
    (SwishFromZero, False, ("✗ it returns positive inputs unchanged: with its parameters as "
                            "they start, it maps 3.04 to 1.52",)),
    (FixedLeak, False, ("stay the same when its parameters move",)),
    (Detached, False, ("✗ its own parameters learn: they are as they started",)),
    (SlopeOnThePositiveSide, False, ("✗ it returns positive inputs unchanged",
                                     "stay the same when its parameters move")),
    (ScaledEverywhere, False, ("✗ it returns positive inputs unchanged: once its parameters "
                               "move from where they start",)),
    (NoReturn, False, ("registering it with register_layer raised", "forget `return`?")),
    # regression: PyTorch's negative slope inherited or held inside a class of the reader's
    (InheritsPReLU, False, ("✗ you wrote it: InheritsPReLU inherits from nn.PReLU, PyTorch's "
                            "own layer with a slope for negative inputs",)),
    (WrapsPReLU, False, ("✗ you wrote it: WrapsPReLU holds nn.PReLU (as act), PyTorch's own "
                         "layer with a slope for negative inputs",)),
    (WrapsLeakyReLU, False, ("✗ you wrote it: WrapsLeakyReLU holds nn.LeakyReLU (as leaky)",)),
    (lambda width: nn.Sequential(WrapsPReLU(width)), False, ("holds nn.PReLU (as 0.act)",)),
    (InheritsLinear, False, ("✗ you wrote it: InheritsLinear inherits from nn.Linear, so "
                             "PyTorch's code does part of the work",)),
    # regression: a layer that changes its input in place is judged on the input it was given
    (ChangesItsInput, False, ("✗ it multiplies each unit's negative inputs by one slope that "
                              "its parameters set: its slopes (0.25, 0.25, 0.25, ...) stay the "
                              "same when its parameters move",)),
])
def test_xor_layer(factory: Callable, passed: bool, present: tuple) -> None:
    verdict(check_xor_layer(factory), passed, present, () if passed else THE_FIX)
