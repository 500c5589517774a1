/**
 * Hard-margin linear SVM on a small 2-D linearly separable data set: weight vector w, bias b,
 * margin width 2/‖w‖, the support vectors and the class of a new point.
 *
 * solve(): the optimum has a dual solution supported on ≤ 3 points (a basic solution of the dual:
 * 3 equality constraints), so it is found by enumerating opposite-class pairs and mixed triples,
 * solving the margin equations exactly and keeping the first candidate that is a KKT point
 * (α ≥ 0, every point feasible). By convexity any KKT point is the unique optimum, so the first
 * one found is the answer. The search uses integer arithmetic only (Cramer's rule with integer
 * determinants); the answer is then built as exact fractions.
 *
 * verify(): an independent float computation: the kernel matrix K = XXᵀ with tf.matMul, the dual
 * QP solved by SMO (maximal-violating-pair, float64), w = Xᵀ(α∘y), b averaged over the α > 0
 * points, margin 2/‖w‖ with tf.norm, support vectors by y(w·x+b) ≈ 1 — plus a KKT certificate of
 * the solver's exact (w, b) with tensors (feasibility, stationarity, complementary slackness).
 */
import { z } from 'zod';
import { choice, labels, scalar, vector, type Solution } from '../core/answer.js';
import { GenerationError } from '../core/errors.js';
import { divReal, fmtDecimal, fmtQ, fmtReal, q, real, realValue, sqrtQ, type Fraction, type Real } from '../core/exact.js';
import type { Rng } from '../core/rng.js';
import type { Check, TF } from '../verify/tensor.js';
import { compareParts, take } from '../verify/tensor.js';
import { mutantSolver, type Flaw } from './mutants.js';
import type { Difficulty, Family, Statement } from './types.js';

// ---------- params ----------

const coord = z.int().min(-50).max(50);

const pointSchema = z.object({
  /** One capital letter: "A", "B", … */
  label: z.string().regex(/^[A-Z]$/, 'a point label is one capital letter A–Z'),
  x: z.tuple([coord, coord]),
  /** Class label +1 or −1. */
  y: z.union([z.literal(1), z.literal(-1)]),
});

const paramsSchema = z
  .object({
    points: z.array(pointSchema).min(2).max(12),
    /** The new point to classify. */
    query: z.tuple([coord, coord]),
  })
  .superRefine((p, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    const seenLabel = new Set<string>();
    const seenPoint = new Map<string, string>();
    for (const pt of p.points) {
      if (seenLabel.has(pt.label)) issue('points', `label ${pt.label} is used twice`);
      seenLabel.add(pt.label);
      const key = `${pt.x[0]},${pt.x[1]}`;
      const other = seenPoint.get(key);
      if (other !== undefined) issue('points', `points ${other} and ${pt.label} coincide at (${key})`);
      seenPoint.set(key, pt.label);
    }
    if (!p.points.some((pt) => pt.y === 1) || !p.points.some((pt) => pt.y === -1)) {
      issue('points', 'both classes (+1 and −1) must be present');
      return;
    }
    if (seenPoint.size !== p.points.length) return;
    const opt = findOptimum(p.points);
    if (!opt) {
      issue('points', 'the two classes are not linearly separable: a hard-margin SVM has no solution');
      return;
    }
    if (opt.num[0] * p.query[0] + opt.num[1] * p.query[1] + opt.num[2] === 0)
      issue('query', `the new point (${p.query.join(', ')}) lies exactly on the decision boundary w·x + b = 0: its class is undefined`);
  });

export type SvmHardMarginParams = z.output<typeof paramsSchema>;
type Pt = SvmHardMarginParams['points'][number];

// ---------- exact solver (integer search, fraction answers) ----------

/**
 * The optimum as an integer-coefficient line: w = (num₀, num₁)/den, b = num₂/den with den > 0,
 * found from the candidate support set `basis` (2 or 3 point indices) with multipliers α.
 */
interface Optimum {
  basis: number[];
  num: [number, number, number];
  den: number;
  alpha: Fraction[];
}

const det3 = (m: number[][]): number => {
  const r0 = m[0]!;
  const r1 = m[1]!;
  const r2 = m[2]!;
  return r0[0]! * (r1[1]! * r2[2]! - r1[2]! * r2[1]!) - r0[1]! * (r1[0]! * r2[2]! - r1[2]! * r2[0]!) + r0[2]! * (r1[0]! * r2[1]! - r1[1]! * r2[0]!);
};

