"""The activation functions a reader can pick, by name.

Example:
    >>> make_activation("relu")
    ReLU()
"""

from __future__ import annotations

from collections.abc import Callable

from torch import nn

from .validation import check_choice

#: Name -> zero-argument factory returning a fresh activation module.
ACTIVATIONS: dict[str, Callable[[], nn.Module]] = {
    "relu": nn.ReLU,
    "sigmoid": nn.Sigmoid,
    "tanh": nn.Tanh,
    "gelu": nn.GELU,
    "leaky_relu": lambda: nn.LeakyReLU(0.1),
    "elu": nn.ELU,
    "silu": nn.SiLU,
    "softplus": nn.Softplus,
    "identity": nn.Identity,
}


def activation_names() -> tuple[str, ...]:
    """Names accepted wherever an activation is chosen, in menu order."""
    return tuple(ACTIVATIONS)


def check_activation(field: str, name: object) -> str:
    """Return the canonical activation name or raise naming ``field``."""
    return check_choice(field, name, activation_names())


def make_activation(name: str) -> nn.Module:
    """A fresh activation module for ``name`` (see :data:`ACTIVATIONS`)."""
    return ACTIVATIONS[check_activation("activation", name)]()
