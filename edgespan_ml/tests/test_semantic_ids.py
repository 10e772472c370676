"""Semantic IDs: residual k-means, collision suffixes, the hourglass metrics and fixes, the trie and
the constrained beam search, on small crafted data (seconds), then the smoke build's semantic modes."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from edgespan_ml.data import REPO_ROOT
from edgespan_ml.semantic import hourglass
from edgespan_ml.semantic.rq import Quantizer, SemanticIds, make_ids, residual_kmeans
from edgespan_ml.semantic.rqvae import RqVaeConfig, train_rqvae
from edgespan_ml.semantic.searcher import SemanticSearcher
from edgespan_ml.semantic.sid_model import SidModel, SidModelConfig
from edgespan_ml.semantic.sid_search import MAX_BEAM, Trie, beam_search, ranked, rerank


def mixture(n: int = 600, d: int = 16, seed: int = 0) -> np.ndarray:
    """Unit vectors around a few centres, one of them holding half the points."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(6, d))
    labels = rng.choice(6, n, p=[0.5, 0.1, 0.1, 0.1, 0.1, 0.1])
    x = centres[labels] + 0.3 * rng.normal(size=(n, d))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def test_uniform_usage_has_full_entropy_and_no_inequality():
    m = hourglass.usage_metrics(np.full(16, 10))
    assert m["normalized_entropy"] == pytest.approx(1.0) and m["entropy"] == pytest.approx(4.0)
    assert m["gini"] == pytest.approx(0.0) and m["top1_share"] == pytest.approx(1 / 16)
    assert m["top10_share"] == pytest.approx(10 / 16)


def test_one_dominant_code_is_concentrated():
    one = hourglass.usage_metrics(np.array([100, 0, 0, 0]))
    assert one["entropy"] == 0.0 and one["top1_share"] == 1.0
    assert one["gini"] == pytest.approx(3 / 4)  # the maximum for 4 codes: (K - 1) / K
    skewed = hourglass.usage_metrics(np.array([70, 10, 10, 10]))
    assert 0 < skewed["normalized_entropy"] < 1 and skewed["gini"] > 0
    layers = [{"normalized_entropy": 0.9, "top10_share": 0.3}, {"normalized_entropy": 0.6, "top10_share": 0.8}]
    assert hourglass.concentrated_layer(layers) == 1
    with pytest.raises(ValueError, match="no products"):
        hourglass.usage_metrics(np.zeros(4))


def test_residual_kmeans_is_seeded_and_each_layer_shrinks_the_residual():
    x = mixture()
    q = residual_kmeans(x, layers=3, k=8, seed=0)
    assert q.codebooks.shape == (3, 8, 16) and q.codes.shape == (600, 3)
    assert np.array_equal(q.codes, residual_kmeans(x, 3, 8, seed=0).codes)
    errors, approx = [], np.zeros_like(x)
    for layer in range(3):
        approx = approx + q.codebooks[layer][q.codes[:, layer]]
        errors.append(float(((x - approx) ** 2).sum(1).mean()))
    assert errors[0] > errors[1] > errors[2]
    assert all(len(np.unique(q.codes[:, layer])) == 8 for layer in range(3))  # no empty code
    with pytest.raises(ValueError, match="N >= K"):
        residual_kmeans(x[:4], 2, 8)


def test_rqvae_is_seeded_learns_to_reconstruct_and_gives_valid_codes():
    torch.set_num_threads(1)
    x = mixture()
    cfg = RqVaeConfig(layers=2, codes=8, latent=4, hidden=(32,), steps=150, batch_size=128, lr=3e-3)
    q, report = train_rqvae(x, cfg, log_every=50)
    assert q.codebooks.shape == (2, 8, 4) and q.codes.shape == (600, 2)
    assert q.codes.min() >= 0 and q.codes.max() < 8
    assert np.array_equal(q.codes, train_rqvae(x, cfg, log_every=50)[0].codes)
    history = report["history"]
    assert history[-1]["reconstruction"] < history[0]["reconstruction"] / 2
    assert len(make_ids(q.codes, 8, "raw").ids) == 600  # the same ID making as residual k-means
    with pytest.raises(ValueError, match="N >= K"):
        train_rqvae(x[:4], cfg)


