/**
 * The span model's tied token table as the export writes it (edgespan_ml/export.py,
 * token_table.bin): float32 scales [V], then int8 rows [V, E], row t = int8 × scale[t]. The edge
 * gathers input rows from it and scores a step's few allowed tokens as query · row, so neither
 * ONNX graph has to carry the table for that.
 */
export class TokenTable {
  private readonly scales: Float32Array;
  private readonly rows: Int8Array;

  constructor(
    bytes: Uint8Array,
    readonly vocab: number,
    readonly dim: number,
  ) {
    const want = 4 * vocab + vocab * dim;
    if (bytes.length !== want) throw new Error(`token table: ${bytes.length} bytes, expected ${want} for ${vocab} tokens of ${dim}`);
    // Float32Array needs 4-byte alignment; chunked reads give no such promise.
    const own = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
    this.scales = new Float32Array(own.buffer, own.byteOffset, vocab);
    this.rows = new Int8Array(own.buffer, own.byteOffset + 4 * vocab, vocab * dim);
  }

  /** Rows of `ids`, dequantized, one after another. */
  gather(ids: readonly number[]): Float32Array {
    const { dim } = this;
    const out = new Float32Array(ids.length * dim);
    ids.forEach((id, i) => {
      this.check(id);
      const scale = this.scales[id]!;
      for (let j = 0, r = id * dim; j < dim; j++) out[i * dim + j] = this.rows[r + j]! * scale;
    });
    return out;
  }

  /** query[offset … offset+dim) · row(id). */
  dot(query: Float32Array, offset: number, id: number): number {
    this.check(id);
    let sum = 0;
    for (let j = 0, r = id * this.dim; j < this.dim; j++) sum += query[offset + j]! * this.rows[r + j]!;
    return sum * this.scales[id]!;
  }

  private check(id: number): void {
    if (!Number.isInteger(id) || id < 0 || id >= this.vocab) throw new RangeError(`token table: id ${id} outside [0, ${this.vocab})`);
  }
}