/** Adjugate of a 3×3 integer matrix (inverse × determinant). */
function adj3(m: number[][]): number[][] {
  const a = (i: number, j: number) => m[i]![j]!;
  const cof = (i: number, j: number) => {
    const rows = [0, 1, 2].filter((r) => r !== i);
    const cols = [0, 1, 2].filter((c) => c !== j);
    const v = a(rows[0]!, cols[0]!) * a(rows[1]!, cols[1]!) - a(rows[0]!, cols[1]!) * a(rows[1]!, cols[0]!);
    return (i + j) % 2 === 0 ? v : -v;
  };
  return [0, 1, 2].map((i) => [0, 1, 2].map((j) => cof(j, i)));
}

/** Every point satisfies y(w·x + b) ≥ 1, with w, b = num/den (den > 0). Integers only. */
function feasible(points: readonly Pt[], num: readonly number[], den: number): boolean {
  return points.every((pt) => pt.y * (num[0]! * pt.x[0] + num[1]! * pt.x[1] + num[2]!) >= den);
}

function findOptimum(points: readonly Pt[]): Optimum | undefined {
  const n = points.length;
  // Pairs (one point per class): w = 2d/‖d‖², d = x⁺ − x⁻, both α = 2/‖d‖² > 0.
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const pi = points[i]!;
      const pj = points[j]!;
      if (pi.y !== 1 || pj.y !== -1) continue;
      const d = [pi.x[0] - pj.x[0], pi.x[1] - pj.x[1]] as const;
      const dd = d[0] * d[0] + d[1] * d[1];
      // b = 1 − w·x⁺ = (‖d‖² − 2d·x⁺)/‖d‖²
      const num: [number, number, number] = [2 * d[0], 2 * d[1], dd - 2 * (d[0] * pi.x[0] + d[1] * pi.x[1])];
      if (feasible(points, num, dd)) return { basis: [i, j], num, den: dd, alpha: [q(2, dd), q(2, dd)] };
    }
  }
  // Triples with both classes: the three margin equations w·xᵢ + b = yᵢ (Cramer's rule).
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      for (let k = j + 1; k < n; k++) {
        const tri = [points[i]!, points[j]!, points[k]!];
        if (tri.every((t) => t.y === tri[0]!.y)) continue;
        const A = tri.map((t) => [t.x[0], t.x[1], 1]);
        const D = det3(A);
        if (D === 0) continue; // collinear: no unique line through the margin conditions
        const cramer = [0, 1, 2].map((c) => det3(A.map((row, r) => row.map((v, cc) => (cc === c ? tri[r]!.y : v)))));
        const s = Math.sign(D);
        const num = cramer.map((v) => s * v) as [number, number, number];
        const den = Math.abs(D);
        if (!feasible(points, num, den)) continue;
        // Dual multipliers: Σ βᵢxᵢ = w, Σ βᵢ = 0 with βᵢ = αᵢyᵢ; the matrix is Aᵀ, so β = adj(Aᵀ)(w, 0).
        const adjT = adj3(A.map((_, r) => A.map((row) => row[r]!)));
        const beta = adjT.map((row) => row[0]! * cramer[0]! + row[1]! * cramer[1]!); // × 1/D²
        if (beta.some((v, r) => tri[r]!.y * v < 0)) continue;
        return { basis: [i, j, k], num, den, alpha: beta.map((v, r) => q(tri[r]!.y * v, D * D)) };
      }
    }
  }
  return undefined;
}

const memo = new WeakMap<SvmHardMarginParams, Optimum>();

function optimum(p: SvmHardMarginParams): Optimum {
  let o = memo.get(p);
  if (!o) {
    o = findOptimum(p.points);
    if (!o) throw new Error('svm-hard-margin: data not linearly separable (params were not validated)');
    memo.set(p, o);
  }
  return o;
}

// ---------- formatting ----------

const MINUS = '−';
const fq = (x: Fraction) => fmtQ(x).replace('-', MINUS);
const fi = (x: number) => String(x).replace('-', MINUS);
const fpt = (x: readonly number[]) => `(${x.map(fi).join(', ')})`;
const fvec = (v: readonly Fraction[]) => `(${v.map(fq).join(', ')})`;
const fy = (y: number) => (y === 1 ? '+1' : `${MINUS}1`);
const fr = (r: Real) => fmtReal(r).replace('-', MINUS);
const SIDES = ['+1', `${MINUS}1`];

