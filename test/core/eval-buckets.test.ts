import { describe, expect, it } from "vitest";
import { catalogWords, queryBuckets, words } from "../../src/eval/buckets.ts";

const catalog = catalogWords([
  { id: "1", title: "Red Door Knob" },
  { id: "2", title: "Brass Door Hinge" },
  { id: "3", title: "Garden Hose 50 ft." },
]);

describe("words", () => {
  it("normalizes, splits on non-word characters, keeps decimals and fractions", () => {
    expect(words("Simpson Strong-Tie 12-Gauge 1/2 in. 3.5 ft")).toEqual(["simpson", "strong", "tie", "12", "gauge", "1/2", "in", "3.5", "ft"]);
    expect(words("  ＤＯＯＲ\tknob ")).toEqual(["door", "knob"]);
    expect(words("--")).toEqual([]);
  });
});

describe("queryBuckets", () => {
  it("always has all, and one length bucket by word count", () => {
    expect(queryBuckets("door", ["1"], catalog)).toContain("all");
    expect(queryBuckets("door knob", ["1"], catalog)).toContain("len:1-2");
    expect(queryBuckets("red door knob brass", ["1"], catalog)).toContain("len:3-4");
    expect(queryBuckets("red door knob brass hinge", ["1"], catalog)).toContain("len:5+");
  });

  it("overlap is measured against the relevant titles only", () => {
    expect(queryBuckets("door knob", ["2", "1"], catalog)).toContain("overlap:all");
    expect(queryBuckets("door knob", ["2"], catalog)).toContain("overlap:some");
    expect(queryBuckets("garden hose", ["1", "2"], catalog)).toContain("overlap:none");
    expect(queryBuckets("garden hose", ["1", "3"], catalog)).toContain("overlap:all");
  });

  it("oov marks a query word that no title contains", () => {
    expect(queryBuckets("door knobb", ["1"], catalog)).toEqual(["all", "len:1-2", "overlap:some", "oov"]);
    expect(queryBuckets("door knob", ["1"], catalog)).not.toContain("oov");
  });
});
