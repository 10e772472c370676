import numpy as np
import onnxruntime as ort
import torch

from edgespan_ml import export
from edgespan_ml.model import SpanModel, SpanModelConfig

TINY = SpanModelConfig(
    vocab_size=60, embed_dim=16, d_model=32, n_heads=2, n_encoder_layers=1, n_decoder_layers=2, d_ff=64
)
STEP_INPUTS = ["token", "position", "memory", "memory_mask", "candidates"]


def test_exported_encoder_and_step_match_pytorch(tmp_path):
    torch.manual_seed(0)
    model = SpanModel(TINY).eval()
    paths = export.export(model, tmp_path)
    query = torch.tensor([[5, 9, 40, 7]])
    encoder = ort.InferenceSession(str(paths["encoder"]))
    memory = encoder.run(["memory"], {"query": query.numpy()})[0]
    assert np.allclose(memory, model.encode(query).detach().numpy(), atol=1e-5)

    step = ort.InferenceSession(str(paths["decoder_step"]))
    past_names = [f"past_{kind}_{i}" for i in range(TINY.n_decoder_layers) for kind in ("key", "value")]
    for beams, past_len in [(1, 0), (5, 0), (3, 4)]:
        inputs = export.example_inputs(model, beams=beams, past_len=past_len)
        got = step.run(None, export.numpy_inputs(inputs))
        with torch.no_grad():
            want = export.DecoderStep(model)(*[inputs[n] for n in STEP_INPUTS + past_names])
        assert got[0].shape == (beams, 3)
        with torch.no_grad():  # the export's own embedding path equals the model's step and logits
            cache = [(inputs[f"past_key_{i}"], inputs[f"past_value_{i}"]) for i in range(TINY.n_decoder_layers)]
            hidden, _ = model.step(inputs["token"], inputs["position"], inputs["memory"], inputs["memory_mask"], cache)
        assert np.allclose(got[0], model.logits(hidden)[:, [5, 6, 7]].detach().numpy(), atol=1e-4)
        for g, w in zip(got, want, strict=True):
            assert np.allclose(g, w.numpy(), atol=1e-4)
        assert got[1].shape == (beams, TINY.vocab_size)  # every token scored too
        assert np.allclose(got[1][:, [5, 6, 7]], got[0], atol=1e-4)
        assert got[2].shape[2] == past_len + 1  # the cache grew by one position


def test_int8_files_are_smaller_and_still_run(tmp_path):
    model = SpanModel(TINY).eval()
    paths = export.export(model, tmp_path)
    quantized = export.quantize(paths)
    for name in ("encoder", "decoder_step"):
        assert quantized[name].stat().st_size < paths[name].stat().st_size
    step = ort.InferenceSession(str(quantized["decoder_step"]))
    out = step.run(None, export.numpy_inputs(export.example_inputs(model, beams=2, past_len=1)))
    assert np.isfinite(out[0]).all()
