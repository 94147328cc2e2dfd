"""How much memory a chapter's kernel takes: peak resident memory over a whole Run All.

Run: python tests/benchmarks/bench_kernel_memory.py [notebook ...]
     (or `make benchmark BENCH=tests/benchmarks/bench_kernel_memory.py`)

Binder gives a reader 2 GB (its usual limit; some deployments give more). The
chapters in other frameworks import heavy libraries (TensorFlow, JAX, and PyTorch
beside them for the comparison), so this executes each notebook top to bottom with
nbclient in the kernel its metadata names (the MXNet chapter in "mxnet"), samples
the kernel process's resident set size (RSS, with its child processes) every 20 ms,
and prints the peak, the memory after the imports (the first code cell) and at the
end, and the Run All time. Without arguments: chapter 1 in PyTorch and the three
other frameworks. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import psutil
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = [ROOT / "chapters" / "01_layers_and_modules.ipynb",
           *sorted((ROOT / "chapters" / "frameworks").glob("[0-9][0-9]_*.ipynb"))]
BINDER_LIMIT_MIB = 2048
SAMPLE_S = 0.02


def kernels() -> list[psutil.Process]:
    """Kernel processes started by this process (ipykernel_launcher), not yet ended."""
    found = []
    for child in psutil.Process().children(recursive=True):
        try:
            if "ipykernel_launcher" in " ".join(child.cmdline()):
                found.append(child)
        except psutil.Error:
            continue
    return found


def tree_rss(process: psutil.Process) -> int:
    total = 0
    for member in [process, *process.children(recursive=True)]:
        try:
            total += member.memory_info().rss
        except psutil.Error:
            continue
    return total


class Sampler(threading.Thread):
    """Peak RSS of the kernel process tree, sampled until stopped."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = 0
        self.last = 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            rss = sum(tree_rss(kernel) for kernel in kernels())
            if rss:
                self.last = rss
                self.peak = max(self.peak, rss)
            time.sleep(SAMPLE_S)


def measure(path: Path) -> dict:
    notebook = nbformat.read(path, as_version=4)
    kernel = notebook.metadata.get("kernelspec", {}).get("name", "python3")
    client = NotebookClient(notebook, timeout=600, kernel_name=kernel,
                            resources={"metadata": {"path": str(path.parent)}})
    sampler = Sampler()
    after_imports = 0
    with client.setup_kernel(stderr=subprocess.DEVNULL):  # the kernel's own log lines
        sampler.start()
        started = time.perf_counter()
        first_code = True
        for index, cell in enumerate(notebook.cells):
            client.execute_cell(cell, index)
            if cell.cell_type == "code" and first_code:
                time.sleep(5 * SAMPLE_S)
                after_imports, first_code = sampler.last, False
        seconds = time.perf_counter() - started
        time.sleep(5 * SAMPLE_S)
        sampler.stop.set()
        sampler.join()
    mib = 1024 * 1024
    return {"kernel": kernel, "peak": sampler.peak / mib, "imports": after_imports / mib,
            "end": sampler.last / mib, "seconds": seconds}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path, default=DEFAULT)
    args = parser.parse_args(argv)
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}; "
          f"Binder's usual limit {BINDER_LIMIT_MIB} MiB")
    width = max(len(path.resolve().relative_to(ROOT).as_posix()) for path in args.notebooks)
    print(f"{'notebook':{width}} {'kernel':8} {'after imports':>14} {'peak':>9} {'end':>9} "
          f"{'Run All':>8}  under 2 GB")
    for path in args.notebooks:
        figures = measure(path.resolve())
        name = path.resolve().relative_to(ROOT).as_posix()
        print(f"{name:{width}} {figures['kernel']:8} {figures['imports']:10.0f} MiB "
              f"{figures['peak']:5.0f} MiB {figures['end']:5.0f} MiB {figures['seconds']:6.1f} s"
              f"  {'yes' if figures['peak'] < BINDER_LIMIT_MIB else 'NO'}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
