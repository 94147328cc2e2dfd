"""The checks every public entry point uses to refuse bad values."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from widgets.core.checks import (
    check_choice,
    check_input_batch,
    check_int,
    check_int_tuple,
)


@pytest.mark.parametrize("value", [1, 7, 4096, np.int64(5), torch.tensor(3)])
def test_check_int_accepts_integers_in_range(value: object) -> None:
    assert check_int("width", value, 1, 4096) == int(value)
    assert type(check_int("width", value, 1, 4096)) is int


@pytest.mark.parametrize(
    ("value", "error", "message"),
    [
        (0, ValueError, "width must be an integer from 1 to 4096, got 0"),
        (-3, ValueError, "got -3"),
        (4097, ValueError, "got 4097"),
        (10**12, ValueError, "got 1000000000000"),
        (2.0, TypeError, "got 2.0 (float)"),
        (2.5, TypeError, "got 2.5 (float)"),
        (True, TypeError, "got True (bool)"),
        (None, TypeError, "got None (NoneType)"),
        ("8", TypeError, "got '8' (str)"),
        (torch.tensor(2.0), TypeError, "Tensor"),
    ],
)
def test_check_int_names_field_and_range(value: object, error: type, message: str) -> None:
    with pytest.raises(error, match="width must be an integer from 1 to 4096") as info:
        check_int("width", value, 1, 4096)
    assert message in str(info.value)


def test_check_int_tuple_names_the_bad_entry() -> None:
    with pytest.raises(ValueError, match=r"sizes\[1\] must be an integer from 1 to 9, got 0"):
        check_int_tuple("sizes", (3, 0), 1, 9, 0, 4)
    with pytest.raises(TypeError, match=r"sizes must be a tuple of 0 to 4 integers"):
        check_int_tuple("sizes", 5, 1, 9, 0, 4)
    with pytest.raises(TypeError, match=r"sizes must be a tuple"):
        check_int_tuple("sizes", "55", 1, 9, 0, 4)
    with pytest.raises(ValueError, match=r"sizes must have 0 to 4 entries, got 5"):
        check_int_tuple("sizes", [1] * 5, 1, 9, 0, 4)
    assert check_int_tuple("sizes", [], 1, 9, 0, 4) == ()
    assert check_int_tuple("sizes", np.array([3, 4]), 1, 9, 0, 4) == (3, 4)
    assert check_int_tuple("sizes", torch.tensor([3, 4]), 1, 9, 0, 4) == (3, 4)
    with pytest.raises(TypeError, match=r"sizes\[0\] must be an integer from 1 to 9, got 3.0"):
        check_int_tuple("sizes", np.array([3.0]), 1, 9, 0, 4)


def test_check_choice_is_forgiving_about_case_and_dashes() -> None:
    assert check_choice("act", "Leaky-ReLU", ("relu", "leaky_relu")) == "leaky_relu"
    with pytest.raises(ValueError, match="act must be one of relu, tanh; got 'swish'"):
        check_choice("act", "swish", ("relu", "tanh"))
    with pytest.raises(TypeError, match="act must be one of relu, tanh; got 3"):
        check_choice("act", 3, ("relu", "tanh"))


def test_check_input_batch() -> None:
    X = torch.rand(3, 4)
    assert check_input_batch("X", X, 4) is not X  # detached view, never the caller's graph
    with pytest.raises(ValueError, match=r"X must have shape \(batch, 4\).*got \(3, 5\)"):
        check_input_batch("X", torch.rand(3, 5), 4)
    with pytest.raises(ValueError, match=r"got \(4,\)"):
        check_input_batch("X", torch.rand(4), 4)
    with pytest.raises(ValueError, match=r"got \(0, 4\)"):
        check_input_batch("X", torch.rand(0, 4), 4)
    with pytest.raises(TypeError, match="X must be a torch.Tensor"):
        check_input_batch("X", [[0.0] * 4], 4)
    with pytest.raises(TypeError, match="floating-point"):
        check_input_batch("X", torch.ones(2, 4, dtype=torch.long), 4)
    with pytest.raises(ValueError, match="finite"):
        check_input_batch("X", torch.full((2, 4), float("nan")), 4)
