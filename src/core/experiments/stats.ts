/** Chi-square goodness of fit, for the sample-ratio-mismatch check. */

const LANCZOS = [676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];

/** ln Γ(x) for x > 0 (Lanczos, g = 7). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  x -= 1;
  let a = 0.99999999999980993;
  const t = x + 7.5;
  for (let i = 0; i < 8; i++) a += LANCZOS[i]! / (x + i + 1);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

const MAX_ITERATIONS = 1000;
const EPS = 1e-14;

/** Q(a, x) = Γ(a, x) / Γ(a), the regularized upper incomplete gamma function. */
export function gammaQ(a: number, x: number): number {
  if (x <= 0) return 1;
  const lnPrefix = -x + a * Math.log(x) - logGamma(a);
  if (x < a + 1) {
    // series for P(a, x)
    let sum = 1 / a;
    let term = sum;
    for (let n = 1; n < MAX_ITERATIONS; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * EPS) break;
    }
    return Math.max(0, 1 - sum * Math.exp(lnPrefix));
  }
  // continued fraction for Q(a, x) (modified Lentz)
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < MAX_ITERATIONS; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPS) break;
  }
  return Math.min(1, Math.exp(lnPrefix) * h);
}

/** Upper tail of the chi-square distribution with `df` degrees of freedom. */
export const chiSquarePValue = (chi2: number, df: number): number => gammaQ(df / 2, chi2 / 2);

export interface GoodnessOfFit {
  chi2: number;
  df: number;
  p: number;
  /** Some expected count is under 5: the chi-square approximation is rough. */
  lowCounts: boolean;
}

/** Observed counts against expected proportions (normalized; arms with proportion 0 are left out unless observed). */
export function chiSquareGoodnessOfFit(observed: readonly number[], proportions: readonly number[]): GoodnessOfFit {
  const n = observed.reduce((s, x) => s + x, 0);
  const totalWeight = proportions.reduce((s, x) => s + x, 0);
  let chi2 = 0;
  let cells = 0;
  let lowCounts = false;
  observed.forEach((obs, i) => {
    const expected = (n * (proportions[i] ?? 0)) / (totalWeight || 1);
    if (expected === 0) {
      if (obs > 0) chi2 = Infinity; // traffic in an arm that should get none
      return;
    }
    cells++;
    if (expected < 5) lowCounts = true;
    chi2 += (obs - expected) ** 2 / expected;
  });
  const df = Math.max(1, cells - 1);
  return { chi2, df, p: Number.isFinite(chi2) ? chiSquarePValue(chi2, df) : 0, lowCounts };
}
