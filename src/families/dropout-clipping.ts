/**
 * Two regularisation/stability mechanics computed by hand:
 *
 * - Dropout: given activations a, a sampled keep mask m and the drop rate p, the layer's output in
 *   that training step and at inference. Inverted dropout (Keras, PyTorch) scales kept units by
 *   1/(1−p) in training and is the identity at inference; classic dropout (Srivastava et al. 2014)
 *   only masks in training and scales by (1−p) at inference (CONVENTIONS.md #9).
 * - Gradient clipping of a small list of gradient tensors: clip by value (each component clipped to
 *   [−c, c], tf.clip_by_value) and clip by global norm (every tensor times c/max(‖g‖, c) with ‖g‖
 *   the L2 norm over all tensors together, tf.clip_by_global_norm).
 *
 * Exactness: given decimals are parsed from their decimal text (0.2 → 1/5), never from the float.
 * Global norms are √(rational): Real (q·√r) keeps them and the rescaled gradients exact; irrational
 * answers are printed with `decimals` places.
 *
 * verify(): dropout — tf.mul by the mask, tf.div by the keep probability, a real
 * tf.layers.dropout applied with training=false for inverted inference; clipping — tf.clipByValue,
 * and the global norm as tf.norm of the per-tensor tf.norm values, scale c/tf.maximum(‖g‖, c).
 */
import { z } from 'zod';
import { scalar, vector, type Part, type Solution } from '../core/answer.js';
import { GenerationError } from '../core/errors.js';
import { compareReal, divReal, fmtDecimal, fmtQ, fmtReal, isRational, q, real, realValue, sqrtQ, sum, type Fraction, type Real } from '../core/exact.js';
import type { Rng } from '../core/rng.js';
import type { TF } from '../verify/tensor.js';
import { compareParts } from '../verify/tensor.js';
import { mistakesFromMutants, mutantSolver, type Flaw } from './mutants.js';
import type { Difficulty, Family, Statement } from './types.js';

// ---------- params ----------

/** A number written with at most `places` decimals; its exact value is read from that text. */
const decimalNumber = (places: number, maxAbs: number, min = -maxAbs) =>
  z
    .number()
    .min(min)
    .max(maxAbs)
    .refine((x) => new RegExp(`^-?\\d+(\\.\\d{1,${places}})?$`).test(String(x)), { message: `use a plain decimal with at most ${places} decimal places` });

/** Exact value of a validated decimal: 0.2 → 1/5 (from the text "0.2", not from the float). */
const ex = (x: number): Fraction => q(String(x));

const dropoutSchema = z.object({
  kind: z.literal('dropout'),
  /** inverted: scale kept units by 1/(1−p) in training, identity at inference; classic: scale by (1−p) at inference. */
  convention: z.enum(['inverted', 'classic']),
  /** Drop rate p: the probability that a unit is zeroed (Keras Dropout(rate), torch nn.Dropout(p)). */
  rate: decimalNumber(3, 1, 0),
  /** The layer's input activations. */
  activations: z.array(decimalNumber(2, 1000)).min(2).max(12),
  /** The sampled mask: 1 = unit kept, 0 = unit dropped. */
  mask: z.array(z.literal([0, 1])).min(2).max(12),
});

const gradSchema = z.object({
  /** Parameter name: the gradient is ∂L/∂name. */
  name: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,7}$/, 'a parameter name is a letter followed by up to 7 letters, digits or _'),
  values: z.array(decimalNumber(2, 50)).min(1).max(8),
});

const clippingSchema = z.object({
  kind: z.literal('clipping'),
  /** The gradient tensors (flattened), in order. */
  grads: z.array(gradSchema).min(1).max(4),
  /** Clip by value: each component clipped to [−clipValue, clipValue]. */
  clipValue: decimalNumber(2, 1000).optional(),
  /** Clip by global norm: threshold c of tf.clip_by_global_norm. */
  clipNorm: decimalNumber(2, 1000).optional(),
  /** Decimal places for irrational answers (a global norm that is not a rational number). */
  decimals: z.literal([2, 3]).default(3),
});

