"""Saving and loading: round trips, the explorer's file format, bad files, the exercise checks.

Every file is written under pytest's ``tmp_path``.
"""

from __future__ import annotations

import pickle
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
import torch
from torch import nn

from widgets import MLPExplorer, file_io, load_explorer, save_explorer
from widgets.core.file_io import (
    CodeOnLoad,
    load_state_dict_into,
    load_weights_only,
    save_state_dict,
    why_refused,
)
from widgets.exercises.file_io import (
    check_checkpoint,
    check_partial_load,
    check_round_trip,
    make_mlp,
)


@pytest.fixture(autouse=True)
def _payload_flag_reset() -> None:
    file_io.reset_payload()


# -- tensors, containers, state_dicts -------------------------------------------------


def test_tensor_round_trip(tmp_path: Path) -> None:
    x = torch.arange(4)
    torch.save(x, tmp_path / "x-file")
    loaded = torch.load(tmp_path / "x-file", weights_only=True)
    assert torch.equal(loaded, x) and loaded.dtype == x.dtype


def test_list_round_trip(tmp_path: Path) -> None:
    x, y = torch.arange(4), torch.zeros(4)
    torch.save([x, y], tmp_path / "x-files")
    x2, y2 = torch.load(tmp_path / "x-files", weights_only=True)
    assert torch.equal(x2, x) and torch.equal(y2, y)


def test_dict_of_tensors_round_trip(tmp_path: Path) -> None:
    mydict = {"x": torch.arange(4), "y": torch.zeros(4)}
    torch.save(mydict, tmp_path / "mydict")
    loaded = load_weights_only(tmp_path / "mydict")
    assert list(loaded) == ["x", "y"]
    assert all(torch.equal(loaded[key], mydict[key]) for key in mydict)


def test_a_saved_file_is_a_zip_with_a_pickle_and_raw_storage(tmp_path: Path) -> None:
    torch.save(torch.arange(4), tmp_path / "x-file")
    names = zipfile.ZipFile(tmp_path / "x-file").namelist()
    assert "x-file/data.pkl" in names and "x-file/data/0" in names


class MLP(nn.Module):
    def __init__(self, num_hiddens: int = 256) -> None:
        super().__init__()
        self.hidden = nn.Linear(20, num_hiddens)
        self.output = nn.Linear(num_hiddens, 10)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return self.output(torch.relu(self.hidden(X)))


def test_state_dict_into_a_fresh_instance_gives_identical_outputs(tmp_path: Path) -> None:
    net, X = MLP(), torch.randn(2, 20)
    path = save_state_dict(net, tmp_path / "mlp.params")
    clone = MLP()
    assert not torch.equal(clone(X), net(X))
    assert load_state_dict_into(clone, path) is clone
    assert torch.equal(clone(X), net(X))
    assert clone.hidden.weight is not net.hidden.weight


def test_the_file_holds_tensors_by_name_only(tmp_path: Path) -> None:
    path = save_state_dict(MLP(), tmp_path / "mlp.params")
    state = load_weights_only(path)
    assert {key: tuple(value.shape) for key, value in state.items()} == {
        "hidden.weight": (256, 20), "hidden.bias": (256,),
        "output.weight": (10, 256), "output.bias": (10,)}


def test_a_different_architecture_is_refused_by_name_and_shape(tmp_path: Path) -> None:
    path = save_state_dict(MLP(), tmp_path / "mlp.params")
    with pytest.raises(RuntimeError, match=r"size mismatch for hidden\.weight"):
        load_state_dict_into(MLP(num_hiddens=128), path)
    sequential = nn.Sequential(nn.Linear(20, 256), nn.ReLU(), nn.Linear(256, 10))
    with pytest.raises(RuntimeError, match=r'Missing key\(s\).*"0\.weight"'):
        load_state_dict_into(sequential, path)


def test_load_state_dict_into_checks_its_arguments(tmp_path: Path) -> None:
    torch.save([torch.zeros(1)], tmp_path / "list.pt")
    with pytest.raises(ValueError, match="list.pt holds a list, not a state_dict"):
        load_state_dict_into(nn.Linear(1, 1), tmp_path / "list.pt")
    with pytest.raises(TypeError, match="module must be an nn.Module"):
        load_state_dict_into("net", tmp_path / "list.pt")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="module must be an nn.Module"):
        save_state_dict({"weight": torch.zeros(1)}, tmp_path / "x.pt")  # type: ignore[arg-type]


