/**
 * The client of the semantic origin (docs/semantic-origin-contract.md §3): a signed
 * `POST {ORIGIN_URL}/v1/semantic-search` under a time budget, behind a circuit breaker. It never
 * throws: every way the call can go wrong (breaker open, timeout, network error, non-200, a body
 * that is not the contract's JSON) comes back as a failure with the reason the response names.
 *
 * Runtime-agnostic (fetch, crypto.subtle, AbortSignal.timeout): the Worker and the eval harness
 * in Node sign the same way.
 */
import { z } from "zod";
import { type FusableHit, reciprocalRankFusion, scoreFusion } from "../core/retrieval/fusion.ts";
import type { CircuitBreaker } from "../core/resilience/circuit-breaker.ts";

export const SEMANTIC_MODES = ["dense", "dense-ft", "semantic", "semantic-drop-layer", "semantic-adaptive"] as const;
export type SemanticMode = (typeof SEMANTIC_MODES)[number];
/**
 * What `hybrid` fuses unless ORIGIN_MODE says otherwise: the fine-tuned dense tower. On Home Depot
 * dev, with the SFT span model, lexical ⊕ dense-ft reached Recall@10 / @100 0.4341 / 0.7591 against
 * 0.3853 / 0.6712 for lexical ⊕ semantic-adaptive (lexical alone: 0.4027 / 0.6586); with the
 * distilled model now shipped, 0.4345 / 0.7624, and with the lexical path's query rewrites
 * 0.4514 / 0.7780. With word coverage in the lexical path, score fusion and lists 100 deep (see
 * FUSION), 0.4984 / 0.7970 against lexical's 0.4851 / 0.7546. The SemanticID modes stay
 * selectable, and become the default when they measure better (README, Evaluation).
 */
export const DEFAULT_MODE: SemanticMode = "dense-ft";
/**
 * How `hybrid` fuses the origin's list with the lexical one (which weighs 1), per mode. Tuned with
 * src/eval/tune-hybrid.ts on train queries (Home Depot, lexical = the span model path):
 * - dense-ft, 600 queries, lexical alone 0.4993 / 0.7736 (R@10 / R@100): score fusion at 0.2 / 0.3
 *   / 0.5 / 1 gives 0.5109 / 0.5146 / 0.5129 / 0.5080 and 0.8123 / 0.8138 / 0.8183 / 0.8157; RRF,
 *   which this mode used before, at 0.5 / 1 only 0.4979 / 0.4941 and 0.7978 / 0.8145. dense takes
 *   the same setting, untuned;
 * - semantic-adaptive, 400 queries, lexical alone 0.4268 / 0.6909: RRF at 0.2 / 0.4 / 1 gives
 *   0.4446 / 0.4302 / 0.3892 and 0.6909 / 0.7124 / 0.7637; 0.4 is the smallest weight at which the
 *   origin's own finds reach the top 100 while the top 10 still gains. The SemanticID modes'
 *   scores are beam log-probabilities, so they fuse by rank; the others are not tuned.
 */
export const FUSION: Readonly<Record<SemanticMode, { readonly method: "rrf" | "score"; readonly weight: number }>> = {
  dense: { method: "score", weight: 0.3 },
  "dense-ft": { method: "score", weight: 0.3 },
  semantic: { method: "rrf", weight: 1 },
  "semantic-drop-layer": { method: "rrf", weight: 1 },
  "semantic-adaptive": { method: "rrf", weight: 0.4 },
};

/**
 * Hits of each list that `hybrid` fuses, whatever k it answers: what the lexical path ranks 11th
 * and the origin 1st belongs in a top 10. The harness measures at this depth too.
 */
export const FUSION_DEPTH = 100;

/** `hybrid`'s merge, the same in the Worker and the harness: lexical ⊕ the origin's list, by its mode's method and weight. */
export function fuseHybrid(lexical: readonly FusableHit[], origin: readonly FusableHit[], mode: SemanticMode, limit: number): FusableHit[] {
  const { method, weight } = FUSION[mode];
  const lists = [{ hits: lexical }, { hits: origin, weight }];
  return method === "score" ? scoreFusion(lists, { limit }) : reciprocalRankFusion(lists, { limit });
}
export const DEFAULT_ORIGIN_TIMEOUT_MS = 250;
/** Bigger than any valid answer (100 hits), small enough that a runaway body cannot hurt the isolate. */
const MAX_RESPONSE_BYTES = 512 * 1024;

const OriginHit = z.object({
  id: z.string().min(1),
  title: z.string(),
  score: z.number().refine(Number.isFinite, "score must be finite"),
  sid: z.array(z.number().int()).max(64).nullable(),
});

const OriginResponse = z.object({
  hits: z.array(OriginHit).max(100),
  // informational: a phase the origin did not measure may be null
  timings: z.record(z.string(), z.number().nullable()).optional(),
});

