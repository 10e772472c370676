"""The SemanticID origin: an HTTP service in front of `SemanticSearcher` (docs/semantic-origin-contract.md).

    python -m edgespan_ml.origin --artifacts .edgespan/semantic/sample --port 8788
"""
