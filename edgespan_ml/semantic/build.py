"""One command for the semantic path's artifacts (docs/semantic-origin-contract.md, section 1).

    python -m edgespan_ml.semantic.build --catalog sample|homedepot [--out DIR] [--smoke] [--force]
                                         [--quantizer kmeans|rqvae]

Stages run in order; each is skipped when its output file is there (or, for stages without one,
when build.json records it), so a rerun resumes where the last one stopped. build.json collects
each stage's parameters, timings and dev metrics, and is rewritten after every stage.
--smoke builds from the first 64 products with a few fine-tuning steps, in seconds: tests run it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import torch

from .. import data
from .catalogs import CATALOGS, Catalog, load_catalog
from .dual_tower import TowerConfig, train_tower
from .embed import embed_pair, pick_device, shared_bottom, use_all_cores
from .minilm import load_tokenizer, load_tower
from .recall import dev_recall
from .searcher import SemanticSearcher
from .sid_train import SID_STAGES

# Fine-tuning per catalog: Home Depot has judged training pairs; the sample only title pseudo-queries.
TOWER = {
    "homedepot": TowerConfig(),
    "sample": TowerConfig(steps=30, batch_size=16, warmup=5, pseudo_share=1.0),
}
SMOKE_TOWER = TowerConfig(steps=3, batch_size=8, warmup=1, pseudo_share=0.5, checkpoint_every=2)


@dataclass
class Build:
    catalog: Catalog
    out: Path
    smoke: bool
    tower: TowerConfig
    device: str
    quantizer: str = "kmeans"  # residual k-means, or "rqvae"
    report: dict = field(default_factory=dict)

    def path(self, name: str) -> Path:
        return self.out / name


def stage_products(b: Build) -> dict:
    doc = {"ids": b.catalog.ids, "titles": b.catalog.titles}
    b.path("products.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return {"products": len(b.catalog.ids)}


def stage_embed(b: Build) -> dict:
    """Titles through both towers in one pass: the fine-tuned one shares the base's frozen bottom."""
    base = load_tower(None).to(b.device)
    tuned = load_tower(b.path("dense-ft.pt")).to(b.device)
    started = time.time()
    vectors = embed_pair(base, tuned, load_tokenizer(), b.catalog.titles, b.device, progress="embed titles")
    seconds = time.time() - started
    # dense-ft first: items.dense.npy, written last, marks the stage done.
    for name, items in (("items.dense-ft.npy", vectors[1]), ("items.dense.npy", vectors[0])):
        tmp = b.path(name + ".tmp.npy")
        np.save(tmp, items)
        tmp.replace(b.path(name))
    return {
        "seconds": round(seconds, 1),
        "titles_per_second": round(len(b.catalog.titles) / max(seconds, 1e-9), 1),
        "shared_layers": shared_bottom(base, tuned),
    }


def stage_tower(b: Build) -> dict:
    return train_tower(b.catalog, b.path("dense-ft.pt"), b.tower, b.device)


def stage_dense_eval(b: Build) -> dict:
    if not b.catalog.dev:
        return {"skipped": "the catalog has no judged dev queries"}
    searcher = SemanticSearcher.load(b.out, b.device, modes=("dense", "dense-ft"))
    metrics = {mode: dev_recall(searcher, mode, b.catalog.dev) for mode in ("dense", "dense-ft")}
    b.report.setdefault("metrics", {}).update(metrics)
    return metrics


# (name, output file that marks it done or None, function returning what build.json records)
Stage = tuple[str, str | None, Callable[[Build], dict]]
STAGES: list[Stage] = [
    ("products", "products.json", stage_products),
    ("dual-tower", "dense-ft.pt", stage_tower),
    ("embed", "items.dense.npy", stage_embed),  # items.dense.npy and items.dense-ft.npy
    ("dense-eval", None, stage_dense_eval),
    *SID_STAGES,  # residual IDs, their models, the hourglass diagnosis, semantic modes' dev metrics
]


