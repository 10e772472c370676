"""The span model: a small encoder-decoder transformer (pre-LayerNorm, tied embeddings).

The encoder reads the query once; the decoder writes spans one token at a time and carries its
self-attention keys and values forward (`step`), so no step recomputes an earlier one; the query's
keys and values for cross-attention are computed once too (`cross_keys_values`). The output
projection is the token embedding itself: at the edge, constrained decoding multiplies the
decoder's hidden state by the embeddings of the few tokens the FM index allows, not by the whole
vocabulary.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from .tokenizer import PAD


@dataclass
class SpanModelConfig:
    vocab_size: int = 12000
    # Token vectors are factorized (vocab x embed_dim, then embed_dim -> d_model, as in ALBERT):
    # the table ships to the edge twice (token_table.bin and token_scores.onnx), so it must stay small.
    embed_dim: int = 128
    d_model: int = 256
    n_heads: int = 4
    n_encoder_layers: int = 3
    n_decoder_layers: int = 2
    d_ff: int = 768
    max_len: int = 64
    dropout: float = 0.1

    def to_dict(self) -> dict:
        return asdict(self)


class Attention(nn.Module):
    def __init__(self, cfg: SpanModelConfig):
        super().__init__()
        self.n_heads = cfg.n_heads
        self.q = nn.Linear(cfg.d_model, cfg.d_model)
        self.kv = nn.Linear(cfg.d_model, 2 * cfg.d_model)
        self.out = nn.Linear(cfg.d_model, cfg.d_model)
        self.dropout = cfg.dropout
        self.d_head = cfg.d_model // cfg.n_heads
        self.scale = 1 / math.sqrt(self.d_head)

    def heads(self, x: Tensor) -> Tensor:  # (B, T, D) -> (B, H, T, D/H)
        # unflatten/flatten and a constant scale rather than shapes read off the tensor: the ONNX
        # export then needs no Shape/Gather/Concat chains, which cost the edge's step time.
        return x.unflatten(-1, (self.n_heads, self.d_head)).transpose(1, 2)

    def keys_values(self, source: Tensor) -> tuple[Tensor, Tensor]:
        """Keys and values of `source`, in heads: (B, H, S, D/H) each."""
        k, v = self.kv(source).chunk(2, dim=-1)
        return self.heads(k), self.heads(v)

    def attend(self, x: Tensor, k: Tensor, v: Tensor, mask: Tensor | None = None) -> Tensor:
        q = self.heads(self.q(x))
        y = F.scaled_dot_product_attention(
            q, k, v, attn_mask=mask, dropout_p=self.dropout if self.training else 0.0, scale=self.scale
        )
        return self.out(y.transpose(1, 2).flatten(2))

    def forward(
        self,
        x: Tensor,
        source: Tensor,
        mask: Tensor | None = None,
        past: tuple[Tensor, Tensor] | None = None,
    ) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        """Attends from x to source (x itself for self-attention). `past` holds keys and values of
        earlier decoder positions; the returned pair includes the new ones."""
        k, v = self.keys_values(source)
        if past is not None:
            k = torch.cat([past[0], k], dim=2)
            v = torch.cat([past[1], v], dim=2)
        return self.attend(x, k, v, mask), (k, v)


class FeedForward(nn.Sequential):
    def __init__(self, cfg: SpanModelConfig):
        super().__init__(
            nn.Linear(cfg.d_model, cfg.d_ff), nn.GELU(), nn.Linear(cfg.d_ff, cfg.d_model), nn.Dropout(cfg.dropout)
        )


class EncoderLayer(nn.Module):
    def __init__(self, cfg: SpanModelConfig):
        super().__init__()
        self.ln1, self.attn = nn.LayerNorm(cfg.d_model), Attention(cfg)
        self.ln2, self.ff = nn.LayerNorm(cfg.d_model), FeedForward(cfg)

    def forward(self, x: Tensor, mask: Tensor) -> Tensor:
        h = self.ln1(x)
        x = x + self.attn(h, h, mask)[0]
        return x + self.ff(self.ln2(x))


class DecoderLayer(nn.Module):
    def __init__(self, cfg: SpanModelConfig):
        super().__init__()
        self.ln1, self.self_attn = nn.LayerNorm(cfg.d_model), Attention(cfg)
        self.ln2, self.cross_attn = nn.LayerNorm(cfg.d_model), Attention(cfg)
        self.ln3, self.ff = nn.LayerNorm(cfg.d_model), FeedForward(cfg)

    def forward(
        self,
        x: Tensor,
        memory: Tensor,
        self_mask: Tensor | None,
        memory_mask: Tensor | None,
        past: tuple[Tensor, Tensor] | None,
    ) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        return self.attend(x, self.cross_attn.keys_values(memory), self_mask, memory_mask, past)

    def attend(
        self,
        x: Tensor,
        cross: tuple[Tensor, Tensor],
        self_mask: Tensor | None,
        memory_mask: Tensor | None,
        past: tuple[Tensor, Tensor] | None,
    ) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        """The layer with the memory's keys and values given (decoding computes them once per query)."""
        h = self.ln1(x)
        y, present = self.self_attn(h, h, self_mask, past)
        x = x + y
        x = x + self.cross_attn.attend(self.ln2(x), *cross, memory_mask)
        return x + self.ff(self.ln3(x)), present