const paramsSchema = z.discriminatedUnion('kind', [dropoutSchema, clippingSchema]).superRefine((p, ctx) => {
  const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
  if (p.kind === 'dropout') {
    if (!(p.rate > 0 && p.rate < 1)) issue('rate', 'the drop rate p must satisfy 0 < p < 1');
    if (p.mask.length !== p.activations.length) issue('mask', `the mask has ${p.mask.length} entries but there are ${p.activations.length} activations`);
    return;
  }
  if (p.clipValue === undefined && p.clipNorm === undefined) issue('clipValue', 'give "clipValue" (clip by value), "clipNorm" (clip by global norm) or both');
  if (p.clipValue !== undefined && !(p.clipValue > 0)) issue('clipValue', 'the clipping value c must be positive');
  if (p.clipNorm !== undefined && !(p.clipNorm > 0)) issue('clipNorm', 'the norm threshold c must be positive');
  const names = p.grads.map((g) => g.name);
  if (new Set(names).size !== names.length) issue('grads', 'parameter names must be distinct');
});

export type DropoutClippingParams = z.output<typeof paramsSchema>;
type DropoutParams = Extract<DropoutClippingParams, { kind: 'dropout' }>;
type ClippingParams = Extract<DropoutClippingParams, { kind: 'clipping' }>;

// ---------- the solver, with switches for typical mistakes ----------

type FlawId =
  | 'train-times-keep'
  | 'divide-by-rate'
  | 'inverted-scales-inference'
  | 'classic-no-inference-scaling'
  | 'other-convention'
  | 'mask-reversed'
  | 'per-tensor-norm'
  | 'always-rescale'
  | 'norm-no-sqrt'
  | 'l1-norm'
  | 'forgot-threshold'
  | 'value-one-sided';

const FLAWS: Flaw<FlawId>[] = [
  {
    id: 'train-times-keep',
    label: 'scaled kept units by 1 − p instead of 1/(1 − p) in training',
    feedback: 'Inverted dropout divides the kept activations by the keep probability 1 − p, so that their expected value equals the input: a kept unit grows, it does not shrink.',
  },
  {
    id: 'divide-by-rate',
    label: 'used the drop rate p where the keep probability 1 − p belongs',
    feedback: 'p is the probability of DROPPING a unit; a unit survives with probability 1 − p, and that is the factor in the rescaling.',
  },
  {
    id: 'inverted-scales-inference',
    label: 'scaled at inference although the dropout is inverted',
    feedback: 'With inverted dropout the rescaling already happened during training; at inference the layer passes its input through unchanged.',
  },
  {
    id: 'classic-no-inference-scaling',
    label: 'forgot to scale by 1 − p at inference (classic dropout)',
    feedback: 'Classic dropout does not rescale during training, so at inference every activation must be multiplied by the keep probability 1 − p to match the training-time expectation.',
  },
  {
    id: 'other-convention',
    label: 'used the other dropout convention',
    feedback: 'Inverted dropout (Keras, PyTorch) rescales in training and not at inference; classic dropout does the opposite. The question states which one applies.',
  },
  {
    id: 'mask-reversed',
    label: 'read the mask the wrong way round',
    feedback: 'm_i = 1 means unit i is KEPT; the units with m_i = 0 are set to zero.',
  },
  {
    id: 'per-tensor-norm',
    label: 'clipped each tensor by its own norm instead of the global norm',
    feedback: 'Clipping by global norm uses one norm over all gradient tensors together, √(Σ over all tensors of Σg²), and one common factor c/‖g‖ — that keeps the direction of the whole update.',
  },
  {
    id: 'always-rescale',
    label: 'rescaled although the norm is below the threshold',
    feedback: 'The factor is c/max(‖g‖, c): when ‖g‖ ≤ c the gradients are left unchanged (they are never scaled up).',
  },
  {
    id: 'norm-no-sqrt',
    label: 'used the squared norm Σg² as the norm',
    feedback: 'The L2 norm is the square root of the sum of squares.',
  },
  {
    id: 'l1-norm',
    label: 'used the L1 norm Σ|g|',
    feedback: 'Gradient clipping by norm uses the L2 (Euclidean) norm √(Σg²).',
  },
  {
    id: 'forgot-threshold',
    label: 'normalised to unit length (forgot the factor c)',
    feedback: 'Clipping rescales the gradient to length c: multiply by c/‖g‖, not just 1/‖g‖.',
  },
  {
    id: 'value-one-sided',
    label: 'clipped only the upper side',
    feedback: 'Clip by value limits every component to [−c, c]: large negative components are raised to −c as well.',
  },
];

