"""More than two classes, weights set by hand, and the reader's own data: the playground's
run, its saved state and the script "show code" prints agree number for number."""

from __future__ import annotations

import json

import pytest
import torch

from widgets import Playground
from widgets.playground.data import DATASETS
from widgets.playground.script import script
from widgets.playground.settings import PlaygroundSettings
from widgets.playground.training import PlaygroundRun, check_state, replay, run_state


def run_script(text: str) -> dict[str, object]:
    namespace: dict[str, object] = {"__name__": "__script__"}
    exec(compile(text, "<script>", "exec"), namespace)
    return namespace


def same_run(run: PlaygroundRun, text: str) -> None:
    namespace = run_script(text)
    assert namespace["train_loss"] == run.train_loss
    assert namespace["test_loss"] == run.test_loss
    for mine, theirs in zip(run.net.state_dict().values(), namespace["net"].state_dict().values()):
        assert torch.equal(mine, theirs)


def own_points(classes: int = 3, n: int = 90) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(5)
    y = torch.arange(n) % classes
    angle = 2 * torch.pi * y / classes
    X = 3 * torch.stack([torch.cos(angle), torch.sin(angle)], 1) + torch.randn(n, 2, generator=g)
    return X, y


# -- k classes ---------------------------------------------------------------------------

CLASS_CASES = [
    {"dataset": "blobs"},
    {"dataset": "arms", "hidden_sizes": (8, 8), "activations": "relu", "optimizer": "adam",
     "learning_rate": 0.01},
    {"dataset": "blobs", "regularization": "l2", "regularization_rate": 0.01, "noise": 20},
    {"dataset": "circle", "loss": "cross_entropy"},  # two classes, softmax over two outputs
    {"dataset": "xor", "loss": "mse"},
]


@pytest.mark.parametrize("changes", CLASS_CASES, ids=[str(i) for i in range(len(CLASS_CASES))])
def test_class_runs_match_their_scripts(changes: dict) -> None:
    settings = PlaygroundSettings(**changes)
    run = PlaygroundRun(settings)
    run.train(10)
    same_run(run, script(settings, 10))


def test_three_classes_train_with_cross_entropy_over_three_outputs() -> None:
    settings = PlaygroundSettings(dataset="blobs", hidden_sizes=(6,))
    assert (settings.classes, settings.loss_kind, settings.outputs) == (3, "cross_entropy", 3)
    run = PlaygroundRun(settings)
    assert run.net(run.X_train).shape == (len(run.X_train), 3)
    assert run.y.dtype == torch.int64 and set(run.y.tolist()) == {0, 1, 2}
    first = run.report()
    report = run.train(30)
    assert report.train_loss < first.train_loss
    assert report.train_accuracy > 0.9  # three well-separated clouds
    text = script(settings, 30)
    assert "nn.CrossEntropyLoss()" in text and "nn.Linear(6, 3)," in text
    assert "        nn.Linear(6, 3),\n    )" in text  # scores, no activation: the loss takes them


def test_two_class_sets_keep_tf_playgrounds_one_tanh_output_by_default() -> None:
    settings = PlaygroundSettings()
    assert (settings.loss_kind, settings.outputs) == ("mse", 1)
    assert "nn.MSELoss()" in script(settings, 1)


def test_cross_entropy_on_two_classes_turns_the_labels_into_class_indices() -> None:
    run = PlaygroundRun(PlaygroundSettings(loss="cross_entropy"))
    assert run.y.dtype == torch.int64
    assert torch.equal(run.y, (run.labels[:, 0] > 0).long())
    assert "y = targets(y)" in script(run.settings, 0)


