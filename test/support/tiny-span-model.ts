/**
 * Checks a SpanModelSession against what Python's onnxruntime gave (test/fixtures/tiny-span-model,
 * written by `python -m edgespan_ml.fixtures`). The int8 kernels of onnxruntime (native) and
 * onnxruntime-web (WASM) quantize activations with different rounding, so values agree to about 1%
 * of their range, and greedy decodes are identical.
 */
import { expect } from "vitest";
import expected from "../fixtures/tiny-span-model/expected.json";
import { type OrtModule, type SpanModelFiles, SpanModelSession } from "../../src/core/model/span-session.ts";
import { SPECIALS } from "../../src/core/tokenizer/wordpiece.ts";

/** The fixture's files, as SpanModelFiles fields. */
export const TINY_FILE_NAMES = { encoder: "encoder.onnx", decoderStep: "decoder_step.onnx", tokenScores: "token_scores.onnx", tokenTable: "token_table.bin" } as const;

function expectClose(actual: ArrayLike<number>, want: readonly number[]): void {
  expect(actual.length).toBe(want.length);
  const range = Math.max(...want.map(Math.abs));
  const worst = Math.max(...want.map((w, i) => Math.abs(actual[i]! - w)));
  expect(worst).toBeLessThan(0.02 * range + 0.002); // int8 rounding is absolute as much as relative
}

const argmax = (xs: ArrayLike<number>): number => Array.from(xs).reduce((best, v, i, a) => (v > a[best]! ? i : best), 0);
const BOS = 3;
const EOS = 2;

export async function checkTinySpanModel(ort: OrtModule, files: SpanModelFiles): Promise<void> {
  const session = await SpanModelSession.create(ort, files, expected.config);
  const encoded = await session.encode(expected.query);
  for (const [name, want] of Object.entries(expected.cross)) expectClose(encoded.cross[name]!.data as Float32Array, want);

  const { scores, cache } = await session.step(encoded, [BOS], session.emptyCache(1), expected.candidates);
  expectClose(scores[0]!, expected.scores);
  expect(argmax(scores[0]!)).toBe(argmax(expected.scores));
  expect(cache.length).toBe(1);

  // The same candidates read from the all-token scores graph (what long candidate lists take).
  const viaAll = await SpanModelSession.create(ort, files, expected.config, { fullRow: 0 });
  const all = await viaAll.step(await viaAll.encode(expected.query), [BOS], viaAll.emptyCache(1), expected.candidates);
  expectClose(all.scores[0]!, expected.candidates[0]!.map((id) => expected.all_scores[id]!));

  // Five beams at once, then a second step on the grown cache with ragged candidate lists.
  const beams = await session.step(encoded, [BOS, BOS, BOS, BOS, BOS], session.emptyCache(5), Array(5).fill(expected.candidates[0]));
  for (const row of beams.scores) expect(Array.from(row)).toEqual(Array.from(scores[0]!));
  const next = await session.step(encoded, [5, 6, 7, 30, 59], beams.cache, [[5, 6], [7], [30, 59, 5], [6], [5]]);
  expect(next.scores.map((s) => s.length)).toEqual([2, 1, 3, 1, 1]);
  expect(next.cache.length).toBe(2);

  // Greedy decoding over the whole vocabulary but [BOS]: token for token what Python wrote.
  const everything = Array.from({ length: expected.config.vocab_size }, (_, t) => t).filter((t) => t !== BOS);
  let state = session.emptyCache(1);
  let token = BOS;
  const greedy: number[] = [];
  for (let step = 0; step < expected.greedy.length + 1; step++) {
    const out = await session.step(encoded, [token], state, [everything]);
    state = out.cache;
    token = everything[argmax(out.scores[0]!)]!;
    if (token === EOS || greedy.length === expected.greedy.length) break;
    greedy.push(token);
  }
  expect(greedy).toEqual(expected.greedy);
}

// A WordPiece vocabulary exactly as large as the fixture model's (60 ids), and a catalog over it.
const WORDS = ["door", "knob", "black", "white", "garden", "hose", "ceiling", "fan", "deck", "screw", "satin", "nickel", "brass", "paint", "gal", "ft", "in", "x", "5", "50"];
const MORE = ["oak", "pine", "tile", "lamp", "bulb", "led", "hook", "nail", "saw", "drill"];
export const TINY_VOCAB = [...SPECIALS, ...WORDS, ...WORDS.map((w) => `##${w}`), ...MORE, "##s", "##ed", "##er", "##ing", "##y"];
if (TINY_VOCAB.length !== expected.config.vocab_size) throw new Error("tiny vocabulary must match the fixture model");
export const TINY_TITLES = [
  "Black Door Knob", "White Door Knob", "Satin Nickel Door Knob", "Brass Door Knobs", "Garden Hose 50 ft",
  "Black Garden Hose", "White Ceiling Fan", "Black Ceiling Fan", "Deck Screw 5 in", "White Paint 5 gal",
];
export const TINY_SHAPE = expected.config;
