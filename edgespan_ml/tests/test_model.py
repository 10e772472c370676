import json

import torch

from edgespan_ml import train
from edgespan_ml.model import SpanModel, SpanModelConfig
from edgespan_ml.tokenizer import SPECIALS, WordPieceTokenizer

TINY = SpanModelConfig(
    vocab_size=50, d_model=32, n_heads=2, n_encoder_layers=1, n_decoder_layers=2, d_ff=64, dropout=0.0
)


def test_incremental_decoding_equals_full_decoding():
    torch.manual_seed(0)
    model = SpanModel(TINY).eval()
    query = torch.randint(5, 50, (3, 6))
    query[2, 4:] = 0  # padding
    target = torch.randint(5, 50, (3, 5))
    with torch.no_grad():
        memory = model.encode(query)
        full = model.decode(target, memory, query)
        past, steps = None, []
        for t in range(target.shape[1]):
            hidden, past = model.step(target[:, t : t + 1], torch.tensor(t), memory, model.padding_mask(query), past)
            steps.append(hidden)
    assert torch.allclose(full, torch.stack(steps, dim=1), atol=1e-5)


def test_logits_are_the_hidden_state_times_the_embeddings():
    model = SpanModel(TINY).eval()
    hidden = torch.randn(2, TINY.d_model)
    allowed = torch.tensor([7, 11, 42])
    assert torch.allclose(model.logits(hidden)[:, allowed], hidden @ model.token_vectors(allowed).T, atol=1e-5)


def test_training_learns_and_resumes(tmp_path):
    vocab = [*SPECIALS, "door", "knob", "garden", "hose", "white"]
    tok = WordPieceTokenizer(vocab)
    rows = [{"query": "door knob", "spans": ["door knob"]}, {"query": "garden hose", "spans": ["garden hose"]}] * 8
    data = tmp_path / "train.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    examples = train.load_examples(data, tok)
    cfg = SpanModelConfig(vocab_size=len(vocab), d_model=32, n_heads=2, n_encoder_layers=1, n_decoder_layers=1, d_ff=64)
    first = train.train(
        tmp_path / "run", cfg, train.TrainConfig(steps=30, batch_size=8, eval_every=15, warmup=3), examples, examples
    )
    losses = [h["dev_loss"] for h in first["history"]]
    assert losses[-1] < losses[0]
    again = train.train(
        tmp_path / "run", cfg, train.TrainConfig(steps=40, batch_size=8, eval_every=10, warmup=3), examples, examples
    )
    assert again["steps"] == 40 and again["history"][0]["step"] == 15  # resumed, history kept


def test_malformed_data_names_file_and_line(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"query": "door", "spans": ["door"]}\n{"query": 3}\n')
    tok = WordPieceTokenizer([*SPECIALS, "door"])
    try:
        train.load_examples(bad, tok)
    except ValueError as e:
        assert "bad.jsonl:2" in str(e)
    else:
        raise AssertionError("expected a ValueError")
