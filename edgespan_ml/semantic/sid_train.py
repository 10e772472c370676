"""Training the query-to-SemanticID model of one ID variant, and its dev evaluation.

    python -m edgespan_ml.semantic.sid_train --catalog homedepot --variant raw [--steps N] [--smoke]

Two kinds of examples, mixed in every batch: indexing (a title's vector from items.dense-ft.npy ->
that product's ID) and retrieval (a training query's vector -> the ID of one of its relevant
products, grade >= 2.33; a catalog without judgments uses pseudo-queries cut from titles instead).
Query vectors come from the fine-tuned tower (dense-ft.pt) and are cached in the artifact folder
(queries.dense-ft.npz), so a training run never runs the tower again. AdamW, warmup + cosine
decay, fixed seed, CUDA when present.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F
from tqdm import tqdm

from .. import data
from .catalogs import CATALOGS, Catalog, load_catalog
from .dual_tower import pseudo_query
from .embed import QueryEncoder, pick_device
from .hourglass import adaptive, concentrated_layer, diagnose, drop_layer
from .hourglass import run as run_hourglass
from .hourglass import table as hourglass_table
from .recall import recall_at
from .rq import Quantizer, SemanticIds, make_ids, residual_kmeans
from .rqvae import RqVaeConfig, train_rqvae
from .sid_model import SidModel, SidModelConfig, save_model
from .sid_search import DEFAULT_BEAM, Trie, beam_search, ranked, rerank

VARIANTS = ("raw", "drop-layer", "adaptive")
QUERY_CACHE = "queries.dense-ft.npz"
IGNORE = -1


@dataclass
class SidTrainConfig:
    steps: int = 1500
    batch_size: int = 256
    lr: float = 1e-3
    warmup: int = 100
    weight_decay: float = 0.01
    query_share: float = 0.5  # share of each batch from (query, relevant ID) pairs
    seed: int = 0


def end_token(sids: SemanticIds) -> int:
    return sids.suffix_base + max(max(sids.suffixes(), default=-1), 0) + 1


def model_config(sids: SemanticIds, base: SidModelConfig | None = None) -> SidModelConfig:
    longest = max(len(t) for t in sids.ids)
    return replace(base or SidModelConfig(vocab_size=0), vocab_size=end_token(sids) + 1, max_tokens=longest + 1)


def query_vectors(folder: Path, texts: list[str], device: str) -> np.ndarray:
    """The fine-tuned tower's vectors of `texts`, encoding only those not cached yet."""
    cache = folder / QUERY_CACHE
    known: dict[str, np.ndarray] = {}
    if cache.exists():
        with np.load(cache) as z:
            known = dict(zip(z["texts"].tolist(), z["vectors"], strict=True))
    missing = sorted({t for t in texts if t not in known})
    if missing:
        encoder = QueryEncoder.load(folder / "dense-ft.pt", device)
        known.update(zip(missing, encoder.encode(missing), strict=True))
        names = sorted(known)
        np.savez(cache, texts=np.asarray(names), vectors=np.stack([known[t] for t in names]))
    return np.stack([known[t] for t in texts]) if texts else np.zeros((0, 384), dtype=np.float32)


def query_pairs(catalog: Catalog, seed: int) -> list[tuple[str, int]]:
    """(query text, product row): judged training pairs, else two pseudo-queries per title."""
    row_of = {pid: i for i, pid in enumerate(catalog.ids)}
    pairs = [(q.query, row_of[p]) for q in catalog.train for p in sorted(q.relevant()) if p in row_of]
    if pairs:
        return pairs
    rng = random.Random(seed)
    return [(pseudo_query(title, rng), row) for row, title in enumerate(catalog.titles) for _ in range(2)]


def padded(targets: list[list[int]], width: int) -> torch.Tensor:
    out = torch.full((len(targets), width), IGNORE, dtype=torch.long)
    for i, t in enumerate(targets):
        out[i, : len(t)] = torch.tensor(t)
    return out


