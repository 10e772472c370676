"""The origin as a real process (`python -m edgespan_ml.origin`) over the real SemanticSearcher, on
smoke artifacts of the sample catalog built once per session (about half a minute on a CPU)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from edgespan_ml.data import REPO_ROOT
from edgespan_ml.origin.auth import sign

SECRET = "process-test-secret"


def run_origin(args: list[str], env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "edgespan_ml.origin", *args]
    return subprocess.run(cmd, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=timeout)


def env_with(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("ORIGIN_SECRET", "ORIGIN_PORT", "ORIGIN_ARTIFACTS")}
    return {**env, **extra}


def test_refuses_to_start_without_a_secret(tmp_path):
    res = run_origin(["--artifacts", str(tmp_path), "--port", "0"], env_with())
    assert res.returncode == 2
    assert "ORIGIN_SECRET is not set" in res.stderr and "--insecure-no-auth" in res.stderr


def test_missing_artifacts_folder_is_named(tmp_path):
    missing = tmp_path / "nothing-here"
    res = run_origin(["--artifacts", str(missing)], env_with(ORIGIN_SECRET=SECRET))
    assert res.returncode == 1
    assert str(missing) in res.stderr


def test_artifacts_that_fail_to_load_stop_the_process(tmp_path):
    # a folder without products.json: it listens, fails to load, logs why and exits 1
    res = run_origin(["--artifacts", str(tmp_path), "--port", "0"], env_with(ORIGIN_SECRET=SECRET))
    assert res.returncode == 1
    assert res.stdout.startswith("origin listening on http://127.0.0.1:")
    failures = [json.loads(line) for line in res.stderr.splitlines() if '"load_failed"' in line]
    assert failures and "products.json" in failures[0]["error"]


class OriginProcess:
    def __init__(self, artifacts: Path, *flags: str):
        cmd = [sys.executable, "-m", "edgespan_ml.origin", "--artifacts", str(artifacts), "--port", "0", *flags]
        env = env_with(ORIGIN_SECRET=SECRET)
        out, err = subprocess.PIPE, subprocess.DEVNULL
        self.proc = subprocess.Popen(cmd, cwd=REPO_ROOT, env=env, stdout=out, stderr=err, text=True)
        line = self.proc.stdout.readline()  # the one line it prints, once listening
        assert line.startswith("origin listening on "), f"unexpected first line {line!r}"
        self.url = line.split()[-1]
        for _ in range(1200):  # loading MiniLM takes seconds; give it two minutes
            assert self.proc.poll() is None, "origin exited while loading"
            try:
                if httpx.get(f"{self.url}/ready").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise AssertionError("origin not ready after two minutes")

    def stop(self) -> None:
        self.proc.terminate()
        # uvicorn shuts down cleanly, then re-raises the SIGTERM it caught
        assert self.proc.wait(30) in (0, -15)


@pytest.fixture(scope="module")
def origin(smoke_artifacts) -> Iterator[OriginProcess]:
    o = OriginProcess(smoke_artifacts, "--max-wait-ms", "20")
    yield o
    o.stop()


def signed_post(url: str, payload: dict) -> httpx.Response:
    body = json.dumps(payload).encode()
    ts = str(int(time.time()))
    signature = sign(SECRET, ts, body)
    headers = {"content-type": "application/json", "x-edgespan-timestamp": ts, "x-edgespan-signature": signature}
    return httpx.post(f"{url}/v1/semantic-search", content=body, headers=headers, timeout=60)


def smoke_titles(artifacts: Path) -> list[tuple[str, str]]:
    doc = json.loads((artifacts / "products.json").read_text(encoding="utf-8"))
    return list(zip(doc["ids"], doc["titles"], strict=True))


def test_a_title_finds_its_product_with_the_real_searcher(origin, smoke_artifacts):
    ready = httpx.get(f"{origin.url}/ready").json()
    assert {"dense", "dense-ft"} <= set(ready["modes"])
    product_id, title = smoke_titles(smoke_artifacts)[5]
    for mode in ("dense", "dense-ft"):
        res = signed_post(origin.url, {"query": title, "k": 5, "mode": mode})
        assert res.status_code == 200, res.text
        hits = res.json()["hits"]
        assert len(hits) == 5 and hits[0]["id"] == product_id and hits[0]["title"] == title
        assert hits[0]["score"] >= hits[-1]["score"]


def test_unsigned_request_to_the_process_is_401(origin):
    res = httpx.post(f"{origin.url}/v1/semantic-search", json={"query": "drill"})
    assert res.status_code == 401


def test_concurrent_requests_are_batched_and_each_gets_its_own_answer(origin, smoke_artifacts):
    products = smoke_titles(smoke_artifacts)[:16]

    async def all_at_once() -> list[httpx.Response]:
        async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=16)) as c:

            async def one(title: str) -> httpx.Response:
                body = json.dumps({"query": title, "k": 3, "mode": "dense"}).encode()
                ts = str(int(time.time()))
                headers = {"x-edgespan-timestamp": ts, "x-edgespan-signature": sign(SECRET, ts, body)}
                return await c.post(f"{origin.url}/v1/semantic-search", content=body, headers=headers)

            return await asyncio.gather(*(one(title) for _, title in products))

    responses = asyncio.run(all_at_once())
    assert [r.status_code for r in responses] == [200] * 16
    assert max(int(r.headers["x-batch-size"]) for r in responses) > 1
    # batched, every title still finds its own product first
    assert [r.json()["hits"][0]["id"] for r in responses] == [pid for pid, _ in products]


def test_origin_sh_shares_one_secret_through_dev_vars(tmp_path):
    # a copy of the script in an empty checkout: it writes .dev.vars next to scripts/
    (tmp_path / "scripts").mkdir()
    script = tmp_path / "scripts" / "origin.sh"
    script.write_text((REPO_ROOT / "scripts" / "origin.sh").read_text())
    dev_vars = tmp_path / ".dev.vars"
    dev_vars.write_text("QA_SECRET=qa")  # no final newline: the secret still goes on a line of its own

    def ensure() -> str:
        subprocess.run(["bash", str(script), "--ensure-secret"], check=True, capture_output=True, timeout=30)
        return dev_vars.read_text()

    first = ensure()
    lines = first.splitlines()
    assert lines[0] == "QA_SECRET=qa"
    secrets = [line.split("=", 1)[1] for line in lines if line.startswith("ORIGIN_SECRET=")]
    assert len(secrets) == 1 and len(secrets[0]) == 64
    assert ensure() == first  # kept, not rotated

    dev_vars.unlink()
    ensure()
    assert dev_vars.stat().st_mode & 0o077 == 0  # a new file is readable by its owner only


def test_semantic_adaptive_hits_carry_the_products_semantic_ids(origin, smoke_artifacts):
    ids = {pid: i for i, (pid, _) in enumerate(smoke_titles(smoke_artifacts))}
    sids = json.loads((smoke_artifacts / "sid.adaptive.json").read_text())["ids"]
    res = signed_post(origin.url, {"query": "cordless drill", "k": 5})  # the default mode
    assert res.status_code == 200, res.text
    data = res.json()
    assert data["mode"] == "semantic-adaptive" and 1 <= len(data["hits"]) <= 5
    for hit in data["hits"]:
        assert hit["sid"] == sids[ids[hit["id"]]]
    assert data["timings"]["encode"] is not None and data["timings"]["decode"] is not None