class SpanModel(nn.Module):
    def __init__(self, cfg: SpanModelConfig):
        super().__init__()
        self.cfg = cfg
        self.embed = nn.Embedding(cfg.vocab_size, cfg.embed_dim)
        self.embed_proj = nn.Linear(cfg.embed_dim, cfg.d_model, bias=False)
        self.pos = nn.Embedding(cfg.max_len, cfg.d_model)
        self.drop = nn.Dropout(cfg.dropout)
        self.encoder = nn.ModuleList(EncoderLayer(cfg) for _ in range(cfg.n_encoder_layers))
        self.decoder = nn.ModuleList(DecoderLayer(cfg) for _ in range(cfg.n_decoder_layers))
        self.ln_enc, self.ln_dec = nn.LayerNorm(cfg.d_model), nn.LayerNorm(cfg.d_model)
        self.apply(self._init)

    @staticmethod
    def _init(m: nn.Module) -> None:
        if isinstance(m, nn.Linear | nn.Embedding):
            nn.init.normal_(m.weight, std=0.02)
        if isinstance(m, nn.Linear) and m.bias is not None:
            nn.init.zeros_(m.bias)

    def parameter_count(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def token_vectors(self, ids: Tensor) -> Tensor:
        """d_model-sized vectors of token ids: the input embedding and the output projection."""
        return self.embed_proj(self.embed(ids))

    def tokens(self, ids: Tensor, offset: int | Tensor = 0) -> Tensor:
        positions = torch.arange(ids.shape[1], device=ids.device) + offset
        return self.drop(self.embed_rows(self.embed(ids), positions))

    def embed_rows(self, rows: Tensor, positions: Tensor) -> Tensor:
        """Input vectors from rows of the token table (B, T, embed_dim). The edge gathers the rows
        itself, so its ONNX files need not hold the table."""
        return self.embed_proj(rows) * math.sqrt(self.cfg.d_model) + self.pos(positions)

    @staticmethod
    def padding_mask(ids: Tensor) -> Tensor:
        """(B, 1, 1, S) boolean: True where attention may look (not padding)."""
        return (ids != PAD)[:, None, None, :]

    def encode(self, query: Tensor) -> Tensor:
        return self.encode_embedded(self.tokens(query), self.padding_mask(query))

    def encode_embedded(self, x: Tensor, mask: Tensor | None) -> Tensor:
        for layer in self.encoder:
            x = layer(x, mask)
        return self.ln_enc(x)

    def decode(self, target_in: Tensor, memory: Tensor, query: Tensor) -> Tensor:
        """Hidden states for every target position at once (training)."""
        t = target_in.shape[1]
        causal = torch.ones(t, t, dtype=torch.bool, device=target_in.device).tril()[None, None]
        x = self.tokens(target_in)
        memory_mask = self.padding_mask(query)
        for layer in self.decoder:
            x, _ = layer(x, memory, causal, memory_mask, None)
        return self.ln_dec(x)

    def cross_keys_values(self, memory: Tensor) -> list[tuple[Tensor, Tensor]]:
        """Each decoder layer's keys and values of the memory: computed once per query, not per step."""
        return [layer.cross_attn.keys_values(memory) for layer in self.decoder]

    def step(
        self,
        token: Tensor,
        position: Tensor,
        memory: Tensor,
        memory_mask: Tensor,
        past: list[tuple[Tensor, Tensor]] | None,
    ) -> tuple[Tensor, list[tuple[Tensor, Tensor]]]:
        """One decoder step for a batch of beams: token (B, 1) at `position`, with the keys and
        values of earlier steps. Returns the hidden state (B, D) and the extended cache."""
        return self.step_embedded(self.tokens(token, position), self.cross_keys_values(memory), memory_mask, past)

    def step_embedded(
        self,
        x: Tensor,
        cross: list[tuple[Tensor, Tensor]],
        memory_mask: Tensor | None,
        past: list[tuple[Tensor, Tensor]] | None,
    ) -> tuple[Tensor, list[tuple[Tensor, Tensor]]]:
        """`step` from the input vectors (B, 1, D) and the memory's keys and values."""
        presents = []
        for i, layer in enumerate(self.decoder):
            x, present = layer.attend(x, cross[i], None, memory_mask, past[i] if past is not None else None)
            presents.append(present)
        return self.ln_dec(x)[:, -1], presents

    def logits(self, hidden: Tensor) -> Tensor:
        """Scores of every token: hidden · token_vectors(all), computed as (hidden W) E^T."""
        return (hidden @ self.embed_proj.weight) @ self.embed.weight.T

    def forward(self, query: Tensor, target_in: Tensor) -> Tensor:
        return self.logits(self.decode(target_in, self.encode(query), query))
