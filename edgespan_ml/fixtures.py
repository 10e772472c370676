"""Writes test/fixtures/tiny-span-model: a tiny random span model exported like the real one, with
the outputs Python's onnxruntime gives for a fixed query, so the TypeScript runtime (Node and
workerd) can be checked against them.   python -m edgespan_ml.fixtures"""

from __future__ import annotations

import json
from pathlib import Path

import onnxruntime as ort
import torch

from . import export
from .data import REPO_ROOT
from .model import SpanModel, SpanModelConfig

TINY = SpanModelConfig(
    vocab_size=60, embed_dim=16, d_model=32, n_heads=2, n_encoder_layers=1, n_decoder_layers=2, d_ff=64
)
QUERY = [5, 9, 40, 7]
CANDIDATES = [[5, 6, 7, 30, 59]]


def main() -> int:
    out = REPO_ROOT / "test" / "fixtures" / "tiny-span-model"
    torch.manual_seed(0)
    model = SpanModel(TINY).eval()
    work = Path(out / "fp32")
    files = export.quantize(export.export(model, work))
    for path in files.values():
        path.replace(out / path.name)
    for leftover in work.iterdir():
        leftover.unlink()
    work.rmdir()

    encoder = ort.InferenceSession(str(out / "encoder.onnx"))
    step = ort.InferenceSession(str(out / "decoder_step.onnx"))
    query = torch.tensor([QUERY])
    memory = encoder.run(["memory"], {"query": query.numpy()})[0]
    d_head = TINY.d_model // TINY.n_heads
    feeds = {
        "token": torch.tensor([[3]]).numpy(),  # [BOS]
        "position": torch.tensor([0]).numpy(),
        "memory": memory,
        "memory_mask": torch.ones(1, 1, 1, len(QUERY), dtype=torch.bool).numpy(),
        "candidates": torch.tensor(CANDIDATES).numpy(),
    }
    for i in range(TINY.n_decoder_layers):
        for kind in ("key", "value"):
            feeds[f"past_{kind}_{i}"] = torch.zeros(1, TINY.n_heads, 0, d_head).numpy()
    scores = step.run(["scores"], feeds)[0]
    expected = {
        "config": TINY.to_dict(),
        "query": QUERY,
        "memory": memory.reshape(-1).tolist(),
        "candidates": CANDIDATES,
        "scores": scores.reshape(-1).tolist(),
    }
    (out / "expected.json").write_text(json.dumps(expected) + "\n")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
