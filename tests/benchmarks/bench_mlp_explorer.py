"""How fast MLPExplorer follows a change, next to the `interact` function a reader would write.

Run: python tests/benchmarks/bench_mlp_explorer.py  (or `make benchmark`)

Each of N random moves changes one setting, as one control would: the number of
hidden layers, the width, the activation or the seed. We time from the change
until the view is fully re-rendered:

* MLPExplorer: set the trait; the net, outputs, tables and SVG plot are rebuilt
  synchronously before the assignment returns.
* interact: an `ipywidgets.interactive` function that rebuilds the net, prints
  it with its outputs, and draws a matplotlib figure rendered to PNG, as the
  inline backend does when a cell's figure is shown.

Both get the same sequence of moves, drawn for three ranges of sizes. Widths
are drawn log-uniformly, as a reader halves and doubles them. At the largest
sizes (8 layers of 4096 units: 134 M parameters) a single pass over the weights
takes tens of milliseconds on 2 cores, so both versions are bound by PyTorch's
arithmetic there rather than by drawing. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

import matplotlib

matplotlib.use("Agg")
import ipywidgets as ipw
import matplotlib.pyplot as plt
import torch
from torch import nn

from widgets import MLPExplorer
from widgets.core.layers import ACTIVATIONS
from widgets.core.mlp import default_inputs, response_line

ACTS = ["relu", "tanh", "sigmoid", "gelu", "elu", "silu", "leaky_relu", "identity"]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def random_moves(count: int, max_layers: int, max_width: int,
                 seed: int) -> list[tuple[str, object]]:
    rng = random.Random(seed)
    moves: list[tuple[str, object]] = []
    for _ in range(count):
        kind = rng.choice(["layers", "width", "activation", "seed"])
        if kind == "layers":
            moves.append((kind, rng.randint(0, max_layers)))
        elif kind == "width":
            moves.append((kind, round(2 ** rng.uniform(0, max_width.bit_length() - 1))))
        elif kind == "activation":
            moves.append((kind, rng.choice(ACTS)))
        else:
            moves.append((kind, rng.randint(0, 1000)))
    return moves


def time_explorer(moves: list[tuple[str, object]]) -> list[float]:
    explorer = MLPExplorer(hidden_sizes=(64,), activations="relu")
    state = {"layers": 1, "width": 64}
    times = []
    for kind, value in moves:
        start = time.perf_counter()
        if kind in ("layers", "width"):
            state[kind] = value
            explorer.hidden_sizes = (state["width"],) * state["layers"]
        elif kind == "activation":
            explorer.activations = value
        else:
            explorer.seed = value
        times.append(time.perf_counter() - start)
    return times


def make_interact() -> tuple[ipw.interactive, Callable[[], int]]:
    """The function a reader would write, wrapped by `interactive` like `@interact` does."""
    X = default_inputs(20)
    t, points = response_line(X)
    rendered = {"png_bytes": 0}

    def show(num_layers: int, width: int, activation: str, seed: int) -> None:
        torch.manual_seed(seed)
        layers: list[nn.Module] = []
        fan_in = 20
        for _ in range(num_layers):
            layers += [nn.Linear(fan_in, width), ACTIVATIONS[activation]()]
            fan_in = width
        net = nn.Sequential(*layers, nn.Linear(fan_in, 10))
        with torch.no_grad():
            Y, curves = net(X), net(points)
        print(net)
        print("parameters:", sum(p.numel() for p in net.parameters()))
        print(Y)
        fig, ax = plt.subplots(figsize=(6, 3.5))
        ax.plot(t, curves)
        ax.legend([f"y{j}" for j in range(10)], fontsize=7, loc="right")
        ax.set_xlabel("t")
        buffer = io.BytesIO()  # what the inline backend does to show the figure
        fig.savefig(buffer, format="png", bbox_inches="tight")
        rendered["png_bytes"] = buffer.tell()
        plt.close(fig)

    widget = ipw.interactive(show, num_layers=(0, 8), width=(1, 4096), activation=ACTS,
                             seed=(0, 1000))
    with widget.hold_trait_notifications():
        widget.children[0].value, widget.children[1].value = 1, 64
    return widget, lambda: rendered["png_bytes"]


def time_interact(moves: list[tuple[str, object]]) -> list[float]:
    sink = io.StringIO()
    with contextlib.redirect_stdout(sink):  # outside a kernel, Output does not capture
        widget, _ = make_interact()
    controls = {"layers": widget.children[0], "width": widget.children[1],
                "activation": widget.children[2], "seed": widget.children[3]}
    times = []
    for kind, value in moves:
        control = controls[kind]
        if control.value == value:  # a control set to its own value does not fire
            value = value + 1 if isinstance(value, int) and value < control.max else value
        start = time.perf_counter()
        with contextlib.redirect_stdout(sink):
            control.value = value
        times.append(time.perf_counter() - start)
        sink.seek(0)
        sink.truncate()
    return times


def fresh_process_seconds(code: str) -> float:
    script = f"import time; s = time.perf_counter(); {code}; print(time.perf_counter() - s)"
    return float(subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                                check=True).stdout)


def report(name: str, times: list[float]) -> tuple[float, float]:
    p50, p95 = percentile(times, 50) * 1000, percentile(times, 95) * 1000
    print(f"  {name:<14} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   max {max(times) * 1000:7.1f} ms")
    return p50, p95


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {args.moves} moves")
    print(f"import widgets (fresh process):            "
          f"{fresh_process_seconds('import widgets') * 1000:7.1f} ms")
    print(f"from widgets import MLPExplorer (fresh):    "
          f"{fresh_process_seconds('from widgets import MLPExplorer') * 1000:7.1f} ms"
          "  (loads torch and ipywidgets)")
    print(f"first MLPExplorer() in a fresh process:     "
          f"{fresh_process_seconds('from widgets import MLPExplorer; MLPExplorer()') * 1000:7.1f}"
          " ms  (import included)")
    MLPExplorer()
    builds = []
    for _ in range(20):
        start = time.perf_counter()
        MLPExplorer()
        builds.append(time.perf_counter() - start)
    print(f"MLPExplorer() construction, warm, median:   {statistics.median(builds) * 1000:7.1f} ms")

    tiers = (("0-8 layers, width 1-256 (the goal's range: the sizes the chapter uses)", 8, 256),
             ("0-8 layers, width 1-1024", 8, 1024),
             ("0-8 layers, width 1-4096 (every allowed size; compute-bound)", 8, 4096))
    for label, max_layers, max_width in tiers:
        moves = random_moves(args.moves, max_layers, max_width, args.seed)
        time_explorer(moves[:10])  # warm both paths alike
        time_interact(moves[:10])
        print(f"\nupdate latency, change -> view re-rendered, {label}")
        _, explorer_p95 = report("MLPExplorer", time_explorer(moves))
        _, interact_p95 = report("interact", time_interact(moves))
        print(f"  MLPExplorer p95 is {explorer_p95 / interact_p95:.2f} of interact's "
              f"(goal: at most 0.33, and under 30 ms)")


if __name__ == "__main__":
    main()
