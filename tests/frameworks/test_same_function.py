"""One network in four frameworks: a PyTorch MLP copied into JAX, TensorFlow and MXNet.

The seed section exists in PyTorch (chapters/01_layers_and_modules.ipynb) and in
three other frameworks (chapters/frameworks/). Each of those ends by copying one
PyTorch MLP's weights into its own version of the network and comparing the
outputs. These tests make that claim general: random MLPs of random depths and
widths, copied with the weight layout each framework uses (PyTorch and Gluon store
a dense layer's weight as (out, in); Flax and Keras store its kernel as (in, out)),
agree with PyTorch within float32 tolerance.

MXNet lives in its own environment (.venv-mxnet, the kernel "mxnet"), without
torch, so its side runs in a subprocess of that interpreter on weights that torch
wrote to .npz files, as the MXNet chapter does. Keras on the torch backend needs a
fresh process too: a process's Keras has one backend, and this one's is TensorFlow.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch import nn

ROOT = Path(__file__).resolve().parents[2]
FRAMEWORKS = ROOT / "chapters" / "frameworks"
REFERENCE = FRAMEWORKS / "mlp_from_pytorch.npz"
MXNET_NOTEBOOK = FRAMEWORKS / "01_layers_and_modules_mxnet.ipynb"
MXNET_PYTHON = ROOT / ".venv-mxnet" / "bin" / "python"
RTOL, ATOL = 1e-5, 1e-5  # float32: a few units in the last place, summed over a layer

# Networks: in_features, hidden widths (0 to 3 layers), out_features, batch size, seed.
networks = st.tuples(st.integers(1, 24), st.lists(st.integers(1, 48), max_size=3),
                     st.integers(1, 12), st.integers(1, 4), st.integers(0, 2**16))


def torch_mlp(in_features: int, hidden: list[int], out_features: int, batch: int,
              seed: int) -> tuple[nn.Sequential, np.ndarray, np.ndarray]:
    """A ReLU MLP, a batch and its output, all from one seed."""
    torch.manual_seed(seed)
    widths = [in_features, *hidden, out_features]
    layers: list[nn.Module] = []
    for k, (n_in, n_out) in enumerate(itertools.pairwise(widths)):
        layers += [nn.Linear(n_in, n_out)] + ([nn.ReLU()] if k < len(widths) - 2 else [])
    net = nn.Sequential(*layers)
    X = torch.rand(batch, in_features) * 4 - 2  # both signs, so ReLU cuts
    with torch.no_grad():
        return net, X.numpy(), net(X).numpy()


def dense_weights(net: nn.Sequential) -> list[tuple[np.ndarray, np.ndarray]]:
    """(weight, bias) of each linear layer in order, in PyTorch's (out, in) layout."""
    return [(m.weight.detach().numpy(), m.bias.detach().numpy())
            for m in net if isinstance(m, nn.Linear)]


def mxnet_missing() -> str | None:
    if MXNET_PYTHON.is_file():
        return None
    return f"{MXNET_PYTHON.relative_to(ROOT)} is not built (make setup builds it)"


def needs_mxnet() -> None:
    why = mxnet_missing()
    if why and os.environ.get("CI"):
        pytest.fail(why)
    if why:
        pytest.skip(why)


def test_the_reference_file_is_what_the_code_shown_in_the_mxnet_chapter_writes(
        tmp_path: Path) -> None:
    """The MXNet chapter shows the PyTorch code that wrote its weights; run it, compare."""
    notebook = nbformat.read(MXNET_NOTEBOOK, as_version=4)
    cell = next(c for c in notebook.cells if c.get("id") == "pytorch-side")
    code = re.search(r"```python\n(.*?)```", cell.source, re.DOTALL)
    assert code, "the cell pytorch-side shows no ```python block"
    subprocess.run([sys.executable, "-c", code.group(1)], cwd=tmp_path, check=True,
                   capture_output=True)
    written, stored = np.load(tmp_path / REFERENCE.name), np.load(REFERENCE)
    assert sorted(written.files) == sorted(stored.files) == [
        "0.bias", "0.weight", "2.bias", "2.weight", "X", "Y"]
    for name in stored.files:
        assert written[name].dtype == stored[name].dtype == np.float32, name
        assert_as_written(name, written[name], stored[name])


