/**
 * Batch normalisation (training mode: batch statistics; inference mode: given running statistics)
 * and layer normalisation on a small matrix X (rows = examples, columns = features):
 * mean μ, biased variance σ² (CONVENTIONS.md #10), x̂ = (x − μ)/√(σ² + ε) and y = γ·x̂ + β with a
 * per-feature γ, β. ε = 0 unless a pinned instance states 10⁻³ (Keras) or 10⁻⁵ (PyTorch).
 *
 * Exactness: μ and σ² are fractions; √(σ² + ε) and x̂ are single surds and y = γx̂ + β a rational
 * plus a surd (Real). Difficulty 1 draws data whose variances are perfect squares, so every answer
 * is rational; elsewhere irrational answers carry 2 decimals and a tolerance.
 *
 * verify(): tf.moments along the right axis (0 for batch norm, 1 for layer norm), x̂ by tf.batchNorm
 * (batch norm) or tf ops (layer norm — tfjs 4.22's CPU batchNorm mis-broadcasts a per-row [n, 1]
 * mean), and y from real layers with their weights set: tf.layers.batchNormalization applied with
 * training = true / false, tf.layers.layerNormalization. Nothing is shared with the exact solver.
 */
import { z } from 'zod';
import { matrix, vector, type Part, type Solution } from '../core/answer.js';
import { GenerationError } from '../core/errors.js';
import { addQ, divReal, fmtDecimal, fmtQ, fmtReal, isRational, mulQ, q, real, realValue, sqrtQ, sum, type Fraction, type Real } from '../core/exact.js';
import type { Rng } from '../core/rng.js';
import type { TF } from '../verify/tensor.js';
import { compareParts } from '../verify/tensor.js';
import { mutantSolver, type Flaw } from './mutants.js';
import type { Block, Difficulty, Family, Statement } from './types.js';

const EPS = ['0', '0.001', '0.00001'] as const;
const MODES = ['batch-train', 'batch-inference', 'layer'] as const;
type Mode = (typeof MODES)[number];

const value = z.int().min(-50).max(50);
const affine = z.int().min(-9).max(9);

const paramsSchema = z
  .object({
    /** batch-train: batch statistics; batch-inference: the running statistics given; layer: per-example statistics. */
    mode: z.enum(MODES),
    /** X: rows are examples (the batch), columns are features. */
    x: z.array(z.array(value).min(1).max(4)).min(1).max(4),
    /** Scale γ, one per feature (column). */
    gamma: z.array(affine).min(1).max(4),
    /** Shift β, one per feature (column). */
    beta: z.array(affine).min(1).max(4),
    /** ε added to the variance: 0, 0.001 (Keras default) or 0.00001 (PyTorch default). */
    eps: z.enum(EPS).default('0'),
    /** Running (moving) mean per feature: required in inference mode, an optional distractor in training mode. */
    runningMean: z.array(value).min(1).max(4).optional(),
    /** Running (moving) variance per feature (> 0). */
    runningVar: z.array(z.int().min(1).max(100)).min(1).max(4).optional(),
  })
  .superRefine((p, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    const n = p.x.length;
    const d = p.x[0]!.length;
    if (!p.x.every((r) => r.length === d)) {
      issue('x', 'every row of X (one example) must have the same number of features');
      return;
    }
    if (p.gamma.length !== d) issue('gamma', `one γ per feature: expected ${d}`);
    if (p.beta.length !== d) issue('beta', `one β per feature: expected ${d}`);
    if (p.gamma.some((g) => g === 0)) issue('gamma', 'γ = 0 erases the feature: every output would just be β');
    const hasRunning = p.runningMean !== undefined || p.runningVar !== undefined;
    if (p.runningMean !== undefined && p.runningMean.length !== d) issue('runningMean', `one running mean per feature: expected ${d}`);
    if (p.runningVar !== undefined && p.runningVar.length !== d) issue('runningVar', `one running variance per feature: expected ${d}`);
    if (hasRunning && (p.runningMean === undefined || p.runningVar === undefined)) issue(p.runningMean === undefined ? 'runningMean' : 'runningVar', 'give both the running mean and the running variance');
    const noEps = p.eps === '0';
    const constant = (xs: number[]) => xs.every((v) => v === xs[0]);
    switch (p.mode) {
      case 'batch-train':
        if (n < 2) issue('x', 'batch statistics need a batch of at least 2 examples');
        else if (noEps)
          for (let j = 0; j < d; j++)
            if (constant(p.x.map((r) => r[j]!))) issue('x', `feature ${j + 1} is constant over the batch: σ² = 0 and, with ε = 0, x̂ = 0/0`);
        break;
      case 'batch-inference':
        if (p.runningMean === undefined) issue('runningMean', 'inference mode needs the running mean');
        if (p.runningVar === undefined) issue('runningVar', 'inference mode needs the running variance');
        break;
      case 'layer':
        if (hasRunning) issue(p.runningMean !== undefined ? 'runningMean' : 'runningVar', 'layer normalisation keeps no running statistics');
        if (d < 2) issue('x', 'layer normalisation needs at least 2 features per example');
        else if (noEps)
          p.x.forEach((r, i) => {
            if (constant(r)) issue('x', `example ${i + 1} is constant: σ² = 0 and, with ε = 0, x̂ = 0/0`);
          });
        break;
    }
  });

