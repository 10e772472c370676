import { highlightsOf } from "../../src/core/retrieval/highlight.ts";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadTokenizer } from "../../src/core/tokenizer/load.ts";
import { WordTokenizer, words } from "../../src/core/tokenizer/word-tokenizer.ts";

const WORDS = ["Acme", "door", "KNOB", "3/4", "in.", "1.5", "gal.", "x", "Satin", "nickel", "#9", "L-Shaped", "Ｆａｎ", "café"];
const TRAINING = [
  "Acme Satin Nickel Door Knob",
  "Acme 3/4 in. x 50 ft. Garden Hose",
  "1.5 gal. Fan",
  "L-Shaped Shelf Bracket, café",
];

describe("words", () => {
  it("normalizes and keeps decimals and fractions inside numbers", () => {
    expect(words("Acme 3/4 in. x 1.5 GAL. L-Shaped #9 Ｆａｎ")).toEqual(["acme", "3/4", "in", "x", "1.5", "gal", "l", "shaped", "9", "fan"]);
  });
  it("gives no words for punctuation only", () => {
    expect(words(" -- / . ")).toEqual([]);
  });
});

describe("WordTokenizer", () => {
  const tok = WordTokenizer.train(TRAINING);

  it("is context-free: the ids of any word span equal that span cut out of the title's ids", () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 12 }),
        fc.nat(),
        fc.nat(),
        fc.constantFrom(" ", "  ", "\t", " \u00a0"),
        (title, a, b, sep) => {
          const start = a % title.length;
          const end = start + 1 + (b % (title.length - start));
          const span = title.slice(start, end);
          const titleIds = tok.encode(title.join(sep));
          // cut by word boundaries of the title: each listed word may yield several tokens
          const before = title.slice(0, start).flatMap((w) => words(w)).length;
          const spanIds = tok.encode(span.join(" "));
          expect(spanIds).toEqual(titleIds.slice(before, before + spanIds.length));
          expect(titleIds).toHaveLength(title.flatMap((w) => words(w)).length);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("gives a word the same id wherever it stands", () => {
    const id = tok.encode("knob")[0]!;
    expect(id).not.toBe(tok.unknownId);
    expect(tok.encode("Door Knob")[1]).toBe(id);
    expect(tok.encode("KNOB door knob")).toEqual([id, tok.encode("door")[0]!, id]);
  });

  it("maps unknown words to unknownId, and known ids lie in [1, vocabSize)", () => {
    expect(tok.unknownId).toBe(0);
    const ids = tok.encode("Acme Zebra door quux");
    expect(ids[1]).toBe(tok.unknownId);
    expect(ids[3]).toBe(tok.unknownId);
    for (const id of [ids[0]!, ids[2]!]) {
      expect(id).toBeGreaterThan(0);
      expect(id).toBeLessThan(tok.vocabSize);
    }
  });

  it("gives frequent words small ids, ties broken alphabetically", () => {
    const t = WordTokenizer.train(["b a c", "c b", "c"]);
    expect(t.encode("c b a")).toEqual([1, 2, 3]);
    expect(t.vocabSize).toBe(4);
  });

  it("decodes ids to normalized words, unknown ids to <unk>", () => {
    expect(tok.decode(tok.encode("Acme  SATIN nickel"))).toBe("acme satin nickel");
    expect(tok.decode(Uint32Array.from([tok.unknownId, tok.encode("fan")[0]!]))).toBe("<unk> fan");
    expect(tok.decode([tok.vocabSize + 5])).toBe("<unk>");
    expect(tok.decode([])).toBe("");
  });

  it("round-trips through serialize and load", () => {
    const bytes = tok.serialize();
    const back = loadTokenizer("word-v1", bytes);
    expect(back.kind).toBe("word-v1");
    expect(back.vocabSize).toBe(tok.vocabSize);
    for (const text of [...TRAINING, "unknown words here", "3/4 in. café"]) expect(back.encode(text)).toEqual(tok.encode(text));
    const all = Array.from({ length: tok.vocabSize }, (_, i) => i);
    expect(back.decode(all)).toBe(tok.decode(all));
  });

  it("round-trips an empty vocabulary", () => {
    const empty = WordTokenizer.train([]);
    const back = WordTokenizer.load(empty.serialize());
    expect(back.vocabSize).toBe(1);
    expect(back.encode("anything")).toEqual([0]);
  });

  it("load rejects a wrong header, and loadTokenizer an unknown kind", () => {
    const body = new TextEncoder().encode("word-v2\nacme\ndoor");
    expect(() => WordTokenizer.load(body)).toThrow('expected "word-v1" header, found "word-v2"');
    expect(() => WordTokenizer.load(new TextEncoder().encode(""))).toThrow('found ""');
    expect(() => loadTokenizer("bpe-v1", tok.serialize())).toThrow('unknown tokenizer kind "bpe-v1"');
  });

  it("rejects a vocabulary with duplicate words", () => {
    expect(() => WordTokenizer.load(new TextEncoder().encode("word-v1\nacme\nacme"))).toThrow("duplicate words");
  });
});

describe("WordTokenizer.pieces", () => {
  const tok = WordTokenizer.train(["Matte Black Door Knob 3/4 in.", "İstanbul Lamp"]);

  it("gives the ids of encode() with the character range of each word in the text", () => {
    const title = "Matte Black Door Knob 3/4 in.";
    const pieces = tok.pieces(title);
    expect(pieces.map((p) => p.id)).toEqual(tok.encode(title));
    expect(pieces.map((p) => title.slice(p.start, p.end))).toEqual(["Matte", "Black", "Door", "Knob", "3/4", "in"]);
  });

  it("maps offsets back where lower-casing changes the length", () => {
    const title = "İstanbul Lamp"; // "İ" lower-cases to "i" and a combining dot: two code units
    const pieces = tok.pieces(title);
    expect(pieces.map((p) => p.id)).toEqual(tok.encode(title));
    expect(pieces.map((p) => title.slice(p.start, p.end))).toEqual(["İstanbul", "Lamp"]);
  });
});

describe("highlightsOf", () => {
  it("merges overlapping and adjacent span ranges", () => {
    const tok2 = WordTokenizer.train(["white door knob set"]);
    const pieces = tok2.pieces("White Door Knob Set");
    const spans = [
      { text: "door knob", start: 1, length: 2 },
      { text: "white", start: 0, length: 1 },
      { text: "knob", start: 2, length: 1 },
    ];
    expect(highlightsOf(spans, pieces)).toEqual([{ start: 0, end: 5 }, { start: 6, end: 15 }]);
  });
});