def test_partial_load_with_strict_false(tmp_path: Path) -> None:
    source = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    path = save_state_dict(source, tmp_path / "source.params")
    target = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 8), nn.ReLU(),
                           nn.Linear(8, 3))
    head = target[4].weight.detach().clone()
    state = {k: v for k, v in load_weights_only(path).items() if k.startswith("0.")}
    target.load_state_dict(state, strict=False)
    assert torch.equal(target[0].weight, source[0].weight)
    assert torch.equal(target[4].weight, head)


# -- the explorer ---------------------------------------------------------------------


def test_explorer_round_trip(tmp_path: Path) -> None:
    explorer = MLPExplorer()
    explorer.configure(hidden_sizes=(16, 8), activations=("tanh", "relu"), seed=3)
    path = save_explorer(explorer, tmp_path / "explorer.pt")
    loaded = load_explorer(path)
    assert isinstance(loaded, MLPExplorer) and loaded is not explorer
    assert (loaded.in_features, loaded.hidden_sizes, loaded.activations, loaded.out_features,
            loaded.seed) == (20, (16, 8), ("tanh", "relu"), 10, 3)
    assert loaded.loaded_from == "explorer.pt" and explorer.loaded_from is None
    assert torch.equal(loaded.output, explorer.output)
    assert torch.equal(loaded.net(explorer.X), explorer.net(explorer.X))


def test_explorer_file_holds_plain_values(tmp_path: Path) -> None:
    path = save_explorer(MLPExplorer(hidden_sizes=(8,), seed=5), tmp_path / "explorer.pt")
    content = torch.load(path, weights_only=True)
    assert list(content) == ["format", "version", "config", "state_dict"]
    assert (content["format"], content["version"]) == ("layerlab-mlp", 1)
    assert content["config"] == {"in_features": 20, "hidden_sizes": (8,),
                                 "activations": ("relu",), "out_features": 10, "seed": 5}
    assert all(type(v) in (int, tuple) for v in content["config"].values())
    assert list(content["state_dict"]) == ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_explorer_without_hidden_layers_round_trips(tmp_path: Path) -> None:
    explorer = MLPExplorer(in_features=3, hidden_sizes=(), out_features=2, seed=1)
    loaded = load_explorer(save_explorer(explorer, tmp_path / "linear.pt"))
    assert loaded.hidden_sizes == () and loaded.loaded_from == "linear.pt"
    assert torch.equal(loaded.output, explorer.output)


def test_the_loaded_explorer_computes_with_the_trained_weights(tmp_path: Path) -> None:
    explorer = MLPExplorer(hidden_sizes=(8,))
    trained = explorer.net
    optimizer = torch.optim.SGD(trained.parameters(), lr=0.1)
    for _ in range(3):
        optimizer.zero_grad()
        trained(explorer.X).pow(2).mean().backward()
        optimizer.step()
    loaded = load_explorer(save_explorer(explorer, tmp_path / "trained.pt", net=trained))
    with torch.no_grad():
        assert torch.equal(loaded.output, trained(explorer.X))
        assert not torch.equal(loaded.output, explorer.output)  # not the seed's weights
        assert torch.equal(loaded.net(explorer.X), trained(explorer.X))
    saved = load_weights_only(tmp_path / "trained.pt")["state_dict"]
    assert all(torch.equal(loaded.net.state_dict()[k], saved[k]) for k in saved)


def test_saving_a_loaded_explorer_keeps_its_weights(tmp_path: Path) -> None:
    explorer = MLPExplorer(hidden_sizes=(4,))
    trained = explorer.net
    with torch.no_grad():
        trained[0].bias.fill_(0.5)
    loaded = load_explorer(save_explorer(explorer, tmp_path / "trained.pt", net=trained))
    again = load_explorer(save_explorer(loaded, tmp_path / "again.pt"))
    assert again.loaded_from == "again.pt"
    assert torch.equal(again.output, loaded.output)
    assert torch.equal(again.net[0].bias, torch.full((4,), 0.5))


