"""Structured logs: one JSON line per event on stderr; never secrets or query text."""

from __future__ import annotations

import json
import sys
import time
from typing import Any


def log(event: str, **fields: Any) -> None:
    line = {"ts": round(time.time(), 3), "event": event, **fields}
    sys.stderr.write(json.dumps(line, separators=(",", ":")) + "\n")
    sys.stderr.flush()
