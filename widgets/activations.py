"""The activation functions a reader can pick, by name, and readers' registered layers.

Built-in activations come first; layers registered with
:func:`widgets.custom_layers.register_layer` follow and are accepted wherever
an activation name is.

Example:
    >>> make_activation("relu")
    ReLU()
"""

from __future__ import annotations

from collections.abc import Callable

from torch import nn

from . import custom_layers
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
    """Names accepted wherever an activation is chosen, in menu order (custom layers last)."""
    return (*ACTIVATIONS, *custom_layers.registered_layers())


def is_custom(name: str) -> bool:
    """True if ``name`` is a reader's registered layer rather than a built-in activation."""
    return name not in ACTIVATIONS and name in custom_layers.registered_layers()


def check_activation(field: str, name: object) -> str:
    """Return the canonical activation name or raise naming ``field``."""
    return check_choice(field, name, activation_names())


def make_activation(name: str, width: int | None = None) -> nn.Module:
    """A fresh module for ``name``: a built-in activation, or a registered layer.

    Args:
        name: see :func:`activation_names`.
        width: the hidden layer's width; needed by registered layers whose factory
            takes it.
    """
    name = check_activation("activation", name)
    if name in ACTIVATIONS:
        return ACTIVATIONS[name]()
    return custom_layers.make_layer(name, width)
