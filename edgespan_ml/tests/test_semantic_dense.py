"""The dense half of the semantic path end to end on the sample catalog's smoke build: products,
both embeddings, the fine-tuned tower, build.json, and SemanticSearcher's dense modes."""

import json
import random
from pathlib import Path

import numpy as np
import pytest

from edgespan_ml.data import JudgedQuery, homedepot_dir
from edgespan_ml.semantic import build, dual_tower
from edgespan_ml.semantic.catalogs import SMOKE_PRODUCTS, Catalog, load_catalog, read_tsv
from edgespan_ml.semantic.embed import embed_texts, shared_bottom
from edgespan_ml.semantic.minilm import load_tokenizer, load_tower
from edgespan_ml.semantic.recall import dev_recall, recall_at
from edgespan_ml.semantic.searcher import MODES, NotBuilt, SemanticSearcher


def test_smoke_build_writes_every_dense_artifact(smoke_artifacts: Path):
    products = json.loads((smoke_artifacts / "products.json").read_text(encoding="utf-8"))
    ids, titles = read_tsv(build.data.REPO_ROOT / "data" / "sample-catalog.tsv")
    assert products == {"ids": ids[:SMOKE_PRODUCTS], "titles": titles[:SMOKE_PRODUCTS]}
    base = np.load(smoke_artifacts / "items.dense.npy")
    tuned = np.load(smoke_artifacts / "items.dense-ft.npy")
    for items in (base, tuned):
        assert items.dtype == np.float32 and items.shape == (SMOKE_PRODUCTS, 384)
        np.testing.assert_allclose(np.linalg.norm(items, axis=1), 1.0, atol=1e-5)
    assert not np.allclose(base, tuned), "three fine-tuning steps must move the tower"
    report = json.loads((smoke_artifacts / "build.json").read_text(encoding="utf-8"))
    assert list(report["stages"]) == [name for name, _, _ in build.STAGES]
    assert report["stages"]["dual-tower"]["steps_this_run"] == build.SMOKE_TOWER.steps
    assert report["stages"]["dense-eval"]["skipped"] == "the catalog has no judged dev queries"
    assert not (smoke_artifacts / "dense-ft.ckpt").exists()


def test_shared_bottom_pass_equals_two_separate_passes(smoke_artifacts: Path):
    base, tuned = load_tower(None), load_tower(smoke_artifacts / "dense-ft.pt")
    frozen = 6 - build.SMOKE_TOWER.trainable_layers
    assert shared_bottom(base, tuned) == frozen  # fine-tuning left the embeddings and lower layers alone
    titles = json.loads((smoke_artifacts / "products.json").read_text(encoding="utf-8"))["titles"]
    tok = load_tokenizer()
    for name, tower in (("items.dense.npy", base), ("items.dense-ft.npy", tuned)):
        np.testing.assert_allclose(np.load(smoke_artifacts / name), embed_texts(tower, tok, titles), atol=1e-5)


def test_rerun_skips_finished_stages(smoke_artifacts: Path, capsys):
    before = {p.name: p.stat().st_mtime_ns for p in smoke_artifacts.iterdir()}
    assert build.main(["--catalog", "sample", "--smoke", "--out", str(smoke_artifacts), "--device", "cpu"]) == 0
    printed = capsys.readouterr().out
    assert printed.count("done already") == len(build.STAGES)
    assert {p.name: p.stat().st_mtime_ns for p in smoke_artifacts.iterdir() if p.name != "build.json"} == {
        k: v for k, v in before.items() if k != "build.json"
    }


def test_dense_modes_find_a_product_by_its_own_title(smoke_artifacts: Path):
    searcher = SemanticSearcher.load(smoke_artifacts, device="cpu")
    assert searcher.ready and searcher.modes == list(MODES)  # the smoke build has the semantic modes too
    for mode in ("dense", "dense-ft"):
        hits = searcher.search_batch([searcher.titles[5], searcher.titles[40]], k=3, mode=mode)
        assert [h[0].id for h in hits] == [searcher.ids[5], searcher.ids[40]]
        assert all(h.sid is None and h.title == searcher.titles[searcher.ids.index(h.id)] for h in hits[0])
        scores = [h.score for h in hits[0]]
        assert scores == sorted(scores, reverse=True) and scores[0] > 0.9
        assert set(searcher.last_timings) == {"encode", "decode"}
        assert all(ms >= 0 for ms in searcher.last_timings.values())


def test_k_is_capped_by_the_catalog(smoke_artifacts: Path):
    searcher = SemanticSearcher.load(smoke_artifacts, device="cpu", modes=("dense",))
    (hits,) = searcher.search_batch(["garden hose"], k=100, mode="dense")
    assert len(hits) == SMOKE_PRODUCTS and len({h.id for h in hits}) == SMOKE_PRODUCTS


def test_modes_that_are_not_built_and_bad_arguments_are_named(smoke_artifacts: Path):
    searcher = SemanticSearcher.load(smoke_artifacts, device="cpu", modes=("dense",))
    with pytest.raises(NotBuilt, match="mode 'dense-ft' is not built"):
        searcher.search_batch(["drill"], 10, "dense-ft")
    for mode in MODES[2:]:
        if mode not in searcher.rankers:
            with pytest.raises(NotBuilt, match=f"mode '{mode}' is not built"):
                searcher.search_batch(["drill"], 10, mode)
    with pytest.raises(ValueError, match="unknown mode 'sparse'"):
        searcher.search_batch(["drill"], 10, "sparse")
    with pytest.raises(ValueError, match="k must be an integer in 1..100"):
        searcher.search_batch(["drill"], 0, "dense")
    assert searcher.search_batch([], 10, "dense") == []