function solveWith(p: DropoutClippingParams, flaw?: FlawId): Solution | undefined {
  return p.kind === 'dropout' ? solveDropout(p, flaw) : solveClipping(p, flaw);
}

/** "4/3" or "-3" or "(-4/3)" when it follows an operator. */
const paren = (x: Fraction) => (x.s < 0n && x.n !== 0n ? `(${fmtQ(x)})` : fmtQ(x));
const vecText = (xs: readonly Real[]) => `[${xs.map(fmtReal).join(', ')}]`;

function solveDropout(p: DropoutParams, flaw?: FlawId): Solution | undefined {
  const inverted = (p.convention === 'inverted') !== (flaw === 'other-convention');
  if (flaw === 'inverted-scales-inference' && p.convention !== 'inverted') return undefined;
  if (flaw === 'classic-no-inference-scaling' && p.convention !== 'classic') return undefined;
  const rate = ex(p.rate);
  const keep = flaw === 'divide-by-rate' ? rate : q(1).sub(rate);
  const a = p.activations.map(ex);
  const kept = p.mask.map((m) => (m === 1) !== (flaw === 'mask-reversed'));
  // Training: mask, then (inverted) divide by the keep probability.
  const trainFactor = inverted ? (flaw === 'train-times-keep' ? keep : q(1).div(keep)) : q(1);
  const train = a.map((x, i) => (kept[i] ? x.mul(trainFactor) : q(0)));
  // Inference: identity (inverted) or multiply by the keep probability (classic).
  const inferFactor = inverted ? (flaw === 'inverted-scales-inference' ? keep : q(1)) : flaw === 'classic-no-inference-scaling' ? q(1) : keep;
  const inference = a.map((x) => x.mul(inferFactor));

  const steps: string[] = [];
  // Mutants only need answers: they build no step text (`text` guards every string built for a step).
  const text = flaw === undefined;
  if (text) {
    const keepText = `1 − p = 1 − ${p.rate} = ${fmtQ(q(1).sub(rate))}`;
    steps.push(`Keep probability ${keepText}.`);
    steps.push(`Masked activations a ⊙ m: [${a.map((x, i) => (kept[i] ? fmtQ(x) : '0')).join(', ')}]${flaw === 'mask-reversed' ? ' (mask read as 1 = dropped)' : ''}.`);
    if (inverted)
      steps.push(
        `Training (inverted dropout): kept units are multiplied by ${flaw === 'train-times-keep' ? `1 − p = ${fmtQ(keep)}` : `1/(${flaw === 'divide-by-rate' ? 'p' : '1 − p'}) = ${fmtQ(trainFactor)}`}: ${vecText(train.map((x) => real(x)))}.`,
      );
    else steps.push(`Training (classic dropout): the masked activations are passed on unscaled: ${vecText(train.map((x) => real(x)))}.`);
    if (inverted)
      steps.push(
        flaw === 'inverted-scales-inference'
          ? `Inference: every activation multiplied by ${fmtQ(keep)}: ${vecText(inference.map((x) => real(x)))}.`
          : `Inference (inverted dropout): no mask and no scaling — the output equals the input: ${vecText(inference.map((x) => real(x)))}.`,
      );
    else
      steps.push(
        flaw === 'classic-no-inference-scaling'
          ? `Inference: all units kept, unscaled: ${vecText(inference.map((x) => real(x)))}.`
          : `Inference (classic dropout): all units kept, each multiplied by ${flaw === 'divide-by-rate' ? 'p' : '1 − p'} = ${fmtQ(keep)}: ${a.map((x) => `${paren(x)}·${fmtQ(keep)}`).join(', ')} → ${vecText(inference.map((x) => real(x)))}.`,
      );
  }
  const parts: Part[] = [
    { id: 'train', label: 'Output in this training step', answer: vector(train) },
    { id: 'inference', label: 'Output at inference', answer: vector(inference) },
  ];
  return { parts, steps };
}

