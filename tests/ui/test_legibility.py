"""What every widget draws reads in any theme: text at least 11 px, no fixed black or white
text on the page, and every chart with more than one series labelled."""

from __future__ import annotations

import re

import pytest
import torch
from torch import nn

from widgets import (
    DeviceTimer,
    ForwardTrace,
    InitExplorer,
    LazyInitViewer,
    MLPExplorer,
    ModuleTree,
    ParameterInspector,
    Playground,
)


def _made() -> dict[str, object]:
    net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
    inspector = ParameterInspector(net, torch.randn(3, 4))
    inspector.backward()
    playground = Playground()
    playground.step(3)
    return {
        "explorer": MLPExplorer(hidden_sizes=(8, 4)),
        "init": InitExplorer(depth=6, width=16, batch_size=16),
        "inspector": inspector,
        "lazy": LazyInitViewer(nn.Sequential(nn.LazyLinear(4), nn.ReLU(), nn.LazyLinear(2))),
        "tree": ModuleTree(net),
        "trace": ForwardTrace(net, torch.randn(2, 4)),
        "timer": DeviceTimer(sizes=(64, 128)),
        "playground": playground,
    }


@pytest.fixture(scope="module")
def drawn() -> dict[str, str]:
    """Every view's HTML, per widget."""
    widgets = _made()
    try:
        return {name: "\n".join(str(getattr(v, "value", "")) for v in w.views.values())
                for name, w in widgets.items()}
    finally:
        for w in widgets.values():
            w.close()


def test_chart_text_is_at_least_11_px(drawn: dict[str, str]) -> None:
    small = {name: sorted({float(s) for s in re.findall(r'font-size="([\d.]+)"', html)
                           if float(s) < 11})
             for name, html in drawn.items()}
    assert {k: v for k, v in small.items() if v} == {}


def test_text_on_the_page_has_no_fixed_dark_or_light_colour(drawn: dict[str, str]) -> None:
    """Text drawn straight on the page follows the theme (currentColor or CSS variables).

    The network picture is its own light card, so its dark text is allowed there.
    """
    for name, html in drawn.items():
        # the network picture: a light card (class ll-card) under everything
        html = re.sub(r'<svg[^>]*class="ll-card".*?</svg>', "", html, flags=re.DOTALL)
        fixed = re.findall(r'<text[^>]*fill="(#(?:0|1|2|3|4|f|e)[0-9a-f]{2,5}|black|white)"',
                           html)
        assert fixed == [], f"{name}: text in fixed colours {fixed}"
        assert 'fill="white"' not in html, f"{name}: a white plot area glares in a dark theme"


def test_every_chart_with_several_series_says_which_is_which(drawn: dict[str, str]) -> None:
    for name, html in drawn.items():
        for svg in re.findall(r"<svg.*?</svg>", html, flags=re.DOTALL):
            series = svg.count('class="ll-series"')
            if series > 1:
                labels = re.findall(r'<g class="ll-series".*?<text[^>]*>([^<]+)</text>', svg)
                assert len(labels) == series, f"{name}: {series} lines, labels {labels}"