def test_save_explorer_refuses_a_net_of_another_shape(tmp_path: Path) -> None:
    explorer = MLPExplorer(hidden_sizes=(8,))
    with pytest.raises(ValueError, match=r"0\.weight has shape \(4, 20\), the network needs "
                                         r"\(8, 20\)"):
        save_explorer(explorer, tmp_path / "x.pt", net=MLPExplorer(hidden_sizes=(4,)).net)
    with pytest.raises(ValueError, match="it lacks 2.weight"):
        save_explorer(explorer, tmp_path / "x.pt", net=nn.Sequential(nn.Linear(20, 8)))
    with pytest.raises(TypeError, match="net must be an nn.Module"):
        save_explorer(explorer, tmp_path / "x.pt", net={"0.weight": 1})  # type: ignore[arg-type]
    assert not (tmp_path / "x.pt").exists()


# -- bad files ------------------------------------------------------------------------


def valid_content() -> dict:
    explorer = MLPExplorer(hidden_sizes=(8,))
    return {"format": "layerlab-mlp", "version": 1,
            "config": {"in_features": 20, "hidden_sizes": (8,), "activations": ("relu",),
                       "out_features": 10, "seed": 0},
            "state_dict": explorer.net.state_dict()}


def edited(change: Callable[[dict], object]) -> dict:
    content = valid_content()
    change(content)
    return content


BAD_CONTENT = {
    "a list": ([1, 2], r"holds a list, not a layerlab MLP file \(a dict with format, version"),
    "no format": (edited(lambda c: c.pop("format")),
                  r"missing field\(s\) format; a layerlab MLP file has format, version, config"),
    "no config or weights": (edited(lambda c: (c.pop("config"), c.pop("state_dict"))),
                             r"missing field\(s\) config, state_dict"),
    "an unknown field": (edited(lambda c: c.update(optimizer={})),
                         r"unknown field\(s\) optimizer"),
    "another format": (edited(lambda c: c.update(format="other")),
                       "format must be 'layerlab-mlp', got 'other'"),
    "a format of the wrong type": (edited(lambda c: c.update(format=1)),
                                   "format must be 'layerlab-mlp', got 1"),
    "a future version": (edited(lambda c: c.update(version=2)),
                         r"version 2 is newer than this layerlab reads \(1 to 1\)"),
    "version 0": (edited(lambda c: c.update(version=0)),
                  "version must be an integer from 1 to 1, got 0"),
    "a version string": (edited(lambda c: c.update(version="1")),
                         r"version must be an integer from 1 to 1, got '1' \(str\)"),
    "a boolean version": (edited(lambda c: c.update(version=True)),
                          r"version must be an integer from 1 to 1, got True \(bool\)"),
    "a config list": (edited(lambda c: c.update(config=[20, 10])),
                      "config must be a dict with in_features, hidden_sizes, activations"),
    "no seed": (edited(lambda c: c["config"].pop("seed")), "config is missing seed"),
    "an unknown config field": (edited(lambda c: c["config"].update(dropout=0.5)),
                                r"config has unknown field\(s\) dropout"),
    "hidden_sizes as text": (edited(lambda c: c["config"].update(hidden_sizes="8")),
                             r"config\.hidden_sizes must be a tuple of 0 to 8 integers"),
    "a zero width": (edited(lambda c: c["config"].update(hidden_sizes=(8, 0),
                                                         activations="relu")),
                     r"config\.hidden_sizes\[1\] must be an integer from 1 to 4096, got 0"),
    "an unknown activation": (edited(lambda c: c["config"].update(activations=("swish!",))),
                              r"config\.activations\[0\] must be one of relu"),
    "a float width": (edited(lambda c: c["config"].update(in_features=2.5)),
                      r"config\.in_features must be an integer from 1 to 4096, got 2\.5"),
    "a negative seed": (edited(lambda c: c["config"].update(seed=-1)),
                        "config.seed must be an integer from 0 to 4294967295, got -1"),
    "weights as a list": (edited(lambda c: c.update(state_dict=[torch.zeros(1)])),
                          "state_dict must be a dict from parameter names to tensors"),
    "a weight that is a number": (edited(lambda c: c["state_dict"].update({"0.bias": 1.0})),
                                  r"state_dict\['0\.bias'\] must be a tensor, got 1\.0"),
    "a missing weight": (edited(lambda c: c["state_dict"].pop("2.bias")),
                         "state_dict does not fit the network its config describes: it lacks "
                         r"2\.bias"),
    "an extra weight": (edited(lambda c: c["state_dict"].update({"4.weight": torch.zeros(1)})),
                        r"it has 4\.weight, which the network does not"),
    "a weight of the wrong shape": (
        edited(lambda c: c["state_dict"].update({"0.weight": torch.zeros(8, 3)})),
        r"0\.weight has shape \(8, 3\), the network needs \(8, 20\)"),
    "a weight of the wrong dtype": (
        edited(lambda c: c["state_dict"].update({"0.bias": torch.zeros(8, dtype=torch.float64)})),
        r"0\.bias has dtype torch\.float64, the network needs torch\.float32"),
}


