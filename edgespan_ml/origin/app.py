"""The origin's HTTP app: POST /v1/semantic-search, GET /health, GET /ready.

Checks run in the order that is cheapest to fail: body size (413, before anything is parsed),
signature (401, over the raw bytes), fields (400 naming the field), readiness (503), queue room (503).
Errors have the Worker's shape: {"error": {"code", "message", "field"?}}.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, is_dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .auth import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify
from .batching import MicroBatcher, QueueFull, Searcher
from .logs import log

MAX_BODY_BYTES = 4096
MAX_QUERY_CHARS = 256
MAX_K = 100
DEFAULT_K = 10
DEFAULT_MODE = "semantic-adaptive"


@dataclass
class OriginConfig:
    secret: str | None  # None only with --insecure-no-auth
    modes: Sequence[str]
    max_batch: int = 32
    max_wait_ms: float = 2.0
    max_queue: int = 256
    device: str = "cpu"
    body_timeout_s: float = 10.0  # a client that trickles its 4 KiB slower than this is cut off (408)


@dataclass
class OriginState:
    batcher: MicroBatcher | None = None
    modes: list[str] | None = None  # the modes the loaded artifacts can answer, when the searcher says
    load_error: str | None = None
    load_s: float | None = None


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, field: str | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field


def error_body(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, **({"field": field} if field is not None else {})}}


async def read_body(request: Request, limit: int) -> bytes:
    """The raw body, refused with 413 once it passes `limit`, whether or not Content-Length says so."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise ApiError(413, "body_too_large", f"body is larger than {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ApiError(413, "body_too_large", f"body is larger than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


@dataclass
class SearchRequest:
    query: str
    k: int
    mode: str


def parse_request(body: bytes, modes: Sequence[str]) -> SearchRequest:
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ApiError(400, "invalid_body", "body must be JSON") from None
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_body", "body must be a JSON object")
    query = data.get("query")
    if not isinstance(query, str):
        raise ApiError(400, "invalid_parameter", "query must be a string", "query")
    query = query.strip()
    if not 1 <= len(query) <= MAX_QUERY_CHARS:
        raise ApiError(400, "invalid_parameter", f"query must be 1-{MAX_QUERY_CHARS} characters", "query")
    k = data.get("k", DEFAULT_K)
    if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= MAX_K:
        raise ApiError(400, "invalid_parameter", f"k must be an integer between 1 and {MAX_K}", "k")
    mode = data.get("mode", DEFAULT_MODE)
    if mode not in modes:
        raise ApiError(400, "invalid_parameter", f"mode must be one of {', '.join(modes)}", "mode")
    return SearchRequest(query, k, mode)


def hit_json(hit: Any) -> dict[str, Any]:
    h = asdict(hit) if is_dataclass(hit) and not isinstance(hit, type) else dict(hit)
    # numpy scalars are not JSON: the searcher's floats and ints are converted here
    sid = None if h.get("sid") is None else [int(x) for x in h["sid"]]
    return {"id": h["id"], "title": h["title"], "score": float(h["score"]), "sid": sid}


class RequestLog:
    """ASGI middleware: one JSON log line per request (status, ms, and what the route adds to
    scope["log"]: batch size, mode, query length; never the query text or headers)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        scope["log"] = fields = {}
        status = 500

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_with_status)
        finally:
            ms = round((time.perf_counter() - started) * 1000, 2)
            log("request", method=scope["method"], path=scope["path"], status=status, ms=ms, **fields)


def create_app(
    load_searcher: Callable[[], Searcher],
    config: OriginConfig,
    on_load_failed: Callable[[BaseException], None] | None = None,
) -> FastAPI:
    """`load_searcher` runs in a thread at startup, so /health answers while artifacts load."""
    state = OriginState()

    async def load() -> None:
        started = time.perf_counter()
        try:
            searcher = await asyncio.to_thread(load_searcher)
        except Exception as err:
            state.load_error = f"{type(err).__name__}: {err}"
            log("load_failed", error=state.load_error)
            if on_load_failed is not None:
                on_load_failed(err)
            return
        batcher = MicroBatcher(searcher, config.max_batch, config.max_wait_ms, config.max_queue)
        batcher.start()
        state.load_s = round(time.perf_counter() - started, 2)
        built = getattr(searcher, "modes", None)
        state.modes = [m for m in config.modes if m in built] if built is not None else list(config.modes)
        state.batcher = batcher
        log("ready", load_s=state.load_s, device=config.device, modes=state.modes, max_batch=config.max_batch)

    @asynccontextmanager
    async def lifespan(_: FastAPI):  # noqa: ANN202 (FastAPI's lifespan type)
        loading = asyncio.create_task(load())
        try:
            yield
        finally:
            loading.cancel()
            await asyncio.gather(loading, return_exceptions=True)
            if state.batcher is not None:
                await state.batcher.stop()

    app = FastAPI(title="Edgespan origin", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.origin = state
    app.add_middleware(RequestLog)

    @app.exception_handler(ApiError)
    async def api_error(_: Request, err: ApiError) -> JSONResponse:
        return JSONResponse(error_body(err.code, err.message, err.field), status_code=err.status)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, err: HTTPException) -> JSONResponse:
        code = "not_found" if err.status_code == 404 else "method_not_allowed" if err.status_code == 405 else "http"
        return JSONResponse(error_body(code, f"{err.detail}: {request.method} {request.url.path}"), err.status_code)

    @app.get("/health")
    async def health() -> dict[str, Any]:
        return {"status": "ok", "ready": state.batcher is not None}

    @app.get("/ready")
    async def ready() -> JSONResponse:
        if state.batcher is None:
            message = f"artifacts failed to load: {state.load_error}" if state.load_error else "loading artifacts"
            return JSONResponse(error_body("not_ready", message), status_code=503)
        return JSONResponse({"status": "ready", "device": config.device, "modes": state.modes, "load_s": state.load_s})

    @app.post("/v1/semantic-search")
    async def semantic_search(request: Request) -> JSONResponse:
        started = time.perf_counter()
        try:
            body = await asyncio.wait_for(read_body(request, MAX_BODY_BYTES), config.body_timeout_s)
        except TimeoutError:
            raise ApiError(408, "body_timeout", f"body not received within {config.body_timeout_s} s") from None
        if config.secret is not None:
            why = verify(
                config.secret,
                request.headers.get(TIMESTAMP_HEADER),
                request.headers.get(SIGNATURE_HEADER),
                body,
                time.time(),
            )
            if why is not None:
                raise ApiError(401, "unauthorized", why)
        req = parse_request(body, config.modes)
        request.scope["log"].update(mode=req.mode, k=req.k, query_chars=len(req.query))
        if state.batcher is None:
            raise ApiError(503, "not_ready", "the origin is still loading its artifacts")
        if state.modes is not None and req.mode not in state.modes:
            available = ", ".join(state.modes) or "none"
            raise ApiError(400, "mode_not_built", f"mode {req.mode} is not built at this origin ({available})", "mode")
        try:
            result = await state.batcher.search(req.query, req.k, req.mode)
        except QueueFull as err:
            raise ApiError(503, "overloaded", str(err)) from None
        except Exception as err:
            log("search_failed", error=f"{type(err).__name__}: {err}", mode=req.mode)
            raise ApiError(500, "internal", "search failed") from None
        request.scope["log"]["batch"] = result.batch_size
        timings = {
            "queue": round(result.queue_ms, 3),
            # the searcher's own split of its batch call, null when it does not report one
            "encode": result.timings.get("encode"),
            "decode": result.timings.get("decode"),
            "model": round(result.model_ms, 3),
            "total": round((time.perf_counter() - started) * 1000, 3),
        }
        body_out = {"query": req.query, "k": req.k, "mode": req.mode, "hits": [hit_json(h) for h in result.hits]}
        return JSONResponse({**body_out, "timings": timings}, headers={"X-Batch-Size": str(result.batch_size)})

    return app
