/**
 * Scaled dot-product attention for tiny Q, K, V (one token per row): scores S = QKᵀ/√d_k (or QKᵀ
 * for unscaled dot-product attention), weights A = softmax(S) along each row (over the keys) with an
 * optional causal or padding mask (−∞ before the softmax), output O = A·V.
 *
 * Exactness. Softmax is transcendental: e^x is irrational for every rational x ≠ 0, so a weight is a
 * fraction only when all unmasked scores of its row are equal (uniform weights 1/m, or a single
 * unmasked key = 1). The family has two modes, and the question text says which:
 *  - `round: false` — every row is like that (the schema rejects anything else): S, A and O are
 *    exact fractions.
 *  - `round: true` — the question asks for the weights rounded to 3 decimals and for O computed
 *    from those rounded weights, and says so. The answer for A *is* the correctly rounded value
 *    (k/1000), certified: e^x is evaluated in float64 (error ~1e-16) and an instance whose weight lies
 *    within 2·10⁻⁶ of a rounding boundary is rejected, so the rounding cannot go the other way. O is
 *    then exact (rounded weights × integer V). Tolerances: A ±0.0015 (one unit in the last place),
 *    O ±(0.0005·Σ|v| + 0.0005) so that O from unrounded weights is accepted too.
 * S is always exact (d_k ∈ {1, 4} gives rationals; d_k = 2, 3 give surds q·√d_k, printed to 3 d.p.).
 *
 * verify(): tf.matMul(Q, K, false, true), tf.div by tf.sqrt(d_k), −10⁹ added to masked entries,
 * tf.softmax (last axis), tf.matMul with V (with the weights rounded in JS first in `round` mode).
 */
import type { Tensor2D } from '@tensorflow/tfjs';
import { z } from 'zod';
import { matrix, type Part, type Solution } from '../core/answer.js';
import { GenerationError } from '../core/errors.js';
import { divReal, fmtQ, fmtReal, isRational, q, real, realEquals, realValue, sqrtQ, sum, ZERO, type Fraction, type Real } from '../core/exact.js';
import type { Rng } from '../core/rng.js';
import type { TF } from '../verify/tensor.js';
import { compareParts } from '../verify/tensor.js';
import { mutantSolver, type Flaw } from './mutants.js';
import type { Block, Difficulty, Family, Statement } from './types.js';

const intMatrix = (lo: number, hi: number) => z.array(z.array(z.int().min(lo).max(hi)).min(1).max(4)).min(1).max(4);

const MASKS = ['none', 'causal', 'padding'] as const;
type Mask = (typeof MASKS)[number];

/** A rounded weight must lie at least this far from a rounding boundary (k + ½)/1000. */
const MARGIN = 2e-6;

