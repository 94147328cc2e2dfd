"""Whether widgets that a reader creates and closes leave memory behind.

Run: python tests/benchmarks/bench_memory.py  (or `make benchmark BENCH=...` with this path)

A reader re-runs cells: every run builds a new explorer and the old one is closed
(or simply replaced). This builds and closes 300 MLP explorers and 50
playgrounds (each trained a few epochs), in rounds, and prints after each round
the process's resident memory (RSS) and the number of ipywidgets still open
(the registry a kernel keeps until a widget is closed). Flat figures after the
first round mean nothing accumulates. A widget that is replaced without
``close()`` stays in that registry, as every ipywidget does, until the kernel
restarts. Figures are printed, never asserted.
"""

from __future__ import annotations

import gc
import sys
from pathlib import Path

import ipywidgets as ipw
import psutil
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from widgets import MLPExplorer, Playground


def rss_mib() -> float:
    return psutil.Process().memory_info().rss / 2**20


def open_widgets() -> int:
    return len(ipw.widgets.widget._instances)  # private: Widget.widgets, deprecated, reads it


def explorers(count: int) -> None:
    for i in range(count):
        explorer = MLPExplorer(hidden_sizes=(64, 32), seed=i)
        explorer.activations = ("tanh", "relu")
        explorer.close()


def playgrounds(count: int) -> None:
    for i in range(count):
        playground = Playground(seed=i)
        playground.step(3)
        playground.close()


def main() -> None:
    torch.set_num_threads(1)
    print(f"{'round':>5} {'created and closed':>34} {'RSS MiB':>9} {'open widgets':>13}")
    explorers(5)
    playgrounds(1)  # warm caches and lazy imports before the first figure
    gc.collect()
    print(f"{'start':>5} {'':>34} {rss_mib():9.1f} {open_widgets():13d}")
    for round_ in range(1, 6):
        explorers(60)
        playgrounds(10)
        gc.collect()
        done = f"{60 * round_} explorers, {10 * round_} playgrounds"
        print(f"{round_:>5} {done:>34} {rss_mib():9.1f} {open_widgets():13d}")


if __name__ == "__main__":
    main()
