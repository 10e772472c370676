"""In-process search over a built artifact folder (docs/semantic-origin-contract.md, section 2).

    searcher = SemanticSearcher.load(Path(".edgespan/semantic/sample"), device="cpu")
    hits = searcher.search_batch(["cordless drill"], k=10, mode="dense-ft")

Each mode is a ranker built at load time by its entry in LOADERS from the folder's files; a loader
raises NotBuilt when its files are missing, and searching that mode then names the mode and the
missing file. The semantic modes plug in by adding their loaders to LOADERS.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from .embed import QueryEncoder, pick_device
from .sid_search import SemanticIdRanker

MODES = ("dense", "dense-ft", "semantic", "semantic-drop-layer", "semantic-adaptive")
MAX_K = 100


@dataclass
class Hit:
    id: str
    title: str
    score: float
    sid: list[int] | None = None  # the product's semantic ID; None for dense modes


class NotBuilt(Exception):
    """A mode whose artifacts are not in the folder."""


# queries, k -> per query, the k best hits, best first
Ranker = Callable[[list[str], int], list[list[Hit]]]


class DenseRanker:
    """Exact nearest neighbours: dot product of the query vector with every (unit) item vector."""

    def __init__(self, searcher: SemanticSearcher, items_file: str, tower_file: str | None):
        items_path = searcher.root / items_file
        tower_path = searcher.root / tower_file if tower_file else None
        for path in (items_path, tower_path):
            if path is not None and not path.exists():
                raise NotBuilt(f"missing {path}")
        items = np.load(items_path)
        if items.shape != (len(searcher.ids), 384) or items.dtype != np.float32:
            expected = f"float32 [{len(searcher.ids)}, 384]"
            raise ValueError(f"{items_path}: expected {expected}, found {items.dtype} {list(items.shape)}")
        self.searcher = searcher
        self.items = torch.from_numpy(items).to(searcher.device)
        self.encoder = QueryEncoder.load(tower_path, searcher.device)

    def __call__(self, queries: list[str], k: int) -> list[list[Hit]]:
        s = self.searcher
        started = time.perf_counter()
        q = torch.from_numpy(self.encoder.encode(queries)).to(s.device)
        encoded = time.perf_counter()
        scores, rows = (q @ self.items.T).topk(min(k, len(self.items)), dim=1)
        rows, scores = rows.tolist(), scores.tolist()  # waits for the device
        s.last_timings = {"encode": (encoded - started) * 1e3, "decode": (time.perf_counter() - encoded) * 1e3}
        return [
            [Hit(s.ids[r], s.titles[r], round(float(v), 6)) for r, v in zip(rs, vs, strict=True)]
            for rs, vs in zip(rows, scores, strict=True)
        ]


LOADERS: dict[str, Callable[[SemanticSearcher], Ranker]] = {
    "dense": lambda s: DenseRanker(s, "items.dense.npy", None),
    "dense-ft": lambda s: DenseRanker(s, "items.dense-ft.npy", "dense-ft.pt"),
    "semantic": lambda s: SemanticIdRanker(s, "raw"),
    "semantic-drop-layer": lambda s: SemanticIdRanker(s, "drop-layer"),
    "semantic-adaptive": lambda s: SemanticIdRanker(s, "adaptive"),
}


class SemanticSearcher:
    def __init__(self, root: Path, ids: list[str], titles: list[str], device: str):
        self.root = root
        self.ids = ids
        self.titles = titles
        self.device = device
        self.rankers: dict[str, Ranker] = {}
        self.not_built: dict[str, str] = {}
        self.ready = False
        # Milliseconds of the last search_batch call, per phase ({"encode", "decode"}), filled by its ranker.
        self.last_timings: dict[str, float] = {}
        self._lock = threading.Lock()

    @classmethod
    def load(cls, root: Path, device: str | None = None, modes: tuple[str, ...] = MODES) -> SemanticSearcher:
        """Loads every mode whose artifacts are in `root`; `modes` limits which are tried."""
        root = Path(root)
        products = root / "products.json"
        if not products.exists():
            raise FileNotFoundError(f"{products}: not found; build it with python -m edgespan_ml.semantic.build")
        doc = json.loads(products.read_text(encoding="utf-8"))
        if not isinstance(doc, dict) or len(doc.get("ids", [])) != len(doc.get("titles", [None])):
            raise ValueError(f"{products}: expected {{ids: [...], titles: [...]}} of equal length")
        searcher = cls(root, doc["ids"], doc["titles"], pick_device(device))
        for mode in modes:
            if mode not in MODES:
                raise ValueError(f"unknown mode {mode!r}: expected one of {', '.join(MODES)}")
            loader = LOADERS.get(mode)
            if loader is None:
                searcher.not_built[mode] = "not implemented yet"
                continue
            try:
                searcher.rankers[mode] = loader(searcher)
            except NotBuilt as e:
                searcher.not_built[mode] = str(e)
        searcher.ready = True
        return searcher

    @property
    def modes(self) -> list[str]:
        """The modes this folder can answer."""
        return [m for m in MODES if m in self.rankers]

    def search_batch(self, queries: list[str], k: int, mode: str) -> list[list[Hit]]:
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}: expected one of {', '.join(MODES)}")
        if mode not in self.rankers:
            raise NotBuilt(f"mode {mode!r} is not built in {self.root}: {self.not_built.get(mode, 'not loaded')}")
        if not isinstance(k, int) or not 1 <= k <= MAX_K:
            raise ValueError(f"k must be an integer in 1..{MAX_K}, got {k!r}")
        if not queries:
            return []
        with self._lock:
            self.last_timings = {}
            return self.rankers[mode](list(queries), k)
