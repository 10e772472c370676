"""Peer side of bench/decoder-step.ts: the same export in Python's onnxruntime (native CPU kernels,
one thread per session), stepped the way the edge steps it (edgespan_ml/exported.py), on the same
inputs.

    .venv/bin/python bench/decoder_step_peer.py IN.json OUT.json

IN.json:  {"model": folder, "beams": B, "query": [ids], "tokens": [ids],
           "cases": [{"name", "width", "past"}], "reps": R}
OUT.json: {"version", "times": {name: [ms per step]}}
"""

import json
import sys
import time
from pathlib import Path

import onnxruntime as ort

from edgespan_ml.exported import ExportedSpanModel


def main(inp: str, out: str) -> None:
    spec = json.loads(Path(inp).read_text())
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    model = ExportedSpanModel(Path(spec["model"]), options)
    cross = model.encode(spec["query"])
    beams, tokens = spec["beams"], spec["tokens"]
    times: dict[str, list[float]] = {}
    for case in spec["cases"]:
        width = case["width"]
        candidates = [[10 + (b * width + j) % 11000 for j in range(width)] for b in range(beams)]
        cache = model.empty_cache(beams)
        for _ in range(case["past"]):
            _, cache = model.step(cross, tokens, cache, candidates)
        for _ in range(20):
            model.step(cross, tokens, cache, candidates)
        xs = []
        for _ in range(spec["reps"]):
            t = time.perf_counter_ns()
            model.step(cross, tokens, cache, candidates)
            xs.append((time.perf_counter_ns() - t) / 1e6)
        times[case["name"]] = xs
    Path(out).write_text(json.dumps({"version": ort.__version__, "times": times}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