def train_sid(
    folder: Path,
    catalog: Catalog,
    sids: SemanticIds,
    cfg: SidTrainConfig,
    base: SidModelConfig | None = None,
    device: str | None = None,
) -> tuple[SidModel, dict]:
    device = pick_device(device)
    torch.manual_seed(cfg.seed)
    gen = torch.Generator().manual_seed(cfg.seed)
    model_cfg = model_config(sids, base)
    end = model_cfg.vocab_size - 1
    items = torch.from_numpy(np.load(folder / "items.dense-ft.npy"))
    pairs = query_pairs(catalog, cfg.seed)
    pair_vectors = torch.from_numpy(query_vectors(folder, [q for q, _ in pairs], device))
    width = model_cfg.max_tokens
    title_targets = padded([[*t, end] for t in sids.ids], width)
    pair_targets = title_targets[[row for _, row in pairs]]
    model = SidModel(model_cfg).to(device).train()
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": cfg.weight_decay}, {"params": no_decay, "weight_decay": 0.0}], lr=cfg.lr
    )
    n_pairs = round(cfg.batch_size * cfg.query_share) if pairs else 0
    losses: list[float] = []
    started = time.time()
    for step in tqdm(range(cfg.steps), desc=f"sid {sids.variant}", unit="step"):
        t_rows = torch.randint(len(items), (cfg.batch_size - n_pairs,), generator=gen)
        p_rows = torch.randint(len(pairs), (n_pairs,), generator=gen)
        x = torch.cat([items[t_rows], pair_vectors[p_rows]]).to(device)
        y = torch.cat([title_targets[t_rows], pair_targets[p_rows]]).to(device)
        inputs = y[:, :-1].clamp_min(0)  # padding positions feed END; their targets are ignored
        lr = cfg.lr * min(1.0, (step + 1) / cfg.warmup) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * step / cfg.steps)))
        for group in opt.param_groups:
            group["lr"] = lr
        logits = model(x, inputs)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1), ignore_index=IGNORE)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        losses.append(loss.item())
    seconds = time.time() - started
    report = {
        "variant": sids.variant,
        "config": asdict(cfg),
        "model": model_cfg.to_dict(),
        "parameters": model.parameter_count(),
        "device": device,
        "title_examples": len(items),
        "query_pairs": len(pairs),
        "seconds": round(seconds, 1),
        "loss_first_50": round(float(np.mean(losses[:50])), 4),
        "loss_last_50": round(float(np.mean(losses[-50:])), 4),
    }
    return model.eval(), report


def dev_eval(
    model: SidModel,
    sids: SemanticIds,
    folder: Path,
    catalog: Catalog,
    beam: int,
    k: int = 100,
    device: str = "cpu",
) -> dict:
    """Dev Recall@10/@100 of the raw beam list and of the same list re-ranked by cosine, with the
    mean ID length of the top product, decode steps per batch and milliseconds per query (decoding
    only: the query vectors come from the cache)."""
    scorable = [(q.query, set(q.relevant())) for q in catalog.dev if q.relevant()]
    if not scorable:
        return {"skipped": "the catalog has no judged dev queries"}
    trie = Trie(sids.ids, model.cfg.vocab_size - 1)
    items = np.load(folder / "items.dense-ft.npy")
    vectors = query_vectors(folder, [q for q, _ in scorable], device)
    sums = {"raw": [0.0, 0.0], "reranked": [0.0, 0.0]}
    steps, id_length, seconds, batches = 0, 0.0, 0.0, 0
    for start in range(0, len(scorable), 256):
        chunk = scorable[start : start + 256]
        q = vectors[start : start + len(chunk)]
        begun = time.time()
        beams = beam_search(model, trie, torch.from_numpy(q).to(device), beam)
        lists = [ranked(beams, trie, i, k)[0] for i in range(len(chunk))]
        seconds += time.time() - begun
        steps += beams.steps
        batches += 1
        for i, ((_, relevant), products) in enumerate(zip(chunk, lists, strict=True)):
            for name, order in (("raw", products), ("reranked", rerank(products, q[i], items)[0])):
                ids = [catalog.ids[p] for p in order]
                sums[name][0] += recall_at(ids, relevant, 10)
                sums[name][1] += recall_at(ids, relevant, 100)
            id_length += len(sids.ids[products[0]]) if products else 0
    n = len(scorable)
    out = {"queries": n, "beam": beam}
    for name, (r10, r100) in sums.items():
        out[name] = {"recall@10": round(r10 / n, 4), "recall@100": round(r100 / n, 4)}
    out.update(
        {
            "mean_id_length_top1": round(id_length / n, 3),
            "decode_steps_per_batch": round(steps / batches, 2),
            "ms_per_query": round(1000 * seconds / n, 2),
        }
    )
    return out