const paramsSchema = z
  .object({
    /** Queries, one per row: n_q × d_k. */
    q: intMatrix(-5, 5),
    /** Keys, one per row: n_k × d_k. */
    k: intMatrix(-5, 5),
    /** Values, one per row: n_k × d_v. */
    v: intMatrix(-9, 9),
    /** true: scores QKᵀ/√d_k (Vaswani et al.); false: plain dot-product scores QKᵀ (Luong, Keras Attention). */
    scaled: z.boolean().default(true),
    mask: z.enum(MASKS).default('none'),
    /** mask 'padding': the masked key positions, 1-based. */
    padded: z.array(z.int().min(1).max(4)).optional(),
    /** false: all weights exact (uniform rows); true: weights to 3 decimals, O from the rounded weights. */
    round: z.boolean().default(false),
  })
  .superRefine((p, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    const rect = (m: number[][]) => m.length > 0 && m.every((r) => r.length === m[0]!.length);
    if (!rect(p.q)) issue('q', 'every row of Q must have the same length d_k');
    if (!rect(p.k)) issue('k', 'every row of K must have the same length d_k');
    if (!rect(p.v)) issue('v', 'every row of V must have the same length d_v');
    if (!rect(p.q) || !rect(p.k) || !rect(p.v)) return;
    if (p.q[0]!.length !== p.k[0]!.length) return issue('k', `K has rows of length ${p.k[0]!.length} but Q has d_k = ${p.q[0]!.length}: queries and keys must have the same dimension`);
    if (p.v.length !== p.k.length) return issue('v', `V must have one row per key (${p.k.length}), got ${p.v.length}`);
    if (p.mask === 'causal' && p.q.length !== p.k.length) return issue('mask', 'a causal mask needs as many queries as keys (self-attention)');
    if (p.mask === 'padding') {
      if (!p.padded || p.padded.length === 0) return issue('padded', "mask 'padding' needs the list of padded key positions");
      if (p.padded.some((j) => j > p.k.length)) return issue('padded', `padded positions must be between 1 and ${p.k.length} (the number of keys)`);
      if (new Set(p.padded).size !== p.padded.length) return issue('padded', 'padded positions must be distinct');
      if (p.padded.length >= p.k.length) return issue('padded', 'at least one key must stay unmasked');
    } else if (p.padded !== undefined) return issue('padded', "padded positions are only used with mask 'padding'");
    const dots = dotMatrix(p.q, p.k);
    const vis = visibility(p, p.q.length, p.k.length);
    if (!p.round) {
      const bad = dots.findIndex((row, i) => !rowUniform(row, vis[i]!));
      if (bad >= 0)
        issue('round', `row ${bad + 1} of the scores has unequal unmasked entries, so its softmax weights are irrational: use round: true (weights to 3 decimals) or change Q/K`);
    } else {
      const scores = scoreMatrix(p);
      scores.forEach((row, i) => {
        const w = softmaxFloat(row.map(realValue), vis[i]!);
        w.forEach((x, j) => {
          if (!vis[i]![j]) return;
          const f = x * 1000 - Math.floor(x * 1000);
          if (Math.abs(f - 0.5) < MARGIN * 1000)
            issue('round', `the weight A_${i + 1}${j + 1} ≈ ${x.toFixed(7)} lies on a rounding boundary for 3 decimals: its rounded value is ambiguous; change Q or K`);
        });
      });
    }
  });

export type AttentionParams = z.output<typeof paramsSchema>;

// ---------- shared small helpers (exact side) ----------

function dotMatrix(a: number[][], b: number[][]): number[][] {
  return a.map((x) => b.map((y) => x.reduce((acc, xi, t) => acc + xi * y[t]!, 0)));
}

function visibility(p: Pick<AttentionParams, 'mask' | 'padded'>, nq: number, nk: number): boolean[][] {
  return Array.from({ length: nq }, (_, i) =>
    Array.from({ length: nk }, (_, j) => (p.mask === 'causal' ? j <= i : p.mask === 'padding' ? !(p.padded ?? []).includes(j + 1) : true)),
  );
}

function rowUniform(row: readonly number[], vis: readonly boolean[]): boolean {
  const seen = row.filter((_, j) => vis[j]);
  return seen.every((x) => x === seen[0]);
}

/** The scale √d_k as a Real (1 when unscaled). */
function scaleOf(p: AttentionParams, flaw?: FlawId): Real {
  const dk = p.q[0]!.length;
  if (!p.scaled || flaw === 'no-scale') return real(1);
  if (flaw === 'scale-by-dk') return real(dk);
  return sqrtQ(q(dk));
}

function scoreMatrix(p: AttentionParams, flaw?: FlawId): Real[][] {
  const dots = flaw === 'qt-k' ? dotMatrix(transpose(p.q), transpose(p.k)) : flaw === 'transposed-scores' ? dotMatrix(p.k, p.q) : dotMatrix(p.q, p.k);
  const sc = scaleOf(p, flaw);
  return dots.map((row) => row.map((d) => divReal(real(d), sc)));
}

function transpose(m: number[][]): number[][] {
  return m[0]!.map((_, j) => m.map((r) => r[j]!));
}

/** Softmax over the visible entries of one row, in float64 (masked entries get weight 0). */
function softmaxFloat(row: readonly number[], vis: readonly boolean[]): number[] {
  const m = Math.max(...row.filter((_, j) => vis[j]));
  const e = row.map((x, j) => (vis[j] ? Math.exp(x - m) : 0));
  const total = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / total);
}

const round3 = (x: number): Fraction => q(Math.round(x * 1000), 1000);
/** "0.507" for a k/1000 fraction. */
const dec3 = (x: Fraction) => (Number(x.s * x.n) / Number(x.d)).toFixed(3);
const dec4 = (x: number) => x.toFixed(4);

