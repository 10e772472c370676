"""The query-to-SemanticID model: a small GPT-style decoder that writes a product's ID token by token.

The query enters as its embedding from the fine-tuned tower (the one that also built the item
vectors), projected into a few prefix vectors; after them come the ID tokens so far, under a causal
mask. The hidden state at the last position scores the next token: a code of some layer, a suffix,
or END. Sequences are at most a handful of tokens, so decoding recomputes the whole (short)
sequence each step instead of carrying a key/value cache.

Token space (edgespan_ml.semantic.rq): code c of layer l is l * K + c, suffix s is L * K + s,
END is L * K + max_suffix + 1.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from torch import Tensor, nn
from torch.nn import functional as F


@dataclass
class SidModelConfig:
    vocab_size: int  # codes + suffixes + END
    query_dim: int = 384
    prefix: int = 2  # vectors the query embedding is projected into
    max_tokens: int = 8  # ID tokens + END
    # Small on purpose: training must take minutes on two shared CPU cores (0.2 s a step of 256).
    d_model: int = 128
    n_heads: int = 4
    n_layers: int = 2
    d_ff: int = 512
    dropout: float = 0.1

    def to_dict(self) -> dict:
        return asdict(self)


class Block(nn.Module):
    """Pre-LayerNorm causal self-attention and MLP (nanoGPT's block)."""

    def __init__(self, cfg: SidModelConfig):
        super().__init__()
        self.n_heads = cfg.n_heads
        self.ln1, self.ln2 = nn.LayerNorm(cfg.d_model), nn.LayerNorm(cfg.d_model)
        self.qkv = nn.Linear(cfg.d_model, 3 * cfg.d_model)
        self.proj = nn.Linear(cfg.d_model, cfg.d_model)
        self.mlp = nn.Sequential(
            nn.Linear(cfg.d_model, cfg.d_ff), nn.GELU(), nn.Linear(cfg.d_ff, cfg.d_model), nn.Dropout(cfg.dropout)
        )
        self.dropout = cfg.dropout

    def forward(self, x: Tensor) -> Tensor:
        b, t, d = x.shape
        q, k, v = (h.view(b, t, self.n_heads, -1).transpose(1, 2) for h in self.qkv(self.ln1(x)).chunk(3, -1))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True, dropout_p=self.dropout if self.training else 0.0)
        x = x + self.proj(y.transpose(1, 2).reshape(b, t, d))
        return x + self.mlp(self.ln2(x))


class SidModel(nn.Module):
    def __init__(self, cfg: SidModelConfig):
        super().__init__()
        self.cfg = cfg
        self.query_proj = nn.Linear(cfg.query_dim, cfg.prefix * cfg.d_model)
        self.embed = nn.Embedding(cfg.vocab_size, cfg.d_model)
        self.pos = nn.Embedding(cfg.prefix + cfg.max_tokens, cfg.d_model)
        self.drop = nn.Dropout(cfg.dropout)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.n_layers))
        self.ln = nn.LayerNorm(cfg.d_model)
        self.apply(self._init)

    @staticmethod
    def _init(m: nn.Module) -> None:
        if isinstance(m, nn.Linear | nn.Embedding):
            nn.init.normal_(m.weight, std=0.02)
        if isinstance(m, nn.Linear) and m.bias is not None:
            nn.init.zeros_(m.bias)

    def parameter_count(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def forward(self, query: Tensor, tokens: Tensor) -> Tensor:
        """query [B, query_dim], tokens [B, T] (the ID so far, T >= 0) -> logits [B, T + 1, V]:
        position i scores token i (position 0 the first token, from the query alone)."""
        b, t = tokens.shape
        prefix = self.query_proj(query).view(b, self.cfg.prefix, self.cfg.d_model)
        x = torch.cat([prefix, self.embed(tokens)], dim=1)
        x = self.drop(x + self.pos(torch.arange(x.shape[1], device=x.device)))
        for block in self.blocks:
            x = block(x)
        # the output projection is the token embedding (tied, as in nanoGPT)
        return self.ln(x[:, self.cfg.prefix - 1 :]) @ self.embed.weight.T


def save_model(model: SidModel, path: Path, meta: dict) -> None:
    tmp = path.with_suffix(".tmp")
    torch.save({"model": model.state_dict(), "config": model.cfg.to_dict(), "meta": meta}, tmp)
    tmp.replace(path)


def load_model(path: Path, device: str) -> SidModel:
    saved = torch.load(path, map_location=device, weights_only=True)
    model = SidModel(SidModelConfig(**saved["config"]))
    model.load_state_dict(saved["model"])
    return model.to(device).eval()
