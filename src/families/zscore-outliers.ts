/**
 * z-score outlier detection on a small integer data set: mean, standard deviation (population ÷n
 * or sample ÷(n−1), CONVENTIONS.md #8), the z-score of one value (a data value, or a new value
 * scored against the data's statistics without being appended), the cut-offs μ ± tσ, and the set
 * of values with |z| > t.
 *
 * Exactness: μ is a fraction, σ = √(rational) and z = (x − μ)/σ are single surds (Real). The
 * cut-offs μ ± tσ are a rational plus a surd (Real's rational offset), printed with d decimals.
 *
 * verify(): tf.moments on a float tensor (population variance; × n/(n−1) for the sample
 * convention), tf ops for z and the cut-offs, tf.abs + tf.greater for the outlier mask.
 */
import { z } from 'zod';
import { numberSet, scalar, vector, type Part, type Solution } from '../core/answer.js';
import { GenerationError } from '../core/errors.js';
import {
  addQ,
  compareReal,
  fmtDecimal,
  fmtQ,
  fmtReal,
  isRational,
  mulQ,
  q,
  real,
  realValue,
  sqrtQ,
  sum,
  type Fraction,
  type Real,
} from '../core/exact.js';
import type { Rng } from '../core/rng.js';
import type { TF } from '../verify/tensor.js';
import { compareParts } from '../verify/tensor.js';
import { mutantSolver, type Flaw } from './mutants.js';
import type { Difficulty, Family, Statement } from './types.js';

const THRESHOLDS = [1.96, 2, 2.5, 3] as const;
/** |z| closer than this to t makes the outlier decision depend on rounding: rejected as ambiguous. */
const TIE_MARGIN = q(1, 100);
/** Generated instances keep every |z| at least this far from t. */
const NICE_MARGIN = q(5, 100);

/** The threshold as an exact fraction: 1.96 → 49/25 (parsed from its decimal string, never a float). */
const exactT = (t: number): Fraction => q(String(t));

const paramsSchema = z
  .object({
    /** The data set (integers). */
    data: z.array(z.int().min(-100000).max(100000)).min(3).max(30),
    /** population: σ = √(Σ(x−μ)²/n); sample: s = √(Σ(x−μ)²/(n−1)). */
    convention: z.enum(['population', 'sample']),
    /** Flag a value as an outlier when |z| > threshold (strict). */
    threshold: z.literal(THRESHOLDS),
    /** The data value whose z-score is asked (omit when newPoint is given). */
    zOf: z.int().optional(),
    /** A new value scored against the data's μ and σ (not appended); its z-score is asked. */
    newPoint: z.int().min(-100000).max(100000).optional(),
    /** Decimals for σ, z and the cut-offs. */
    decimals: z.literal([2, 3]).default(2),
  })
  .superRefine((p, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (p.zOf === undefined && p.newPoint === undefined) issue('zOf', 'give "zOf" (a data value whose z-score is asked) or "newPoint"');
    if (p.zOf !== undefined && p.newPoint !== undefined) issue('zOf', 'with "newPoint" the z-score asked is the new point\'s: omit "zOf"');
    if (p.zOf !== undefined && !p.data.includes(p.zOf)) issue('zOf', `${p.zOf} is not one of the data values`);
    const st = exactStats(p.data, p.convention);
    if (st.variance.n === 0n) {
      issue('data', 'all values are equal: σ = 0 and z-scores are undefined');
      return;
    }
    const t = exactT(p.threshold);
    for (const x of candidates(p)) {
      if (nearThreshold(q(x).sub(st.mean), t, st.variance, TIE_MARGIN))
        issue('threshold', `the value ${x} has |z| within ${fmtQ(TIE_MARGIN)} of t = ${p.threshold}: the outlier decision would depend on rounding`);
    }
  });

export type ZscoreOutliersParams = z.output<typeof paramsSchema>;

// ---------- exact helpers (solver side) ----------

