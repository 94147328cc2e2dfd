"""The playground's pure logic: data sets, settings, runs, divergence, saved states."""

from __future__ import annotations

import json
import math

import pytest
import torch
from torch import nn

from widgets.core.layers import register_layer
from widgets.playground.data import DATASETS, EXTENT, FEATURES, plane_grid
from widgets.playground.settings import (
    CHECKS,
    DATA_FIELDS,
    NETWORK_FIELDS,
    TRAINING_FIELDS,
    VIEW_FIELDS,
    PlaygroundSettings,
    changed_fields,
    check_features,
)
from widgets.playground.training import (
    Change,
    PlaygroundRun,
    check_state,
    replay,
    run_state,
)

pytestmark = pytest.mark.usefixtures("empty_registry")


# -- data ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(DATASETS))
@pytest.mark.parametrize("noise", [0.0, 0.25, 0.5])
def test_every_data_set_draws_n_points_on_the_plane(name: str, noise: float) -> None:
    data = DATASETS[name]
    X, y = data.make(501, noise, torch.Generator().manual_seed(3))
    assert X.shape == (501, 2) and X.dtype == torch.float32 and bool(torch.isfinite(X).all())
    if data.classes > 2:  # class indices, one per point
        assert y.shape == (501,) and y.dtype == torch.int64
        assert min(torch.bincount(y).tolist()) > 501 // data.classes - 2
        assert set(y.tolist()) == set(range(data.classes))
        if name == "blobs":
            return  # Gaussian clouds have tails
    else:
        assert y.shape == (501, 1) and y.dtype == torch.float32
        assert bool(torch.isfinite(y).all())
    if data.classes == 2:
        assert set(y.flatten().tolist()) <= {-1.0, 1.0}
        counts = [(y == label).sum().item() for label in (-1.0, 1.0)]
        assert min(counts) > 100  # both classes are well represented
    elif data.task == "regression":
        assert y.abs().max() <= 1.2 * (1 + noise) + 1e-5  # noise moves where labels are read
    if name != "two_gaussians":  # Gaussian clouds have tails; the others stay in the plane
        assert X.abs().max() <= EXTENT + 0.5


@pytest.mark.parametrize("name", list(DATASETS))
def test_data_sets_are_reproducible_from_the_seed(name: str) -> None:
    def draw(seed: int) -> tuple[torch.Tensor, torch.Tensor]:
        return DATASETS[name].make(200, 0.1, torch.Generator().manual_seed(seed))

    assert all(torch.equal(a, b) for a, b in zip(draw(4), draw(4)))
    assert not torch.equal(draw(4)[0], draw(5)[0])


def test_without_noise_the_labels_follow_the_shapes_exactly() -> None:
    g = torch.Generator().manual_seed(0)
    X, y = DATASETS["circle"].make(400, 0.0, g)
    assert torch.equal(y[:, 0] > 0, X.norm(dim=1) < 2.5)
    X, y = DATASETS["xor"].make(400, 0.0, g)
    assert torch.equal(y[:, 0] > 0, X[:, 0] * X[:, 1] >= 0)
    X, y = DATASETS["plane"].make(400, 0.0, g)
    assert torch.allclose(y[:, 0], X.sum(dim=1) / 10)


def test_noise_blurs_the_labels() -> None:
    X, y = DATASETS["circle"].make(2000, 0.5, torch.Generator().manual_seed(0))
    wrong = ((y[:, 0] > 0) != (X.norm(dim=1) < 2.5)).float().mean().item()
    assert 0.05 < wrong < 0.5


def test_plane_grid_runs_row_by_row_from_the_top_left() -> None:
    grid = plane_grid(100)
    assert grid.shape == (10_000, 2)
    assert grid[0].tolist() == pytest.approx([-5.94, 5.94])
    assert grid[99].tolist() == pytest.approx([5.94, 5.94])
    assert grid[-1].tolist() == pytest.approx([5.94, -5.94])


# -- settings -----------------------------------------------------------------------------


