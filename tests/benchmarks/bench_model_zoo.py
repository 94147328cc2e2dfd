"""The model zoo's table: parameter counts by each widget, by torchinfo and by a plain
distinct-tensor sum, the trace against an independent per-module hook record, and how
many parameters a backward step reached.

Run: python tests/benchmarks/bench_model_zoo.py

tests/zoo/test_model_zoo.py asserts the same facts; this prints them side by side.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import torchinfo

from tests.zoo.models import zoo
from tests.zoo.test_model_zoo import hook_record
from widgets import ForwardTrace, ModuleTree, ParameterInspector


def main() -> None:
    warnings.simplefilter("ignore")
    print("| model | ModuleTree | ParameterInspector | distinct numel | torchinfo "
          "| trace calls = hook record | backward grads |")
    print("|---|---|---|---|---|---|---|")
    for name, (model, inputs) in zoo().items():
        inputs.run(model)  # lazy layers take their shapes first
        tree = ModuleTree(model).tree.total_count.known
        inspector = ParameterInspector(model, X=inputs)
        inspector.backward()
        grads = sum(info.grad is not None for info in inspector.infos)
        distinct = sum(p.numel() for p in model.parameters())
        info = torchinfo.summary(model, input_data=list(inputs.args), verbose=0,
                                 **inputs.kwargs).total_params
        note = " (counts a tied tensor at each place)" if info != distinct else ""
        trace = ForwardTrace(model, inputs)
        same = [c.name.split(" = ")[0] for c in trace.calls] == hook_record(model, inputs)
        print(f"| {name} | {tree:,} | {inspector.total:,} | {distinct:,} | {info:,}{note} "
              f"| {len(trace.calls)} {'yes' if same else 'NO'} | {grads}/{len(inspector.infos)} |")


if __name__ == "__main__":
    main()