interface ExactStats {
  n: number;
  mean: Fraction;
  ss: Fraction;
  divisor: number;
  variance: Fraction;
}

function exactStats(data: readonly number[], convention: ZscoreOutliersParams['convention']): ExactStats {
  const n = data.length;
  const mean = sum(data.map((x) => q(x))).div(q(n));
  const ss = sum(data.map((x) => q(x).sub(mean).pow(2)));
  const divisor = convention === 'sample' ? n - 1 : n;
  return { n, mean, ss, divisor, variance: ss.div(q(divisor)) };
}

/** The values the outlier question is about: the data, plus the new point when there is one. */
function candidates(p: ZscoreOutliersParams): number[] {
  return p.newPoint === undefined ? [...p.data] : [...p.data, p.newPoint];
}

/** ||z| − t| < margin, exactly: (t − m)²σ² < (x − μ)² < (t + m)²σ². */
function nearThreshold(dev: Fraction, t: Fraction, variance: Fraction, margin: Fraction): boolean {
  const d2 = dev.mul(dev);
  const lo = t.sub(margin);
  const hi = t.add(margin);
  return d2.compare(lo.mul(lo).mul(variance)) > 0 && d2.compare(hi.mul(hi).mul(variance)) < 0;
}

/** z = dev / σ as a single surd; σ's radicand is already square-free, so no re-factoring is needed. */
function zScore(dev: Fraction, sigma: Real): Real {
  // dev / (c·√r) = (dev / (c·r))·√r
  return { coef: dev.div(sigma.coef).div(q(sigma.rad, 1n)), rad: sigma.rad };
}

// ---------- the solver, with switches for typical mistakes ----------

type FlawId = 'swap-convention' | 'variance-not-std' | 'raw-second-moment' | 'z-sign' | 'appended';

const FLAWS: Flaw<FlawId>[] = [
  {
    id: 'swap-convention',
    label: 'population and sample σ swapped',
    feedback: 'The question fixes the divisor: the population σ divides Σ(xᵢ − μ)² by n, the sample standard deviation by n − 1 (Bessel\'s correction).',
  },
  {
    id: 'variance-not-std',
    label: 'used the variance as σ (forgot the square root)',
    feedback: 'σ is the square root of the variance; z = (x − μ)/σ divides by σ, not by σ².',
  },
  {
    id: 'raw-second-moment',
    label: 'used the mean of squares Σxᵢ²/n as the variance',
    feedback: 'The variance is the mean of the squared deviations Σ(xᵢ − μ)² (= E[x²] − μ² for the ÷n version): the mean must be subtracted first.',
  },
  {
    id: 'z-sign',
    label: 'wrong sign of z (used μ − x or |x − μ|)',
    feedback: 'z = (x − μ)/σ keeps its sign: a value below the mean has a negative z-score. Only the outlier test uses |z|.',
  },
  {
    id: 'appended',
    label: 'added the new value to the data before computing μ and σ',
    feedback: 'The new value is scored against the statistics of the original data. Appending it first pulls μ towards it and inflates σ, which hides the very outlier being tested.',
  },
];

