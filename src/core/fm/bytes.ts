/** Little-endian varint byte streams: the wire format of every index section. */

export class ByteWriter {
  private buf: Uint8Array;
  length = 0;

  constructor(capacity = 1024) {
    this.buf = new Uint8Array(capacity);
  }

  private reserve(extra: number): void {
    if (this.length + extra <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.length + extra) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  varint(value: number): void {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`varint out of range: ${value}`);
    this.reserve(8);
    while (value >= 0x80) {
      this.buf[this.length++] = (value & 0x7f) | 0x80;
      value = Math.floor(value / 128);
    }
    this.buf[this.length++] = value;
  }

  u32(value: number): void {
    this.reserve(4);
    new DataView(this.buf.buffer).setUint32(this.length, value, true);
    this.length += 4;
  }

  bytes(data: Uint8Array): void {
    this.reserve(data.length);
    this.buf.set(data, this.length);
    this.length += data.length;
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

export class ByteReader {
  offset = 0;
  constructor(
    private readonly buf: Uint8Array,
    private readonly what = "index data",
  ) {}

  varint(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      if (this.offset >= this.buf.length) throw new Error(`${this.what}: truncated varint`);
      const b = this.buf[this.offset++]!;
      value += (b & 0x7f) * scale;
      if (b < 0x80) return value;
      scale *= 128;
    }
    throw new Error(`${this.what}: varint longer than 8 bytes`);
  }

  u32(): number {
    if (this.offset + 4 > this.buf.length) throw new Error(`${this.what}: truncated u32`);
    const v = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength).getUint32(this.offset, true);
    this.offset += 4;
    return v;
  }

  bytes(length: number): Uint8Array {
    if (this.offset + length > this.buf.length) throw new Error(`${this.what}: truncated`);
    const out = this.buf.subarray(this.offset, this.offset + length);
    this.offset += length;
    return out;
  }

  get done(): boolean {
    return this.offset >= this.buf.length;
  }
}

/** Packs unsigned integers below 2^width (width <= 32) into a little-endian bit stream. */
export function packFixed(values: ArrayLike<number>, width: number): Uint8Array {
  if (width < 0 || width > 32) throw new RangeError(`bit width ${width} outside [0, 32]`);
  const out = new Uint8Array(packedLength(values.length, width));
  const limit = 2 ** width;
  let bit = 0;
  for (let i = 0; i < values.length; i++) {
    let v = values[i]!;
    if (!(v >= 0 && v < limit)) throw new RangeError(`value ${v} does not fit in ${width} bits`);
    // A byte at a time: the low bits of v fill the rest of the current byte.
    for (let left = width; left > 0; ) {
      const used = bit & 7;
      const take = Math.min(8 - used, left);
      out[bit >>> 3]! |= (v & ((1 << take) - 1)) << used;
      v >>>= take;
      bit += take;
      left -= take;
    }
  }
  return out;
}

export function unpackFixed(bytes: Uint8Array, count: number, width: number): Uint32Array {
  if (width < 0 || width > 32) throw new RangeError(`bit width ${width} outside [0, 32]`);
  if (bytes.length * 8 < count * width) throw new Error("packed integers: truncated");
  const out = new Uint32Array(count);
  let bit = 0;
  for (let i = 0; i < count; i++) {
    let v = 0;
    for (let shift = 0; shift < width; ) {
      const used = bit & 7;
      const take = Math.min(8 - used, width - shift);
      v |= ((bytes[bit >>> 3]! >>> used) & ((1 << take) - 1)) << shift;
      shift += take;
      bit += take;
    }
    out[i] = v >>> 0;
  }
  return out;
}

export function packedLength(count: number, width: number): number {
  return Math.ceil((count * width) / 8);
}
