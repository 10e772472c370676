"""One command for the span model: tokenizer, training data, SFT, DPO and the int8 ONNX export.

    python -m edgespan_ml.pipeline [--out .edgespan/pipeline] [--steps 4000] [--smoke]

Each stage writes into its own folder under --out and is skipped when its output is there, so a
rerun resumes where the last one stopped (SFT also resumes inside its checkpoint). --smoke runs the
whole chain on a tiny slice with a tiny model, in well under a minute: CI runs it.
"""

from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path

from . import data, dpo, export, spans, tokenizer, train


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m edgespan_ml.pipeline")
    parser.add_argument("--out", default=str(data.REPO_ROOT / ".edgespan" / "pipeline"))
    parser.add_argument("--steps", type=int, default=4000, help="SFT steps")
    parser.add_argument("--dpo-steps", type=int, default=500)
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--force", action="store_true", help="rerun every stage")
    args = parser.parse_args(argv)
    out = Path(args.out)
    if args.force and out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    smoke = ["--smoke"] if args.smoke else []

    def stage(name: str, done: Path, run) -> None:
        if done.exists():
            print(f"[{name}] done already ({done})")
            return
        started = time.time()
        print(f"[{name}] …", flush=True)
        run()
        print(f"[{name}] {time.time() - started:.1f} s", flush=True)

    tok = out / "tokenizer.txt"
    if not args.smoke and (data.REPO_ROOT / "wasm" / "tokenizer.txt").exists():
        shutil.copyfile(data.REPO_ROOT / "wasm" / "tokenizer.txt", tok)  # the committed vocabulary
    stage("tokenizer", tok, lambda: tokenizer.main(["train", "--out", str(tok)]))
    stage(
        "data",
        out / "data" / "train.jsonl",
        lambda: spans.main(["--out", str(out / "data"), *(["--limit", "300"] if args.smoke else [])]),
    )
    sft = out / "sft"
    stage(
        "sft",
        sft / "model.pt",
        lambda: train.main(
            [
                "--out",
                str(sft),
                "--data",
                str(out / "data"),
                "--tokenizer",
                str(tok),
                "--steps",
                str(args.steps),
                *smoke,
            ]
        ),
    )
    tuned = out / "dpo"
    dpo_args = (
        ["--steps", "10", "--batch-size", "8", "--limit-pairs", "200"]
        if args.smoke
        else ["--steps", str(args.dpo_steps)]
    )
    stage(
        "dpo",
        tuned / "model.pt",
        lambda: dpo.main(["--init", str(sft / "model.pt"), "--out", str(tuned), "--tokenizer", str(tok), *dpo_args]),
    )
    model = out / "model"
    stage(
        "export",
        model / "model.json",
        lambda: export.main(["--checkpoint", str(tuned / "model.pt"), "--out", str(model)]),
    )
    print(f"span model ready: {model} (evaluate: npx tsx bin/edgespan.ts eval --system lexical --model {model})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
