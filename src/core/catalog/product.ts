/** A catalog entry as the index and the API see it. */
export interface Product {
  /** The shop's own identifier, unique in a catalog. */
  readonly id: string;
  /** Display title (NFKC, whitespace collapsed; case kept). */
  readonly title: string;
  /** Any further columns of the source file, passed through to results. */
  readonly fields?: Readonly<Record<string, string>>;
}