export type NormalisationParams = z.output<typeof paramsSchema>;

type FlawId = 'unbiased' | 'wrong-axis' | 'no-sqrt' | 'no-affine' | 'running-in-train' | 'batch-in-inference';

const FLAWS: Flaw<FlawId>[] = [
  { id: 'unbiased', label: 'unbiased variance (÷(m − 1))', feedback: 'Batch and layer normalisation use the biased variance σ² = (1/m)Σ(x − μ)²: divide by m, not m − 1.' },
  {
    id: 'wrong-axis',
    label: 'normalised over the wrong axis (batch norm vs layer norm)',
    feedback: 'Batch norm computes one μ, σ² per feature over the examples of the batch (down each column); layer norm computes one μ, σ² per example over its features (along each row).',
  },
  { id: 'no-sqrt', label: 'forgot the square root', feedback: 'x̂ = (x − μ)/√(σ² + ε): divide by the standard deviation, not by the variance.' },
  { id: 'no-affine', label: 'forgot γ and β', feedback: 'The layer output is y = γ·x̂ + β: scale by γ and shift by β after normalising.' },
  {
    id: 'running-in-train',
    label: 'used the running statistics in training mode',
    feedback: 'In training mode batch norm normalises with the statistics of the current batch; the running averages are only updated (and used at inference).',
  },
  {
    id: 'batch-in-inference',
    label: 'used batch statistics in inference mode',
    feedback: 'In inference mode batch norm does not look at the batch: it normalises with the stored running mean and variance.',
  },
];

// ---------- exact solver ----------

const paren = (s: string) => (s.startsWith('-') || s.includes(' ') || s.includes('/') ? `(${s})` : s);
const approx = (x: Real) => fmtDecimal(realValue(x), 3);
/** "7/4" for rationals, "2√5/5 ≈ 0.894" otherwise. */
const show = (x: Real) => (isRational(x) ? fmtReal(x) : `${fmtReal(x)} ≈ ${approx(x)}`);

interface Stats {
  mean: Fraction[];
  variance: Fraction[];
}

/** Mean and biased (or, for the mutant, unbiased) variance of each group of numbers. */
function stats(groups: number[][], unbiased: boolean): Stats | undefined {
  const mean = groups.map((g) => sum(g.map((v) => q(v))).div(q(g.length)));
  if (unbiased && groups.some((g) => g.length < 2)) return undefined;
  const variance = groups.map((g, k) => sum(g.map((v) => q(v).sub(mean[k]!).pow(2))).div(q(unbiased ? g.length - 1 : g.length)));
  return { mean, variance };
}

