"""Supervised fine-tuning of the span model on Query-to-MultiSpan targets.

    python -m edgespan_ml.train --out .edgespan/runs/student [--steps 4000] [--smoke]

Reads .edgespan/data/{train,dev}.jsonl (python -m edgespan_ml.spans), tokenizes with
wasm/tokenizer.txt, and trains with AdamW, warmup + cosine decay, bf16 autocast on CPUs that
support it (CUDA when present), a fixed seed, and a checkpoint every `--eval-every` steps that a
rerun resumes from.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import time
from dataclasses import dataclass, replace
from pathlib import Path

import torch
from torch.nn import functional as F
from tqdm import tqdm

from .data import REPO_ROOT
from .model import SpanModel, SpanModelConfig
from .tokenizer import BOS, EOS, PAD, SEP, WordPieceTokenizer

MAX_QUERY_TOKENS = 32
MAX_TARGET_TOKENS = 48


def target_of(spans: list[list[int]]) -> list[int]:
    """Spans of token ids as a decoder target: joined by [SEP], ended by [EOS]."""
    ids = [int(t) for i, span in enumerate(spans) for t in ([SEP] if i else []) + list(span)]
    return ids[: MAX_TARGET_TOKENS - 1] + [EOS]


def encode_target(tok: WordPieceTokenizer, spans: list[str]) -> list[int]:
    return target_of([tok.encode(span) for span in spans])


def load_examples(path: Path, tok: WordPieceTokenizer, limit: int | None = None) -> list[tuple[list[int], list[int]]]:
    out = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, start=1):
            if limit is not None and len(out) >= limit:
                break
            row = json.loads(line)
            if not isinstance(row.get("query"), str) or not isinstance(row.get("spans"), list):
                raise ValueError(f"{path}:{n}: expected an object with query and spans")
            query = tok.encode(row["query"])[:MAX_QUERY_TOKENS]
            if query:
                out.append((query, encode_target(tok, row["spans"])))
    return out


def batch(examples: list[tuple[list[int], list[int]]], device: str) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(query, decoder input, decoder target), padded with PAD; targets are shifted by one."""
    q_len = max(len(q) for q, _ in examples)
    t_len = max(len(t) for _, t in examples)
    query = torch.full((len(examples), q_len), PAD, dtype=torch.long)
    inp = torch.full((len(examples), t_len), PAD, dtype=torch.long)
    out = torch.full((len(examples), t_len), PAD, dtype=torch.long)
    for i, (q, t) in enumerate(examples):
        query[i, : len(q)] = torch.tensor(q)
        inp[i, : len(t)] = torch.tensor([BOS, *t[:-1]])
        out[i, : len(t)] = torch.tensor(t)
    return query.to(device), inp.to(device), out.to(device)


