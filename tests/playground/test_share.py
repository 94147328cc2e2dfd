"""A playground's setup as one string: it round-trips, and a crafted one is refused."""

from __future__ import annotations

import base64
import zlib

import pytest
import torch

from widgets import Playground
from widgets.playground.share import (
    MAX_CODE_CHARACTERS,
    MAX_STATE_CHARACTERS,
    PREFIX,
    read_share_code,
)


@pytest.fixture
def playground() -> Playground:
    widget = Playground(num_samples=100, hidden_sizes=(3,), seed=2)
    yield widget
    widget.close()


def test_a_code_restores_the_setup_and_the_run(playground: Playground) -> None:
    playground.step(3)
    playground.learning_rate = 0.1
    playground.step(2)
    code = playground.share_code()
    assert code.startswith(PREFIX) and len(code) < 600 and "\n" not in code
    again = Playground.from_code(code)
    assert again.to_json() == playground.to_json()
    assert again.epoch == 5 and again.test_loss == playground.test_loss
    again.close()
    other = Playground()
    other.load_code(code, replay_epochs=False)
    assert other.epoch == 0 and other.hidden_sizes == (3,) and other.learning_rate == 0.1
    other.close()


def test_the_state_panel_shows_the_code_and_applies_one(playground: Playground) -> None:
    code = playground.share_code()
    playground.controls["show_state"].value = True
    assert playground.controls["share_code"].value == code
    assert "at most 2,000 epochs" in playground.views["replay_note"].value
    source = Playground(seed=4, hidden_sizes=(5, 2))
    playground.controls["share_code"].value = source.share_code()
    playground.controls["apply_code"].click()
    assert playground.seed == 4 and playground.hidden_sizes == (5, 2)
    playground.controls["share_code"].value = "pg1-not-a-code"
    playground.controls["apply_code"].click()
    assert "does not unpack" in playground.message and playground.seed == 4
    source.close()


def pack(raw: bytes) -> str:
    return PREFIX + base64.urlsafe_b64encode(zlib.compress(raw, 9)).decode().rstrip("=")


@pytest.mark.parametrize(("code", "error", "words"), [
    (None, TypeError, "code must be a string"),
    ("https://playground.tensorflow.org/#x", ValueError, "must start with pg1-"),
    (PREFIX + "%%%%", ValueError, "does not unpack"),
    (PREFIX + "A" * 150_000, ValueError, "refused before reading"),
    (pack(b" " * (MAX_STATE_CHARACTERS + 10)), ValueError, "unpacks to more than"),
    (pack(b'{"a": ')[:-3], ValueError, "does not unpack"),
    (pack(b"[" * 100_000 + b"]" * 100_000), ValueError, "does not unpack"),
    (pack(b'{"format": "nope"}'), ValueError, "missing version, settings"),
])
def test_crafted_codes_are_refused_and_the_state_kept(playground: Playground, code: object,
                                                      error: type, words: str) -> None:
    before = playground.to_json()
    with pytest.raises(error, match=words) as refused:
        playground.load_code(code)
    assert len(str(refused.value)) < 1_000 and playground.to_json() == before


def test_a_code_far_in_the_future_keeps_the_replay_cap(playground: Playground) -> None:
    state = playground.state() | {"epoch": 100_000}
    from widgets.playground.share import share_code
    with pytest.raises(ValueError, match="max_epochs=100000"):
        playground.load_code(share_code(state))


def test_read_share_code_round_trips_plain_data() -> None:
    from widgets.playground.share import share_code
    data = {"settings": {"seed": 1, "features": ["x1"]}, "epoch": 3, "changes": []}
    assert read_share_code(share_code(data)) == data


def test_a_code_holds_the_most_own_data_a_playground_takes() -> None:
    """2,000 points with a regression target, the longest own data: the code restores it."""
    g = torch.Generator().manual_seed(0)
    X = torch.rand(2000, 2, generator=g) * 12 - 6
    playground = Playground(data=(X, torch.randn(2000, generator=g)), hidden_sizes=(2,))
    code = playground.share_code()
    assert len(code) <= MAX_CODE_CHARACTERS
    again = Playground.from_code(code)
    assert torch.equal(again.settings.own_data.X, X) and again.train_loss == playground.train_loss
    again.close()
    playground.close()
