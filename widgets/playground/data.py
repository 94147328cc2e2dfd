"""The playground's toy data sets and input features, as plain PyTorch functions.

Every data set is a function ``name(n, noise, g)`` that draws ``n`` points of
the plane (coordinates from about -6 to 6) and their labels from the
generator ``g``: ``+1``/``-1`` for the four classification sets, a number
from about -1 to 1 for the two regression sets. ``noise`` runs from 0 to 0.5.
The shapes follow TensorFlow Playground's sets. "Show code" copies these
functions' source into its script, so the script draws exactly the same points.

Example:
    >>> g = torch.Generator().manual_seed(0)
    >>> X, y = circle(500, 0.0, g)
    >>> X.shape, y.shape, sorted(set(y.flatten().tolist()))
    (torch.Size([500, 2]), torch.Size([500, 1]), [-1.0, 1.0])
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from dataclasses import dataclass

import torch

from ..text import t

#: The plane the data sets live on and the heatmaps show: x1 and x2 from -6 to 6.
EXTENT = 6.0


def circle(n, noise, g):
    """Class +1 within radius 2.5 of the origin, class -1 on a ring from 3.5 to 5."""
    inner = torch.rand(n // 2, generator=g) * 2.5
    outer = 3.5 + torch.rand(n - n // 2, generator=g) * 1.5
    r = torch.cat([inner, outer])
    angle = torch.rand(n, generator=g) * 2 * math.pi
    X = torch.stack([r * torch.sin(angle), r * torch.cos(angle)], dim=1)
    moved = X + (torch.rand(n, 2, generator=g) * 10 - 5) * noise  # noise blurs the labels
    y = torch.where(moved.norm(dim=1) < 2.5, 1.0, -1.0)
    return X, y[:, None]


def xor(n, noise, g):
    """Class +1 where x1 and x2 have the same sign, -1 where they differ."""
    X = torch.rand(n, 2, generator=g) * 10 - 5
    X = X + torch.where(X > 0, 0.3, -0.3)  # a gap of 0.6 along each axis
    moved = X + (torch.rand(n, 2, generator=g) * 10 - 5) * noise
    y = torch.where(moved[:, 0] * moved[:, 1] >= 0, 1.0, -1.0)
    return X, y[:, None]


def two_gaussians(n, noise, g):
    """Class +1 around (2, 2), class -1 around (-2, -2); noise widens both clouds."""
    variance = 0.5 + 7 * noise  # 0.5 without noise, 4 at the most noise
    centers = torch.tensor([[2.0, 2.0]] * (n // 2) + [[-2.0, -2.0]] * (n - n // 2))
    X = centers + torch.randn(n, 2, generator=g) * math.sqrt(variance)
    y = torch.where(centers[:, 0] > 0, 1.0, -1.0)
    return X, y[:, None]


def spiral(n, noise, g):
    """Two arms winding 1.75 turns out to radius 5: class +1 and class -1 alternate."""
    k = torch.arange(n)
    arm = k % 2
    s = (k // 2) / ((n + 1) // 2)  # how far along its arm each point is, 0 to 1
    r = 5 * s
    t = 1.75 * 2 * math.pi * s + math.pi * arm
    X = torch.stack([r * torch.sin(t), r * torch.cos(t)], dim=1)
    X = X + (torch.rand(n, 2, generator=g) * 2 - 1) * noise
    y = 1.0 - 2.0 * arm.float()
    return X, y[:, None]


def blobs(n, noise, g):
    """Three classes: round clouds around three points on a circle of radius 3."""
    label = torch.arange(n) % 3
    angle = math.pi / 2 + 2 * math.pi / 3 * label
    centres = 3 * torch.stack([torch.cos(angle), torch.sin(angle)], dim=1)
    X = centres + torch.randn(n, 2, generator=g) * (0.6 + 4 * noise)
    return X, label


def arms(n, noise, g):
    """Three classes: three spiral arms winding out to radius 5, one class per arm."""
    k = torch.arange(n)
    label = k % 3
    s = (k // 3) / ((n + 2) // 3)  # how far along its arm each point is, 0 to 1
    t = 1.25 * 2 * math.pi * s + 2 * math.pi / 3 * label
    X = 5 * s[:, None] * torch.stack([torch.sin(t), torch.cos(t)], dim=1)
    X = X + (torch.rand(n, 2, generator=g) * 2 - 1) * noise
    return X, label


def plane(n, noise, g):
    """Regression: the label is (x1 + x2) / 10, a tilted plane from -1.2 to 1.2."""
    X = torch.rand(n, 2, generator=g) * 12 - 6
    moved = X + (torch.rand(n, 2, generator=g) * 12 - 6) * noise
    y = moved.sum(dim=1) / 10
    return X, y[:, None]


def gaussian(n, noise, g):
    """Regression: six bumps of height +1 or -1 in two rows; the strongest bump wins."""
    X = torch.rand(n, 2, generator=g) * 12 - 6
    moved = X + (torch.rand(n, 2, generator=g) * 12 - 6) * noise
    bumps = torch.tensor([[-4.0, 2.5, 1.0], [0.0, 2.5, -1.0], [4.0, 2.5, 1.0],
                          [-4.0, -2.5, -1.0], [0.0, -2.5, 1.0], [4.0, -2.5, -1.0]])
    height = bumps[:, 2] * (1 - torch.cdist(moved, bumps[:, :2]) / 2).clamp(min=0)
    y = height.gather(1, height.abs().argmax(dim=1, keepdim=True))
    return X, y


@dataclass(frozen=True)
class DataSet:
    """One of the playground's data sets: how to draw it and what kind of task it is."""

    name: str
    make: Callable[[int, float, torch.Generator], tuple[torch.Tensor, torch.Tensor]]
    task: str  # "classification" or "regression"
    description_id: str  # the catalogue's id of the description
    classes: int = 2  # classes of a classification set (0 for regression)

    @property
    def description(self) -> str:
        """What the points look like, in words (in the book's current language)."""
        return t(self.description_id)

    @property
    def source(self) -> str:
        """The function's source code, as "show code" prints it."""
        return inspect.getsource(self.make)


