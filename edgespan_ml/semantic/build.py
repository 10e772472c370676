"""One command for the semantic path's artifacts (docs/semantic-origin-contract.md, section 1).

    python -m edgespan_ml.semantic.build --catalog sample|homedepot [--out DIR] [--smoke] [--force]

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
from .embed import embed_texts, pick_device, use_all_cores
from .minilm import load_tokenizer, load_tower
from .recall import dev_recall
from .searcher import SemanticSearcher

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
    report: dict = field(default_factory=dict)

    def path(self, name: str) -> Path:
        return self.out / name


def stage_products(b: Build) -> dict:
    doc = {"ids": b.catalog.ids, "titles": b.catalog.titles}
    b.path("products.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return {"products": len(b.catalog.ids)}


def embed_items(b: Build, tower_file: str | None, out_file: str) -> dict:
    model = load_tower(b.path(tower_file) if tower_file else None).to(b.device)
    started = time.time()
    vectors = embed_texts(model, load_tokenizer(), b.catalog.titles, b.device, progress=out_file)
    seconds = time.time() - started
    tmp = b.path(out_file + ".tmp.npy")
    np.save(tmp, vectors)
    tmp.replace(b.path(out_file))
    return {"seconds": round(seconds, 1), "titles_per_second": round(len(vectors) / max(seconds, 1e-9), 1)}


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
    # The fine-tuned side first: the semantic IDs are built from items.dense-ft.npy.
    ("dual-tower", "dense-ft.pt", stage_tower),
    ("embed-dense-ft", "items.dense-ft.npy", lambda b: embed_items(b, "dense-ft.pt", "items.dense-ft.npy")),
    ("embed-dense", "items.dense.npy", lambda b: embed_items(b, None, "items.dense.npy")),
    ("dense-eval", None, stage_dense_eval),
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
    parser.add_argument("--device", help="cpu or cuda (default: cuda when present)")
    parser.add_argument("--smoke", action="store_true", help="64 products, a few steps: seconds")
    parser.add_argument("--force", action="store_true", help="rerun every stage")
    args = parser.parse_args(argv)
    if args.steps is not None and args.steps < 1:
        parser.error(f"--steps must be >= 1, got {args.steps}")
    suffix = "-smoke" if args.smoke else ""
    out = Path(args.out) if args.out else data.REPO_ROOT / ".edgespan" / "semantic" / (args.catalog + suffix)
    if args.force and out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    tower = SMOKE_TOWER if args.smoke else TOWER[args.catalog]
    if args.steps is not None:
        tower = replace(tower, steps=args.steps)
    use_all_cores()
    b = Build(load_catalog(args.catalog, smoke=args.smoke), out, args.smoke, tower, pick_device(args.device))
    report = run(b)
    print(json.dumps(report.get("metrics", {}), indent=2))
    print(f"artifacts: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
