/**
 * Local response normalisation (LRN) across channels at one pixel (AlexNet, Krizhevsky et al. 2012):
 *
 *   b_i = a_i / (k + α′·Σ_{j=max(1,i−r)}^{min(C,i+r)} a_j²)^β
 *
 * with depth radius r (window of n = 2r + 1 channels, clipped at the ends). TensorFlow
 * (tf.nn.local_response_normalization, depth_radius = r) uses α′ = α; PyTorch nn.LocalResponseNorm(size
 * n) uses α′ = α/n (CONVENTIONS.md #11). Parts: the windowed sums of squares, the bases
 * k + α′·Σa² and the outputs b.
 *
 * Exactness: β = 1 gives rationals; β = 1/2 single surds a/√D (Real, printed to `decimals` places
 * when irrational); β = 3/4 (AlexNet) values stored as correctly rounded decimals (32-digit
 * arithmetic, core/approx.ts), the exact form kept as text for the key.
 *
 * verify(): the real tf.localResponseNormalization op on a [1, 1, 1, C] tensor for b; the window sums
 * as (a² ⊗ band matrix) with tf.linalg.bandPart(ones, r, r) and tf.matMul.
 */
import { z } from 'zod';
import { vector, type Part, type Solution } from '../core/answer.js';
import { AmbiguousValueError, nMul, nPowQ, numQ, roundNum } from '../core/approx.js';
import { GenerationError } from '../core/errors.js';
import { divReal, fmtDecimal, fmtQ, fmtReal, isRational, q, real, realValue, sqrtQ, sum, ONE, ZERO, type Fraction, type Real } from '../core/exact.js';
import { fmtFixed } from '../core/logs.js';
import type { Rng } from '../core/rng.js';
import type { TF } from '../verify/tensor.js';
import { compareParts } from '../verify/tensor.js';
import { mutantSolver, type Flaw } from './mutants.js';
import { entry, rationalText, toQ } from './schemas.js';
import type { Difficulty, Family, Statement } from './types.js';

// ---------- params ----------

const paramsSchema = z
  .object({
    /** tensorflow: α used as given (depth_radius = r); pytorch: α divided by the window size n = 2r + 1. */
    convention: z.enum(['tensorflow', 'pytorch']).default('tensorflow'),
    /** The activations a_1 … a_C of the C channels at one pixel. */
    activations: z.array(entry).min(2).max(8),
    /** Depth radius r: channel i is normalised over channels i − r … i + r. */
    radius: z.number().int().min(1).max(3),
    /** Bias k. */
    k: rationalText,
    alpha: rationalText,
    /** Exponent β: 1, 1/2 or 3/4 (AlexNet). */
    beta: z.enum(['1', '1/2', '3/4']),
    /** Decimal places of irrational outputs. */
    decimals: z.literal([3, 4]).default(4),
  })
  .superRefine((p, ctx) => {
    if (q(p.k).compare(ZERO) <= 0) ctx.addIssue({ code: 'custom', path: ['k'], message: 'the bias k must be positive' });
    if (q(p.alpha).compare(ZERO) <= 0) ctx.addIssue({ code: 'custom', path: ['alpha'], message: 'α must be positive' });
  });

export type LrnParams = z.output<typeof paramsSchema>;

// ---------- the solver, with switches for typical mistakes ----------

type FlawId = 'all-channels' | 'excluded-self' | 'forgot-square' | 'forgot-beta' | 'other-alpha-convention' | 'forgot-bias';

const FLAWS: Flaw<FlawId>[] = [
  {
    id: 'all-channels',
    label: 'summed over all channels instead of the window',
    feedback: 'LRN only looks at the neighbouring channels i − r … i + r (fewer at the ends), not at every channel.',
  },
  {
    id: 'excluded-self',
    label: 'left channel i out of its own window',
    feedback: 'The window i − r … i + r includes channel i itself: its own a_i² is part of the sum.',
  },
  {
    id: 'forgot-square',
    label: 'summed the activations instead of their squares',
    feedback: 'The normaliser sums the squared activations Σ a_j², like an energy.',
  },
  {
    id: 'forgot-beta',
    label: 'forgot the exponent β',
    feedback: 'The base k + α·Σa² is raised to the power β before dividing.',
  },
  {
    id: 'other-alpha-convention',
    label: 'used the other framework’s α convention',
    feedback: 'TensorFlow multiplies the sum by α; PyTorch’s LocalResponseNorm divides α by the window size n first (α/n). The question states which one applies.',
  },
  {
    id: 'forgot-bias',
    label: 'forgot the bias k',
    feedback: 'The base is k + α·Σa²: the bias k keeps it away from zero.',
  },
];

const window = (C: number, i: number, r: number) => ({ lo: Math.max(0, i - r), hi: Math.min(C - 1, i + r) });

