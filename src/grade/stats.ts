/**
 * Item statistics of a graded class: per question the mean score, the facility (mean / max) and
 * the discrimination (correlation of the question's score with the rest of the test, i.e. the
 * total minus that question — the "corrected item–total" correlation).
 */
export interface ItemStats {
  question: number;
  max: number;
  n: number;
  mean: number;
  facility: number;
  /** null when undefined (fewer than 3 students, or no variance). */
  discrimination: number | null;
}

export interface StudentScores {
  /** question number → points scored */
  scores: Map<number, number>;
}

function pearson(xs: readonly number[], ys: readonly number[]): number | null {
  const n = xs.length;
  if (n < 3) return null;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = xs[i]! - mx;
    const dy = ys[i]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx < 1e-12 || syy < 1e-12) return null;
  return sxy / Math.sqrt(sxx * syy);
}

const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

export function itemStats(students: readonly StudentScores[], maxByQuestion: ReadonlyMap<number, number>): ItemStats[] {
  const totals = students.map((s) => [...s.scores.values()].reduce((a, b) => a + b, 0));
  return [...maxByQuestion.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([question, max]) => {
      const xs = students.map((s) => s.scores.get(question) ?? 0);
      const rest = totals.map((t, i) => t - xs[i]!);
      const mean = xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0;
      const r = pearson(xs, rest);
      return { question, max, n: xs.length, mean: round(mean), facility: max > 0 ? round(mean / max) : 0, discrimination: r === null ? null : round(r) };
    });
}
