/**
 * The retrieval strategies an engine can serve, by the name the API and experiments use.
 * `fm-ngram-seal` scores n-grams as SEAL does (one credit per n-gram), a ready-made A/B arm
 * against `fm-ngram`'s per-position credit.
 */
import type { Engine } from "../engine.ts";
import { FmNgramRetriever } from "./fm-ngram.ts";
import type { Retriever } from "./types.ts";

export const STRATEGIES = {
  "fm-ngram": (engine: Engine): Retriever => new FmNgramRetriever(engine),
  "fm-ngram-seal": (engine: Engine): Retriever => new FmNgramRetriever(engine, { perPosition: false }, "fm-ngram-seal"),
} as const;

export type StrategyName = keyof typeof STRATEGIES;
export const STRATEGY_NAMES = Object.keys(STRATEGIES) as [StrategyName, ...StrategyName[]];

export function retrieverFor(engine: Engine, strategy: StrategyName): Retriever {
  return STRATEGIES[strategy](engine);
}