export interface OriginConfig {
  /** Base URL, e.g. http://127.0.0.1:8788. */
  readonly url: string;
  readonly secret: string;
  readonly timeoutMs: number;
}

type Success = { readonly ok: true; readonly hits: FusableHit[]; readonly timings: Record<string, number> };
type Failure = { readonly ok: false; readonly reason: string };
/** What a call came to, and its wall time in ms (0 when the breaker skipped it). */
export type OriginResult = (Success | Failure) & { readonly ms: number };

// One imported key per secret, for the isolate's life (importKey is not free).
const keys = new Map<string, Promise<CryptoKey>>();

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    keys.set(secret, key);
  }
  return key;
}

/** Hex HMAC-SHA256 of "<timestamp>.<body>", the origin's X-Edgespan-Signature. */
export async function signRequest(secret: string, timestamp: number, body: string): Promise<string> {
  const mac = await crypto.subtle.sign("HMAC", await hmacKey(secret), new TextEncoder().encode(`${timestamp}.${body}`));
  return [...new Uint8Array(mac)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Reads at most `max` bytes of a body as text; more is an error (the stream is cancelled). */
async function readCapped(response: Response, max: number): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    if (bytes > max) {
      await reader.cancel().catch(() => {});
      throw new Error(`response larger than ${max} bytes`);
    }
    chunks.push(value);
  }
  const all = new Uint8Array(bytes);
  let at = 0;
  for (const chunk of chunks) {
    all.set(chunk, at);
    at += chunk.byteLength;
  }
  return new TextDecoder().decode(all);
}

const isTimeout = (e: unknown) => e instanceof Error && (e.name === "TimeoutError" || e.name === "AbortError");

export class OriginClient {
  private readonly endpoint: string;

  constructor(
    private readonly config: OriginConfig,
    readonly breaker: CircuitBreaker,
    private readonly fetcher: typeof fetch = (input, init) => fetch(input, init),
  ) {
    this.endpoint = `${config.url.replace(/\/+$/u, "")}/v1/semantic-search`;
  }

  /** The configured time budget of one call, in ms. */
  get budgetMs(): number {
    return this.config.timeoutMs;
  }

  /**
   * The origin's top `k` for `query`, or why there are none; reports the outcome to the breaker.
   * `timeoutMs` (default: the configured budget) covers signing, the round trip and the body.
   */
  async search(query: string, k: number, mode: SemanticMode = DEFAULT_MODE, timeoutMs = this.config.timeoutMs): Promise<OriginResult> {
    const started = performance.now();
    if (!this.breaker.allow()) return { ok: false, reason: "circuit open", ms: 0 };
    const signal = AbortSignal.timeout(Math.max(1, Math.round(timeoutMs)));
    // Answer when the budget runs out, not when the aborted fetch gets round to rejecting.
    const expired = new Promise<Failure>((resolve) => signal.addEventListener("abort", () => resolve({ ok: false, reason: "origin timeout" }), { once: true }));
    const outcome = await Promise.race([this.call(query, k, mode, signal), expired]);
    if (outcome.ok) this.breaker.success();
    else this.breaker.failure();
    return { ...outcome, ms: performance.now() - started };
  }

  /** One signed request; never throws (a failure says why). */
  private async call(query: string, k: number, mode: SemanticMode, signal: AbortSignal): Promise<Success | Failure> {
    try {
      const body = JSON.stringify({ query, k, mode });
      const timestamp = Math.floor(Date.now() / 1000);
      const signature = await signRequest(this.config.secret, timestamp, body);
      const response = await this.fetcher(this.endpoint, {
        method: "POST",
        body,
        signal,
        headers: { "Content-Type": "application/json", "X-Edgespan-Timestamp": String(timestamp), "X-Edgespan-Signature": signature },
      });
      const text = await readCapped(response, MAX_RESPONSE_BYTES);
      if (response.status !== 200) return { ok: false, reason: `origin error: HTTP ${response.status}` };
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        return { ok: false, reason: "origin error: response is not JSON" };
      }
      const parsed = OriginResponse.safeParse(json);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        return { ok: false, reason: `origin error: unexpected response: ${issue.path.join(".") || "body"}: ${issue.message}` };
      }
      const hits = parsed.data.hits.map(({ id, title, score, sid }): FusableHit => ({ id, title, score, spans: [], highlights: [], ...(sid && { sid }) }));
      const timings = Object.fromEntries(Object.entries(parsed.data.timings ?? {}).filter((e): e is [string, number] => e[1] !== null));
      return { ok: true, hits, timings };
    } catch (e) {
      if (isTimeout(e)) return { ok: false, reason: "origin timeout" };
      return { ok: false, reason: `origin error: ${(e as Error).message ?? String(e)}` };
    }
  }
}