def test_missing_artifact_is_reported(tmp_path: Path, smoke_artifacts: Path):
    (tmp_path / "products.json").write_bytes((smoke_artifacts / "products.json").read_bytes())
    searcher = SemanticSearcher.load(tmp_path, device="cpu", modes=("dense",))
    with pytest.raises(NotBuilt, match="items.dense.npy"):
        searcher.search_batch(["drill"], 10, "dense")
    with pytest.raises(FileNotFoundError, match="products.json: not found"):
        SemanticSearcher.load(tmp_path / "nowhere")


def test_dev_recall_on_known_answers(smoke_artifacts: Path):
    searcher = SemanticSearcher.load(smoke_artifacts, device="cpu", modes=("dense",))
    ids, titles = searcher.ids, searcher.titles
    judged = [
        JudgedQuery(titles[3], {ids[3]: 3.0, ids[4]: 1.0}),  # its own title: found at rank 1
        JudgedQuery("unscorable", {ids[7]: 2.0}),  # no relevant product: left out, as the harness does
    ]
    result = dev_recall(searcher, "dense", judged)
    assert result["queries"] == 1 and result["recall@10"] == 1.0 and result["recall@100"] == 1.0


def test_recall_counts_a_repeated_product_once():
    assert recall_at(["a", "a", "b", "c"], {"a", "c"}, 2) == 0.5
    assert recall_at(["x", "a", "a", "c"], {"a", "c"}, 3) == 1.0


def test_pseudo_queries_keep_title_words_in_order():
    rng = random.Random(1)
    title = "Bluebird Matte Black Passage Door Knob"
    words = title.split()
    for _ in range(50):
        pseudo = dual_tower.pseudo_query(title, rng).split()
        assert 1 <= len(pseudo) <= 4
        assert [words.index(w) for w in pseudo] == sorted(words.index(w) for w in pseudo)


def test_batches_never_repeat_a_product_or_a_query():
    titles = [f"title {i}" for i in range(10)]
    pairs = [("drill", 0), ("drill", 1), ("hose", 1), ("knob", 2), ("saw", 3)]
    cfg = dual_tower.TowerConfig(batch_size=8, pseudo_share=0.5)
    for seed in range(20):
        batch = dual_tower.draw_batch(pairs, titles, cfg, random.Random(seed))
        assert len({row for _, row in batch}) == len(batch)
        assert len({q.lower() for q, _ in batch}) == len(batch)
        assert 2 <= len(batch) <= 8


def test_tower_resumes_from_its_checkpoint(tmp_path: Path, monkeypatch):
    catalog = load_catalog("sample", smoke=True)
    catalog = Catalog(catalog.name, catalog.ids[:16], catalog.titles[:16])
    cfg = dual_tower.TowerConfig(steps=2, batch_size=4, warmup=1, pseudo_share=1.0, checkpoint_every=1)
    out = tmp_path / "dense-ft.pt"

    def crash(*args, **kwargs):
        raise RuntimeError("killed before the final save")

    monkeypatch.setattr(dual_tower, "save_tower", crash)
    with pytest.raises(RuntimeError, match="killed"):
        dual_tower.train_tower(catalog, out, cfg, "cpu")
    assert out.with_suffix(".ckpt").exists() and not out.exists()
    monkeypatch.undo()
    report = dual_tower.train_tower(catalog, out, cfg, "cpu")
    assert report["steps_this_run"] == 1 and out.exists()  # step 1 came from the checkpoint
    assert not out.with_suffix(".ckpt").exists()


def test_catalog_errors_name_file_and_line(tmp_path: Path):
    bad = tmp_path / "bad.tsv"
    bad.write_text("id\ttitle\nA\tfirst\nA\tagain\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad.tsv:3: duplicate id 'A' \(first on line 2\)"):
        read_tsv(bad)
    bad.write_text("sku\tname\n", encoding="utf-8")
    with pytest.raises(ValueError, match="bad.tsv:1: expected columns id"):
        read_tsv(bad)
    with pytest.raises(ValueError, match="unknown catalog 'amazon'"):
        load_catalog("amazon")


@pytest.mark.skipif(
    not (homedepot_dir() / "judgments.tsv").exists(), reason=f"Home Depot data not found in {homedepot_dir()}"
)
def test_tower_never_trains_on_a_dev_query():
    catalog = load_catalog("homedepot")
    dev = {q.query for q in catalog.dev}
    pairs = dual_tower.judged_pairs(catalog)
    assert len(pairs) > 30_000 and len(dev) > 1_500
    assert not {query for query, _ in pairs} & dev
    relevant_of = {q.query: set(q.relevant()) for q in catalog.train}
    assert all(catalog.ids[row] in relevant_of[query] for query, row in pairs[:1000])


def test_build_flags_are_checked(capsys):
    for flags, message in (
        (["--until", "nope"], "--until: unknown stage 'nope'"),
        (["--pseudo-share", "1.5"], "--pseudo-share must be in [0, 1]"),
        (["--trainable-layers", "7"], "--trainable-layers must be in 1..6"),
        (["--steps", "0"], "--steps must be >= 1"),
    ):
        with pytest.raises(SystemExit):
            build.main(["--catalog", "sample", *flags])
        assert message in capsys.readouterr().err
