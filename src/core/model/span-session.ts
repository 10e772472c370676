/**
 * Runs the exported span model (edgespan_ml/export.py) through onnxruntime-web: encode a query once,
 * then decode one token per step for a batch of beams, carrying the decoder's keys and values and
 * scoring only the candidate tokens each beam may take. Runtime-agnostic: the caller passes the ORT
 * module configured for its runtime (src/worker/onnx-runtime.ts, src/node/onnx-runtime.ts).
 */
import type * as Ort from "onnxruntime-web/wasm";

export type OrtModule = typeof Ort;

/** Candidate lists longer than this are read from the step's all-token scores. */
const FULL_ROW = 256;

export interface SpanModelShape {
  readonly d_model: number;
  readonly n_heads: number;
  readonly n_decoder_layers: number;
}

export interface EncodedQuery {
  readonly memory: Float32Array;
  readonly length: number;
}

/** Keys and values of earlier steps, per decoder layer, for every beam. */
export interface DecoderCache {
  readonly tensors: Record<string, Ort.Tensor>;
  readonly length: number;
}

export class SpanModelSession {
  private constructor(
    private readonly ort: OrtModule,
    private readonly encoder: Ort.InferenceSession,
    private readonly decoderStep: Ort.InferenceSession,
    readonly shape: SpanModelShape,
  ) {}

  static async create(ort: OrtModule, files: { encoder: Uint8Array; decoderStep: Uint8Array }, shape: SpanModelShape): Promise<SpanModelSession> {
    const [encoder, decoderStep] = await Promise.all([
      ort.InferenceSession.create(files.encoder),
      ort.InferenceSession.create(files.decoderStep),
    ]);
    return new SpanModelSession(ort, encoder, decoderStep, shape);
  }

  async encode(query: readonly number[]): Promise<EncodedQuery> {
    const ids = new this.ort.Tensor("int64", BigInt64Array.from(query, BigInt), [1, query.length]);
    const { memory } = await this.encoder.run({ query: ids });
    return { memory: memory!.data as Float32Array, length: query.length };
  }

  // Candidate lists a caller passes again and again (the span starts) are converted to int64 once.
  private readonly int64Rows = new WeakMap<readonly number[], BigInt64Array>();

  private int64(row: readonly number[]): BigInt64Array {
    let out = this.int64Rows.get(row);
    if (!out) {
      out = BigInt64Array.from(row, BigInt);
      if (row.length > 64) this.int64Rows.set(row, out);
    }
    return out;
  }

  /** An empty cache for `beams` beams. */
  emptyCache(beams: number): DecoderCache {
    const { n_heads, d_model, n_decoder_layers } = this.shape;
    const tensors: Record<string, Ort.Tensor> = {};
    for (let i = 0; i < n_decoder_layers; i++) {
      for (const kind of ["key", "value"]) {
        tensors[`past_${kind}_${i}`] = new this.ort.Tensor("float32", new Float32Array(0), [beams, n_heads, 0, d_model / n_heads]);
      }
    }
    return { tensors, length: 0 };
  }

  /** The cache for a new set of beams, each continuing beam `parents[i]` of the old set. */
  reorder(cache: DecoderCache, parents: readonly number[]): DecoderCache {
    const tensors: Record<string, Ort.Tensor> = {};
    for (const [name, t] of Object.entries(cache.tensors)) {
      const [, heads, length, dHead] = t.dims as number[];
      const per = heads! * length! * dHead!;
      const src = t.data as Float32Array;
      const out = new Float32Array(parents.length * per);
      parents.forEach((p, i) => out.set(src.subarray(p * per, (p + 1) * per), i * per));
      tensors[name] = new this.ort.Tensor("float32", out, [parents.length, heads!, length!, dHead!]);
    }
    return { tensors, length: cache.length };
  }

  /**
   * One decoder step: each beam's last token, the scores of its candidate tokens and the grown
   * cache. Long candidate lists (a span may start with almost any token) are read from the step's
   * all-token scores; short ones are scored alone (rows padded with token 0, padding ignored).
   */
  async step(encoded: EncodedQuery, tokens: readonly number[], cache: DecoderCache, candidates: readonly (readonly number[])[]): Promise<{ scores: Float32Array[]; cache: DecoderCache }> {
    const beams = tokens.length;
    const { d_model, n_decoder_layers } = this.shape;
    const fromAll = candidates.map((row) => row.length > FULL_ROW);
    const width = Math.max(1, ...candidates.map((row, b) => (fromAll[b] ? 0 : row.length)));
    const cand = new BigInt64Array(beams * width);
    candidates.forEach((row, b) => {
      if (!fromAll[b]) cand.set(this.int64(row), b * width);
    });
    const memory = new Float32Array(beams * encoded.memory.length);
    for (let b = 0; b < beams; b++) memory.set(encoded.memory, b * encoded.memory.length);
    const feeds: Record<string, Ort.Tensor> = {
      token: new this.ort.Tensor("int64", BigInt64Array.from(tokens, BigInt), [beams, 1]),
      position: new this.ort.Tensor("int64", BigInt64Array.from([BigInt(cache.length)]), [1]),
      memory: new this.ort.Tensor("float32", memory, [beams, encoded.length, d_model]),
      memory_mask: new this.ort.Tensor("bool", new Uint8Array(beams * encoded.length).fill(1), [beams, 1, 1, encoded.length]),
      candidates: new this.ort.Tensor("int64", cand, [beams, width]),
      ...cache.tensors,
    };
    const out = await this.decoderStep.run(feeds);
    const flat = out.scores!.data as Float32Array;
    const all = out.all_scores!.data as Float32Array;
    const vocab = out.all_scores!.dims[1]!;
    const scores = candidates.map((row, b) => {
      if (!fromAll[b]) return flat.slice(b * width, b * width + row.length);
      const picked = new Float32Array(row.length);
      for (let j = 0; j < row.length; j++) picked[j] = all[b * vocab + row[j]!]!;
      return picked;
    });
    const tensors: Record<string, Ort.Tensor> = {};
    for (let i = 0; i < n_decoder_layers; i++) {
      for (const kind of ["key", "value"]) tensors[`past_${kind}_${i}`] = out[`present_${kind}_${i}`]!;
    }
    return { scores, cache: { tensors, length: cache.length + 1 } };
  }
}