@pytest.mark.parametrize("case", BAD_CONTENT, ids=str)
def test_bad_fields_are_named(tmp_path: Path, case: str) -> None:
    content, message = BAD_CONTENT[case]
    torch.save(content, tmp_path / "bad.pt")
    with pytest.raises(ValueError, match=message) as caught:
        load_explorer(tmp_path / "bad.pt")
    assert str(caught.value).startswith("bad.pt")


BIG_CONFIG = {"in_features": 4096, "hidden_sizes": (4096,) * 8, "activations": "relu",
              "out_features": 4096, "seed": 0}  # 9 layers of 4096 x 4096: 600 MB of weights


def big_state_dict(tensor: Callable[[tuple[int, ...]], torch.Tensor]) -> dict:
    """Every weight and bias of BIG_CONFIG's network, each made by ``tensor(shape)``."""
    state = {}
    for i in range(9):
        state[f"{2 * i}.weight"] = tensor((4096, 4096))
        state[f"{2 * i}.bias"] = tensor((4096,))
    return state


@pytest.fixture
def never_built(monkeypatch: pytest.MonkeyPatch) -> None:
    """Building an explorer fails the test: the file must be refused before that."""
    def build(*args: object, **kwargs: object) -> None:
        raise AssertionError("an explorer was built for a file that does not fit its config")

    monkeypatch.setattr("widgets.core.file_io.build_mlp", build)
    monkeypatch.setattr("widgets.ui.file_io.MLPExplorer", build)


SMALL_BUT_LARGE = {
    "one tiny weight": ({"0.weight": torch.zeros(1)}, r"it lacks 0\.bias, 2\.weight, 2\.bias, "
                                                      r"4\.weight, 4\.bias and 12 more"),
    "expanded views": (big_state_dict(lambda shape: torch.zeros(1).expand(shape)),
                       r"0\.weight has shape \(4096, 4096\) but only 1 stored number "
                       r"\(an expanded view\)"),
    "sparse tensors": (big_state_dict(lambda shape: torch.sparse_coo_tensor(
                           torch.zeros(len(shape), 0, dtype=torch.long), torch.zeros(0), shape,
                           check_invariants=True)),
                       r"0\.weight is a sparse_coo tensor; weights must be ordinary dense"),
    "meta tensors": (big_state_dict(lambda shape: torch.empty(shape, device="meta")),
                     r"0\.weight is on the meta device: it has a shape but no values"),
    "float64 weights": ({**big_state_dict(lambda shape: torch.zeros(1).expand(shape)),
                         "0.weight": torch.zeros(4096, 1, dtype=torch.float64).expand(4096, 4096)},
                        r"0\.weight has dtype torch\.float64, the network needs torch\.float32"),
}


