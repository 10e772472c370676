/** Problems found in an input file, each with its line: every loader reports bad input this way. */
export interface FileProblem {
  readonly line: number;
  readonly reason: string;
}

/** An error listing `file:line: reason` for the first ten problems (and how many more there are). */
export class FileProblemsError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly FileProblem[],
  ) {
    const shown = problems.slice(0, 10).map((p) => `${file}:${p.line}: ${p.reason}`);
    const more = problems.length > 10 ? `\n… and ${problems.length - 10} more` : "";
    super(shown.join("\n") + more);
    this.name = new.target.name;
  }
}
