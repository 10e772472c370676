/**
 * The systems the harness can evaluate, by name. Each is a Retriever, so the harness treats a
 * baseline, the engine and a remote Worker alike.
 */
import MiniSearch, { type SearchOptions } from "minisearch";
import type { Product } from "../core/catalog/product.ts";
import { FmNgramRetriever } from "../core/retrieval/fm-ngram.ts";
import type { Retriever, SearchHit, SearchResult } from "../core/retrieval/types.ts";
import { WordPieceTokenizer } from "../core/tokenizer/wordpiece.ts";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { openLocalEngine } from "../node/engine.ts";
import { DEFAULT_TOKENIZER, openLexical } from "../node/lexical.ts";
import { REPO_ROOT } from "../node/paths.ts";
import { DEFAULT_MODE, FUSION_DEPTH, SEMANTIC_MODES, type SemanticMode, fuseHybrid } from "../worker/origin-client.ts";
import { words } from "./buckets.ts";
import { OriginUnavailable, type OriginSession } from "./origin-session.ts";

export interface SystemContext {
  readonly products: readonly Product[];
  /** Base URL of a running Worker, for `endpoint` and `NAME@endpoint`. */
  readonly endpoint?: string;
  /** The exported span model for `lexical` (default wasm/model). */
  readonly modelDir?: string;
  /** The semantic origin, for the origin modes and `hybrid`. */
  readonly origin?: OriginSession;
}

/** A system that cannot run here (a module not written yet, a missing endpoint URL). */
export class SystemUnavailableError extends Error {
  override name = "SystemUnavailableError";
}

/** `fm-ngram-wordpiece`: fm-ngram on the span model's WordPiece index, what `lexical` falls back to on such a build. */
export const LOCAL_SYSTEMS = ["bm25", "bm25-fuzzy", "fm-ngram", "fm-ngram-wordpiece", "lexical"] as const;
/** Served by the semantic origin (`hybrid` fuses one of them with lexical in process). */
export const ORIGIN_SYSTEMS = [...SEMANTIC_MODES, "hybrid"] as const;
/**
 * `hybrid`: the Worker's lexical path fused with the origin's default mode (DEFAULT_MODE, dense-ft);
 * `hybrid+MODE` with another mode (hybrid+dense-ft); `hybrid-fm-ngram[+MODE]` with fm-ngram as
 * the lexical half whatever model is exported.
 */
const HYBRID_RE = /^hybrid(-fm-ngram)?(?:\+([a-z-]+))?$/u;

/** A LOCAL_SYSTEMS name, an origin system, `endpoint`, or `NAME@endpoint` (NAME served by the Worker). */
export async function createSystem(name: string, ctx: SystemContext): Promise<Retriever> {
  if (name === "endpoint" || name.endsWith("@endpoint")) {
    if (!ctx.endpoint) throw new SystemUnavailableError(`system ${name} needs an endpoint URL (--endpoint)`);
    const remote = name === "endpoint" ? undefined : name.slice(0, -"@endpoint".length);
    return endpointRetriever(name, ctx.endpoint, remote);
  }
  if ((SEMANTIC_MODES as readonly string[]).includes(name) || HYBRID_RE.test(name)) return originSystem(name, ctx);
  switch (name) {
    case "bm25":
      return bm25Retriever("bm25", bm25Index(ctx.products), BM25_SEARCH);
    case "bm25-fuzzy":
      return bm25Retriever("bm25-fuzzy", bm25Index(ctx.products), BM25_FUZZY_SEARCH);
    case "fm-ngram":
      return fmNgram(ctx.products);
    case "fm-ngram-wordpiece": {
      const tokenizer = WordPieceTokenizer.load(new Uint8Array(await readFile(DEFAULT_TOKENIZER)));
      return new FmNgramRetriever((await openLocalEngine(ctx.products, { tokenizer })).engine, {}, name);
    }
    case "lexical": {
      const dir = ctx.modelDir ?? join(REPO_ROOT, "wasm/model");
      if (!existsSync(join(dir, "model.json"))) {
        throw new SystemUnavailableError(`system lexical needs an exported span model: ${dir}/model.json not found (--model DIR)`);
      }
      return (await openLexical(ctx.products, dir)).retriever;
    }
    default:
      throw new SystemUnavailableError(`unknown system ${JSON.stringify(name)}; known: ${[...LOCAL_SYSTEMS, ...ORIGIN_SYSTEMS, "hybrid+MODE", "hybrid-fm-ngram[+MODE]", "endpoint", "NAME@endpoint"].join(", ")}`);
  }
}