@pytest.mark.usefixtures("never_built")
@pytest.mark.parametrize("case", SMALL_BUT_LARGE, ids=str)
def test_a_small_file_is_checked_against_its_config_before_anything_is_built(
        tmp_path: Path, case: str) -> None:
    state, message = SMALL_BUT_LARGE[case]
    content = {"format": "layerlab-mlp", "version": 1, "config": BIG_CONFIG, "state_dict": state}
    torch.save(content, tmp_path / "small.pt")
    assert (tmp_path / "small.pt").stat().st_size < 100_000
    with pytest.raises(ValueError, match=message) as caught:
        load_explorer(tmp_path / "small.pt")
    assert str(caught.value).startswith("small.pt: state_dict does not fit the network its "
                                        "config describes")


def test_thousands_of_unexpected_keys_give_a_short_message(tmp_path: Path) -> None:
    content = valid_content()
    content["state_dict"].update({f"extra.{i}.{'x' * 200}": torch.zeros(1) for i in range(3000)})
    torch.save(content, tmp_path / "many.pt")
    with pytest.raises(ValueError, match=r"it has 3,000 entries \(extra\.0\.x+\.\.\., "
                                         r".* and 2,995 more\), which the network does not"
                       ) as caught:
        load_explorer(tmp_path / "many.pt")
    assert len(str(caught.value)) < 600


def test_a_registered_layers_tensors_are_checked_after_it_is_built(tmp_path: Path) -> None:
    from widgets.core.layers import register_layer, unregister_layer

    class Scale(nn.Module):
        def __init__(self, width: int) -> None:
            super().__init__()
            self.weight = nn.Parameter(torch.ones(width))

        def forward(self, X: torch.Tensor) -> torch.Tensor:
            return X * self.weight

    register_layer("file_io_scale", Scale)
    try:
        explorer = MLPExplorer(hidden_sizes=(8,), activations="file_io_scale")
        path = save_explorer(explorer, tmp_path / "scale.pt")
        loaded = load_explorer(path)
        assert torch.equal(loaded.net[1].weight, torch.ones(8))
        assert torch.equal(loaded.output, explorer.output)
        content = load_weights_only(path)
        content["state_dict"]["1.weight"] = torch.ones(3)
        torch.save(content, tmp_path / "bad_scale.pt")
        with pytest.raises(ValueError, match=r"1\.weight has shape \(3,\), the network needs "
                                             r"\(8,\)"):
            load_explorer(tmp_path / "bad_scale.pt")
    finally:
        unregister_layer("file_io_scale")


def test_save_explorer_refuses_tensors_that_hold_no_values(tmp_path: Path) -> None:
    explorer = MLPExplorer(hidden_sizes=(8,))
    with pytest.raises(ValueError, match=r"net does not fit the explorer's configuration: "
                                         r"0\.weight is on the meta device"):
        save_explorer(explorer, tmp_path / "meta.pt", net=explorer.net.to("meta"))
    sparse = explorer.net
    sparse[0].weight = nn.Parameter(sparse[0].weight.detach().to_sparse())
    with pytest.raises(ValueError, match=r"0\.weight is a sparse_coo tensor"):
        save_explorer(explorer, tmp_path / "sparse.pt", net=sparse)
    assert not (tmp_path / "meta.pt").exists() and not (tmp_path / "sparse.pt").exists()


def test_save_explorer_writes_dense_copies(tmp_path: Path) -> None:
    explorer = MLPExplorer(in_features=2, hidden_sizes=(3,), out_features=1)
    net = explorer.net
    with torch.no_grad():
        net[0].weight = nn.Parameter(torch.full((1, 2), 0.5).expand(3, 2))
    loaded = load_explorer(save_explorer(explorer, tmp_path / "expanded.pt", net=net))
    assert torch.equal(loaded.net[0].weight, torch.full((3, 2), 0.5))


def test_lists_in_the_config_read_like_tuples(tmp_path: Path) -> None:
    content = edited(lambda c: c["config"].update(hidden_sizes=[8], activations=["tanh"]))
    torch.save(content, tmp_path / "lists.pt")
    loaded = load_explorer(tmp_path / "lists.pt")
    assert loaded.activations == ("tanh",) and loaded.loaded_from == "lists.pt"


BAD_BYTES = {
    "random bytes": (bytes(range(7, 250, 3)), "is not a file written by torch.save"),
    "text": (b"hello world\n", "is not a file written by torch.save"),
    "a broken zip": (b"PK\x03\x04" + b"x" * 60, "is not a file written by torch.save"),
    "an empty file": (b"", "is empty, not a file written by torch.save"),
}