function solveWith(p: ZscoreOutliersParams, flaw?: FlawId): Solution | undefined {
  if (flaw === 'appended' && p.newPoint === undefined) return undefined;
  const base = flaw === 'appended' ? [...p.data, p.newPoint!] : p.data;
  const n = base.length;
  const sample = (p.convention === 'sample') !== (flaw === 'swap-convention');
  const divisor = sample ? n - 1 : n;
  const xs = base.map((x) => q(x));
  const total = sum(xs);
  const mean = total.div(q(n));
  const devs = xs.map((x) => x.sub(mean));
  const ss = flaw === 'raw-second-moment' ? sum(xs.map((x) => x.mul(x))) : sum(devs.map((d) => d.mul(d)));
  const variance = ss.div(q(divisor));
  if (variance.n === 0n) return undefined;
  const sigma: Real = flaw === 'variance-not-std' ? real(variance) : sqrtQ(variance);
  const d = p.decimals;
  const t = exactT(p.threshold);
  const tText = String(p.threshold);
  const approx = (x: Real) => fmtDecimal(realValue(x), d);
  const scored = p.newPoint ?? p.zOf!;
  const zRight = zScore(q(scored).sub(mean), sigma);
  const zScored = flaw === 'z-sign' ? { coef: zRight.coef.neg(), rad: zRight.rad } : zRight;

  const margin = mulQ(sigma, t);
  // μ ∓ tσ stays exact: a rational plus a surd (Real's rational offset).
  const cutoffs: Real[] = [addQ(mulQ(margin, q(-1)), mean), addQ(margin, mean)];

  const zAll = candidates(p).map((x) => ({ x, z: zScore(q(x).sub(mean), sigma) }));
  const absGtT = (zx: Real) => compareReal({ coef: zx.coef.abs(), rad: zx.rad }, real(t)) > 0;
  const outliers = [...new Set(zAll.filter((e) => absGtT(e.z)).map((e) => e.x))].sort((a, b) => a - b);

  const steps: string[] = [];
  // Mutants only need answers: they build no step text (`text` guards every string built for a step).
  const text = flaw === undefined;
  if (text) {
    const paren = (x: string) => (x.includes('/') ? `(${x})` : x);
    const meanText = mean.d === 1n ? fmtQ(mean) : `${fmtQ(mean)} ≈ ${approx(real(mean))}`;
    const divText = sample ? `n − 1 = ${divisor}` : `n = ${divisor}`;
    if (flaw === 'appended') steps.push(`(The new value ${p.newPoint} is appended to the data: n = ${n}.)`);
    steps.push(`Mean: μ = Σxᵢ / n = ${fmtQ(total)} / ${n} = ${meanText}.`);
    steps.push(`Deviations xᵢ − μ: ${devs.map(fmtQ).join(', ')}.`);
    steps.push(
      flaw === 'raw-second-moment'
        ? `Sum of squares Σxᵢ² = ${fmtQ(ss)}.`
        : `Sum of squared deviations Σ(xᵢ − μ)² = ${fmtQ(ss)}.`,
    );
    const varText = fmtQ(variance) === `${fmtQ(ss)}/${divisor}` ? '' : ` = ${fmtQ(variance)}`;
    steps.push(`Variance (${sample ? 'sample' : 'population'}: divide by ${divText}): σ² = ${paren(fmtQ(ss))} / ${divisor}${varText}.`);
    steps.push(
      flaw === 'variance-not-std'
        ? `σ = ${fmtQ(variance)}.`
        : `σ = √(${fmtQ(variance)}) = ${fmtReal(sigma)}${isRational(sigma) && sigma.coef.d === 1n ? '' : ` ≈ ${approx(sigma)}`}.`,
    );
    const scoredName = p.newPoint !== undefined ? `x_new = ${scored}` : `x = ${scored}`;
    steps.push(
      `z-score of ${scoredName}${p.newPoint !== undefined && flaw !== 'appended' ? ' (against μ and σ of the original data)' : ''}: z = (${scored} − ${fmtQ(mean)}) / σ = ${paren(fmtQ(q(scored).sub(mean)))} / ${paren(fmtReal(sigma))} = ${fmtReal(zScored)} ≈ ${approx(zScored)}.`,
    );
    steps.push(
      `Cut-offs: μ ∓ ${tText}σ = ${fmtQ(mean)} ∓ ${fmtReal(margin)} ≈ [${cutoffs.map(approx).join(', ')}]: values outside this interval are flagged.`,
    );
    steps.push(`|z| of each value: ${zAll.map((e) => `${e.x} → ${fmtDecimal(Math.abs(realValue(e.z)), d)}`).join(', ')}.`);
    steps.push(`Outliers (|z| > ${tText}): ${outliers.length === 0 ? 'none' : `{${outliers.join(', ')}}`}.`);
  }

  const unit = 10 ** -d;
  const rounded = (x: Real) => !(isRational(x) && x.coef.d === 1n);
  const parts: Part[] = [
    {
      id: 'mean',
      label: 'Mean μ',
      answer: scalar(mean),
      ...(mean.d === 1n ? {} : { decimals: d, tolerance: { abs: 0.6 * unit } }),
    },
    {
      id: 'std',
      label: `Standard deviation σ (${p.convention}, ÷${p.convention === 'sample' ? '(n − 1)' : 'n'})`,
      answer: scalar(sigma),
      ...(rounded(sigma) ? { decimals: d, tolerance: { abs: 0.6 * unit } } : {}),
    },
    {
      id: 'z',
      label: `z-score of ${p.newPoint !== undefined ? `the new value x_new = ${scored}` : `the value ${scored}`}`,
      answer: scalar(zScored),
      ...(rounded(zScored) ? { decimals: d, tolerance: { abs: 2 * unit } } : {}),
    },
    {
      id: 'cutoffs',
      label: `Cut-offs [μ − ${tText}σ, μ + ${tText}σ]`,
      answer: vector(cutoffs),
      ...(cutoffs.some(rounded) ? { decimals: d } : {}),
      tolerance: { abs: 2 * unit },
    },
    {
      id: 'outliers',
      label: `Outliers (values with |z| > ${tText})`,
      answer: numberSet(outliers),
    },
  ];
  return { parts, steps };
}

