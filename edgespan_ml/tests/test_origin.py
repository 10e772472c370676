"""The origin's HTTP layer: signing, limits, readiness, micro-batching, the queue bound.

These run against a stand-in searcher (deterministic hits derived from the query, so each answer can
be matched to its request); test_origin_process.py runs the real SemanticSearcher.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from dataclasses import dataclass

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient

from edgespan_ml.origin.app import OriginConfig, create_app
from edgespan_ml.origin.auth import sign

SECRET = "test-secret"
MODES = ("dense", "semantic", "semantic-adaptive")


@dataclass
class Hit:
    id: str
    title: str
    score: float
    sid: list[int] | None


class StandInSearcher:
    """search_batch's contract: one list of at most k hits per query, in order. Records each call's size."""

    def __init__(self, delay_s: float = 0.0, gate: threading.Event | None = None):
        self.delay_s = delay_s
        self.gate = gate
        self.entered = threading.Event()  # set once a call is on the model
        self.calls: list[tuple[int, int, str]] = []  # (queries, k, mode)
        self.last_timings = {"encode": 0.5, "decode": 1.5}

    def search_batch(self, queries: list[str], k: int, mode: str) -> list[list[Hit]]:
        self.entered.set()
        if self.gate is not None:
            assert self.gate.wait(10), "gate never opened"
        time.sleep(self.delay_s)
        self.calls.append((len(queries), k, mode))
        return [[Hit(f"{q}#{i}", q.upper(), 1 / (i + 1), [len(q), i]) for i in range(k)] for q in queries]


def signed(body: bytes, secret: str = SECRET, ts: int | None = None) -> dict[str, str]:
    ts_s = str(int(time.time()) if ts is None else ts)
    signature = sign(secret, ts_s, body)
    return {"content-type": "application/json", "x-edgespan-timestamp": ts_s, "x-edgespan-signature": signature}


def make_app(searcher: StandInSearcher | None = None, load_delay_s: float = 0.0, **config):
    searcher = searcher or StandInSearcher()

    def load() -> StandInSearcher:
        time.sleep(load_delay_s)
        return searcher

    return create_app(load, OriginConfig(secret=SECRET, modes=MODES, **config))


def wait_ready(client: TestClient) -> None:
    for _ in range(200):
        if client.get("/ready").status_code == 200:
            return
        time.sleep(0.01)
    raise AssertionError("origin never became ready")


@pytest.fixture
def client():
    with TestClient(make_app()) as c:
        wait_ready(c)
        yield c


def post(client: TestClient, payload: object, headers: dict[str, str] | None = None) -> httpx.Response:
    body = json.dumps(payload).encode()
    return client.post("/v1/semantic-search", content=body, headers=headers if headers is not None else signed(body))


# --- signing ---------------------------------------------------------------------------------------


def test_signed_request_gets_hits_scores_and_ids(client):
    res = post(client, {"query": "  cordless drill ", "k": 3, "mode": "semantic"})
    assert res.status_code == 200
    data = res.json()
    assert (data["query"], data["k"], data["mode"]) == ("cordless drill", 3, "semantic")
    assert [h["id"] for h in data["hits"]] == ["cordless drill#0", "cordless drill#1", "cordless drill#2"]
    assert data["hits"][0] == {"id": "cordless drill#0", "title": "CORDLESS DRILL", "score": 1.0, "sid": [14, 0]}
    assert set(data["timings"]) >= {"queue", "encode", "decode", "total"}
    assert data["timings"]["encode"] == 0.5 and data["timings"]["total"] >= data["timings"]["queue"]


def test_defaults_k_10_and_semantic_adaptive(client):
    data = post(client, {"query": "hose"}).json()
    assert (data["k"], data["mode"], len(data["hits"])) == (10, "semantic-adaptive", 10)


def test_unsigned_request_is_401(client):
    res = post(client, {"query": "hose"}, headers={"content-type": "application/json"})
    assert res.status_code == 401
    assert res.json()["error"]["code"] == "unauthorized"


def test_wrong_signature_is_401(client):
    body = json.dumps({"query": "hose"}).encode()
    wrong_secret = signed(body, secret="not-the-secret")
    assert client.post("/v1/semantic-search", content=body, headers=wrong_secret).status_code == 401
    # a signature of another body does not carry over
    other = signed(json.dumps({"query": "rake"}).encode())
    assert client.post("/v1/semantic-search", content=body, headers=other).status_code == 401


def test_stale_or_future_timestamp_is_401(client):
    body = json.dumps({"query": "hose"}).encode()
    for ts in (int(time.time()) - 61, int(time.time()) + 61):
        res = client.post("/v1/semantic-search", content=body, headers=signed(body, ts=ts))
        assert res.status_code == 401
        assert "clock" in res.json()["error"]["message"]
    recent = signed(body, ts=int(time.time()) - 30)
    assert client.post("/v1/semantic-search", content=body, headers=recent).status_code == 200


def test_non_numeric_timestamp_is_401(client):
    body = b'{"query": "hose"}'
    headers = {**signed(body), "x-edgespan-timestamp": "1e9"}
    assert client.post("/v1/semantic-search", content=body, headers=headers).status_code == 401


# --- limits ----------------------------------------------------------------------------------------


def test_body_over_4_kib_is_413_before_auth(client):
    body = json.dumps({"query": "x" * 5000}).encode()
    res = client.post("/v1/semantic-search", content=body, headers={"content-type": "application/json"})
    assert res.status_code == 413
    assert res.json()["error"]["code"] == "body_too_large"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"query": "x" * 257}, "query"),
        ({"query": "   "}, "query"),
        ({"query": 42}, "query"),
        ({}, "query"),
        ({"query": "hose", "k": 0}, "k"),
        ({"query": "hose", "k": 101}, "k"),
        ({"query": "hose", "k": "10"}, "k"),
        ({"query": "hose", "k": True}, "k"),
        ({"query": "hose", "k": 2.5}, "k"),
        ({"query": "hose", "mode": "bm25"}, "mode"),
    ],
)
def test_bad_field_is_400_naming_it(client, payload, field):
    res = post(client, payload)
    assert res.status_code == 400
    assert res.json()["error"]["field"] == field
    assert res.json()["error"]["code"] == "invalid_parameter"


def test_query_of_256_characters_is_accepted(client):
    assert post(client, {"query": "x" * 256, "k": 1}).status_code == 200


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b"\xff\xfe"])
def test_body_that_is_not_a_json_object_is_400(client, body):
    res = client.post("/v1/semantic-search", content=body, headers=signed(body))
    assert res.status_code == 400
    assert res.json()["error"]["code"] == "invalid_body"


def test_unknown_route_has_the_error_shape(client):
    res = client.get("/v1/nothing")
    assert res.status_code == 404
    assert res.json()["error"]["code"] == "not_found"


# --- health and readiness --------------------------------------------------------------------------


def test_health_answers_at_once_and_ready_waits_for_the_artifacts():
    with TestClient(make_app(load_delay_s=0.5)) as c:
        assert c.get("/health").json() == {"status": "ok", "ready": False}
        assert c.get("/ready").status_code == 503
        res = post(c, {"query": "hose"})
        assert res.status_code == 503 and res.json()["error"]["code"] == "not_ready"
        wait_ready(c)
        assert c.get("/health").json() == {"status": "ok", "ready": True}
        assert post(c, {"query": "hose"}).status_code == 200


def test_failed_load_keeps_ready_503_with_the_reason():
    def load():
        raise FileNotFoundError("no products.json")

    failures: list[BaseException] = []
    app = create_app(load, OriginConfig(secret=SECRET, modes=MODES), on_load_failed=failures.append)
    with TestClient(app) as c:
        for _ in range(200):
            if failures:
                break
            time.sleep(0.01)
        res = c.get("/ready")
        assert res.status_code == 503
        assert "no products.json" in res.json()["error"]["message"]
        assert isinstance(failures[0], FileNotFoundError)


# --- micro-batching over real HTTP -----------------------------------------------------------------


class LiveOrigin:
    """The app under uvicorn on a loopback port, in a thread (the real HTTP stack, stand-in model)."""

    def __init__(self, app):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def __enter__(self) -> LiveOrigin:
        self.thread.start()
        for _ in range(500):
            try:
                if httpx.get(f"{self.url}/ready").status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.01)
        raise AssertionError("origin never became ready")

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(10)


async def concurrent_posts(url: str, payloads: list[dict]) -> list[httpx.Response]:
    limits = httpx.Limits(max_connections=len(payloads))
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=10) as c:

        async def one(p: dict) -> httpx.Response:
            body = json.dumps(p).encode()
            return await c.post("/v1/semantic-search", content=body, headers=signed(body))

        return await asyncio.gather(*(one(p) for p in payloads))


def test_concurrent_requests_share_model_calls_and_keep_their_answers():
    searcher = StandInSearcher(delay_s=0.05)  # a slow model: requests pile up behind each call
    payloads = [{"query": f"query {i}", "k": 1 + i % 5, "mode": MODES[i % 2]} for i in range(24)]
    with LiveOrigin(make_app(searcher, max_batch=8, max_wait_ms=20)) as origin:
        responses = asyncio.run(concurrent_posts(origin.url, payloads))
    assert all(r.status_code == 200 for r in responses)
    for p, r in zip(payloads, responses, strict=True):
        data = r.json()
        assert data["query"] == p["query"] and data["mode"] == p["mode"]
        # each request gets its own query's hits, cut to its own k
        assert [h["id"] for h in data["hits"]] == [f"{p['query']}#{i}" for i in range(p["k"])]
    batch_sizes = [int(r.headers["x-batch-size"]) for r in responses]
    assert max(batch_sizes) > 1 and max(batch_sizes) <= 8
    assert sum(n for n, _, _ in searcher.calls) == 24
    assert len(searcher.calls) < 24  # fewer model calls than requests
    assert all(mode in MODES[:2] for _, _, mode in searcher.calls)  # calls are per mode


def test_no_batching_serves_one_request_per_model_call():
    searcher = StandInSearcher(delay_s=0.01)
    payloads = [{"query": f"q{i}", "k": 2} for i in range(8)]
    with LiveOrigin(make_app(searcher, max_batch=1, max_wait_ms=0)) as origin:
        responses = asyncio.run(concurrent_posts(origin.url, payloads))
    assert [r.status_code for r in responses] == [200] * 8
    assert [n for n, _, _ in searcher.calls] == [1] * 8


def test_full_queue_answers_503_and_recovers():
    gate = threading.Event()
    searcher = StandInSearcher(gate=gate)
    app = make_app(searcher, max_batch=1, max_wait_ms=0, max_queue=2)
    with LiveOrigin(app) as origin:

        async def flood() -> tuple[list[httpx.Response], httpx.Response]:
            first = asyncio.ensure_future(concurrent_posts(origin.url, [{"query": "first"}]))
            assert await asyncio.to_thread(searcher.entered.wait, 10)  # on the (blocked) model
            # two more fit in the queue, the other two are refused
            rest = asyncio.ensure_future(concurrent_posts(origin.url, [{"query": f"q{i}"} for i in range(4)]))
            await asyncio.sleep(0.5)
            gate.set()
            answered = await first + await rest
            after = (await concurrent_posts(origin.url, [{"query": "again"}]))[0]
            return answered, after

        answered, after = asyncio.run(flood())
    statuses = sorted(r.status_code for r in answered)
    assert statuses == [200, 200, 200, 503, 503]
    assert len(searcher.calls) == 4  # first, the two queued, again
    refused = [r for r in answered if r.status_code == 503]
    assert all(r.json()["error"]["code"] == "overloaded" for r in refused)
    assert after.status_code == 200


def test_chunked_body_without_content_length_is_bounded():
    with LiveOrigin(make_app()) as origin:

        def chunks():
            for _ in range(10):
                yield b"x" * 1000  # 10 KB, no Content-Length

        url = f"{origin.url}/v1/semantic-search"
        res = httpx.post(url, content=chunks(), headers={"content-type": "application/json"})
        assert "content-length" not in res.request.headers
        assert res.status_code == 413
        small = json.dumps({"query": "hose", "k": 1}).encode()

        def one_chunk():
            yield small

        ok = httpx.post(url, content=one_chunk(), headers=signed(small))
        assert ok.status_code == 200


def test_body_that_trickles_in_too_slowly_is_408():
    with LiveOrigin(make_app(body_timeout_s=0.3)) as origin:

        def slow():
            yield b'{"query": '
            time.sleep(1)
            yield b'"hose"}'

        res = httpx.post(f"{origin.url}/v1/semantic-search", content=slow(), headers=signed(b""))
        assert res.status_code == 408
        assert res.json()["error"]["code"] == "body_timeout"


def test_each_request_logs_one_json_line_without_the_query(client, capfd):
    capfd.readouterr()
    post(client, {"query": "secret sauce pan", "k": 2})
    lines = [json.loads(line) for line in capfd.readouterr().err.splitlines() if line.startswith("{")]
    requests = [entry for entry in lines if entry["event"] == "request" and entry["path"] == "/v1/semantic-search"]
    assert len(requests) == 1
    entry = requests[0]
    assert (entry["method"], entry["status"], entry["batch"], entry["mode"], entry["query_chars"]) == (
        "POST",
        200,
        1,
        "semantic-adaptive",
        16,
    )
    assert entry["ms"] >= 0
    assert "secret sauce" not in json.dumps(lines)