// ---- the semantic origin's modes, and hybrid: lexical in process fused with the origin. ----

async function originSystem(name: string, ctx: SystemContext): Promise<Retriever> {
  if (!ctx.origin) throw new SystemUnavailableError(`system ${name} needs the semantic origin (--origin URL, or the harness starts one)`);
  const hybrid = HYBRID_RE.exec(name);
  const mode = (hybrid ? (hybrid[2] ?? DEFAULT_MODE) : name) as SemanticMode;
  if (!SEMANTIC_MODES.includes(mode)) throw new SystemUnavailableError(`system ${name}: unknown mode ${mode}; modes: ${SEMANTIC_MODES.join(", ")}`);
  let origin;
  try {
    origin = await ctx.origin.client();
  } catch (e) {
    if (e instanceof OriginUnavailable) throw new SystemUnavailableError(`system ${name}: ${e.message}`);
    throw e;
  }
  if (origin.modes && !origin.modes.includes(mode)) {
    throw new SystemUnavailableError(`system ${name}: mode ${mode} is not built in the origin's artifacts (built: ${origin.modes.join(", ") || "none"})`);
  }
  const semantic: Retriever = {
    name,
    async search(query: string, k: number): Promise<SearchResult> {
      const answer = await origin.client.search(query, k, mode);
      if (!answer.ok) throw new Error(`system ${name}: ${answer.reason}`); // a degraded answer would skew the numbers
      return { hits: answer.hits, timings: { origin: answer.ms } };
    },
  };
  if (!hybrid) return semantic;
  const lexical = hybrid[1] ? await fmNgram(ctx.products) : await lexicalHalf(ctx);
  return {
    name,
    async search(query: string, k: number): Promise<SearchResult> {
      // As in the Worker (src/worker/hybrid.ts): the origin's round trip overlaps lexical's CPU.
      const depth = Math.max(k, FUSION_DEPTH);
      const pending = semantic.search(query, depth);
      pending.catch(() => {}); // awaited below; not an unhandled rejection meanwhile
      const [lex, sem] = [await lexical.search(query, depth), await pending];
      const start = performance.now();
      const hits = fuseHybrid(lex.hits, sem.hits, mode, k);
      return { hits, timings: { ...lex.timings, ...sem.timings, fuse: performance.now() - start } };
    },
  };
}

/** The Worker's lexical path: the span model when one is exported, else fm-ngram. */
async function lexicalHalf(ctx: SystemContext): Promise<Retriever> {
  const dir = ctx.modelDir ?? join(REPO_ROOT, "wasm/model");
  if (existsSync(join(dir, "model.json"))) {
    console.error(`hybrid: its lexical half is the span model at ${dir}`);
    return (await openLexical(ctx.products, dir)).retriever;
  }
  console.error(`hybrid: no span model at ${dir}, its lexical half is fm-ngram (as in the Worker)`);
  return fmNgram(ctx.products);
}

// ---- fm-ngram: the engine in process, built from the same catalog. ----

async function fmNgram(products: readonly Product[]): Promise<Retriever> {
  return (await openLocalEngine(products)).retriever("fm-ngram");
}

// ---- bm25 baselines: MiniSearch over titles, on the same words as the engine. ----

