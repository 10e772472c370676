"""One command for the span model: tokenizer, training data, SFT, DPO, teacher, distillation, export.

    python -m edgespan_ml.pipeline [--out .edgespan/pipeline] [--steps 4000] [--smoke]

Stages, each in its own folder under --out and skipped when its output is there, so a rerun resumes
where the last one stopped (the training stages also resume inside their checkpoints):

    tokenizer, data -> sft -> models/sft -> sft-spans -> dpo -> models/dpo
                       teacher -> models/teacher -> teacher-spans -> distilled -> models/distilled

`*-spans` decode the training queries with an exported model under the FM index's constraint, in
the TypeScript core the edge runs (`edgespan spans`): DPO takes the SFT model's hypotheses that
retrieve only irrelevant products as rejected examples, and distillation trains the student on the
teacher's hypotheses that retrieve a relevant product. --smoke runs the whole chain on a tiny slice
with tiny models, in well under a minute (CI runs it on the sample catalog).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from . import data, distill, dpo, export, spans, tokenizer, train


def decode_spans(model: Path, tok: Path, out: Path, limit: int | None) -> None:
    """The exported model's beams for the training queries, through the edge's constrained decoder."""
    command = ["npx", "tsx", "bin/edgespan.ts", "spans", "--model", str(model), "--tokenizer", str(tok)]
    command += ["--split", "train", "--out", str(out), *(["--limit", str(limit)] if limit else [])]
    subprocess.run(command, cwd=data.REPO_ROOT, check=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m edgespan_ml.pipeline")
    parser.add_argument("--out", default=str(data.REPO_ROOT / ".edgespan" / "pipeline"))
    parser.add_argument("--steps", type=int, default=4000, help="the student's SFT steps")
    parser.add_argument("--teacher-steps", type=int, default=4000)
    parser.add_argument("--dpo-steps", type=int, default=500)
    parser.add_argument("--distill-steps", type=int, default=1000)
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--force", action="store_true", help="rerun every stage")
    args = parser.parse_args(argv)
    out = Path(args.out)
    if args.force and out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    smoke = ["--smoke"] if args.smoke else []
    spans_limit = 20 if args.smoke else None

    def stage(name: str, done: Path, run: Callable[[], object]) -> None:
        if done.exists():
            print(f"[{name}] done already ({done})")
            return
        started = time.time()
        print(f"[{name}] …", flush=True)
        run()
        print(f"[{name}] {time.time() - started:.1f} s", flush=True)

    def exported(name: str, checkpoint: Path) -> Path:
        folder = out / "models" / name
        stage(
            f"export {name}",
            folder / "model.json",
            lambda: export.main(["--checkpoint", str(checkpoint), "--out", str(folder)]),
        )
        return folder

    def sft(name: str, size: str, steps: int) -> Path:
        folder = out / name
        common = ["--data", str(out / "data"), "--tokenizer", str(tok), "--steps", str(steps)]
        stage(name, folder / "model.pt", lambda: train.main(["--out", str(folder), "--size", size, *common, *smoke]))
        return folder / "model.pt"

    tok = out / "tokenizer.txt"
    if not args.smoke and (data.REPO_ROOT / "wasm" / "tokenizer.txt").exists():
        shutil.copyfile(data.REPO_ROOT / "wasm" / "tokenizer.txt", tok)  # the committed vocabulary
    stage("tokenizer", tok, lambda: tokenizer.main(["train", "--out", str(tok)]))
    stage(
        "data",
        out / "data" / "train.jsonl",
        lambda: spans.main(["--out", str(out / "data"), *(["--limit", "300"] if args.smoke else [])]),
    )

    student = sft("sft", "student", args.steps)
    sft_spans = out / "sft-spans.jsonl"
    sft_model = exported("sft", student)
    stage("sft-spans", sft_spans, lambda: decode_spans(sft_model, tok, sft_spans, spans_limit))
    tuned = out / "dpo"
    smoke_dpo = ["--steps", "10", "--batch-size", "8", "--limit-pairs", "200"]
    dpo_args = smoke_dpo if args.smoke else ["--steps", str(args.dpo_steps)]
    stage(
        "dpo",
        tuned / "model.pt",
        lambda: dpo.main(
            ["--init", str(student), "--out", str(tuned), "--tokenizer", str(tok), "--model-spans", str(sft_spans)]
            + dpo_args
        ),
    )
    exported("dpo", tuned / "model.pt")

    teacher = exported("teacher", sft("teacher", "teacher", args.teacher_steps))
    teacher_spans = out / "teacher-spans.jsonl"
    stage("teacher-spans", teacher_spans, lambda: decode_spans(teacher, tok, teacher_spans, spans_limit))
    distilled = out / "distilled"
    stage(
        "distilled",
        distilled / "model.pt",
        lambda: distill.main(
            ["--init", str(student), "--teacher-spans", str(teacher_spans), "--out", str(distilled)]
            + ["--data", str(out / "data"), "--tokenizer", str(tok), "--steps", str(args.distill_steps)]
            + ["--per-query", "3", "--only-relevant", *smoke]
        ),
    )
    exported("distilled", distilled / "model.pt")

    print(f"span models ready in {out / 'models'} (teacher, sft, dpo, distilled); evaluate one with")
    print(f"  npx tsx bin/edgespan.ts eval --system lexical --model {out / 'models' / 'distilled'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
