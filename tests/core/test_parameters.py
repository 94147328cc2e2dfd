"""Reading parameters (widgets.core.parameters) and the ParameterInspector widget."""

from __future__ import annotations

import pytest
import torch
import traitlets
from torch import nn

from widgets.core.parameters import Histogram, backward_step, inspect_parameters
from widgets.ui.parameter_inspector import ParameterInspector


def tied_net() -> tuple[nn.Sequential, nn.Linear]:
    shared = nn.Linear(8, 8)
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), shared, nn.ReLU(), shared,
                         nn.ReLU(), nn.Linear(8, 1)), shared


def nested_net() -> nn.Sequential:
    def block() -> nn.Sequential:
        return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 4), nn.ReLU())
    return nn.Sequential(nn.Sequential(block(), block()), nn.Linear(4, 1))


# -- the logic layer ------------------------------------------------------------------


def test_records_follow_named_parameters_with_dotted_names() -> None:
    net = nested_net()
    infos = inspect_parameters(net)
    assert [i.name for i in infos] == [n for n, _ in net.named_parameters()]
    assert infos[0].name == "0.0.0.weight" and infos[0].shape == (8, 4)
    assert sum(i.numel for i in infos) == sum(p.numel() for p in net.parameters())


def test_tied_tensor_is_one_record_reached_by_two_names() -> None:
    net, _ = tied_net()
    infos = inspect_parameters(net)
    tied = [i for i in infos if i.tied]
    assert [i.names for i in tied] == [("2.weight", "4.weight"), ("2.bias", "4.bias")]
    assert sum(i.numel for i in infos) == sum(p.numel() for p in net.parameters())
    assert len(infos) == len(list(net.parameters())) == 6


def test_gradients_appear_after_a_backward_step_and_add_up_when_tied() -> None:
    net, shared = tied_net()
    X = torch.rand(3, 4)
    assert all(i.grad is None for i in inspect_parameters(net))
    loss = backward_step(net, X)
    assert loss == pytest.approx(net(X).sum().item(), rel=1e-5)
    assert all(i.grad is not None for i in inspect_parameters(net))
    # the tied weight's gradient is the sum of what each position contributes
    first, second = nn.Linear(8, 8), nn.Linear(8, 8)
    for copy in (first, second):
        copy.load_state_dict(shared.state_dict())
    untied = nn.Sequential(net[0], nn.ReLU(), first, nn.ReLU(), second, nn.ReLU(), net[6])
    untied(X).sum().backward()
    assert torch.allclose(shared.weight.grad, first.weight.grad + second.weight.grad, atol=1e-6)


def test_lazy_parameters_have_no_shape_yet() -> None:
    net = nn.Sequential(nn.LazyLinear(8), nn.ReLU(), nn.Linear(8, 1))
    infos = inspect_parameters(net)
    assert [i.shape_text for i in infos] == ["uninitialized", "uninitialized", "1x8", "1"]
    assert infos[0].histogram is None and infos[0].numel == 0


def test_histogram_counts_every_finite_value() -> None:
    values = torch.tensor([0.0, 0.1, 0.9, 1.0, float("nan"), float("inf")])
    hist = Histogram.of(values, bins=4)
    assert sum(hist.counts) == 4 and len(hist.edges) == 5
    flat = Histogram.of(torch.full((5,), 2.0), bins=3)
    assert sum(flat.counts) == 5 and flat.edges[0] < 2.0 < flat.edges[-1]
    assert Histogram.of(torch.tensor([float("nan")])).counts == (0,)


@pytest.mark.parametrize(("call", "error", "text"), [
    (lambda: inspect_parameters("net"), TypeError, "module must be a torch.nn.Module"),
    (lambda: inspect_parameters(nn.Linear(2, 2), bins=1), ValueError, "bins must be"),
    (lambda: inspect_parameters(nn.Linear(2, 2), bins=2.5), TypeError, "bins must be"),
    (lambda: backward_step(nn.Linear(2, 2), [1.0, 2.0]), TypeError, "X must be a tensor, a tuple"),
    (lambda: backward_step(nn.Linear(2, 2), torch.ones(1, 2), lambda out: out),
     ValueError, "loss_fn must return a tensor with one number"),
])
def test_bad_arguments_are_named(call, error, text) -> None:
    with pytest.raises(error, match=text):
        call()


# -- the widget -----------------------------------------------------------------------


def test_inspector_shows_every_tensor_and_marks_tied_ones() -> None:
    net, _ = tied_net()
    inspector = ParameterInspector(net, X=torch.rand(2, 4), name="tied")
    assert inspector.total == sum(p.numel() for p in net.parameters()) == 121
    table = inspector.views["table"].value
    assert "2.weight = 4.weight" in table and "tied: one tensor" in table
    assert table.count("<svg") == 6  # one value histogram per tensor, no gradients yet
    assert "None" in table
    assert [o[0] for o in inspector.controls["selected"].options][2] == "2.weight = 4.weight"


def test_backward_fills_gradients_and_clear_removes_them() -> None:
    net, shared = tied_net()
    inspector = ParameterInspector(net, X=torch.rand(2, 4))
    inspector.backward()
    assert inspector.info("4.weight").grad is not None
    assert inspector.info("4.weight") is inspector.info("2.weight")
    assert inspector.views["table"].value.count("<svg") == 12
    assert "gradient" in inspector.views["detail"].value
    assert inspector.last_loss == pytest.approx(net(inspector.X).sum().item(), rel=1e-5)
    inspector.zero_grad()
    assert shared.weight.grad is None and inspector.info("2.weight").grad is None


