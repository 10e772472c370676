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
import { type FusableHit, reciprocalRankFusion } from "../core/retrieval/fusion.ts";
import type { CircuitBreaker } from "../core/resilience/circuit-breaker.ts";

export const SEMANTIC_MODES = ["dense", "dense-ft", "semantic", "semantic-drop-layer", "semantic-adaptive"] as const;
export type SemanticMode = (typeof SEMANTIC_MODES)[number];
/**
 * What `hybrid` fuses unless ORIGIN_MODE says otherwise: the fine-tuned dense tower. On Home Depot
 * dev, with the SFT span model, lexical ⊕ dense-ft reached Recall@10 / @100 0.4341 / 0.7591 against
 * 0.3853 / 0.6712 for lexical ⊕ semantic-adaptive (lexical alone: 0.4027 / 0.6586); with the
 * distilled model now shipped, 0.4345 / 0.7624, and with the lexical path's query rewrites
 * 0.4514 / 0.7780. The SemanticID modes stay selectable, and become the default when they measure
 * better (README, Evaluation).
 */
export const DEFAULT_MODE: SemanticMode = "dense-ft";
/**
 * Weight of the origin's list in `hybrid`'s fusion (the lexical list weighs 1), per mode. Tuned
 * with src/eval/tune-hybrid.ts on 400 train queries (Home Depot, lexical = the span model):
 * semantic-adaptive at 0.2 / 0.4 / 1 gives R@10 0.4446 / 0.4302 / 0.3892, R@100 0.6909 / 0.7124 /
 * 0.7637 against lexical alone 0.4268 / 0.6909; 0.4 is the smallest weight at which the origin's
 * own finds reach the top 100 while the top 10 still gains. The others are not tuned.
 */
export const FUSION_WEIGHT: Readonly<Record<SemanticMode, number>> = { dense: 1, "dense-ft": 1, semantic: 1, "semantic-drop-layer": 1, "semantic-adaptive": 0.4 };

/** `hybrid`'s merge, the same in the Worker and the harness: lexical ⊕ the origin's list at its mode's weight. */
export function fuseHybrid(lexical: readonly FusableHit[], origin: readonly FusableHit[], mode: SemanticMode, limit: number): FusableHit[] {
  return reciprocalRankFusion([{ hits: lexical }, { hits: origin, weight: FUSION_WEIGHT[mode] }], { limit });
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
