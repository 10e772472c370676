"""ONNX export of the span model for the edge: an encoder, a one-token decoder step, the all-token
scores, and the token table that the edge reads directly.

    python -m edgespan_ml.export --checkpoint RUN/ckpt.pt --out wasm/model [--no-int8]

token_table.bin    the tied token table, int8 per row: float32 scales [V], then int8 rows [V, E]
encoder.onnx       embedded float[1, S, E] (the query's table rows)
                     -> cross_key_i / cross_value_i float[1, H, S, D/H] (the memory's keys and values,
                        one pair per decoder layer: computed once per query, never per step)
decoder_step.onnx  embedded float[B, 1, E] (each beam's last token's row), position int64[1],
                   cross_key_i / cross_value_i [1, H, S, D/H], past_key_i / past_value_i [B, H, T, D/H]
                     -> query float[B, E], present_key_i / present_value_i [B, H, T+1, D/H]
token_scores.onnx  query float[B, E] -> all_scores float[B, V]

A token's score is query · row(token): the tied output projection folded into the query
(hidden W · e = hidden · W e). The edge computes it for the few tokens the FM index allows, from
the table; only a step that may start a span with almost any token runs token_scores, one int8
MatMul over the same quantized table. Neither step nor encoder holds the table, which keeps the
files small and the step's graph lean. int8 dynamic quantization (MatMul weights) does the rest.

The saved graphs are already optimized by onnxruntime (fusions at its "extended" level, which are
portable across CPUs), and model.json says so: the edge then creates its sessions without graph
optimization, which is most of a session's creation time on a cold isolate.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper
from torch import Tensor, nn

from .model import SpanModel, SpanModelConfig

OPSET = 17


def layer_names(kind: str, layers: int) -> list[str]:
    """e.g. cross_key_0, cross_value_0, cross_key_1, ..."""
    return [f"{kind}_{part}_{i}" for i in range(layers) for part in ("key", "value")]


def quantized_table(model: SpanModel) -> tuple[np.ndarray, np.ndarray]:
    """The token table as symmetric int8 per row: (scales float32 [V], rows int8 [V, E])."""
    table = model.embed.weight.detach().float().numpy()
    scales = np.abs(table).max(axis=1) / 127.0
    scales[scales == 0] = 1.0
    rows = np.clip(np.rint(table / scales[:, None]), -127, 127).astype(np.int8)
    return scales.astype(np.float32), rows


def table_rows(scales: np.ndarray, rows: np.ndarray, ids: list[int] | np.ndarray) -> np.ndarray:
    """Dequantized rows of the table, as the edge gathers them."""
    ids = np.asarray(ids)
    return rows[ids].astype(np.float32) * scales[ids, None]


class Encoder(nn.Module):
    def __init__(self, model: SpanModel):
        super().__init__()
        self.model = model

    def forward(self, embedded: Tensor):
        m = self.model
        positions = torch.arange(embedded.shape[1])
        memory = m.encode_embedded(m.embed_rows(embedded, positions), None)  # one query: no padding
        return tuple(t for kv in m.cross_keys_values(memory) for t in kv)


class DecoderStep(nn.Module):
    def __init__(self, model: SpanModel):
        super().__init__()
        self.model = model

    def forward(self, embedded: Tensor, position: Tensor, *kv: Tensor):
        m = self.model
        layers = m.cfg.n_decoder_layers
        beams = embedded.shape[0]
        cross = [(kv[2 * i].expand(beams, -1, -1, -1), kv[2 * i + 1].expand(beams, -1, -1, -1)) for i in range(layers)]
        past = [(kv[2 * layers + 2 * i], kv[2 * layers + 2 * i + 1]) for i in range(layers)]
        hidden, presents = m.step_embedded(m.embed_rows(embedded, position), cross, None, past)
        # hidden · (W e) = (hidden W) · e: project once; the edge dots it with the allowed rows.
        return (hidden @ m.embed_proj.weight, *[t for p in presents for t in p])


def load_model(checkpoint: Path) -> SpanModel:
    ckpt = torch.load(checkpoint, map_location="cpu", weights_only=False)
    model = SpanModel(SpanModelConfig(**ckpt["config"]))
    model.load_state_dict({k: v.float() for k, v in ckpt["model"].items()})
    return model.eval()


def example_inputs(model: SpanModel, beams: int = 2, past_len: int = 1, query_len: int = 3) -> dict[str, Tensor]:
    cfg = model.cfg
    d_head = cfg.d_model // cfg.n_heads
    layers = cfg.n_decoder_layers
    inputs: dict[str, Tensor] = {"embedded": torch.randn(beams, 1, cfg.embed_dim), "position": torch.tensor([past_len])}
    for name in layer_names("cross", layers):
        inputs[name] = torch.randn(1, cfg.n_heads, query_len, d_head)
    for name in layer_names("past", layers):
        inputs[name] = torch.randn(beams, cfg.n_heads, past_len, d_head)
    return inputs


def step_input_names(layers: int) -> list[str]:
    return ["embedded", "position", *layer_names("cross", layers), *layer_names("past", layers)]


def token_scores_graph(scales: np.ndarray, rows: np.ndarray) -> onnx.ModelProto:
    """query [B, E] -> all_scores [B, V] = (query quantized to uint8) x rows^T x scales: the same
    per-row table the edge dots with, in one integer MatMul. The rows go in as uint8 with zero
    point 128: x86's uint8 x int8 kernels add pairs of products in saturating int16, which full-range
    int8 rows overflow; uint8 x uint8 has no such shortcut."""
    vocab, dim = rows.shape
    nodes = [
        helper.make_node("DynamicQuantizeLinear", ["query"], ["q", "q_scale", "q_zero"]),
        helper.make_node("MatMulInteger", ["q", "rows_t", "q_zero", "rows_zero"], ["dots"]),
        helper.make_node("Cast", ["dots"], ["dots_f"], to=TensorProto.FLOAT),
        helper.make_node("Mul", ["dots_f", "q_scale"], ["scaled"]),
        helper.make_node("Mul", ["scaled", "row_scales"], ["all_scores"]),
    ]
    graph = helper.make_graph(
        nodes,
        "token_scores",
        [helper.make_tensor_value_info("query", TensorProto.FLOAT, ["B", dim])],
        [helper.make_tensor_value_info("all_scores", TensorProto.FLOAT, ["B", vocab])],
        initializer=[
            numpy_helper.from_array(np.ascontiguousarray((rows.T.astype(np.int16) + 128).astype(np.uint8)), "rows_t"),
            numpy_helper.from_array(np.array(128, np.uint8), "rows_zero"),
            numpy_helper.from_array(scales, "row_scales"),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def export(model: SpanModel, out_dir: Path) -> dict[str, Path]:
    """fp32 encoder and step (quantize() makes the int8 ones), token scores and the table."""
    model.eval()
    out_dir.mkdir(parents=True, exist_ok=True)
    cfg = model.cfg
    layers = cfg.n_decoder_layers
    paths = {
        "encoder": out_dir / "encoder.fp32.onnx",
        "decoder_step": out_dir / "decoder_step.fp32.onnx",
        "token_scores": out_dir / "token_scores.onnx",
        "token_table": out_dir / "token_table.bin",
    }
    cross_names, past_names = layer_names("cross", layers), layer_names("past", layers)
    present_names = layer_names("present", layers)
    with torch.no_grad():
        # Wrappers are built in eval mode: the exporter restores each wrapper's mode afterwards,
        # and a wrapper in training mode would leave the model with dropout on.
        torch.onnx.export(
            Encoder(model).eval(),
            (torch.randn(1, 3, cfg.embed_dim),),
            paths["encoder"],
            input_names=["embedded"],
            output_names=cross_names,
            dynamic_axes={"embedded": {1: "S"}, **{n: {2: "S"} for n in cross_names}},
            opset_version=OPSET,
            dynamo=False,
        )
        inputs = example_inputs(model)
        names = step_input_names(layers)
        dynamic = {
            "embedded": {0: "B"},
            "query": {0: "B"},
            **{n: {2: "S"} for n in cross_names},
            **{n: {0: "B", 2: "T"} for n in past_names},
            **{n: {0: "B", 2: "T1"} for n in present_names},
        }
        torch.onnx.export(
            DecoderStep(model).eval(),
            tuple(inputs[n] for n in names),
            paths["decoder_step"],
            input_names=names,
            output_names=["query", *present_names],
            dynamic_axes=dynamic,
            opset_version=OPSET,
            dynamo=False,
        )
    scales, rows = quantized_table(model)
    onnx.save(token_scores_graph(scales, rows), paths["token_scores"])
    paths["token_table"].write_bytes(scales.astype("<f4").tobytes() + rows.tobytes())
    return paths


def quantize(paths: dict[str, Path]) -> dict[str, Path]:
    """int8 dynamic quantization of the encoder's and the step's MatMul weights."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    out = dict(paths)
    for name in ("encoder", "decoder_step"):
        path = paths[name]
        target = path.with_name(path.name.replace(".fp32", ""))
        # 7-bit weights (reduce_range): x86's uint8 x int8 kernels add pairs of products in
        # saturating int16, which full-range weights overflow; onnxruntime-web's WASM kernels do
        # not, so without it Python and the edge would disagree.
        quantize_dynamic(path, target, weight_type=QuantType.QInt8, op_types_to_quantize=["MatMul"], reduce_range=True)
        out[name] = target
    return out


