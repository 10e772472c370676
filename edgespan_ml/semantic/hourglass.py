"""The hourglass diagnosis of residual IDs, and its two fixes.

Residual quantization can route most products through a few codes of one layer (often a middle
one: the "hourglass"): that layer then carries little information, and a generator spends its
decode steps and its errors there. Per layer this measures how evenly codes are used (entropy,
normalized entropy, Gini, share of the top-1 and top-10 codes) and, per prefix depth, path
sparsity (used prefixes over possible ones). The fixes act on the concentrated layer:

- drop-layer: IDs without that layer (suffixes recomputed);
- adaptive: its top-K most frequent codes are pruned, so products routed through them get an ID
  one token shorter, while the informative codes of that layer stay.

    python -m edgespan_ml.semantic.hourglass --artifacts .edgespan/semantic/homedepot

reads rq.npz and the sid.<variant>.json present, writes hourglass.json and hourglass.png, prints a table.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import numpy as np

from .rq import Quantizer, SemanticIds, make_ids

VARIANTS = ("raw", "drop-layer", "adaptive")


def usage_metrics(counts: np.ndarray) -> dict:
    """How evenly a layer uses its K codes, from the count of products per code."""
    counts = np.asarray(counts, dtype=np.float64)
    k, total = len(counts), counts.sum()
    if total <= 0:
        raise ValueError("no products use this layer")
    p = counts[counts > 0] / total
    entropy = float(-(p * np.log2(p)).sum())
    ascending = np.sort(counts)
    ranks = np.arange(1, k + 1)
    gini = float(((2 * ranks - k - 1) * ascending).sum() / (k * total)) if k > 1 else 0.0
    descending = ascending[::-1]
    return {
        "codes": k,
        "used_codes": int((counts > 0).sum()),
        "entropy": entropy,
        "normalized_entropy": entropy / math.log2(k) if k > 1 else 1.0,
        "gini": gini,
        "top1_share": float(descending[0] / total),
        "top10_share": float(descending[:10].sum() / total),
    }


def concentrated_layer(per_layer: list[dict]) -> int:
    """The layer whose codes are used least evenly: lowest normalized entropy, then highest top-10 share."""
    return min(range(len(per_layer)), key=lambda i: (per_layer[i]["normalized_entropy"], -per_layer[i]["top10_share"]))


def diagnose(sids: SemanticIds) -> dict:
    """Per kept layer: usage of its codes by the products that carry a token for it; per prefix
    depth: used code prefixes over K^depth (suffix tokens left out)."""
    k, base = sids.codes_per_layer, sids.suffix_base
    paths = [[t for t in sid if t < base] for sid in sids.ids]
    layers = []
    for layer in sids.kept_layers:
        tokens = [t - layer * k for p in paths for t in p if layer * k <= t < (layer + 1) * k]
        counts = np.bincount(np.asarray(tokens, dtype=np.int64), minlength=k)
        metrics = usage_metrics(counts) if tokens else {"codes": k, "used_codes": 0}
        by_size = sorted(counts.tolist(), reverse=True)
        layers.append({"layer": layer, "products": len(tokens), **metrics, "sorted_counts": by_size})
    sparsity = []
    for depth in range(1, len(sids.kept_layers) + 1):
        used = len({tuple(p[:depth]) for p in paths if len(p) >= depth})
        sparsity.append({"depth": depth, "used_paths": used, "possible_paths": k**depth, "share": used / k**depth})
    return {**sids.stats(), "per_layer": layers, "path_sparsity": sparsity}


def drop_layer(quantizer: Quantizer, layer: int) -> SemanticIds:
    keep = [i for i in range(quantizer.layers) if i != layer]
    return make_ids(quantizer.codes, quantizer.codes_per_layer, "drop-layer", keep=keep)


def adaptive(quantizer: Quantizer, layer: int, top_k: int) -> SemanticIds:
    counts = np.bincount(quantizer.codes[:, layer], minlength=quantizer.codes_per_layer)
    top = np.argsort(-counts, kind="stable")[:top_k].tolist()
    return make_ids(quantizer.codes, quantizer.codes_per_layer, "adaptive", prune_layer=layer, prune_codes=top)


def plot(report: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    variants = [v for v in VARIANTS if v in report["variants"]]
    fig, axes = plt.subplots(1, len(variants), figsize=(5 * len(variants), 4), squeeze=False, sharey=True)
    for ax, name in zip(axes[0], variants, strict=True):
        for layer in report["variants"][name]["per_layer"]:
            counts = np.asarray(layer["sorted_counts"], dtype=np.float64)
            counts = counts[counts > 0]  # pruned or unused codes: nothing to draw on a log scale
            if counts.sum() > 0:
                ax.plot(np.arange(1, len(counts) + 1), counts / counts.sum(), label=f"layer {layer['layer']}")
        ax.set(title=name, xlabel="code rank", xscale="log", yscale="log")
        ax.legend()
    axes[0][0].set_ylabel("share of products")
    fig.suptitle("Code frequency per layer, sorted")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def table(report: dict) -> str:
    columns = ("layer", "products", "H bits", "H norm", "gini", "top1", "top10")
    lines = [f"{'variant':<11} " + " ".join(f"{c:>{max(5, len(c))}}" for c in columns)]
    for name, v in report["variants"].items():
        for layer in v["per_layer"]:
            if "entropy" not in layer:
                continue
            lines.append(
                f"{name:<11} {layer['layer']:>5} {layer['products']:>8} {layer['entropy']:>6.2f} "
                f"{layer['normalized_entropy']:>6.3f} {layer['gini']:>5.2f} {layer['top1_share']:>5.3f} "
                f"{layer['top10_share']:>5.3f}"
            )
        sparsity = ", ".join(f"d{s['depth']}={s['share']:.2e}" for s in v["path_sparsity"])
        lines.append(
            f"{'':<11} collisions {v['collision_rate']:.4f}, max suffix {v['max_suffix']}, "
            f"mean ID length {v['mean_id_length']:.2f}, used/possible paths {sparsity}"
        )
    return "\n".join(lines)


def run(folder: Path) -> dict:
    quantizer = Quantizer.load(folder / "rq.npz")
    raw = make_ids(quantizer.codes, quantizer.codes_per_layer, "raw")
    report = {"variants": {"raw": diagnose(raw)}}
    layer = concentrated_layer(report["variants"]["raw"]["per_layer"])
    report["concentrated_layer"] = layer
    for name in VARIANTS[1:]:
        saved = folder / f"sid.{name}.json"
        if saved.exists():
            report["variants"][name] = diagnose(SemanticIds.load(saved))
        elif name == "drop-layer":
            report["variants"][name] = diagnose(drop_layer(quantizer, layer))
    (folder / "hourglass.json").write_text(json.dumps(report, indent=1))
    plot(report, folder / "hourglass.png")
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m edgespan_ml.semantic.hourglass")
    parser.add_argument("--artifacts", required=True, help="folder with rq.npz (python -m edgespan_ml.semantic.rq)")
    args = parser.parse_args(argv)
    folder = Path(args.artifacts)
    if not (folder / "rq.npz").exists():
        parser.error(f"{folder / 'rq.npz'}: not found (run the rq stage first)")
    report = run(folder)
    print(table(report))
    print(f"concentrated layer: {report['concentrated_layer']}; wrote hourglass.json and hourglass.png in {folder}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
