"""What a span model decoded at the edge, read back for training: the JSONL that
`npx tsx bin/edgespan.ts spans` writes (src/eval/span-dump.ts), one query per line with its
hypotheses ({spans: token ids per span, text, logProb, products})."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path


def read_decoded(path: Path) -> Iterator[tuple[str, list[dict]]]:
    """(query, hypotheses best first) per line; a malformed line fails naming the file and line."""
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, start=1):
            try:
                row = json.loads(line)
            except json.JSONDecodeError as e:
                raise ValueError(f"{path}:{n}: not JSON ({e.msg})") from None
            if not (
                isinstance(row, dict) and isinstance(row.get("query"), str) and isinstance(row.get("hypotheses"), list)
            ):
                raise ValueError(f"{path}:{n}: expected an object with query and hypotheses")
            yield row["query"], [h for h in row["hypotheses"] if isinstance(h, dict) and h.get("spans")]
