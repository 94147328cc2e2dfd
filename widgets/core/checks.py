"""Checks that turn a reader's value into a valid one or explain what is allowed.

Every function here raises ``TypeError`` for a value of the wrong kind and
``ValueError`` for a value of the right kind outside the allowed range. The
message always names the field and what it accepts, for example::

    hidden_sizes[1] must be an integer from 1 to 4096, got 0
"""

from __future__ import annotations

import numbers
import reprlib
from collections.abc import Sequence

import torch

from ..text import t

#: The largest seed anywhere in the book (seeds go from 0 to 2**32 - 1, as NumPy's).
MAX_SEED = 2**32 - 1


class _ShortRepr(reprlib.Repr):
    """``repr`` that stops early: a few items per container, a few levels deep.

    A value read from a file can be a tiny pickle that stands for an enormous
    structure (the same list shared at every level), or a string of millions of
    characters: the full ``repr`` of either takes minutes and gigabytes. This one
    looks at a bounded number of items whatever the value, and cuts long strings,
    integers and other objects' texts.
    """

    def __init__(self) -> None:
        super().__init__()
        self.maxlevel = 3
        self.maxtuple = self.maxlist = self.maxarray = self.maxdict = 4
        self.maxset = self.maxfrozenset = self.maxdeque = 4
        self.maxstring = self.maxlong = 40
        self.maxother = 60

    def repr_int(self, x: int, level: int) -> str:
        if x.bit_length() > 128:  # str() of a huge int is slow (and refused past 4300 digits)
            return f"<int of {x.bit_length()} bits>"
        return super().repr_int(x, level)


_short = _ShortRepr()


def short_repr(value: object, limit: int = 60) -> str:
    """``repr(value)`` cut to ``limit`` characters, in bounded time and memory.

    Example:
        >>> nested = [1]
        >>> for _ in range(200):
        ...     nested = [nested, nested]  # 2**200 leaves, 201 objects
        >>> short_repr(nested, limit=100)
        '[[[[...], [...]], [[...], [...]]], [[[...], [...]], [[...], [...]]]]'
    """
    try:
        text = _short.repr(value)
    except Exception:  # a reader's __repr__ that raises still gets named
        text = f"<{type(value).__name__} object>"
    return text if len(text) <= limit else text[:limit - 3] + "..."


def describe(value: object) -> str:
    """Short, readable form of a rejected value for an error message (bounded: see
    :func:`short_repr`)."""
    text = short_repr(value)
    return text if type(value) is int else t("value.typed", text=text, type=type(value).__name__)


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
        raise TypeError(t("checks.int_range", field=field, low=low, high=high,
                          got=describe(value)))
    number = int(value)
    if not low <= number <= high:
        raise ValueError(t("checks.int_range", field=field, low=low, high=high, got=number))
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
        raise TypeError(t("checks.float_range", field=field, low=low, high=high,
                          got=describe(value)))
    number = float(value)
    if not low <= number <= high:  # NaN fails this too
        raise ValueError(t("checks.float_range", field=field, low=low, high=high,
                           got=repr(value)))
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
        raise TypeError(t("checks.int_tuple", field=field, min_len=min_len, max_len=max_len,
                          low=low, high=high, got=describe(value)))
    if not min_len <= len(value) <= max_len:
        raise ValueError(t("checks.tuple_length", field=field, min_len=min_len,
                           max_len=max_len, got=len(value)))
    return tuple(check_int(f"{field}[{i}]", v, low, high) for i, v in enumerate(value))


def check_text(field: str, value: object) -> str:
    """Return ``value`` stripped of spaces if it is a non-empty string."""
    if not isinstance(value, str):
        raise TypeError(t("checks.text", field=field, got=describe(value)))
    if not value.strip():
        raise ValueError(t("checks.text", field=field, got=repr(value)))
    return value.strip()


def check_choice(field: str, value: object, choices: Sequence[str]) -> str:
    """Return ``value`` if it is one of ``choices`` (case-insensitive, ``-`` as ``_``)."""
    allowed = ", ".join(choices)
    if not isinstance(value, str):
        raise TypeError(t("checks.choice", field=field, allowed=allowed, got=describe(value)))
    key = value.strip().lower().replace("-", "_")
    if key not in choices:
        raise ValueError(t("checks.choice", field=field, allowed=allowed, got=repr(value)))
    return key


def check_input_batch(field: str, X: object, in_features: int) -> torch.Tensor:
    """Return ``X`` if it is a floating tensor of shape ``(batch, in_features)``.

    Example:
        >>> check_input_batch("X", torch.zeros(2, 3), 3).shape
        torch.Size([2, 3])
    """
    if not isinstance(X, torch.Tensor):
        raise TypeError(t("checks.batch_type", field=field, width=in_features, got=describe(X)))
    if X.ndim != 2 or X.shape[1] != in_features or X.shape[0] < 1:
        raise ValueError(t("checks.batch_shape", field=field, width=in_features,
                           got=tuple(X.shape)))
    if not X.is_floating_point():
        raise TypeError(t("checks.batch_dtype", field=field, dtype=X.dtype))
    if not torch.isfinite(X).all():
        raise ValueError(t("checks.batch_finite", field=field))
    return X.detach()


def missing_and_unknown(mapping: object, expected: Sequence[str]) -> tuple[str, str]:
    """The names ``expected`` that ``mapping`` lacks, and the keys it has besides them,
    each joined with commas (``""`` when there are none).

    Example:
        >>> missing_and_unknown({"a": 1, "z": 2}, ("a", "b"))
        ('b', 'z')
    """
    missing = [name for name in expected if name not in mapping]
    unknown = sorted(str(key) for key in mapping if key not in expected)
    return ", ".join(missing), ", ".join(unknown)


def check_flag(field: str, value: object) -> bool:
    """Return ``value`` if it is ``True`` or ``False`` (not 0, 1 or a string)."""
    if not isinstance(value, bool):
        raise TypeError(t("checks.flag", field=field, got=describe(value)))
    return value
