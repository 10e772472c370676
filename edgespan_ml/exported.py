"""An exported span model run by Python's onnxruntime, the way the edge runs it
(src/core/model/span-session.ts): table rows gathered here, the encoder once per query, one
decoder step per token, candidate scores as query · row. Parity tests and fixtures use it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnxruntime as ort

from .export import layer_names, table_rows

FULL_ROW = 256  # candidate lists longer than this are read from token_scores, as at the edge


class ExportedSpanModel:
    def __init__(self, folder: Path, options: ort.SessionOptions | None = None):
        meta = json.loads((folder / "model.json").read_text())
        self.cfg = meta["config"]
        files = meta["files"]
        vocab, dim = self.cfg["vocab_size"], self.cfg["embed_dim"]
        raw = (folder / files["token_table"]).read_bytes()
        self.scales = np.frombuffer(raw, dtype="<f4", count=vocab)
        self.rows = np.frombuffer(raw, dtype=np.int8, offset=4 * vocab).reshape(vocab, dim)
        def session(name: str) -> ort.InferenceSession:
            return ort.InferenceSession(str(folder / files[name]), options)

        self.encoder, self.step_session = session("encoder"), session("decoder_step")
        self.token_scores = session("token_scores")
        self.layers = self.cfg["n_decoder_layers"]

    def encode(self, query: list[int]) -> dict[str, np.ndarray]:
        embedded = table_rows(self.scales, self.rows, query)[None]
        outputs = self.encoder.run(None, {"embedded": embedded})
        return dict(zip(layer_names("cross", self.layers), outputs, strict=True))

    def empty_cache(self, beams: int) -> dict[str, np.ndarray]:
        heads, d_head = self.cfg["n_heads"], self.cfg["d_model"] // self.cfg["n_heads"]
        return {n: np.zeros((beams, heads, 0, d_head), np.float32) for n in layer_names("past", self.layers)}

    def step(
        self, cross: dict[str, np.ndarray], tokens: list[int], cache: dict[str, np.ndarray], candidates: list[list[int]]
    ) -> tuple[list[np.ndarray], dict[str, np.ndarray]]:
        position = next(iter(cache.values())).shape[2]
        feeds = {
            "embedded": table_rows(self.scales, self.rows, tokens)[:, None, :],
            "position": np.array([position], np.int64),
            **cross,
            **cache,
        }
        query, *presents = self.step_session.run(None, feeds)
        scores = []
        for b, row in enumerate(candidates):
            if len(row) > FULL_ROW:
                scores.append(self.token_scores.run(None, {"query": query[b : b + 1]})[0][0, row])
            else:
                scores.append(table_rows(self.scales, self.rows, row) @ query[b])
        return scores, dict(zip(layer_names("past", self.layers), presents, strict=True))

    def greedy(self, query: list[int], start: int, end: int, max_steps: int) -> list[int]:
        """Greedy decode over the whole vocabulary but the start token."""
        cross, cache, out, token = self.encode(query), self.empty_cache(1), [], start
        candidates = [t for t in range(self.cfg["vocab_size"]) if t != start]
        for _ in range(max_steps):
            scores, cache = self.step(cross, [token], cache, [candidates])
            token = candidates[int(np.argmax(scores[0]))]
            if token == end:
                break
            out.append(token)
        return out