@pytest.mark.parametrize("case", BAD_BYTES, ids=str)
def test_files_that_are_not_torch_saves(tmp_path: Path, case: str) -> None:
    data, message = BAD_BYTES[case]
    (tmp_path / "junk.pt").write_bytes(data)
    with pytest.raises(ValueError, match=message):
        load_weights_only(tmp_path / "junk.pt")
    with pytest.raises(ValueError, match=message):
        load_explorer(tmp_path / "junk.pt")


def test_a_missing_file_raises_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        load_explorer(tmp_path / "nothing.pt")


# -- files that would run code ---------------------------------------------------------


def test_unpickling_the_crafted_object_runs_its_payload() -> None:
    assert file_io.PAYLOAD_RAN is False
    assert pickle.loads(pickle.dumps(CodeOnLoad())) == "payload ran"
    assert file_io.PAYLOAD_RAN is True
    assert file_io.reset_payload() is False and file_io.PAYLOAD_RAN is False


def crafted_torch_file(path: Path) -> Path:
    torch.save(CodeOnLoad(), path)
    return path


def crafted_pickle_file(path: Path) -> Path:
    path.write_bytes(pickle.dumps(CodeOnLoad(), protocol=2))
    return path


def crafted_inside_a_dict(path: Path) -> Path:
    content = valid_content()
    content["config"]["seed"] = CodeOnLoad()
    torch.save(content, path)
    return path


@pytest.mark.parametrize("write", [crafted_torch_file, crafted_pickle_file,
                                   crafted_inside_a_dict], ids=lambda f: f.__name__)
def test_a_forbidden_global_is_refused_and_never_runs(tmp_path: Path,
                                                      write: Callable[[Path], Path]) -> None:
    path = write(tmp_path / "crafted.pt")
    assert file_io.PAYLOAD_RAN is False  # writing does not run it
    with pytest.raises(pickle.UnpicklingError) as caught:
        torch.load(path, weights_only=True)
    assert why_refused(caught.value) == ("Unsupported global: GLOBAL "
                                         "widgets.core.file_io.run_payload"
                                         " was not an allowed global by default.")
    message = r"crafted\.pt: refused to load: Unsupported global: GLOBAL widgets\.core\.file_io"
    if write is crafted_pickle_file:  # a bare pickle is not a zip: refused before unpickling
        message = r"crafted\.pt is not a file written by torch\.save \(since PyTorch 1\.6"
    with pytest.raises(ValueError, match=message):
        load_weights_only(path)
    with pytest.raises(ValueError, match=message):
        load_explorer(path)
    assert file_io.PAYLOAD_RAN is False


def test_a_pickled_module_is_refused(tmp_path: Path) -> None:
    torch.save(nn.Linear(2, 2), tmp_path / "module.pt")
    with pytest.raises(ValueError, match="GLOBAL torch.nn.modules.linear.Linear was not an "
                                         "allowed global"):
        load_weights_only(tmp_path / "module.pt")


def test_why_refused_falls_back_to_the_first_line() -> None:
    assert why_refused(RuntimeError("\x1b[1mfirst\x1b[0m\nsecond")) == "first"
    assert why_refused(pickle.UnpicklingError("x. WeightsUnpickler error: \n\nBad op 9\n")) == \
        "Bad op 9"


# -- the exercise checks ---------------------------------------------------------------


def save_model(net: nn.Module, path: Path) -> None:
    torch.save(net.state_dict(), path)


def load_model(path: Path, make_net: Callable[[], nn.Module]) -> nn.Module:
    net = make_net()
    net.load_state_dict(torch.load(path, weights_only=True))
    return net


# A reader's answer that leaves weights_only to the default. It is kept as text, so the
# project holds no such call (tests/book/test_safe_loading.py); the check runs it weights-only.
LOAD_WITH_THE_DEFAULT = """
def load_default(path, make_net):
    net = make_net()
    net.load_state_dict(torch.load(path))
    return net
"""


