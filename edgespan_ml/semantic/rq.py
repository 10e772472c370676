"""Residual quantization of item embeddings into semantic IDs.

Residual k-means: layer 0 clusters the embeddings, each later layer clusters what the earlier ones
left over, so a product's code path (c_0, ..., c_{L-1}) goes from coarse to fine. Products whose
paths collide get one more token, a suffix (their index among the colliders, in catalog order);
unique paths end without one.

A semantic ID is a list of tokens in one token space shared by every variant, so a token names its
layer as well as its code: code c of layer l is l * K + c, suffix s is L * K + s. A variant that
leaves a layer out (or prunes some of its codes) still produces unambiguous, prefix-free IDs.

    python -m edgespan_ml.semantic.rq --artifacts .edgespan/semantic/homedepot [--layers 3 --codes 256]
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

MAX_ITERS = 25
CHUNK = 8192  # rows per distance computation: bounds memory at CHUNK x K floats


@dataclass
class Quantizer:
    codebooks: np.ndarray  # float32 [L, K, D]
    codes: np.ndarray  # int64 [N, L]

    @property
    def layers(self) -> int:
        return self.codebooks.shape[0]

    @property
    def codes_per_layer(self) -> int:
        return self.codebooks.shape[1]

    def save(self, path: Path) -> None:
        np.savez(path, codebooks=self.codebooks, codes=self.codes)

    @staticmethod
    def load(path: Path) -> Quantizer:
        with np.load(path) as z:
            return Quantizer(z["codebooks"], z["codes"])


def nearest(x: torch.Tensor, centroids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Index of and squared distance to the nearest centroid of each row, in chunks."""
    c_sq = (centroids * centroids).sum(1)
    idx, dist = [], []
    for i in range(0, len(x), CHUNK):
        part = x[i : i + CHUNK]
        d = c_sq[None, :] - 2 * part @ centroids.T  # |x|^2 is constant per row: left out of the argmin
        best, arg = d.min(1)
        idx.append(arg)
        dist.append((best + (part * part).sum(1)).clamp_min(0))
    return torch.cat(idx), torch.cat(dist)


def kmeans_pp(x: torch.Tensor, k: int, gen: torch.Generator) -> torch.Tensor:
    """k-means++ seeding: each next centroid drawn with probability proportional to D^2."""
    first = torch.randint(len(x), (1,), generator=gen)
    centroids = [x[first[0]]]
    d2 = ((x - centroids[0]) ** 2).sum(1)
    for _ in range(1, k):
        if float(d2.sum()) <= 0:  # fewer distinct points than k: repeat one, the empty-cluster rule reseeds it
            pick = torch.randint(len(x), (1,), generator=gen)[0]
        else:
            pick = torch.multinomial(d2, 1, generator=gen)[0]
        centroids.append(x[pick])
        d2 = torch.minimum(d2, ((x - x[pick]) ** 2).sum(1))
    return torch.stack(centroids)


def kmeans(x: torch.Tensor, k: int, seed: int, iters: int = MAX_ITERS) -> tuple[torch.Tensor, torch.Tensor]:
    """Lloyd's algorithm from k-means++ seeds; stops when under 0.1% of the rows change cluster.
    An empty cluster takes the row farthest from its centroid, so every code stays usable."""
    gen = torch.Generator().manual_seed(seed)
    seed_rows = x if len(x) <= 20000 else x[torch.randperm(len(x), generator=gen)[:20000]]
    centroids = kmeans_pp(seed_rows, k, gen)
    assign, dist = nearest(x, centroids)
    for _ in range(iters):
        sums = torch.zeros_like(centroids).index_add_(0, assign, x)
        counts = torch.bincount(assign, minlength=k)
        centroids = torch.where(counts[:, None] > 0, sums / counts.clamp_min(1)[:, None], centroids)
        for empty in torch.nonzero(counts == 0).flatten().tolist():
            far = int(dist.argmax())
            centroids[empty] = x[far]
            dist[far] = 0
        new_assign, dist = nearest(x, centroids)
        changed = int((new_assign != assign).sum())
        assign = new_assign
        if changed <= len(x) // 1000:
            break
    return centroids, assign


def residual_kmeans(embeddings: np.ndarray, layers: int, k: int, seed: int = 0) -> Quantizer:
    if embeddings.ndim != 2 or len(embeddings) < k:
        raise ValueError(f"need a [N, D] matrix with N >= K={k}, got shape {embeddings.shape}")
    residual = torch.from_numpy(np.ascontiguousarray(embeddings, dtype=np.float32))
    books, codes = [], []
    for layer in range(layers):
        centroids, assign = kmeans(residual, k, seed + layer)
        residual = residual - centroids[assign]
        books.append(centroids.numpy())
        codes.append(assign.numpy())
    return Quantizer(np.stack(books), np.stack(codes, 1).astype(np.int64))


