/**
 * Pearson's chi-square goodness of fit (the split gate, issue 16 item 5): is an observed
 * count per category consistent with declared probabilities? The p-value is the upper tail of
 * the chi-square distribution with k − 1 degrees of freedom, Q(df/2, x/2), from the regularized
 * incomplete gamma function (series for x < a + 1, Lentz's continued fraction otherwise:
 * Numerical Recipes §6.2 gser/gcf).
 */

/** ln Γ(x), Lanczos (g = 7, n = 9), accurate to ~1e-15 for x > 0. */
export function logGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  x -= 1;
  let a = c[0];
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Q(a, x) = Γ(a, x) / Γ(a), the regularized upper incomplete gamma function. */
export function gammaQ(a: number, x: number): number {
  if (x <= 0) return 1;
  const lnPre = -x + a * Math.log(x) - logGamma(a);
  if (x < a + 1) {
    let sum = 1 / a;
    let term = sum;
    for (let n = 1; n < 1000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-15) break;
    }
    return 1 - sum * Math.exp(lnPre);
  }
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 1000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return Math.exp(lnPre) * h;
}

export interface GoodnessOfFit {
  /** Pearson's X² = Σ (observed − expected)² / expected */
  statistic: number;
  df: number;
  /** P(X² ≥ statistic) under the declared probabilities */
  pValue: number;
  /** expected counts, in category order */
  expected: number[];
}

/** `probabilities` need not be normalised; a zero-probability category must observe 0 (else p = 0). */
export function chiSquareGoodnessOfFit(observed: number[], probabilities: number[]): GoodnessOfFit {
  const n = observed.reduce((a, b) => a + b, 0);
  const total = probabilities.reduce((a, b) => a + b, 0);
  const expected = probabilities.map((p) => (n * p) / total);
  let statistic = 0;
  let impossible = false;
  let df = -1;
  observed.forEach((o, i) => {
    if (expected[i] === 0) {
      if (o > 0) impossible = true;
      return;
    }
    df++;
    statistic += (o - expected[i]) ** 2 / expected[i];
  });
  if (impossible) return { statistic: Infinity, df: Math.max(df, 1), pValue: 0, expected };
  // no observation at all (n = 0): no category has an expected count, so no degree of freedom
  df = Math.max(df, 0);
  return { statistic, df, pValue: df > 0 ? gammaQ(df / 2, statistic / 2) : 1, expected };
}
