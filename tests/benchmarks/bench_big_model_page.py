"""How big a page the inspection widgets make for a big model, and how fast Chromium
shows it.

Run: python tests/benchmarks/bench_big_model_page.py

For a 1000-layer model (1000 Linear(8, 8) in a Sequential) and a transformer
encoder of 12 layers, this builds ModuleTree, ForwardTrace and ParameterInspector,
writes each widget's views (its HTML, as the saved notebook holds it) into a page,
and opens the page in headless Chromium, timing from navigation until the page
has loaded and laid out. Then it times ParameterInspector on an 85 M-parameter
model: building it, showing another parameter, changing the bins. Figures are
printed, never asserted.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.browser.lab import CHROMIUM_FLAGS, find_chromium
from widgets import ForwardTrace, ModuleTree, ParameterInspector


def page(widget: object) -> str:
    parts = [view.value for view in widget.views.values()
             if isinstance(getattr(view, "value", None), str)]
    return "<!doctype html><html><body>" + "\n".join(parts) + "</body></html>"


def main() -> None:
    from playwright.sync_api import sync_playwright

    models = {
        "1000 x Linear(8, 8)": (nn.Sequential(*[nn.Linear(8, 8) for _ in range(1000)]),
                                torch.ones(1, 8)),
        "TransformerEncoder, 12 layers": (
            nn.TransformerEncoder(nn.TransformerEncoderLayer(64, 4, 128, batch_first=True),
                                  12, enable_nested_tensor=False), torch.ones(1, 5, 64)),
    }
    tmp = Path(tempfile.mkdtemp())
    print(f"{'model':<32} {'widget':<20} {'build s':>8} {'page KB':>8} {'open s':>7}")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=find_chromium(), headless=True,
                                             args=CHROMIUM_FLAGS)
        tab = browser.new_page(viewport={"width": 1024, "height": 768})
        for label, (model, x) in models.items():
            makers = {"ModuleTree": lambda m=model: ModuleTree(m),
                      "ForwardTrace": lambda m=model, x=x: ForwardTrace(m, x),
                      "ParameterInspector": lambda m=model: ParameterInspector(m)}
            for name, make in makers.items():
                start = time.perf_counter()
                widget = make()
                built = time.perf_counter() - start
                path = tmp / f"{name}.html"
                path.write_text(page(widget), encoding="utf-8")
                start = time.perf_counter()
                tab.goto(path.as_uri(), wait_until="load")
                tab.evaluate("() => document.body.getBoundingClientRect().height")
                opened = time.perf_counter() - start
                print(f"{label:<32} {name:<20} {built:8.2f} {path.stat().st_size / 1024:8.0f} "
                      f"{opened:7.2f}")
                widget.close()
        browser.close()
    big = nn.Sequential(nn.Embedding(30_000, 1024), *[nn.Linear(1024, 1024) for _ in range(52)])
    count = sum(p.numel() for p in big.parameters())
    start = time.perf_counter()
    inspector = ParameterInspector(big)
    built = time.perf_counter() - start
    start = time.perf_counter()
    inspector.selected = "5.weight"
    selected = time.perf_counter() - start
    start = time.perf_counter()
    inspector.bins = 30
    rebinned = time.perf_counter() - start
    print(f"\nParameterInspector on {count / 1e6:.1f} M parameters: built in {built:.2f} s, "
          f"another parameter shown in {selected:.2f} s, bins changed in {rebinned:.2f} s "
          "(statistics are kept per tensor until it changes; histograms per bin count)")


if __name__ == "__main__":
    main()
