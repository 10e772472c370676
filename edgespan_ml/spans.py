"""Query-to-MultiSpan training data: for a query and a product it should find, 1-4 spans of the
product's title that explain the query, in the order the query asks for them.

How a target is built (docs/query-to-multispan.md shows examples):
1. Each query word is matched to title words: exactly, after stemming, fuzzily (one or two edits,
   or a prefix of 4+ letters, for typos and partial words), or as two query words written as one
   title word and the reverse ("deck over" / "deckover").
2. The title's product type (its last two words, numbers and units aside, before " with ",
   " in ", " for ", a comma or a parenthesis) is always added: it is what a shopper who typed
   something vague or misspelled most often wants.
3. Runs of adjacent chosen title words become spans (at most 5 words each), so a product type
   next to a matched word extends that span.
4. Spans are ordered by the first query word each explains; a product type on its own goes last.
At most 4 spans per target. Self-supervised pairs from every title (pseudo-queries built from
its brand, product type and an attribute, with word drops and typos) make every product reachable.
"""

from __future__ import annotations

import csv
import json
import random
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .text import normalize, words

MAX_SPANS = 4
MAX_SPAN_WORDS = 5
_CUT = re.compile(r"\s(?:with|in|for)\s|[,(]|\s-\s", re.IGNORECASE)


def stem(word: str) -> str:
    for suffix, repl, min_len in (("ies", "y", 5), ("es", "", 5), ("s", "", 4), ("ing", "", 6), ("ed", "", 5)):
        if len(word) >= min_len and word.endswith(suffix) and not word.endswith("ss"):
            return word[: -len(suffix)] + repl
    return word


def within_edits(a: str, b: str, limit: int) -> bool:
    """Damerau-Levenshtein distance <= limit (banded, so bounded work)."""
    if abs(len(a) - len(b)) > limit:
        return False
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return False
        prev2, prev = prev, cur
    return prev[-1] <= limit


def word_match(q: str, t: str) -> bool:
    if q == t or stem(q) == stem(t):
        return True
    if len(q) >= 4 and len(t) >= 4 and (t.startswith(q) or q.startswith(t)):
        return True
    if len(q) >= 4 and q.isalpha() and t.isalpha():
        return within_edits(q, t, 2 if len(q) >= 8 else 1)
    return False


UNITS = {"in", "ft", "lb", "lbs", "oz", "gal", "qt", "cu", "sq", "mm", "cm", "x", "pk", "pack", "w", "v", "amp"}


def product_type(title: str) -> list[int]:
    """Title word positions of its head: the last (up to) two words before the first cut,
    skipping numbers and units."""
    n_head = len(words(_CUT.split(title, maxsplit=1)[0]))
    tw = words(title)
    picked = [i for i in range(n_head) if not any(c.isdigit() for c in tw[i]) and tw[i] not in UNITS]
    return picked[-2:]


@dataclass(frozen=True)
class Target:
    spans: list[list[str]]
    explained: int  # query words matched to the title

    def text(self) -> list[str]:
        return [" ".join(s) for s in self.spans]


def build_target(query: str, title: str) -> Target:
    qw, tw = words(query), words(title)
    matched_by: dict[int, int] = {}  # title position -> first query position explaining it
    for qi, q in enumerate(qw):
        for ti, t in enumerate(tw):
            if word_match(q, t):
                matched_by.setdefault(ti, qi)
        if qi + 1 < len(qw):  # "deck over" -> "deckover"
            joined = q + qw[qi + 1]
            for ti, t in enumerate(tw):
                if t == joined:
                    matched_by.setdefault(ti, qi)
        for ti in range(len(tw) - 1):  # "deckover" -> "deck over"
            if tw[ti] + tw[ti + 1] == q:
                matched_by.setdefault(ti, qi)
                matched_by.setdefault(ti + 1, qi)

    explained = len(set(matched_by.values()))
    # The product type joins the matched positions, ordered after every query word: adjacent to a
    # matched word it extends that span ("convection" + "microwave"), alone it becomes the last span.
    order = dict(matched_by)
    for ti in product_type(title):
        order.setdefault(ti, len(qw))

    runs: list[tuple[int, list[str]]] = []
    run: list[int] = []
    for ti in [*sorted(order), -2]:
        if run and (ti != run[-1] + 1 or len(run) == MAX_SPAN_WORDS):
            runs.append((min(order[i] for i in run), [tw[i] for i in run]))
            run = []
        if ti >= 0:
            run.append(ti)
    runs.sort(key=lambda r: r[0])
    return Target([r[1] for r in runs][:MAX_SPANS], explained)