/** √(Σx²) exactly (a Real), or the flawed norms. */
function normOf(xs: readonly Fraction[], flaw?: FlawId): Real {
  if (flaw === 'l1-norm') return real(sum(xs.map((x) => x.abs())));
  const ss = sum(xs.map((x) => x.mul(x)));
  return flaw === 'norm-no-sqrt' ? real(ss) : sqrtQ(ss);
}

/** x·k/n for a rational x·k and a single-surd n > 0. */
function scaleBy(x: Fraction, k: Fraction, n: Real): Real {
  return isRational(n) ? real(x.mul(k).div(n.coef)) : divReal(real(x.mul(k)), n);
}

function solveClipping(p: ClippingParams, flaw?: FlawId): Solution | undefined {
  const gs = p.grads.map((g) => ({ name: g.name, v: g.values.map(ex) }));
  const parts: Part[] = [];
  const steps: string[] = [];
  // Mutants only need answers: they build no step text (`text` guards every string built for a step).
  const text = flaw === undefined;
  const d = p.decimals;
  const unit = 10 ** -d;
  const approx = (x: Real) => (isRational(x) ? '' : ` ≈ ${fmtDecimal(realValue(x), d)}`);
  const approxVec = (xs: Real[]) => (xs.every(isRational) ? '' : ` ≈ [${xs.map((x) => fmtDecimal(realValue(x), d)).join(', ')}]`);
  const tolFor = (xs: Real[], abs: number) => (xs.every(isRational) ? {} : { decimals: d, tolerance: { abs } });

  if (p.clipValue !== undefined) {
    const c = ex(p.clipValue);
    const lo = c.neg();
    if (text) steps.push(`Clip by value: every component is limited to [−${fmtQ(c)}, ${fmtQ(c)}]${flaw === 'value-one-sided' ? ' (upper side only)' : ''}.`);
    for (const g of gs) {
      const clipped = g.v.map((x) => (x.compare(c) > 0 ? c : flaw !== 'value-one-sided' && x.compare(lo) < 0 ? lo : x));
      if (text) steps.push(`  ∂L/∂${g.name}: [${g.v.map(fmtQ).join(', ')}] → [${clipped.map(fmtQ).join(', ')}].`);
      parts.push({ id: `value.${g.name}`, label: `Clipped by value: ∂L/∂${g.name}`, answer: vector(clipped) });
    }
  }

  if (p.clipNorm !== undefined) {
    const c = ex(p.clipNorm);
    const all = gs.flatMap((g) => g.v);
    const norm = normOf(all, flaw === 'per-tensor-norm' ? undefined : flaw);
    if (text) {
      const ss = sum(all.map((x) => x.mul(x)));
      const rootText = `√${ss.d === 1n ? fmtQ(ss) : `(${fmtQ(ss)})`}`;
      const normName = flaw === 'l1-norm' ? 'Σ|g|' : flaw === 'norm-no-sqrt' ? 'Σg²' : '√(Σg²)';
      steps.push(
        `Global norm over ${gs.length === 1 ? 'all components' : gs.length === 2 ? 'both tensors' : `all ${gs.length} tensors`}: ‖g‖ = ${normName} = ${flaw === 'l1-norm' ? all.map((x) => fmtQ(x.abs())).join(' + ') : `${flaw === 'norm-no-sqrt' ? '' : '√('}${all.map((x) => `${paren(x)}²`).join(' + ')}${flaw === 'norm-no-sqrt' ? '' : `) = ${rootText}`}`}${fmtReal(norm) === rootText ? '' : ` = ${fmtReal(norm)}`}${approx(norm)}.`,
      );
    }
    parts.push({ id: 'globalNorm', label: 'Global norm ‖g‖', answer: scalar(norm), ...tolFor([norm], 0.6 * unit) });
    if (flaw === 'per-tensor-norm') {
      for (const g of gs) {
        const n = normOf(g.v);
        const rescale = compareReal(n, real(c)) > 0;
        const out = rescale ? g.v.map((x) => scaleBy(x, c, n)) : g.v.map((x) => real(x));
        if (text) steps.push(`  ∂L/∂${g.name}: own norm ${fmtReal(n)} → ${rescale ? `× ${fmtQ(c)}/${fmtReal(n)}` : 'unchanged'}: ${vecText(out)}.`);
        parts.push({ id: `norm.${g.name}`, label: `Clipped by global norm: ∂L/∂${g.name}`, answer: vector(out) });
      }
    } else {
      const over = compareReal(norm, real(c)) > 0;
      const rescale = over || flaw === 'always-rescale';
      if (norm.coef.n === 0n && rescale) return undefined;
      const k = flaw === 'forgot-threshold' ? q(1) : c;
      if (text)
        steps.push(
          rescale
            ? `${over ? `‖g‖ = ${fmtReal(norm)}${approx(norm)} > c = ${fmtQ(c)}` : `‖g‖ = ${fmtReal(norm)} ≤ c = ${fmtQ(c)}, rescaled anyway`}: ${gs.length === 1 ? 'the gradient is' : 'every tensor is'} multiplied by ${flaw === 'forgot-threshold' ? '1/‖g‖' : 'c/‖g‖'} = ${fmtReal(scaleBy(q(1), k, norm))}${approx(scaleBy(q(1), k, norm))}.`
            : `‖g‖ = ${fmtReal(norm)}${approx(norm)} ≤ c = ${fmtQ(c)}: the factor c/max(‖g‖, c) is 1 — the gradients are left unchanged.`,
        );
      for (const g of gs) {
        const out = rescale ? g.v.map((x) => scaleBy(x, k, norm)) : g.v.map((x) => real(x));
        if (text) steps.push(`  ∂L/∂${g.name} → ${vecText(out)}${approxVec(out)}.`);
        parts.push({ id: `norm.${g.name}`, label: `Clipped by global norm: ∂L/∂${g.name}`, answer: vector(out), ...tolFor(out, 2 * unit) });
      }
    }
  }
  return { parts, steps };
}