def test_colliding_paths_get_suffixes_and_every_id_is_unique():
    codes = np.array([[0, 1], [0, 1], [2, 3], [0, 1], [1, 1]])
    sids = make_ids(codes, 4, "raw")
    # token of code c in layer l is l * 4 + c; suffixes start at 2 * 4
    assert sids.ids == [[0, 5, 8], [0, 5, 9], [2, 7], [0, 5, 10], [1, 5]]
    assert sids.suffixes() == [0, 1, -1, 2, -1]
    stats = sids.stats()
    assert stats["collision_rate"] == pytest.approx(3 / 5) and stats["max_suffix"] == 2
    assert len({tuple(t) for t in sids.ids}) == len(sids.ids)


def test_drop_layer_and_adaptive_ids():
    x = mixture()
    q = residual_kmeans(x, 3, 8, seed=0)
    dropped = hourglass.drop_layer(q, 1)
    assert dropped.kept_layers == [0, 2]
    assert all(not 8 <= t < 16 for sid in dropped.ids for t in sid)  # no layer-1 token
    assert len({tuple(t) for t in dropped.ids}) == len(x)
    counts = np.bincount(q.codes[:, 1], minlength=8)
    top = set(np.argsort(-counts, kind="stable")[:3].tolist())
    adaptive = hourglass.adaptive(q, 1, 3)
    assert set(adaptive.pruned_codes) == top and len({tuple(t) for t in adaptive.ids}) == len(x)
    raw = make_ids(q.codes, 8, "raw")
    for row, (a, r) in enumerate(zip(adaptive.ids, raw.ids, strict=True)):
        pruned = int(q.codes[row, 1]) in top
        code_tokens = [t for t in a if t < adaptive.suffix_base]
        assert len(code_tokens) == (2 if pruned else 3)
        assert (8 + q.codes[row, 1] in a) == (not pruned)
        if not pruned:
            assert code_tokens == [t for t in r if t < raw.suffix_base]
    assert adaptive.stats()["mean_id_length"] < raw.stats()["mean_id_length"] + 1


def test_ids_round_trip_through_json(tmp_path: Path):
    q = residual_kmeans(mixture(), 2, 4, seed=1)
    sids = hourglass.adaptive(q, 0, 2)
    sids.save(tmp_path / "sid.adaptive.json")
    assert SemanticIds.load(tmp_path / "sid.adaptive.json") == sids
    (tmp_path / "bad.json").write_text('{"variant": "raw"}')
    with pytest.raises(ValueError, match="bad.json: missing layers"):
        SemanticIds.load(tmp_path / "bad.json")


def test_hourglass_command_writes_json_png_and_a_table(tmp_path: Path, capsys):
    residual_kmeans(mixture(), 3, 8, seed=0).save(tmp_path / "rq.npz")
    assert hourglass.main(["--artifacts", str(tmp_path)]) == 0
    report = json.loads((tmp_path / "hourglass.json").read_text())
    assert set(report["variants"]) == {"raw", "drop-layer"}
    raw = report["variants"]["raw"]
    assert [s["possible_paths"] for s in raw["path_sparsity"]] == [8, 64, 512]
    assert all(0 < s["share"] <= 1 for s in raw["path_sparsity"])
    assert (tmp_path / "hourglass.png").read_bytes()[:4] == b"\x89PNG"
    assert "concentrated layer" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        hourglass.main(["--artifacts", str(tmp_path / "nowhere")])


def test_trie_allows_end_exactly_where_an_id_ends():
    ids = [[0, 5], [0, 6, 9], [0, 6, 10], [1, 5]]
    trie = Trie(ids, end=11)
    for row, sid in enumerate(ids):
        leaf = trie.walk([*sid, 11])
        assert leaf is not None and trie.leaf_product[leaf] == row
        assert trie.walk([*sid[:-1], 11]) is None  # END is not allowed before the ID ends
    assert sorted(trie.products_under(trie.walk([0])).tolist()) == [0, 1, 2]
    assert trie.walk([2]) is None
    with pytest.raises(ValueError, match="not unique"):
        Trie([[0, 5], [0, 5]], end=11)