// ---------- solver with flaws (mutants) ----------

type FlawId = 'margin-one-over-norm' | 'margin-over-norm-squared' | 'b-sign' | 'nearest-points' | 'unscaled-w';

const FLAWS: Flaw<FlawId>[] = [
  {
    id: 'margin-one-over-norm',
    label: 'gave 1/‖w‖ (half the margin)',
    feedback: '1/‖w‖ is the distance from the boundary to one margin line; the margin width between w·x + b = +1 and −1 is 2/‖w‖.',
  },
  {
    id: 'margin-over-norm-squared',
    label: 'divided by ‖w‖² instead of ‖w‖',
    feedback: 'The distance between the parallel lines w·x + b = ±1 is |1 − (−1)|/‖w‖ = 2/‖w‖ — the norm, not its square.',
  },
  {
    id: 'b-sign',
    label: 'sign of b flipped',
    feedback: 'b solves w·x + b = +1 at a positive support vector: b = 1 − w·x⁺. Check one support vector after solving.',
  },
  {
    id: 'nearest-points',
    label: 'took only the nearest point of each class',
    feedback: 'The support vectors are all points with y(w·x + b) = 1, not just the closest opposite-class pair; a line through the midpoint of the nearest pair may violate other constraints.',
  },
  {
    id: 'unscaled-w',
    label: 'w not rescaled (direction right, scale wrong)',
    feedback: 'Any multiple of w gives the same line; the canonical w is scaled so that the support vectors satisfy y(w·x + b) = 1 exactly.',
  },
];

interface Core {
  w: [Fraction, Fraction];
  b: Fraction;
  sv: number[];
}

function exactCore(p: SvmHardMarginParams, o: Optimum): Core {
  const w: [Fraction, Fraction] = [q(o.num[0], o.den), q(o.num[1], o.den)];
  const b = q(o.num[2], o.den);
  const sv = p.points.flatMap((pt, i) => (pt.y * (o.num[0] * pt.x[0] + o.num[1] * pt.x[1] + o.num[2]) === o.den ? [i] : []));
  return { w, b, sv };
}

/** gcd of two non-negative bigints. */
function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