// ---------- solver (with mutant switches) ----------

type FlawId = 'no-scale' | 'scale-by-dk' | 'softmax-columns' | 'output-from-k' | 'qt-k' | 'transposed-scores' | 'mask-after-softmax' | 'mask-zero';

const FLAWS: Flaw<FlawId>[] = [
  { id: 'no-scale', label: 'forgot the 1/√d_k scaling', feedback: 'Scaled dot-product attention divides every score q·k by √d_k before the softmax.' },
  { id: 'scale-by-dk', label: 'divided by d_k instead of √d_k', feedback: 'The scale is 1/√d_k (the standard deviation of q·k for unit-variance entries), not 1/d_k.' },
  { id: 'softmax-columns', label: 'took the softmax over the wrong axis (columns)', feedback: 'Each query distributes its attention over the keys: the softmax runs along each row of S, so every row of A sums to 1.' },
  { id: 'output-from-k', label: 'multiplied the weights by K instead of V', feedback: 'The output mixes the value vectors: O = A·V. The keys are only used for the scores.' },
  { id: 'qt-k', label: 'computed QᵀK instead of QKᵀ', feedback: 'Entry (i, j) of the score matrix is the dot product of query row i with key row j: S = QKᵀ (n_q × n_k), not QᵀK.' },
  { id: 'transposed-scores', label: 'computed KQᵀ (scores transposed)', feedback: 'Rows of S belong to queries and columns to keys: S = QKᵀ, not KQᵀ.' },
  { id: 'mask-after-softmax', label: 'applied the mask after the softmax', feedback: 'Masked scores are set to −∞ before the softmax, so the remaining weights of the row still sum to 1; zeroing weights afterwards leaves rows that do not sum to 1.' },
  { id: 'mask-zero', label: 'set masked scores to 0 instead of −∞', feedback: 'A score of 0 still gets weight e⁰/Σ > 0; masking uses −∞ so that e^(−∞) = 0.' },
];

interface Solved {
  scores: Real[][];
  weights: Fraction[][];
  /** Per row: true if the weights are exact fractions (uniform over the unmasked keys). */
  exactRow: boolean[];
  /** Unrounded float weights and e^{S − max} per row (for the worked steps; expS is empty for a mutant). */
  floatW: number[][];
  expS: number[][];
  output: Fraction[][];
}

function compute(p: AttentionParams, flaw?: FlawId): Solved | undefined {
  const nq = p.q.length;
  const nk = p.k.length;
  if (flaw === 'transposed-scores' && nq !== nk) return undefined;
  const scores = scoreMatrix(p, flaw);
  let vis = visibility(p, scores.length, scores[0]!.length);
  // Mask-flaws: the softmax sees every entry (masked ones as they are, or as 0).
  const noMaskInSoftmax = p.mask !== 'none' && (flaw === 'mask-after-softmax' || flaw === 'mask-zero');
  const zeroMasked = p.mask !== 'none' && flaw === 'mask-zero';
  const values = scores.map((row, i) => row.map((s, j) => (zeroMasked && !vis[i]![j] ? real(0) : s)));
  if (noMaskInSoftmax) vis = vis.map((r) => r.map(() => true));
  const byCols = flaw === 'softmax-columns';
  const lines = byCols ? transposeAny(values) : values;
  const visL = byCols ? transposeAny(vis) : vis;
  if (visL.some((r) => !r.some(Boolean))) return undefined; // a fully masked column: the mutant is undefined
  const exactRow: boolean[] = [];
  const floatW: number[][] = [];
  const expS: number[][] = [];
  // Mutants only need answers: they skip what only the worked steps use (`text` guards it).
  const text = flaw === undefined;
  let weightsL: Fraction[][] = lines.map((row, i) => {
    // Equal visible scores (tested exactly) → weights 1/m exactly; otherwise the 3-decimal rounding
    // (the right solution only gets here in round mode; a mutant's wrong answer may, in either mode).
    const seen = row.filter((_, j) => visL[i]![j]);
    const uniform = seen.every((x) => realEquals(x, seen[0]!));
    const f = softmaxFloat(row.map(realValue), visL[i]!);
    if (text) {
      const m = Math.max(...row.filter((_, j) => visL[i]![j]).map(realValue));
      expS.push(row.map((x, j) => (visL[i]![j] ? Math.exp(realValue(x) - m) : 0)));
    }
    floatW.push(f);
    exactRow.push(uniform);
    const w = uniform ? row.map((_, j) => (visL[i]![j] ? q(1, seen.length) : ZERO)) : f.map(round3);
    return p.round ? w.map((x) => round3(x.valueOf())) : w;
  });
  if (byCols) weightsL = transposeAny(weightsL);
  let weights = weightsL;
  if (p.mask !== 'none' && flaw === 'mask-after-softmax') {
    const trueVis = visibility(p, nq, nk);
    weights = weights.map((r, i) => r.map((x, j) => (trueVis[i]![j] ? x : ZERO)));
  }
  const right = flaw === 'output-from-k' ? p.k : p.v;
  const output = weights.map((w) => right[0]!.map((_, c) => sum(w.map((x, j) => x.mul(q(right[j]![c]!))))));
  return { scores, weights, exactRow, floatW, expS, output };
}

