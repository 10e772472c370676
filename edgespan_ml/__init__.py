"""Edgespan's Python side: the span model's tokenizer and training (later: the semantic-ID origin)."""
