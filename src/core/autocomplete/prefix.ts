/**
 * What a partly typed query consists of: complete words, and the word being typed (possibly
 * empty). "door kn" is ["door"] + "kn"; "door " (trailing space) is ["door"] + ""; "3/" is [] +
 * "3" (a fraction or decimal being typed: "3/4", "1.5").
 */
import { normalizeText } from "../text/normalize.ts";
import { words } from "../tokenizer/word-tokenizer.ts";

export interface ParsedPrefix {
  /** normalizeText(q): trimmed, so it never ends in a space. */
  readonly normalized: string;
  /** The words before the one being typed, as the word tokenizer splits them. */
  readonly complete: readonly string[];
  /** The word being typed ("" after a space or punctuation). */
  readonly partial: string;
  /** The string logged queries must start with: `normalized`, plus one space if q ended in whitespace. */
  readonly queryPrefix: string;
}

const WORD_CHAR = /^[\p{L}\p{M}\p{N}]$/u;
const DIGIT = /^\p{N}$/u;

export function parsePrefix(q: string): ParsedPrefix {
  const normalized = normalizeText(q);
  if (normalized === "") return { normalized, complete: [], partial: "", queryPrefix: "" };
  const trailingSpace = /\s$/u.test(q);
  const ws = words(normalized);
  // The last two code points decide whether a word is still being typed.
  const tail = Array.from(normalized.slice(-4));
  const last = tail[tail.length - 1] ?? "";
  const before = tail[tail.length - 2] ?? "";
  const typing = !trailingSpace && ws.length > 0 && (WORD_CHAR.test(last) || ((last === "." || last === "/") && DIGIT.test(before)));
  const queryPrefix = normalized + (trailingSpace ? " " : "");
  return typing
    ? { normalized, complete: ws.slice(0, -1), partial: ws[ws.length - 1]!, queryPrefix }
    : { normalized, complete: ws, partial: "", queryPrefix };
}