// ---------- generation ----------

const isSquare = (n: number) => Number.isInteger(Math.sqrt(n));

/** A unit is dropped with probability about p; at least one dropped and one kept. */
function drawMask(rng: Rng, n: number, rate: number): (0 | 1)[] | undefined {
  const mask = Array.from({ length: n }, () => (rng.bool(rate) ? 0 : 1) as 0 | 1);
  return mask.includes(0) && mask.includes(1) ? mask : undefined;
}

function draftDropout(rng: Rng, difficulty: Difficulty): DropoutParams | undefined {
  const convention: DropoutParams['convention'] = difficulty === 1 ? 'inverted' : rng.bool(difficulty === 2 ? 0.7 : 0.5) ? 'inverted' : 'classic';
  const rate = rng.pick(difficulty === 1 ? [0.5, 0.2, 0.25] : difficulty === 2 ? [0.1, 0.2, 0.25, 0.4, 0.5] : [0.2, 0.25, 0.3, 0.4, 0.6, 0.75]);
  const n = difficulty === 1 ? rng.int(4, 6) : difficulty === 2 ? rng.int(5, 7) : rng.int(6, 8);
  // Difficulty 1: activations that are multiples of the keep probability's numerator give integer outputs.
  const keepNum = Number(q(1).sub(ex(rate)).n);
  const activations = Array.from({ length: n }, () => {
    if (difficulty === 1) return keepNum * rng.int(1, Math.max(1, Math.floor(12 / keepNum)));
    if (difficulty === 2) return rng.int(0, 10);
    return rng.bool(0.2) ? rng.int(-6, 9) + 0.5 : rng.int(-6, 10);
  });
  const mask = drawMask(rng, n, rate);
  if (!mask) return undefined;
  // Every mistake must show: a non-zero kept unit and a non-zero dropped unit.
  if (!activations.some((x, i) => x !== 0 && mask[i] === 1) || !activations.some((x, i) => x !== 0 && mask[i] === 0)) return undefined;
  return { kind: 'dropout', convention, rate, activations, mask };
}