def assert_as_written(name: str, fresh: np.ndarray, stored: np.ndarray) -> None:
    """``fresh`` is what torch gives here for the array the file stores as ``stored``.

    X comes from the random generator alone: bit for bit. The initial weights are
    scaled in float32 by torch's vectorized kernels, whose last bit depends on the
    CPU's instruction set (AVX2, AVX-512 or none): differences of about 1e-8 (many
    units in the last place for a weight near zero, so the bound is absolute).
    Y is a matrix product: float32 tolerance.
    """
    if name == "X":
        np.testing.assert_array_equal(fresh, stored)
    elif name == "Y":
        assert np.allclose(fresh, stored, rtol=RTOL, atol=ATOL), name
    else:
        np.testing.assert_allclose(fresh, stored, rtol=0, atol=1e-7)


def test_the_reference_file_holds_the_chapters_network() -> None:
    """torch_net of the chapters: Linear(20, 256), ReLU, Linear(256, 10), on X of shape (2, 20)."""
    stored = np.load(REFERENCE)
    torch.manual_seed(0)
    reference = nn.Sequential(nn.Linear(20, 256), nn.ReLU(), nn.Linear(256, 10))
    X = torch.rand(2, 20)
    for name, tensor in reference.state_dict().items():
        assert_as_written(name, tensor.numpy(), stored[name])
    assert_as_written("X", X.numpy(), stored["X"])
    with torch.no_grad():
        assert_as_written("Y", reference(X).numpy(), stored["Y"])


def chapter_function(framework: str, name: str) -> str:
    """The source of the code cell of a chapter that defines function ``name``."""
    notebook = nbformat.read(FRAMEWORKS / f"01_layers_and_modules_{framework}.ipynb", 4)
    found = [c.source for c in notebook.cells
             if c.cell_type == "code" and f"def {name}(" in c.source]
    assert len(found) == 1, f"{framework}: {len(found)} cells define {name}"
    return found[0]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks)
def test_the_jax_chapters_copy_function_gives_pytorchs_function(network: tuple) -> None:
    """copy_torch_mlp as the JAX chapter defines it, on random PyTorch MLPs."""
    jnp = pytest.importorskip("jax.numpy")
    nnx = pytest.importorskip("flax.nnx")
    namespace = {"jnp": jnp, "nnx": nnx}
    exec(chapter_function("jax", "copy_torch_mlp"), namespace)
    net, X, Y = torch_mlp(*network)
    layers = [nnx.Linear(m.in_features, m.out_features, rngs=nnx.Rngs(k))
              if isinstance(m, nn.Linear) else nnx.relu for k, m in enumerate(net)]
    model = namespace["copy_torch_mlp"](net.state_dict(), nnx.Sequential(*layers))
    assert np.allclose(np.asarray(model(jnp.asarray(X))), Y, rtol=RTOL, atol=ATOL)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks)
def test_the_tensorflow_chapters_copy_function_gives_pytorchs_function(network: tuple) -> None:
    """copy_torch_linears as the TensorFlow chapter defines it, on random PyTorch MLPs."""
    keras = pytest.importorskip("keras")
    namespace = {"keras": keras, "nn": nn}
    exec(chapter_function("tensorflow", "copy_torch_linears"), namespace)
    net, X, Y = torch_mlp(*network)
    linears = [m for m in net if isinstance(m, nn.Linear)]
    model = keras.Sequential(
        [keras.Input((X.shape[1],))]
        + [keras.layers.Dense(m.out_features, activation="relu" if k < len(linears) - 1 else None)
           for k, m in enumerate(linears)])
    namespace["copy_torch_linears"](net, model)
    assert np.allclose(np.asarray(model(X)), Y, rtol=RTOL, atol=ATOL)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks)
