"""The heatmaps' colour legend, and discretize applied to every heatmap."""

from __future__ import annotations

import base64
import re
import zlib

import numpy as np

from widgets import Playground
from widgets.render.heatmap import TABLE, colour_of


def pixels(svg: str) -> np.ndarray:
    """The RGB pixels of every PNG in ``svg`` (written unfiltered by png_bytes), as rows."""
    found = []
    for encoded in re.findall(r"base64,([^\"]+)", svg):
        data = base64.b64decode(encoded)
        width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
        raw = zlib.decompress(data[data.index(b"IDAT") + 4:data.index(b"IEND") - 8])
        rows = np.frombuffer(raw, dtype=np.uint8).reshape(height, 1 + 3 * width)
        found.append(rows[:, 1:].reshape(-1, 3))
    return np.concatenate(found)


def test_the_output_picture_has_a_legend_of_its_colours() -> None:
    playground = Playground()
    svg = playground.views["output"].value
    assert "linearGradient" in svg and "beyond ±1: full colour" in svg
    for end in ("−1", ">0<", ">1<"):
        assert end in svg
    assert 'role="img"' in svg and colour_of(-1.0) in svg and colour_of(1.0) in svg
    playground.discretize = True
    svg = playground.views["output"].value
    assert "colour by sign" in svg and "below 0" in svg and "0 and above" in svg
    playground.close()


def test_discretize_colours_every_unit_by_sign() -> None:
    playground = Playground(hidden_sizes=(4, 2))
    playground.step(5)
    smooth = pixels(playground.views["network"].value)
    playground.discretize = True
    sharp = pixels(playground.views["network"].value)
    two = {tuple(TABLE[0]), tuple(TABLE[-1])}
    tile_colours = {tuple(p) for p in sharp.reshape(-1, 3)} - {(255, 255, 255)}
    assert tile_colours == two  # only the two end colours, beside the white card
    assert len({tuple(p) for p in smooth.reshape(-1, 3)}) > 10
    playground.close()
