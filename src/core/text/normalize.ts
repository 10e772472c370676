/**
 * Text normalization shared by catalog ingestion, tokenizers and queries.
 * One function so that an index built from titles and a query typed by a shopper
 * always agree on what a character is.
 */

/** NFKC, Unicode case folding (lower-casing after NFKC covers the catalog's scripts), collapsed whitespace. */
export function normalizeText(text: string): string {
  return text.normalize("NFKC").toLowerCase().replace(/\s+/gu, " ").trim();
}

/** NFKC and whitespace only: what a title looks like to a shopper, kept for display. */
export function cleanDisplayText(text: string): string {
  return text.normalize("NFKC").replace(/\s+/gu, " ").trim();
}
