/**
 * The experiment being served, re-read from KV at most every `ttlMs` (like the manifest pointer),
 * so a new or paused experiment takes effect without a redeploy. A document that does not
 * validate is logged (once per distinct text) and ignored: serving goes on with the default
 * strategy. A failed read keeps what was loaded before until the next check.
 */
import { type Experiment, parseExperiment } from "./config.ts";

export class ExperimentSource {
  private current: { experiment: Experiment | undefined; checkedAt: number } | undefined;
  private refreshing: Promise<Experiment | undefined> | undefined;
  private lastLogged: string | undefined;

  constructor(
    private readonly read: () => Promise<string | null>,
    private readonly ttlMs: number,
    private readonly now: () => number = () => Date.now(),
    private readonly log: (message: string) => void = (m) => console.warn(m),
  ) {}

  async experiment(): Promise<Experiment | undefined> {
    if (this.current && this.now() - this.current.checkedAt < this.ttlMs) return this.current.experiment;
    this.refreshing ??= this.refresh().finally(() => (this.refreshing = undefined));
    return await this.refreshing;
  }

  private async refresh(): Promise<Experiment | undefined> {
    let text: string | null;
    try {
      text = await this.read();
    } catch (e) {
      this.log(`experiments: could not read the experiment document: ${(e as Error).message}`);
      const kept = this.current?.experiment;
      this.current = { experiment: kept, checkedAt: this.now() };
      return kept;
    }
    let experiment: Experiment | undefined;
    if (text !== null) {
      const parsed = parseExperiment(text);
      if (parsed.ok) experiment = parsed.experiment;
      else if (this.lastLogged !== text) {
        this.log(`experiments: ignoring an invalid experiment document (serving the default strategy): ${parsed.errors.join("; ")}`);
      }
      this.lastLogged = text;
    }
    this.current = { experiment, checkedAt: this.now() };
    return experiment;
  }
}