@pytest.mark.parametrize(("changes", "words"), [
    ({"dataset": "blobs", "loss": "mse"}, 'loss "mse" works for two classes'),
    ({"dataset": "plane", "loss": "cross_entropy"}, 'loss "cross_entropy" needs classes'),
    ({"loss": "softmax"}, "loss must be one of auto, mse, cross_entropy"),
])
def test_a_loss_that_does_not_fit_the_data_is_refused(changes: dict, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        PlaygroundSettings(**changes)


def test_every_data_set_says_how_many_classes_it_has() -> None:
    assert {n: d.classes for n, d in DATASETS.items()} == {
        "circle": 2, "xor": 2, "two_gaussians": 2, "spiral": 2, "blobs": 3, "arms": 3,
        "plane": 0, "gaussian": 0}
    for dataset in DATASETS.values():
        X, y = dataset.make(60, 0.1, torch.Generator().manual_seed(1))
        assert X.shape == (60, 2)
        if dataset.classes > 2:
            assert y.dtype == torch.int64 and set(y.tolist()) == set(range(dataset.classes))


# -- weights and biases by hand ------------------------------------------------------------


def test_an_edit_takes_effect_at_once_and_training_goes_on_from_it() -> None:
    run = PlaygroundRun(PlaygroundSettings())
    run.train(3)
    edit = run.check_edit(2, 1, 0, 2.5)
    run.apply_edit(edit)
    assert run.net[2].weight[1, 0].item() == 2.5
    assert run.parameter_value(2, 1, 0) == 2.5
    assert run.edits == [edit] and edit.epoch == 3
    run.train(4)
    same_run(run, script(run.settings, 7, edits=run.edits))


def test_edits_at_several_epochs_are_in_the_script_and_the_state() -> None:
    playground = Playground(hidden_sizes=(3,))
    playground.set_bias(1, 0, -1.5)  # before any training
    playground.step(2)
    playground.set_weight(2, 0, 2, 0.75)
    playground.step(3)
    playground.set_bias(2, 0, 0.25)  # after the last epoch
    text = str(playground.code())
    assert "(0, '0.bias', (0,), -1.5)" in text and "(2, '2.weight', (0, 2), 0.75)" in text
    assert "apply_edits(net, num_epochs)" in text
    namespace = playground.code().run()
    assert namespace["train_loss"] == playground.train_loss
    assert namespace["test_loss"] == playground.test_loss
    state = json.loads(playground.to_json())
    assert [e["value"] for e in state["edits"]] == [-1.5, 0.75, 0.25]
    again = Playground()
    again.load_json(playground.to_json())
    assert again.train_loss == playground.train_loss and again.edits == playground.edits
    assert again.bias(2, 0) == 0.25
    restored = Playground.from_code(playground.share_code())
    assert restored.test_loss == playground.test_loss


def test_a_reset_or_a_new_network_drops_the_edits() -> None:
    playground = Playground()
    playground.set_weight(1, 0, 0, 1.0)
    playground.reset()
    assert playground.edits == []
    playground.set_weight(1, 0, 0, 1.0)
    playground.hidden_sizes = (3,)
    assert playground.edits == []


@pytest.mark.parametrize(("call", "words"), [
    (lambda p: p.set_weight(0, 0, 0, 1.0), "layer must be an integer from 1 to 3, got 0"),
    (lambda p: p.set_weight(1, 4, 0, 1.0), "unit must be an integer from 0 to 3, got 4"),
    (lambda p: p.set_weight(2, 0, 9, 1.0), "from_unit must be an integer from 0 to 3, got 9"),
    (lambda p: p.set_bias(1, 0, float("nan")), "value must be a number from -1000 to 1000"),
    (lambda p: p.set_bias(1, 0, 1e9), "value must be a number from -1000 to 1000"),
    (lambda p: p.set_bias(1, 0, "big"), "value must be a number"),
])
def test_a_bad_edit_is_refused_and_changes_nothing(call, words: str) -> None:
    playground = Playground()
    before = playground.to_json()
    with pytest.raises((ValueError, TypeError), match=words):
        call(playground)
    assert playground.to_json() == before


@pytest.mark.parametrize(("edit", "words"), [
    ({"layer": 9}, r"edits\[0\]\.layer must be an integer from 1 to 3"),
    ({"row": 7}, r"edits\[0\]\.row must be an integer from 0 to 3"),
    ({"column": 5}, r"edits\[0\]\.column must be an integer from 0 to 1"),
    ({"epoch": 99}, r"edits\[0\]\.epoch must be an integer from 0 to 2"),
    ({"value": "x"}, r"edits\[0\]\.value must be a number"),
    ({"extra": 1}, r"edits\[0\] must be an object with epoch, layer, row, column, value"),
])
def test_a_saved_edit_outside_the_network_is_refused(edit: dict, words: str) -> None:
    run = PlaygroundRun(PlaygroundSettings())
    run.train(2)
    run.apply_edit(run.check_edit(1, 0, 0, 0.5))
    state = run_state(run)
    state["edits"][0].update(edit)
    with pytest.raises((ValueError, TypeError), match=words):
        check_state(state)


def test_a_version_2_state_reads_as_having_no_edits_and_the_old_loss() -> None:
    state = run_state(PlaygroundRun(PlaygroundSettings()))
    state["version"] = 2
    del state["edits"], state["settings"]["loss"], state["settings"]["own_data"]
    saved = check_state(state)
    assert saved.edits == [] and saved.settings == PlaygroundSettings()


def test_replay_applies_changes_and_edits_in_epoch_order() -> None:
    playground = Playground()
    playground.step(2)
    playground.set_weight(1, 1, 0, -0.5)
    playground.learning_rate = 0.1
    playground.step(2)
    playground.set_bias(1, 2, 0.3)
    playground.step(1)
    saved = check_state(playground.state())
    run, _ = replay(saved.settings, saved.epoch, saved.changes, edits=saved.edits)
    assert run.train_loss == playground.train_loss
    assert all(torch.equal(a, b) for a, b in zip(run.net.parameters(),
                                                 playground.net.parameters()))


# -- own data ------------------------------------------------------------------------------


def test_own_data_trains_round_trips_and_matches_its_script() -> None:
    X, y = own_points()
    playground = Playground(data=(X, y), hidden_sizes=(5,))
    assert playground.dataset == "own" and playground.settings.classes == 3
    playground.step(6)
    namespace = playground.code().run()
    assert namespace["train_loss"] == playground.train_loss
    assert namespace["test_loss"] == playground.test_loss
    again = Playground.from_code(playground.share_code())
    assert again.test_loss == playground.test_loss
    loaded = Playground()
    loaded.load_json(playground.to_json())
    assert torch.equal(loaded.settings.own_data.X, X.float())


@pytest.mark.parametrize("labels", [(-1, 1), (0, 1)])
def test_two_class_own_data_uses_one_tanh_output_with_either_labelling(labels) -> None:
    X, y = own_points(classes=2)
    y = torch.tensor(labels)[y]
    playground = Playground(data=(X, y))
    assert playground.settings.outputs == 1
    playground.step(4)
    assert playground.code().run()["train_loss"] == playground.train_loss


def test_own_regression_data_matches_its_script() -> None:
    X, _ = own_points()
    target = (X[:, 0] - X[:, 1]) / 10 + 0.123
    playground = Playground(data=(X, target), hidden_sizes=(4,))
    assert playground.settings.task == "regression"
    playground.step(5)
    assert playground.code().run()["train_loss"] == playground.train_loss


def test_the_data_set_own_needs_data_and_bad_data_keeps_the_old() -> None:
    with pytest.raises(ValueError, match="needs your points"):
        Playground(dataset="own")
    playground = Playground(data=own_points())
    before = playground.to_json()
    X, y = own_points()
    X[4, 1] = float("nan")
    with pytest.raises(ValueError, match=r"X\[4, 1\]"):
        playground.load_data(X, y)
    assert playground.to_json() == before
