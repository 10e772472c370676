/**
 * Runs the exported span model (edgespan_ml/export.py) through onnxruntime-web: encode a query once
 * (the memory's keys and values for every decoder layer), then decode one token per step for a
 * batch of beams, carrying the decoder's own keys and values. A step returns each beam's query
 * vector; the scores of the few tokens the FM index allows are query · row, read off the token
 * table here. Only long candidate lists (a span may start with almost any token) run the
 * all-token scores graph. Runtime-agnostic: the caller passes the ORT module configured for its
 * runtime (src/worker/onnx-runtime.ts, src/node/onnx-runtime.ts).
 */
import type * as Ort from "onnxruntime-web/wasm";
import { TokenTable } from "./token-table.ts";

export type OrtModule = typeof Ort;

/** Candidate lists longer than this are read from the all-token scores. */
export const FULL_ROW = 256;

export interface SpanModelShape {
  readonly vocab_size: number;
  readonly embed_dim: number;
  readonly d_model: number;
  readonly n_heads: number;
  readonly n_decoder_layers: number;
  /** Set when onnxruntime already optimized the export's graphs at this level (edgespan_ml/export.py). */
  readonly graph_optimization?: string;
}

/** An export's model.json (edgespan_ml/export.py), less its file names. */
export interface ExportMetadata {
  readonly config: SpanModelShape;
  readonly graph_optimization?: string;
}

/** The shape of an export: the model's config and how its graphs were optimized. */
export function exportShape(meta: ExportMetadata): SpanModelShape {
  return meta.graph_optimization ? { ...meta.config, graph_optimization: meta.graph_optimization } : meta.config;
}

/** The bytes of an export: three ONNX graphs and the token table. */
export interface SpanModelFiles {
  readonly encoder: Uint8Array;
  readonly decoderStep: Uint8Array;
  readonly tokenScores: Uint8Array;
  readonly tokenTable: Uint8Array;
}

/** An export: its shape and files (read from a folder, KV artifacts, or the Worker bundle). */
export interface SpanModelExport {
  readonly shape: SpanModelShape;
  readonly files: SpanModelFiles;
}

export interface EncodedQuery {
  /** cross_key_i / cross_value_i [1, H, S, D/H]: the memory's keys and values per decoder layer. */
  readonly cross: Record<string, Ort.Tensor>;
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
    private readonly tokenScores: Ort.InferenceSession,
    readonly table: TokenTable,
    readonly shape: SpanModelShape,
    private readonly fullRow: number,
  ) {}

  static async create(ort: OrtModule, files: SpanModelFiles, shape: SpanModelShape, options: { fullRow?: number } = {}): Promise<SpanModelSession> {
    const table = new TokenTable(files.tokenTable, shape.vocab_size, shape.embed_dim);
    // Graphs optimized at export need no optimizing here: that is most of a session's creation
    // time on a cold isolate (the bench's cold `model` phase), and gives the same graphs.
    const sessionOptions = { graphOptimizationLevel: shape.graph_optimization ? "disabled" : "all" } as const;
    const [encoder, decoderStep, tokenScores] = await Promise.all([
      ort.InferenceSession.create(files.encoder, sessionOptions),
      ort.InferenceSession.create(files.decoderStep, sessionOptions),
      ort.InferenceSession.create(files.tokenScores, sessionOptions),
    ]);
    return new SpanModelSession(ort, encoder, decoderStep, tokenScores, table, shape, options.fullRow ?? FULL_ROW);
  }

  async encode(query: readonly number[]): Promise<EncodedQuery> {
    const embedded = new this.ort.Tensor("float32", this.table.gather(query), [1, query.length, this.shape.embed_dim]);
    const cross = await this.encoder.run({ embedded });
    return { cross, length: query.length };
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

  /** One decoder step: each beam's last token, the scores of its candidate tokens and the grown cache. */
  async step(encoded: EncodedQuery, tokens: readonly number[], cache: DecoderCache, candidates: readonly (readonly number[])[]): Promise<{ scores: Float32Array[]; cache: DecoderCache }> {
    const beams = tokens.length;
    const { embed_dim: dim, n_decoder_layers } = this.shape;
    const out = await this.decoderStep.run({
      embedded: new this.ort.Tensor("float32", this.table.gather(tokens), [beams, 1, dim]),
      position: new this.ort.Tensor("int64", BigInt64Array.from([BigInt(cache.length)]), [1]),
      ...encoded.cross,
      ...cache.tensors,
    });
    const query = out.query!.data as Float32Array;
    // (Plain loops: TypedArray.from with a map function is an order of magnitude slower in V8.)
    const scores = candidates.map((row) => new Float32Array(row.length));
    const long: number[] = [];
    candidates.forEach((row, b) => {
      if (row.length > this.fullRow) long.push(b);
      else for (let j = 0; j < row.length; j++) scores[b]![j] = this.table.dot(query, b * dim, row[j]!);
    });
    if (long.length > 0) {
      const rows = new Float32Array(long.length * dim);
      long.forEach((b, i) => rows.set(query.subarray(b * dim, (b + 1) * dim), i * dim));
      const { all_scores } = await this.tokenScores.run({ query: new this.ort.Tensor("float32", rows, [long.length, dim]) });
      const all = all_scores!.data as Float32Array;
      const vocab = this.shape.vocab_size;
      long.forEach((b, i) => {
        const row = candidates[b]!;
        const out = scores[b]!;
        for (let j = 0; j < row.length; j++) out[j] = all[i * vocab + row[j]!]!;
      });
    }
    const tensors: Record<string, Ort.Tensor> = {};
    for (let i = 0; i < n_decoder_layers; i++) {
      for (const kind of ["key", "value"]) tensors[`past_${kind}_${i}`] = out[`present_${kind}_${i}`]!;
    }
    return { scores, cache: { tensors, length: cache.length + 1 } };
  }
}
