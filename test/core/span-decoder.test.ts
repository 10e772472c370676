import { beforeAll, describe, expect, it } from "vitest";
import { buildArtifacts } from "../../src/core/artifacts.ts";
import { Engine } from "../../src/core/engine.ts";
import expected from "../fixtures/tiny-span-model/expected.json";
import { SpanModelSession } from "../../src/core/model/span-session.ts";
import { SpanDecoder } from "../../src/core/retrieval/span-decoder.ts";
import { SEP } from "../../src/core/tokenizer/wordpiece.ts";
import { spanStarts } from "../../src/core/retrieval/span-starts.ts";
import { MemoryBlobStore } from "../../src/core/storage/blob-store.ts";
import { ChunkCache } from "../../src/core/storage/chunk-cache.ts";
import { publish } from "../../src/core/storage/publish.ts";
import { WordPieceTokenizer } from "../../src/core/tokenizer/wordpiece.ts";
import { onnxRuntime } from "../../src/node/onnx-runtime.ts";
import { tinyModelFiles } from "../support/tiny-files-node.ts";
import { TINY_TITLES, TINY_VOCAB } from "../support/tiny-span-model.ts";

let engine: Engine;
let decoder: SpanDecoder;
const tokenizer = new WordPieceTokenizer(TINY_VOCAB);

beforeAll(async () => {
  const products = TINY_TITLES.map((title, i) => ({ id: `p${i}`, title }));
  const built = await buildArtifacts(products, { tokenizer, chunkSize: 4096 });
  const store = new MemoryBlobStore();
  await publish(store, built.manifest, built.chunks);
  engine = await Engine.open(new ChunkCache(store), built.manifest);
  const session = await SpanModelSession.create(onnxRuntime(), tinyModelFiles(), expected.config);
  decoder = new SpanDecoder(session, engine.index, spanStarts(engine.index, tokenizer), { beamSize: 4, maxSpans: 3, maxSpanTokens: 3 });
});

describe("FM-index-constrained beam search", () => {
  it("writes only spans that occur in the catalog, within the span limits", async () => {
    const hypotheses = await decoder.decode(tokenizer.encode("black door knob"));
    expect(hypotheses.length).toBeGreaterThan(0);
    for (const h of hypotheses) {
      expect(h.spans.length).toBeGreaterThan(0);
      expect(h.spans.length).toBeLessThanOrEqual(3);
      for (const span of h.spans) {
        expect(span.length).toBeGreaterThan(0);
        expect(span.length).toBeLessThanOrEqual(3);
        expect(engine.index.count(span)).toBeGreaterThan(0);
        expect(tokenizer.isContinuation(span[0]!)).toBe(false); // spans start at a word
      }
    }
    const scores = hypotheses.map((h) => h.logProb);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    expect(scores.every((s) => s <= 0)).toBe(true);
  });

  it("is deterministic and answers an empty query with nothing", async () => {
    const a = await decoder.decode(tokenizer.encode("garden hose"));
    const b = await decoder.decode(tokenizer.encode("garden hose"));
    expect(a).toEqual(b);
    expect(await decoder.decode([])).toEqual([]);
  });

  it("rejects limits outside their bounds", () => {
    expect(() => new SpanDecoder({} as SpanModelSession, engine.index, [], { beamSize: 0 })).toThrow(/beamSize/u);
    expect(() => new SpanDecoder({} as SpanModelSession, engine.index, [], { maxSteps: 1000 })).toThrow(/maxSteps/u);
  });

  it("with cooccur, drops hypotheses whose spans share no title", async () => {
    // A scripted scorer stands in for the model so that hypotheses with several spans are certain:
    // it likes [SEP], then "brass" and "fan", which no title holds together ("Brass Door Knobs",
    // "... Ceiling Fan"), and "black", which shares a title with "fan".
    const liked = new Map([[SEP, 4], [tokenizer.encode("brass")[0]!, 3], [tokenizer.encode("fan")[0]!, 2], [tokenizer.encode("black")[0]!, 1]]);
    const scripted = {
      encode: async () => ({ memory: new Float32Array(0), length: 0 }),
      emptyCache: () => ({ tensors: {}, length: 0 }),
      reorder: (cache: unknown) => cache,
      step: async (_e: unknown, _t: unknown, cache: unknown, candidates: readonly (readonly number[])[]) => ({
        scores: candidates.map((row) => Float32Array.from(row, (t) => liked.get(t) ?? -5)),
        cache,
      }),
    } as unknown as SpanModelSession;
    const options = { beamSize: 6, maxSpans: 2, maxSpanTokens: 1 };
    const starts = spanStarts(engine.index, tokenizer);
    const text = (h: { spans: number[][] }) => h.spans.map((s) => tokenizer.decode(s)).join(" | ");
    const plain = await new SpanDecoder(scripted, engine.index, starts, options).decode([1]);
    const constrained = await new SpanDecoder(scripted, engine.index, starts, { ...options, cooccur: true }).decode([1]);
    expect(plain.map(text)).toContain("brass | fan");
    expect(constrained.length).toBeGreaterThan(0);
    expect(constrained.map(text)).not.toContain("brass | fan");
    const titles = (span: number[]) => new Set(TINY_TITLES.flatMap((t, i) => (` ${tokenizer.encode(t).join(" ")} `.includes(` ${span.join(" ")} `) ? [i] : [])));
    for (const h of constrained) {
      const sets = h.spans.map(titles);
      expect([...sets[0]!].some((d) => sets.every((s) => s.has(d)))).toBe(true);
    }
  });

  it("rejects a co-occurrence budget outside its bounds", () => {
    expect(() => new SpanDecoder({} as SpanModelSession, engine.index, [], { cooccur: true, maxCooccurDocs: 0 })).toThrow(/maxCooccurDocs/u);
  });
});
