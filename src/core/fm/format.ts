/**
 * Binary layout of a serialized FM index:
 *
 *   preamble (12 bytes): "ESFM", u32 format version, u32 header length
 *   header            : deflated; parameters, symbol counts, superblock lengths
 *   superblocks       : each deflated on its own, in BWT order
 *   extract section   : deflated; BWT position of each document's end marker
 *
 * Superblocks are addressed by byte range, so a reader fetches exactly the ones a query needs.
 */
import { ByteReader, ByteWriter } from "./bytes.ts";

export const MAGIC = "ESFM";
export const FORMAT_VERSION = 1;
export const PREAMBLE_BYTES = 12;

/** Reserved symbols of the indexed text; token id t is stored as symbol t + TOKEN_BASE. */
export const SENTINEL = 0;
export const SEPARATOR = 1;
export const TOKEN_BASE = 2;

export interface ByteRange {
  readonly offset: number;
  readonly length: number;
}

export interface IndexHeader {
  readonly vocabSize: number;
  /** Symbols in the text: tokens, one separator per document, one sentinel. */
  readonly textLength: number;
  readonly docCount: number;
  readonly superblockBits: number;
  readonly sampleRate: number;
  /** Occurrences of each symbol (length vocabSize + TOKEN_BASE). */
  readonly symbolCounts: Uint32Array;
  /** Stored (compressed) length of each superblock. */
  readonly superblockLengths: Uint32Array;
  readonly extractLength: number;
}

export function encodePreamble(headerLength: number): Uint8Array {
  const w = new ByteWriter(PREAMBLE_BYTES);
  w.bytes(new TextEncoder().encode(MAGIC));
  w.u32(FORMAT_VERSION);
  w.u32(headerLength);
  return w.finish();
}

/** Returns the stored header length; throws on a foreign or newer file. */
export function decodePreamble(bytes: Uint8Array): number {
  if (bytes.length < PREAMBLE_BYTES) throw new Error("index: truncated preamble");
  const magic = new TextDecoder().decode(bytes.subarray(0, 4));
  if (magic !== MAGIC) throw new Error(`index: not an Edgespan FM index (magic ${JSON.stringify(magic)})`);
  const r = new ByteReader(bytes.subarray(4, PREAMBLE_BYTES), "index preamble");
  const version = r.u32();
  if (version !== FORMAT_VERSION) throw new Error(`index: format version ${version}, this build reads ${FORMAT_VERSION}`);
  return r.u32();
}

export function encodeHeader(h: IndexHeader): Uint8Array {
  const w = new ByteWriter(h.symbolCounts.length * 2 + h.superblockLengths.length * 3 + 64);
  w.varint(h.vocabSize);
  w.varint(h.textLength);
  w.varint(h.docCount);
  w.varint(h.superblockBits);
  w.varint(h.sampleRate);
  for (const c of h.symbolCounts) w.varint(c);
  w.varint(h.superblockLengths.length);
  for (const len of h.superblockLengths) w.varint(len);
  w.varint(h.extractLength);
  return w.finish();
}

export function decodeHeader(raw: Uint8Array): IndexHeader {
  const r = new ByteReader(raw, "index header");
  const vocabSize = r.varint();
  const textLength = r.varint();
  const docCount = r.varint();
  const superblockBits = r.varint();
  const sampleRate = r.varint();
  if (superblockBits < 6 || superblockBits > 20) throw new Error(`index header: bad superblock size 2^${superblockBits}`);
  if (sampleRate < 1 || sampleRate > 1024) throw new Error(`index header: bad sample rate ${sampleRate}`);
  const symbolCounts = new Uint32Array(vocabSize + TOKEN_BASE);
  let total = 0;
  for (let s = 0; s < symbolCounts.length; s++) total += symbolCounts[s] = r.varint();
  if (total !== textLength) throw new Error("index header: symbol counts do not add up to the text length");
  const superblocks = r.varint();
  if (superblocks !== Math.ceil(textLength / 2 ** superblockBits)) throw new Error("index header: wrong superblock count");
  const superblockLengths = new Uint32Array(superblocks);
  for (let i = 0; i < superblocks; i++) superblockLengths[i] = r.varint();
  const extractLength = r.varint();
  if (!r.done) throw new Error("index header: trailing bytes");
  return { vocabSize, textLength, docCount, superblockBits, sampleRate, symbolCounts, superblockLengths, extractLength };
}
