"""The model zoo: torch's own modules and a few readers might write, each with the
arguments of one forward call. Small sizes: the whole zoo runs in a few seconds."""

from __future__ import annotations

import torch
from torch import nn

from widgets import Inputs


class TiedLanguageModel(nn.Module):
    """An embedding, a GRU and an output layer that shares the embedding's weight."""

    def __init__(self, vocab: int = 50, dim: int = 8) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)
        self.rnn = nn.GRU(dim, dim, batch_first=True)
        self.out = nn.Linear(dim, vocab)
        self.out.weight = self.embed.weight

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        hidden, _ = self.rnn(self.embed(tokens))
        return self.out(hidden)


class Containers(nn.Module):
    """Layers in a ModuleDict, scales in a ParameterList, a shift in a ParameterDict."""

    def __init__(self) -> None:
        super().__init__()
        self.heads = nn.ModuleDict({"a": nn.Linear(4, 2), "b": nn.Linear(4, 3)})
        self.scales = nn.ParameterList([nn.Parameter(torch.ones(2)),
                                        nn.Parameter(torch.ones(3))])
        self.shift = nn.ParameterDict({"a": nn.Parameter(torch.zeros(2))})

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.heads["a"](x) * self.scales[0] + self.shift["a"],
                          self.heads["b"](x) * self.scales[1]], dim=-1)


class Scaled(nn.Module):
    """A forward that takes keyword-only arguments."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(4, 4)

    def forward(self, x: torch.Tensor, *, scale: float = 1.0,
                mask: torch.Tensor | None = None) -> torch.Tensor:
        y = self.linear(x) * scale
        return y if mask is None else y * mask


def zoo() -> dict[str, tuple[nn.Module, Inputs]]:
    """A fresh copy of every model, by name, with the inputs of one forward call."""
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(0)

    def r(*shape: int) -> torch.Tensor:
        return torch.randn(*shape, generator=g)

    def layer() -> nn.TransformerEncoderLayer:
        return nn.TransformerEncoderLayer(16, 2, 32, batch_first=True)

    def encoder() -> nn.TransformerEncoder:
        return nn.TransformerEncoder(layer(), 2, enable_nested_tensor=False)

    tokens = torch.tensor([[1, 2, 3, 4]])
    convs = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
                          nn.MaxPool2d(2), nn.Conv2d(8, 4, 3), nn.AdaptiveAvgPool2d(1),
                          nn.Flatten(), nn.Linear(4, 2))
    return {
        "TransformerEncoder (train)": (encoder(), Inputs(r(2, 5, 16))),
        "TransformerEncoder (eval)": (encoder().eval(), Inputs(r(2, 5, 16))),
        "TransformerEncoderLayer (eval)": (layer().eval(), Inputs(r(2, 5, 16))),
        "TransformerDecoderLayer": (nn.TransformerDecoderLayer(16, 2, 32, batch_first=True),
                                    Inputs(r(2, 4, 16), r(2, 5, 16))),
        "Transformer (eval)": (nn.Transformer(16, 2, 1, 1, 32, batch_first=True).eval(),
                               Inputs(r(2, 5, 16), r(2, 4, 16))),
        "MultiheadAttention, keyword": (nn.MultiheadAttention(16, 2, batch_first=True),
                                        Inputs(*(r(2, 5, 16),) * 3, need_weights=False)),
        "LSTM": (nn.LSTM(4, 8, batch_first=True), Inputs(r(2, 3, 4))),
        "LSTM (h0, c0)": (nn.LSTM(4, 8, num_layers=2, batch_first=True),
                          Inputs(r(2, 3, 4), (r(2, 2, 8), r(2, 2, 8)))),
        "GRU (h0)": (nn.GRU(4, 8), Inputs(r(3, 2, 4), r(1, 2, 8))),
        "RNN, bidirectional": (nn.RNN(4, 8, bidirectional=True), Inputs(r(3, 2, 4))),
        "Embedding": (nn.Embedding(20, 4), Inputs(torch.tensor([[1, 2, 3]]))),
        "Conv/BatchNorm/pool": (convs, Inputs(r(2, 3, 8, 8))),
        "Bilinear": (nn.Bilinear(3, 4, 5), Inputs(r(2, 3), r(2, 4))),
        "ModuleDict/ParameterList/ParameterDict": (Containers(), Inputs(r(2, 4))),
        "lazy layers": (nn.Sequential(nn.LazyLinear(8), nn.ReLU(), nn.LazyLinear(2)),
                        Inputs(r(2, 5))),
        "keyword arguments": (Scaled(), Inputs(r(2, 4), scale=2.0, mask=torch.ones(2, 4))),
        "tied language model": (TiedLanguageModel(), Inputs(tokens)),
    }
