"""The catalogs the semantic path builds for: their products and, where there are any, judged queries.

- `sample`: data/sample-catalog.tsv (600 made-up products, columns id, title), no judgments;
- `homedepot`: the Home Depot products and judgments, read in place (edgespan_ml.data), with the
  committed train/dev split.

`--smoke` keeps the first SMOKE_PRODUCTS products (and only judged queries whose relevant products
are all among them), so a whole build runs in seconds.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from .. import data

CATALOGS = ("sample", "homedepot")
SAMPLE = data.REPO_ROOT / "data" / "sample-catalog.tsv"
SMOKE_PRODUCTS = 64


@dataclass
class Catalog:
    name: str
    ids: list[str]
    titles: list[str]
    train: list[data.JudgedQuery] = field(default_factory=list)
    dev: list[data.JudgedQuery] = field(default_factory=list)


def read_tsv(path: Path) -> tuple[list[str], list[str]]:
    """A TSV with an id column (`id` or `product_id`, as the Worker's catalog parser accepts) and `title`."""
    ids: list[str] = []
    titles: list[str] = []
    seen: dict[str, int] = {}
    with open(path, encoding="utf-8", newline="") as f:
        rows = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(rows, [])
        id_col = next((header.index(c) for c in ("id", "product_id") if c in header), None)
        if id_col is None or "title" not in header:
            raise ValueError(f"{path}:1: expected columns id (or product_id) and title, found {header}")
        title_col = header.index("title")
        for line, row in enumerate(rows, start=2):
            if len(row) != len(header):
                raise ValueError(f"{path}:{line}: expected {len(header)} columns, found {len(row)}")
            pid, title = row[id_col].strip(), row[title_col].strip()
            if not pid or not title:
                raise ValueError(f"{path}:{line}: empty {'id' if not pid else 'title'}")
            if pid in seen:
                raise ValueError(f"{path}:{line}: duplicate id {pid!r} (first on line {seen[pid]})")
            seen[pid] = line
            ids.append(pid)
            titles.append(title)
    return ids, titles


def load_catalog(name: str, smoke: bool = False) -> Catalog:
    if name == "sample":
        ids, titles = read_tsv(SAMPLE)
        train: list[data.JudgedQuery] = []
        dev: list[data.JudgedQuery] = []
    elif name == "homedepot":
        path = data.homedepot_dir() / "products.tsv"
        if not path.exists():
            raise FileNotFoundError(f"{path}: Home Depot products not found (set EDGESPAN_HOMEDEPOT)")
        ids, titles = read_tsv(path)
        train, dev = data.split(data.load_judgments())
    else:
        raise ValueError(f"unknown catalog {name!r}: expected one of {', '.join(CATALOGS)}")
    if smoke:
        ids, titles = ids[:SMOKE_PRODUCTS], titles[:SMOKE_PRODUCTS]
        kept = set(ids)
        train = [q for q in train if q.relevant() and set(q.relevant()) <= kept]
        dev = [q for q in dev if q.relevant() and set(q.relevant()) <= kept]
    return Catalog(name, ids, titles, train, dev)
