import json

from edgespan_ml import pipeline


def test_smoke_pipeline_runs_the_whole_chain_and_resumes(tmp_path, capsys, monkeypatch, sample_judged):
    # The project's sample catalog with synthetic grades, in the Home Depot layout: runs in CI.
    monkeypatch.setenv("EDGESPAN_HOMEDEPOT", str(sample_judged))
    out = tmp_path / "pipe"
    assert pipeline.main(["--smoke", "--out", str(out)]) == 0
    for name in ("sft", "dpo", "teacher", "distilled"):
        meta = json.loads((out / "models" / name / "model.json").read_text())
        assert all((out / "models" / name / file).exists() for file in meta["files"].values())
    # The edge decoder's hypotheses fed DPO and distillation.
    teacher_spans = [json.loads(line) for line in (out / "teacher-spans.jsonl").read_text().splitlines()]
    assert len(teacher_spans) == 20 and all(isinstance(r["hypotheses"], list) for r in teacher_spans)
    assert json.loads((out / "distilled" / "summary.json").read_text())["teacher_examples"] > 0
    assert "model_written_pairs" in json.loads((out / "dpo" / "summary.json").read_text())
    capsys.readouterr()
    assert pipeline.main(["--smoke", "--out", str(out)]) == 0  # everything is there: nothing reruns
    assert capsys.readouterr().out.count("done already") == 12
