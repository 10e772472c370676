"""The Home Depot data (read in place, never copied) and the committed dev split."""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass, field
from pathlib import Path

from .text import normalize

REPO_ROOT = Path(__file__).resolve().parent.parent
DEV_QUERIES = REPO_ROOT / "data" / "homedepot-dev-queries.txt"
RELEVANT = 2.33


def homedepot_dir() -> Path:
    return (REPO_ROOT / os.environ.get("EDGESPAN_HOMEDEPOT", "../shared/datasets/homedepot")).resolve()


@dataclass
class JudgedQuery:
    query: str
    grades: dict[str, float] = field(default_factory=dict)

    def relevant(self) -> list[str]:
        return [pid for pid, g in self.grades.items() if g >= RELEVANT]


def load_products(path: Path | None = None) -> dict[str, str]:
    path = path or homedepot_dir() / "products.tsv"
    with open(path, encoding="utf-8", newline="") as f:
        rows = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(rows)
        if header[:2] != ["product_id", "title"]:
            raise ValueError(f"{path}:1: expected columns product_id, title")
        return {r[0]: r[1] for r in rows}


def load_judgments(path: Path | None = None) -> list[JudgedQuery]:
    """Judged queries keyed by normalized text (as the TypeScript harness does)."""
    path = path or homedepot_dir() / "judgments.tsv"
    by_query: dict[str, JudgedQuery] = {}
    with open(path, encoding="utf-8", newline="") as f:
        rows = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        next(rows)
        for line, r in enumerate(rows, start=2):
            if len(r) != 3:
                raise ValueError(f"{path}:{line}: expected 3 columns, found {len(r)}")
            key = normalize(r[0])
            by_query.setdefault(key, JudgedQuery(key)).grades[r[1]] = float(r[2])
    return list(by_query.values())


def dev_queries() -> set[str]:
    lines = DEV_QUERIES.read_text(encoding="utf-8").splitlines()
    return {line for line in lines if line and not line.startswith("#")}


def split(judged: list[JudgedQuery]) -> tuple[list[JudgedQuery], list[JudgedQuery]]:
    """(train, dev) by the committed dev list."""
    dev = dev_queries()
    return [q for q in judged if q.query not in dev], [q for q in judged if q.query in dev]
