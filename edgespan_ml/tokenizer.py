"""WordPiece tokenizer for the span model and the FM index.

Context-free per word: every word (edgespan_ml.text.words) is split on its own, greedily by the
longest vocabulary piece, continuation pieces prefixed with "##". A span's ids are therefore the
same alone as inside any title, so a span the model writes can be looked up in the index as-is.

File format (one token per line, id = line number - 1 after the header line):
    wordpiece-v1
    [PAD]
    [UNK]
    ...
The TypeScript reader is src/core/tokenizer/wordpiece.ts; the parity test compares both.
The vocabulary is learned by train() below (deterministic merges over word counts).
"""

from __future__ import annotations

import heapq
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path

from .text import words

KIND = "wordpiece-v1"
SPECIALS = ["[PAD]", "[UNK]", "[SEP]", "[BOS]", "[EOS]"]
PAD, UNK, SEP, BOS, EOS = range(len(SPECIALS))
MAX_WORD_CHARS = 64  # longer "words" (e.g. long model numbers) become [UNK]


class WordPieceTokenizer:
    def __init__(self, vocab: list[str]):
        if vocab[: len(SPECIALS)] != SPECIALS:
            raise ValueError(f"vocabulary must start with {SPECIALS}")
        self.vocab = vocab
        self.ids = {piece: i for i, piece in enumerate(vocab)}
        if len(self.ids) != len(vocab):
            raise ValueError("duplicate pieces in the vocabulary")
        self.max_piece_chars = max((len(p.removeprefix("##")) for p in vocab[len(SPECIALS) :]), default=1)

    @property
    def vocab_size(self) -> int:
        return len(self.vocab)

    def encode_word(self, word: str) -> list[int]:
        chars = list(word)  # code points, as the TypeScript reader splits them
        if len(chars) > MAX_WORD_CHARS:
            return [UNK]
        out: list[int] = []
        start = 0
        while start < len(chars):
            for end in range(min(len(chars), start + self.max_piece_chars), start, -1):
                piece = ("##" if start > 0 else "") + "".join(chars[start:end])
                token = self.ids.get(piece)
                if token is not None:
                    out.append(token)
                    start = end
                    break
            else:
                return [UNK]
        return out

    def encode(self, text: str) -> list[int]:
        return [t for w in words(text) for t in self.encode_word(w)]

    def decode(self, ids: Iterable[int]) -> str:
        text = ""
        for i in ids:
            piece = self.vocab[i] if 0 <= i < len(self.vocab) else "[UNK]"
            if piece.startswith("##"):
                text += piece[2:]
            else:
                text += (" " if text else "") + piece
        return text

    def save(self, path: str | Path) -> None:
        Path(path).write_text("\n".join([KIND, *self.vocab]) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> WordPieceTokenizer:
        lines = Path(path).read_text(encoding="utf-8").rstrip("\n").split("\n")
        if lines[0] != KIND:
            raise ValueError(f"{path}:1: expected header {KIND!r}, found {lines[0][:40]!r}")
        return cls(lines[1:])


def train(texts: Iterable[str], vocab_size: int, min_frequency: int = 2) -> WordPieceTokenizer:
    """Learns a WordPiece vocabulary by byte-pair-style merges over word counts, deterministically
    (ties broken by the pieces' text; HuggingFace's trainer breaks them by hash order, so its
    vocabulary changes from run to run). The vocabulary is the specials, every character seen
    (word-initial and "##" continuation forms), then merged pieces in merge order."""
    counts: Counter[str] = Counter(w for t in texts for w in words(t) if len(w) <= MAX_WORD_CHARS)
    vocab_words = sorted(counts)  # fixed order for everything below
    symbols = [[w[0], *("##" + c for c in w[1:])] for w in vocab_words]
    freq = [counts[w] for w in vocab_words]

    alphabet = sorted({s for syms in symbols for s in syms})
    pieces: list[str] = list(alphabet)
    known = set(pieces)

    pair_count: Counter[tuple[str, str]] = Counter()
    where: dict[tuple[str, str], set[int]] = defaultdict(set)
    for i, syms in enumerate(symbols):
        for pair in zip(syms, syms[1:], strict=False):
            pair_count[pair] += freq[i]
            where[pair].add(i)
    heap = [(-c, pair) for pair, c in pair_count.items()]
    heapq.heapify(heap)

    while len(SPECIALS) + len(pieces) < vocab_size and heap:
        neg, pair = heapq.heappop(heap)
        if pair_count.get(pair, 0) != -neg:
            continue  # stale entry
        if -neg < min_frequency:
            break
        a, b = pair
        merged = a + b[2:]
        for i in sorted(where.pop(pair, ())):
            syms = symbols[i]
            for old in zip(syms, syms[1:], strict=False):
                pair_count[old] -= freq[i]
            out, j = [], 0
            while j < len(syms):
                if j + 1 < len(syms) and syms[j] == a and syms[j + 1] == b:
                    out.append(merged)
                    j += 2
                else:
                    out.append(syms[j])
                    j += 1
            symbols[i] = out
            for new in zip(out, out[1:], strict=False):
                pair_count[new] += freq[i]
                where[new].add(i)
                heapq.heappush(heap, (-pair_count[new], new))
        pair_count.pop(pair, None)
        if merged not in known:
            known.add(merged)
            pieces.append(merged)
    return WordPieceTokenizer(SPECIALS + pieces)


def main(argv: list[str] | None = None) -> int:
    """python -m edgespan_ml.tokenizer train --out wasm/tokenizer.txt [--vocab-size 12000]
    python -m edgespan_ml.tokenizer encode --tokenizer FILE < texts   (one JSON id list per line)"""
    import argparse
    import json
    import sys

    from . import data

    parser = argparse.ArgumentParser(prog="python -m edgespan_ml.tokenizer")
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="learn the vocabulary from catalog titles and training queries")
    t.add_argument("--out", required=True)
    t.add_argument("--vocab-size", type=int, default=12000)
    e = sub.add_parser("encode", help="ids of each stdin line, as JSON")
    e.add_argument("--tokenizer", required=True)
    args = parser.parse_args(argv)

    if args.command == "train":
        train_queries, _ = data.split(data.load_judgments())
        texts = [*data.load_products().values(), *(q.query for q in train_queries)]
        tok = train(texts, args.vocab_size)
        tok.save(args.out)
        print(f"wrote {args.out}: {tok.vocab_size} pieces from {len(texts)} texts")
    else:
        tok = WordPieceTokenizer.load(args.tokenizer)
        for line in sys.stdin:
            print(json.dumps(tok.encode(line.rstrip("\n"))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
