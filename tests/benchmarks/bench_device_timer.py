"""How the CPU line of DeviceTimer holds up on a busy machine, three ways of timing it.

Run: python tests/benchmarks/bench_device_timer.py [--busy N] [--rounds R]
     (or `make benchmark BENCH=tests/benchmarks/bench_device_timer.py`)

For n = 64 ... 1024 it times ``A @ B`` on the CPU with :func:`widgets.timing` (a
warm-up call, then the median of 5), three ways:

* all threads, wall clock: what a plain ``timing`` call measures;
* one thread, wall clock;
* one thread, the thread's CPU time: what :class:`~widgets.DeviceTimer` does.

Each way runs ``--rounds`` times. A line prints the milliseconds per size, the
ratio of each size to the one before (n³ predicts 8 for each doubling) and
whether the times rise with n. ``--busy N`` starts N processes that only spin,
to stand in for other work on a shared machine (Binder, CI), and stops them at
the end. The load average is printed too. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time
from itertools import pairwise
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import torch

from widgets.core.devices import cpu_clock, timing

SIZES = (64, 128, 256, 512, 1024)


def spin() -> None:
    while True:
        pass


def one_round(threads: int, clock) -> list[float]:
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        times = []
        for n in SIZES:
            A, B = torch.rand(n, n), torch.rand(n, n)
            times.append(timing(lambda A=A, B=B: A @ B, "cpu", repeats=5, warmup=1,
                                clock=clock) * 1e3)
        return times
    finally:
        torch.set_num_threads(before)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--busy", type=int, default=0, help="spinning processes to start")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each way")
    args = parser.parse_args()
    spinners = [multiprocessing.Process(target=spin, daemon=True) for _ in range(args.busy)]
    for process in spinners:
        process.start()
    try:
        ways = {"all threads, wall clock": (torch.get_num_threads(), time.perf_counter),
                "1 thread, wall clock": (1, time.perf_counter),
                "1 thread, thread CPU time": (1, cpu_clock())}
        print(f"{os.cpu_count()} cores, {torch.get_num_threads()} torch threads, "
              f"{args.busy} spinning processes; n = {', '.join(map(str, SIZES))}")
        for name, (threads, clock) in ways.items():
            print(f"\n{name} (load average {os.getloadavg()[0]:.2f})")
            for _ in range(args.rounds):
                ms = one_round(threads, clock)
                ratios = " ".join(f"x{b / a:4.1f}" for a, b in pairwise(ms))
                rising = all(b > a for a, b in pairwise(ms))
                print("  " + " ".join(f"{t:8.3f}" for t in ms) + f" ms | {ratios} | "
                      f"{'rises' if rising else 'NOT rising'}")
    finally:
        for process in spinners:
            process.terminate()


if __name__ == "__main__":
    main()