// ---------- generation ----------

const isSquare = (m: number) => {
  const r = Math.round(Math.sqrt(m));
  return r * r === m;
};

/** Sizes for which an outlier is possible at all: max |z| is √(n−1) (÷n) or (n−1)/√n (÷(n−1)). */
function sizeRange(t: number, sample: boolean): [number, number] {
  if (t >= 3) return sample ? [12, 12] : [11, 12];
  if (t >= 2.5) return [9, 12];
  return sample ? [7, 12] : [6, 12];
}

function distinctInts(rng: Rng, lo: number, hi: number, k: number): number[] {
  const all = Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
  return rng.sample(all, k);
}

/** A draft data set: a tight cluster plus 0–2 far values. */
function draftData(rng: Rng, n: number, difficulty: Difficulty, t: number): number[] {
  const far = rng.weighted<number>([
    [0, 1],
    [1, 4],
    [2, n >= 9 ? 1.5 : 0.5],
  ]);
  const inCluster = n - far;
  const center = difficulty === 1 ? rng.int(10, 60) : rng.int(15, 150);
  const w = Math.max(rng.int(2, difficulty === 1 ? 5 : 9), Math.ceil(inCluster / 2));
  const cluster = distinctInts(rng, center - w, center + w, inCluster);
  const side = rng.bool() ? 1 : -1;
  const farValues: number[] = [];
  for (let i = 0; i < far; i++) {
    const dir = i === 0 ? side : rng.bool(0.7) ? side : -side;
    farValues.push(center + dir * rng.int(Math.ceil(t * w * 1.2), Math.ceil(t * w * 3.5)));
  }
  return rng.shuffle([...cluster, ...farValues]);
}

/**
 * Difficulty 1: replace the last value so that μ and the population σ are integers. Values that
 * keep Σx ≡ 0 (mod n) are tried; among those with a square variance one is picked at random. If
 * none works, one of the other values is nudged by ±1 or ±2 and the scan repeats (plain integer
 * arithmetic: the exact solver re-checks everything afterwards).
 */
function makeIntegerStats(rng: Rng, values: number[]): number[] | undefined {
  const n = values.length;
  const rest = values.slice(0, -1);
  const last = values[n - 1]!;
  const span = 40;
  for (let tries = 0; tries < 40; tries++) {
    const s = rest.reduce((a, b) => a + b, 0);
    const ok: number[] = [];
    for (let v = last - span; v <= last + span; v++) {
      if ((((s + v) % n) + n) % n !== 0 || rest.includes(v)) continue;
      const mu = (s + v) / n;
      const ss = rest.reduce((a, x) => a + (x - mu) ** 2, 0) + (v - mu) ** 2;
      if (ss % n === 0 && ss > 0 && isSquare(ss / n)) ok.push(v);
    }
    if (ok.length > 0) return [...rest, rng.pick(ok)];
    const i = rng.int(0, n - 2);
    rest[i] = rest[i]! + rng.pick([-2, -1, 1, 2]);
  }
  return undefined;
}

