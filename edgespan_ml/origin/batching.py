"""Micro-batching: concurrent requests wait up to `max_wait_ms` to share one `search_batch` call.

One collector task drains a bounded queue into batches of at most `max_batch`; the model runs in a
single worker thread (the searcher serves one caller at a time), so the event loop keeps accepting
and queueing while a batch is on the model. Requests of one batch are grouped by mode; each group
runs once with the largest k asked for, and every request gets its own list cut to its k.
"""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol


class Searcher(Protocol):
    def search_batch(self, queries: list[str], k: int, mode: str) -> list[list[Any]]: ...


class QueueFull(Exception):
    """More requests are waiting than the queue holds: the caller answers 503."""


@dataclass
class BatchResult:
    hits: list[Any]
    batch_size: int  # requests that shared the model call
    queue_ms: float  # enqueued -> model call started
    model_ms: float  # the model call of this request's mode group
    timings: dict[str, float] = field(default_factory=dict)  # the searcher's own split, when it reports one


@dataclass
class _Pending:
    query: str
    k: int
    mode: str
    enqueued: float
    future: asyncio.Future[BatchResult]


class MicroBatcher:
    def __init__(self, searcher: Searcher, max_batch: int = 32, max_wait_ms: float = 2.0, max_queue: int = 256):
        if max_batch < 1 or max_queue < 1 or max_wait_ms < 0:
            raise ValueError("max_batch and max_queue must be >= 1, max_wait_ms >= 0")
        self.searcher = searcher
        self.max_batch = max_batch
        self.max_wait_s = max_wait_ms / 1000
        self.queue: asyncio.Queue[_Pending] = asyncio.Queue(maxsize=max_queue)
        self.model_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="origin-model")
        self.task: asyncio.Task[None] | None = None
        self.batches = 0
        self.requests = 0

    def start(self) -> None:
        self.task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)
        self.model_thread.shutdown(wait=True)

    async def search(self, query: str, k: int, mode: str) -> BatchResult:
        future: asyncio.Future[BatchResult] = asyncio.get_running_loop().create_future()
        try:
            self.queue.put_nowait(_Pending(query, k, mode, time.perf_counter(), future))
        except asyncio.QueueFull:
            raise QueueFull(f"{self.queue.maxsize} requests already waiting") from None
        return await future

    async def _collect(self) -> list[_Pending]:
        batch = [await self.queue.get()]
        deadline = time.perf_counter() + self.max_wait_s
        while len(batch) < self.max_batch:
            # Whatever queued while the previous batch was on the model joins without waiting.
            if not self.queue.empty():
                batch.append(self.queue.get_nowait())
                continue
            left = deadline - time.perf_counter()
            if left <= 0:
                break
            try:
                batch.append(await asyncio.wait_for(self.queue.get(), left))
            except TimeoutError:
                break
        return batch

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            batch = await self._collect()
            # A caller that went away (client disconnect) no longer needs its answer.
            batch = [p for p in batch if not p.future.done()]
            if not batch:
                continue
            self.batches += 1
            self.requests += len(batch)
            by_mode: dict[str, list[_Pending]] = {}
            for p in batch:
                by_mode.setdefault(p.mode, []).append(p)
            for mode, group in by_mode.items():
                started = time.perf_counter()
                try:
                    hits, timings = await loop.run_in_executor(self.model_thread, self._call, group, mode)
                except Exception as err:  # the model failed: every request of the group gets the error
                    for p in group:
                        if not p.future.done():
                            p.future.set_exception(err)
                    continue
                model_ms = (time.perf_counter() - started) * 1000
                for p, h in zip(group, hits, strict=True):
                    if not p.future.done():
                        queue_ms = (started - p.enqueued) * 1000
                        p.future.set_result(BatchResult(h[: p.k], len(batch), queue_ms, model_ms, timings))

    def _call(self, group: list[_Pending], mode: str) -> tuple[list[list[Any]], dict[str, float]]:
        hits = self.searcher.search_batch([p.query for p in group], max(p.k for p in group), mode)
        if len(hits) != len(group):
            raise RuntimeError(f"search_batch returned {len(hits)} lists for {len(group)} queries")
        # The searcher may report its own encode/decode split for the call it just made.
        timings = getattr(self.searcher, "last_timings", None)
        return hits, dict(timings) if isinstance(timings, dict) else {}