function solveWith(p: SvmHardMarginParams, flaw?: FlawId): Solution {
  const o = optimum(p);
  const right = exactCore(p, o);
  let { w, b, sv } = right;
  const steps: string[] = [];
  const name = (i: number) => p.points[i]!.label;
  const at = (i: number) => `${name(i)}${fpt(p.points[i]!.x)}`;

  if (flaw === 'nearest-points') {
    let best: [number, number] = [-1, -1];
    let bestD = Infinity;
    p.points.forEach((a, i) =>
      p.points.forEach((c, j) => {
        if (a.y !== 1 || c.y !== -1) return;
        const dd = (a.x[0] - c.x[0]) ** 2 + (a.x[1] - c.x[1]) ** 2;
        if (dd < bestD) [bestD, best] = [dd, [i, j]];
      }),
    );
    const [i, j] = best;
    const xp = p.points[i]!.x;
    const d = [xp[0] - p.points[j]!.x[0], xp[1] - p.points[j]!.x[1]];
    w = [q(2 * d[0]!, bestD), q(2 * d[1]!, bestD)];
    b = q(1).sub(w[0].mul(xp[0]).add(w[1].mul(xp[1])));
    sv = [i, j];
  }
  if (flaw === 'unscaled-w') {
    // The student keeps an integer normal: x⁺ − x⁻ for a pair, the primitive integer normal otherwise,
    // and puts the boundary halfway between the margin lines (the scale k multiplies b as well).
    let k: Fraction;
    if (o.basis.length === 2) {
      const xp = p.points[o.basis[0]!]!.x;
      const xm = p.points[o.basis[1]!]!.x;
      k = q((xp[0] - xm[0]) ** 2 + (xp[1] - xm[1]) ** 2, 2);
    } else {
      const l = w[0].d * w[1].d / gcd(w[0].d, w[1].d);
      const ints = [w[0].mul(q(l)), w[1].mul(q(l))].map((x) => (x.n === 0n ? 0n : x.n));
      const g = gcd(ints[0]!, ints[1]!);
      k = q(l, g);
    }
    w = [w[0].mul(k), w[1].mul(k)];
    b = b.mul(k);
  }
  if (flaw === 'b-sign') b = b.neg();

  const ww = w[0].mul(w[0]).add(w[1].mul(w[1]));
  const norm = sqrtQ(ww);
  const margin: Real =
    flaw === 'margin-one-over-norm' ? divReal(real(1), norm) : flaw === 'margin-over-norm-squared' ? real(q(2).div(ww)) : divReal(real(2), norm);
  const fQuery = w[0].mul(p.query[0]).add(w[1].mul(p.query[1])).add(b);
  const side = fQuery.s > 0n ? SIDES[0]! : SIDES[1]!;

  // ---- worked steps (for the right solution) ----
  if (!flaw) {
    const basis = o.basis;
    if (basis.length === 2) {
      const [i, j] = basis as [number, number];
      const xp = p.points[i]!.x;
      const xm = p.points[j]!.x;
      const d = [xp[0] - xm[0], xp[1] - xm[1]];
      const dd = d[0]! ** 2 + d[1]! ** 2;
      steps.push(`The optimal line is fixed by ${at(i)} (y = +1) and ${at(j)} (y = ${MINUS}1): it is the perpendicular bisector of ${name(i)}${name(j)}, and no other point comes closer to it.`);
      steps.push(`With two support vectors, w is parallel to x_${name(i)} − x_${name(j)} = ${fpt(d)}: w = λ·${fpt(d)}.`);
      steps.push(`Margin conditions: w·x_${name(i)} + b = +1 and w·x_${name(j)} + b = ${MINUS}1. Subtracting: λ·‖${fpt(d)}‖² = 2, so λ = 2/${dd}${q(2, dd).d === BigInt(dd) ? '' : ` = ${fq(q(2, dd))}`}.`);
      steps.push(`w = ${fvec(right.w)};  b = 1 − w·x_${name(i)} = 1 − (${fq(right.w[0].mul(xp[0]).add(right.w[1].mul(xp[1])))}) = ${fq(right.b)}.`);
      steps.push(`Dual check: α_${name(i)} = α_${name(j)} = λ = ${fq(o.alpha[0]!)} > 0, Σ αᵢyᵢ = 0, w = α(x_${name(i)} − x_${name(j)}) ✓.`);
    } else {
      const eqs = basis.map((i) => {
        const pt = p.points[i]!;
        return `${name(i)}: ${fi(pt.x[0])}·w₁ + ${fi(pt.x[1])}·w₂ + b = ${fy(pt.y)}`;
      });
      steps.push(`Support vectors ${basis.map(at).join(', ')}: both classes, and no pair alone gives a line that keeps every point outside the margin.`);
      steps.push(`Solve the margin equations w·x + b = y (i.e. y(w·x + b) = 1):  ${eqs.join(';  ')}.`);
      steps.push(`Solution: w = ${fvec(right.w)}, b = ${fq(right.b)}.`);
      steps.push(
        `Dual check: w = Σ αᵢyᵢxᵢ with Σ αᵢyᵢ = 0 gives ${basis.map((i, r) => `α_${name(i)} = ${fq(o.alpha[r]!)}`).join(', ')} — all > 0, so this is the optimum (KKT conditions hold).`,
      );
    }
    const margins = p.points.map((pt) => q(pt.y).mul(right.w[0].mul(pt.x[0]).add(right.w[1].mul(pt.x[1])).add(right.b)));
    steps.push(`Check every point, y(w·x + b): ${p.points.map((pt, i) => `${pt.label} ${fq(margins[i]!)}`).join(', ')} — all ≥ 1 ✓.`);
    const extra = right.sv.filter((i) => !basis.includes(i));
    steps.push(
      `Support vectors (y(w·x + b) = 1): ${right.sv.map(name).join(', ')}.${extra.length ? ` (${extra.map(name).join(', ')} lie${extra.length === 1 ? 's' : ''} on the margin with α = 0.)` : ''}`,
    );
    steps.push(`Margin width = 2/‖w‖ = 2/√${ww.d === 1n ? fq(ww) : `(${fq(ww)})`} = ${fr(margin)} ≈ ${fmtDecimal(realValue(margin), 3)}.`);
    steps.push(`New point ${fpt(p.query)}: w·x + b = ${fq(fQuery)} ${fQuery.s > 0n ? '> 0 → class +1' : `< 0 → class ${MINUS}1`}.`);
  }

  return {
    parts: [
      { id: 'w', label: 'w = (w₁, w₂)', answer: vector(w) },
      { id: 'b', label: 'b', answer: scalar(b) },
      { id: 'margin', label: 'margin width 2/‖w‖', answer: scalar(margin), decimals: 3, tolerance: { abs: 0.0005 } },
      { id: 'sv', label: 'support vectors', answer: labels(sv.map(name), p.points.map((pt) => pt.label)) },
      { id: 'side', label: `class of the new point ${fpt(p.query)}`, answer: choice(side, SIDES) },
    ],
    steps,
  };
}

