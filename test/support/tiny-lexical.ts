/**
 * The tiny fixture model's generative path end to end (decoding and ranking over the tiny catalog),
 * run the same way in Node and in workerd: both must produce exactly what
 * test/fixtures/tiny-span-model/lexical.json holds (regenerate with
 * `npx tsx test/support/tiny-lexical.ts` after changing the model or the decoder).
 */
import { buildArtifacts } from "../../src/core/artifacts.ts";
import { Engine } from "../../src/core/engine.ts";
import { type OrtModule, type SpanModelFiles, SpanModelSession } from "../../src/core/model/span-session.ts";
import { LexicalRetriever } from "../../src/core/retrieval/lexical.ts";
import { SpanDecoder } from "../../src/core/retrieval/span-decoder.ts";
import { spanStarts } from "../../src/core/retrieval/span-starts.ts";
import { MemoryBlobStore } from "../../src/core/storage/blob-store.ts";
import { ChunkCache } from "../../src/core/storage/chunk-cache.ts";
import { publish } from "../../src/core/storage/publish.ts";
import { WordPieceTokenizer } from "../../src/core/tokenizer/wordpiece.ts";
import { TINY_SHAPE, TINY_TITLES, TINY_VOCAB } from "./tiny-span-model.ts";

export const TINY_QUERIES = ["black door knob", "garden hose 50 ft", "white paint", "brass knobs"];

export interface TinyLexicalResult {
  query: string;
  hypotheses: { spans: number[][]; logProb: number }[];
  hits: { id: string; score: number; spans: string[] }[];
}

export async function runTinyLexical(ort: OrtModule, files: SpanModelFiles): Promise<TinyLexicalResult[]> {
  const tokenizer = new WordPieceTokenizer(TINY_VOCAB);
  const built = await buildArtifacts(
    TINY_TITLES.map((title, i) => ({ id: `p${i}`, title })),
    { tokenizer, chunkSize: 4096 },
  );
  const store = new MemoryBlobStore();
  await publish(store, built.manifest, built.chunks);
  const engine = await Engine.open(new ChunkCache(store), built.manifest);
  const session = await SpanModelSession.create(ort, files, TINY_SHAPE);
  const decoder = new SpanDecoder(session, engine.index, spanStarts(engine.index, tokenizer), { beamSize: 4, maxSpans: 3, maxSpanTokens: 3 });
  const retriever = new LexicalRetriever(engine, decoder, { modelWeight: 1 });
  const out: TinyLexicalResult[] = [];
  for (const query of TINY_QUERIES) {
    const hypotheses = await decoder.decode(tokenizer.encode(query));
    const { hits } = await retriever.search(query, 5);
    out.push({ query, hypotheses, hits: hits.map((h) => ({ id: h.id, score: h.score, spans: h.spans.map((s) => s.text) })) });
  }
  return out;
}

if (typeof process !== "undefined" && import.meta.url === `file://${process.argv[1]}`) {
  const { writeFileSync } = await import("node:fs");
  const { onnxRuntime } = await import("../../src/node/onnx-runtime.ts");
  const { tinyModelFiles } = await import("./tiny-files-node.ts");
  const result = await runTinyLexical(onnxRuntime(), tinyModelFiles());
  writeFileSync(new URL("../fixtures/tiny-span-model/lexical.json", import.meta.url), JSON.stringify(result, null, 1) + "\n");
  console.log("wrote test/fixtures/tiny-span-model/lexical.json");
}
