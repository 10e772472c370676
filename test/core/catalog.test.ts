import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { CatalogError, detectFormat, parseCatalog } from "../../src/core/catalog/catalog.ts";
import { cleanDisplayText, normalizeText } from "../../src/core/text/normalize.ts";
import { loadCatalogFile } from "../../src/node/catalog-file.ts";

const SAMPLE = fileURLToPath(new URL("../../data/sample-catalog.tsv", import.meta.url));

/** Runs `fn`, expects a CatalogError, and returns it. */
function catalogError(fn: () => unknown): CatalogError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(CatalogError);
    return e as CatalogError;
  }
  throw new Error("expected a CatalogError, nothing was thrown");
}

describe("normalize", () => {
  it("normalizeText applies NFKC, lower-cases and collapses whitespace", () => {
    expect(normalizeText("  Ｄｏｏｒ\u00a0\tKNOB\n ½ in. ")).toBe("door knob 1⁄2 in.");
  });
  it("cleanDisplayText keeps case", () => {
    expect(cleanDisplayText("  Ｄｏｏｒ \t KNOB ")).toBe("Door KNOB");
  });
});

describe("parseCatalog: TSV", () => {
  it("reads id and title columns and passes other columns through", () => {
    const { products, skipped } = parseCatalog("id\ttitle\tbrand\nA1\tDoor Knob\tAcme\nA2\tHose\tTidewater\n", {
      file: "c.tsv",
    });
    expect(products).toEqual([
      { id: "A1", title: "Door Knob", fields: { brand: "Acme" } },
      { id: "A2", title: "Hose", fields: { brand: "Tidewater" } },
    ]);
    expect(skipped).toEqual([]);
  });

  it("has no fields property when the file has only id and title", () => {
    const { products } = parseCatalog("id\ttitle\nA1\tDoor Knob\n", { file: "c.tsv" });
    expect(products).toEqual([{ id: "A1", title: "Door Knob" }]);
    expect("fields" in products[0]!).toBe(false);
  });

  it("accepts product_id and product_title aliases, in any column order and case", () => {
    const { products } = parseCatalog("Product_Title\tPRODUCT_ID\nDoor Knob\tX9\n", { file: "c.tsv" });
    expect(products).toEqual([{ id: "X9", title: "Door Knob" }]);
  });

  it("strips a byte order mark, CRLF line ends, blank lines, and trims ids", () => {
    const { products } = parseCatalog("\ufeffid\ttitle\r\n A1 \tDoor Knob\r\n\r\nA2\tHose\r\n", { file: "c.tsv" });
    expect(products).toEqual([
      { id: "A1", title: "Door Knob" },
      { id: "A2", title: "Hose" },
    ]);
  });

  it("cleans titles with NFKC and collapsed whitespace, keeping case", () => {
    const { products } = parseCatalog("id\ttitle\nA1\t  Ｆｕｌｌwidth\u00a0  Door   Knob ① \n", { file: "c.tsv" });
    expect(products[0]!.title).toBe("Fullwidth Door Knob 1");
  });

  it("reads the sample catalog", async () => {
    const { products, skipped } = await loadCatalogFile(SAMPLE);
    expect(products).toHaveLength(600);
    expect(skipped).toEqual([]);
    expect(products[0]).toEqual({ id: "SKU-10001", title: "Acme Pro 2 in. Galvanized 16-Gauge Angle Bracket" });
    expect(new Set(products.map((p) => p.id)).size).toBe(600);
  });
});

describe("parseCatalog: CSV", () => {
  it("handles quoted fields with commas, doubled quotes and line breaks", () => {
    const text = 'id,title,notes\nA1,"Bracket, 2 in.","say ""hi"""\nA2,"Two\nLines",plain\nA3,Hose,""\n';
    const { products } = parseCatalog(text, { file: "c.csv" });
    expect(products).toEqual([
      { id: "A1", title: "Bracket, 2 in.", fields: { notes: 'say "hi"' } },
      // the line break inside the title is whitespace, collapsed by the title cleanup
      { id: "A2", title: "Two Lines", fields: { notes: "plain" } },
      { id: "A3", title: "Hose", fields: { notes: "" } },
    ]);
  });

  it("keeps a line break inside a quoted non-title field as is", () => {
    const { products } = parseCatalog('id,title,notes\nA1,Knob,"one\r\ntwo"\r\n', { file: "c.csv" });
    expect(products[0]!.fields).toEqual({ notes: "one\r\ntwo" });
  });

  it("handles CRLF line ends and a last line without a line break", () => {
    const { products } = parseCatalog("id,title\r\nA1,Door Knob\r\nA2,\"Hose, green\"\r\nA3,Fan", { file: "c.csv" });
    expect(products).toEqual([
      { id: "A1", title: "Door Knob" },
      { id: "A2", title: "Hose, green" },
      { id: "A3", title: "Fan" },
    ]);
  });

  it("numbers lines by the file, counting line breaks inside quotes", () => {
    const text = 'id,title\nA1,"multi\nline\ntitle"\nA2,Knob,extra\n';
    const err = catalogError(() => parseCatalog(text, { file: "shop.csv" }));
    expect(err.problems).toEqual([{ line: 5, reason: "expected 2 columns, found 3" }]);
    expect(err.message).toContain("shop.csv:5: expected 2 columns, found 3");
  });
});