def test_selected_parameter_gets_full_histograms() -> None:
    inspector = ParameterInspector(nested_net(), X=torch.rand(2, 4))
    inspector.selected = "1.bias"
    assert inspector.controls["selected"].value == "1.bias"
    assert "1.bias: values" in inspector.views["detail"].value
    inspector.controls["selected"].value = "0.0.2.weight"  # the reader picks another
    assert inspector.selected == "0.0.2.weight"


def test_refresh_sees_in_place_edits() -> None:
    net = nn.Sequential(nn.Linear(2, 2))
    inspector = ParameterInspector(net)
    with torch.no_grad():
        net[0].bias.fill_(5.0)
    assert inspector.info("0.bias").values.mean != 5.0
    inspector.refresh()
    assert inspector.info("0.bias").values.mean == 5.0


def test_lazy_module_shows_uninitialized_then_shapes() -> None:
    net = nn.Sequential(nn.LazyLinear(3))
    inspector = ParameterInspector(net)
    assert "2 uninitialized" in inspector.views["title"].value
    net(torch.ones(1, 5))
    inspector.refresh()
    assert inspector.info("0.weight").shape == (3, 5)


def test_module_without_parameters() -> None:
    inspector = ParameterInspector(nn.ReLU())
    assert inspector.total == 0 and "no parameters" in inspector.views["detail"].value


@pytest.mark.parametrize(("field", "value", "error"), [
    ("module", "net", TypeError),
    ("module", None, TypeError),
    ("X", [1.0, 2.0], TypeError),
    ("X", "data", TypeError),
    ("X", torch.ones(0, 4), ValueError),
    ("bins", 0, ValueError),
    ("bins", 1000, ValueError),
    ("bins", True, TypeError),
    ("selected", "9.weight", ValueError),
    ("selected", 3, TypeError),
])
def test_bad_values_are_refused_and_state_kept(field: str, value: object, error: type) -> None:
    net, _ = tied_net()
    inspector = ParameterInspector(net, X=torch.rand(2, 4))
    before = getattr(inspector, field)
    with pytest.raises(error, match=field):
        setattr(inspector, field, value)
    assert getattr(inspector, field) is before
    with pytest.raises(traitlets.TraitError):
        setattr(inspector, field, value)


def test_backward_with_a_misfit_batch_explains_and_keeps_gradients() -> None:
    net, _ = tied_net()
    inspector = ParameterInspector(net, X=torch.rand(2, 4))
    inspector.backward()
    kept = net[0].weight.grad.clone()
    with pytest.raises(ValueError, match=r"backward pass on X = tensor\(2, 5\) failed"):
        inspector.backward(torch.rand(2, 5))
    assert torch.equal(net[0].weight.grad, kept)
    no_batch = ParameterInspector(net)
    with pytest.raises(ValueError, match="X is None"):
        no_batch.backward()
    assert no_batch.controls["backward"].disabled


def test_button_errors_show_inline() -> None:
    net, _ = tied_net()
    inspector = ParameterInspector(net, X=torch.rand(2, 7))
    inspector.controls["backward"].click()
    assert "backward pass on X = tensor(2, 7) failed" in inspector.message
    assert "ll-error" in inspector.views["message"].value
    inspector.X = torch.rand(2, 4)
    inspector.controls["backward"].click()
    assert inspector.message == "" and inspector.info("0.weight").grad is not None
    inspector.controls["clear_grads"].click()
    assert inspector.info("0.weight").grad is None


def test_batch_renders_once() -> None:
    inspector = ParameterInspector(nested_net(), X=torch.rand(2, 4))
    before = inspector.render_count
    with inspector.batch():
        inspector.bins = 10
        inspector.selected = "1.weight"
    assert inspector.render_count == before + 1
    assert len(inspector.info("1.weight").histogram.counts) == 10


def test_a_failing_forward_or_loss_keeps_the_gradients_and_is_shown() -> None:
    class Bad(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.linear = nn.Linear(3, 1)

        def forward(self, X: torch.Tensor) -> torch.Tensor:
            return self.linear(X)[5]  # IndexError

    bad = Bad()
    inspector = ParameterInspector(bad, X=torch.ones(2, 3))
    bad.linear.weight.grad = torch.ones(1, 3)
    inspector.controls["backward"].click()  # nothing escapes into the kernel log
    assert "IndexError" in inspector.message
    assert torch.equal(bad.linear.weight.grad, torch.ones(1, 3))
    good = ParameterInspector(nn.Linear(3, 1), X=torch.ones(2, 3))
    with pytest.raises(ValueError, match="KeyError"):
        good.backward(loss_fn=lambda out: {}["missing"])


def test_meta_modules_show_shapes_without_values() -> None:
    inspector = ParameterInspector(nn.Linear(2, 2, device="meta"))
    assert inspector.info("weight").shape == (2, 2) and inspector.info("weight").values is None
    assert "no values to show" in inspector.views["detail"].value
    inspector.controls["refresh"].click()
    assert inspector.message == ""


def test_histograms_of_huge_values_count_every_value() -> None:
    assert sum(Histogram.of(torch.tensor([-2e38, 2e38, 0.0, 1.0]), bins=4).counts) == 4


def test_name_must_be_text() -> None:
    with pytest.raises(TypeError, match="name must be"):
        ParameterInspector(nn.Linear(2, 2), name=5)
