"""Colour-mapped heatmaps as PNG inside SVG: the playground's pictures, fast enough to animate.

Values from -1 to 1 map to orange, through light grey, to blue (values
beyond are clamped), as in TensorFlow Playground. A picture is a small PNG
written with ``zlib`` (no imaging library) and placed in an SVG next to axes,
points and lines, so it is one string: cheap to send, and kept in a saved
notebook like any other output.

Example:
    >>> png = png_bytes(colour_map(torch.zeros(2, 3)))
    >>> png[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
    True
"""

from __future__ import annotations

import base64
import struct
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

NEGATIVE, MIDDLE, POSITIVE = (245, 147, 34), (232, 234, 235), (8, 119, 189)
#: Shades in the colour map.
LEVELS = 255  # odd, so that 0 has a shade of its own: the middle one


def _hex(rgb: Sequence[int]) -> str:
    return "#" + "".join(f"{int(c):02x}" for c in rgb)


def _lookup_table() -> np.ndarray:
    t = np.linspace(-1.0, 1.0, LEVELS)[:, None]
    low, mid, high = (np.array(c, dtype=np.float64) for c in (NEGATIVE, MIDDLE, POSITIVE))
    rgb = np.where(t < 0, mid + (low - mid) * -t, mid + (high - mid) * t)
    return np.rint(rgb).astype(np.uint8)


TABLE = _lookup_table()


def colour_of(value: float) -> str:
    """The map's colour for one value, as ``#rrggbb``.

    Example:
        >>> colour_of(-1.0), colour_of(0.0), colour_of(1.0)
        ('#f59322', '#e8eaeb', '#0877bd')
    """
    return _hex(TABLE[_indices(np.array([value], dtype=np.float32))[0]])


def _indices(values: np.ndarray) -> np.ndarray:
    scaled = np.asarray(values, dtype=np.float32) * np.float32((LEVELS - 1) / 2)
    scaled += np.float32((LEVELS - 1) / 2)
    np.rint(scaled, out=scaled)
    np.clip(scaled, 0, LEVELS - 1, out=scaled)  # and infinities to the ends
    scaled[np.isnan(scaled)] = (LEVELS - 1) // 2  # NaN: the middle shade
    return scaled.astype(np.intp)


def colour_map(values: torch.Tensor | np.ndarray, discretize: bool = False) -> np.ndarray:
    """RGB pixels for ``values`` (any shape ``(..., H, W)``): ``(..., H, W, 3)`` uint8.

    With ``discretize``, values of 0 and above are fully blue and the rest fully
    orange: the two classes the output decides between.
    """
    array = values.numpy() if isinstance(values, torch.Tensor) else np.asarray(values)
    if discretize:
        array = np.where(array >= 0, 1.0, -1.0)
    return TABLE[_indices(array)]


def png_bytes(rgb: np.ndarray, level: int = 1) -> bytes:
    """Encode ``(H, W, 3)`` uint8 pixels as a PNG (no filtering; ``level`` is zlib's)."""
    height, width, _ = rgb.shape
    rows = np.empty((height, 1 + 3 * width), dtype=np.uint8)
    rows[:, 0] = 0  # filter type "none" for every row
    rows[:, 1:] = rgb.reshape(height, 3 * width)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(rows.tobytes(), level)) + chunk(b"IEND", b""))


def image_element(rgb: np.ndarray, x: float, y: float, width: float, height: float,
                  smooth: bool = True) -> str:
    """An SVG ``<image>`` holding ``rgb`` as a PNG, stretched over the given box."""
    data = base64.b64encode(png_bytes(rgb)).decode("ascii")
    rendering = "" if smooth else ' style="image-rendering:pixelated"'
    return (f'<image x="{x}" y="{y}" width="{width}" height="{height}"{rendering} '
            f'preserveAspectRatio="none" href="data:image/png;base64,{data}"/>')


