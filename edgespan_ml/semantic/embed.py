"""Batched embedding of titles and queries with a MiniLM tower, and the query encoder the origin
serves with.

Texts are sorted by token count before batching so that a batch pads to nearly its own length
(titles vary from 3 to 60 word pieces); results come back in the caller's order.
"""

from __future__ import annotations

import os
from contextlib import nullcontext
from pathlib import Path

import numpy as np
import torch
from tokenizers import Tokenizer
from tqdm import tqdm

from .minilm import MiniLM, load_tokenizer, load_tower

DIM = 384


def pick_device(device: str | None = None) -> str:
    if device is not None:
        if device.startswith("cuda") and not torch.cuda.is_available():
            raise ValueError(f"device {device!r} asked for, but CUDA is not available")
        return device
    return "cuda" if torch.cuda.is_available() else "cpu"


def autocast_for(device: str):
    """bf16 on CUDA and on CPUs with native bf16 (AVX-512 BF16 / AMX); fp32 elsewhere, where
    emulated bf16 is slower than fp32 (this project's AMD EPYC has no AVX-512)."""
    if device.startswith("cuda"):
        return torch.autocast("cuda", dtype=torch.bfloat16)
    flags = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    if "avx512_bf16" in flags or "amx_bf16" in flags:
        return torch.autocast("cpu", dtype=torch.bfloat16)
    return nullcontext()


def use_all_cores() -> None:
    torch.set_num_threads(os.cpu_count() or 1)


def batches(tok: Tokenizer, texts: list[str], device: str, batch_size: int, progress: str | None):
    """(rows, ids, mask) batches of texts sorted by token count; rows index into texts."""
    lengths = [sum(e.attention_mask) for e in tok.encode_batch(texts)]
    order = sorted(range(len(texts)), key=lengths.__getitem__)
    for start in tqdm(range(0, len(order), batch_size), desc=progress, disable=progress is None, unit="batch"):
        rows = order[start : start + batch_size]
        enc = tok.encode_batch([texts[i] for i in rows])
        ids = torch.tensor([e.ids for e in enc], device=device)
        mask = torch.tensor([e.attention_mask for e in enc], device=device)
        yield rows, ids, mask


@torch.inference_mode()
def embed_texts(
    model: MiniLM,
    tok: Tokenizer,
    texts: list[str],
    device: str = "cpu",
    batch_size: int = 128,
    progress: str | None = None,
) -> np.ndarray:
    """float32 [len(texts), 384], L2-normalized, in the order of `texts`."""
    out = np.zeros((len(texts), model.cfg.d_model), dtype=np.float32)
    with autocast_for(device):
        for rows, ids, mask in batches(tok, texts, device, batch_size, progress) if texts else ():
            out[rows] = model(ids, mask).float().cpu().numpy()
    return out


def shared_bottom(base: MiniLM, tuned: MiniLM) -> int:
    """How many of the first layers (with the embeddings) the two towers have identical."""
    same = 0
    for n in range(len(base.layers) + 1):
        pairs = zip(base.bottom_parameters(n), tuned.bottom_parameters(n), strict=True)
        if not all(torch.equal(a, b.to(a.device)) for a, b in pairs):
            break
        same = n
    return same


@torch.inference_mode()
def embed_pair(
    base: MiniLM,
    tuned: MiniLM,
    tok: Tokenizer,
    texts: list[str],
    device: str = "cpu",
    batch_size: int = 128,
    progress: str | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Both towers' embeddings of texts; the layers they share (a tower fine-tuned above a frozen
    bottom) run once. A tower fine-tuned all the way down costs two full passes, as it should."""
    shared = shared_bottom(base, tuned)
    n = len(base.layers)
    out_base = np.zeros((len(texts), base.cfg.d_model), dtype=np.float32)
    out_tuned = np.zeros_like(out_base)
    with autocast_for(device):
        for rows, ids, mask in batches(tok, texts, device, batch_size, progress) if texts else ():
            x = base.run(base.embed(ids), mask, 0, shared) if shared else None
            for model, out in ((base, out_base), (tuned, out_tuned)):
                h = x if x is not None else model.embed(ids)
                out[rows] = model.pool(model.run(h, mask, shared, n), mask).float().cpu().numpy()
    return out_base, out_tuned


class QueryEncoder:
    """Text -> unit vector with the base model (`weights` None) or a fine-tuned tower (`dense-ft.pt`).

    encoder = QueryEncoder.load(Path(".edgespan/semantic/sample/dense-ft.pt"))
    vectors = encoder.encode(["cordless drill"])   # float32 [1, 384]
    """

    def __init__(self, model: MiniLM, tok: Tokenizer, device: str):
        self.model = model.to(device).eval()
        self.tok = tok
        self.device = device

    @classmethod
    def load(cls, weights: Path | None = None, device: str | None = None) -> QueryEncoder:
        return cls(load_tower(weights), load_tokenizer(), pick_device(device))

    def encode(self, texts: list[str], batch_size: int = 128) -> np.ndarray:
        return embed_texts(self.model, self.tok, texts, self.device, batch_size)