function solveWith(p: NormalisationParams, flaw?: FlawId, withSteps = flaw === undefined): Solution | undefined {
  const steps: string[] = [];
  const say = withSteps ? (line: () => string) => void steps.push(line()) : () => {};
  const n = p.x.length;
  const d = p.x[0]!.length;
  const eps = q(p.eps);
  const columns = Array.from({ length: d }, (_, j) => p.x.map((r) => r[j]!));
  // Which statistics this (possibly flawed) solver normalises with.
  let source: 'batch' | 'layer' | 'running';
  if (p.mode === 'batch-inference') source = flaw === 'batch-in-inference' ? 'batch' : 'running';
  else if (p.mode === 'layer') source = flaw === 'wrong-axis' ? 'batch' : 'layer';
  else source = flaw === 'wrong-axis' ? 'layer' : flaw === 'running-in-train' ? 'running' : 'batch';
  if (flaw === 'running-in-train' && (p.mode !== 'batch-train' || p.runningMean === undefined)) return undefined;
  if (flaw === 'batch-in-inference' && (p.mode !== 'batch-inference' || n < 2)) return undefined;
  if (flaw === 'wrong-axis' && p.mode === 'batch-inference') return undefined;
  if (flaw === 'unbiased' && source === 'running') return undefined;

  let st: Stats | undefined;
  if (source === 'running') st = { mean: p.runningMean!.map((v) => q(v)), variance: p.runningVar!.map((v) => q(v)) };
  else st = stats(source === 'batch' ? columns : p.x, flaw === 'unbiased');
  if (!st) return undefined;
  const { mean, variance } = st;
  const perRow = source === 'layer';
  // A mutant axis can hit a zero variance (a constant row or column): no answer, no mistake.
  if (eps.n === 0n && variance.some((v) => v.n === 0n)) return undefined;

  const m = perRow ? d : n;
  const groupName = (k: number) => (perRow ? `example ${k + 1} (row ${k + 1})` : `feature ${k + 1} (column ${k + 1})`);
  if (source === 'running') say(() => `Inference mode: normalise with the running statistics μ = (${mean.map(fmtQ).join(', ')}), σ² = (${variance.map(fmtQ).join(', ')}); the batch itself is not used.`);
  else {
    say(() => (perRow ? `Layer norm: statistics of each example over its ${d} features (m = ${m}).` : `Batch norm, training mode: statistics of each feature over the ${n} examples of the batch (m = ${m}).`));
    const groups = perRow ? p.x : columns;
    groups.forEach((g, k) =>
      say(() => `${groupName(k)}: μ_${k + 1} = (${g.map((v) => paren(String(v))).join(' + ')})/${m} = ${fmtQ(mean[k]!)}, σ²_${k + 1} = (1/${m})·Σ(x − μ_${k + 1})² = (${g.map((v) => `${paren(fmtQ(q(v).sub(mean[k]!)))}²`).join(' + ')})/${m} = ${fmtQ(variance[k]!)}`),
    );
  }
  const epsText = eps.n === 0n ? '' : ` + ${p.eps}`;
  const denom = variance.map((v) => (flaw === 'no-sqrt' ? real(v.add(eps)) : sqrtQ(v.add(eps))));
  denom.forEach((s, k) =>
    say(() => {
      const root = `√${paren(fmtQ(variance[k]!.add(eps)))}`;
      if (flaw === 'no-sqrt') return `σ²_${k + 1}${epsText} = ${fmtReal(s)}`;
      return `√(σ²_${k + 1}${epsText}) = ${root === fmtReal(s) ? show(s) : `${root} = ${show(s)}`}`;
    }),
  );

  const xhat: Real[][] = p.x.map((row, i) => row.map((v, j) => divReal(real(q(v).sub(mean[perRow ? i : j]!)), denom[perRow ? i : j]!)));
  const y: Real[][] = xhat.map((row) => row.map((v, j) => (flaw === 'no-affine' ? v : addQ(mulQ(v, q(p.gamma[j]!)), q(p.beta[j]!)))));
  p.x.forEach((row, i) =>
    row.forEach((v, j) => {
      const k = perRow ? i : j;
      say(() => `x̂_${i + 1}${j + 1} = (${v} − ${paren(fmtQ(mean[k]!))})/${paren(fmtReal(denom[k]!))} = ${show(xhat[i]![j]!)};  y_${i + 1}${j + 1} = γ_${j + 1}·x̂_${i + 1}${j + 1} + β_${j + 1} = ${p.gamma[j]}·${paren(fmtReal(xhat[i]![j]!))} + ${paren(String(p.beta[j]))} = ${show(y[i]![j]!)}`);
    }),
  );

  const irrational = (a: Real[][]) => a.some((r) => r.some((v) => !isRational(v)));
  const parts: Part[] = [];
  if (p.mode !== 'batch-inference') {
    const what = p.mode === 'layer' ? 'of each example (row)' : 'of each feature (column) over the batch';
    parts.push({ id: 'mean', label: `mean μ ${what}`, answer: vector(mean) });
    parts.push({ id: 'var', label: `variance σ² ${what} (biased, ÷${p.mode === 'layer' ? d : n})`, answer: vector(variance) });
  }
  parts.push({ id: 'xhat', label: `normalised values x̂ (${n}×${d})`, answer: matrix(xhat), ...(irrational(xhat) ? { decimals: 2, tolerance: { abs: 0.005 } } : {}) });
  parts.push({ id: 'y', label: `outputs y = γ·x̂ + β (${n}×${d})`, answer: matrix(y), ...(irrational(y) ? { decimals: 2, tolerance: { abs: 0.01 } } : {}) });
  return { parts, steps };
}

