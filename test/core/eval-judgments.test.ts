import { describe, expect, it } from "vitest";
import { JudgmentsError, parseJudgments } from "../../src/eval/judgments.ts";

const HEADER = "query\tproduct_id\trelevance\n";

function problem(text: string): string {
  try {
    parseJudgments(text, "j.tsv");
  } catch (e) {
    expect(e).toBeInstanceOf(JudgmentsError);
    return (e as Error).message;
  }
  throw new Error("expected a JudgmentsError");
}

describe("parseJudgments", () => {
  it("groups rows by normalized query, keeping the query as first typed", () => {
    const qs = parseJudgments(HEADER + "Door Knob\t1\t3\nwasher\t2\t1.67\ndoor  knob\t3\t2\r\n", "j.tsv");
    expect(qs.map((q) => [q.query, q.key, [...q.grades]])).toEqual([
      ["Door Knob", "door knob", [["1", 3], ["3", 2]]],
      ["washer", "washer", [["2", 1.67]]],
    ]);
  });

  it("accepts any column order", () => {
    const [q] = parseJudgments("relevance\tquery\tproduct_id\n2.33\those\t9\n");
    expect(q!.grades.get("9")).toBe(2.33);
  });

  it("names the file and line of a malformed row", () => {
    expect(problem(HEADER + "a\t1\t3\nb\t2\n")).toBe("j.tsv:3: expected 3 columns, found 2");
    expect(problem(HEADER + "a\t1\thigh\n")).toBe('j.tsv:2: relevance must be a number from 1 to 3, found "high"');
    expect(problem(HEADER + "a\t1\t4\n")).toMatch(/^j\.tsv:2: relevance must be/);
    expect(problem(HEADER + " \t1\t3\n")).toBe("j.tsv:2: empty query");
    expect(problem(HEADER + "a\t\t3\n")).toBe("j.tsv:2: empty product_id");
    expect(problem(HEADER + "a\t1\t3\nA\t1\t2\n")).toBe('j.tsv:3: duplicate judgment for query "a" and product 1 (first on line 2)');
    expect(problem("q\tid\trel\n")).toMatch(/^j\.tsv:1: header must name query, product_id, relevance/);
    expect(problem(HEADER)).toBe("j.tsv:1: no judgments");
  });
});
