"""Fine-tuning the MiniLM tower on (query, relevant title) pairs with in-batch negatives.

    python -m edgespan_ml.semantic.dual_tower --catalog homedepot --out .edgespan/semantic/homedepot/dense-ft.pt

One shared tower encodes queries and titles (a siamese dual encoder: the item side is precomputed
offline, the query side runs at the origin). Loss: InfoNCE over the batch, each query against every
title of the batch, with a fixed temperature of 0.05 (the scale 20 of sentence-transformers'
MultipleNegativesRankingLoss, which all-MiniLM-L6-v2 was trained with). Batches never hold the same
product or the same query twice, so no positive appears as another row's negative.

Pairs: the Home Depot TRAIN split, every judged query with each of its relevant products (dev
queries never seen), plus self-supervised pseudo-queries cut from titles (a few of a title's words
in order), which are the only pairs on catalogs without judgments (the sample).
"""

from __future__ import annotations

import argparse
import math
import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from torch.nn import functional as F
from tqdm import tqdm

from .catalogs import CATALOGS, Catalog, load_catalog
from .embed import autocast_for, pick_device, use_all_cores
from .minilm import MiniLM, load_tokenizer, load_tower, save_tower


@dataclass
class TowerConfig:
    # Sized for 2 CPU cores shared with other jobs (5-15 s a step at batch 64 there): ~15-20 minutes.
    steps: int = 100
    batch_size: int = 64
    lr: float = 5e-5
    warmup: int = 10
    weight_decay: float = 0.01
    temperature: float = 0.05
    # Share of each batch drawn from title pseudo-queries (all of it when there are no judged pairs);
    # with so few steps on Home Depot every step goes to judged pairs.
    pseudo_share: float = 0.0
    max_query_tokens: int = 32
    max_title_tokens: int = 32  # median title 19 word pieces, p90 29: padding to 32 keeps steps short
    # Only the top layers learn; the embeddings and lower layers stay the base model's, which halves
    # a step's backward pass and lets the item embedding share the frozen bottom (embed.embed_pair).
    trainable_layers: int = 2
    checkpoint_every: int = 50
    seed: int = 0


def judged_pairs(catalog: Catalog) -> list[tuple[str, int]]:
    """(query, product row) for every relevant product of every training query in the catalog."""
    row_of = {pid: i for i, pid in enumerate(catalog.ids)}
    return [(q.query, row_of[pid]) for q in catalog.train for pid in sorted(q.relevant()) if pid in row_of]


def pseudo_query(title: str, rng: random.Random) -> str:
    """1 to 4 of the title's words, in title order: what a shopper who saw the product might type."""
    words = title.split()
    n = min(len(words), rng.randint(1, 4))
    keep = sorted(rng.sample(range(len(words)), n))
    return " ".join(words[i] for i in keep)


def draw_batch(
    pairs: list[tuple[str, int]], titles: list[str], cfg: TowerConfig, rng: random.Random
) -> list[tuple[str, int]]:
    """batch_size pairs with distinct products and distinct queries; bounded tries, so a tiny
    catalog gives a smaller batch rather than a loop."""
    n_pseudo = cfg.batch_size if not pairs else round(cfg.batch_size * cfg.pseudo_share)
    batch: list[tuple[str, int]] = []
    rows: set[int] = set()
    queries: set[str] = set()
    for attempt in range(cfg.batch_size * 8):
        if len(batch) >= cfg.batch_size:
            break
        if len(batch) < n_pseudo and attempt < cfg.batch_size * 4:
            row = rng.randrange(len(titles))
            query = pseudo_query(titles[row], rng)
        elif pairs:
            query, row = pairs[rng.randrange(len(pairs))]
        else:
            continue
        if row in rows or query.lower() in queries:
            continue
        rows.add(row)
        queries.add(query.lower())
        batch.append((query, row))
    return batch


def encode(model: MiniLM, tok, texts: list[str], max_tokens: int, device: str) -> torch.Tensor:
    enc = tok.encode_batch(texts)
    width = min(max_tokens, max(sum(e.attention_mask) for e in enc))
    ids = torch.tensor([e.ids[:width] for e in enc], device=device)
    mask = torch.tensor([e.attention_mask[:width] for e in enc], device=device)
    return model(ids, mask)


def info_nce(q: torch.Tensor, t: torch.Tensor, temperature: float) -> torch.Tensor:
    """Row i's positive is title i; the other titles of the batch are its negatives."""
    logits = q @ t.T / temperature
    return F.cross_entropy(logits, torch.arange(len(q), device=q.device))


def lr_at(step: int, cfg: TowerConfig) -> float:
    if step < cfg.warmup:
        return cfg.lr * (step + 1) / cfg.warmup
    progress = (step - cfg.warmup) / max(1, cfg.steps - cfg.warmup)
    return cfg.lr * 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))