DATASETS: dict[str, DataSet] = {d.name: d for d in (
    DataSet("circle", circle, "classification", "playground.data.circle"),
    DataSet("xor", xor, "classification", "playground.data.xor"),
    DataSet("two_gaussians", two_gaussians, "classification", "playground.data.two_gaussians"),
    DataSet("spiral", spiral, "classification", "playground.data.spiral"),
    DataSet("blobs", blobs, "classification", "playground.data.blobs", classes=3),
    DataSet("arms", arms, "classification", "playground.data.arms", classes=3),
    DataSet("plane", plane, "regression", "playground.data.plane", classes=0),
    DataSet("gaussian", gaussian, "regression", "playground.data.gaussian", classes=0),
)}

#: Feature name -> the expression computing it from the columns ``x1`` and ``x2``.
FEATURES: dict[str, str] = {
    "x1": "x1",
    "x2": "x2",
    "x1^2": "x1 ** 2",
    "x2^2": "x2 ** 2",
    "x1*x2": "x1 * x2",
    "sin(x1)": "torch.sin(x1)",
    "sin(x2)": "torch.sin(x2)",
}

#: Other spellings readers type for the features.
FEATURE_ALIASES: dict[str, str] = {
    "x1**2": "x1^2", "x2**2": "x2^2", "x1²": "x1^2", "x2²": "x2^2", "x1_sq": "x1^2",
    "x2_sq": "x2^2", "x1x2": "x1*x2", "x1_x2": "x1*x2", "sin_x1": "sin(x1)",
    "sin_x2": "sin(x2)", "sinx1": "sin(x1)", "sinx2": "sin(x2)",
}


def canonical_feature(name: str) -> str | None:
    """The canonical name for a spelling of a feature, or None if it names none.

    Example:
        >>> canonical_feature("X1 ** 2"), canonical_feature("sin x2"), canonical_feature("x3")
        ('x1^2', 'sin(x2)', None)
    """
    key = "".join(name.lower().split())
    if key in FEATURES:
        return key
    return FEATURE_ALIASES.get(key)


def features_source(names: tuple[str, ...]) -> str:
    """Source of ``features(X)``: the chosen features of the points ``X``, one per column.

    Example:
        >>> print(features_source(("x1", "x1^2")))
        def features(X):
            x1, x2 = X[:, 0], X[:, 1]
            return torch.stack([x1, x1 ** 2], dim=1)
        <BLANKLINE>
    """
    columns = ", ".join(FEATURES[name] for name in names)
    return ("def features(X):\n"
            "    x1, x2 = X[:, 0], X[:, 1]\n"
            f"    return torch.stack([{columns}], dim=1)\n")  # code


def plane_grid(density: int) -> torch.Tensor:
    """``density**2`` points covering the plane row by row, top row (x2 = 6) first.

    Row ``i``, column ``j`` of the picture is point ``i * density + j``, at the
    centre of its pixel.

    Example:
        >>> plane_grid(2).tolist()
        [[-3.0, 3.0], [3.0, 3.0], [-3.0, -3.0], [3.0, -3.0]]
    """
    step = 2 * EXTENT / density
    centres = -EXTENT + step * (torch.arange(density, dtype=torch.float32) + 0.5)
    x2, x1 = torch.meshgrid(centres.flip(0), centres, indexing="ij")
    return torch.stack([x1.reshape(-1), x2.reshape(-1)], dim=1)
