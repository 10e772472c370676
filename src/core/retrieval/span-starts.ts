import type { FmIndex } from "../fm/fm-index.ts";
import type { WordPieceTokenizer } from "../tokenizer/wordpiece.ts";

/** Tokens a span may start with: word-initial pieces that occur in the catalog ([UNK] stands for no word). */
export function spanStarts(index: FmIndex, tokenizer: WordPieceTokenizer): number[] {
  const out: number[] = [];
  for (let id = 0; id < tokenizer.vocabSize; id++) {
    if (index.frequency(id) > 0 && !tokenizer.isContinuation(id) && id !== tokenizer.unknownId) out.push(id);
  }
  return out;
}