def reader_function(source: str, name: str) -> Callable[..., object]:
    namespace: dict[str, object] = {"torch": torch}
    exec(source, namespace)
    return namespace[name]  # type: ignore[return-value]


def test_round_trip_check_passes_a_right_answer() -> None:
    report = check_round_trip(save_model, load_model)
    assert report.passed, report


def test_round_trip_check_explains_wrong_answers() -> None:
    def load_report(path: Path, make_net: Callable[[], nn.Module]) -> object:
        return make_net().load_state_dict(torch.load(path, weights_only=True))

    def load_fresh(path: Path, make_net: Callable[[], nn.Module]) -> nn.Module:
        return make_net()

    def save_object(net: nn.Module, path: Path) -> None:
        torch.save(net, path)

    load_default = reader_function(LOAD_WITH_THE_DEFAULT, "load_default")

    def save_nothing(net: nn.Module, path: Path) -> None:
        pass

    def save_broken(net: nn.Module, path: Path) -> None:
        raise OSError("disk full")

    cases = [
        ((save_model, load_report), "got _IncompatibleKeys: look at what load_state_dict"),
        ((save_model, load_fresh), "outputs equal the saved model's: they differ"),
        ((save_object, load_model), "the file loads with weights_only=True: it is refused "
                                    "(UnpicklingError: Unsupported global"),
        ((save_model, load_default), "torch.load is called with weights_only=True: pass it"),
        ((save_nothing, load_model), "save_model writes the file: nothing was written"),
        ((save_broken, load_model), "save_model(net, path) raised OSError: disk full"),
    ]
    for functions, message in cases:
        report = check_round_trip(*functions)
        assert not report.passed and message in repr(report), repr(report)
    assert torch.load.__module__ == "torch.serialization"  # the watch is removed


def save_checkpoint(net: nn.Module, config: dict, path: Path) -> None:
    torch.save({"config": config, "state_dict": net.state_dict()}, path)


def load_checkpoint(path: Path) -> nn.Module:
    checkpoint = torch.load(path, weights_only=True)
    net = make_mlp(**checkpoint["config"])
    net.load_state_dict(checkpoint["state_dict"])
    return net


def test_checkpoint_check() -> None:
    assert check_checkpoint(save_checkpoint, load_checkpoint).passed

    def save_weights(net: nn.Module, config: dict, path: Path) -> None:
        torch.save(net.state_dict(), path)

    def load_fixed(path: Path) -> nn.Module:
        net = make_mlp()
        net.load_state_dict(torch.load(path, weights_only=True))
        return net

    fixed = repr(check_checkpoint(save_weights, load_fixed))
    assert "✓ 4-16-2 net: rebuilt from the file" in fixed
    assert ("✗ 6-32-3 net: load_checkpoint(path) raised RuntimeError: size mismatch for "
            "0.weight: (32, 6) in the file, (16, 4) in the model: the network "
            "load_checkpoint built has other sizes") in fixed

    def save_object(net: nn.Module, config: dict, path: Path) -> None:
        torch.save({"config": config, "net": net}, path)

    def load_object(path: Path) -> nn.Module:
        return torch.load(path, weights_only=True)["net"]

    refused = repr(check_checkpoint(save_object, load_object))
    assert "a pickled module object needs its class's code" in refused
    assert "✓" not in refused.split("\n", 1)[1].replace("✓ torch.load is called", "")


def test_partial_load_check() -> None:
    def right(path: Path, net: nn.Module) -> None:
        state = torch.load(path, weights_only=True)
        net.load_state_dict({k: v for k, v in state.items() if k[0] in "02"}, strict=False)

    assert check_partial_load(right).passed

    def everything(path: Path, net: nn.Module) -> None:
        net.load_state_dict(torch.load(path, weights_only=True), strict=False)

    text = repr(check_partial_load(everything))
    assert "strict=False skips missing and unexpected keys, not keys whose shapes differ" in text
    assert "✓ layers 0 and 2 hold the saved weights" in text
    assert "✗ layers 4 and 6 keep their own weights: 4.weight, 4.bias changed" in text

    def nothing(path: Path, net: nn.Module) -> None:
        pass

    assert "✗ layers 0 and 2 hold the saved weights" in repr(check_partial_load(nothing))