def hardware(device: str) -> dict:
    cpu = platform.processor()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        names = [ln.split(":", 1)[1].strip() for ln in cpuinfo.read_text().splitlines() if ln.startswith("model name")]
        cpu = names[0] if names else cpu
    info = {"cpu": cpu, "cores": os.cpu_count(), "torch": torch.__version__, "device": device}
    if device.startswith("cuda"):
        info["gpu"] = torch.cuda.get_device_name(0)
    return info


def run(b: Build, stages: list[Stage] = STAGES) -> dict:
    report_path = b.path("build.json")
    if report_path.exists():
        b.report = json.loads(report_path.read_text(encoding="utf-8"))
    b.report.update({"catalog": b.catalog.name, "smoke": b.smoke, "hardware": hardware(b.device)})
    done_stages = b.report.setdefault("stages", {})
    for name, done_file, fn in stages:
        done = b.path(done_file).exists() if done_file else name in done_stages
        if done:
            print(f"[{name}] done already ({done_file or 'build.json'})")
            continue
        print(f"[{name}] …", flush=True)
        started = time.time()
        result = fn(b)
        done_stages[name] = {"seconds": round(time.time() - started, 1), **result}
        print(f"[{name}] {done_stages[name]['seconds']} s", flush=True)
        tmp = report_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(b.report, indent=2, ensure_ascii=False), encoding="utf-8")
        tmp.replace(report_path)
    return b.report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m edgespan_ml.semantic.build")
    parser.add_argument("--catalog", choices=CATALOGS, default="sample")
    parser.add_argument("--out", help="default .edgespan/semantic/<catalog> (<catalog>-smoke with --smoke)")
    parser.add_argument("--steps", type=int, help="dual-tower fine-tuning steps (default per catalog)")
    parser.add_argument("--pseudo-share", type=float, help="share of title pseudo-queries in tower batches")
    parser.add_argument("--trainable-layers", type=int, help="top layers the tower fine-tunes (1..6)")
    parser.add_argument("--device", help="cpu or cuda (default: cuda when present)")
    parser.add_argument("--quantizer", choices=("kmeans", "rqvae"), default="kmeans", help="residual k-means or RQ-VAE")
    parser.add_argument("--until", metavar="STAGE", help="stop after this stage (e.g. dense-eval)")
    parser.add_argument("--smoke", action="store_true", help="64 products, a few steps: seconds")
    parser.add_argument("--force", action="store_true", help="rerun every stage")
    args = parser.parse_args(argv)
    if args.steps is not None and args.steps < 1:
        parser.error(f"--steps must be >= 1, got {args.steps}")
    if args.pseudo_share is not None and not 0.0 <= args.pseudo_share <= 1.0:
        parser.error(f"--pseudo-share must be in [0, 1], got {args.pseudo_share}")
    if args.trainable_layers is not None and not 1 <= args.trainable_layers <= 6:
        parser.error(f"--trainable-layers must be in 1..6, got {args.trainable_layers}")
    names = [name for name, _, _ in STAGES]
    if args.until is not None and args.until not in names:
        parser.error(f"--until: unknown stage {args.until!r}, expected one of {', '.join(names)}")
    suffix = "-smoke" if args.smoke else ""
    out = Path(args.out) if args.out else data.REPO_ROOT / ".edgespan" / "semantic" / (args.catalog + suffix)
    if args.force and out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    tower = SMOKE_TOWER if args.smoke else TOWER[args.catalog]
    overrides = {"steps": args.steps, "pseudo_share": args.pseudo_share, "trainable_layers": args.trainable_layers}
    tower = replace(tower, **{k: v for k, v in overrides.items() if v is not None})
    use_all_cores()
    catalog = load_catalog(args.catalog, smoke=args.smoke)
    b = Build(catalog, out, args.smoke, tower, pick_device(args.device), args.quantizer)
    report = run(b, STAGES[: names.index(args.until) + 1] if args.until else STAGES)
    print(json.dumps(report.get("metrics", {}), indent=2))
    print(f"artifacts: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
