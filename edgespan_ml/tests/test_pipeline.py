import json

import pytest

from edgespan_ml import data, pipeline

needs_data = pytest.mark.skipif(
    not (data.homedepot_dir() / "judgments.tsv").exists(), reason="Home Depot data not found (EDGESPAN_HOMEDEPOT)"
)


@needs_data
def test_smoke_pipeline_runs_the_whole_chain_and_resumes(tmp_path, capsys):
    out = tmp_path / "pipe"
    assert pipeline.main(["--smoke", "--out", str(out)]) == 0
    meta = json.loads((out / "model" / "model.json").read_text())
    assert (out / "model" / meta["files"]["encoder"]).exists() and (
        out / "model" / meta["files"]["decoder_step"]
    ).exists()
    assert (out / "dpo" / "summary.json").exists()
    capsys.readouterr()
    assert pipeline.main(["--smoke", "--out", str(out)]) == 0  # everything is there: nothing reruns
    assert capsys.readouterr().out.count("done already") == 5
