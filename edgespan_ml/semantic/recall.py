"""Dev Recall@10 and Recall@100 of a searcher mode, defined as src/eval/metrics.ts defines them:
per query, relevant products (grade >= 2.33) found in the first k over all relevant products,
each product counted once; averaged over the queries with at least one relevant product."""

from __future__ import annotations

import time

from ..data import JudgedQuery
from .searcher import MAX_K, SemanticSearcher

BATCH = 256


def recall_at(ranked: list[str], relevant: set[str], k: int) -> float:
    seen = list(dict.fromkeys(ranked))  # a retriever that repeats a product gets credit once
    return sum(1 for pid in seen[:k] if pid in relevant) / len(relevant)


def dev_recall(searcher: SemanticSearcher, mode: str, judged: list[JudgedQuery]) -> dict:
    scorable = [(q.query, set(q.relevant())) for q in judged if q.relevant()]
    r10: list[float] = []
    r100: list[float] = []
    started = time.time()
    for start in range(0, len(scorable), BATCH):
        chunk = scorable[start : start + BATCH]
        results = searcher.search_batch([q for q, _ in chunk], MAX_K, mode)
        for (_, relevant), hits in zip(chunk, results, strict=True):
            ranked = [h.id for h in hits]
            r10.append(recall_at(ranked, relevant, 10))
            r100.append(recall_at(ranked, relevant, 100))
    n = len(scorable)
    return {
        "queries": n,
        "recall@10": round(sum(r10) / n, 4) if n else None,
        "recall@100": round(sum(r100) / n, 4) if n else None,
        "seconds": round(time.time() - started, 1),
    }