// ---------- generation ----------

/** σ² = (mΣx² − (Σx)²)/m² is a non-zero perfect square iff its numerator is (integers only: fast). */
const isPerfectSquareVariance = (xs: number[]) => {
  const s1 = xs.reduce((a, v) => a + v, 0);
  const s2 = xs.reduce((a, v) => a + v * v, 0);
  const num = xs.length * s2 - s1 * s1;
  const r = Math.round(Math.sqrt(num));
  return num > 0 && r * r === num;
};

/** One non-constant column of n small integers; with `square`, its biased variance is a perfect square. */
function column(rng: Rng, n: number, square: boolean, lo: number, hi: number): number[] | undefined {
  for (let attempt = 0; attempt < 80; attempt++) {
    const xs = Array.from({ length: n }, () => rng.int(lo, hi));
    if (xs.every((v) => v === xs[0])) continue;
    if (square && !isPerfectSquareVariance(xs)) continue;
    return xs;
  }
  return undefined;
}

type Kind = 'train' | 'train-distractor' | 'inference' | 'layer';

function candidate(rng: Rng, difficulty: Difficulty): NormalisationParams | undefined {
  const kind: Kind =
    difficulty === 1 ? 'train' : difficulty === 2 ? rng.weighted<Kind>([['train', 3], ['inference', 2]]) : rng.weighted<Kind>([['layer', 4.5], ['train-distractor', 3], ['inference', 2.5]]);
  const g = () => rng.pick([1, 1, 2, 2, 3, -1, -2]);
  const b = () => rng.int(-3, 3);
  if (kind === 'layer') {
    const n = rng.int(2, 3);
    const d = rng.pick([3, 3, 4]);
    const x: number[][] = [];
    for (let i = 0; i < n; i++) {
      const row = column(rng, d, rng.bool(0.3), -3, 6);
      if (!row) return undefined;
      x.push(row);
    }
    return { mode: 'layer', x, gamma: Array.from({ length: d }, g), beta: Array.from({ length: d }, b), eps: '0' };
  }
  const n = kind === 'inference' ? rng.int(2, 3) : difficulty === 1 ? rng.weighted([[2, 1], [3, 0.6], [4, 2]]) : rng.int(3, 4);
  const d = difficulty === 1 ? rng.int(1, 2) : rng.int(2, 3);
  // Difficulty 1: perfect-square variances (all answers rational); later, about half of them.
  const square = difficulty === 1 || (kind !== 'inference' && rng.bool(0.5));
  const cols: number[][] = [];
  for (let j = 0; j < d; j++) {
    // Irrational columns use a narrower range so that the surds stay small (√5, not √235).
    const c = column(rng, n, square, difficulty === 1 ? 0 : square ? -4 : -3, difficulty === 1 ? 10 : square ? 9 : 6);
    if (!c) return undefined;
    cols.push(c);
  }
  const x = Array.from({ length: n }, (_, i) => cols.map((c) => c[i]!));
  const p: NormalisationParams = {
    mode: kind === 'inference' ? 'batch-inference' : 'batch-train',
    x,
    gamma: Array.from({ length: d }, g),
    beta: Array.from({ length: d }, b),
    eps: '0',
  };
  if (kind === 'inference' || kind === 'train-distractor') {
    const squares = difficulty === 3 && kind === 'inference' ? [1, 2, 3, 4, 5, 9] : [1, 4, 9, 16];
    p.runningMean = Array.from({ length: d }, () => rng.int(-2, 6));
    p.runningVar = Array.from({ length: d }, () => rng.pick(squares));
  }
  return p;
}