/**
 * MiniSearch's BM25+ defaults, stated so that a MiniSearch upgrade cannot move the baseline:
 * k = 1.2 (term frequency saturation), b = 0.7 (length normalization), d = 0.5 (BM25+ floor).
 */
export const BM25_PARAMS = { k: 1.2, b: 0.7, d: 0.5 } as const;

/** Plain BM25: any query word may match (OR), exact words only. */
export const BM25_SEARCH: SearchOptions = { combineWith: "OR", fuzzy: false, prefix: false, bm25: BM25_PARAMS };

/**
 * Fuzzy and prefix matching, tuned on the dev split (1828 scorable queries) by
 * src/eval/tune-bm25-fuzzy.ts. Dev Recall@10 (exact bm25: 0.4087):
 *
 *   fuzzy   prefix=false  prefix=true      (weights fuzzy 0.45 / prefix 0.375, MiniSearch's defaults)
 *   0.1     0.4626        0.4663
 *   0.2     0.4672        0.4715  <- chosen
 *   0.3     0.4538        0.4572
 *
 *   weights at fuzzy=0.2, prefix=true (fuzzy / prefix):
 *   fuzzy\prefix  0.2     0.375   0.6
 *   0.2           0.4724  0.4711  0.4647
 *   0.45          0.4727  0.4715  0.4649
 *   0.7           0.4701  0.4681  0.4629
 *
 * The best weights beat the defaults by 0.0012, noise at this n, and a heavier prefix weight hurts,
 * so the default weights stay. maxFuzzy is MiniSearch's 6 (binding at 0.2 only for 28+ letter terms).
 */
export const BM25_FUZZY_SEARCH: SearchOptions = { ...BM25_SEARCH, fuzzy: 0.2, prefix: true };

/** A MiniSearch index of the titles; search options are given per retriever, so one index serves a grid. */
export function bm25Index(products: readonly Product[]): MiniSearch<Product> {
  const index = new MiniSearch<Product>({
    fields: ["title"],
    storeFields: ["title"],
    tokenize: words,
    processTerm: (term) => term, // words() already normalized
  });
  index.addAll(products.map(({ id, title }) => ({ id, title })));
  return index;
}

export function bm25Retriever(name: string, index: MiniSearch<Product>, search: SearchOptions): Retriever {
  return {
    name,
    async search(query: string, k: number): Promise<SearchResult> {
      const start = performance.now();
      const hits: SearchHit[] = index
        .search(query, search)
        .slice(0, k)
        .map((r) => ({ id: String(r.id), title: String(r["title"]), score: r.score, spans: [], highlights: [] }));
      return { hits, timings: { search: performance.now() - start } };
    },
  };
}

// ---- endpoint: a running Worker over HTTP. ----

/** Server-Timing `total;dur=X`, if the Worker sends it. */
function serverTotal(header: string | null): number | undefined {
  const m = header?.match(/(?:^|,)\s*total\s*;[^,]*?\bdur=([\d.]+)/u);
  return m ? Number(m[1]) : undefined;
}

/** GET {endpoint}/v1/search?q=&k= (and &strategy=NAME for NAME@endpoint). */
export function endpointRetriever(name: string, endpoint: string, remoteSystem?: string): Retriever {
  const base = endpoint.replace(/\/+$/u, "");
  return {
    name,
    async search(query: string, k: number): Promise<SearchResult> {
      const params = new URLSearchParams({ q: query, k: String(k) });
      if (remoteSystem) params.set("strategy", remoteSystem);
      const url = `${base}/v1/search?${params}`;
      const response = await fetch(url);
      if (!response.ok) throw new Error(`${url}: HTTP ${response.status} ${await response.text().catch(() => "")}`.trim());
      const body = (await response.json()) as { hits?: unknown };
      if (!Array.isArray(body.hits)) throw new Error(`${url}: response has no "hits" array`);
      const server = serverTotal(response.headers.get("server-timing"));
      return { hits: body.hits as SearchHit[], timings: server === undefined ? {} : { "server.total": server } };
    },
  };
}
