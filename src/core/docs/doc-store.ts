/**
 * Product records by document number, in small compressed groups, so a result page reads only
 * the groups of the products it shows.
 *
 *   preamble (12 bytes): "ESDS", u32 format version, u32 header length
 *   header            : deflated; product count, group size, stored length of each group
 *   groups            : each a deflated JSON array of [id, title, fields?]
 */
import type { Product } from "../catalog/product.ts";
import { ByteReader, ByteWriter } from "../fm/bytes.ts";
import { deflate, inflate } from "../fm/deflate.ts";
import type { ByteSource } from "../fm/fm-index.ts";

const MAGIC = "ESDS";
const VERSION = 1;
const PREAMBLE = 12;

export async function buildDocStore(products: readonly Product[], groupSize = 32): Promise<{ bytes: Uint8Array; headerBytes: number }> {
  const groups: Uint8Array[] = [];
  for (let i = 0; i < products.length; i += groupSize) {
    const rows = products.slice(i, i + groupSize).map((p) => (p.fields ? [p.id, p.title, p.fields] : [p.id, p.title]));
    groups.push(await deflate(new TextEncoder().encode(JSON.stringify(rows))));
  }
  const h = new ByteWriter();
  h.varint(products.length);
  h.varint(groupSize);
  for (const g of groups) h.varint(g.length);
  const header = await deflate(h.finish());
  const out = new ByteWriter(PREAMBLE + header.length + groups.reduce((a, g) => a + g.length, 0));
  out.bytes(new TextEncoder().encode(MAGIC));
  out.u32(VERSION);
  out.u32(header.length);
  out.bytes(header);
  for (const g of groups) out.bytes(g);
  return { bytes: out.finish(), headerBytes: PREAMBLE + header.length };
}

export class DocStore {
  private readonly offsets: Float64Array;
  private readonly groups = new Map<number, Product[]>();

  private constructor(
    private readonly source: ByteSource,
    readonly count: number,
    private readonly groupSize: number,
    lengths: number[],
    headerBytes: number,
  ) {
    this.offsets = new Float64Array(lengths.length + 1);
    this.offsets[0] = headerBytes;
    lengths.forEach((len, g) => (this.offsets[g + 1] = this.offsets[g]! + len));
  }

  static async open(source: ByteSource, headerBytes: number): Promise<DocStore> {
    const [head] = await source.read([{ offset: 0, length: headerBytes }]);
    const magic = new TextDecoder().decode(head!.subarray(0, 4));
    if (magic !== MAGIC) throw new Error(`document store: bad magic ${JSON.stringify(magic)}`);
    const pre = new ByteReader(head!.subarray(4, PREAMBLE), "document store preamble");
    const version = pre.u32();
    if (version !== VERSION) throw new Error(`document store: format version ${version}, this build reads ${VERSION}`);
    if (PREAMBLE + pre.u32() !== headerBytes) throw new Error("document store: header length disagrees with the manifest");
    const r = new ByteReader(inflate(head!.subarray(PREAMBLE), "document store header"), "document store header");
    const count = r.varint();
    const groupSize = r.varint();
    if (groupSize < 1) throw new Error("document store: bad group size");
    const lengths = Array.from({ length: Math.ceil(count / groupSize) }, () => r.varint());
    return new DocStore(source, count, groupSize, lengths, headerBytes);
  }

  /** Products by document number, reading all missing groups in one batch. */
  async get(docs: readonly number[]): Promise<Product[]> {
    const missing = [...new Set(docs.map((d) => this.groupOf(d)))].filter((g) => !this.groups.has(g));
    if (missing.length > 0) {
      const raw = await this.source.read(missing.map((g) => ({ offset: this.offsets[g]!, length: this.offsets[g + 1]! - this.offsets[g]! })));
      missing.forEach((g, j) => {
        const json = new TextDecoder().decode(inflate(raw[j]!, `document group ${g}`));
        const rows = JSON.parse(json) as [string, string, Record<string, string>?][];
        this.groups.set(g, rows.map(([id, title, fields]) => (fields ? { id, title, fields } : { id, title })));
      });
    }
    return docs.map((d) => this.groups.get(this.groupOf(d))![d % this.groupSize]!);
  }

  private groupOf(doc: number): number {
    if (!Number.isInteger(doc) || doc < 0 || doc >= this.count) throw new RangeError(`no document ${doc}`);
    return Math.floor(doc / this.groupSize);
  }
}