GRAPH_OPTIMIZATION = "extended"


def optimize(paths: dict[str, Path]) -> dict[str, Path]:
    """Replaces each ONNX graph by onnxruntime's optimized form (GRAPH_OPTIMIZATION level)."""
    import onnxruntime as ort

    for name in ("encoder", "decoder_step", "token_scores"):
        path = paths[name]
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
        options.optimized_model_filepath = str(path.with_suffix(".optimized.onnx"))
        ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        path.with_suffix(".optimized.onnx").replace(path)
    return paths


def write_metadata(out_dir: Path, config: dict, paths: dict[str, Path], graph_optimization: str | None) -> None:
    """model.json: the model's config, its files, and how its graphs were optimized (if they were)."""
    meta = {"config": config, "files": {k: v.name for k, v in paths.items()}}
    if graph_optimization:
        meta["graph_optimization"] = graph_optimization
    (out_dir / "model.json").write_text(json.dumps(meta, indent=2) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m edgespan_ml.export")
    parser.add_argument("--checkpoint", required=True, help="ckpt.pt or model.pt of a training run")
    parser.add_argument("--out", required=True)
    parser.add_argument("--no-int8", action="store_true")
    args = parser.parse_args(argv)
    model = load_model(Path(args.checkpoint))
    paths = export(model, Path(args.out))
    if not args.no_int8:
        fp32 = paths
        paths = quantize(paths)
        for name in ("encoder", "decoder_step"):  # the folder holds what model.json names, nothing else
            fp32[name].unlink()
    write_metadata(Path(args.out), model.cfg.to_dict(), optimize(paths), GRAPH_OPTIMIZATION)
    for name, path in paths.items():
        print(f"{name}: {path} ({path.stat().st_size / 1e6:.2f} MB)")
    return 0


def numpy_inputs(inputs: dict[str, Tensor]) -> dict[str, np.ndarray]:
    return {k: v.numpy() for k, v in inputs.items()}


if __name__ == "__main__":
    raise SystemExit(main())
