"""Request signing shared with the Worker: HMAC-SHA256 over "<timestamp>.<raw body>"."""

from __future__ import annotations

import hashlib
import hmac

TIMESTAMP_HEADER = "x-edgespan-timestamp"
SIGNATURE_HEADER = "x-edgespan-signature"
MAX_SKEW_S = 60


def sign(secret: str, timestamp: str, body: bytes) -> str:
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def verify(secret: str, timestamp: str | None, signature: str | None, body: bytes, now: float) -> str | None:
    """None when the request is signed and fresh, else why not (for the 401's message)."""
    if not timestamp or not signature:
        return "missing X-Edgespan-Timestamp or X-Edgespan-Signature"
    # Digits only: int() would also take "+1e3"-like oddities and unbounded lengths.
    if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
        return "X-Edgespan-Timestamp must be unix seconds"
    if abs(now - int(timestamp)) > MAX_SKEW_S:
        return f"X-Edgespan-Timestamp is more than {MAX_SKEW_S} s from the origin's clock"
    expected = sign(secret, timestamp, body)
    if not hmac.compare_digest(expected.encode(), signature.strip().lower().encode()):
        return "bad signature"
    return None