// ---------- generation ----------

const DIRS: Record<Difficulty, [number, number][]> = {
  1: [[1, 0], [0, 1], [1, 1], [1, -1]],
  2: [[1, 0], [0, 1], [1, 1], [1, -1], [1, 2], [2, 1], [1, -2], [2, -1]],
  3: [[1, 1], [1, -1], [1, 0], [0, 1], [1, 2], [2, 1], [1, -2], [2, -1], [1, 3], [3, 1], [1, -3], [3, -1]],
};
const BOX: Record<Difficulty, [number, number]> = { 1: [0, 8], 2: [0, 9], 3: [-3, 9] };
const MAX_DEN: Record<Difficulty, number> = { 1: 2, 2: 4, 3: 5 };
const COUNT: Record<Difficulty, [number, number]> = { 1: [4, 5], 2: [5, 6], 3: [6, 8] };

interface Design {
  n: [number, number];
  kPlus: number;
  kMinus: number;
  points: { x: [number, number]; y: 1 | -1 }[];
  svCount: number;
}

function design(rng: Rng, difficulty: Difficulty): Design | undefined {
  const base = rng.pick(DIRS[difficulty]);
  const flip = rng.bool() ? 1 : -1;
  const n: [number, number] = [base[0] * flip, base[1] * flip];
  const nn = n[0] * n[0] + n[1] * n[1];
  const svCount = difficulty === 1 ? 2 : difficulty === 2 ? 3 : rng.bool(0.6) ? 3 : 2;
  // Gap Δ between the margin lines n·x = k⁻ and n·x = k⁺: w = 2n/Δ, b = −(k⁺ + k⁻)/Δ.
  const gaps = svCount === 2 ? [1, 2, 3, 4, 5].map((m) => m * nn).filter((g) => g <= 5) : [1, 2, 3, 4, 5, 6];
  if (gaps.length === 0) return undefined;
  const gap = rng.pick(gaps);
  const [lo, hi] = BOX[difficulty];
  const box: [number, number][] = [];
  for (let a = lo; a <= hi; a++) for (let c = lo; c <= hi; c++) box.push([a, c]);
  const dot = (x: readonly number[]) => n[0] * x[0]! + n[1] * x[1]!;
  const inBox = (x: readonly number[]) => x.every((v) => v >= lo && v <= hi);
  const t = [-n[1], n[0]]; // direction along the lines
  const along = (x: readonly number[]) => t[0]! * x[0]! + t[1]! * x[1]!;

  const first = rng.pick(box);
  const sv: { x: [number, number]; y: 1 | -1 }[] = [];
  let kPlus: number;
  if (svCount === 2) {
    kPlus = dot(first);
    const m = gap / nn;
    const other: [number, number] = [first[0] - m * n[0], first[1] - m * n[1]];
    if (!inBox(other)) return undefined;
    sv.push({ x: first, y: 1 }, { x: other, y: -1 });
  } else {
    // Two support vectors on one margin line, one on the other whose foot falls strictly between them.
    const doubleY: 1 | -1 = rng.bool() ? 1 : -1;
    kPlus = doubleY === 1 ? dot(first) : dot(first) + gap;
    const step = rng.int(1, difficulty === 2 ? 3 : 4);
    const second: [number, number] = [first[0] + step * t[0]!, first[1] + step * t[1]!];
    if (!inBox(second)) return undefined;
    const kSingle = doubleY === 1 ? kPlus - gap : kPlus;
    const lowA = Math.min(along(first), along(second));
    const highA = Math.max(along(first), along(second));
    const singles = box.filter((x) => dot(x) === kSingle && along(x) > lowA && along(x) < highA);
    if (singles.length === 0) return undefined;
    sv.push({ x: first, y: doubleY }, { x: second, y: doubleY }, { x: rng.pick(singles), y: doubleY === 1 ? -1 : 1 });
  }
  const kMinus = kPlus - gap;

  // The other points lie strictly outside the margin (so they cannot change the optimum);
  // nearby points are likelier, so the picture is not trivial.
  const total = rng.int(...COUNT[difficulty]);
  const pool = box
    .filter((x) => dot(x) > kPlus || dot(x) < kMinus)
    .map((x) => ({ x, y: (dot(x) > kPlus ? 1 : -1) as 1 | -1, dist: dot(x) > kPlus ? dot(x) - kPlus : kMinus - dot(x) }));
  const points = [...sv];
  for (let i = points.length; i < total; i++) {
    const need: 1 | -1 | undefined = points.filter((pt) => pt.y === 1).length < 2 ? 1 : points.filter((pt) => pt.y === -1).length < 2 ? -1 : undefined;
    const free = pool.filter((c) => (need === undefined || c.y === need) && !points.some((pt) => pt.x[0] === c.x[0] && pt.x[1] === c.x[1]));
    if (free.length === 0) return undefined;
    const pick = rng.weighted(free.map((c) => [c, 1 / (c.dist / nn + 1)] as const));
    points.push({ x: pick.x, y: pick.y });
  }
  return { n, kPlus, kMinus, points, svCount };
}