describe("parseCatalog: JSONL", () => {
  it("reads string and numeric ids and passes extra fields through as strings", () => {
    const text = [
      '{"id": 42, "title": "Door Knob", "brand": "Acme", "price": 9.5, "tags": ["a"], "gone": null}',
      "",
      '{"product_id": "B7", "name": "Garden  Hose"}',
    ].join("\n");
    const { products } = parseCatalog(text, { file: "c.jsonl" });
    expect(products).toEqual([
      { id: "42", title: "Door Knob", fields: { brand: "Acme", price: "9.5", tags: '["a"]' } },
      { id: "B7", title: "Garden Hose" },
    ]);
  });

  it("accepts CRLF line ends and a BOM", () => {
    const { products } = parseCatalog('\ufeff{"id":"A","title":"Fan"}\r\n{"id":"B","title":"Hose"}\r\n', {
      file: "c.ndjson",
    });
    expect(products.map((p) => p.id)).toEqual(["A", "B"]);
  });

  it("reports an invalid JSON line with file, line and reason", () => {
    const text = '{"id":"A","title":"Fan"}\n\n{"id":"B", "title": }\n';
    const err = catalogError(() => parseCatalog(text, { file: "feed.jsonl" }));
    expect(err.file).toBe("feed.jsonl");
    expect(err.problems).toHaveLength(1);
    expect(err.problems[0]!.line).toBe(3);
    expect(err.message).toMatch(/^feed\.jsonl:3: invalid JSON: /u);
  });

  it("reports a line that is not an object, or lacks id or title", () => {
    expect(catalogError(() => parseCatalog('[1,2]\n', { file: "f.jsonl" })).message).toBe(
      "f.jsonl:1: expected a JSON object",
    );
    expect(catalogError(() => parseCatalog('{"title":"x"}\n', { file: "f.jsonl" })).message).toBe(
      'f.jsonl:1: missing field "id"',
    );
    expect(catalogError(() => parseCatalog('{"id":"a","title":"x"}\n{"id":"b"}', { file: "f.jsonl" })).message).toBe(
      'f.jsonl:2: missing field "title"',
    );
    expect(catalogError(() => parseCatalog('{"id":true,"title":"x"}', { file: "f.jsonl" })).message).toBe(
      'f.jsonl:1: field "id" must be a string or number',
    );
  });
});

describe("format detection", () => {
  it("goes by the file extension first", () => {
    expect(detectFormat("a.JSONL", "id,title")).toBe("jsonl");
    expect(detectFormat("a.ndjson", "")).toBe("jsonl");
    expect(detectFormat("a.tsv", "id,title")).toBe("tsv");
    expect(detectFormat("a.tab", "")).toBe("tsv");
    expect(detectFormat("a.csv", "id\ttitle")).toBe("csv");
  });

  it("falls back to the content: JSON object, tab in the header, else CSV", () => {
    expect(detectFormat("<stdin>", '  \n{"id":1}')).toBe("jsonl");
    expect(detectFormat("<stdin>", "id\ttitle\nA,B")).toBe("tsv");
    expect(detectFormat("<stdin>", "id,title\nA\tB")).toBe("csv");
    expect(detectFormat("<stdin>", "id\ttitle")).toBe("tsv"); // header without a line break
  });

  it("parseCatalog uses detection when no format is given, and an explicit format overrides it", () => {
    expect(parseCatalog("id\ttitle\nA\tFan, ceiling\n").products).toEqual([{ id: "A", title: "Fan, ceiling" }]);
    expect(parseCatalog('{"id":"A","title":"Fan"}').products).toEqual([{ id: "A", title: "Fan" }]);
    expect(parseCatalog('id,title\nA,"Fan, ceiling"\n', { file: "x.txt" }).products).toEqual([
      { id: "A", title: "Fan, ceiling" },
    ]);
    expect(parseCatalog("id\ttitle\nA\tFan\n", { file: "x.csv", format: "tsv" }).products).toEqual([
      { id: "A", title: "Fan" },
    ]);
  });
});