/** "Nice": modest outputs; a training-mode distractor must differ from the batch statistics. */
function nice(p: NormalisationParams): boolean {
  const sol = solveWith(p, undefined, false)!;
  const y = sol.parts.find((x) => x.id === 'y')!.answer;
  if (y.kind === 'matrix' && y.value.some((r) => r.some((v) => Math.abs(realValue(v)) > 30))) return false;
  if (p.mode === 'batch-train' && p.runningMean) {
    const batch = stats(p.x[0]!.map((_, j) => p.x.map((r) => r[j]!)), false)!;
    if (batch.mean.some((m, j) => m.equals(p.runningMean![j]!)) || batch.variance.some((v, j) => v.equals(p.runningVar![j]!))) return false;
  }
  return true;
}

function generate(rng: Rng, o: { difficulty: Difficulty }): NormalisationParams {
  for (let attempt = 0; attempt < 100; attempt++) {
    const c = candidate(rng.fork(attempt), o.difficulty);
    if (!c) continue;
    const parsed = paramsSchema.safeParse(c);
    if (parsed.success && nice(parsed.data)) return parsed.data;
  }
  throw new GenerationError('normalisation: no valid instance in 100 attempts');
}

// ---------- statement ----------

const EPS_TEXT: Record<(typeof EPS)[number], string> = { '0': 'ε = 0', '0.001': 'ε = 0.001 (the Keras default)', '0.00001': 'ε = 0.00001 (the PyTorch default)' };

function statement(p: NormalisationParams): Statement {
  const n = p.x.length;
  const d = p.x[0]!.length;
  const shape = `${n} example${n === 1 ? '' : 's'} × ${d} feature${d === 1 ? '' : 's'}: rows are examples, columns are features`;
  const eps = EPS_TEXT[p.eps];
  const vBlock = (name: string, a: number[]): Block => ({ kind: 'vector', name, value: a.map((v) => real(v)) });
  const blocks: Block[] = [{ kind: 'matrix', name: 'X', value: p.x.map((r) => r.map((v) => real(v))) }, vBlock('γ', p.gamma), vBlock('β', p.beta)];
  if (p.runningMean && p.runningVar) blocks.push(vBlock('running mean', p.runningMean), vBlock('running variance', p.runningVar));
  const rounding = 'Give exact values (fractions or surds such as 2√5/5), or decimals to 2 places where a value is irrational.';
  const affineText = 'y = γ·x̂ + β, where γ and β (one entry per feature) are given below';
  let text: string;
  let convention: string;
  switch (p.mode as Mode) {
    case 'batch-train':
      text =
        `A batch-normalisation layer in training mode receives the mini-batch X below (${shape}). ` +
        (p.runningMean ? 'The layer also stores the running mean and running variance given below. ' : '') +
        `It computes x̂ = (x − μ)/√(σ² + ε) with ${eps}, then ${affineText}. ` +
        `Compute (a) the batch mean μ of each feature, (b) the batch variance σ² of each feature, (c) the normalised matrix x̂, (d) the output matrix y. ${rounding}`;
      convention = `Batch normalisation in training mode (Ioffe & Szegedy 2015; Keras/PyTorch): per-feature statistics over the m = ${n} examples of the batch (down each column), biased variance σ² = (1/m)Σ(x − μ)² (CONVENTIONS.md #10), ${eps}.`;
      break;
    case 'batch-inference':
      text =
        `A trained batch-normalisation layer is used in inference mode on the batch X below (${shape}). ` +
        `Its running (moving) mean and running variance are given below. It computes x̂ = (x − μ)/√(σ² + ε) with ${eps}, then ${affineText}. ` +
        `Compute (a) the normalised matrix x̂, (b) the output matrix y. ${rounding}`;
      convention = `Batch normalisation in inference mode (Keras training=False, PyTorch model.eval()): μ and σ² are the stored running statistics, per feature; ${eps}.`;
      break;
    case 'layer':
      text =
        `A layer-normalisation layer is applied to the matrix X below (${shape}). ` +
        `It normalises each example over its own ${d} features, x̂ = (x − μ)/√(σ² + ε) with ${eps}, then ${affineText}. ` +
        `Compute (a) the mean μ of each example, (b) the variance σ² of each example, (c) the normalised matrix x̂, (d) the output matrix y. ${rounding}`;
      convention = `Layer normalisation (Ba et al. 2016; Keras LayerNormalization(axis=-1), PyTorch nn.LayerNorm(${d})): statistics per example over its d = ${d} features (along each row), biased variance σ² = (1/d)Σ(x − μ)², per-feature γ and β; ${eps}.`;
      break;
  }
  return { text, blocks, convention };
}