function transposeAny<T>(m: T[][]): T[][] {
  return m[0]!.map((_, j) => m.map((r) => r[j]!));
}

const fmtRow = (xs: readonly string[]) => `[${xs.join(', ')}]`;
const paren = (s: string) => (s.startsWith('-') ? `(${s})` : s);

function solveWith(p: AttentionParams, flaw?: FlawId): Solution | undefined {
  if (flaw === 'qt-k') {
    // QᵀK (d_k × d_k) only exists when n_q = n_k; only the score part has a comparable wrong answer.
    if (p.q.length !== p.k.length) return undefined;
    return { parts: [{ id: 'scores', label: 'QᵀK/√d_k', answer: matrix(scoreMatrix(p, flaw)) }], steps: [] };
  }
  const r = compute(p, flaw);
  if (!r) return undefined;
  const dk = p.q[0]!.length;
  const scaled = p.scaled;
  const irrationalScores = r.scores.some((row) => row.some((x) => !isRational(x)));
  const vAbs = Math.max(...p.v[0]!.map((_, c) => p.v.reduce((acc, row) => acc + Math.abs(row[c]!), 0)));
  const parts: Part[] = [
    {
      id: 'scores',
      label: scaled ? 'Scaled scores S = QKᵀ/√d_k (before masking)' : 'Scores S = QKᵀ (before masking)',
      answer: matrix(r.scores),
      ...(irrationalScores ? { decimals: 3, tolerance: { abs: 0.0015 } } : {}),
    },
    {
      id: 'weights',
      label: p.round ? 'Attention weights A = softmax(S) by rows, rounded to 3 decimals' : 'Attention weights A = softmax(S) by rows',
      answer: matrix(r.weights),
      ...(p.round ? { decimals: 3, tolerance: { abs: 0.0015 }, rounded: {} } : {}),
    },
    {
      id: 'output',
      label: p.round ? 'Output O = A·V (with the rounded weights)' : 'Output O = A·V',
      answer: matrix(r.output),
      ...(p.round ? { decimals: 3, tolerance: { abs: Math.ceil((0.0005 * vAbs + 0.0005) * 1e4) / 1e4 } } : {}),
    },
  ];
  // Worked steps for the right solution only (a mutant only contributes its answers).
  if (flaw) return { parts, steps: [] };
  const vis = visibility(p, p.q.length, p.k.length);
  const scaleText = fmtReal(sqrtQ(q(dk)));
  const steps: string[] = [];
  const dots = dotMatrix(p.q, p.k);
  steps.push(
    `Dot products q_i·k_j (row i = query, column j = key): QKᵀ = ${fmtRow(dots.map((row) => fmtRow(row.map(String))))}.`,
  );
  if (scaled) steps.push(`Scale by 1/√d_k = 1/√${dk}${dk === 4 || dk === 1 ? ` = 1/${scaleText}` : ''}: S = ${fmtRow(r.scores.map((row) => fmtRow(row.map(fmtReal))))}.`);
  else steps.push('Unscaled dot-product attention: S = QKᵀ.');
  if (p.mask === 'causal') steps.push('Causal mask: S_ij = −∞ for j > i (query i sees keys 1…i), so those weights are 0.');
  if (p.mask === 'padding') steps.push(`Padding mask: key${p.padded!.length > 1 ? 's' : ''} ${p.padded!.join(', ')} get${p.padded!.length > 1 ? '' : 's'} score −∞ in every row, so weight 0.`);
  r.weights.forEach((w, i) => {
    const seen = vis[i]!.filter(Boolean).length;
    if (r.exactRow[i]) {
      const s = r.scores[i]!.find((_, j) => vis[i]![j])!;
      const text = seen === 1 ? `only one unmasked key → weight 1` : `all ${seen} unmasked scores equal ${fmtReal(s)} → each gets e^s/(${seen}·e^s) = 1/${seen}`;
      steps.push(`Row ${i + 1}: ${text}; A_${i + 1} = ${fmtRow(w.map((x) => (p.round ? dec3(x) : fmtQ(x))))}.`);
    } else {
      const e = r.expS[i]!;
      const total = e.reduce((a, b) => a + b, 0);
      steps.push(
        `Row ${i + 1}: e^(S_${i + 1}j − max) = ${fmtRow(e.map((x, j) => (vis[i]![j] ? dec4(x) : '0')))}, sum ${dec4(total)} → A_${i + 1} = ${fmtRow(r.floatW[i]!.map((x) => x.toFixed(5)))} ≈ ${fmtRow(w.map(dec3))}.`,
      );
    }
  });
  const fmtW = (x: Fraction) => (p.round ? dec3(x) : fmtQ(x));
  r.output.forEach((o, i) => {
    const terms = r.weights[i]!.map((x, j) => ({ x, j })).filter((t) => t.x.n !== 0n);
    const lin = terms.map((t) => `${paren(fmtW(t.x))}·${fmtRow(p.v[t.j]!.map(String))}`).join(' + ');
    steps.push(`O_${i + 1} = ${lin} = ${fmtRow(o.map((x) => (p.round ? dec3(x) : fmtQ(x))))}.`);
  });
  return { parts, steps };
}