# Build stages (edgespan_ml.semantic.build runs them after the embeddings). L and K per catalog:
# 54,667 Home Depot products over 3 layers of 256 codes (16.7M paths, ~1 product per 300 paths);
# the 600-product sample over 3 x 16 (4,096 paths); the 64-product smoke build over 2 x 4.
RQ_SHAPE = {"homedepot": (3, 256), "sample": (3, 16), "smoke": (2, 4)}
RQVAE_STEPS = {"homedepot": 4000, "sample": 1000, "smoke": 20}
# Top-K codes of the concentrated layer that the adaptive IDs prune: tuned on dev Recall@10 where
# there are judged dev queries, else the middle value.
ADAPTIVE_GRID = {"homedepot": (2, 4, 8, 32, 128), "sample": (4,), "smoke": (1,)}
TRAIN = {
    "homedepot": SidTrainConfig(),
    "sample": SidTrainConfig(steps=400),
    "smoke": SidTrainConfig(steps=5, batch_size=16),
}


def _kind(b) -> str:
    return "smoke" if b.smoke else b.catalog.name


def _single_thread(fn):
    """Runs fn with one CPU thread: the model's matrices are small, and on a shared 2-core CPU two
    threads spin-wait on each other (measured 10x slower per step under load)."""

    def wrapped(b) -> dict:
        threads = torch.get_num_threads()
        if not b.device.startswith("cuda"):
            torch.set_num_threads(1)
        try:
            return fn(b)
        finally:
            torch.set_num_threads(threads)

    return wrapped


def stage_rq(b) -> dict:
    """Residual k-means (default) or an RQ-VAE (--quantizer rqvae) over the fine-tuned item vectors."""
    layers, k = RQ_SHAPE[_kind(b)]
    items = np.load(b.path("items.dense-ft.npy"))
    started = time.time()
    if b.quantizer == "rqvae":
        quantizer, trained = train_rqvae(items, RqVaeConfig(layers=layers, codes=k, steps=RQVAE_STEPS[_kind(b)]))
        report = {"quantizer": "rqvae", "rqvae": {key: v for key, v in trained.items() if key != "history"}}
    else:
        quantizer, report = residual_kmeans(items, layers, k, seed=0), {"quantizer": "kmeans"}
    report["quantizer_seconds"] = round(time.time() - started, 1)
    quantizer.save(b.path("rq.npz"))
    raw = make_ids(quantizer.codes, k, "raw")
    raw.save(b.path("sid.raw.json"))
    return {**report, **raw.stats()}


def _train_and_save(b, sids: SemanticIds) -> dict:
    device = b.device
    model, report = train_sid(b.out, b.catalog, sids, TRAIN[_kind(b)], device=device)
    report["dev"] = dev_eval(model, sids, b.out, b.catalog, DEFAULT_BEAM, device=device)
    report["ids"] = sids.stats()
    sids.save(b.path(f"sid.{sids.variant}.json"))
    save_model(model, b.path(f"sid-model.{sids.variant}.pt"), report)
    return report


@_single_thread
def stage_sid_raw(b) -> dict:
    return _train_and_save(b, SemanticIds.load(b.path("sid.raw.json")))


def _concentrated(b) -> tuple[Quantizer, int, dict]:
    quantizer = Quantizer.load(b.path("rq.npz"))
    raw = diagnose(make_ids(quantizer.codes, quantizer.codes_per_layer, "raw"))
    return quantizer, concentrated_layer(raw["per_layer"]), raw


@_single_thread
def stage_sid_drop_layer(b) -> dict:
    quantizer, layer, _ = _concentrated(b)
    return {"dropped_layer": layer, **_train_and_save(b, drop_layer(quantizer, layer))}