// ---------- verification (tf ops + real layers, independent of the solver) ----------

async function verify(p: NormalisationParams, s: Solution, tf: TF) {
  const eps = Number(p.eps);
  const d = p.x[0]!.length;
  const train = p.mode === 'batch-train';
  const stats = tf.tidy(() => {
    const x = tf.tensor2d(p.x);
    if (p.mode === 'layer') {
      const { mean, variance } = tf.moments(x, 1, true);
      const xhat = tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, eps)));
      return { mean: Array.from(mean.dataSync()), var: Array.from(variance.dataSync()), xhat: xhat.arraySync() as number[][] };
    }
    const { mean, variance } = train ? tf.moments(x, 0) : { mean: tf.tensor1d(p.runningMean!), variance: tf.tensor1d(p.runningVar!) };
    const xhat = tf.batchNorm(x, mean, variance, undefined, undefined, eps);
    return { ...(train ? { mean: Array.from(mean.dataSync()), var: Array.from(variance.dataSync()) } : {}), xhat: xhat.arraySync() as number[][] };
  });
  // y from the real layer with γ, β (and the running statistics) set as its weights.
  const x = tf.tensor2d(p.x);
  const init =
    p.mode === 'layer'
      ? [tf.tensor1d(p.gamma), tf.tensor1d(p.beta)]
      : [tf.tensor1d(p.gamma), tf.tensor1d(p.beta), tf.tensor1d(p.runningMean ?? new Array<number>(d).fill(0)), tf.tensor1d(p.runningVar ?? new Array<number>(d).fill(1))];
  const layer = p.mode === 'layer' ? tf.layers.layerNormalization({ axis: -1, epsilon: eps, weights: init }) : tf.layers.batchNormalization({ axis: -1, epsilon: eps, weights: init });
  let y: number[][];
  try {
    const out = layer.apply(x, { training: train }) as import('@tensorflow/tfjs').Tensor;
    y = out.arraySync() as number[][];
    out.dispose();
  } finally {
    layer.dispose();
    init.forEach((t) => t.dispose());
    x.dispose();
  }
  const method =
    p.mode === 'layer'
      ? 'tf.moments(axis 1) + tf ops for x̂; tf.layers.layerNormalization with γ, β set for y'
      : `${train ? 'tf.moments(axis 0)' : 'given running statistics'} + tf.batchNorm for x̂; tf.layers.batchNormalization (training=${train}) with γ, β${train ? '' : ', running mean/variance'} set for y`;
  return compareParts(s, { ...stats, y }, method);
}

export const normalisation: Family<NormalisationParams> = {
  id: 'normalisation',
  title: 'Batch and layer normalisation',
  topic: 'mlp',
  description: 'Batch norm (training: batch μ, biased σ²; inference: running statistics) or layer norm on a small matrix: μ, σ², x̂ = (x − μ)/√(σ² + ε), y = γx̂ + β.',
  params: paramsSchema,
  answerKinds: ['vector', 'matrix'],
  generate,
  statement,
  verify,
  ...mutantSolver(solveWith, FLAWS),
};
