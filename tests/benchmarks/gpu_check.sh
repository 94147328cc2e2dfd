#!/usr/bin/env bash
# Chapter 7 on a machine with an NVIDIA GPU: usage `bash tests/benchmarks/gpu_check.sh [DIR]`.
# Uses the PyTorch in .venv (`make setup`; a CUDA build may need `.venv/bin/pip install
# torch==2.13.0` from the CUDA index), says what it sees, runs chapters/07_gpus.ipynb with
# nbclient into a copy in DIR (default $OUT, else /tmp), never in place, and prints each code
# cell whose output differs from the stored one, saying whether nbval ignores it.
# Then it runs chapter 7's checker tests, which on a GPU also take the checks' GPU runs (each
# answer must get the verdict it gets without a GPU), and probes the rule the meta run of
# exercise 2 copies from PyTorch: a CPU scalar may join GPU tensors as an input, never as
# the output, nor inside a list. Exit status: 1 if any cell raised or a test failed, else 0.
# It takes about 5 minutes at most.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=.venv/bin/python; [ -x "$PY" ] || PY=python3
OUT_DIR="${1:-${OUT:-/tmp}}"; mkdir -p "$OUT_DIR"
"$PY" -c 'import torch; print("torch", torch.__version__, "| cuda available:",
  torch.cuda.is_available(), "| GPUs:", torch.cuda.device_count(), "| accelerator:",
  torch.accelerator.current_accelerator(check_available=True))'
OUT_DIR="$OUT_DIR" timeout 280 "$PY" - <<'PYTHON'
import configparser, copy, os, re, sys, time
import nbformat
from nbclient import NotebookClient

sanitize = configparser.ConfigParser()
sanitize.read("tests/nbval_sanitize.cfg")
rules = [(re.compile(s["regex"]), s["replace"]) for s in map(sanitize.__getitem__, sanitize.sections())]

def text(cell):
    parts = []
    for out in cell.get("outputs", []):
        if out.output_type == "stream":
            parts.append(out.text)
        elif out.output_type == "error":
            parts.append(f"{out.ename}: {out.evalue}")
        else:
            parts.append(out.get("data", {}).get("text/plain", ""))
    joined = "".join(parts)
    for pattern, replacement in rules:
        joined = pattern.sub(replacement, joined)
    return joined.strip()

stored = nbformat.read("chapters/07_gpus.ipynb", as_version=4)
run = copy.deepcopy(stored)
start = time.perf_counter()
NotebookClient(run, timeout=120, kernel_name="python3", allow_errors=True,
               resources={"metadata": {"path": "chapters"}}).execute()
target = os.path.join(os.environ["OUT_DIR"], "07_gpus.executed.ipynb")
nbformat.write(run, target)
differ = errors = compared = 0
for number, (old, new) in enumerate(zip(stored.cells, run.cells)):
    if new.cell_type != "code":
        continue
    errors += any(out.output_type == "error" for out in new.outputs)
    if text(old) != text(new):
        ignored = "NBVAL_IGNORE_OUTPUT" in new.source
        differ, compared = differ + 1, compared + (not ignored)
        print(f"--- cell {number} ({'ignored by nbval' if ignored else 'COMPARED by nbval'}):",
              new.source.strip().splitlines()[-1][:80])
        print("stored:\n" + text(old) + "\nnow:\n" + text(new) + "\n")
print(f"{time.perf_counter() - start:.0f} s; {differ} cells differ ({compared} compared by nbval);"
      f" {errors} raised; executed copy: {target}")
sys.exit(1 if errors else 0)
PYTHON
timeout 240 "$PY" -m pytest tests/exercises/test_checkers_7.py -q -p no:xdist -p no:cacheprovider
"$PY" - <<'PYTHON'
import torch

if torch.cuda.is_available():
    gpu, cpu_zero = torch.ones((), device="cuda"), torch.zeros(())
    print("cpu scalar + gpu ->", (cpu_zero + gpu).device, "(the check allows it too)")
    for name, mix in [("cpu scalar += gpu", lambda: cpu_zero.add_(gpu)),
                      ("stack([cpu scalar, gpu])", lambda: torch.stack([cpu_zero, gpu]))]:
        try:
            mix()
            print(name, "-> no error: the check's meta run is stricter than this GPU")
        except RuntimeError as error:
            print(name, "-> RuntimeError (the check refuses it too):", error)
PYTHON