def test_defaults_are_tensorflow_playgrounds() -> None:
    s = PlaygroundSettings()
    assert (s.dataset, s.num_samples, s.hidden_sizes, s.activations, s.batch_size) == (
        "circle", 500, (4, 2), ("tanh", "tanh"), 10)
    assert (s.learning_rate, s.train_share, s.noise, s.features) == (0.03, 50.0, 0.0, ("x1", "x2"))
    assert s.task == "classification" and PlaygroundSettings(dataset="plane").task == "regression"


def test_every_field_belongs_to_one_group() -> None:
    groups = DATA_FIELDS + NETWORK_FIELDS + TRAINING_FIELDS + VIEW_FIELDS
    assert sorted(groups) == sorted(CHECKS) == sorted(PlaygroundSettings().as_dict())


@pytest.mark.parametrize(("field", "value", "error", "words"), [
    ("dataset", "moons", ValueError, "dataset must be one of circle, xor"),
    ("dataset", 3, TypeError, "dataset must be one of"),
    ("noise", 51, ValueError, "noise must be a number from 0 to 50"),
    ("noise", -1, ValueError, "noise"),
    ("noise", float("nan"), ValueError, "noise"),
    ("noise", "low", TypeError, "noise"),
    ("train_share", 5, ValueError, "train_share must be a number from 10 to 90"),
    ("train_share", 95, ValueError, "train_share"),
    ("num_samples", 10, ValueError, "num_samples must be an integer from 20 to 2000"),
    ("num_samples", 500.0, TypeError, "num_samples"),
    ("seed", -1, ValueError, "seed must be an integer from 0"),
    ("features", (), ValueError, "features must name at least one input feature"),
    ("features", ("x1", "x3"), ValueError, "features[1] must be one of x1, x2"),
    ("features", ("x1", "X1"), ValueError, "features names 'x1' twice"),
    ("features", 5, TypeError, "features must be a tuple of feature names"),
    ("features", (1,), TypeError, "features[0]"),
    ("hidden_sizes", (4, 65), ValueError, "hidden_sizes[1] must be an integer from 1 to 64"),
    ("hidden_sizes", (0,), ValueError, "hidden_sizes[0]"),
    ("hidden_sizes", (1,) * 9, ValueError, "hidden_sizes must have 0 to 8 entries"),
    ("hidden_sizes", 4, TypeError, "hidden_sizes must be a tuple"),
    ("activations", "swish", ValueError, "activations must be one of relu"),
    ("activations", ("tanh",), ValueError, "one name per hidden layer (2)"),
    ("init", "he", ValueError, "init must be one of default, xavier_uniform"),
    ("learning_rate", 0, ValueError, "learning_rate must be a number from 1e-05 to 10"),
    ("learning_rate", 20, ValueError, "learning_rate"),
    ("learning_rate", True, TypeError, "learning_rate"),
    ("batch_size", 0, ValueError, "batch_size must be an integer from 1 to 64"),
    ("batch_size", 65, ValueError, "batch_size"),
    ("regularization", "l3", ValueError, "regularization must be one of none, l1, l2"),
    ("regularization_rate", 11, ValueError, "regularization_rate must be a number from 0 to 10"),
    ("optimizer", "rmsprop", ValueError, "optimizer must be one of sgd, adam"),
    ("discretize", 1, TypeError, "discretize must be True or False"),
    ("show_test_data", "yes", TypeError, "show_test_data must be True or False"),
])
def test_bad_settings_are_refused_naming_the_field(field: str, value: object,
                                                   error: type, words: str) -> None:
    with pytest.raises(error, match=None) as raised:
        PlaygroundSettings(**{field: value})
    assert words in str(raised.value)


def test_features_accept_other_spellings_and_keep_a_standard_order() -> None:
    spellings = ["sin x2", "x1**2", "X1*X2", "x2"]
    assert check_features("features", spellings) == ("x2", "x1^2", "x1*x2", "sin(x2)")
    assert check_features("features", "x1") == ("x1",)
    assert PlaygroundSettings(activations="linear").activations == ("identity", "identity")


def test_replace_checks_again_and_refuses_unknown_fields() -> None:
    s = PlaygroundSettings()
    assert s.replace(noise=10).noise == 10.0
    with pytest.raises(ValueError, match="noise"):
        s.replace(noise=99)
    with pytest.raises(TypeError, match="unknown playground settings: speed"):
        s.replace(speed=2)


