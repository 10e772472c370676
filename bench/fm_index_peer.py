"""Peer side of bench/queries.ts: the Rust `fm-index` package (PyPI fm-index==4.0.0) on the same token sequence.

    python bench/fm_index_peer.py IN.json OUT.json

IN.json:  {"sequence": [token ids, -1 = title separator], "spans": [[token ids, title order], ...],
           "reps": R, "locateMax": 10}
          `sequence` is exactly the text our index is built on: rev(title_0) SEP rev(title_1) SEP ...
OUT.json: {"version", "buildSeconds", "times": {op: [[ns per span] per repetition]}, "answers": {...}}
          ops: count, next (emulated), locate (first locateMax), locateAll (iter_locate drained in C:
          the floor of any next-token emulation, reported separately)

fm-index indexes a Python str, so each token id t becomes one code point 0x100 + t (shifted past the
surrogate range D800-DFFF) and the separator becomes U+0001. A span (title order) is searched
reversed, like ours. fm-index has no next-token enumeration: it is emulated the way a user of the
package would do it, by locating every occurrence of the span and reading the code point just
before it in the (reversed) original string, counting them in a dict.

Each call is timed alone with time.perf_counter_ns, so the times include the Python binding call
(and, for next-token, the Python loop over occurrences). One warm-up pass over all spans precedes
the timed repetitions.
"""

import json
import sys
import time
from importlib.metadata import version
from collections import deque
from itertools import islice

from fm_index import FMIndex

SEP = "\x01"


def cp(t: int) -> str:
    c = 0x100 + t
    if c >= 0xD800:
        c += 0x800
    return chr(c)


def token_of(ch: str) -> int:
    c = ord(ch)
    if c >= 0xE000:
        c -= 0x800
    return c - 0x100


def main() -> None:
    src, dst = sys.argv[1], sys.argv[2]
    with open(src) as f:
        data = json.load(f)
    text = "".join(SEP if t < 0 else cp(t) for t in data["sequence"])
    patterns = ["".join(cp(t) for t in reversed(span)) for span in data["spans"]]
    reps = int(data["reps"])
    locate_max = int(data["locateMax"])

    t0 = time.perf_counter()
    fm = FMIndex(text)
    build_seconds = time.perf_counter() - t0

    def next_tokens(p: str):
        # Emulated next-token enumeration: locate all occurrences, read the following token.
        counts: dict = {}
        ends = 0
        for pos in fm.iter_locate(p):
            ch = text[pos - 1] if pos > 0 else SEP
            if ch == SEP:
                ends += 1
            else:
                counts[ch] = counts.get(ch, 0) + 1
        return counts, ends

    def locate(p: str):
        return list(islice(fm.iter_locate(p), locate_max))

    pc = time.perf_counter_ns
    count = fm.count

    def time_count():
        out = []
        for p in patterns:
            t0 = pc()
            count(p)
            out.append(pc() - t0)
        return out

    def time_next():
        out = []
        for p in patterns:
            t0 = pc()
            next_tokens(p)
            out.append(pc() - t0)
        return out

    def time_locate():
        out = []
        for p in patterns:
            t0 = pc()
            locate(p)
            out.append(pc() - t0)
        return out

    def time_locate_all():
        # Floor of any next-token emulation: enumerate all occurrences, no per-occurrence Python
        # bytecode (the iterator is drained in C by a zero-length deque).
        out = []
        for p in patterns:
            t0 = pc()
            deque(fm.iter_locate(p), maxlen=0)
            out.append(pc() - t0)
        return out

    times = {}
    for name, fn in (("count", time_count), ("next", time_next), ("locate", time_locate), ("locateAll", time_locate_all)):
        fn()  # warm-up
        times[name] = [fn() for _ in range(reps)]

    answers = {"count": [], "next": [], "locate": []}
    for p in patterns:
        answers["count"].append(count(p))
        c, ends = next_tokens(p)
        answers["next"].append([sorted([token_of(ch), n] for ch, n in c.items()), ends])
        answers["locate"].append(locate(p))

    with open(dst, "w") as f:
        json.dump({"version": version("fm-index"), "buildSeconds": build_seconds, "times": times, "answers": answers}, f)


if __name__ == "__main__":
    main()
