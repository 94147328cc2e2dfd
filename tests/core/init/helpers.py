"""What the init tests share: plain autograd through the stack a spec describes."""

from __future__ import annotations

import torch

from widgets.core.init import InitSpec, build_stack, stack_inputs

SMALL = {"depth": 6, "width": 32, "batch_size": 16}


def autograd_outputs(spec: InitSpec) -> list[torch.Tensor]:
    """Each layer's output of ``build_stack(spec)``, with ``.grad`` from one plain backward."""
    net = build_stack(spec)
    X, dY = stack_inputs(spec)
    outputs, h = [], X.requires_grad_()
    for i in range(spec.depth):
        h = net[2 * i + 1](net[2 * i](h))
        h.retain_grad()
        outputs.append(h)
    (h * dY).sum().backward()
    return outputs


def ratio(values: tuple[float, ...]) -> float:
    return values[-1] / values[0]