function draft(rng: Rng, difficulty: Difficulty): ZscoreOutliersParams | undefined {
  const convention: ZscoreOutliersParams['convention'] = difficulty === 3 ? 'sample' : difficulty === 2 && rng.bool(0.35) ? 'sample' : 'population';
  const threshold = difficulty === 3 ? 1.96 : rng.weighted<(typeof THRESHOLDS)[number]>([
    [2, 3],
    [2.5, 2],
    [3, 1],
  ]);
  const [lo, hi] = sizeRange(threshold, convention === 'sample');
  const n = rng.int(lo, hi);
  let data = draftData(rng, n, difficulty, threshold);
  if (difficulty === 1) {
    const fixed = makeIntegerStats(rng, data);
    if (!fixed) return undefined;
    data = fixed;
  }
  if (new Set(data).size !== data.length) return undefined;
  const st = exactStats(data, convention);
  if (st.variance.n === 0n) return undefined;
  const sigma = sqrtQ(st.variance);
  if (difficulty === 1 && !(isRational(sigma) && sigma.coef.d === 1n && st.mean.d === 1n)) return undefined;
  if (difficulty >= 2 && isRational(sigma)) return undefined;
  // μ a terminating decimal (89.7, 43.25): deviations stay readable by hand.
  if (100n % st.mean.d !== 0n) return undefined;

  const t = exactT(threshold);
  const mu = st.mean.valueOf();
  const sd = realValue(sigma);
  let zOf: number | undefined;
  let newPoint: number | undefined;
  if (difficulty === 3) {
    // A new value that is clearly in or clearly out, on either side.
    const zTarget = (rng.bool(0.6) ? 2.2 + rng.next() * 1.8 : 0.3 + rng.next() * 1.3) * (rng.bool() ? 1 : -1);
    newPoint = Math.round(mu + zTarget * sd);
    if (data.includes(newPoint)) return undefined;
  } else {
    // Usually the most extreme value (the interesting z), sometimes another one.
    const byAbsZ = [...data].sort((a, b) => Math.abs(b - mu) - Math.abs(a - mu));
    zOf = rng.bool(0.55) ? byAbsZ[0]! : rng.pick(byAbsZ.slice(1));
    if (q(zOf).equals(st.mean)) return undefined;
  }
  const p: ZscoreOutliersParams = {
    data,
    convention,
    threshold,
    ...(zOf !== undefined ? { zOf } : {}),
    ...(newPoint !== undefined ? { newPoint } : {}),
    decimals: difficulty === 3 && rng.bool(0.3) ? 3 : 2,
  };
  for (const x of candidates(p)) if (nearThreshold(q(x).sub(st.mean), t, st.variance, NICE_MARGIN)) return undefined;
  // "No outliers" is a fine answer, but not for most questions.
  const t2var = t.mul(t).mul(st.variance);
  const anyOutlier = candidates(p).some((x) => q(x).sub(st.mean).pow(2).compare(t2var) > 0);
  if (!anyOutlier && rng.bool(0.6)) return undefined;
  return p;
}

function generate(rng: Rng, o: { difficulty: Difficulty }): ZscoreOutliersParams {
  for (let attempt = 0; attempt < 200; attempt++) {
    const candidate = draft(rng.fork(attempt), o.difficulty);
    if (!candidate) continue;
    const parsed = paramsSchema.safeParse(candidate);
    if (parsed.success) return parsed.data;
  }
  throw new GenerationError('zscore-outliers: no valid instance in 200 attempts');
}

// ---------- statement ----------