describe("malformed files", () => {
  it("wrong column count names file, line and the counts", () => {
    const err = catalogError(() => parseCatalog("id\ttitle\nA\tFan\nB\tHose\textra\n", { file: "c.tsv" }));
    expect(err.message).toBe("c.tsv:3: expected 2 columns, found 3");
    const short = catalogError(() => parseCatalog("id,title,brand\nA,Fan\n", { file: "c.csv" }));
    expect(short.message).toBe("c.csv:2: expected 3 columns, found 2");
  });

  it("a header without id or title columns names line 1 and the columns found", () => {
    const err = catalogError(() => parseCatalog("sku\ttitle\nA\tFan\n", { file: "c.tsv" }));
    expect(err.message).toContain("c.tsv:1: ");
    expect(err.message).toContain('header must name an "id" and a "title" column');
    expect(err.message).toContain("found: sku, title");
    expect(catalogError(() => parseCatalog("id,label\nA,Fan\n", { file: "c.csv" })).message).toContain("c.csv:1: header must name");
  });

  it("an unterminated quote names the line where the quote opened", () => {
    const err = catalogError(() => parseCatalog('id,title\nA,Fan\nB,"Hose\nC,Knob\n', { file: "c.csv" }));
    expect(err.problems).toEqual([{ line: 3, reason: "unterminated quoted field" }]);
    expect(err.message).toBe("c.csv:3: unterminated quoted field");
  });

  it("a quote inside an unquoted field is an error", () => {
    const err = catalogError(() => parseCatalog('id,title\nA,12" Fan\n', { file: "c.csv" }));
    expect(err.message).toBe("c.csv:2: quote inside an unquoted field");
  });

  it("an empty file or a file with only a header has no products", () => {
    expect(catalogError(() => parseCatalog("", { file: "c.csv" })).message).toBe("c.csv:1: empty file");
    expect(catalogError(() => parseCatalog("id\ttitle\n", { file: "c.tsv" })).message).toBe("c.tsv:1: no products");
  });

  it("uses <catalog> as the file name when none is given", () => {
    expect(catalogError(() => parseCatalog("id\ttitle\nA\n")).message).toBe("<catalog>:2: expected 2 columns, found 1");
  });

  it("loadCatalogFile names the path of a file it cannot read, and of parse errors", async () => {
    const dir = await mkdtemp(join(tmpdir(), "edgespan-catalog-"));
    try {
      await expect(loadCatalogFile(join(dir, "missing.tsv"))).rejects.toThrow(`${join(dir, "missing.tsv")}: cannot read catalog (ENOENT)`);
      const path = join(dir, "bad.csv");
      await writeFile(path, "id,title\nA,Fan,extra\n");
      await expect(loadCatalogFile(path)).rejects.toThrow(`${path}:2: expected 2 columns, found 3`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("duplicate ids and empty titles", () => {
  const text = [
    "id\ttitle",
    "A\tDoor Knob", // 2
    "B\t   ", // 3: empty title (whitespace only)
    "A\tAnother Knob", // 4: duplicate of line 2
    "C\tCeiling Fan", // 5
    "\tNo Id", // 6: empty id
    "C\tFan Again", // 7: duplicate of line 5
    "D\tHose", // 8
  ].join("\n");

  const expectedProblems = [
    { line: 3, reason: 'empty title for id "B"' },
    { line: 4, reason: 'duplicate id "A" (first on line 2)' },
    { line: 6, reason: "empty id" },
    { line: 7, reason: 'duplicate id "C" (first on line 5)' },
  ];

  it("fail the load by default, listing every problem with its line", () => {
    const err = catalogError(() => parseCatalog(text, { file: "c.tsv" }));
    expect(err.problems).toEqual(expectedProblems);
    expect(err.message.split("\n")).toEqual(expectedProblems.map((p) => `c.tsv:${p.line}: ${p.reason}`));
  });

  it("with skipInvalid are left out and reported in skipped; the first of a duplicate is kept", () => {
    const { products, skipped } = parseCatalog(text, { file: "c.tsv", skipInvalid: true });
    expect(products).toEqual([
      { id: "A", title: "Door Knob" },
      { id: "C", title: "Ceiling Fan" },
      { id: "D", title: "Hose" },
    ]);
    expect(skipped).toEqual(expectedProblems);
  });

  it("work the same in JSONL, where a numeric and a string id are the same id", () => {
    const jsonl = '{"id":1,"title":"Fan"}\n{"id":"1","title":"Fan 2"}\n{"id":2,"title":""}\n{"id":3,"title":"Hose"}';
    const err = catalogError(() => parseCatalog(jsonl, { file: "c.jsonl" }));
    expect(err.problems).toEqual([
      { line: 2, reason: 'duplicate id "1" (first on line 1)' },
      { line: 3, reason: 'empty title for id "2"' },
    ]);
    const { products, skipped } = parseCatalog(jsonl, { file: "c.jsonl", skipInvalid: true });
    expect(products.map((p) => p.id)).toEqual(["1", "3"]);
    expect(skipped).toHaveLength(2);
  });

  it("shows the first ten problems and counts the rest", () => {
    const rows = ["id\ttitle", "A\tFan", ...Array.from({ length: 12 }, () => "A\tFan")];
    const err = catalogError(() => parseCatalog(rows.join("\n"), { file: "c.tsv" }));
    expect(err.problems).toHaveLength(12);
    const lines = err.message.split("\n");
    expect(lines).toHaveLength(11);
    expect(lines[0]).toBe('c.tsv:3: duplicate id "A" (first on line 2)');
    expect(lines[10]).toBe("… and 2 more");
  });

  it("with skipInvalid still fail when nothing is left", () => {
    const err = catalogError(() => parseCatalog("id\ttitle\nA\t \n", { file: "c.tsv", skipInvalid: true }));
    expect(err.message).toBe("c.tsv:1: no products");
  });
});
