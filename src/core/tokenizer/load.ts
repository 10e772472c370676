import type { Tokenizer } from "./tokenizer.ts";
import { WordPieceTokenizer } from "./wordpiece.ts";
import { WordTokenizer } from "./word-tokenizer.ts";

/** Reads a serialized tokenizer of the kind a manifest names. */
export function loadTokenizer(kind: string, bytes: Uint8Array): Tokenizer {
  switch (kind) {
    case "word-v1":
      return WordTokenizer.load(bytes);
    case "wordpiece-v1":
      return WordPieceTokenizer.load(bytes);
    default:
      throw new Error(`unknown tokenizer kind ${JSON.stringify(kind)}`);
  }
}