function statement(p: ZscoreOutliersParams): Statement {
  const n = p.data.length;
  const t = String(p.threshold);
  const pop = p.convention === 'population';
  const sigmaDef = pop ? 'the population standard deviation σ = √(Σ(xᵢ − μ)² / n)' : 'the sample standard deviation σ = √(Σ(xᵢ − μ)² / (n − 1))';
  const fresh = p.newPoint !== undefined;
  const text = [
    `The ${n} measurements x below were recorded. Outliers are detected with z-scores z = (x − μ)/σ, where μ is the mean of the data and σ is ${sigmaDef}; a value is flagged as an outlier when |z| > ${t}.`,
    fresh
      ? `A new measurement x_new = ${p.newPoint} then arrives. Score it against μ and σ of the ${n} measurements above (do not add it to the data).`
      : '',
    `Find (a) the mean μ; (b) σ; (c) the z-score of ${fresh ? `x_new = ${p.newPoint}` : `the value ${p.zOf}`}; (d) the cut-offs μ − ${t}σ and μ + ${t}σ; (e) every value ${fresh ? 'among the measurements and x_new ' : ''}that is flagged as an outlier (answer "none" if there is none).`,
    `Give σ, z and the cut-offs to ${p.decimals} decimal places.`,
  ]
    .filter(Boolean)
    .join(' ');
  const conv = pop
    ? 'Population standard deviation: divide the sum of squared deviations by n (numpy.std(x), tf.moments).'
    : "Sample standard deviation: divide the sum of squared deviations by n − 1, Bessel's correction (pandas Series.std(), numpy.std(x, ddof=1)).";
  return {
    text,
    blocks: [{ kind: 'vector', name: 'x', value: p.data.map((v) => real(v)) }],
    convention: `${conv} Outlier rule |z| > ${t} (strict).${fresh ? ' The new value is scored against the statistics of the original data; it is not appended.' : ''}`,
  };
}

// ---------- independent check ----------

async function verify(p: ZscoreOutliersParams, s: Solution, tf: TF) {
  const n = p.data.length;
  const scored = p.newPoint ?? p.zOf!;
  const cands = p.newPoint === undefined ? p.data : [...p.data, p.newPoint];
  const r = tf.tidy(() => {
    const x = tf.tensor1d(p.data, 'float32');
    const { mean, variance } = tf.moments(x);
    const v = p.convention === 'sample' ? variance.mul(n / (n - 1)) : variance;
    const sd = tf.sqrt(v);
    const zt = tf.scalar(scored).sub(mean).div(sd);
    const half = sd.mul(p.threshold);
    const cut = tf.stack([mean.sub(half), mean.add(half)]);
    const mask = tf.greater(tf.abs(tf.tensor1d(cands, 'float32').sub(mean).div(sd)), p.threshold);
    return {
      mean: mean.dataSync()[0]!,
      std: sd.dataSync()[0]!,
      z: zt.dataSync()[0]!,
      cutoffs: Array.from(cut.dataSync()),
      mask: Array.from(mask.dataSync()),
    };
  });
  const outliers = [...new Set(cands.filter((_, i) => r.mask[i] === 1))];
  const method = `tf.moments (population variance${p.convention === 'sample' ? ' × n/(n−1)' : ''}), tf.sqrt, tf ops for z and μ ± tσ, tf.abs + tf.greater mask`;
  return compareParts(s, { mean: r.mean, std: r.std, z: r.z, cutoffs: r.cutoffs, outliers }, method);
}

export const zscoreOutliers: Family<ZscoreOutliersParams> = {
  id: 'zscore-outliers',
  title: 'z-score outlier detection',
  topic: 'statistics',
  description: 'Mean, population or sample σ, z-score of a value or a new point, cut-offs μ ± tσ and the outliers |z| > t of a small data set.',
  params: paramsSchema,
  answerKinds: ['scalar', 'vector', 'set'],
  generate,
  statement,
  verify,
  ...mutantSolver(solveWith, FLAWS),
};
