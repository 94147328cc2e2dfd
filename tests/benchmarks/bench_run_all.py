"""How long each chapter's Run All takes in a fresh kernel, and which cells take the time.

Run: python tests/benchmarks/bench_run_all.py [chapter ...]
     (or `make benchmark BENCH=tests/benchmarks/bench_run_all.py`)

A chapter is a path (`chapters/03_parameter_initialization.ipynb`) or its
number (`03`); without any, every `chapters/[0-9][0-9]_*.ipynb` runs. Each one
is read into memory and executed top to bottom with nbclient, as nbval and
`nbconvert --execute` do: a fresh `python3` kernel of this environment, the
working directory `chapters/`. Nothing is written back: the executed copy is
dropped.

First the floor: two tiny notebooks in fresh kernels, one cell `import torch`,
then one that also imports `widgets` and loads its widget layer (ipywidgets),
as a chapter's first cell does. No chapter can run faster than its imports.

Then per chapter:

* kernel start: from asking for a kernel until it answers (not part of Run All);
* Run All: from the kernel being ready until the last cell is done, as a reader
  waits after Run All Cells;
* the 5 slowest cells (`--top`): index, seconds, first line of source.

A summary table puts each chapter beside the floor and says whether its Run
All is under 20 s (`--goal`). The load average is printed with every figure:
on a shared machine another process's work shows up in these times, so
compare figures taken at similar load, or use `--repeat N` (each figure is
then the fastest of N runs, and the cells are those of the fastest run).
Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = ROOT / "chapters"

FLOOR = {
    "import torch": ["import torch"],
    "import torch + widgets": ["import torch",
                               "import widgets\nfrom widgets import MLPExplorer, Playground"],
}


@dataclass
class Run:
    """One notebook executed in a fresh kernel."""

    name: str
    kernel_start: float = 0.0
    run_all: float = 0.0
    cells: list[tuple[int, float, str]] = field(default_factory=list)  # index, s, first line
    error: str = ""
    load: str = ""
    note: str = ""


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:  # not Linux
        return " ".join(f"{x:.2f}" for x in os.getloadavg())


def first_line(source: str) -> str:
    line = next((x for x in source.splitlines() if x.strip()), "")
    return line if len(line) <= 60 else line[:57] + "..."


def execute(notebook: nbformat.NotebookNode, name: str, timeout: int) -> Run:
    """Run every code cell of ``notebook`` (in memory) in a fresh kernel, timing each."""
    run = Run(name)
    client = NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(CHAPTERS)}})
    log = tempfile.TemporaryFile("w+")  # the kernel's stderr, shown only if a cell fails
    start = time.perf_counter()
    with log, client.setup_kernel(stderr=log):
        ready = time.perf_counter()
        run.kernel_start = ready - start
        try:
            for index, cell in enumerate(notebook.cells):
                if cell.cell_type != "code":
                    continue
                before = time.perf_counter()
                client.execute_cell(cell, index)
                run.cells.append((index, time.perf_counter() - before, first_line(cell.source)))
        except CellExecutionError as error:
            run.error = f"cell {index} failed: {str(error).strip().splitlines()[-1]}"
            log.seek(0)
            print(log.read()[-2000:], file=sys.stderr)
        run.run_all = time.perf_counter() - ready
    run.load = load_average()
    return run


def fastest(runs: list[Run]) -> Run:
    best = min(runs, key=lambda r: r.run_all)
    best.kernel_start = min(r.kernel_start for r in runs)
    return best


def floor(timeout: int, repeat: int) -> list[Run]:
    results = []
    for name, sources in FLOOR.items():
        notebook = nbformat.v4.new_notebook(
            cells=[nbformat.v4.new_code_cell(s) for s in sources],
            metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                     "language": "python"}})
        best = fastest([execute(nbformat.from_dict(notebook), name, timeout)
                        for _ in range(repeat)])
        cells = "  ".join(f"[{i}] {s:.2f} s" for i, s, _ in best.cells)
        print(f"  {name:<24} kernel start {best.kernel_start:5.2f} s   "
              f"Run All {best.run_all:5.2f} s   ({cells})   load {best.load}")
        results.append(best)
    return results


def chapter_paths(names: list[str]) -> list[Path]:
    if not names:
        return sorted(CHAPTERS.glob("[0-9][0-9]_*.ipynb"))
    paths = []
    for name in names:
        path = Path(name)
        if not path.suffix:  # a chapter number such as 03
            matches = sorted(CHAPTERS.glob(f"{name}_*.ipynb"))
            if not matches:
                sys.exit(f"no chapter {name!r} in {CHAPTERS}")
            path = matches[0]
        if not path.is_file():
            sys.exit(f"no such notebook: {name}")
        paths.append(path.resolve())
    return paths


def report(run: Run, top: int) -> None:
    print(f"\n{run.name}   (load average {run.load}{'; ' + run.note if run.note else ''})")
    print(f"  kernel start {run.kernel_start:6.2f} s")
    print(f"  Run All      {run.run_all:6.2f} s   {len(run.cells)} code cells"
          + (f"   FAILED: {run.error}" if run.error else ""))
    print(f"  slowest {top} cells:")
    for index, seconds, line in sorted(run.cells, key=lambda c: -c[1])[:top]:
        print(f"    cell {index:3}  {seconds:6.2f} s  {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapters", nargs="*",
                        help="notebook paths or chapter numbers (default: every chapter)")
    parser.add_argument("--top", type=int, default=5, help="slowest cells to list per chapter")
    parser.add_argument("--goal", type=float, default=20.0, help="Run All goal in seconds")
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs per notebook; the fastest is reported")
    parser.add_argument("--timeout", type=int, default=600, help="seconds allowed per cell")
    args = parser.parse_args()
    paths = chapter_paths(args.chapters)

    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average "
          f"{load_average()}; fresh python3 kernel per notebook, working dir chapters/")
    print("\nfloor: fresh kernel, imports only")
    floors = floor(args.timeout, args.repeat)

    runs = []
    for path in paths:
        attempts = [execute(nbformat.read(path, as_version=4), path.name, args.timeout)
                    for _ in range(args.repeat)]
        run = fastest(attempts)
        if args.repeat > 1:
            run.note = "all runs: " + ", ".join(f"{r.run_all:.1f} s" for r in attempts)
        report(run, args.top)
        runs.append(run)

    width = max(len(r.name) for r in floors + runs)
    print(f"\nsummary (Run All from kernel ready to last cell done; goal under {args.goal:g} s)")
    print(f"  {'notebook':<{width}}  {'kernel':>7}  {'Run All':>8}  {'goal':<9}  load average")
    for run in floors:
        print(f"  {run.name:<{width}}  {run.kernel_start:6.2f}s  {run.run_all:7.2f}s  "
              f"{'(floor)':<9}  {run.load}")
    for run in runs:
        verdict = "FAILED" if run.error else ("under" if run.run_all < args.goal else "OVER")
        print(f"  {run.name:<{width}}  {run.kernel_start:6.2f}s  "
              f"{run.run_all:7.2f}s  {verdict:<9}  {run.load}")
    print(f"load average at the end: {load_average()}")


if __name__ == "__main__":
    main()
