"""Beam search over the trie of valid semantic IDs, and ranked product lists from its beams.

The trie holds every product's ID followed by END, so END is allowed exactly where an ID ends and
variable-length IDs need no special case; the node after END is the product's leaf. Children are
stored flat (CSR, sorted by token) and the trie's nodes are numbered in depth-first order over the
IDs sorted lexicographically, so every node's products are one contiguous range of that order.

A product list of length k: the products of the finished beams, best first; when there are fewer
than k, the products under the best prefixes the search kept on its way (deepest step first, then
by score) fill the rest. `rerank` reorders such a list by the cosine of query and item vectors.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch
from torch.nn import functional as F

from .sid_model import SidModel

MAX_BEAM = 128


class Trie:
    def __init__(self, ids: list[list[int]], end: int):
        self.end = end
        order = sorted(range(len(ids)), key=lambda i: ids[i])
        children: list[dict[int, int]] = [{}]
        first, last = [0], [0]
        for rank, product in enumerate(order):
            node, created = 0, False
            last[0] = rank + 1
            for token in [*ids[product], end]:
                nxt = children[node].get(token)
                created = nxt is None
                if created:
                    nxt = children[node][token] = len(children)
                    children.append({})
                    first.append(rank)
                    last.append(rank)
                last[nxt] = rank + 1
                node = nxt
            if not created:
                raise ValueError(f"product {product}: its ID {ids[product]} is not unique")
        self.sorted_products = np.asarray(order, dtype=np.int64)
        self.first, self.last = np.asarray(first), np.asarray(last)  # products under a node: sorted[first:last]
        counts = np.asarray([len(c) for c in children])
        self.child_start = np.concatenate([[0], np.cumsum(counts)])
        flat = [(n, t, c) for n, kids in enumerate(children) for t, c in sorted(kids.items())]
        self.child_token = np.asarray([t for _, t, _ in flat], dtype=np.int64)
        self.child_node = np.asarray([c for _, _, c in flat], dtype=np.int64)
        self.vocab = int(max(self.child_token.max(initial=0), end)) + 1
        self.child_key = np.arange(len(children)).repeat(counts) * self.vocab + self.child_token  # sorted
        self.leaf_product = np.full(len(children), -1, dtype=np.int64)
        self.leaf_product[counts == 0] = self.sorted_products[self.first[counts == 0]]

    @property
    def nodes(self) -> int:
        return len(self.first)

    def child(self, nodes: np.ndarray, tokens: np.ndarray) -> np.ndarray:
        keys = nodes * self.vocab + tokens
        at = np.searchsorted(self.child_key, keys)
        if not np.array_equal(self.child_key[np.minimum(at, len(self.child_key) - 1)], keys):
            raise ValueError("token not allowed at its trie node")
        return self.child_node[at]

    def products_under(self, node: int) -> np.ndarray:
        return self.sorted_products[self.first[node] : self.last[node]]

    def walk(self, tokens: list[int]) -> int | None:
        """The node a token sequence reaches from the root, None if it leaves the trie."""
        node = 0
        for t in tokens:
            lo, hi = self.child_start[node], self.child_start[node + 1]
            at = lo + np.searchsorted(self.child_token[lo:hi], t)
            if at >= hi or self.child_token[at] != t:
                return None
            node = int(self.child_node[at])
        return node


@dataclass
class Beams:
    """Per query, the finished beams' leaf nodes (best first) with their log-probabilities, and
    the beams (trie node, score) of every step."""

    finished: list[list[int]]
    scores: list[list[float]]
    history: list[tuple[np.ndarray, np.ndarray]]  # per step: nodes [Q, B], scores [Q, B] (-inf: empty)
    steps: int


@torch.inference_mode()
def beam_search(model: SidModel, trie: Trie, queries: torch.Tensor, beam: int) -> Beams:
    """Constrained beam search for a batch of query vectors [Q, D]; only trie paths are scored."""
    if not 1 <= beam <= MAX_BEAM:
        raise ValueError(f"beam must be in 1..{MAX_BEAM}, got {beam}")
    q, v, device = len(queries), trie.vocab, queries.device
    nodes = np.zeros((q, beam), dtype=np.int64)
    scores = torch.full((q, beam), -torch.inf, device=device)
    scores[:, 0] = 0.0
    tokens = torch.zeros((q * beam, 0), dtype=torch.long, device=device)
    query_rows = queries.repeat_interleave(beam, 0)
    history, steps = [], 0
    while True:
        leaf = trie.leaf_product[nodes] >= 0
        alive = torch.isfinite(scores).cpu().numpy()
        if not (alive & ~leaf).any():
            break
        logp = F.log_softmax(model(query_rows, tokens)[:, -1].float(), dim=-1)
        steps += 1
        candidates = torch.full((q * beam, v), -torch.inf, device=device)
        # open beams: score + log p of each child token; finished beams: stay, at their score
        open_rows = np.flatnonzero((alive & ~leaf).ravel())
        flat_nodes = nodes.ravel()[open_rows]
        counts = trie.child_start[flat_nodes + 1] - trie.child_start[flat_nodes]
        rows = open_rows.repeat(counts)
        offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        toks = trie.child_token[trie.child_start[flat_nodes].repeat(counts) + offsets]
        rows_t, toks_t = torch.from_numpy(rows).to(device), torch.from_numpy(toks).to(device)
        candidates[rows_t, toks_t] = scores.view(-1)[rows_t] + logp[rows_t, toks_t]
        done_rows = torch.from_numpy(np.flatnonzero((alive & leaf).ravel())).to(device)
        candidates[done_rows, trie.end] = scores.view(-1)[done_rows]
        best, index = candidates.view(q, beam * v).topk(beam, dim=1)
        parent, token = (index // v).cpu().numpy(), (index % v).cpu().numpy()
        parent_nodes = np.take_along_axis(nodes, parent, 1)
        stays = trie.leaf_product[parent_nodes] >= 0
        valid = torch.isfinite(best).cpu().numpy()
        moved = valid & ~stays
        nodes = parent_nodes.copy()
        nodes[moved] = trie.child(parent_nodes[moved], token[moved])
        flat_parent = (parent + np.arange(q)[:, None] * beam).ravel()
        next_token = torch.from_numpy(np.where(stays, trie.end, token).ravel()).to(device)
        tokens = torch.cat([tokens[torch.from_numpy(flat_parent).to(device)], next_token[:, None]], dim=1)
        scores = best
        history.append((nodes.copy(), scores.cpu().numpy()))
    final = scores.cpu().numpy()
    finished, finished_scores = [], []
    for i in range(q):
        keep = [j for j in range(beam) if np.isfinite(final[i, j]) and trie.leaf_product[nodes[i, j]] >= 0]
        finished.append([int(nodes[i, j]) for j in keep])
        finished_scores.append([float(final[i, j]) for j in keep])
    return Beams(finished, finished_scores, history, steps)


def ranked(beams: Beams, trie: Trie, query: int, k: int) -> tuple[list[int], list[float]]:
    """Query `query`'s k products: those of the finished beams first, then the products under the
    best kept prefixes (deepest step first). A product scores its beam's log-probability, a filled
    one no more than the product before it."""
    products: list[int] = []
    scores: list[float] = []
    seen: set[int] = set()

    def add(node: int, score: float) -> None:
        for p in trie.products_under(node)[: 2 * k].tolist():
            if len(products) >= k:
                return
            if p not in seen:
                seen.add(p)
                products.append(p)
                scores.append(min(score, scores[-1]) if scores else score)

    for node, score in zip(beams.finished[query], beams.scores[query], strict=True):
        add(node, score)
    for nodes, step_scores in reversed(beams.history):
        for j in np.argsort(-step_scores[query], kind="stable"):
            if len(products) >= k or not np.isfinite(step_scores[query, j]):
                break
            add(int(nodes[query, j]), float(step_scores[query, j]))
    return products, scores


def rerank(products: list[int], query_vector: np.ndarray, items: np.ndarray) -> tuple[list[int], list[float]]:
    """The same products, ordered by cosine with the query (both sides unit vectors)."""
    if not products:
        return [], []
    cos = items[products] @ query_vector
    order = np.argsort(-cos, kind="stable")
    return [products[i] for i in order], [float(cos[i]) for i in order]


DEFAULT_BEAM = 20
# Served semantic modes re-rank the beam's list by the tower's cosine: better Recall@10 on dev
# (docs/semantic-ids.md has both numbers); Recall@100 is the same list, so the same.
RERANK = True


class SemanticIdRanker:
    """A semantic mode of SemanticSearcher: query vector (fine-tuned tower) -> beam search over the
    variant's ID trie -> k products (re-ranked by cosine when RERANK), each with its ID."""

    def __init__(self, searcher, variant: str, beam: int = DEFAULT_BEAM, rerank_list: bool = RERANK):
        from .embed import QueryEncoder
        from .rq import SemanticIds
        from .searcher import NotBuilt
        from .sid_model import load_model

        files = [searcher.root / f for f in (f"sid.{variant}.json", f"sid-model.{variant}.pt", "items.dense-ft.npy")]
        files.append(searcher.root / "dense-ft.pt")
        for path in files:
            if not path.exists():
                raise NotBuilt(f"missing {path}")
        self.searcher, self.beam, self.rerank = searcher, beam, rerank_list
        self.sids = SemanticIds.load(files[0])
        if len(self.sids.ids) != len(searcher.ids):
            raise ValueError(f"{files[0]}: {len(self.sids.ids)} IDs for {len(searcher.ids)} products")
        self.model = load_model(files[1], searcher.device)
        # colliders as one group measured no better on dev (docs/semantic-ids.md): suffixes are decoded
        self.trie = Trie(self.sids.ids, self.model.cfg.vocab_size - 1)
        dense_ft = searcher.rankers.get("dense-ft")  # loaded first (MODES order): share its tower and vectors
        if dense_ft is not None:
            self.encoder, self.items = dense_ft.encoder, dense_ft.items.cpu().numpy()
        else:
            self.encoder, self.items = QueryEncoder.load(files[3], searcher.device), np.load(files[2])

    def __call__(self, queries: list[str], k: int) -> list:
        from .searcher import Hit

        s = self.searcher
        started = time.perf_counter()
        vectors = self.encoder.encode(queries)
        encoded = time.perf_counter()
        beams = beam_search(self.model, self.trie, torch.from_numpy(vectors).to(s.device), self.beam)
        out = []
        for i in range(len(queries)):
            products, scores = ranked(beams, self.trie, i, k)
            if self.rerank:
                products, scores = rerank(products, vectors[i], self.items)
            pairs = zip(products, scores, strict=True)
            out.append([Hit(s.ids[p], s.titles[p], round(sc, 6), self.sids.ids[p]) for p, sc in pairs])
        s.last_timings = {"encode": (encoded - started) * 1e3, "decode": (time.perf_counter() - encoded) * 1e3}
        return out
