"""Sequence-level distillation (Kim & Rush 2016) of the teacher into the edge student.

    python -m edgespan_ml.distill --init RUN/sft/model.pt --teacher-spans teacher-spans.jsonl --out RUN/distilled

The teacher's beam outputs for the training queries, decoded under the FM index's constraint at the
edge (`npx tsx bin/edgespan.ts spans --model TEACHER`), become targets next to the gold ones. The
student continues from its SFT weights on that mix: a teacher hypothesis is a sequence the catalog
holds and the teacher prefers, which is often easier for a small model to imitate than a target built
from one title. With --only-relevant, only hypotheses whose spans retrieve a product judged relevant
for their training query are kept (measured better on dev than the teacher's unfiltered best).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path

import torch

from . import data
from .data import REPO_ROOT
from .decoded import read_decoded
from .model import SpanModelConfig
from .text import normalize
from .tokenizer import WordPieceTokenizer
from .train import MAX_QUERY_TOKENS, TrainConfig, load_examples, target_of, train

Example = tuple[list[int], list[int]]


def teacher_examples(
    path: Path, tok: WordPieceTokenizer, per_query: int = 1, keep: Callable[[str, dict], bool] | None = None
) -> list[Example]:
    """(query ids, target ids) from the teacher's `per_query` best hypotheses of each query (of
    those that `keep(query, hypothesis)` accepts, when given)."""
    out: list[Example] = []
    for text, hypotheses in read_decoded(path):
        query = tok.encode(text)[:MAX_QUERY_TOKENS]
        kept = [h for h in hypotheses if keep is None or keep(text, h)]
        if query:
            out.extend((query, target_of(h["spans"])) for h in kept[:per_query])
    return out


def retrieves_relevant() -> Callable[[str, dict], bool]:
    """Whether a hypothesis's products include one judged relevant for its (training) query."""
    train, _ = data.split(data.load_judgments())
    relevant = {q.query: set(q.relevant()) for q in train}
    return lambda query, h: not relevant.get(normalize(query), set()).isdisjoint(h.get("products", []))


def mix(gold: list[Example], teacher: list[Example], teacher_share: float) -> list[Example]:
    """Gold plus the teacher's examples repeated so that they make about `teacher_share` of draws."""
    if not teacher or teacher_share <= 0:
        return gold
    repeat = max(1, round(teacher_share / (1 - teacher_share) * len(gold) / len(teacher)))
    return gold + teacher * repeat


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m edgespan_ml.distill")
    parser.add_argument("--init", required=True, help="the student's SFT model.pt")
    parser.add_argument("--teacher-spans", required=True, help="JSONL from `edgespan spans --model TEACHER`")
    parser.add_argument("--out", required=True)
    parser.add_argument("--data", default=str(REPO_ROOT / ".edgespan" / "data"))
    parser.add_argument("--tokenizer", default=str(REPO_ROOT / "wasm" / "tokenizer.txt"))
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--lr", type=float, default=3e-4)
    parser.add_argument("--per-query", type=int, default=1, help="teacher hypotheses per query")
    parser.add_argument("--teacher-share", type=float, default=0.5, help="share of draws from the teacher")
    parser.add_argument(
        "--only-relevant", action="store_true", help="keep only hypotheses that retrieve a relevant product"
    )
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args(argv)
    if not 0 <= args.teacher_share < 1:
        parser.error("--teacher-share: expected a number in [0, 1)")

    tok = WordPieceTokenizer.load(args.tokenizer)
    data_dir = Path(args.data)
    gold = load_examples(data_dir / "train.jsonl", tok, 512 if args.smoke else None)
    keep = retrieves_relevant() if args.only_relevant else None
    teacher = teacher_examples(Path(args.teacher_spans), tok, args.per_query, keep)
    dev_set = load_examples(data_dir / "dev.jsonl", tok, 128 if args.smoke else 2000)
    ckpt = torch.load(args.init, map_location="cpu", weights_only=False)
    cfg = TrainConfig(steps=args.steps, lr=args.lr, warmup=min(100, args.steps // 10))
    if args.smoke:
        cfg = TrainConfig(steps=min(args.steps, 20), batch_size=16, eval_every=10, warmup=2, lr=args.lr)
    summary = train(
        Path(args.out),
        SpanModelConfig(**ckpt["config"]),
        cfg,
        mix(gold, teacher, args.teacher_share),
        dev_set,
        init=ckpt["model"],
    )
    summary["teacher_examples"] = len(teacher)
    (Path(args.out) / "summary.json").write_text(json.dumps(summary, indent=2))
    print(f"{len(teacher)} teacher examples, {len(gold)} gold: dev loss {summary['history'][-1]['dev_loss']:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
