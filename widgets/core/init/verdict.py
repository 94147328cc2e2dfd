"""The one-line verdict on a stack's statistics: does the signal, or the gradient, survive?

Example:
    >>> from widgets.core.init import InitSpec, compute_stats
    >>> stats = compute_stats(InitSpec(depth=5, width=64, schemes="normal", scales=0.01))
    >>> verdict(stats).split(":")[0]
    'signal vanishes'
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ...text import t

if TYPE_CHECKING:
    from .stack import InitStats

#: How close to its bounds (tanh: ±1, sigmoid: 0 and 1) an output counts as saturated.
SATURATION_MARGIN = 0.01


def _trend(values: Sequence[float], start: int, end: int, what: str) -> str:
    """How ``values[end]`` compares with ``values[start]`` (positions, not layer numbers).

    ``what`` is ``"signal"`` or ``"gradient"``.
    """
    first, last = values[start], values[end]
    at = {"at_start": t("init.verdict.layer", number=start + 1),
          "at_end": t("init.verdict.layer", number=end + 1)}
    ratio = last / first if first else math.inf
    return t(f"init.verdict.{what}.{_trend_kind(first, ratio)}", ratio=ratio, first=first,
             last=last, **at)


def _trend_kind(first: float, ratio: float) -> str:
    """The word for a ratio of stds: vanishes, shrinks, steady, grows, explodes."""
    if ratio < 1e-3:
        return "vanishes"
    if ratio < 0.1:  # three digits: a ratio of 0.0996 must not read as the 0.1 it misses
        return "shrinks"
    if ratio <= 10:
        return "steady"
    if ratio <= 1e3:
        return "grows"
    return "grows_from_nothing" if first == 0 else "explodes"


def is_steady(stats: InitStats) -> bool:
    """True when both the signal and the gradient keep their std within a factor of 10
    from one end of the stack to the other (what the verdict calls steady, twice)."""
    a, g = stats.activation_std, stats.gradient_std
    if not all(math.isfinite(v) and v > 0 for v in (*a, *g)):
        return False
    if stats.saturation is not None and stats.saturation > 0.5:
        return False
    return (_trend_kind(a[0], a[-1] / a[0]) == "steady"
            and _trend_kind(g[-1], g[0] / g[-1]) == "steady")


def _share(fraction: float) -> str:
    """A share in steps of 10%, rounded down: ``'at least 80%'`` for 0.86, ``'all'`` for 1.

    Coarse on purpose: a share such as 86.4% would print as 86% on one machine and
    87% on another after rounding noise; the step it falls in does not change.
    """
    if fraction >= 1:
        return t("init.verdict.share_all")
    return t("init.verdict.share_at_least", percent=math.floor(fraction * 10) * 10)


def _zero_run(values: Sequence[float]) -> int:
    """How many values at the start of ``values`` are exactly 0."""
    return next((i for i, v in enumerate(values) if v != 0), len(values))


def verdict(stats: InitStats) -> str:
    """One line on the signal (layer 1 up to the top) and the gradient (top down to layer 1).

    The signal *vanishes* or *explodes* when the top layer's output std is below
    1e-3 or above 1e3 times the first layer's; it *shrinks* or *grows* beyond a
    factor of 10 and is *steady* within it (a ratio from 0.1 to 10). It *saturates*
    when most top-layer outputs of tanh or sigmoid lie within 0.01 of their bounds
    (the share is given in steps of 10%, rounded down), and *dies* when
    every output from some layer to the top is 0. The gradient is read the same
    way, from the top layer down to layer 1.

    Example:
        >>> from widgets.core.init import InitSpec, compute_stats
        >>> verdict(compute_stats(InitSpec(depth=4, width=8, schemes="zeros", batch_size=2)))
        'signal dies: every output is 0 from layer 1 up; gradient dies: 0 from layer 3 down'
    """
    a, g = stats.activation_std, stats.gradient_std
    top = len(a)
    bad = next((i for i, v in enumerate(a) if not math.isfinite(v)), None)
    dead_at_top = _zero_run(a[::-1])
    if bad is not None:
        signal = t("init.verdict.signal.overflows", layer=bad + 1)
    elif dead_at_top:
        signal = t("init.verdict.signal.dies", layer=top - dead_at_top + 1)
    elif stats.saturation is not None and stats.saturation > 0.5:
        signal = t("init.verdict.signal.saturates", share=_share(stats.saturation), layer=top,
                   margin=SATURATION_MARGIN,
                   bounds=t(f"init.verdict.bounds.{stats.spec.activation}"))
    else:
        signal = _trend(a, 0, top - 1, "signal")
    bad = next((i for i in range(top - 1, -1, -1) if not math.isfinite(g[i])), None)
    dead_at_bottom = _zero_run(g)
    if bad is not None:
        gradient = t("init.verdict.gradient.overflows", layer=bad + 1)
    elif dead_at_bottom:
        gradient = t("init.verdict.gradient.dies", layer=dead_at_bottom)
    else:
        gradient = _trend(g, top - 1, 0, "gradient")
    return t("init.verdict.line", signal=signal, gradient=gradient)
