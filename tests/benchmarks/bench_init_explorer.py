"""How fast InitExplorer follows a change at depth 50, width 256, batch 512; memory over time.

Run: python tests/benchmarks/bench_init_explorer.py  (or `make benchmark`)

Each of N random moves changes one control, as a reader would: the scheme or
the scale of every layer, the activation, the selected layer, or that layer's
scheme or scale. We time from the change until the view is fully re-rendered
(forward pass, one backward pass, statistics, histograms, SVG charts, tables).

For comparison, a "from scratch" version does what a first implementation
would: re-initialize all 50 layers with `nn.init`, run autograd forward and
backward with `retain_grad()`, and read each statistic with `.item()`.

Goal: p95 under 100 ms on a 2-core machine. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import subprocess
import sys
import time

import torch
from torch import nn

from widgets import InitExplorer
from widgets.core.init import SCHEMES, scheme_names
from widgets.core.layers import make_activation

ACTS = ["tanh", "relu", "gelu", "sigmoid", "leaky_relu", "elu", "silu", "identity"]
KINDS = ["scheme", "scale", "activation", "layer", "layer scheme", "layer scale"]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def rss_mib() -> float:
    try:
        import psutil

        return psutil.Process().memory_info().rss / 2**20
    except ImportError:  # pragma: no cover - Linux fallback
        with open("/proc/self/status") as status:
            line = next(x for x in status if x.startswith("VmRSS"))
        return int(line.split()[1]) / 1024


def random_moves(count: int, seed: int) -> list[tuple[str, object]]:
    rng = random.Random(seed)
    moves: list[tuple[str, object]] = []
    for _ in range(count):
        kind = rng.choice(KINDS)
        if kind in ("scheme", "layer scheme"):
            moves.append((kind, rng.choice(scheme_names())))
        elif kind in ("scale", "layer scale"):
            moves.append((kind, round(10 ** rng.uniform(-2, 0.5), 3)))
        elif kind == "activation":
            moves.append((kind, rng.choice(ACTS)))
        else:
            moves.append((kind, rng.randint(1, 50)))
    return moves


def controls(explorer: InitExplorer) -> dict[str, object]:
    names = {"scheme": "schemes", "scale": "scales", "activation": "activation",
             "layer": "selected_layer", "layer scheme": "layer_scheme",
             "layer scale": "layer_scale"}
    return {kind: explorer.controls[name] for kind, name in names.items()}


def time_explorer(explorer: InitExplorer,
                  moves: list[tuple[str, object]]) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {kind: [] for kind in KINDS}
    widgets = controls(explorer)
    for kind, value in moves:
        control = widgets[kind]
        if control.value == value:  # a control set to its own value does not fire
            continue
        renders = explorer.render_count
        start = time.perf_counter()
        control.value = value
        elapsed = time.perf_counter() - start
        assert explorer.render_count == renders + 1 and not explorer.message, explorer.message
        times[kind].append(elapsed)
    return times


class FromScratch:
    """The straightforward version: new weights, autograd, a `.item()` per statistic."""

    def __init__(self) -> None:
        self.schemes, self.scales, self.activation = ["default"] * 50, [1.0] * 50, "tanh"
        self.layer = 1

    def move(self, kind: str, value: object) -> None:
        if kind == "scheme":
            self.schemes = [str(value)] * 50
        elif kind == "scale":
            self.scales = [float(value)] * 50  # type: ignore[arg-type]
        elif kind == "activation":
            self.activation = str(value)
        elif kind == "layer":
            self.layer = int(value)  # type: ignore[call-overload]
        elif kind == "layer scheme":
            self.schemes[self.layer - 1] = str(value)
        else:
            self.scales[self.layer - 1] = float(value)  # type: ignore[arg-type]
        self.compute()

    def compute(self) -> list[tuple[float, float, float, float]]:
        torch.manual_seed(0)
        layers = []
        for scheme, scale in zip(self.schemes, self.scales):
            linear = nn.Linear(256, 256)
            with torch.no_grad():
                factor = SCHEMES[scheme].factor(256, 256, scale)
                if SCHEMES[scheme].draw == "normal":
                    nn.init.normal_(linear.weight, 0, factor)
                elif SCHEMES[scheme].draw == "uniform":
                    nn.init.uniform_(linear.weight, -factor, factor)
                else:
                    nn.init.constant_(linear.weight, factor)
                if scheme != "default":
                    nn.init.zeros_(linear.bias)
            layers.append(linear)
        X, dY = torch.randn(512, 256), torch.randn(512, 256)
        h, outputs = X, []
        for linear in layers:
            h = make_activation(self.activation)(linear(h))
            h.retain_grad()
            outputs.append(h)
        (h * dY).sum().backward()
        return [(o.mean().item(), o.std().item(), o.grad.mean().item(), o.grad.std().item())
                for o in outputs]


def time_from_scratch(moves: list[tuple[str, object]]) -> list[float]:
    version, times = FromScratch(), []
    for kind, value in moves:
        start = time.perf_counter()
        version.move(kind, value)
        times.append(time.perf_counter() - start)
    return times


def fresh_process_seconds(code: str) -> float:
    script = f"import time; s = time.perf_counter(); {code}; print(time.perf_counter() - s)"
    return float(subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                                check=True).stdout)


def report(name: str, times: list[float]) -> None:
    if not times:
        return
    p50, p95 = percentile(times, 50) * 1000, percentile(times, 95) * 1000
    print(f"  {name:<22} n={len(times):<4} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   "
          f"max {max(times) * 1000:7.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=200)
    parser.add_argument("--memory-moves", type=int, default=500)
    parser.add_argument("--scratch-moves", type=int, default=40)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; "
          f"InitExplorer at depth 50, width 256, batch 512")
    print(f"from widgets import InitExplorer (fresh):   "
          f"{fresh_process_seconds('from widgets import InitExplorer') * 1000:7.1f} ms")
    print(f"first InitExplorer() in a fresh process:    "
          f"{fresh_process_seconds('from widgets import InitExplorer; InitExplorer()') * 1000:7.1f}"
          " ms  (import included)")
    builds = []
    for _ in range(10):
        start = time.perf_counter()
        built = InitExplorer()
        builds.append(time.perf_counter() - start)
        built.close()  # ipywidgets keeps open widgets alive
    print(f"InitExplorer() construction, warm, median:  {statistics.median(builds) * 1000:7.1f} ms"
          "  (draws all 50 layers)")

    explorer = InitExplorer()
    moves = random_moves(args.moves, args.seed)
    time_explorer(explorer, random_moves(30, args.seed + 1))  # warm the caches alike
    times = time_explorer(explorer, moves)
    everything = [t for kind in KINDS for t in times[kind]]
    print(f"\nupdate latency, one control changed -> view re-rendered ({len(everything)} moves)")
    report("all moves", everything)
    for kind in KINDS:
        report(kind, times[kind])
    p95 = percentile(everything, 95) * 1000
    print(f"  goal: p95 under 100 ms -> {'met' if p95 < 100 else 'NOT met'} ({p95:.1f} ms)")

    scratch = time_from_scratch(moves[:args.scratch_moves])
    print(f"\nfrom scratch (rebuild, autograd, .item() per statistic), first "
          f"{len(scratch)} of the same moves")
    report("from scratch", scratch)

    gc.collect()
    start_rss = rss_mib()
    long_moves = random_moves(args.memory_moves, args.seed + 2)
    mid = len(long_moves) // 2
    time_explorer(explorer, long_moves[:mid])
    gc.collect()
    mid_rss = rss_mib()
    time_explorer(explorer, long_moves[mid:])
    gc.collect()
    end_rss = rss_mib()
    print(f"\nmemory over {len(long_moves)} more moves: RSS {start_rss:.0f} MiB -> "
          f"{mid_rss:.0f} MiB (half way) -> {end_rss:.0f} MiB; growth in the second half "
          f"{end_rss - mid_rss:+.1f} MiB; weight cache "
          f"{explorer._stack.cache_bytes / 2**20:.0f} MiB of "  # private: the cache's size
          f"{explorer._stack.max_cache_bytes / 2**20:.0f} MiB allowed")  # private: its limit


if __name__ == "__main__":
    main()
