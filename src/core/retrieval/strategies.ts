/**
 * The retrieval strategies the API and experiments name. `lexical` is the generative path (the
 * span model with FM-index-constrained decoding); it needs the version's span model, and where
 * there is none the model-free `fm-ngram` serves instead. `fm-ngram-seal` scores n-grams as SEAL
 * does (one credit per n-gram, nothing else), a ready-made A/B arm against `fm-ngram`'s
 * per-position credit, query rewrites and word coverage.
 */
import type { Engine } from "../engine.ts";
import { FmNgramRetriever } from "./fm-ngram.ts";
import type { Retriever } from "./types.ts";

export const MODEL_FREE = {
  "fm-ngram": (engine: Engine): Retriever => new FmNgramRetriever(engine),
  "fm-ngram-seal": (engine: Engine): Retriever =>
    new FmNgramRetriever(engine, { perPosition: false, wordCoverage: 0, typoTolerance: false, variantWeight: 0 }, "fm-ngram-seal"),
} as const;

export type ModelFreeStrategy = keyof typeof MODEL_FREE;
/** `hybrid`: lexical in the Worker fused with the semantic origin's answer (src/worker/hybrid.ts). */
export type StrategyName = "lexical" | ModelFreeStrategy | "hybrid";
/** Every strategy, the default first. */
export const STRATEGY_NAMES: [StrategyName, ...StrategyName[]] = ["lexical", "fm-ngram", "fm-ngram-seal", "hybrid"];
/** Where `lexical` goes when the span model is missing or cannot load. */
export const FALLBACK: ModelFreeStrategy = "fm-ngram";

// Per engine (index version): a retriever with query rewrites holds the catalog's words.
const made = new WeakMap<Engine, Map<ModelFreeStrategy, Retriever>>();

export function modelFreeRetriever(engine: Engine, strategy: ModelFreeStrategy): Retriever {
  let byStrategy = made.get(engine);
  if (!byStrategy) made.set(engine, (byStrategy = new Map()));
  let retriever = byStrategy.get(strategy);
  if (!retriever) byStrategy.set(strategy, (retriever = MODEL_FREE[strategy](engine)));
  return retriever;
}