@dataclass
class SemanticIds:
    """One variant's IDs: which layers they use, which codes of which layer are pruned."""

    variant: str
    layers: int  # L of the quantizer (the token space), not how many the IDs use
    codes_per_layer: int
    kept_layers: list[int]
    pruned_layer: int | None
    pruned_codes: list[int]
    ids: list[list[int]]

    @property
    def suffix_base(self) -> int:
        return self.layers * self.codes_per_layer

    def suffixes(self) -> list[int]:
        """Each product's suffix, -1 where its path is unique."""
        return [t[-1] - self.suffix_base if t[-1] >= self.suffix_base else -1 for t in self.ids]

    def stats(self) -> dict:
        suffix = self.suffixes()
        return {
            "variant": self.variant,
            "layers": self.kept_layers,
            "codes_per_layer": self.codes_per_layer,
            "pruned_layer": self.pruned_layer,
            "pruned_codes": len(self.pruned_codes),
            "collision_rate": sum(s >= 0 for s in suffix) / max(1, len(suffix)),
            "max_suffix": max(suffix, default=-1),
            "mean_id_length": float(np.mean([len(t) for t in self.ids])) if self.ids else 0.0,
        }

    def to_json(self) -> dict:
        return {
            "variant": self.variant,
            "layers": self.layers,
            "codes_per_layer": self.codes_per_layer,
            "kept_layers": self.kept_layers,
            "pruned_layer": self.pruned_layer,
            "pruned_codes": self.pruned_codes,
            "suffix_base": self.suffix_base,
            "ids": self.ids,
        }

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_json(), separators=(",", ":")))

    @staticmethod
    def load(path: Path) -> SemanticIds:
        d = json.loads(path.read_text())
        fields = ("variant", "layers", "codes_per_layer", "kept_layers", "pruned_layer", "pruned_codes", "ids")
        missing = [f for f in fields if f not in d]
        if missing:
            raise ValueError(f"{path}: missing {', '.join(missing)}")
        return SemanticIds(**{f: d[f] for f in fields})


def make_ids(
    codes: np.ndarray,
    k: int,
    variant: str,
    keep: list[int] | None = None,
    prune_layer: int | None = None,
    prune_codes: list[int] | tuple[int, ...] = (),
) -> SemanticIds:
    """IDs from the code paths [N, L] over the `keep` layers (all by default); a product whose code
    in `prune_layer` is one of `prune_codes` has no token for that layer. Colliding paths get a
    suffix: the product's index among the colliders, in catalog order."""
    layers = codes.shape[1]
    keep = list(range(layers)) if keep is None else sorted(keep)
    pruned = {int(c) for c in prune_codes}
    paths = [
        tuple(layer * k + row[layer] for layer in keep if not (layer == prune_layer and row[layer] in pruned))
        for row in codes.tolist()
    ]
    sharing: dict[tuple[int, ...], int] = {}
    for p in paths:
        sharing[p] = sharing.get(p, 0) + 1
    next_suffix: dict[tuple[int, ...], int] = {}
    ids = []
    for p in paths:
        if sharing[p] == 1:
            ids.append(list(p))
            continue
        s = next_suffix.get(p, 0)
        next_suffix[p] = s + 1
        ids.append([*p, layers * k + s])
    return SemanticIds(variant, layers, k, keep, prune_layer, sorted(pruned), ids)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m edgespan_ml.semantic.rq")
    parser.add_argument("--artifacts", required=True, help="folder with items.dense-ft.npy; rq.npz goes there")
    parser.add_argument("--embeddings", default="items.dense-ft.npy")
    parser.add_argument("--layers", type=int, default=3)
    parser.add_argument("--codes", type=int, default=256)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    folder = Path(args.artifacts)
    source = folder / args.embeddings
    if not source.exists():
        parser.error(f"{source}: not found (build the embeddings first)")
    started = time.time()
    quantizer = residual_kmeans(np.load(source), args.layers, args.codes, args.seed)
    quantizer.save(folder / "rq.npz")
    raw = make_ids(quantizer.codes, quantizer.codes_per_layer, "raw")
    raw.save(folder / "sid.raw.json")
    print(json.dumps({**raw.stats(), "seconds": round(time.time() - started, 1)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
