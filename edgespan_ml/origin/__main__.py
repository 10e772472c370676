"""Runs the origin.

    ORIGIN_SECRET=... python -m edgespan_ml.origin --artifacts .edgespan/semantic/sample [--port 8788]

--port 0 picks a free port. Once the socket listens, one line goes to stdout:
`origin listening on http://127.0.0.1:PORT` (tests and the benchmark read the port from it); the
artifacts load in the background meanwhile, and GET /ready turns 200 when they have.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import sys
from pathlib import Path

import uvicorn

from .app import OriginConfig, create_app


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m edgespan_ml.origin", description="The SemanticID origin.")
    p.add_argument("--artifacts", type=Path, default=os.environ.get("ORIGIN_ARTIFACTS", ".edgespan/semantic/sample"))
    p.add_argument("--host", default="127.0.0.1")
    # a string default goes through type=int too, so a bad ORIGIN_PORT is a usage error, not a traceback
    p.add_argument("--port", type=int, default=os.environ.get("ORIGIN_PORT", "8788"), help="0: a free port")
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto", help="auto: CUDA when present")
    p.add_argument("--max-batch", type=int, default=32, help="requests per model call")
    p.add_argument("--max-wait-ms", type=float, default=2.0, help="how long a request waits for others to join")
    p.add_argument("--max-queue", type=int, default=256, help="requests waiting before 503")
    p.add_argument("--no-batching", action="store_true", help="one request per model call (benchmark baseline)")
    p.add_argument("--insecure-no-auth", action="store_true", help="accept unsigned requests (local benchmarks only)")
    args = p.parse_args(argv)
    if not 0 <= args.port <= 65535:
        p.error(f"--port: expected 0-65535, got {args.port}")
    if args.max_batch < 1 or args.max_queue < 1 or args.max_wait_ms < 0:
        p.error("--max-batch and --max-queue must be at least 1, --max-wait-ms at least 0")
    if args.no_batching:
        args.max_batch, args.max_wait_ms = 1, 0.0
    return args


def pick_device(choice: str) -> str:
    import torch

    if choice == "cuda" and not torch.cuda.is_available():
        sys.exit("origin: --device cuda, but CUDA is not available")
    if choice == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return choice


async def serve(args: argparse.Namespace, secret: str | None) -> int:
    from ..semantic.searcher import MODES, SemanticSearcher

    device = pick_device(args.device)
    config = OriginConfig(secret, MODES, args.max_batch, args.max_wait_ms, args.max_queue, device)
    failed: list[BaseException] = []
    server: uvicorn.Server | None = None

    def on_load_failed(err: BaseException) -> None:
        # It can never become ready: stop, so a supervisor or test sees the exit instead of 503s forever.
        failed.append(err)
        if server is not None:
            server.should_exit = True

    app = create_app(lambda: SemanticSearcher.load(args.artifacts, device=device), config, on_load_failed)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((args.host, args.port))
    except OSError as err:
        print(f"origin: cannot listen on {args.host}:{args.port}: {err.strerror}", file=sys.stderr)
        return 1
    port = sock.getsockname()[1]
    # Connections are bounded too (uvicorn answers a plain 503 past the limit); the queue bound is the finer one.
    limit = max(64, 4 * args.max_queue)
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", access_log=False, timeout_keep_alive=30, limit_concurrency=limit)
    )

    async def announce() -> None:
        for _ in range(600):  # uvicorn starts in well under a minute; stop waiting after one
            if server.started:
                print(f"origin listening on http://{args.host}:{port}", flush=True)
                return
            await asyncio.sleep(0.1)

    announcing = asyncio.create_task(announce())
    await server.serve(sockets=[sock])
    announcing.cancel()
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not args.artifacts.is_dir():
        print(
            f"origin: no artifacts at {args.artifacts} "
            "(build them: python -m edgespan_ml.semantic.build --catalog sample)",
            file=sys.stderr,
        )
        return 1
    secret = os.environ.get("ORIGIN_SECRET") or None
    if secret is None and not args.insecure_no_auth:
        print(
            "origin: ORIGIN_SECRET is not set; it signs the Worker's requests "
            "(npm run origin takes it from .dev.vars; --insecure-no-auth for local benchmarks only)",
            file=sys.stderr,
        )
        return 2
    if secret is not None and args.insecure_no_auth:
        print("origin: --insecure-no-auth given: ORIGIN_SECRET is ignored, requests are not verified", file=sys.stderr)
        secret = None
    return asyncio.run(serve(args, secret))


if __name__ == "__main__":
    sys.exit(main())
