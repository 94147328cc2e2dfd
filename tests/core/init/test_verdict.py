"""The verdict's wording, from made-up statistics."""

from __future__ import annotations

import math

import pytest

from widgets.core.init import InitSpec, InitStats, verdict

# -- the verdict ----------------------------------------------------------------------------

def made_up(a: tuple[float, ...], g: tuple[float, ...], activation: str = "relu",
            saturation: float | None = None) -> InitStats:
    spec = InitSpec(depth=len(a), width=4, activation=activation)
    return InitStats(spec, a, a, g, g, saturation, ())


@pytest.mark.parametrize(("a", "g", "expected"), [
    ((1.0, 0.5, 1e-9), (1e-8, 0.1, 1.0),
     "signal vanishes: std at layer 3 is 1e-09 of layer 1; "
     "gradient vanishes: std at layer 1 is 1e-08 of layer 3"),
    ((1.0, 0.05), (2e4, 1.0),
     "signal shrinks: std at layer 2 is 0.05 of layer 1; "
     "gradient explodes: std at layer 1 is 2e+04 times layer 2"),
    ((1.0, 2.0), (50.0, 1.0),
     "signal steady: std 1 at layer 1, 2 at layer 2; "
     "gradient grows: std at layer 1 is 50 times layer 2"),
    ((1.0, 500.0), (0.5, 1.0),
     "signal grows: std at layer 2 is 500 times layer 1; "
     "gradient steady: std 1 at layer 2, 0.5 at layer 1"),
    ((1.0, math.inf, math.nan), (math.nan, math.nan, 1.0),
     "signal overflows: outputs reach inf or NaN at layer 2; "
     "gradient overflows: inf or NaN from layer 2 down"),
    ((1.0, 0.0, 0.0), (0.0, 0.0, 1.0),
     "signal dies: every output is 0 from layer 2 up; gradient dies: 0 from layer 2 down"),
    ((0.0, 3.0), (1.0, 1.0),
     "signal grows from nothing: std 0 at layer 1, 3 at layer 2; "
     "gradient steady: std 1 at layer 2, 1 at layer 1"),
    ((0.7,), (1.0,), "signal steady: std 0.7 at layer 1, 0.7 at layer 1; "
                     "gradient steady: std 1 at layer 1, 1 at layer 1"),
])
def test_verdict_wording(a: tuple, g: tuple, expected: str) -> None:
    assert verdict(made_up(a, g)) == expected


def test_verdict_on_saturation() -> None:
    stats = made_up((0.9, 0.95), (30.0, 1.0), activation="sigmoid", saturation=0.75)
    assert verdict(stats) == ("signal saturates: at least 70% of layer 2's outputs are within "
                              "0.01 of 0 or 1; gradient grows: std at layer 1 is 30 times layer 2")


@pytest.mark.parametrize(("share", "text"), [
    (0.5001, "at least 50%"), (0.8639, "at least 80%"), (0.8701, "at least 80%"),
    (0.9, "at least 90%"), (0.9999, "at least 90%"), (1.0, "all"),
])
def test_the_saturated_share_is_given_in_steps_that_rounding_noise_does_not_flip(
        share: float, text: str) -> None:
    stats = made_up((0.9, 0.95), (1.0, 1.0), activation="tanh", saturation=share)
    assert verdict(stats).startswith(f"signal saturates: {text} of layer 2's outputs are within "
                                     "0.01 of ±1;")


def test_ratios_near_the_threshold_show_three_digits() -> None:
    near = verdict(made_up((1.0, 0.0996), (0.0996, 1.0)))
    assert near == ("signal shrinks: std at layer 2 is 0.0996 of layer 1; "
                    "gradient shrinks: std at layer 1 is 0.0996 of layer 2")
    assert "grows: std at layer 2 is 10.4 times layer 1" in verdict(made_up((1.0, 10.4),
                                                                            (1.0, 1.0)))
