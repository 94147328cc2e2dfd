"""Checks that turn a reader's value into a valid one or explain what is allowed.

Every function here raises ``TypeError`` for a value of the wrong kind and
``ValueError`` for a value of the right kind outside the allowed range. The
message always names the field and what it accepts, for example::

    hidden_sizes[1] must be an integer from 1 to 4096, got 0
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import torch


def describe(value: object) -> str:
    """Short, readable form of a rejected value for an error message."""
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return text if type(value) is int else f"{text} ({type(value).__name__})"


def check_int(field: str, value: object, low: int, high: int) -> int:
    """Return ``value`` as an ``int`` if it is an integer in ``[low, high]``.

    Booleans and floats are refused even when they look whole (``True``,
    ``3.0``): a width of ``True`` is almost always a mistake.

    Example:
        >>> check_int("seed", 7, 0, 10)
        7
    """
    if isinstance(value, torch.Tensor) and value.ndim == 0 and not value.is_floating_point():
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"{field} must be an integer from {low} to {high}, got {describe(value)}"
        )
    number = int(value)
    if not low <= number <= high:
        raise ValueError(f"{field} must be an integer from {low} to {high}, got {number}")
    return number


def check_float(field: str, value: object, low: float, high: float) -> float:
    """Return ``value`` as a ``float`` if it is a real number in ``[low, high]`` (NaN is not).

    Example:
        >>> check_float("scale", 2, 0, 100)
        2.0
    """
    if isinstance(value, torch.Tensor) and value.ndim == 0:
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{field} must be a number from {low:g} to {high:g}, "
                        f"got {describe(value)}")
    number = float(value)
    if not low <= number <= high:  # NaN fails this too
        raise ValueError(f"{field} must be a number from {low:g} to {high:g}, got {value!r}")
    return number


def check_int_tuple(
    field: str, value: object, low: int, high: int, min_len: int, max_len: int
) -> tuple[int, ...]:
    """Return ``value`` as a tuple of ints, each in ``[low, high]``.

    A single integer is not accepted in place of a sequence: ``(256,)`` is one
    hidden layer of 256 units, ``256`` is ambiguous.

    Example:
        >>> check_int_tuple("hidden_sizes", [8, 4], 1, 4096, 0, 8)
        (8, 4)
    """
    if getattr(value, "ndim", None) == 1 and hasattr(value, "tolist"):
        value = value.tolist()  # a 1-D tensor or NumPy array of widths reads like a list
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise TypeError(
            f"{field} must be a tuple of {min_len} to {max_len} integers from {low} to "
            f"{high}, got {describe(value)}"
        )
    if not min_len <= len(value) <= max_len:
        raise ValueError(
            f"{field} must have {min_len} to {max_len} entries, got {len(value)}"
        )
    return tuple(check_int(f"{field}[{i}]", v, low, high) for i, v in enumerate(value))


def check_text(field: str, value: object) -> str:
    """Return ``value`` stripped of spaces if it is a non-empty string."""
    if not isinstance(value, str):
        raise TypeError(f"{field} must be a non-empty string, got {describe(value)}")
    if not value.strip():
        raise ValueError(f"{field} must be a non-empty string, got {value!r}")
    return value.strip()


def check_choice(field: str, value: object, choices: Sequence[str]) -> str:
    """Return ``value`` if it is one of ``choices`` (case-insensitive, ``-`` as ``_``)."""
    allowed = ", ".join(choices)
    if not isinstance(value, str):
        raise TypeError(f"{field} must be one of {allowed}; got {describe(value)}")
    key = value.strip().lower().replace("-", "_")
    if key not in choices:
        raise ValueError(f"{field} must be one of {allowed}; got {value!r}")
    return key


def check_input_batch(field: str, X: object, in_features: int) -> torch.Tensor:
    """Return ``X`` if it is a floating tensor of shape ``(batch, in_features)``.

    Example:
        >>> check_input_batch("X", torch.zeros(2, 3), 3).shape
        torch.Size([2, 3])
    """
    if not isinstance(X, torch.Tensor):
        raise TypeError(
            f"{field} must be a torch.Tensor of shape (batch, {in_features}), got {describe(X)}"
        )
    if X.ndim != 2 or X.shape[1] != in_features or X.shape[0] < 1:
        raise ValueError(
            f"{field} must have shape (batch, {in_features}) with batch >= 1, "
            f"got {tuple(X.shape)}"
        )
    if not X.is_floating_point():
        raise TypeError(f"{field} must hold floating-point numbers, got dtype {X.dtype}")
    if not torch.isfinite(X).all():
        raise ValueError(f"{field} must hold finite numbers (no NaN or inf)")
    return X.detach()