def test_changed_fields() -> None:
    s = PlaygroundSettings()
    assert changed_fields(s, s.replace(seed=1, learning_rate=0.1)) == ("seed", "learning_rate")


# -- runs ---------------------------------------------------------------------------------


def test_a_run_splits_the_points_by_train_share() -> None:
    run = PlaygroundRun(PlaygroundSettings(train_share=30, num_samples=200))
    assert len(run.X_train) == 60 and len(run.X_test) == 140
    together = torch.cat([run.train_index, run.test_index]).sort().values
    assert torch.equal(together, torch.arange(200))


def test_features_are_computed_from_the_points() -> None:
    run = PlaygroundRun(PlaygroundSettings(features=tuple(FEATURES)))
    x1, x2 = run.X[run.train_index, 0], run.X[run.train_index, 1]
    expected = torch.stack([x1, x2, x1 ** 2, x2 ** 2, x1 * x2, torch.sin(x1), torch.sin(x2)], 1)
    assert torch.equal(run.X_train, expected)
    assert run.net[0].in_features == 7


def test_training_lowers_the_loss_and_classifies_the_circle() -> None:
    run = PlaygroundRun(PlaygroundSettings())
    start = run.train_loss
    report = run.train(100)
    assert (report.epoch, report.epochs_trained, run.epoch) == (100, 100, 100)
    assert report.train_loss < start / 10 and report.test_accuracy > 0.95
    assert len(run.train_losses) == len(run.test_losses) == 101
    assert "epoch 100: train loss" in repr(report) and "accuracy" in repr(report)


def test_a_run_is_the_same_every_time_and_leaves_the_global_random_state_alone() -> None:
    state = torch.get_rng_state()
    a, b = PlaygroundRun(PlaygroundSettings()), PlaygroundRun(PlaygroundSettings())
    a.train(7)
    b.train(7)
    assert a.train_losses == b.train_losses
    assert torch.equal(torch.get_rng_state(), state)


def test_update_redoes_only_what_a_setting_needs() -> None:
    run = PlaygroundRun(PlaygroundSettings())
    run.train(3)
    X = run.X
    assert run.update(run.settings.replace(learning_rate=0.1)) == "training"
    assert run.epoch == 3 and run.optimizer.param_groups[0]["lr"] == 0.1
    assert run.changes == [Change(3, "learning_rate", 0.03, 0.1)]
    assert run.update(run.settings.replace(discretize=True)) == "view"
    assert run.update(run.settings) == "nothing"
    assert run.update(run.settings.replace(hidden_sizes=(3,), activations="relu")) == "network"
    assert run.epoch == 0 and run.X is X and run.changes == []
    assert run.update(run.settings.replace(noise=20)) == "data"
    assert run.X is not X


def test_changes_at_epoch_zero_are_not_recorded() -> None:
    run = PlaygroundRun(PlaygroundSettings())
    run.update(run.settings.replace(learning_rate=0.3, optimizer="adam"))
    assert run.changes == [] and isinstance(run.optimizer, torch.optim.Adam)


def test_divergence_stops_and_keeps_the_last_good_epoch() -> None:
    run = PlaygroundRun(PlaygroundSettings(dataset="plane", features=("x1", "x2", "x1^2"),
                                           learning_rate=0.1, hidden_sizes=()))
    report = run.train(50)
    assert "training diverged at epoch" in report.stopped
    assert "the loss became NaN" in report.stopped or "the loss became infinite" in report.stopped
    assert report.epoch == run.epoch < 50
    assert math.isfinite(run.train_loss)
    assert all(bool(torch.isfinite(p).all()) for p in run.net.parameters())
    kept = [p.clone() for p in run.net.parameters()]
    again = run.train(1)  # still diverges, still nothing lost
    assert again.stopped and again.epochs_trained == 0
    assert all(torch.equal(a, b) for a, b in zip(kept, run.net.parameters()))


class RaisesInTraining(nn.Module):
    """Passes the registration probe (no grad) but raises once gradients are on."""

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        if torch.is_grad_enabled():
            raise RuntimeError("this layer cannot train")
        return X


