"""Writes test/fixtures/tiny-span-model: a tiny random span model exported like the real one, with
what Python's onnxruntime gives for a fixed query, so the TypeScript runtime (Node and workerd)
can be checked against it.   python -m edgespan_ml.fixtures"""

from __future__ import annotations

import json
import shutil

import numpy as np
import torch

from . import export
from .data import REPO_ROOT
from .exported import ExportedSpanModel
from .model import SpanModel, SpanModelConfig

TINY = SpanModelConfig(
    vocab_size=60, embed_dim=16, d_model=32, n_heads=2, n_encoder_layers=1, n_decoder_layers=2, d_ff=64
)
QUERY = [5, 9, 40, 7]
CANDIDATES = [[5, 6, 7, 30, 59]]
BOS, EOS = 3, 2
GREEDY_STEPS = 6


def main() -> int:
    out = REPO_ROOT / "test" / "fixtures" / "tiny-span-model"
    torch.manual_seed(0)
    model = SpanModel(TINY).eval()
    with torch.no_grad():  # token vectors at a trained model's scale, so scores are not near-ties
        model.embed.weight.normal_(0, 1)
    work = out / "fp32"
    files = export.optimize(export.quantize(export.export(model, work)))
    for name, path in files.items():
        files[name] = path.replace(out / path.name)
    shutil.rmtree(work)
    export.write_metadata(out, TINY.to_dict(), files, export.GRAPH_OPTIMIZATION)

    exported = ExportedSpanModel(out)
    cross = exported.encode(QUERY)
    scores, _ = exported.step(cross, [BOS], exported.empty_cache(1), CANDIDATES)
    feeds = {
        "embedded": export.table_rows(exported.scales, exported.rows, [BOS])[:, None, :],
        "position": np.array([0], np.int64),
        **cross,
        **exported.empty_cache(1),
    }
    query = exported.step_session.run(["query"], feeds)[0]
    all_scores = exported.token_scores.run(None, {"query": query})[0]
    expected = {
        "config": TINY.to_dict(),
        "query": QUERY,
        "cross": {name: t.reshape(-1).tolist() for name, t in cross.items()},
        "candidates": CANDIDATES,
        "scores": scores[0].tolist(),
        "all_scores": all_scores.reshape(-1).tolist(),
        "greedy": exported.greedy(QUERY, start=BOS, end=EOS, max_steps=GREEDY_STEPS),
    }
    (out / "expected.json").write_text(json.dumps(expected) + "\n")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
