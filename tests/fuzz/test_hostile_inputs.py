"""Files and saved states crafted to hurt: refused before anything large is allocated,
with messages of bounded length, and the reader's state kept.

The crafted inputs are the known attacks (a compressed zip entry that inflates to
far more than the file, the legacy format's declared sizes, a pickle whose shared
references stand for 2**200 leaves, a JSON state asking for 100,000 epochs) and
hypothesis mutations of valid files and states: fields dropped, renamed and
retyped, huge numbers, deep nesting, truncated and flipped bytes.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import hypothesis.strategies as st
import pytest
import torch
from hypothesis import HealthCheck, given, settings

from widgets import MLPExplorer, Playground, load_explorer, load_mlp, save_explorer
from widgets.core.file_io import load_state_dict_into, load_weights_only
from widgets.playground import training

#: Longest message a refusal may print (it never prints an unbounded value).
MAX_MESSAGE = 1_000

FUZZ = settings(max_examples=30, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow,
                                       HealthCheck.function_scoped_fixture])


def deflated(data: dict, path: Path) -> Path:
    """``torch.save(data)``, then every entry compressed: small on disk, large inflated."""
    buffer = io.BytesIO()
    torch.save(data, buffer)
    buffer.seek(0)
    with zipfile.ZipFile(buffer) as source, \
            zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            target.writestr(entry.filename, source.read(entry.filename))
    return path


LOADERS = {
    "load_weights_only": load_weights_only,
    "load_mlp": load_mlp,
    "load_explorer": load_explorer,
    "load_state_dict_into": lambda path: load_state_dict_into(torch.nn.Linear(2, 2), path),
}


@pytest.mark.parametrize("loader", LOADERS.values(), ids=LOADERS.keys())
def test_a_compressed_archive_is_refused_before_it_inflates(tmp_path: Path, loader) -> None:
    bomb = deflated({"x": torch.zeros(16_000_000)}, tmp_path / "bomb.pt")  # 64 MB inflated
    assert bomb.stat().st_size < 200_000
    with pytest.raises(ValueError, match="is compressed") as refused:
        loader(bomb)
    assert "torch.save never compresses" in str(refused.value)
    assert len(str(refused.value)) < MAX_MESSAGE


@pytest.mark.parametrize("loader", LOADERS.values(), ids=LOADERS.keys())
def test_the_legacy_format_is_refused(tmp_path: Path, loader) -> None:
    path = tmp_path / "old.pt"
    torch.save({"x": torch.ones(3)}, path, _use_new_zipfile_serialization=False)
    with pytest.raises(ValueError, match=r"not a file written by torch.save \(since PyTorch 1.6"):
        loader(path)


def test_an_entry_declaring_more_than_it_stores_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "lies.pt"
    torch.save({"x": torch.ones(4)}, path)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        entry = next(e for e in archive.infolist() if e.filename.endswith("/data/0"))
    # the central directory's uncompressed size field of that entry: make it claim 2 GB
    name = entry.filename.encode()
    at = data.find(b"PK\x01\x02")
    while data[at + 46:at + 46 + len(name)] != name:
        at = data.find(b"PK\x01\x02", at + 1)
    data[at + 24:at + 28] = (2**31).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="is compressed|do not parse"):
        load_weights_only(path)


def memo_bomb(levels: int = 200) -> list:
    nested: list = [1]
    for _ in range(levels):
        nested = [nested, nested]  # 2**levels leaves through shared references
    return nested


def explorer_file(tmp_path: Path) -> tuple[Path, dict]:
    path = save_explorer(MLPExplorer(hidden_sizes=(3,), in_features=2, out_features=2),
                         tmp_path / "ok.pt")
    return path, torch.load(path, weights_only=True)


@pytest.mark.parametrize("field", ["format", "version", "config", "state_dict"])
def test_shared_structure_is_named_in_bounded_time(tmp_path: Path, field: str) -> None:
    _, content = explorer_file(tmp_path)
    content[field] = memo_bomb()
    path = tmp_path / "bomb.pt"
    torch.save(content, path)
    assert path.stat().st_size < 100_000
    with pytest.raises(ValueError) as refused:
        load_explorer(path)
    assert len(str(refused.value)) < MAX_MESSAGE


def test_huge_keys_and_values_are_cut_in_messages(tmp_path: Path) -> None:
    _, content = explorer_file(tmp_path)
    content["state_dict"] = {"k" * 1_000_000: "v" * 1_000_000}
    path = tmp_path / "long.pt"
    torch.save(content, path)
    with pytest.raises(ValueError) as refused:
        load_explorer(path)
    assert len(str(refused.value)) < MAX_MESSAGE


MUTANTS = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(),
    st.text(max_size=30), st.just("x" * 100_000), st.just(memo_bomb(60)),
    st.lists(st.integers(-5, 5000), max_size=6), st.dictionaries(st.text(max_size=5),
                                                                 st.integers(), max_size=3),
    st.just(torch.ones(2, 2)), st.just(torch.ones(1).expand(4096, 4096)),
    st.just(torch.zeros(3, dtype=torch.float64)),
)


def mutate(content: dict, parts: tuple[str, ...], values: st.SearchStrategy, deepest: int,
           data: st.DataObject) -> dict:
    """One field of ``content`` (top level, or in one of the dicts ``parts`` names)
    dropped, renamed, retyped to one of ``values``, or nested up to ``deepest`` lists deep."""
    where = data.draw(st.sampled_from(["top", *parts]))
    target = content if where == "top" else content[where]
    key = data.draw(st.sampled_from(sorted(target)))
    how = data.draw(st.sampled_from(["drop", "rename", "retype", "nest"]))
    if how == "drop":
        del target[key]
    elif how == "rename":
        target[key + "_"] = target.pop(key)
    elif how == "retype":
        target[key] = data.draw(values)
    else:
        value = target[key]
        for _ in range(data.draw(st.integers(1, deepest))):
            value = [value]
        target[key] = value
    return content


@FUZZ
@given(data=st.data())
def test_mutated_explorer_files_load_or_are_refused_with_a_short_message(
        tmp_path: Path, data: st.DataObject) -> None:
    _, content = explorer_file(tmp_path)
    path = tmp_path / "mutant.pt"
    torch.save(mutate(content, ("config", "state_dict"), MUTANTS, 400, data), path)
    try:
        explorer = load_explorer(path)
    except ValueError as refused:
        assert len(str(refused)) < MAX_MESSAGE
    else:
        explorer.close()


@FUZZ
@given(data=st.data())
def test_truncated_and_flipped_files_are_refused(tmp_path: Path, data: st.DataObject) -> None:
    path, _ = explorer_file(tmp_path)
    raw = bytearray(path.read_bytes())
    if data.draw(st.booleans()):
        raw = raw[:data.draw(st.integers(0, len(raw) - 1))]
    else:
        for _ in range(data.draw(st.integers(1, 8))):
            raw[data.draw(st.integers(0, len(raw) - 1))] ^= data.draw(st.integers(1, 255))
    path.write_bytes(bytes(raw))
    try:
        load_explorer(path).close()
    except ValueError as refused:
        assert len(str(refused)) < MAX_MESSAGE


# -- saved playground states ------------------------------------------------------------


@pytest.fixture
def playground() -> Playground:
    widget = Playground(num_samples=100)
    yield widget
    widget.close()


def test_a_state_far_in_the_future_is_refused_at_once(playground: Playground) -> None:
    state = playground.state() | {"epoch": 100_000}
    before = playground.to_json()
    with pytest.raises(ValueError, match="max_epochs=100000") as refused:
        playground.load_state(state)
    assert "replay_epochs=False" in str(refused.value)
    assert playground.to_json() == before
    playground.load_state(state, replay_epochs=False)  # the settings alone load
    assert playground.epoch == 0


def test_the_replay_cap_can_be_raised_and_shows_progress(playground: Playground) -> None:
    playground.step(3)
    state = playground.state() | {"epoch": 45}
    messages: list[str] = []
    show = playground.show_message
    playground.show_message = lambda text, kind="error": (messages.append(text), show(text, kind))
    playground.max_replay_epochs = 10
    with pytest.raises(ValueError, match="at most 10 epochs"):
        playground.load_state(state)
    playground.load_state(state, max_epochs=45)
    assert playground.epoch == 45
    shown = [m for m in messages if "replaying" in m]
    assert [m.split(":")[1].split("(")[0].strip() for m in shown] == [
        "epoch 20 of 45", "epoch 40 of 45", "epoch 45 of 45"]


def test_an_interrupted_replay_keeps_the_state(playground: Playground,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    playground.step(2)
    before = playground.to_json()
    state = playground.state() | {"epoch": 60}

    def interrupted(done: int, total: int) -> None:
        raise KeyboardInterrupt

    original = training.replay
    monkeypatch.setattr("widgets.ui.playground.replay",
                        lambda *a, **k: original(*a, **(k | {"progress": interrupted})))
    with pytest.raises(KeyboardInterrupt):
        playground.load_state(state)
    assert playground.to_json() == before and "interrupted" in playground.message


def test_an_oversized_state_is_refused_before_parsing(playground: Playground,
                                                      tmp_path: Path) -> None:
    text = json.dumps(playground.state() | {"padding": "x" * 2_000_000})
    with pytest.raises(ValueError, match="refused before reading"):
        playground.load_json(text)
    path = tmp_path / "big.json"
    path.write_text(text)
    with pytest.raises(ValueError, match="refused before reading"):
        playground.load(path)


JSON_MUTANTS = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=False),
    st.text(max_size=20), st.lists(st.integers(-3, 300), max_size=4),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
)


@FUZZ
@given(data=st.data())
def test_mutated_states_load_or_are_refused(playground: Playground, data: st.DataObject) -> None:
    state = mutate(json.loads(playground.to_json()), ("settings",), JSON_MUTANTS, 3000, data)
    loads_or_is_refused(playground, state)


def loads_or_is_refused(playground: Playground, state: object) -> None:
    """The mutated ``state`` loads, or is refused with a short message and changes nothing."""
    before = playground.to_json()
    try:
        text = json.dumps(state)
    except RecursionError:
        return
    try:
        playground.load_json(text)
    except (ValueError, TypeError) as refused:
        assert len(str(refused)) < MAX_MESSAGE
        assert playground.to_json() == before


@pytest.fixture
def rich_playground() -> Playground:
    """A playground on its own three-class data with a weight set by hand: a state with
    every part a saved state can have."""
    X = torch.tensor([[float(i % 5 - 2), float(i // 5 - 2)] for i in range(24)])
    widget = Playground(data=(X, torch.arange(24) % 3), hidden_sizes=(3,))
    widget.step(2)
    widget.set_weight(1, 0, 1, 0.5)
    yield widget
    widget.close()


@FUZZ
@given(data=st.data())
def test_mutated_states_with_own_data_and_edits_load_or_are_refused(
        rich_playground: Playground, data: st.DataObject) -> None:
    state = json.loads(rich_playground.to_json())
    parts = {"state": state, "settings": state["settings"],  # the dicts a field is picked from
             "own_data": state["settings"]["own_data"], "edit": state["edits"][0]}
    mutate(parts, tuple(parts), JSON_MUTANTS, 3000, data)
    loads_or_is_refused(rich_playground, state)