def test_a_layer_raising_during_training_stops_it_with_the_reason() -> None:
    register_layer("fragile", RaisesInTraining)
    run = PlaygroundRun(PlaygroundSettings(activations=("tanh", "fragile")))
    report = run.train(5)
    assert report.epoch == 0 and report.epochs_trained == 0
    assert "RuntimeError: this layer cannot train" in report.stopped


def test_grid_values_read_each_hidden_layer_after_its_activation() -> None:
    run = PlaygroundRun(PlaygroundSettings(hidden_sizes=(3, 5), activations="sigmoid"))
    output, hidden = run.grid_values(10)
    assert output.shape == (1, 10, 10) and [h.shape for h in hidden] == [(3, 10, 10), (5, 10, 10)]
    assert 0 <= hidden[0].min() and hidden[1].max() <= 1  # after the sigmoid
    grid = run._features(plane_grid(10))
    assert torch.allclose(run.net(grid).detach().reshape(1, 10, 10), output)
    assert run.feature_values(10).shape == (2, 10, 10)


# -- saved states -------------------------------------------------------------------------


def played_run() -> PlaygroundRun:
    run = PlaygroundRun(PlaygroundSettings(hidden_sizes=(5,), seed=3))
    run.train(6)
    run.update(run.settings.replace(learning_rate=0.1))
    run.train(4)
    run.update(run.settings.replace(optimizer="adam", batch_size=4, regularization="l2",
                                    regularization_rate=0.01))
    run.train(3)
    run.update(run.settings.replace(learning_rate=0.01))
    run.train(2)
    return run


def test_a_saved_state_replays_to_the_same_numbers_even_with_mid_run_changes() -> None:
    run = played_run()
    state = json.loads(json.dumps(run_state(run)))
    assert state["epoch"] == 15 and len(state["changes"]) == 6
    saved = check_state(state)
    again, report = replay(saved.settings, saved.epoch, saved.changes, edits=saved.edits)
    assert again.train_losses == run.train_losses and again.test_losses == run.test_losses
    assert report.epoch == 15 and not report.stopped
    assert run_state(again) == run_state(run)


def good_state() -> dict:
    return json.loads(json.dumps(run_state(played_run())))


@pytest.mark.parametrize(("edit", "words"), [
    (lambda s: [], "must be a JSON object"),
    (lambda s: {k: v for k, v in s.items() if k != "settings"}, "is missing settings"),
    (lambda s: {**s, "extra": 1}, "has unknown fields extra"),
    (lambda s: {**s, "format": "other"}, "format must be 'layerlab-playground'"),
    (lambda s: {**s, "version": 4}, "version must be 1, 2 or 3, got 4"),
    (lambda s: {**s, "settings": 3}, "settings must be a JSON object"),
    (lambda s: {**s, "settings": {k: v for k, v in s["settings"].items() if k != "noise"}},
     "settings are missing noise"),
    (lambda s: {**s, "settings": {**s["settings"], "colour": 1}}, "have unknown fields colour"),
    (lambda s: {**s, "settings": {**s["settings"], "noise": 80}},
     "settings: noise must be a number from 0 to 50"),
    (lambda s: {**s, "settings": {**s["settings"], "hidden_sizes": [4, 100]}},
     "hidden_sizes[1] must be an integer from 1 to 64"),
    (lambda s: {**s, "epoch": -1}, "epoch must be an integer from 0"),
    (lambda s: {**s, "epoch": "10"}, "epoch must be an integer"),
    (lambda s: {**s, "changes": {}}, "changes must be a list"),
    (lambda s: {**s, "changes": [{"epoch": 3}]}, "changes[0] must be an object with epoch"),
    (lambda s: {**s, "changes": [{**s["changes"][0], "field": "noise"}, *s["changes"][1:]]},
     "changes[0].field must be one of learning_rate"),
    (lambda s: {**s, "changes": [{**s["changes"][0], "to": 99}, *s["changes"][1:]]},
     "changes[0]: learning_rate must be a number"),
    (lambda s: {**s, "changes": s["changes"][::-1]}, "changes[1].epoch must be an integer"),
    (lambda s: {**s, "changes": s["changes"][:-1]}, "end with learning_rate = 0.1"),
])
def test_bad_saved_states_are_refused_naming_the_field(edit: object, words: str) -> None:
    with pytest.raises((ValueError, TypeError)) as raised:
        check_state(edit(good_state()))
    assert words in str(raised.value)


