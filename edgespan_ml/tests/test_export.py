import json

import numpy as np
import onnx
import onnxruntime as ort
import torch

from edgespan_ml import export
from edgespan_ml.exported import ExportedSpanModel
from edgespan_ml.model import SpanModel, SpanModelConfig

TINY = SpanModelConfig(
    vocab_size=300, embed_dim=16, d_model=32, n_heads=2, n_encoder_layers=1, n_decoder_layers=2, d_ff=64
)


def tiny_model(seed: int) -> SpanModel:
    """A random tiny model with token vectors at a trained model's scale (the default init's 0.02
    makes every score a near-tie, which int8 rounding then decides)."""
    torch.manual_seed(seed)
    model = SpanModel(TINY).eval()
    with torch.no_grad():
        model.embed.weight.normal_(0, 1)
    return model


def write(tmp_path, model, int8: bool):
    paths = export.export(model, tmp_path)
    if int8:
        paths = export.quantize(paths)
    export.write_metadata(tmp_path, model.cfg.to_dict(), paths, None)
    return paths


def test_exported_encoder_and_step_match_pytorch(tmp_path):
    model = tiny_model(0)
    paths = write(tmp_path, model, int8=False)
    layers = TINY.n_decoder_layers
    rows = torch.randn(1, 4, TINY.embed_dim)
    encoder = ort.InferenceSession(str(paths["encoder"]))
    cross = encoder.run(None, {"embedded": rows.numpy()})
    with torch.no_grad():
        memory = model.encode_embedded(model.embed_rows(rows, torch.arange(4)), None)
        want = [t for kv in model.cross_keys_values(memory) for t in kv]
    for got, w in zip(cross, want, strict=True):
        assert np.allclose(got, w.numpy(), atol=1e-5)

    step = ort.InferenceSession(str(paths["decoder_step"]))
    for beams, past_len in [(1, 0), (5, 0), (3, 4)]:
        inputs = export.example_inputs(model, beams=beams, past_len=past_len, query_len=4)
        got = step.run(None, export.numpy_inputs(inputs))
        with torch.no_grad():
            want = export.DecoderStep(model)(*[inputs[n] for n in export.step_input_names(layers)])
        for g, w in zip(got, want, strict=True):
            assert np.allclose(g, w.numpy(), atol=1e-4)
        assert got[0].shape == (beams, TINY.embed_dim)
        assert got[1].shape[2] == past_len + 1  # the cache grew by one position


def test_query_dot_rows_are_the_models_logits(tmp_path):
    model = tiny_model(1)
    write(tmp_path, model, int8=False)
    exported = ExportedSpanModel(tmp_path)
    query = [5, 9, 40, 7]
    cross = exported.encode(query)
    candidates = [[5, 6, 7, 30, 59], list(range(TINY.vocab_size))]  # scored from rows; from token_scores
    scores, _ = exported.step(cross, [3, 3], exported.empty_cache(2), candidates)
    with torch.no_grad():
        memory = model.encode(torch.tensor([query] * 2))
        hidden, _ = model.step(torch.tensor([[3], [3]]), torch.tensor(0), memory, None, None)
        logits = model.logits(hidden).numpy()
    # int8 table rows (and an int8 query in token_scores): close, not equal
    for b, row in enumerate(candidates):
        span = np.abs(logits[b, row]).max()
        assert np.abs(scores[b] - logits[b, row]).max() < 0.02 * span
        assert np.argmax(scores[b]) == np.argmax(logits[b, row])


def test_int8_export_decodes_like_pytorch(tmp_path):
    """Greedy decodes of the int8 export (over the whole vocabulary) equal PyTorch's fp32 ones."""
    model = tiny_model(2)
    paths = write(tmp_path, model, int8=True)
    assert paths["encoder"].name == "encoder.onnx" and paths["decoder_step"].name == "decoder_step.onnx"
    exported = ExportedSpanModel(tmp_path)
    agree = 0
    queries = [[5, 9, 40, 7], [11, 12], [200, 17, 33], [8], [250, 251, 252, 253, 254]]
    for query in queries:
        want, token, past = [], 3, None
        with torch.no_grad():
            memory = model.encode(torch.tensor([query]))
            for t in range(6):
                hidden, past = model.step(torch.tensor([[token]]), torch.tensor(t), memory, None, past)
                logits = model.logits(hidden)[0]
                logits[3] = -torch.inf  # greedy() never writes the start token
                token = int(logits.argmax())
                if token == 2:
                    break
                want.append(token)
        agree += exported.greedy(query, start=3, end=2, max_steps=6) == want
    assert agree == len(queries), f"{agree} of {len(queries)} greedy decodes agree"


def test_optimized_graphs_compute_what_the_exported_ones_do(tmp_path):
    """export.optimize() only rewrites the graphs: same outputs, fewer nodes, and model.json says so."""
    model = tiny_model(3)
    plain_dir, optimized_dir = tmp_path / "plain", tmp_path / "optimized"
    plain = write(plain_dir, model, int8=True)
    optimized = export.optimize(write(optimized_dir, model, int8=True))
    export.write_metadata(optimized_dir, model.cfg.to_dict(), optimized, export.GRAPH_OPTIMIZATION)
    assert json.loads((optimized_dir / "model.json").read_text())["graph_optimization"] == "extended"
    for name in ("encoder", "decoder_step"):
        assert len(onnx.load(str(optimized[name])).graph.node) < len(onnx.load(str(plain[name])).graph.node)
    a, b = ExportedSpanModel(plain_dir), ExportedSpanModel(optimized_dir)
    query = [5, 9, 40, 7]
    cross_a, cross_b = a.encode(query), b.encode(query)
    for name in cross_a:
        assert np.allclose(cross_a[name], cross_b[name], atol=1e-5)
    candidates = [list(range(TINY.vocab_size))]
    scores_a, _ = a.step(cross_a, [3], a.empty_cache(1), candidates)
    scores_b, _ = b.step(cross_b, [3], b.empty_cache(1), candidates)
    assert np.allclose(scores_a[0], scores_b[0], atol=1e-4)
    assert a.greedy(query, start=3, end=2, max_steps=6) == b.greedy(query, start=3, end=2, max_steps=6)