// ---------- generation ----------

interface Shape {
  nq: number;
  nk: number;
  dk: number;
  dv: number;
  scaled: boolean;
  mask: Mask;
  padded?: number[];
  round: boolean;
}

function pickShape(rng: Rng, difficulty: Difficulty): Shape {
  const round = difficulty === 1 ? false : rng.bool(difficulty === 2 ? 0.75 : 0.8);
  const mask: Mask = rng.weighted<Mask>(
    difficulty === 1
      ? [['none', 3], ['padding', 2], ['causal', 5]]
      : difficulty === 2
        ? [['none', 2], ['padding', 1], ['causal', 1]]
        : [['none', 1], ['padding', 1], ['causal', 2]],
  );
  let scaled = true;
  let dk: number;
  if (difficulty === 1) {
    scaled = rng.bool(0.5);
    dk = scaled ? 4 : rng.pick([2, 3]);
  } else if (difficulty === 2) {
    dk = round ? rng.pick([1, 1, 4, 4, 4]) : 4;
  } else dk = 4;
  if (difficulty === 2 && round && dk === 1 && rng.bool(0.3)) scaled = false;
  const nk = difficulty === 3 ? rng.pick([3, 3, 2]) : rng.pick([2, 3]);
  const nq = mask === 'causal' ? nk : rng.pick([2, 3]);
  const dv = rng.pick([1, 2, 2, 2, 3]);
  const padded = mask === 'padding' ? [nk] : undefined; // trailing padding, as real batches have
  return { nq, nk, dk, dv, scaled, mask, ...(padded ? { padded } : {}), round };
}

const randRow = (rng: Rng, n: number, lo: number, hi: number) => Array.from({ length: n }, () => rng.int(lo, hi));

/** All integer vectors in [lo, hi]^n (n ≤ 4, so at most 9⁴ entries). */
function allVectors(n: number, lo: number, hi: number): number[][] {
  let out: number[][] = [[]];
  for (let t = 0; t < n; t++) out = out.flatMap((v) => Array.from({ length: hi - lo + 1 }, (_, i) => [...v, lo + i]));
  return out;
}