function solveWith(p: LrnParams, flaw?: FlawId): Solution | undefined {
  const a = p.activations.map(toQ);
  const C = a.length;
  const n = 2 * p.radius + 1;
  const pytorch = (p.convention === 'pytorch') !== (flaw === 'other-alpha-convention');
  const alpha = pytorch ? q(p.alpha).div(q(n)) : q(p.alpha);
  const k = flaw === 'forgot-bias' ? ZERO : q(p.k);
  const beta = flaw === 'forgot-beta' ? ONE : q(p.beta);
  if (flaw === 'forgot-beta' && p.beta === '1') return undefined;
  const d = p.decimals;
  const steps: string[] = [];
  // Mutants only need answers: they build no step text (`text` guards every string built for a step).
  const text = flaw === undefined;
  const S: Fraction[] = [];
  const D: Fraction[] = [];
  const windowText: string[] = [];
  for (let i = 0; i < C; i++) {
    const { lo, hi } = flaw === 'all-channels' ? { lo: 0, hi: C - 1 } : window(C, i, p.radius);
    const js = Array.from({ length: hi - lo + 1 }, (_, t) => lo + t).filter((j) => flaw !== 'excluded-self' || j !== i);
    const s = sum(js.map((j) => (flaw === 'forgot-square' ? a[j]! : a[j]!.mul(a[j]!))));
    S.push(s);
    D.push(k.add(alpha.mul(s)));
    if (text) windowText.push(`  i = ${i + 1}: channels ${js.map((j) => j + 1).join(', ')} → Σ = ${js.map((j) => (flaw === 'forgot-square' ? fmtQ(a[j]!) : `${a[j]!.s < 0n && a[j]!.n !== 0n ? `(${fmtQ(a[j]!)})` : fmtQ(a[j]!)}²`)).join(' + ')} = ${fmtQ(s)}`);
  }
  if (text) {
    steps.push(`Window of channel i: channels i − ${p.radius} … i + ${p.radius}, clipped at 1 and ${C}${flaw === 'all-channels' ? ' (taken as all channels)' : ''}${flaw === 'excluded-self' ? ' (without i itself)' : ''}:`, ...windowText);
    steps.push(
      `${pytorch ? `PyTorch scales α by 1/n: α′ = ${p.alpha}/${n} = ${fmtQ(alpha)}` : `α′ = α = ${fmtQ(alpha)}`}; base D_i = ${flaw === 'forgot-bias' ? '' : `${fmtQ(k)} + `}${fmtQ(alpha)}·Σ_i: [${D.map(fmtQ).join(', ')}].`,
    );
  }
  const parts: Part[] = [
    { id: 'sumsq', label: 'Window sums Σ a_j² (per channel)', answer: vector(S) },
    { id: 'base', label: 'Bases k + α′·Σ a_j²', answer: vector(D) },
  ];
  if (D.some((x) => x.compare(ZERO) <= 0)) return undefined; // only a flawed solver can get here (k > 0, α > 0)
  if (beta.equals(ONE)) {
    const b = a.map((x, i) => x.div(D[i]!));
    if (text) steps.push(`β = 1: b_i = a_i / D_i = [${b.map(fmtQ).join(', ')}].`);
    parts.push({ id: 'b', label: 'Normalised outputs b', answer: vector(b) });
  } else if (beta.equals(q(1, 2))) {
    const b: Real[] = a.map((x, i) => divReal(real(x), sqrtQ(D[i]!)));
    const exact = b.every(isRational);
    if (text) steps.push(`β = 1/2: b_i = a_i / √D_i = [${b.map(fmtReal).join(', ')}]${exact ? '' : ` ≈ [${b.map((x) => fmtDecimal(realValue(x), d)).join(', ')}]`}.`);
    parts.push({ id: 'b', label: 'Normalised outputs b', answer: vector(b), ...(exact ? {} : { decimals: d, tolerance: { abs: 2 * 10 ** -d } }) });
  } else {
    const b = a.map((x, i) => roundNum(nMul(numQ(x), nPowQ(D[i]!, beta.neg())), d));
    const exactText = `[${a.map((x, i) => (x.n === 0n ? '0' : `${x.d === 1n ? fmtQ(x) : `(${fmtQ(x)})`}/(${fmtQ(D[i]!)})^(3/4)`)).join(', ')}]`;
    if (text) steps.push(`β = 3/4: b_i = a_i / D_i^(3/4) = ${exactText} ≈ [${b.map((x) => fmtFixed(x, d)).join(', ')}].`);
    parts.push({ id: 'b', label: 'Normalised outputs b', answer: vector(b), decimals: d, tolerance: { abs: 0.6 * 10 ** -d }, rounded: { exactText } });
  }
  return { parts, steps };
}

// ---------- generation ----------

function draft(rng: Rng, difficulty: Difficulty): LrnParams {
  const C = difficulty === 1 ? 4 : difficulty === 2 ? rng.int(4, 5) : rng.int(5, 6);
  const radius = difficulty === 3 ? rng.int(1, 2) : 1;
  const activations = Array.from({ length: C }, () => (difficulty === 3 ? rng.int(-4, 6) : rng.int(0, 4)));
  const beta = difficulty === 1 ? '1' : difficulty === 2 ? rng.pick(['1', '1/2'] as const) : rng.pick(['1/2', '3/4', '3/4'] as const);
  return {
    convention: difficulty === 1 ? 'tensorflow' : rng.pick(['tensorflow', 'pytorch'] as const),
    activations,
    radius,
    k: rng.pick(difficulty === 1 ? ['1', '2'] : ['1', '2', '1/2']),
    alpha: rng.pick(difficulty === 1 ? ['1/10', '1/5', '1/2'] : ['1/10', '1/5', '1/2', '0.01']),
    beta,
    decimals: difficulty === 3 ? 4 : 3,
  };
}

