"""The semantic retrieval path: MiniLM item embeddings, the fine-tuned dual tower, dense baselines,
and (helper modules added alongside) semantic IDs. Artifacts: python -m edgespan_ml.semantic.build."""