function candidate(rng: Rng, difficulty: Difficulty): AttentionParams | undefined {
  const s = pickShape(rng.fork('shape'), difficulty);
  const range = s.dk === 1 ? 3 : s.dk === 4 ? 1 : 2;
  const k = Array.from({ length: s.nk }, (_, j) => randRow(rng.fork(`k${j}`), s.dk, -range, range));
  const vis = visibility(s, s.nq, s.nk);
  let qm: number[][];
  if (s.round) qm = Array.from({ length: s.nq }, (_, i) => randRow(rng.fork(`q${i}`), s.dk, -range, range));
  else {
    // Exact mode: each query must give equal scores to the keys it sees. Pick among all small
    // non-zero vectors that do (q ⊥ the differences of those keys).
    const pool = allVectors(s.dk, -2, 2).filter((x) => x.some((t) => t !== 0));
    qm = [];
    for (let i = 0; i < s.nq; i++) {
      const seen = k.filter((_, j) => vis[i]![j]);
      const fits = pool.filter((x) => {
        const d = seen.map((y) => x.reduce((a, xi, t) => a + xi * y[t]!, 0));
        return d.every((v) => v === d[0]);
      });
      if (fits.length === 0) return undefined;
      qm.push(rng.fork(`q${i}`).pick(fits));
    }
  }
  const v = Array.from({ length: s.nk }, (_, j) => randRow(rng.fork(`v${j}`), s.dv, -3, 3));
  return { q: qm, k, v, scaled: s.scaled, mask: s.mask, ...(s.padded ? { padded: s.padded } : {}), round: s.round };
}

/** "Nice": informative rows, weights neither tiny nor ambiguous, distinct values. */
function nice(p: AttentionParams): boolean {
  const nq = p.q.length;
  const nk = p.k.length;
  const vis = visibility(p, nq, nk);
  const dots = dotMatrix(p.q, p.k);
  if (dots.every((row, i) => row.every((d, j) => !vis[i]![j] || d === 0))) return false;
  if (new Set(p.v.map((r) => r.join(','))).size < nk) return false; // identical values hide the weights
  if (p.v.every((r) => r.every((x) => x === 0))) return false;
  if (p.v[0]!.length > 1 && p.v.every((r) => r.every((x) => x === r[0]))) return false; // identical columns of V
  if (new Set(p.k.map((r) => r.join(','))).size < nk) return false;
  if (new Set(p.q.map((r) => r.join(','))).size < nq) return false;
  const scores = scoreMatrix(p).map((row) => row.map(realValue));
  if (p.round) {
    // At least one row with unequal visible scores, spread ≤ 3, every visible weight ≥ 0.02.
    if (dots.every((row, i) => rowUniform(row, vis[i]!))) return false;
    for (let i = 0; i < nq; i++) {
      const seen = scores[i]!.filter((_, j) => vis[i]![j]);
      if (Math.max(...seen) - Math.min(...seen) > 3) return false;
      if (softmaxFloat(scores[i]!, vis[i]!).some((w, j) => vis[i]![j] && w < 0.02)) return false;
    }
    if (Math.max(...scores.flat().map(Math.abs)) > 4) return false;
  } else {
    // Some row must really average (≥ 2 visible keys).
    if (!vis.some((r) => r.filter(Boolean).length >= 2)) return false;
  }
  return true;
}

function generate(rng: Rng, o: { difficulty: Difficulty }): AttentionParams {
  for (let attempt = 0; attempt < 300; attempt++) {
    const c = candidate(rng.fork(attempt), o.difficulty);
    if (!c) continue;
    const parsed = paramsSchema.safeParse(c);
    if (!parsed.success) continue;
    if (!nice(parsed.data)) continue;
    return parsed.data;
  }
  throw new GenerationError('attention: no valid instance in 300 attempts');
}

// ---------- statement ----------

