/**
 * Strategy `hybrid`: the Worker's lexical path fused with the semantic origin's answer.
 *
 *   result cache ─hit─▶ answer (the origin is not called)
 *        │ miss
 *        ├─▶ origin call (signed, time budget, circuit breaker) ─┐
 *        └─▶ lexical in the isolate (span model or fm-ngram) ────┴─▶ fusion ─▶ answer, cached if complete
 *
 * Both lists are FUSION_DEPTH deep whatever k is; fusion keeps k. The origin call starts first so
 * that its round trip overlaps lexical's CPU. Whatever happens to the origin the answer is a 200
 * with the lexical hits, marked `degraded` with the reason.
 */
import type { Engine } from "../core/engine.ts";
import type { FusableHit } from "../core/retrieval/fusion.ts";
import type { StrategyName } from "../core/retrieval/strategies.ts";
import type { Correction, PhaseTimings, Retriever } from "../core/retrieval/types.ts";
import { type Env, originFor, resultCacheFor } from "./isolate.ts";
import { FUSION_DEPTH, fuseHybrid } from "./origin-client.ts";

/** What a lexical strategy resolves to (the route's `resolve`). */
export interface LexicalPath {
  readonly retriever: Retriever;
  readonly served: StrategyName;
  readonly fallback?: string;
}

/** What the result cache holds: the parts of the answer that depend only on the key. */
interface CachedAnswer {
  readonly served: StrategyName;
  readonly fallback?: string;
  readonly hits: FusableHit[];
  readonly corrections?: readonly Correction[];
}

export interface HybridAnswer extends CachedAnswer {
  readonly cacheHit: boolean;
  readonly degraded: boolean;
  readonly degradedReason?: string;
  readonly timings: PhaseTimings;
}

export interface HybridRequest {
  readonly query: string;
  readonly k: number;
  readonly engine: Engine;
  readonly env: Env;
  /** performance.now() when the request arrived: the origin's budget is the request's. */
  readonly startedAt: number;
  /** The lexical half (resolved lazily: a cache hit needs no retriever). */
  readonly lexical: () => Promise<LexicalPath>;
  /** Where the cache write goes (ctx.waitUntil), so that it is off the response's path. */
  readonly background: (work: Promise<unknown>) => void;
}

/** Kept back from the budget for fusing and writing the response. */
const RESERVE_MS = 2;

/**
 * What the origin call may take: the budget less what the request already spent (manifest check,
 * cache lookup) and the reserve. The time spent counts for at most half the budget, so that a cold
 * isolate's KV reads do not leave the origin no time at all (its lexical half is slow then anyway).
 */
function originAllowance(budgetMs: number, startedAt: number): number {
  const spent = Math.min(performance.now() - startedAt, budgetMs / 2);
  return Math.max(1, budgetMs - spent - RESERVE_MS);
}

export async function hybridSearch(request: HybridRequest): Promise<HybridAnswer> {
  const { query, k, engine, env } = request;
  const origin = originFor(env);
  const results = resultCacheFor<CachedAnswer>(env);
  // The origin's mode is part of the answer: another mode must not be served another's hits.
  const strategy = "mode" in origin ? `hybrid/${origin.mode}` : "hybrid";
  const key = { query, strategy, k, index: engine.manifest.version };
  let t = performance.now();
  const cached = await results.get(key);
  const cacheMs = performance.now() - t;
  if (cached) return { ...cached, cacheHit: true, degraded: false, timings: { cache: cacheMs } };

  const depth = Math.max(k, FUSION_DEPTH);
  const semantic = "client" in origin ? origin.client.search(query, depth, origin.mode, originAllowance(origin.client.budgetMs, request.startedAt)) : Promise.resolve({ ok: false as const, reason: origin.unavailable, ms: 0 });
  const lexical = await request.lexical();
  const lexicalResult = await lexical.retriever.search(query, depth);
  const answer = await semantic;

  t = performance.now();
  // Degraded: the lexical list's first k, with their own scores.
  const hits = answer.ok && "mode" in origin ? fuseHybrid(lexicalResult.hits, answer.hits, origin.mode, k) : lexicalResult.hits.slice(0, k);
  const timings = { ...lexicalResult.timings, cache: cacheMs, origin: answer.ms, fuse: performance.now() - t };
  const served: StrategyName = answer.ok ? "hybrid" : lexical.served;
  const { corrections } = lexicalResult;
  const complete: CachedAnswer = { served, ...(lexical.fallback && { fallback: lexical.fallback }), hits, ...(corrections && { corrections }) };
  if (!answer.ok) return { ...complete, cacheHit: false, degraded: true, degradedReason: answer.reason, timings };
  request.background(results.put(key, complete));
  return { ...complete, cacheHit: false, degraded: false, timings };
}
