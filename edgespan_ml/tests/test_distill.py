import json

import pytest

from edgespan_ml import data, distill, dpo
from edgespan_ml.data import REPO_ROOT
from edgespan_ml.tokenizer import EOS, SEP, WordPieceTokenizer

TOK = WordPieceTokenizer.load(REPO_ROOT / "wasm" / "tokenizer.txt")


def write_spans(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def hypothesis(spans, products=()):
    return {"spans": spans, "text": [], "logProb": -1.0, "products": list(products)}


def test_teacher_examples_are_the_best_hypotheses_as_targets(tmp_path):
    path = write_spans(
        tmp_path / "teacher.jsonl",
        [
            {"query": "garden hose", "hypotheses": [hypothesis([[7, 8], [9]]), hypothesis([[10]])]},
            {"query": "paint", "hypotheses": []},  # nothing decoded: no example
        ],
    )
    examples = distill.teacher_examples(path, TOK, per_query=1)
    assert examples == [(TOK.encode("garden hose"), [7, 8, SEP, 9, EOS])]
    assert len(distill.teacher_examples(path, TOK, per_query=2)) == 2
    # A filter applies before the per-query cut: the second hypothesis is the first kept.
    kept = distill.teacher_examples(path, TOK, per_query=1, keep=lambda query, h: h["spans"] == [[10]])
    assert kept == [(TOK.encode("garden hose"), [10, EOS])]
    (tmp_path / "bad.jsonl").write_text('{"query": "x", "hypotheses": []}\n["not an object"]\n')
    with pytest.raises(ValueError, match="bad.jsonl:2"):
        distill.teacher_examples(tmp_path / "bad.jsonl", TOK)


def test_mix_gives_the_teacher_about_its_share_of_draws():
    gold, teacher = [([1], [2])] * 90, [([3], [4])] * 10
    mixed = distill.mix(gold, teacher, 0.5)
    assert abs(sum(e == ([3], [4]) for e in mixed) / len(mixed) - 0.5) < 0.05
    assert distill.mix(gold, teacher, 0.0) == gold


def test_model_pairs_reject_hypotheses_that_retrieve_only_irrelevant_products(tmp_path, monkeypatch, sample_judged):
    monkeypatch.setenv("EDGESPAN_HOMEDEPOT", str(sample_judged))
    lines = (sample_judged / "judgments.tsv").read_text().splitlines()[1:]
    query = next(q for q, _, g in (line.split("\t") for line in lines) if g == "1.33")
    grades = {pid: float(g) for q, pid, g in (line.split("\t") for line in lines) if q == query}
    bad = next(pid for pid, g in grades.items() if g < 2.33)
    good = next(pid for pid, g in grades.items() if g >= 2.67)
    rows = [
        {
            "query": query,
            "hypotheses": [
                hypothesis([[11, 12]], [bad]),  # only an irrelevant judged product: rejected
                hypothesis([[13]], [bad, good]),  # also retrieves a relevant one: kept out
                hypothesis([[14]], []),  # retrieves nothing judged: no evidence either way
            ],
        }
    ]
    train, _ = data.split(data.load_judgments())
    pairs = dpo.model_pairs(write_spans(tmp_path / "sft.jsonl", rows), TOK, data.load_products(), train)
    assert len(pairs) == 1
    q, chosen, rejected = pairs[0]
    assert q == TOK.encode(query) and rejected == [11, 12, EOS] and chosen[-1] == EOS and chosen != rejected
