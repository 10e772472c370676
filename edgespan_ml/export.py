"""ONNX export of the span model for the edge: an encoder and a one-token decoder step.

    python -m edgespan_ml.export --checkpoint RUN/ckpt.pt --out wasm/model [--no-int8]

encoder.onnx       query int64[1, S]                          -> memory float[1, S, D]
decoder_step.onnx  token int64[B, 1], position int64[1],
                   memory float[B, S, D], memory_mask bool[B, 1, 1, S],
                   past_key_i / past_value_i float[B, H, T, D/H] (one pair per layer),
                   candidates int64[B, A]                     -> scores float[B, A], all_scores float[B, V],
                                                                 present_key_i / present_value_i [B, H, T+1, D/H]

The step scores only the candidate tokens (the ones the FM index allows), as hidden · E[candidates],
so the edge never pays for the full vocabulary projection. int8 dynamic quantization (weights of
MatMul and Gather) makes the files small enough for a Worker.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import numpy as np
import torch
from torch import Tensor, nn

from .model import SpanModel, SpanModelConfig


class Encoder(nn.Module):
    def __init__(self, model: SpanModel):
        super().__init__()
        self.model = model

    def forward(self, query: Tensor) -> Tensor:
        return self.model.encode(query)


class DecoderStep(nn.Module):
    def __init__(self, model: SpanModel):
        super().__init__()
        self.model = model

    def forward(
        self, token: Tensor, position: Tensor, memory: Tensor, memory_mask: Tensor, candidates: Tensor, *past: Tensor
    ):
        m = self.model
        cache = [(past[2 * i], past[2 * i + 1]) for i in range(len(past) // 2)]
        # Every use of the token table goes through one transposed copy (e, V), so the file holds
        # it once: the input token's vector, the candidates' vectors and the all-token MatMul.
        table = m.embed.weight.T
        vectors = m.embed_proj(table[:, token[:, 0]].T).unsqueeze(1)
        x = vectors * math.sqrt(m.cfg.d_model) + m.pos(position)
        hidden, presents = m.step_embedded(x, memory, memory_mask, cache)
        # hidden · (W e) = (hidden W) · e: project the hidden state once, not every candidate.
        query = hidden @ m.embed_proj.weight
        scores = torch.einsum("be,eba->ba", query, table[:, candidates])
        # Every token's score, for steps that may start a span with almost any token: one MatMul
        # instead of gathering thousands of candidate vectors per beam.
        all_scores = query @ table
        return (scores, all_scores, *[t for kv in presents for t in kv])


def load_model(checkpoint: Path) -> SpanModel:
    ckpt = torch.load(checkpoint, map_location="cpu", weights_only=False)
    model = SpanModel(SpanModelConfig(**ckpt["config"]))
    model.load_state_dict({k: v.float() for k, v in ckpt["model"].items()})
    return model.eval()


def example_inputs(model: SpanModel, beams: int = 2, past_len: int = 1) -> dict[str, Tensor]:
    cfg = model.cfg
    d_head = cfg.d_model // cfg.n_heads
    inputs: dict[str, Tensor] = {
        "token": torch.tensor([[5]] * beams),
        "position": torch.tensor([past_len]),
        "memory": torch.randn(beams, 3, cfg.d_model),
        "memory_mask": torch.ones(beams, 1, 1, 3, dtype=torch.bool),
        "candidates": torch.tensor([[5, 6, 7]] * beams),
    }
    for i in range(cfg.n_decoder_layers):
        inputs[f"past_key_{i}"] = torch.randn(beams, cfg.n_heads, past_len, d_head)
        inputs[f"past_value_{i}"] = torch.randn(beams, cfg.n_heads, past_len, d_head)
    return inputs


def export(model: SpanModel, out_dir: Path) -> dict[str, Path]:
    model.eval()
    out_dir.mkdir(parents=True, exist_ok=True)
    layers = model.cfg.n_decoder_layers
    encoder_path, step_path = out_dir / "encoder.fp32.onnx", out_dir / "decoder_step.fp32.onnx"
    with torch.no_grad():
        # Wrappers are built in eval mode: the exporter restores each wrapper's mode afterwards,
        # and a wrapper in training mode would leave the model with dropout on.
        torch.onnx.export(
            Encoder(model).eval(),
            (torch.tensor([[5, 6, 7]]),),
            encoder_path,
            input_names=["query"],
            output_names=["memory"],
            dynamic_axes={"query": {1: "S"}, "memory": {1: "S"}},
            opset_version=17,
            dynamo=False,
        )
        inputs = example_inputs(model)
        past_names = [f"past_{kind}_{i}" for i in range(layers) for kind in ("key", "value")]
        present_names = [f"present_{kind}_{i}" for i in range(layers) for kind in ("key", "value")]
        dynamic = {
            "token": {0: "B"},
            "memory": {0: "B", 1: "S"},
            "memory_mask": {0: "B", 3: "S"},
            "candidates": {0: "B", 1: "A"},
            "scores": {0: "B", 1: "A"},
            "all_scores": {0: "B"},
            **{n: {0: "B", 2: "T"} for n in past_names},
            **{n: {0: "B", 2: "T1"} for n in present_names},
        }
        torch.onnx.export(
            DecoderStep(model).eval(),
            tuple(inputs[n] for n in ["token", "position", "memory", "memory_mask", "candidates", *past_names]),
            step_path,
            input_names=["token", "position", "memory", "memory_mask", "candidates", *past_names],
            output_names=["scores", "all_scores", *present_names],
            dynamic_axes=dynamic,
            opset_version=17,
            dynamo=False,
        )
    return {"encoder": encoder_path, "decoder_step": step_path}


def quantize(paths: dict[str, Path]) -> dict[str, Path]:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    out = {}
    for name, path in paths.items():
        target = path.with_name(path.name.replace(".fp32", ""))
        quantize_dynamic(path, target, weight_type=QuantType.QInt8, op_types_to_quantize=["MatMul", "Gather"])
        out[name] = target
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m edgespan_ml.export")
    parser.add_argument("--checkpoint", required=True, help="ckpt.pt or model.pt of a training run")
    parser.add_argument("--out", required=True)
    parser.add_argument("--no-int8", action="store_true")
    args = parser.parse_args(argv)
    model = load_model(Path(args.checkpoint))
    paths = export(model, Path(args.out))
    if not args.no_int8:
        paths = quantize(paths)
    meta = {"config": model.cfg.to_dict(), "files": {k: v.name for k, v in paths.items()}}
    (Path(args.out) / "model.json").write_text(json.dumps(meta, indent=2) + "\n")
    for name, path in paths.items():
        print(f"{name}: {path} ({path.stat().st_size / 1e6:.2f} MB)")
    return 0


def numpy_inputs(inputs: dict[str, Tensor]) -> dict[str, np.ndarray]:
    return {k: v.numpy() for k, v in inputs.items()}


if __name__ == "__main__":
    raise SystemExit(main())
