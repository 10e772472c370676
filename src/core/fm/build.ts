/**
 * Builds the serialized FM index (format.ts) from tokenized titles.
 *
 * Steps: lay out the reversed titles as one integer text, suffix-sort it (SA-IS), derive the BWT,
 * then cut the BWT into superblocks that each carry their local ranks and locate samples.
 */
import { bitWidth } from "./bits.ts";
import { ByteWriter, packFixed } from "./bytes.ts";
import { deflate } from "./deflate.ts";
import {
  type IndexHeader,
  PREAMBLE_BYTES,
  SENTINEL,
  SEPARATOR,
  TOKEN_BASE,
  encodeHeader,
  encodePreamble,
} from "./format.ts";
import { suffixArray } from "./sais.ts";
import { encodeSuperblock } from "./superblock.ts";

export interface BuildOptions {
  /** BWT positions per superblock, as a power of two (default 2^12 = 4096). */
  readonly superblockBits?: number;
  /** Every sampleRate-th token of a title (counted from its end) keeps its location (default 8). */
  readonly sampleRate?: number;
}

export interface BuiltIndex {
  readonly bytes: Uint8Array;
  /** Preamble plus header: what a reader fetches first. */
  readonly headerBytes: number;
  readonly header: IndexHeader;
  /** Title tokens indexed (separators and sentinel excluded). */
  readonly tokenCount: number;
}

export async function buildFmIndex(
  docs: readonly ArrayLike<number>[],
  vocabSize: number,
  options: BuildOptions = {},
): Promise<BuiltIndex> {
  const superblockBits = options.superblockBits ?? 12;
  const sampleRate = options.sampleRate ?? 8;
  if (!Number.isInteger(superblockBits) || superblockBits < 6 || superblockBits > 20) {
    throw new RangeError("superblockBits must be an integer in [6, 20]");
  }
  if (!Number.isInteger(sampleRate) || sampleRate < 1 || sampleRate > 1024) {
    throw new RangeError("sampleRate must be an integer in [1, 1024]");
  }
  const K = vocabSize + TOKEN_BASE;

  // Text: rev(doc_0) $ rev(doc_1) $ ... $ #, with per-position document and reversed offset.
  let n = 1;
  for (const d of docs) n += d.length + 1;
  const text = new Int32Array(n);
  const docOf = new Int32Array(n);
  const revOffset = new Int32Array(n);
  let p = 0;
  for (let d = 0; d < docs.length; d++) {
    const doc = docs[d]!;
    for (let j = 0; j < doc.length; j++) {
      const token = doc[doc.length - 1 - j]!;
      if (!Number.isInteger(token) || token < 0 || token >= vocabSize) {
        throw new RangeError(`document ${d}: token ${token} outside the vocabulary [0, ${vocabSize})`);
      }
      text[p] = token + TOKEN_BASE;
      docOf[p] = d;
      revOffset[p++] = j;
    }
    text[p] = SEPARATOR;
    docOf[p] = d;
    revOffset[p++] = -1;
  }
  text[p] = SENTINEL;
  docOf[p] = -1;
  revOffset[p] = -1;

  const sa = suffixArray(text, K);
  const symbolCounts = new Uint32Array(K);
  for (let i = 0; i < n; i++) symbolCounts[text[i]!]!++;

  // Extract section: for each document, the BWT position of its end marker (relative to $'s block).
  const sepBase = symbolCounts[SENTINEL]!;
  const ends = new Uint32Array(docs.length);
  for (let i = sepBase; i < sepBase + docs.length; i++) ends[docOf[sa[i]!]!] = i - sepBase;
  const extract = await deflate(packFixed(ends, bitWidth(docs.length - 1)));

  // Superblocks: BWT symbols, running ranks, locate samples.
  const B = 2 ** superblockBits;
  const running = new Uint32Array(K);
  const parts: Uint8Array[] = [];
  for (let start = 0; start < n; start += B) {
    const len = Math.min(B, n - start);
    const symbols = new Uint32Array(len);
    const marks = new Uint8Array(len);
    const sampleDocs: number[] = [];
    const sampleOffsets: number[] = [];
    for (let i = 0; i < len; i++) {
      const pos = sa[start + i]!;
      symbols[i] = pos > 0 ? text[pos - 1]! : text[n - 1]!;
      const j = revOffset[pos]!;
      if (j >= 0 && j % sampleRate === 0) {
        marks[i] = 1;
        const d = docOf[pos]!;
        sampleDocs.push(d);
        sampleOffsets.push(docs[d]!.length - 1 - j);
      }
    }
    // `running` still holds the ranks at this superblock's start while it is encoded.
    parts.push(await deflate(encodeSuperblock({ symbols, rankAtStart: (s) => running[s]!, marks, sampleDocs, sampleOffsets })));
    for (let i = 0; i < len; i++) running[symbols[i]!]!++;
  }

  const header: IndexHeader = {
    vocabSize,
    textLength: n,
    docCount: docs.length,
    superblockBits,
    sampleRate,
    symbolCounts,
    superblockLengths: Uint32Array.from(parts, (x) => x.length),
    extractLength: extract.length,
  };
  const headerBlob = await deflate(encodeHeader(header));
  const out = new ByteWriter(PREAMBLE_BYTES + headerBlob.length + parts.reduce((a, x) => a + x.length, 0) + extract.length);
  out.bytes(encodePreamble(headerBlob.length));
  out.bytes(headerBlob);
  for (const part of parts) out.bytes(part);
  out.bytes(extract);
  return { bytes: out.finish(), headerBytes: PREAMBLE_BYTES + headerBlob.length, header, tokenCount: n - 1 - docs.length };
}