@_single_thread
def stage_sid_adaptive(b) -> dict:
    """One model per grid value; the best dev Recall@10 (re-ranked list, as served) is kept."""
    quantizer, layer, _ = _concentrated(b)
    grid = ADAPTIVE_GRID[_kind(b)]
    if not b.catalog.dev:
        grid = (grid[len(grid) // 2],)
    results = []
    best: tuple[float, SemanticIds, SidModel, dict] | None = None
    for top_k in grid:
        sids = adaptive(quantizer, layer, top_k)
        model, report = train_sid(b.out, b.catalog, sids, TRAIN[_kind(b)], device=b.device)
        report["dev"] = dev_eval(model, sids, b.out, b.catalog, DEFAULT_BEAM, device=b.device)
        report["ids"] = sids.stats()
        score = report["dev"].get("reranked", {}).get("recall@10", 0.0)
        results.append({"top_k": top_k, "dev": report["dev"], "ids": report["ids"], "seconds": report["seconds"]})
        print(f"adaptive top-{top_k}: {json.dumps(report['dev'])}", flush=True)
        if best is None or score > best[0]:
            best = (score, sids, model, {**report, "top_k": top_k})
    assert best is not None
    _, sids, model, report = best
    sids.save(b.path("sid.adaptive.json"))
    save_model(model, b.path("sid-model.adaptive.pt"), report)
    return {"pruned_layer": layer, "top_k": report["top_k"], "grid": results, **report}


def stage_hourglass(b) -> dict:
    report = run_hourglass(b.out)
    print(hourglass_table(report), flush=True)
    return {
        "concentrated_layer": report["concentrated_layer"],
        "per_layer": {
            name: [{k: v for k, v in layer.items() if k != "sorted_counts"} for layer in variant["per_layer"]]
            for name, variant in report["variants"].items()
        },
    }


@_single_thread
def stage_semantic_eval(b) -> dict:
    """The served semantic modes end to end through SemanticSearcher (query encoding included)."""
    if not b.catalog.dev:
        return {"skipped": "the catalog has no judged dev queries"}
    from .recall import dev_recall
    from .searcher import SemanticSearcher

    modes = ("dense-ft", "semantic", "semantic-drop-layer", "semantic-adaptive")
    searcher = SemanticSearcher.load(b.out, b.device, modes=modes)
    metrics = {mode: dev_recall(searcher, mode, b.catalog.dev) for mode in modes[1:]}
    b.report.setdefault("metrics", {}).update(metrics)
    return metrics


SID_STAGES = [
    ("rq", "rq.npz", stage_rq),
    ("sid-raw", "sid-model.raw.pt", stage_sid_raw),
    ("sid-drop-layer", "sid-model.drop-layer.pt", stage_sid_drop_layer),
    ("sid-adaptive", "sid-model.adaptive.pt", stage_sid_adaptive),
    ("hourglass", "hourglass.json", stage_hourglass),
    ("semantic-eval", None, stage_semantic_eval),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m edgespan_ml.semantic.sid_train")
    parser.add_argument("--catalog", choices=CATALOGS, default="homedepot")
    parser.add_argument("--artifacts", help="default .edgespan/semantic/<catalog>")
    parser.add_argument("--variant", choices=VARIANTS, default="raw")
    parser.add_argument("--steps", type=int, default=SidTrainConfig.steps)
    parser.add_argument("--beam", type=int, default=DEFAULT_BEAM)
    parser.add_argument("--device")
    args = parser.parse_args(argv)
    folder = Path(args.artifacts) if args.artifacts else data.REPO_ROOT / ".edgespan" / "semantic" / args.catalog
    source = folder / f"sid.{args.variant}.json"
    if not source.exists():
        parser.error(f"{source}: not found (python -m edgespan_ml.semantic.build makes it)")
    if args.steps < 1:
        parser.error(f"--steps must be >= 1, got {args.steps}")
    catalog = load_catalog(args.catalog)
    device = pick_device(args.device)
    sids = SemanticIds.load(source)
    model, report = train_sid(folder, catalog, sids, SidTrainConfig(steps=args.steps), device=device)
    report["dev"] = dev_eval(model, sids, folder, catalog, args.beam, device=device)
    save_model(model, folder / f"sid-model.{args.variant}.pt", report)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