def tiles(values: torch.Tensor, size: int, discretize: bool = False) -> np.ndarray:
    """Resample ``(K, h, w)`` values to ``(K, size, size)`` RGB tiles (nearest pixel);
    ``discretize`` as in :func:`colour_map`."""
    array = values.numpy() if isinstance(values, torch.Tensor) else np.asarray(values)
    _, h, w = array.shape
    rows = np.minimum((np.arange(size) * h) // size, h - 1)
    cols = np.minimum((np.arange(size) * w) // size, w - 1)
    return colour_map(array[:, rows][:, :, cols], discretize)  # colour only what is shown


#: A colour per class, as RGB: the two classes of the two-class sets keep the map's ends
#: (orange for -1, blue for +1); then colour-blind-safe hues.
CLASS_COLOURS = (NEGATIVE, POSITIVE, (0, 158, 115), (204, 121, 167), (213, 94, 0),
                 (120, 94, 240), (240, 228, 66), (90, 90, 90))


def class_colour(index: int) -> str:
    """Class ``index``'s colour, as ``#rrggbb``.

    Example:
        >>> class_colour(0) == colour_of(-1.0), class_colour(1) == colour_of(1.0)
        (True, True)
    """
    return _hex(CLASS_COLOURS[index % len(CLASS_COLOURS)])


def class_map(logits: torch.Tensor, discretize: bool = False) -> np.ndarray:
    """RGB pixels for ``(K, H, W)`` class scores: each pixel in its most likely class's
    colour, as saturated as the softmax is sure (light grey where all K are equally
    likely); ``discretize`` gives every pixel its class's full colour."""
    probabilities = torch.softmax(logits.nan_to_num(0.0), dim=0)
    confidence, chosen = probabilities.max(dim=0)
    k = logits.shape[0]
    strength = ((confidence - 1 / k) / (1 - 1 / k)).clamp(0, 1).numpy()[..., None]
    if discretize:
        strength = np.ones_like(strength)
    colours = np.array([CLASS_COLOURS[i % len(CLASS_COLOURS)] for i in range(k)], np.float64)
    middle = np.array(MIDDLE, dtype=np.float64)
    rgb = middle + (colours[chosen.numpy()] - middle) * strength
    return np.rint(rgb).astype(np.uint8)


@dataclass(frozen=True, eq=False)
class PointsData:
    """Points drawn over a heatmap: where each is, its colour, and the ring around them.

    Args:
        xy: ``(n, 2)`` positions in the plane's units, as drawn.
        values: what colours each point (a class index, or a target rounded to the
            shades drawn), ``(n,)``.
        colours: each point's colour, ``#rrggbb``.
        outline: the colour of the ring around every point.
    """

    xy: np.ndarray
    values: np.ndarray
    colours: tuple[str, ...]
    outline: str


@dataclass(frozen=True, eq=False)
class HeatmapData:
    """What a heatmap picture shows: the pixels, the plane they cover, points on top, and
    what the colours mean.

    The SVG and the matplotlib figure (:func:`widgets.render.figures.figure`) are
    drawn from the same object; the pixels are the ones the SVG's PNG holds.

    Args:
        rgb: ``(H, W, 3)`` uint8 pixels, row 0 at the top.
        extent: ``(left, right, bottom, top)`` of the plane the pixels cover.
        smooth: whether the picture is smoothed when stretched (False: square pixels).
        points: sets of points drawn on top, in order.
        title, x_label, y_label: text around the picture.
        legend: ``"scale"`` (a colour bar from ``value_range[0]`` to
            ``value_range[1]``), ``"signs"`` or ``"classes"`` (a swatch per entry
            of ``swatches``).
        swatches: ``(label, colour)`` per swatch.
        caption: what the legend says the colours mean.
        value_range: the values the colour map spans, ends included.
        size: the picture's side in pixels.

    Example:
        >>> chart = HeatmapData(colour_map(np.zeros((2, 2))), (-1.0, 1.0, -1.0, 1.0))
        >>> chart.rgb.shape, chart.legend
        ((2, 2, 3), 'scale')
    """

    rgb: np.ndarray
    extent: tuple[float, float, float, float]
    smooth: bool = True
    points: tuple[PointsData, ...] = ()
    title: str = ""
    x_label: str = ""
    y_label: str = ""
    legend: str = "scale"
    swatches: tuple[tuple[str, str], ...] = ()
    caption: str = ""
    value_range: tuple[float, float] = (-1.0, 1.0)
    size: int = 300

    @property
    def width(self) -> int:
        """Width in pixels, with room for a colour bar beside the picture."""
        return self.size + 160

    @property
    def height(self) -> int:
        """Height in pixels, with room for swatches below the picture."""
        return self.size + (40 if self.legend == "scale" else 120)
