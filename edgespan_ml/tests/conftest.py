"""Fixtures shared by the test modules."""

import csv
import subprocess
import sys
from pathlib import Path

import pytest

from edgespan_ml.data import REPO_ROOT
from edgespan_ml.text import normalize


@pytest.fixture(scope="session")
def smoke_artifacts(tmp_path_factory) -> Path:
    """The sample catalog's semantic build in smoke mode, through its CLI, once per session (about
    half a minute on a CPU): dense towers, residual IDs, the three SemanticID models."""
    out = tmp_path_factory.mktemp("semantic-smoke")
    cmd = [sys.executable, "-m", "edgespan_ml.semantic.build", "--catalog", "sample", "--smoke", "--out", str(out)]
    subprocess.run(cmd, cwd=REPO_ROOT, check=True, capture_output=True, timeout=600)
    return out


@pytest.fixture
def sample_judged(tmp_path) -> Path:
    """A judged data set in the Home Depot files' layout, made from the project's own sample catalog
    (data/sample-catalog.tsv, data/sample-queries.tsv), so that the training chain runs where the Home
    Depot data is absent (CI). The grades are synthetic, from word overlap: they exercise the plumbing,
    they say nothing about quality."""
    folder = tmp_path / "judged"
    folder.mkdir()
    with open(REPO_ROOT / "data" / "sample-catalog.tsv", encoding="utf-8") as f:
        products = [(r["id"], r["title"]) for r in csv.DictReader(f, delimiter="\t")]
    lines = (REPO_ROOT / "data" / "sample-queries.tsv").read_text(encoding="utf-8").splitlines()
    queries = [line.split("\t")[0] for line in lines[2:] if line and not line.startswith("#")]

    with open(folder / "products.tsv", "w", encoding="utf-8") as f:
        f.write("product_id\ttitle\n" + "".join(f"{pid}\t{title}\n" for pid, title in products))
    with open(folder / "judgments.tsv", "w", encoding="utf-8") as f:
        f.write("query\tproduct_id\trelevance\n")
        for query in queries:
            words = set(normalize(query).split())
            overlap = {pid: len(words & set(normalize(title).split())) for pid, title in products}
            ranked = sorted((pid for pid, n in overlap.items() if n > 0), key=lambda pid: -overlap[pid])
            # The best matches are relevant; the weakest partial matches (one word of several) are not.
            for pid in ranked[:4]:
                f.write(f"{query}\t{pid}\t3\n")
            for pid in [pid for pid in ranked[4:] if overlap[pid] < overlap[ranked[0]]][-3:]:
                f.write(f"{query}\t{pid}\t1.33\n")
    brands = sorted({title.split()[0] for _, title in products})
    with open(folder / "brand_statistics.csv", "w", encoding="utf-8") as f:
        f.write(",cnt_attribute,cnt_query,name,nwords\n" + "".join(f"{b},1,0,{b},1\n" for b in brands))
    return folder