# ---- self-supervised pairs ------------------------------------------------------------------


def typo(word: str, rng: random.Random) -> str:
    if len(word) < 4 or not word.isalpha():
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(4)
    if kind == 0:
        return word[:i] + word[i + 1 :]  # drop
    if kind == 1:
        return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]  # swap
    letter = rng.choice("abcdefghijklmnopqrstuvwxyz")
    if kind == 2:
        return word[:i] + letter + word[i:]  # insert
    return word[:i] + letter + word[i + 1 :]  # replace


def brand_prefix(title_words: list[str], brands: set[tuple[str, ...]]) -> list[str]:
    for n in range(min(4, len(title_words)), 0, -1):
        if tuple(title_words[:n]) in brands:
            return title_words[:n]
    return []


def pseudo_query(
    title: str, brands: set[tuple[str, ...]], rng: random.Random, noise: float = 0.1
) -> tuple[str, list[str]]:
    tw = words(title)
    chosen: list[list[str]] = []
    brand = brand_prefix(tw, brands)
    if brand and rng.random() < 0.3:
        chosen.append(brand)
    attrs = [w for w in tw[len(brand) :] if w.isalpha() and len(w) > 2]
    if attrs and rng.random() < 0.5:
        start = rng.randrange(len(attrs))
        chosen.append(attrs[start : start + rng.choice((1, 2))])
    head = [tw[i] for i in product_type(title)] or tw[-2:]
    chosen.append(head)
    rng.shuffle(chosen)
    # Drop words at random (never all); a span none of whose words survive leaves the target too.
    kept = [[w for w in span if rng.random() >= noise] for span in chosen]
    if not any(kept):
        kept[0] = chosen[0][:1]
    query = " ".join(typo(w, rng) if rng.random() < noise else w for span in kept for w in span)
    return query, [" ".join(span) for span, left in zip(chosen, kept, strict=True) if left]


def load_brands(path: Path) -> set[tuple[str, ...]]:
    with open(path, encoding="utf-8", newline="") as f:
        return {tuple(words(row["name"])) for row in csv.DictReader(f) if row.get("name")}


# ---- the data set ---------------------------------------------------------------------------


def examples(products: dict[str, str], judged: Iterable, brands: set[tuple[str, ...]], seed: int = 0) -> Iterable[dict]:
    from .data import RELEVANT

    for q in judged:
        for pid, grade in sorted(q.grades.items()):
            if grade >= RELEVANT and pid in products:
                t = build_target(q.query, products[pid])
                if t.spans:
                    yield {"query": q.query, "spans": t.text(), "product": pid, "source": "judged", "grade": grade}
    rng = random.Random(seed)
    for pid, title in sorted(products.items()):
        query, spans = pseudo_query(title, brands, rng)
        yield {"query": normalize(query), "spans": spans, "product": pid, "source": "pseudo"}


def main(argv: list[str] | None = None) -> int:
    """python -m edgespan_ml.spans [--out .edgespan/data] [--show N]"""
    import argparse

    from . import data

    parser = argparse.ArgumentParser(prog="python -m edgespan_ml.spans")
    parser.add_argument("--out", default=str(data.REPO_ROOT / ".edgespan" / "data"))
    parser.add_argument("--show", type=int, default=0, help="print N judged examples")
    parser.add_argument(
        "--limit", type=int, help="only the first N judged queries of each split and N titles (smoke runs)"
    )
    args = parser.parse_args(argv)

    products = data.load_products()
    train, dev = data.split(data.load_judgments())
    if args.limit:
        train, dev = train[: args.limit], dev[: args.limit]
        keep = {pid for q in train + dev for pid in q.grades} | set(sorted(products)[: args.limit])
        products = {pid: t for pid, t in products.items() if pid in keep}
    brands = load_brands(data.homedepot_dir() / "brand_statistics.csv")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for name, judged in (("train", train), ("dev", dev)):
        rows = list(examples(products, judged, brands, seed=0 if name == "train" else 1))
        if name == "dev":
            rows = [r for r in rows if r["source"] == "judged"]
        with open(out / f"{name}.jsonl", "w", encoding="utf-8") as f:
            for r in rows:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
        judged_rows = [r for r in rows if r["source"] == "judged"]
        spans = sum(len(r["spans"]) for r in rows) / max(1, len(rows))
        pseudo = len(rows) - len(judged_rows)
        print(f"{name}: {len(judged_rows)} judged + {pseudo} pseudo examples, {spans:.2f} spans each")
        for r in judged_rows[: args.show]:
            print(f"  {r['query']!r} -> {' [SEP] '.join(r['spans'])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
