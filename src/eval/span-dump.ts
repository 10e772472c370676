/**
 * What a span model writes for judged queries, for training to read back: each hypothesis's spans
 * (token ids and text), its log-probability, and the products whose titles hold all of its spans.
 * Sequence-level distillation trains the student on a teacher's hypotheses; DPO takes an SFT
 * model's hypotheses that retrieve only irrelevant products as rejected examples.
 */
import type { Product } from "../core/catalog/product.ts";
import type { Engine } from "../core/engine.ts";
import { DEFAULT_LEXICAL_OPTIONS } from "../core/retrieval/lexical.ts";
import type { DecodeOptions } from "../core/retrieval/span-decoder.ts";
import { openLexical } from "../node/lexical.ts";

export interface HypothesisRecord {
  readonly spans: number[][];
  readonly text: string[];
  readonly logProb: number;
  /** Ids of products whose titles hold every span (at most MAX_PRODUCTS, catalog order). */
  readonly products: string[];
}

export interface QueryRecord {
  readonly query: string;
  readonly hypotheses: HypothesisRecord[];
}

const MAX_PRODUCTS = 50;
/**
 * Occurrences located per span; a span more frequent than this does not narrow the products (and a
 * hypothesis made only of such spans lists none: it is not evidence about any product).
 */
const MAX_OCCURRENCES = 5000;

export async function* dumpSpans(
  products: readonly Product[],
  queries: readonly string[],
  modelDir: string,
  options: { decode?: Partial<DecodeOptions>; tokenizerPath?: string } = {},
): AsyncGenerator<QueryRecord> {
  const { local, decoder } = await openLexical(products, modelDir, options);
  const { engine } = local;
  for (const query of queries) {
    const ids = engine.tokenizer.encode(query).slice(0, DEFAULT_LEXICAL_OPTIONS.maxQueryTokens);
    const hypotheses = await decoder.decode(ids);
    const records = [];
    for (const h of hypotheses) {
      records.push({
        spans: h.spans,
        text: h.spans.map((s) => engine.tokenizer.decode(s)),
        logProb: Math.round(h.logProb * 1e4) / 1e4,
        products: await productsWithEvery(engine, h.spans),
      });
    }
    yield { query, hypotheses: records };
  }
}

async function productsWithEvery(engine: Engine, spans: readonly number[][]): Promise<string[]> {
  let docs: Set<number> | undefined;
  for (const span of spans) {
    const range = engine.index.find(span);
    if (!range) return [];
    if (range.hi - range.lo > MAX_OCCURRENCES) continue;
    const holding = new Set((await engine.index.locate(range)).map((o) => o.doc));
    const before: Set<number> | undefined = docs;
    docs = before ? new Set([...before].filter((d) => holding.has(d))) : holding;
  }
  if (!docs) return [];
  const first = [...docs].sort((a, b) => a - b).slice(0, MAX_PRODUCTS);
  return (await engine.docs.get(first)).map((p) => String(p.id));
}