/** Windows must matter (some edge channel sees fewer channels), and the mistakes must show. */
function niceEnough(p: LrnParams): boolean {
  const s = solveWith(p);
  if (!s) return false;
  const C = p.activations.length;
  if (2 * p.radius + 1 >= C) return false;
  const a = p.activations.map(toQ);
  if (a.filter((x) => x.n !== 0n).length < C - 1) return false;
  // at least one channel with a clearly different base from another (no constant output ratio)
  const base = s.parts.find((x) => x.id === 'base')!.answer;
  if (base.kind !== 'vector' || new Set(base.value.map(fmtReal)).size < 2) return false;
  const ids = new Set(lrn.mistakes(p).map((m) => m.id));
  return ids.has('all-channels') && ids.has('excluded-self') && ids.has('forgot-square');
}

function generate(rng: Rng, o: { difficulty: Difficulty }): LrnParams {
  for (let attempt = 0; attempt < 300; attempt++) {
    const parsed = paramsSchema.safeParse(draft(rng.fork(attempt), o.difficulty));
    if (!parsed.success) continue;
    try {
      if (niceEnough(parsed.data)) return parsed.data;
    } catch (e) {
      if (!(e instanceof AmbiguousValueError) && !(e instanceof GenerationError)) throw e;
    }
  }
  throw new GenerationError('local-response-norm: no valid instance in 300 attempts');
}

// ---------- statement ----------

function statement(p: LrnParams): Statement {
  const C = p.activations.length;
  const n = 2 * p.radius + 1;
  const irrational = p.beta !== '1';
  return {
    text:
      `At one pixel of a convolutional feature map the ${C} channels have the activations a below. Apply local response normalisation across channels with ` +
      (p.convention === 'tensorflow' ? `depth radius r = ${p.radius}` : `size n = ${n} (a window of ${n} channels centred on channel i)`) +
      `, k = ${p.k}, α = ${p.alpha} and β = ${p.beta}. Give (a) for every channel the sum of the squared activations in its window, (b) the bases k + α′·Σa² and (c) the normalised outputs b.` +
      (irrational ? ` Give (a) and (b) exactly and (c) ${p.beta === '1/2' ? 'exactly or ' : ''}rounded to ${p.decimals} decimal places.` : ' Give exact values.'),
    blocks: [{ kind: 'vector', name: 'a', value: p.activations.map((x) => real(toQ(x))) }],
    convention:
      (p.convention === 'tensorflow'
        ? `TensorFlow (tf.nn.local_response_normalization, as in AlexNet): b_i = a_i / (k + α·Σ_j a_j²)^β, j from i − r to i + r`
        : `PyTorch (nn.LocalResponseNorm(size=${n})): b_i = a_i / (k + (α/n)·Σ_j a_j²)^β, j from i − ${p.radius} to i + ${p.radius}`) +
      `, channels outside 1 … ${C} ignored (zero).`,
  };
}

// ---------- independent check ----------

async function verify(p: LrnParams, s: Solution, tf: TF) {
  const a = p.activations.map((x) => Number(toQ(x).valueOf()));
  const C = a.length;
  const n = 2 * p.radius + 1;
  const alpha = Number(q(p.alpha).valueOf()) / (p.convention === 'pytorch' ? n : 1);
  const k = Number(q(p.k).valueOf());
  const beta = Number(q(p.beta).valueOf());
  const got = tf.tidy(() => {
    const x = tf.tensor1d(a);
    // Window sums: a² times the band matrix |i − j| ≤ r.
    const band = tf.linalg.bandPart(tf.ones([C, C]), p.radius, p.radius);
    const sumsq = tf.matMul(tf.square(x).reshape([1, C]), band).reshape([C]);
    const base = tf.add(k, tf.mul(alpha, sumsq));
    const b = tf.localResponseNormalization(x.reshape([1, 1, 1, C]) as never, p.radius, k, alpha, beta) as ReturnType<typeof tf.tensor4d>;
    return { sumsq: Array.from(sumsq.dataSync()), base: Array.from(base.dataSync()), b: Array.from(b.dataSync()) };
  });
  return compareParts(s, got, 'tf.localResponseNormalization on a [1, 1, 1, C] tensor; window sums a² · tf.linalg.bandPart(ones, r, r)');
}

export const lrn: Family<LrnParams> = {
  id: 'local-response-norm',
  title: 'Local response normalisation across channels',
  topic: 'cnn',
  description: 'AlexNet-style LRN at one pixel: window sums of squares, bases k + α·Σa², normalised outputs (TensorFlow or PyTorch α convention).',
  params: paramsSchema,
  answerKinds: ['vector'],
  generate,
  statement,
  verify,
  ...mutantSolver(solveWith, FLAWS),
};
