"""Fixtures shared by the test modules."""

import subprocess
import sys
from pathlib import Path

import pytest

from edgespan_ml.data import REPO_ROOT


@pytest.fixture(scope="session")
def smoke_artifacts(tmp_path_factory) -> Path:
    """The sample catalog's semantic build in smoke mode, through its CLI, once per session (about
    half a minute on a CPU): dense towers, residual IDs, the three SemanticID models."""
    out = tmp_path_factory.mktemp("semantic-smoke")
    cmd = [sys.executable, "-m", "edgespan_ml.semantic.build", "--catalog", "sample", "--smoke", "--out", str(out)]
    subprocess.run(cmd, cwd=REPO_ROOT, check=True, capture_output=True, timeout=600)
    return out