function pickQuery(rng: Rng, d: Design, difficulty: Difficulty): [number, number] | undefined {
  const [lo, hi] = BOX[difficulty];
  const dot = (x: readonly number[]) => d.n[0] * x[0]! + d.n[1] * x[1]!;
  const cands: [number, number][] = [];
  for (let a = lo; a <= hi; a++)
    for (let c = lo; c <= hi; c++)
      if (2 * dot([a, c]) !== d.kPlus + d.kMinus && !d.points.some((pt) => pt.x[0] === a && pt.x[1] === c)) cands.push([a, c]);
  // Harder questions ask about a point inside the margin band (classified by sign all the same).
  const inside = cands.filter(([a, c]) => dot([a, c]) > d.kMinus && dot([a, c]) < d.kPlus);
  if (difficulty === 3 && inside.length > 0 && rng.bool(0.6)) return rng.pick(inside);
  const near = cands.filter(([a, c]) => Math.abs(2 * dot([a, c]) - d.kPlus - d.kMinus) <= 3 * (d.kPlus - d.kMinus));
  return near.length > 0 ? rng.pick(near) : cands.length > 0 ? rng.pick(cands) : undefined;
}

function generate(rng: Rng, o: { difficulty: Difficulty }): SvmHardMarginParams {
  const difficulty = o.difficulty;
  for (let attempt = 0; attempt < 300; attempt++) {
    const r = rng.fork(attempt);
    const d = design(r.fork('design'), difficulty);
    if (!d) continue;
    const query = pickQuery(r.fork('query'), d, difficulty);
    if (!query) continue;
    const shuffled = r.fork('order').shuffle(d.points);
    const candidate = { points: shuffled.map((pt, i) => ({ label: String.fromCharCode(65 + i), x: pt.x, y: pt.y })), query };
    const parsed = paramsSchema.safeParse(candidate);
    if (!parsed.success) continue;
    const p = parsed.data;
    const opt = optimum(p);
    const core = exactCore(p, opt);
    // The designed lines must be the optimum, with exactly the designed support vectors, all α > 0.
    const gap = d.kPlus - d.kMinus;
    if (!core.w[0].equals(q(2 * d.n[0], gap)) || !core.w[1].equals(q(2 * d.n[1], gap)) || !core.b.equals(q(-(d.kPlus + d.kMinus), gap))) continue;
    if (core.sv.length !== d.svCount || opt.basis.length !== d.svCount || opt.alpha.some((a) => a.s <= 0n || a.n === 0n)) continue;
    if ([...core.w, core.b].some((x) => x.d > BigInt(MAX_DEN[difficulty]))) continue;
    if (core.w.some((x) => x.abs().compare(2) > 0)) continue; // |wᵢ| ≤ 2: margins not absurdly thin
    if (difficulty === 3 && (core.b.n === 0n || [...core.w, core.b].every((x) => x.d === 1n))) continue;
    return p;
  }
  throw new GenerationError('svm-hard-margin: no valid instance in 300 attempts');
}

// ---------- statement ----------