def loss_of(model: SpanModel, query: torch.Tensor, inp: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
    logits = model(query, inp)
    return F.cross_entropy(logits.float().view(-1, logits.shape[-1]), out.view(-1), ignore_index=PAD)


@dataclass
class TrainConfig:
    steps: int = 4000
    batch_size: int = 64
    lr: float = 1e-3
    warmup: int = 200
    weight_decay: float = 0.01
    eval_every: int = 250
    seed: int = 0


# The edge student fits the Worker (int8 ONNX <= 8 MB). The teacher is 3x its size, 2.2x its step
# time: as large as trains through the same 4,000 steps within about half an hour on 2 CPU cores.
SIZES = {
    "student": SpanModelConfig(),
    "teacher": SpanModelConfig(
        embed_dim=192, d_model=384, n_heads=6, n_encoder_layers=4, n_decoder_layers=3, d_ff=1536
    ),
}


def device_and_autocast() -> tuple[str, torch.dtype | None]:
    if torch.cuda.is_available():
        return "cuda", torch.bfloat16
    # bf16 autocast pays off on CPUs with AVX-512 BF16 / AMX; elsewhere stay in fp32.
    flags = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    return "cpu", torch.bfloat16 if ("avx512_bf16" in flags or "amx_bf16" in flags) else None


def train(
    out_dir: Path,
    model_cfg: SpanModelConfig,
    cfg: TrainConfig,
    train_set: list[tuple[list[int], list[int]]],
    dev_set: list[tuple[list[int], list[int]]],
    half_weights: bool = False,
    init: dict[str, torch.Tensor] | None = None,
) -> dict:
    """Trains from `init` weights when given (fine-tuning), else from scratch; resumes from ckpt.pt."""
    random.seed(cfg.seed)
    torch.manual_seed(cfg.seed)
    device, amp = device_and_autocast()
    model = SpanModel(model_cfg)
    if init is not None:
        model.load_state_dict({k: v.float() for k, v in init.items()})
    model = model.to(device)
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": cfg.weight_decay}, {"params": no_decay, "weight_decay": 0.0}], lr=cfg.lr
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    ckpt_path = out_dir / "ckpt.pt"
    step, history = 0, []
    if ckpt_path.exists():
        ckpt = torch.load(ckpt_path, map_location=device, weights_only=False)
        model.load_state_dict(ckpt["model"])
        opt.load_state_dict(ckpt["optimizer"])
        step, history = ckpt["step"], ckpt["history"]
        random.setstate(ckpt["python_rng"])
        torch.set_rng_state(ckpt["torch_rng"])
        print(f"resumed from {ckpt_path} at step {step}")

    def lr_at(s: int) -> float:
        if s < cfg.warmup:
            return cfg.lr * (s + 1) / cfg.warmup
        progress = (s - cfg.warmup) / max(1, cfg.steps - cfg.warmup)
        return cfg.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, progress))))

    def evaluate() -> float:
        model.eval()
        total, n = 0.0, 0
        with torch.no_grad(), torch.autocast(device, dtype=amp or torch.float32, enabled=amp is not None):
            for i in range(0, len(dev_set), 256):
                part = dev_set[i : i + 256]
                total += loss_of(model, *batch(part, device)).item() * len(part)
                n += len(part)
        model.train()
        return total / max(1, n)

    model.train()
    started = time.time()
    bar = tqdm(total=cfg.steps, initial=step, desc=out_dir.name, unit="step")
    while step < cfg.steps:
        examples = random.sample(train_set, min(cfg.batch_size, len(train_set)))
        for group in opt.param_groups:
            group["lr"] = lr_at(step)
        with torch.autocast(device, dtype=amp or torch.float32, enabled=amp is not None):
            loss = loss_of(model, *batch(examples, device))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        bar.update(1)
        bar.set_postfix(loss=f"{loss.item():.3f}")
        if step % cfg.eval_every == 0 or step == cfg.steps:
            history.append(
                {"step": step, "train_loss": loss.item(), "dev_loss": evaluate(), "seconds": time.time() - started}
            )
            torch.save(
                {
                    "model": model.state_dict(),
                    "optimizer": opt.state_dict(),
                    "step": step,
                    "history": history,
                    "config": model_cfg.to_dict(),
                    "python_rng": random.getstate(),
                    "torch_rng": torch.get_rng_state(),
                },
                ckpt_path,
            )
    bar.close()
    weights = {k: (v.half() if half_weights else v) for k, v in model.state_dict().items()}
    torch.save({"model": weights, "config": model_cfg.to_dict()}, out_dir / "model.pt")
    summary = {
        "steps": step,
        "parameters": model.parameter_count(),
        "device": device,
        "bf16": amp is not None,
        "history": history,
    }
    (out_dir / "summary.json").write_text(json.dumps(summary, indent=2))
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m edgespan_ml.train")
    parser.add_argument("--out", required=True)
    parser.add_argument("--data", default=str(REPO_ROOT / ".edgespan" / "data"))
    parser.add_argument("--tokenizer", default=str(REPO_ROOT / "wasm" / "tokenizer.txt"))
    parser.add_argument("--steps", type=int, default=TrainConfig.steps)
    parser.add_argument("--batch-size", type=int, default=TrainConfig.batch_size)
    parser.add_argument("--size", choices=sorted(SIZES), default="student")
    parser.add_argument("--lr", type=float, default=TrainConfig.lr)
    parser.add_argument("--half-weights", action="store_true", help="write model.pt in float16 (half the size)")
    parser.add_argument("--smoke", action="store_true", help="tiny model and data: checks the chain in seconds")
    args = parser.parse_args(argv)

    tok = WordPieceTokenizer.load(args.tokenizer)
    data_dir = Path(args.data)
    limit = 512 if args.smoke else None
    train_set = load_examples(data_dir / "train.jsonl", tok, limit)
    dev_set = load_examples(data_dir / "dev.jsonl", tok, 128 if args.smoke else 2000)
    model_cfg = replace(SIZES[args.size], vocab_size=tok.vocab_size)
    cfg = TrainConfig(steps=args.steps, batch_size=args.batch_size, lr=args.lr)
    if args.smoke:
        model_cfg = SpanModelConfig(
            vocab_size=tok.vocab_size,
            embed_dim=32,
            d_model=64,
            n_heads=2,
            n_encoder_layers=1,
            n_decoder_layers=1,
            d_ff=128,
        )
        cfg = TrainConfig(steps=min(args.steps, 40), batch_size=16, eval_every=20, warmup=5)
    summary = train(Path(args.out), model_cfg, cfg, train_set, dev_set, half_weights=args.half_weights)
    last = summary["history"][-1]
    where = f"{summary['parameters']} parameters on {summary['device']}"
    print(f"{summary['steps']} steps, {where}: dev loss {last['dev_loss']:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