function statement(p: AttentionParams): Statement {
  const dk = p.q[0]!.length;
  const toReal = (m: number[][]) => m.map((r) => r.map((x) => real(x)));
  const blocks: Block[] = [
    { kind: 'matrix', name: 'Q', value: toReal(p.q) },
    { kind: 'matrix', name: 'K', value: toReal(p.k) },
    { kind: 'matrix', name: 'V', value: toReal(p.v) },
  ];
  const formula = p.scaled ? 'Attention(Q, K, V) = softmax(QKᵀ/√d_k)·V' : 'Attention(Q, K, V) = softmax(QKᵀ)·V (dot-product attention, no scaling)';
  const maskText =
    p.mask === 'causal'
      ? ' A causal mask is used: query i may only attend to keys j ≤ i (the scores of later keys are set to −∞ before the softmax).'
      : p.mask === 'padding'
        ? ` Key position${p.padded!.length > 1 ? 's' : ''} ${p.padded!.join(', ')} ${p.padded!.length > 1 ? 'are' : 'is'} padding and masked for every query (score set to −∞ before the softmax).`
        : '';
  const roundText = p.round
    ? ' (b) the attention weights A = softmax(S), rounded to 3 decimals; (c) the output O = A·V, computed with your rounded weights from (b).'
    : ' (b) the attention weights A = softmax(S); (c) the output O = A·V. Give exact values (fractions).';
  return {
    text:
      `Compute ${p.scaled ? 'scaled dot-product' : 'dot-product'} attention ${formula} for the queries Q, keys K and values V below (one token per row; d_k = ${dk}).` +
      maskText +
      ` Give (a) the ${p.scaled ? 'scaled ' : ''}scores S = ${p.scaled ? 'QKᵀ/√d_k' : 'QKᵀ'} (before any masking);` +
      roundText,
    blocks,
    convention:
      (p.scaled
        ? 'Vaswani et al. (2017) / PyTorch scaled_dot_product_attention: scores QKᵀ/√d_k'
        : 'Luong dot-product attention (the Keras Attention layer with its default use_scale=False): scores QKᵀ without scaling') +
      '; rows of Q, K, V are tokens; the softmax runs along each row (over the keys), so every row of A sums to 1' +
      (p.mask !== 'none' ? '; masked positions get score −∞ before the softmax (weight 0)' : '') +
      '.',
  };
}

// ---------- verification ----------

async function verify(p: AttentionParams, s: Solution, tf: TF) {
  const dk = p.q[0]!.length;
  const nq = p.q.length;
  const nk = p.k.length;
  const maskBits = Array.from({ length: nq }, (_, i) =>
    Array.from({ length: nk }, (_, j) => (p.mask === 'causal' ? (j > i ? 1 : 0) : p.mask === 'padding' && p.padded!.includes(j + 1) ? 1 : 0)),
  );
  const got = tf.tidy(() => {
    const Q = tf.tensor2d(p.q, undefined, 'float32');
    const K = tf.tensor2d(p.k, undefined, 'float32');
    const V = tf.tensor2d(p.v, undefined, 'float32');
    const raw = tf.matMul(Q, K, false, true);
    const S = p.scaled ? tf.div(raw, tf.sqrt(tf.scalar(dk))) : raw;
    const masked = tf.add(S, tf.mul(tf.tensor2d(maskBits), tf.scalar(-1e9)));
    const A = tf.softmax(masked) as Tensor2D; // last axis = over the keys
    let weights = A.arraySync();
    // Round mode: the question fixes A as the 3-decimal rounding, and O as computed from it.
    if (p.round) weights = weights.map((r) => r.map((x) => Math.round(x * 1000) / 1000));
    const O = tf.matMul(p.round ? tf.tensor2d(weights) : A, V);
    return { scores: S.arraySync() as number[][], weights, output: O.arraySync() as number[][] };
  });
  return compareParts(s, got, `tf.matMul(Q, K, false, true)${p.scaled ? ' / tf.sqrt(d_k)' : ''}${p.mask !== 'none' ? ' + (−1e9 on masked entries)' : ''}, tf.softmax, tf.matMul(A, V)${p.round ? ' with A rounded to 3 decimals' : ''}`);
}

export const attention: Family<AttentionParams> = {
  id: 'attention',
  title: 'Scaled dot-product attention',
  topic: 'attention',
  description: 'Scores QKᵀ/√d_k, softmax attention weights (optionally causal or padding mask) and output A·V for tiny Q, K, V.',
  params: paramsSchema,
  answerKinds: ['matrix'],
  generate,
  statement,
  verify,
  ...mutantSolver(solveWith, FLAWS),
};