function statement(p: SvmHardMarginParams): Statement {
  return {
    text:
      `A hard-margin linear SVM is trained on the linearly separable data set below: ${p.points.length} points x = (x₁, x₂) with class labels y ∈ {+1, ${MINUS}1}. ` +
      `(a) Find the weight vector w = (w₁, w₂) and (b) the bias b of the maximum-margin separating line w·x + b = 0, scaled so that the support vectors satisfy y(w·x + b) = 1. ` +
      `(c) Compute the margin width 2/‖w‖ (the distance between the lines w·x + b = +1 and w·x + b = ${MINUS}1), to 3 decimal places. ` +
      `(d) Which points are support vectors? ` +
      `(e) How does the SVM classify the new point x = ${fpt(p.query)}?`,
    blocks: [{ kind: 'table', header: ['point', 'x₁', 'x₂', 'y'], rows: p.points.map((pt) => [pt.label, fi(pt.x[0]), fi(pt.x[1]), fy(pt.y)]) }],
    convention:
      'Hard-margin SVM: minimise ½‖w‖² subject to yᵢ(w·xᵢ + b) ≥ 1 for every point; w and b are in the canonical scaling where the support vectors ' +
      'satisfy y(w·x + b) = 1 exactly (support vectors = the points with y(w·x + b) = 1; a point on the margin may have α = 0). ' +
      `Decision rule: class = sign(w·x + b). Margin width = 2/‖w‖, the full distance between w·x + b = +1 and w·x + b = ${MINUS}1.`,
  };
}

// ---------- independent verification ----------

/**
 * Dual of the hard-margin SVM, min ½αᵀQα − Σα s.t. Σ αᵢyᵢ = 0, α ≥ 0 (Q = (yyᵀ)∘K), solved by SMO
 * with the maximal violating pair (LIBSVM's WSS1; no upper bound C). Float64; undefined if it stalls.
 */
function smoDual(Q: number[][], y: readonly number[], tol = 1e-11, maxIter = 20000): number[] | undefined {
  const n = y.length;
  const a = new Array<number>(n).fill(0);
  const G = new Array<number>(n).fill(-1); // gradient Qα − 1
  const Qa = (i: number, j: number) => Q[i]![j]!;
  for (let it = 0; it < maxIter; it++) {
    let i = -1;
    let j = -1;
    let gmax = -Infinity;
    let gmin = Infinity;
    for (let t = 0; t < n; t++) {
      const v = -y[t]! * G[t]!;
      if ((y[t] === 1 || a[t]! > 0) && v > gmax) [gmax, i] = [v, t]; // I_up
      if ((y[t] === -1 || a[t]! > 0) && v < gmin) [gmin, j] = [v, t]; // I_low
    }
    if (gmax - gmin < tol) return a;
    const oldI = a[i]!;
    const oldJ = a[j]!;
    if (y[i] !== y[j]) {
      const quad = Qa(i, i) + Qa(j, j) + 2 * Qa(i, j);
      const delta = (-G[i]! - G[j]!) / quad;
      const diff = oldI - oldJ;
      a[i] = oldI + delta;
      a[j] = oldJ + delta;
      if (diff > 0 ? a[j]! < 0 : a[i]! < 0) {
        if (diff > 0) [a[j], a[i]] = [0, diff];
        else [a[i], a[j]] = [0, -diff];
      }
    } else {
      const quad = Qa(i, i) + Qa(j, j) - 2 * Qa(i, j);
      const delta = (G[i]! - G[j]!) / quad;
      const sum = oldI + oldJ;
      a[i] = oldI - delta;
      a[j] = oldJ + delta;
      if (a[j]! < 0) [a[j], a[i]] = [0, sum];
      else if (a[i]! < 0) [a[i], a[j]] = [0, sum];
    }
    const dI = a[i]! - oldI;
    const dJ = a[j]! - oldJ;
    for (let t = 0; t < n; t++) G[t] = G[t]! + Qa(t, i) * dI + Qa(t, j) * dJ;
  }
  return undefined;
}