def test_flax_nnx_computes_what_pytorch_computes(network: tuple) -> None:
    jnp = pytest.importorskip("jax.numpy")
    nnx = pytest.importorskip("flax.nnx")
    net, X, Y = torch_mlp(*network)
    layers = []
    for k, (weight, bias) in enumerate(dense_weights(net)):
        linear = nnx.Linear(weight.shape[1], weight.shape[0], rngs=nnx.Rngs(k))
        linear.kernel[...] = jnp.asarray(weight.T)  # Flax: (in, out)
        linear.bias[...] = jnp.asarray(bias)
        layers += [linear, nnx.relu]
    model = nnx.Sequential(*layers[:-1])
    assert np.allclose(np.asarray(model(jnp.asarray(X))), Y, rtol=RTOL, atol=ATOL)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks)
def test_keras_on_tensorflow_computes_what_pytorch_computes(network: tuple) -> None:
    keras = pytest.importorskip("keras")
    assert keras.backend.backend() == "tensorflow"
    net, X, Y = torch_mlp(*network)
    pairs = dense_weights(net)
    model = keras.Sequential(
        [keras.Input((X.shape[1],))]
        + [keras.layers.Dense(w.shape[0], activation="relu" if k < len(pairs) - 1 else None)
           for k, (w, _) in enumerate(pairs)])
    model.set_weights([a for w, b in pairs for a in (w.T, b)])  # Keras: kernel (in, out)
    assert np.allclose(np.asarray(model(X)), Y, rtol=RTOL, atol=ATOL)


def test_forgetting_the_transpose_changes_the_function() -> None:
    """The layouts differ: a square layer copied untransposed runs, computing another function."""
    nnx = pytest.importorskip("flax.nnx")
    jnp = pytest.importorskip("jax.numpy")
    net, X, Y = torch_mlp(6, [], 6, 3, 1)
    (weight, bias), = dense_weights(net)
    linear = nnx.Linear(6, 6, rngs=nnx.Rngs(0))
    linear.kernel[...], linear.bias[...] = jnp.asarray(weight), jnp.asarray(bias)
    assert not np.allclose(np.asarray(linear(jnp.asarray(X))), Y, rtol=RTOL, atol=ATOL)


KERAS_ON_TORCH = """
import json, sys
import numpy as np, torch, keras
data = np.load(sys.argv[1])
pairs = [(data[f"{k}.weight"], data[f"{k}.bias"]) for k in (0, 2)]
model = keras.Sequential([keras.Input((20,)), keras.layers.Dense(256, activation="relu"),
                          keras.layers.Dense(10)])
model.set_weights([a for w, b in pairs for a in (w.T, b)])
out = model(torch.from_numpy(data["X"]))
print(json.dumps({"backend": keras.backend.backend(),
                  "module": isinstance(model, torch.nn.Module),
                  "parameters": sorted(list(p.shape) for p in model.parameters()),
                  "tensor": isinstance(out, torch.Tensor),
                  "equal": bool(np.allclose(out.detach().numpy(), data["Y"],
                                            rtol=1e-5, atol=1e-6))}))
"""


def test_keras_on_the_torch_backend_is_a_torch_module_computing_the_same() -> None:
    pytest.importorskip("keras")
    env = {**os.environ, "KERAS_BACKEND": "torch", "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run([sys.executable, "-c", KERAS_ON_TORCH, str(REFERENCE)], env=env,
                            capture_output=True, text=True, check=True)
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report == {"backend": "torch", "module": True, "tensor": True, "equal": True,
                      "parameters": [[10], [20, 256], [256], [256, 10]]}


GLUON = """
import json, sys
import numpy as onp
from mxnet import np, npx
from mxnet.gluon import nn
npx.set_np()
exec(open(sys.argv[1]).read())  # copy_from_pytorch, as the MXNet chapter defines it
results = []
for path in sys.argv[2:]:
    data = onp.load(path)
    count = sum(name.endswith(".weight") for name in data.files)
    net = nn.Sequential()
    for k in range(count):
        units = data[f"{k}.weight"].shape[0]
        net.add(nn.Dense(units, activation="relu" if k < count - 1 else None))
    net.initialize()
    net(np.array(data["X"]))  # deferred initialization: the shapes come from a first call
    copy_from_pytorch(net, data, names=tuple(str(k) for k in range(count)))
    out = net(np.array(data["X"])).asnumpy()
    results.append(bool(onp.allclose(out, data["Y"], rtol=1e-5, atol=1e-5)))
print(json.dumps(results))
"""


