"""How fast, and in how much memory, each loader refuses the worst inputs known.

Run: python tests/benchmarks/bench_hostile_inputs.py

Each case runs in a fresh Python process, which prints the refusal's time and how
far its peak resident memory rose above what importing the book already took:

* a 2 MB archive whose one entry inflates to 2 GiB (a zip bomb), for each file loader;
* the legacy torch.save format;
* an explorer file whose config is a list of 2**200 leaves held by shared references;
* an explorer file with a key and a value of a million characters each;
* a playground state asking to replay 100,000 epochs, and one of 5 MB.

Figures are printed, never asserted.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CASE = r'''
import resource, sys, time
sys.path.insert(0, {root!r})
import torch
from widgets import Playground, load_explorer, load_mlp
from widgets.core.file_io import load_state_dict_into, load_weights_only
loaders = {{"load_weights_only": load_weights_only, "load_mlp": load_mlp,
            "load_explorer": load_explorer,
            "load_state_dict_into": lambda p: load_state_dict_into(torch.nn.Linear(2, 2), p)}}
kind, arg = sys.argv[1], sys.argv[2]
if kind == "json":
    widget = Playground(num_samples=100)
    text = open(arg).read()
    action = lambda: widget.load_json(text)
else:
    action = lambda: loaders[kind](arg)
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
try:
    action()
    outcome = "LOADED"
except (ValueError, TypeError) as error:
    outcome = str(error)[:70]
seconds = time.perf_counter() - start
grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) / 1024
print(f"{{seconds * 1000:8.1f}} ms {{grown:8.1f}} MiB  {{outcome}}")
'''


def zip_bomb(path: Path, inflated: int = 2**31) -> Path:
    """A torch.save archive whose tensor entry is ``inflated`` zero bytes, deflated."""
    import io

    import torch

    buffer = io.BytesIO()
    torch.save({"x": torch.zeros(1)}, buffer)
    buffer.seek(0)
    chunk = bytes(2**24)
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(path, "w") as target:
        for entry in source.infolist():
            if entry.filename.endswith("/data/0"):
                info = zipfile.ZipInfo(entry.filename)
                info.compress_type = zipfile.ZIP_DEFLATED
                with target.open(info, "w", force_zip64=True) as out:
                    for _ in range(inflated // len(chunk)):
                        out.write(chunk)
            else:
                target.writestr(entry, source.read(entry.filename))
    return path


def main() -> None:
    import torch

    sys.path.insert(0, str(ROOT))
    from widgets import MLPExplorer, Playground, save_explorer

    tmp = Path(tempfile.mkdtemp())
    cases: list[tuple[str, str, Path]] = []
    bomb = tmp / "bomb.pt"
    zip_bomb(bomb)
    for loader in ("load_weights_only", "load_mlp", "load_explorer", "load_state_dict_into"):
        cases.append((f"zip bomb, 2 GiB inflated ({loader})", loader, bomb))
    legacy = tmp / "legacy.pt"
    torch.save({"x": torch.ones(3)}, legacy, _use_new_zipfile_serialization=False)
    cases.append(("legacy format (load_weights_only)", "load_weights_only", legacy))
    good = save_explorer(MLPExplorer(hidden_sizes=(3,), in_features=2, out_features=2),
                         tmp / "good.pt")
    content = torch.load(good, weights_only=True)
    nested: list = [1]
    for _ in range(200):
        nested = [nested, nested]
    torch.save(content | {"config": nested}, tmp / "memo.pt")
    cases.append(("2**200 shared leaves (load_explorer)", "load_explorer", tmp / "memo.pt"))
    torch.save(content | {"state_dict": {"k" * 10**6: "v" * 10**6}}, tmp / "long.pt")
    cases.append(("1M-character key and value (load_explorer)", "load_explorer",
                  tmp / "long.pt"))
    playground = Playground(num_samples=100)
    state = playground.state()
    (tmp / "far.json").write_text(json.dumps(state | {"epoch": 100_000}))
    cases.append(("state at epoch 100,000 (load_json)", "json", tmp / "far.json"))
    (tmp / "big.json").write_text(json.dumps(state | {"pad": "x" * 5_000_000}))
    cases.append(("5 MB state (load_json)", "json", tmp / "big.json"))
    print(f"{'input':<48} {'size':>10} {'refused in':>11} {'peak RSS +':>12}  message")
    for label, kind, path in cases:
        result = subprocess.run([sys.executable, "-c", CASE.format(root=str(ROOT)), kind,
                                 str(path)], capture_output=True, text=True, check=False)
        line = result.stdout.strip() or result.stderr.strip().splitlines()[-1]
        print(f"{label:<48} {path.stat().st_size:>10,} {line}")


if __name__ == "__main__":
    main()
