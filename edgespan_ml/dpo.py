"""Preference optimization (DPO, Rafailov et al. 2023) of the span model on graded judgments.

    python -m edgespan_ml.dpo --init RUN/ckpt.pt --out RUN-dpo [--steps 600]

A pair is one query with the target spans of a title rated >= 2.67 (preferred) and of a title
rated <= 1.67 (rejected) for that same query; the loss pushes the policy's log-likelihood margin
between them above the frozen SFT reference's: -log sigmoid(beta * ((pi_c - ref_c) - (pi_r - ref_r))).

With --model-spans (`npx tsx bin/edgespan.ts spans --model SFT_EXPORT`), the SFT model's own
hypotheses join as rejected examples when the products holding their spans include judged ones and
none of them is relevant (every grade below 2.33): spans the model writes that retrieve irrelevant
products. Each is paired with the targets of a title rated >= 2.67 for the same query.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

import torch
from torch.nn import functional as F

from . import data
from .decoded import read_decoded
from .export import load_model
from .spans import build_target
from .text import normalize
from .tokenizer import PAD, WordPieceTokenizer
from .train import MAX_QUERY_TOKENS, batch, device_and_autocast, encode_target, target_of

PREFERRED, REJECTED = 2.67, 1.67


Pair = tuple[list[int], list[int], list[int]]


def preference_pairs(
    tok: WordPieceTokenizer, products: dict[str, str], train: list[data.JudgedQuery], seed: int = 0
) -> list[Pair]:
    """(query, preferred target, rejected target) from the train split's graded judgments."""
    rng = random.Random(seed)
    pairs = []
    for q in train:
        good = [p for p, g in q.grades.items() if g >= PREFERRED and p in products]
        bad = [p for p, g in q.grades.items() if g <= REJECTED and p in products]
        query = tok.encode(q.query)[:MAX_QUERY_TOKENS]
        if not good or not bad or not query:
            continue
        for g in sorted(good):
            b = rng.choice(sorted(bad))
            chosen = build_target(q.query, products[g]).text()
            rejected = build_target(q.query, products[b]).text()
            if chosen and rejected and chosen != rejected:
                pairs.append((query, encode_target(tok, chosen), encode_target(tok, rejected)))
    return pairs


def model_pairs(
    path: Path, tok: WordPieceTokenizer, products: dict[str, str], train: list[data.JudgedQuery], seed: int = 0
) -> list[Pair]:
    """(query, preferred target, the SFT model's hypothesis that retrieves only irrelevant products)."""
    judged = {q.query: q for q in train}
    rng = random.Random(seed)
    pairs = []
    for text, hypotheses in read_decoded(path):
        q = judged.get(normalize(text))
        query = tok.encode(text)[:MAX_QUERY_TOKENS]
        if q is None or not query:
            continue  # only train-split queries, whatever the file holds
        good = sorted(p for p, g in q.grades.items() if g >= PREFERRED and p in products)
        for h in hypotheses if good else []:
            grades = [q.grades[p] for p in h.get("products", []) if p in q.grades]
            if not grades or max(grades) >= data.RELEVANT:
                continue
            chosen = build_target(q.query, products[rng.choice(good)]).text()
            if chosen:
                pairs.append((query, encode_target(tok, chosen), target_of(h["spans"])))
    return pairs


def sequence_logprob(model, query: torch.Tensor, inp: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
    """Sum of target-token log-probabilities per sequence (teacher forcing)."""
    logits = model(query, inp).float()
    logp = torch.log_softmax(logits, dim=-1).gather(-1, out.unsqueeze(-1)).squeeze(-1)
    return (logp * (out != PAD)).sum(dim=-1)


def dpo_loss(policy, reference, pairs, device: str, beta: float) -> tuple[torch.Tensor, float]:
    chosen = batch([(q, c) for q, c, _ in pairs], device)
    rejected = batch([(q, r) for q, _, r in pairs], device)
    pi_c, pi_r = sequence_logprob(policy, *chosen), sequence_logprob(policy, *rejected)
    with torch.no_grad():
        ref_c, ref_r = sequence_logprob(reference, *chosen), sequence_logprob(reference, *rejected)
    margin = beta * ((pi_c - ref_c) - (pi_r - ref_r))
    return -F.logsigmoid(margin).mean(), (margin > 0).float().mean().item()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m edgespan_ml.dpo")
    parser.add_argument("--init", required=True, help="the SFT checkpoint (ckpt.pt or model.pt)")
    parser.add_argument("--out", required=True)
    parser.add_argument("--tokenizer", default=str(data.REPO_ROOT / "wasm" / "tokenizer.txt"))
    parser.add_argument("--steps", type=int, default=600)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--beta", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--limit-pairs", type=int, help="use only N pairs of each source (smoke runs)")
    parser.add_argument("--model-spans", help="JSONL of the SFT model's hypotheses (edgespan spans)")
    args = parser.parse_args(argv)

    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    tok = WordPieceTokenizer.load(args.tokenizer)
    products = data.load_products()
    train, _ = data.split(data.load_judgments())
    pairs = preference_pairs(tok, products, train, args.seed)[: args.limit_pairs]
    written = model_pairs(Path(args.model_spans), tok, products, train, args.seed) if args.model_spans else []
    pairs = pairs + written[: args.limit_pairs]
    rng.shuffle(pairs)  # held-out pairs come from both sources
    if len(pairs) < 10:
        raise SystemExit(f"dpo: only {len(pairs)} preference pairs in these judgments; need at least 10")
    held = min(500, len(pairs) // 5)
    held_out, train_pairs = pairs[:held], pairs[held:]
    device, _ = device_and_autocast()
    policy, reference = load_model(Path(args.init)).to(device), load_model(Path(args.init)).to(device)
    policy.train()
    reference.eval()
    opt = torch.optim.AdamW(policy.parameters(), lr=args.lr, weight_decay=0.0)
    history, started = [], time.time()

    def held_out_accuracy() -> float:
        policy.eval()
        with torch.no_grad():
            _, acc = dpo_loss(policy, reference, held_out, device, args.beta)
        policy.train()
        return acc

    history.append({"step": 0, "held_out_accuracy": held_out_accuracy()})
    for step in range(1, args.steps + 1):
        loss, acc = dpo_loss(
            policy, reference, rng.sample(train_pairs, min(args.batch_size, len(train_pairs))), device, args.beta
        )
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(policy.parameters(), 1.0)
        opt.step()
        if step % 100 == 0 or step == args.steps:  # noqa: SIM102
            history.append(
                {
                    "step": step,
                    "loss": loss.item(),
                    "batch_accuracy": acc,
                    "held_out_accuracy": held_out_accuracy(),
                    "seconds": time.time() - started,
                }
            )
            print(json.dumps(history[-1]), flush=True)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    torch.save({"model": policy.state_dict(), "config": policy.cfg.to_dict()}, out / "model.pt")
    summary = {
        "pairs": len(pairs),
        "model_written_pairs": len(written),
        "held_out": len(held_out),
        "beta": args.beta,
        "history": history,
    }
    (out / "summary.json").write_text(json.dumps(summary, indent=2))
    before, after = history[0]["held_out_accuracy"], history[-1]["held_out_accuracy"]
    print(f"{len(train_pairs)} training pairs; held-out preference accuracy {before:.3f} -> {after:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