/** Integers in [−lim, lim] without 0, split into tensors of the given sizes. */
function drawInts(rng: Rng, sizes: readonly number[], lim: number): number[][] {
  return sizes.map((k) => Array.from({ length: k }, () => rng.nonZeroInt(-lim, lim)));
}

const TENSOR_NAMES = [['W'], ['W', 'b'], ['W', 'U', 'b']] as const;

function draftClipping(rng: Rng, difficulty: Difficulty): ClippingParams | undefined {
  const methods: readonly ('value' | 'norm')[] = difficulty === 1 ? [rng.pick(['value', 'norm'] as const)] : ['value', 'norm'];
  if (difficulty === 1 && methods[0] === 'value') {
    // One tensor with a component above c, one below −c and one inside: every rule of the clip shows.
    const c = rng.int(2, 6);
    const rest = Array.from({ length: rng.int(1, 3) }, () => rng.nonZeroInt(-12, 12));
    const values = rng.shuffle([rng.int(c + 1, 12), -rng.int(c + 1, 12), rng.nonZeroInt(1 - c, c - 1), ...rest]);
    return { kind: 'clipping', grads: [{ name: 'W', values }], clipValue: c, decimals: 3 };
  }
  const nTensors = difficulty === 1 ? 1 : difficulty === 2 ? 2 : rng.int(2, 3);
  const names = TENSOR_NAMES[nTensors - 1]!;
  const sizes = names.map((nm) => (nm === 'b' ? rng.int(1, 2) : difficulty === 1 ? rng.int(2, 4) : rng.int(2, 3)));
  const wantNorm = methods.includes('norm');
  // d3 mixes the cases that test understanding: below the threshold, irrational norm, rational norm.
  const normCase = difficulty === 3 ? rng.weighted<'below' | 'irrational' | 'rational'>([['below', 1], ['irrational', 1.2], ['rational', 1.8]]) : 'rational';
  let values: number[][] | undefined;
  for (let i = 0; i < 300 && !values; i++) {
    const v = drawInts(rng, sizes, 9);
    const ss = v.flat().reduce((a, x) => a + x * x, 0);
    if (!wantNorm || (normCase === 'irrational' ? !isSquare(ss) : isSquare(ss))) values = v;
  }
  if (!values) return undefined;
  const flat = values.flat();
  const ss = flat.reduce((a, x) => a + x * x, 0);
  const norm = Math.sqrt(ss);
  let clipNorm: number | undefined;
  if (wantNorm) {
    if (normCase === 'below') clipNorm = Math.ceil(norm) + rng.int(isSquare(ss) ? 1 : 0, 4);
    else clipNorm = rng.int(1, Math.max(1, Math.min(10, Math.ceil(norm) - 2)));
    if (clipNorm <= 0) return undefined;
  }
  let clipValue: number | undefined;
  if (methods.includes('value')) {
    const maxAbs = Math.max(...flat.map(Math.abs));
    clipValue = rng.int(1, Math.max(1, maxAbs - 2));
    // Something must be clipped on both sides, and something left alone.
    if (!flat.some((x) => x > clipValue!) || !flat.some((x) => x < -clipValue!) || !flat.some((x) => Math.abs(x) < clipValue!)) return undefined;
  }
  return {
    kind: 'clipping',
    grads: names.map((name, i) => ({ name, values: values[i]! })),
    ...(clipValue !== undefined ? { clipValue } : {}),
    ...(clipNorm !== undefined ? { clipNorm } : {}),
    decimals: 3,
  };
}

