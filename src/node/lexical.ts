/**
 * The generative lexical path in Node (CLI, evaluation): a catalog indexed with the span model's
 * WordPiece tokenizer, the exported model in onnxruntime-web, and FM-index-constrained decoding.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Product } from "../core/catalog/product.ts";
import { type LexicalOptions, LexicalRetriever } from "../core/retrieval/lexical.ts";
import { type DecodeOptions, SpanDecoder } from "../core/retrieval/span-decoder.ts";
import { spanStarts } from "../core/retrieval/span-starts.ts";
import { WordPieceTokenizer } from "../core/tokenizer/wordpiece.ts";
import { type LocalEngine, openLocalEngine } from "./engine.ts";
import { REPO_ROOT } from "./paths.ts";
import { loadSpanModel } from "./span-model.ts";

export const DEFAULT_TOKENIZER = join(REPO_ROOT, "wasm/tokenizer.txt");

export async function openLexical(
  products: readonly Product[],
  modelDir: string,
  options: { decode?: Partial<DecodeOptions>; lexical?: Partial<LexicalOptions>; tokenizerPath?: string } = {},
): Promise<{ local: LocalEngine; decoder: SpanDecoder; retriever: LexicalRetriever }> {
  const tokenizer = WordPieceTokenizer.load(new Uint8Array(await readFile(options.tokenizerPath ?? DEFAULT_TOKENIZER)));
  const [local, session] = await Promise.all([openLocalEngine(products, { tokenizer }), loadSpanModel(modelDir)]);
  const decoder = new SpanDecoder(session, local.engine.index, spanStarts(local.engine.index, tokenizer), options.decode);
  return { local, decoder, retriever: new LexicalRetriever(local.engine, decoder, options.lexical) };
}