class FailsInEval(nn.Module):
    """Trains, but raises when the network is scored (evaluation mode)."""

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        if not self.training:
            raise RuntimeError("cannot score")
        return torch.tanh(X)


class OddWidthsDropAColumn(nn.Module):
    """Keeps the shape at even widths (the probe), drops a column at odd ones."""

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return X if X.shape[1] % 2 == 0 else X[:, :-1]


def test_a_failed_update_leaves_the_run_exactly_as_it_was() -> None:
    register_layer("odd", OddWidthsDropAColumn)
    run = PlaygroundRun(PlaygroundSettings(activations=("odd", "tanh")))
    run.train(5)
    before = (run.settings, run.epoch, list(run.train_losses), run.net, run.X_train, run.optimizer)
    with pytest.raises(RuntimeError):
        run.update(run.settings.replace(features=("x1", "x2", "x1^2"), hidden_sizes=(5, 2)))
    after = (run.settings, run.epoch, list(run.train_losses), run.net, run.X_train, run.optimizer)
    assert all(a is b or a == b for a, b in zip(before, after))
    assert run.train(1).epoch == 6
    with pytest.raises(RuntimeError):
        run.update(run.settings.replace(num_samples=60, hidden_sizes=(3, 2)))
    assert len(run.X) == 500 and run.epoch == 6


def test_a_layer_failing_when_scored_stops_training_at_the_last_good_epoch() -> None:
    register_layer("fails_in_eval", FailsInEval)
    with pytest.raises(RuntimeError, match="cannot score"):
        PlaygroundRun(PlaygroundSettings(activations=("fails_in_eval", "tanh")))


def test_scoring_that_fails_mid_run_keeps_the_epoch_before() -> None:
    class FailsLater(nn.Module):
        calls = 0

        def forward(self, X: torch.Tensor) -> torch.Tensor:
            if not self.training:
                FailsLater.calls += 1
                if FailsLater.calls > 4:
                    raise RuntimeError("cannot score any more")
            return torch.tanh(X)

    register_layer("fails_later", FailsLater)
    run = PlaygroundRun(PlaygroundSettings(activations=("fails_later", "tanh")))
    report = run.train(5)
    assert report.epoch == run.epoch == 1 and "cannot score any more" in report.stopped
    plain = PlaygroundRun(PlaygroundSettings(activations=("tanh", "tanh")))
    plain.train(1)
    assert all(torch.equal(a, b) for a, b in zip(run.net.parameters(), plain.net.parameters()))


def test_buffers_go_back_with_the_weights_after_divergence() -> None:
    register_layer("batch_norm", nn.BatchNorm1d)
    run = PlaygroundRun(PlaygroundSettings(dataset="plane", features=("x1^2", "x2^2"),
                                           activations=("batch_norm", "tanh"),
                                           learning_rate=10.0))
    report = run.train(20)
    assert report.stopped
    assert all(bool(torch.isfinite(b).all()) for b in run.net.buffers())
    assert run.net[1].num_batches_tracked.item() == 25 * run.epoch


def test_changes_after_the_states_epoch_are_refused() -> None:
    state = good_state()
    state["epoch"] = 0
    with pytest.raises(ValueError, match="epoch must be from 1 to the state's epoch"):
        check_state(state)


def test_a_version_1_state_reads_uniform_as_tensorflow_playgrounds_scheme() -> None:
    """Version 1 named TensorFlow Playground's scheme (±0.5, biases 0.1) "uniform"."""
    state = run_state(PlaygroundRun(PlaygroundSettings(init="tf_playground")))
    assert state["version"] == 3 and state["settings"]["init"] == "tf_playground"
    del state["edits"], state["settings"]["loss"], state["settings"]["own_data"]
    old = {**state, "version": 1, "settings": {**state["settings"], "init": "uniform"}}
    assert check_state(old).settings.init == "tf_playground"
    assert check_state({**old, "version": 2}).settings.init == "uniform"