/** A nice instance lets the global-vs-per-tensor mistake show whenever there are several tensors. */
function niceEnough(p: DropoutClippingParams): boolean {
  const s = solveWith(p);
  if (!s) return false;
  if (p.kind === 'clipping' && p.grads.length > 1 && p.clipNorm !== undefined) {
    // When clipping happens, the per-tensor mistake must give a different answer. (Below the
    // threshold it cannot: every tensor's own norm is below it too — that case tests "unchanged".)
    const ss = sum(p.grads.flatMap((g) => g.values.map((x) => ex(x).mul(ex(x)))));
    const c = ex(p.clipNorm);
    const clips = ss.compare(c.mul(c)) > 0;
    const m = mistakesFromMutants(s, FLAWS, (f) => solveWith(p, f));
    if (clips && !m.some((x) => x.id === 'per-tensor-norm')) return false;
  }
  return true;
}

function generate(rng: Rng, o: { difficulty: Difficulty }): DropoutClippingParams {
  // The kind is drawn once, so that the kind rejected more often is not under-represented.
  const dropout = rng.fork('kind').bool(0.5);
  for (let attempt = 0; attempt < 200; attempt++) {
    const r = rng.fork(attempt);
    const candidate = dropout ? draftDropout(r, o.difficulty) : draftClipping(r, o.difficulty);
    if (!candidate) continue;
    const parsed = paramsSchema.safeParse(candidate);
    if (parsed.success && niceEnough(parsed.data)) return parsed.data;
  }
  throw new GenerationError(`dropout-clipping: no valid ${dropout ? 'dropout' : 'clipping'} instance in 200 attempts`);
}

// ---------- statement ----------

function statement(p: DropoutClippingParams): Statement {
  if (p.kind === 'dropout') {
    const inverted = p.convention === 'inverted';
    return {
      text:
        `A dropout layer with drop rate p = ${p.rate} (each unit is set to zero with probability p during training) receives the activation vector a below. ` +
        `In one training step the sampled mask is m (m_i = 1: unit i is kept, m_i = 0: unit i is dropped). ` +
        `The network uses ${inverted ? 'inverted dropout' : 'classic (non-inverted) dropout'}. ` +
        `Compute (a) the output of the dropout layer in this training step and (b) its output at inference (test) time for the same input a. Give exact values (fractions where needed).`,
      blocks: [
        { kind: 'vector', name: 'a', value: p.activations.map((x) => real(ex(x))) },
        { kind: 'vector', name: 'm', value: p.mask.map((x) => real(x)) },
      ],
      convention: inverted
        ? 'Inverted dropout (Keras Dropout, PyTorch nn.Dropout): the kept units are rescaled during training; at inference the layer passes its input through unchanged.'
        : 'Classic dropout (Srivastava et al., 2014): during training the kept units pass through unscaled; at inference all units are kept and the outputs are rescaled instead.',
    };
  }
  const names = p.grads.map((g) => `∂L/∂${g.name}`);
  const list = names.length === 1 ? names[0]! : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
  const asks: string[] = [];
  if (p.clipValue !== undefined) asks.push(`clip the gradients by value with c = ${p.clipValue} (every component clipped to [−${p.clipValue}, ${p.clipValue}])`);
  if (p.clipNorm !== undefined) asks.push(`clip them by global norm with threshold c = ${p.clipNorm}: give the global norm ‖g‖ and the clipped gradient${p.grads.length > 1 ? 's' : ''}`);
  const letters = 'ab';
  const askText = asks.length === 1 ? `${asks[0]![0]!.toUpperCase()}${asks[0]!.slice(1)}.` : `${asks.map((a, i) => `(${letters[i]}) ${i === 0 ? a[0]!.toUpperCase() + a.slice(1) : a}`).join('; ')}. Treat (a) and (b) separately, each starting from the original gradients.`;
  const irrational = p.clipNorm !== undefined && !isRational(sqrtQ(sum(p.grads.flatMap((g) => g.values.map((x) => ex(x).mul(ex(x)))))));
  return {
    text:
      `Backpropagation through a recurrent network gives the gradient${p.grads.length > 1 ? 's' : ''} ${list} below. To prevent exploding gradients they are clipped before the update. ${askText}` +
      (irrational ? ` Give exact values or decimals rounded to ${p.decimals} places.` : ' Give exact values (fractions where needed).'),
    blocks: p.grads.map((g) => ({ kind: 'vector' as const, name: `∂L/∂${g.name}`, value: g.values.map((x) => real(ex(x))) })),
    convention: [
      p.clipValue !== undefined ? 'Clip by value (tf.clip_by_value, torch.nn.utils.clip_grad_value_): each component separately.' : '',
      p.clipNorm !== undefined
        ? 'Clip by global norm (tf.clip_by_global_norm; torch.nn.utils.clip_grad_norm_ up to its 1e-6 ε): ‖g‖ is the L2 norm over all gradient tensors together, and every tensor is multiplied by c/max(‖g‖, c).'
        : '',
    ]
      .filter(Boolean)
      .join(' '),
  };
}