async function verify(p: SvmHardMarginParams, s: Solution, tf: TF): Promise<Check> {
  const n = p.points.length;
  const xs = p.points.map((pt) => [pt.x[0], pt.x[1]]);
  const ys = p.points.map((pt) => pt.y);
  const method =
    'dual QP solved by SMO (float64) on the tf.matMul kernel XXᵀ; w = Xᵀ(α∘y), b averaged over α > 0, margin 2/‖w‖ (tf.norm), ' +
    'support vectors where y(w·x + b) ≈ 1; KKT certificate of the exact (w, b) with tensors';
  const Q = take<number[][]>(tf.tidy(() => {
    const X = tf.tensor2d(xs, [n, 2]);
    const y = tf.tensor1d(ys);
    return tf.mul(tf.outerProduct(y, y), tf.matMul(X, X, false, true));
  }));
  const alpha = smoDual(Q, ys);
  if (!alpha) return compareParts(s, {}, `${method} — SMO did not converge`);

  const solW = s.parts.find((x) => x.id === 'w')?.answer;
  const solB = s.parts.find((x) => x.id === 'b')?.answer;
  const wS = solW?.kind === 'vector' ? solW.value.map(realValue) : [NaN, NaN];
  const bS = solB?.kind === 'scalar' ? realValue(solB.value) : NaN;

  const out = take<number[]>(tf.tidy(() => {
    const X = tf.tensor2d(xs, [n, 2]);
    const y = tf.tensor1d(ys);
    const a = tf.tensor1d(alpha);
    const w = tf.matMul(tf.mul(a, y).reshape([1, n]), X).reshape([2]); // Σ αᵢyᵢxᵢ
    const xw = tf.matMul(X, w.reshape([2, 1])).reshape([n]);
    const active = tf.cast(tf.greater(a, 1e-9), 'float32');
    const b = tf.div(tf.sum(tf.mul(active, tf.sub(y, xw))), tf.sum(active));
    const scores = tf.mul(y, tf.add(xw, b));
    const margin = tf.div(2, tf.norm(w));
    const fNew = tf.add(tf.sum(tf.mul(w, tf.tensor1d(p.query))), b);
    // KKT certificate of the solver's (w, b): primal feasibility, stationarity w = Σ αyx with the
    // SMO multipliers (α ≥ 0, Σαy = 0 hold by construction), complementary slackness α·(y f − 1) = 0.
    const wSol = tf.tensor1d(wS);
    const solScores = tf.mul(y, tf.add(tf.matMul(X, wSol.reshape([2, 1])).reshape([n]), bS));
    const minScore = tf.min(solScores);
    const stationarity = tf.norm(tf.sub(wSol, w));
    const slackness = tf.sum(tf.mul(a, tf.abs(tf.sub(solScores, 1))));
    const balance = tf.abs(tf.sum(tf.mul(a, y)));
    return tf.concat([w, tf.stack([b, margin, fNew, minScore, stationarity, slackness, balance]), scores]);
  }));
  const [w0, w1, b, margin, fQuery, minScore, stationarity, slackness, balance] = out;
  const scores = out.slice(9);
  const sv = p.points.filter((_, i) => Math.abs(scores[i]! - 1) < 1e-4).map((pt) => pt.label);
  const check = compareParts(s, { w: [w0!, w1!], b: b!, margin: margin!, sv, side: fQuery! > 0 ? SIDES[0]! : SIDES[1]! }, method);
  const why = [
    minScore! < 1 - 1e-4 ? `a point violates y(w·x + b) ≥ 1 (min ${minScore})` : '',
    !(stationarity! < 1e-4) ? `w ≠ Σ αᵢyᵢxᵢ (off by ${stationarity})` : '',
    !(slackness! < 1e-4) ? `α > 0 on a point off the margin (Σ α|y f − 1| = ${slackness})` : '',
    !(balance! < 1e-6) ? `Σ αᵢyᵢ = ${balance}` : '',
  ].filter(Boolean);
  if (why.length === 0) return check;
  const note = `KKT certificate failed: ${why.join('; ')}`;
  return { ...check, ok: false, parts: check.parts.map((pc) => (pc.id === 'w' || pc.id === 'b' ? { ...pc, ok: false, note } : pc)) };
}

// ---------- the family ----------

export const svmHardMargin: Family<SvmHardMarginParams> = {
  id: 'svm-hard-margin',
  title: 'Hard-margin SVM on a small 2-D data set',
  topic: 'svm',
  description: 'Weight vector, bias, margin width 2/‖w‖, support vectors and the class of a new point for a hard-margin linear SVM on 4–8 labelled 2-D points.',
  params: paramsSchema,
  answerKinds: ['vector', 'scalar', 'labels', 'choice'],
  generate,
  statement,
  verify,
  ...mutantSolver(solveWith, FLAWS),
};