def train_tower(catalog: Catalog, out: Path, cfg: TowerConfig, device: str | None = None) -> dict:
    """Fine-tunes from the base model, saves the tower to `out` and returns what build.json records.
    A checkpoint next to `out` (`<out>.ckpt`) every cfg.checkpoint_every steps lets a rerun resume."""
    use_all_cores()
    device = pick_device(device)
    torch.manual_seed(cfg.seed)
    rng = random.Random(cfg.seed)
    pairs = judged_pairs(catalog)
    model = load_tower(None).to(device).train()
    frozen = len(model.layers) - cfg.trainable_layers
    for p in model.bottom_parameters(frozen):
        p.requires_grad_(False)
    for module in (model.drop, *model.layers[:frozen]):
        module.eval()  # no dropout below the trained layers: they see what inference gives them
    tok = load_tokenizer()
    trained = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(trained, lr=cfg.lr, weight_decay=cfg.weight_decay)
    ckpt_path = out.with_suffix(".ckpt")
    step, losses = 0, []
    if ckpt_path.exists():
        ckpt = torch.load(ckpt_path, map_location=device, weights_only=False)  # our own file: rng state inside
        model.load_state_dict(ckpt["model"])
        opt.load_state_dict(ckpt["opt"])
        rng.setstate(ckpt["rng"])
        torch.set_rng_state(ckpt["torch_rng"])
        step, losses = ckpt["step"], ckpt["losses"]
        print(f"resuming {ckpt_path} at step {step}")
    started, first_step = time.time(), step
    bar = tqdm(total=cfg.steps, initial=step, desc="dual tower", unit="step")
    while step < cfg.steps:
        batch = draw_batch(pairs, catalog.titles, cfg, rng)
        for group in opt.param_groups:
            group["lr"] = lr_at(step, cfg)
        with autocast_for(device):
            q = encode(model, tok, [b[0] for b in batch], cfg.max_query_tokens, device)
            t = encode(model, tok, [catalog.titles[b[1]] for b in batch], cfg.max_title_tokens, device)
            loss = info_nce(q.float(), t.float(), cfg.temperature)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(trained, 1.0)
        opt.step()
        step += 1
        losses.append(loss.item())
        bar.update(1)
        bar.set_postfix(loss=f"{sum(losses[-50:]) / len(losses[-50:]):.3f}")
        if step % cfg.checkpoint_every == 0 and step < cfg.steps:
            tmp = ckpt_path.with_suffix(".tmp")
            torch.save(
                {
                    "model": model.state_dict(),
                    "opt": opt.state_dict(),
                    "rng": rng.getstate(),
                    "torch_rng": torch.get_rng_state(),
                    "step": step,
                    "losses": losses,
                },
                tmp,
            )
            tmp.replace(ckpt_path)
    bar.close()
    seconds = time.time() - started
    steps_run = step - first_step
    report = {
        "config": asdict(cfg),
        "judged_pairs": len(pairs),
        "train_queries": len(catalog.train),
        "device": device,
        "steps_this_run": steps_run,
        "seconds_this_run": round(seconds, 1),
        "pairs_per_second": round(steps_run * cfg.batch_size / seconds, 1) if seconds > 0 else None,
        "loss_first_50": round(sum(losses[:50]) / max(1, len(losses[:50])), 4),
        "loss_last_50": round(sum(losses[-50:]) / max(1, len(losses[-50:])), 4),
    }
    save_tower(model.eval(), out, meta=report)
    ckpt_path.unlink(missing_ok=True)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m edgespan_ml.semantic.dual_tower")
    parser.add_argument("--catalog", choices=CATALOGS, default="homedepot")
    parser.add_argument("--out", required=True, help="where to write the tower (dense-ft.pt)")
    parser.add_argument("--steps", type=int, default=TowerConfig.steps)
    parser.add_argument("--batch-size", type=int, default=TowerConfig.batch_size)
    parser.add_argument("--pseudo-share", type=float, default=TowerConfig.pseudo_share)
    parser.add_argument("--trainable-layers", type=int, default=TowerConfig.trainable_layers)
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args(argv)
    if not 0.0 <= args.pseudo_share <= 1.0:
        parser.error(f"--pseudo-share must be in [0, 1], got {args.pseudo_share}")
    if args.steps < 1 or args.batch_size < 2 or not 1 <= args.trainable_layers <= 6:
        parser.error("--steps must be >= 1, --batch-size >= 2 and --trainable-layers in 1..6")
    cfg = TowerConfig(
        steps=args.steps,
        batch_size=args.batch_size,
        pseudo_share=args.pseudo_share,
        trainable_layers=args.trainable_layers,
    )
    print(train_tower(load_catalog(args.catalog, smoke=args.smoke), Path(args.out), cfg))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