// ---------- independent check ----------

async function verify(p: DropoutClippingParams, s: Solution, tf: TF) {
  if (p.kind === 'dropout') {
    const keepProb = 1 - p.rate;
    const layer = p.convention === 'inverted' ? tf.layers.dropout({ rate: p.rate }) : undefined;
    const got = tf.tidy(() => {
      const a = tf.tensor1d(p.activations, 'float32');
      const m = tf.tensor1d(p.mask, 'float32');
      const masked = tf.mul(a, m);
      const train = layer ? tf.div(masked, keepProb) : masked;
      // Inverted: a real Keras-style Dropout layer called with training=false (the identity).
      const inference = layer ? (layer.apply(a, { training: false }) as typeof a) : tf.mul(a, keepProb);
      return { train: Array.from(train.dataSync()), inference: Array.from(inference.dataSync()) };
    });
    layer?.dispose();
    return compareParts(s, got, `tf.mul by the mask${p.convention === 'inverted' ? ', tf.div by 1 − p; inference via tf.layers.dropout with training=false' : '; inference tf.mul by 1 − p'}`);
  }
  const got = tf.tidy(() => {
    const out: Record<string, number | number[]> = {};
    const ts = p.grads.map((g) => tf.tensor1d(g.values, 'float32'));
    if (p.clipValue !== undefined) p.grads.forEach((g, i) => (out[`value.${g.name}`] = Array.from(tf.clipByValue(ts[i]!, -p.clipValue!, p.clipValue!).dataSync())));
    if (p.clipNorm !== undefined) {
      // Global norm = the norm of the per-tensor norms; factor c / max(‖g‖, c).
      const globalNorm = tf.norm(tf.stack(ts.map((t) => tf.norm(t))));
      const factor = tf.div(p.clipNorm, tf.maximum(globalNorm, p.clipNorm));
      out['globalNorm'] = globalNorm.dataSync()[0]!;
      p.grads.forEach((g, i) => (out[`norm.${g.name}`] = Array.from(tf.mul(ts[i]!, factor).dataSync())));
    }
    return out;
  });
  return compareParts(s, got, `${p.clipValue !== undefined ? 'tf.clipByValue; ' : ''}${p.clipNorm !== undefined ? 'global norm = tf.norm of the per-tensor tf.norm values, tensors × c/tf.maximum(‖g‖, c)' : ''}`.replace(/; $/, ''));
}

export const dropoutClipping: Family<DropoutClippingParams> = {
  id: 'dropout-clipping',
  title: 'Dropout and gradient clipping by hand',
  topic: 'optimisation',
  description: 'Inverted or classic dropout (training output with a given mask, inference output) and gradient clipping by value and by global norm.',
  params: paramsSchema,
  answerKinds: ['vector', 'scalar'],
  generate,
  statement,
  verify,
  ...mutantSolver(solveWith, FLAWS),
};