def save_for_gluon(path: Path, net: nn.Sequential, X: np.ndarray, Y: np.ndarray) -> None:
    """The layers renumbered 0, 1, ...: Gluon's Dense takes the activation, so no ReLU entries."""
    arrays = {}
    for k, (weight, bias) in enumerate(dense_weights(net)):
        arrays[f"{k}.weight"], arrays[f"{k}.bias"] = weight, bias
    np.savez(path, X=X, Y=Y, **arrays)


def run_gluon(paths: list[Path]) -> list[bool]:
    """Each file's network in Gluon, its weights copied by the MXNet chapter's own function."""
    copy = paths[0].parent / "copy_from_pytorch.py"
    copy.write_text(chapter_function("mxnet", "copy_from_pytorch"))
    result = subprocess.run([str(MXNET_PYTHON), "-c", GLUON, str(copy), *map(str, paths)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_mxnet_gluon_computes_what_pytorch_computes(tmp_path: Path) -> None:
    """The chapter's network, then random ones: one subprocess of the MXNet environment for all."""
    needs_mxnet()
    stored = np.load(REFERENCE)
    reference = tmp_path / "reference.npz"
    np.savez(reference, X=stored["X"], Y=stored["Y"],
             **{"0.weight": stored["0.weight"], "0.bias": stored["0.bias"],
                "1.weight": stored["2.weight"], "1.bias": stored["2.bias"]})
    paths = [reference]

    @settings(max_examples=20, deadline=None, database=None)
    @given(networks)
    def collect(network: tuple) -> None:
        net, X, Y = torch_mlp(*network)
        paths.append(tmp_path / f"net{len(paths)}.npz")
        save_for_gluon(paths[-1], net, X, Y)

    collect()
    assert run_gluon(paths) == [True] * len(paths)


def test_gluon_catches_a_wrong_copy(tmp_path: Path) -> None:
    """The comparison can fail: a weight copied transposed (square layer) gives other outputs."""
    needs_mxnet()
    net, X, Y = torch_mlp(5, [], 5, 3, 2)
    wrong = tmp_path / "wrong.npz"
    (weight, bias), = dense_weights(net)
    np.savez(wrong, X=X, Y=Y, **{"0.weight": weight.T.copy(), "0.bias": bias})
    assert run_gluon([wrong]) == [False]


def test_the_mxnet_kernel_is_the_pinned_environment() -> None:
    """The kernel "mxnet" runs .venv-mxnet: MXNet and numpy at the versions its file pins."""
    needs_mxnet()
    pins = dict(line.split("==") for line in
                (ROOT / "binder" / "requirements-mxnet.txt").read_text().splitlines()
                if "==" in line and not line.startswith("#"))
    from jupyter_client.kernelspec import KernelSpecManager

    spec = KernelSpecManager().get_kernel_spec("mxnet")
    probe = "import mxnet, numpy; print(mxnet.__version__, numpy.__version__)"
    out = subprocess.run([spec.argv[0], "-c", probe], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == [pins["mxnet"], pins["numpy"]]
    assert Path(spec.argv[0]).parent.parent.resolve() == (ROOT / ".venv-mxnet").resolve()


@pytest.mark.parametrize(("framework", "kernel"), [("jax", "python3"), ("tensorflow", "python3"),
                                                   ("mxnet", "mxnet")])
def test_each_chapter_names_the_kernel_it_runs_in(framework: str, kernel: str) -> None:
    notebook = nbformat.read(FRAMEWORKS / f"01_layers_and_modules_{framework}.ipynb", 4)
    assert notebook.metadata.kernelspec.name == kernel