def test_beam_search_emits_only_valid_ids_and_fills_k():
    torch.manual_seed(0)
    q = residual_kmeans(mixture(200), 3, 4, seed=0)
    sids = hourglass.adaptive(q, 1, 2)
    end = max(max(t) for t in sids.ids) + 1
    model = SidModel(SidModelConfig(vocab_size=end + 1, query_dim=16, max_tokens=6, d_model=32, d_ff=64)).eval()
    trie = Trie(sids.ids, end)
    queries = torch.from_numpy(mixture(5, seed=3))
    beams = beam_search(model, trie, queries, beam=8)
    valid = {tuple(t) for t in sids.ids}
    for finished, scores in zip(beams.finished, beams.scores, strict=True):
        products = [int(trie.leaf_product[n]) for n in finished]
        assert len(products) == 8 and len(set(products)) == 8 and min(products) >= 0
        assert all(tuple(sids.ids[p]) in valid for p in products)
        assert scores == sorted(scores, reverse=True) and all(s <= 0 for s in scores)
    assert beams.steps <= max(len(t) for t in sids.ids) + 1
    products, scores = ranked(beams, trie, 0, 50)
    assert len(products) == 50 and len(set(products)) == 50
    assert products[:8] == [int(trie.leaf_product[n]) for n in beams.finished[0]]
    assert scores == sorted(scores, reverse=True)
    items = mixture(200)
    order, cos = rerank(products, queries[0].numpy(), items)
    assert sorted(order) == sorted(products) and cos == sorted(cos, reverse=True)
    with pytest.raises(ValueError, match="beam must be in"):
        beam_search(model, trie, queries, beam=MAX_BEAM + 1)


def test_smoke_build_serves_the_semantic_modes(smoke_artifacts: Path):
    report = json.loads((smoke_artifacts / "build.json").read_text())
    assert {"rq", "sid-raw", "sid-drop-layer", "sid-adaptive", "hourglass"} <= set(report["stages"])
    quantizer = Quantizer.load(smoke_artifacts / "rq.npz")
    assert quantizer.codes.shape == (64, 2)
    searcher = SemanticSearcher.load(smoke_artifacts, device="cpu")
    modes = {"semantic": "raw", "semantic-drop-layer": "drop-layer", "semantic-adaptive": "adaptive"}
    for mode, variant in modes.items():
        sids = SemanticIds.load(smoke_artifacts / f"sid.{variant}.json")
        valid = {tuple(t) for t in sids.ids}
        (hits,) = searcher.search_batch(["garden hose"], k=20, mode=mode)
        assert len(hits) == 20 and len({h.id for h in hits}) == 20
        assert all(tuple(h.sid) in valid and h.sid == sids.ids[searcher.ids.index(h.id)] for h in hits)
        assert set(searcher.last_timings) == {"encode", "decode"}


def test_build_quantizes_with_an_rqvae_on_request(tmp_path: Path):
    cmd = [sys.executable, "-m", "edgespan_ml.semantic.build", "--catalog", "sample", "--smoke"]
    cmd += ["--quantizer", "rqvae", "--until", "rq", "--out", str(tmp_path)]
    subprocess.run(cmd, cwd=REPO_ROOT, check=True, capture_output=True, timeout=600)
    stage = json.loads((tmp_path / "build.json").read_text())["stages"]["rq"]
    assert stage["quantizer"] == "rqvae" and stage["rqvae"]["config"]["steps"] == 20
    quantizer = Quantizer.load(tmp_path / "rq.npz")
    assert quantizer.codes.shape == (64, 2) and quantizer.codes.max() < 4
    assert len(SemanticIds.load(tmp_path / "sid.raw.json").ids) == 64
