import { describe, expect, it } from "vitest";
import { loadTokenizer } from "../../src/core/tokenizer/load.ts";
import { SPECIALS, UNK, WordPieceTokenizer } from "../../src/core/tokenizer/wordpiece.ts";

const tok = new WordPieceTokenizer([...SPECIALS, "door", "##knob", "knob", "white", "1", "##/", "##2", "in"]);

describe("WordPieceTokenizer", () => {
  it("splits each word greedily into the longest pieces", () => {
    expect(tok.decode(tok.encode("White DOORKNOB"))).toBe("white doorknob");
    expect(tok.encode("doorknob door knob")).toEqual([5, 6, 5, 7]);
  });

  it("is context-free: a span's ids are the same alone and inside a text", () => {
    const text = tok.encode("white door knob 1/2 in");
    const span = tok.encode("door knob");
    expect(text.join(",")).toContain(span.join(","));
  });

  it("gives [UNK] for a word it cannot cover, and for words over 64 characters", () => {
    expect(tok.encode("doorzz knob")).toEqual([UNK, 7]);
    expect(tok.encode("d".repeat(65))).toEqual([UNK]);
  });

  it("places each piece on its characters in the original text", () => {
    const title = "Doorknob, White";
    expect(tok.pieces(title).map((p) => title.slice(p.start, p.end))).toEqual(["Door", "knob", "White"]);
  });

  it("round-trips through its file and the tokenizer loader", () => {
    const again = loadTokenizer("wordpiece-v1", tok.serialize());
    expect(again.encode("white doorknob 1/2")).toEqual(tok.encode("white doorknob 1/2"));
    expect(() => WordPieceTokenizer.load(new TextEncoder().encode("word-v1\n[PAD]"))).toThrow(/wordpiece-v1/u);
    expect(() => new WordPieceTokenizer(["door"])).toThrow(/must start with/u);
  });
});
