"""Text normalization and word splitting, identical to src/core/text/normalize.ts and
src/core/tokenizer/word-tokenizer.ts: the index, the model and the Worker must agree on every word."""

import unicodedata

import regex

# Letters (with their combining marks) and digits; decimal points and fractions inside numbers kept.
WORD = regex.compile(r"[\p{L}\p{N}][\p{L}\p{M}\p{N}]*(?:[./][\p{N}]+)*")
_SPACE = regex.compile(r"\s+")


def normalize(text: str) -> str:
    """NFKC, lower case, collapsed whitespace (JavaScript's toLowerCase and Python's lower agree
    on the catalog's scripts; the parity test checks every title and query)."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text).lower()).strip()


def words(text: str) -> list[str]:
    return WORD.findall(normalize(text))
