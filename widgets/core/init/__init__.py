"""Initialization: the scheme registry, the signal statistics of deep stacks, their verdict.

- :mod:`.schemes`: every initialization scheme, once (:data:`SCHEMES`), as
  ``nn.init`` code and as the factor the engine multiplies a fixed draw by;
  the seeds layers are drawn from.
- :mod:`.stack`: :class:`InitSpec`, the incremental engine :class:`InitStack`
  and the :class:`InitStats` it returns.
- :mod:`.verdict`: the one-line reading of those statistics.

Example:
    >>> compute_stats(InitSpec(depth=3, width=8, schemes="zeros", batch_size=4)).activation_std
    (0.0, 0.0, 0.0)
"""

from __future__ import annotations

from .schemes import (
    CUSTOM_INDEX,
    INPUT_INDEX,
    MAX_SCALE,
    SCHEMES,
    InitScheme,
    check_scale,
    check_scheme,
    layer_seed,
    playground_scheme_names,
    scheme_names,
)
from .stack import (
    HISTOGRAM_BINS,
    MAX_BATCH,
    MAX_DEPTH,
    MAX_WIDTH,
    InitSpec,
    InitStack,
    InitStats,
    LayerHistogram,
    activation_modules,
    build_stack,
    compute_stats,
    default_histogram_layers,
    init_layer_,
    stack_inputs,
)
from .verdict import SATURATION_MARGIN, verdict

__all__ = [
    "CUSTOM_INDEX",
    "HISTOGRAM_BINS",
    "INPUT_INDEX",
    "MAX_BATCH",
    "MAX_DEPTH",
    "MAX_SCALE",
    "MAX_WIDTH",
    "SATURATION_MARGIN",
    "SCHEMES",
    "InitScheme",
    "InitSpec",
    "InitStack",
    "InitStats",
    "LayerHistogram",
    "activation_modules",
    "build_stack",
    "check_scale",
    "check_scheme",
    "compute_stats",
    "default_histogram_layers",
    "init_layer_",
    "layer_seed",
    "playground_scheme_names",
    "scheme_names",
    "stack_inputs",
    "verdict",
]
