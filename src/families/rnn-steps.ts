/**
 * Forward pass of a simple (Elman) RNN over a short sequence: 1–2 hidden units (up to 3 when
 * pinned), scalar or 2-d inputs, 1–4 steps (up to 6 pinned), h_t = φ(W_xh·x_t + W_hh·h_{t−1} + b)
 * from h_0 = 0 or a given h_0, φ ∈ {identity, ReLU, tanh, step}; optionally a single output unit
 * y_t = W_hy·h_t + b_y at the last step or at every step (a threshold unit when φ = step, as in the
 * course's "hard threshold" RNN exercise).
 *
 * Layout (CONVENTIONS.md #14): textbook h = φ(W_xh·x + W_hh·h + b) with W_xh of shape (units, inputs),
 * or Keras SimpleRNN h = φ(x·W + h·U + b) with the kernel W of shape (inputs, units) and the
 * recurrent kernel U of shape (units, units). The question states which.
 *
 * Exactness: identity, ReLU and step keep every value rational. tanh is transcendental, so tanh
 * questions ask for each h_t to `decimals` places: the key holds the *correctly rounded* value of
 * the exact chain h_t = tanh(… tanh(…) …), evaluated with 32-digit decimal arithmetic (decimal.js
 * directly, tanh x = (e^{2x} − 1)/(e^{2x} + 1) — not Math.tanh; floats only pre-filter the generator), and the tolerance (1.5 units in the last place) accepts
 * a student who rounds every step to that many places: the generator only keeps instances where
 * such per-step rounding moves no answer by more than one unit.
 *
 * verify(): a real tf.layers.simpleRNN (returnSequences: true, weights [kernel, recurrentKernel,
 * bias] in Keras layout, initialState h_0) applied to the sequence; the output unit is a real
 * tf.layers.dense on the returned sequence. The step activation is a registered custom tfjs
 * activation (1 where z ≥ 0), so the threshold network runs through the same real layer.
 */
import { z } from 'zod';
import { scalar, vector, type Answer, type Part, type Solution } from '../core/answer.js';
import { GenerationError } from '../core/errors.js';
import { q, real, ZERO, type Fraction } from '../core/exact.js';
import { AmbiguousValueError, fmtNum, fmtVec, nAdd, nApply, nMul, nSum, numQ, par, roundNum, fmtExact, type Fn, type Num } from '../core/approx.js';
import type { Rng } from '../core/rng.js';
import type { Numeric } from '../core/answer.js';
import { compareParts, type Check, type TF } from '../verify/tensor.js';
import { mutantSolver, type Flaw } from './mutants.js';
import { entry, toQ, type Entry } from './schemas.js';
import type { Block, Difficulty, Family, Statement } from './types.js';

// ---------- params ----------

const ACTIVATIONS = ['identity', 'relu', 'tanh', 'step'] as const;
type Activation = (typeof ACTIVATIONS)[number];

const matrixSchema = z.array(z.array(entry).min(1).max(3)).min(1).max(3);

const paramsSchema = z
  .object({
    /** textbook: h = φ(W_xh·x + W_hh·h + b), W_xh (units × inputs); keras: h = φ(x·W + h·U + b), kernel W (inputs × units), recurrent kernel U. */
    layout: z.enum(['textbook', 'keras']).default('textbook'),
    activation: z.enum(ACTIVATIONS),
    /** Input weights in the stated layout: W_xh (units × inputs) or the Keras kernel (inputs × units). */
    Wx: matrixSchema,
    /** Recurrent weights (units × units) in the stated layout: W_hh (h = W_hh·h_prev) or the Keras recurrent kernel (h_prev·U). */
    Wh: matrixSchema,
    /** Bias; its length is the number of hidden units. */
    b: z.array(entry).min(1).max(3),
    /** The input sequence x_1 … x_T, one vector per time step. */
    xs: z.array(z.array(entry).min(1).max(3)).min(1).max(6),
    /** Initial hidden state (default 0). */
    h0: z.array(entry).min(1).max(3).optional(),
    /** Weights of a single output unit y_t = W_hy·h_t + b_y (a threshold unit when the activation is 'step'). */
    Wy: z.array(entry).min(1).max(3).optional(),
    by: entry.optional(),
    /** Ask for y at the last step only, or for the whole output sequence. */
    outputs: z.enum(['last', 'all']).default('last'),
    /** tanh only: answers are rounded to this many decimals. */
    decimals: z.int().min(2).max(4).default(3),
  })
  .superRefine((p, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    const u = p.b.length;
    const d = p.xs[0]!.length;
    const keras = p.layout === 'keras';
    const hasShape = (m: readonly (readonly unknown[])[], rows: number, cols: number) => m.length === rows && m.every((r) => r.length === cols);
    let ok = true;
    if (p.xs.some((x) => x.length !== d)) {
      issue('xs', `every input x_t must have the same length (x_1 has ${d})`);
      ok = false;
    }
    if (!hasShape(p.Wx, keras ? d : u, keras ? u : d)) {
      issue('Wx', keras ? `the Keras kernel must be ${d}×${u} (inputs × units)` : `W_xh must be ${u}×${d} (units × inputs)`);
      ok = false;
    }
    if (!hasShape(p.Wh, u, u)) {
      issue('Wh', `the recurrent weights must be ${u}×${u} (units × units; units = length of b)`);
      ok = false;
    }
    if (p.h0 && p.h0.length !== u) {
      issue('h0', `h0 must have one entry per hidden unit (${u})`);
      ok = false;
    }
    if (p.Wy && p.Wy.length !== u) {
      issue('Wy', `the output weights must have one entry per hidden unit (${u})`);
      ok = false;
    }
    if (p.by !== undefined && !p.Wy) issue('by', 'an output bias needs output weights Wy');
    if (p.outputs === 'all' && !p.Wy) issue('outputs', "outputs: 'all' needs an output unit (Wy)");
    if (!ok) return;
    try {
      solveWith(p as RnnStepsParams, undefined, false);
    } catch (e) {
      if (e instanceof AmbiguousValueError) issue('xs', `degenerate instance: ${e.message}; change the weights or inputs`);
      else throw e;
    }
  });

export type RnnStepsParams = z.output<typeof paramsSchema>;

// ---------- exact solver ----------

type FlawId = 'no-recurrence' | 'no-bias' | 'no-activation' | 'transposed' | 'strict-threshold' | 'round-each-step';

const FLAWS: Flaw<FlawId>[] = [
  {
    id: 'no-recurrence',
    label: 'forgot the recurrent term',
    feedback: 'Each step also feeds the previous hidden state back in: h_t = φ(W_xh·x_t + W_hh·h_{t−1} + b). Only the first step (from h_0 = 0) has no recurrent contribution.',
  },
  { id: 'no-bias', label: 'forgot the bias', feedback: 'The bias b is added at every time step, before the activation.' },
  { id: 'no-activation', label: 'forgot the activation', feedback: 'The activation φ is applied to the pre-activation at every step, and the activated value is what is fed back as h_t.' },
  {
    id: 'transposed',
    label: 'used the transposed weight matrices',
    feedback: 'Check the layout: the textbook form multiplies W_hh·h (rows = units), the Keras form h·U (columns = units); mixing them up transposes the matrices.',
  },
  { id: 'strict-threshold', label: 'used z > 0 instead of z ≥ 0 for the threshold', feedback: 'The threshold unit fires (outputs 1) when its total input is ≥ 0, so an input of exactly 0 gives 1.' },
];

/** Textbook orientation: A (units × inputs), H (units × units). */
function weights(p: RnnStepsParams, transposed: boolean) {
  const Wx = p.Wx.map((r) => r.map(toQ));
  const Wh = p.Wh.map((r) => r.map(toQ));
  const t = (m: Fraction[][]) => m[0]!.map((_, j) => m.map((r) => r[j]!));
  const keras = p.layout === 'keras';
  const A = keras ? t(Wx) : Wx;
  const H = keras ? t(Wh) : Wh;
  if (!transposed) return { A, H };
  return { A: A.length === A[0]!.length ? t(A) : A, H: t(H) };
}

const isSymmetric = (m: Fraction[][]) => m.every((r, i) => r.every((v, j) => v.equals(m[j]![i]!)));

const FN: Record<Activation, Fn> = { identity: 'identity', relu: 'relu', tanh: 'tanh', step: 'step' };
const PHI: Record<Activation, string> = { identity: 'identity', relu: 'ReLU', tanh: 'tanh', step: 'step' };

/**
 * The solver. `flaw` switches one step to a typical mistake; 'round-each-step' is not a mistake but
 * the student who rounds every h_t to `decimals` places before feeding it back (the generator uses
 * it to keep tanh answers robust).
 */
function solveWith(p: RnnStepsParams, flaw?: FlawId, withSteps = flaw === undefined): Solution | undefined {
  const u = p.b.length;
  const d = p.xs[0]!.length;
  const T = p.xs.length;
  const keras = p.layout === 'keras';
  const step = p.activation === 'step';
  if (flaw === 'no-activation' && p.activation === 'identity') return undefined;
  if (flaw === 'transposed' && u === 1) return undefined;
  if (flaw === 'strict-threshold' && !step) return undefined;
  const { A, H } = weights(p, flaw === 'transposed');
  if (flaw === 'transposed' && isSymmetric(H) && (A.length !== A[0]!.length || isSymmetric(A))) return undefined;
  const phi: Fn = flaw === 'no-activation' ? 'identity' : flaw === 'strict-threshold' ? 'stepStrict' : FN[p.activation];
  const b = p.b.map((v) => (flaw === 'no-bias' ? numQ(ZERO) : numQ(toQ(v))));
  const steps: string[] = [];
  const say = withSteps ? (line: () => string) => void steps.push(line()) : () => {};
  const scalarNet = u === 1 && d === 1;
  const vecText = (xs: readonly Num[]) => (xs.length === 1 ? fmtNum(xs[0]!) : fmtVec(xs));
  const rounding = p.activation === 'tanh';
  const roundEach = flaw === 'round-each-step';

  let h = (p.h0 ?? Array.from({ length: u }, () => 0)).map((v) => numQ(toQ(v)));
  say(() => `Start from h_0 = ${vecText(h)}${p.h0 ? '' : ' (zero initial state)'}.`);
  const hs: Num[][] = [];
  for (let t = 1; t <= T; t++) {
    const x = p.xs[t - 1]!.map((v) => numQ(toQ(v)));
    const xPart = A.map((row) => nSum(row.map((w, j) => nMul(numQ(w), x[j]!))));
    const hPart = H.map((row) => (flaw === 'no-recurrence' ? numQ(ZERO) : nSum(row.map((w, j) => nMul(numQ(w), h[j]!)))));
    const a = xPart.map((v, i) => nAdd(nAdd(v, hPart[i]!), b[i]!));
    const prev = h;
    h = a.map((v) => nApply(phi, v));
    if (roundEach && rounding) h = h.map((v) => numQ(roundNum(v, p.decimals)));
    hs.push(h);
    const hNew = h;
    say(() => {
      if (scalarNet) {
        const wx = fmtExact(A[0]![0]!);
        const wh = fmtExact(H[0]![0]!);
        const terms = `${par(wx)}·${par(fmtNum(x[0]!))} + ${par(wh)}·${par(fmtNum(prev[0]!))} + ${par(fmtNum(b[0]!))}`;
        const act = phi === 'identity' ? `h_${t} = a_${t}` : `h_${t} = ${PHI[p.activation]}(${fmtNum(a[0]!)})`;
        return `t = ${t}: a_${t} = w_x·x_${t} + w_h·h_${t - 1} + b = ${terms} = ${fmtNum(a[0]!)} ⇒ ${act} = ${fmtNum(hNew[0]!)}${rounding ? ` ≈ ${fmtExact(roundNum(hNew[0]!, p.decimals))}` : ''}.`;
      }
      const xName = keras ? `x_${t}·W` : `W_xh·x_${t}`;
      const hName = keras ? `h_${t - 1}·U` : `W_hh·h_${t - 1}`;
      const act = phi === 'identity' ? `h_${t} = a_${t}` : `h_${t} = ${PHI[p.activation]}(a_${t})`;
      return `t = ${t}: ${xName} = ${vecText(xPart)}, ${hName} = ${vecText(hPart)}; a_${t} = ${xName} + ${hName} + b = ${vecText(a)} ⇒ ${act} = ${vecText(hNew)}${rounding ? ` ≈ (${hNew.map((v) => fmtExact(roundNum(v, p.decimals))).join(', ')})` : ''}.`;
    });
  }

  const unit = 10 ** -p.decimals;
  const answerOf = (xs: readonly Num[]): Pick<Part, 'answer' | 'decimals' | 'tolerance' | 'rounded'> => {
    if (xs.every((v) => v.q)) {
      const vals = xs.map((v) => v.q!);
      return { answer: vals.length === 1 ? scalar(vals[0]!) : vector(vals) };
    }
    const vals = xs.map((v) => roundNum(v, p.decimals));
    return { answer: vals.length === 1 ? scalar(vals[0]!) : vector(vals), decimals: p.decimals, tolerance: { abs: 1.5 * unit }, rounded: {} };
  };
  const parts: Part[] = hs.map((ht, i) => ({ id: `h${i + 1}`, label: `hidden state h_${i + 1}`, ...answerOf(ht) }));

  if (p.Wy) {
    const wy = p.Wy.map((v) => numQ(toQ(v)));
    const by = flaw === 'no-bias' ? numQ(ZERO) : numQ(toQ(p.by ?? 0));
    const outFn: Fn = step ? phi : 'identity';
    const ys = hs.map((ht) => nApply(outFn, nAdd(nSum(wy.map((w, j) => nMul(w, ht[j]!))), by)));
    const asked = p.outputs === 'all' ? ys : [ys[T - 1]!];
    const outLine = (t: number) => {
      const ht = hs[t - 1]!;
      const terms = wy.map((w, j) => `${par(fmtNum(w))}·${par(fmtNum(ht[j]!))}`).join(' + ');
      const z = nAdd(nSum(wy.map((w, j) => nMul(w, ht[j]!))), by);
      const y = ys[t - 1]!;
      const approx = rounding && !y.q ? ` ≈ ${fmtExact(roundNum(y, p.decimals))}` : '';
      return step
        ? `y_${t} = step(${terms} + ${par(fmtNum(by))}) = step(${fmtNum(z)}) = ${fmtNum(y)}`
        : `y_${t} = W_hy·h_${t} + b_y = ${terms} + ${par(fmtNum(by))} = ${fmtNum(y)}${approx}`;
    };
    if (p.outputs === 'all') {
      for (let t = 1; t <= T; t++) say(() => `${outLine(t)};`);
      say(() => `Output sequence (y_1, …, y_${T}) = ${fmtVec(ys)}.`);
    } else say(() => `${outLine(T)}.`);
    if (p.outputs === 'all') parts.push({ id: 'y', label: `output sequence (y_1, …, y_${T})`, ...answerOf(asked) });
    else parts.push({ id: 'yT', label: `output y_${T}`, ...answerOf(asked) });
  }
  return { parts, steps };
}

const { solve, mistakes } = mutantSolver<RnnStepsParams, FlawId>((p, f) => solveWith(p, f), FLAWS);

// ---------- generation ----------

type Shape = 'scalar' | 'vector' | 'tanh' | 'threshold' | 'long';

interface Plan {
  shape: Shape;
  /** scalar/vector shapes: ReLU or identity. */
  relu: boolean;
  /** tanh shape: hidden units. */
  units: number;
}

/** The kind of question, drawn once per instance (before the retries, so that rarely-nice kinds keep their share). */
function pickPlan(rng: Rng, difficulty: Difficulty): Plan {
  const shape: Shape = difficulty === 1 ? 'scalar' : difficulty === 2 ? 'vector' : rng.weighted<Shape>([['tanh', 4], ['threshold', 2.5], ['long', 3]]);
  return { shape, relu: rng.bool(shape === 'scalar' ? 0.6 : 0.65), units: rng.pick([1, 1, 2]) };
}

function candidate(rng: Rng, { shape, relu, units }: Plan): RnnStepsParams {
  const mat = (rows: number, cols: number, draw: () => number) => Array.from({ length: rows }, () => Array.from({ length: cols }, draw));
  const seq = (T: number, d: number, draw: () => number) => Array.from({ length: T }, () => Array.from({ length: d }, draw));
  const t = (m: number[][]) => m[0]!.map((_, j) => m.map((r) => r[j]!));
  switch (shape) {
    case 'scalar': {
      const T = rng.pick([2, 3, 3]);
      return {
        layout: 'textbook',
        activation: relu ? 'relu' : 'identity',
        Wx: [[rng.nonZeroInt(-2, 3)]],
        Wh: [[rng.nonZeroInt(-2, 2)]],
        b: [rng.int(-2, 2)],
        xs: seq(T, 1, () => rng.int(-3, 3)),
        outputs: 'last',
        decimals: 3,
      };
    }
    case 'vector': {
      const d = rng.pick([1, 2]);
      const T = rng.pick([2, 3]);
      const layout = rng.bool(0.5) ? 'keras' : 'textbook';
      const half = () => (rng.bool(0.12) ? rng.pick([0.5, -0.5]) : rng.int(-2, 2));
      const A = mat(2, d, half);
      const H = mat(2, 2, () => rng.int(-2, 2));
      const out = rng.bool(0.4);
      return {
        layout,
        activation: relu ? 'relu' : 'identity',
        Wx: layout === 'keras' ? t(A) : A,
        Wh: layout === 'keras' ? t(H) : H,
        b: [rng.int(-2, 2), rng.int(-2, 2)],
        xs: seq(T, d, () => rng.int(-2, 3)),
        ...(out ? { Wy: [rng.nonZeroInt(-2, 2), rng.nonZeroInt(-2, 2)], by: rng.int(-2, 2) } : {}),
        outputs: 'last',
        decimals: 3,
      };
    }
    case 'tanh': {
      const u = units;
      const T = rng.pick([2, 3]);
      const w = () => rng.pick([-1, -0.5, 0.5, 1, 1, 2]);
      const layout = u === 2 && rng.bool(0.4) ? 'keras' : 'textbook';
      const A = mat(u, 1, w);
      const H = mat(u, u, () => rng.pick([-1, -0.5, 0, 0.5, 1]));
      const out = rng.bool(0.3);
      return {
        layout,
        activation: 'tanh',
        Wx: layout === 'keras' ? t(A) : A,
        Wh: layout === 'keras' ? t(H) : H,
        b: Array.from({ length: u }, () => rng.pick([-1, -0.5, 0, 0.5, 1])),
        xs: seq(T, 1, () => rng.nonZeroInt(-2, 2)),
        ...(out ? { Wy: Array.from({ length: u }, () => rng.nonZeroInt(-2, 2)), by: rng.int(-1, 1) } : {}),
        outputs: 'last',
        decimals: 3,
      };
    }
    case 'threshold': {
      // The course's "hard threshold" RNN: binary inputs, threshold hidden and output units.
      const T = 4;
      const sign = () => rng.pick([-1, 1]);
      return {
        layout: 'textbook',
        activation: 'step',
        Wx: mat(2, 1, sign),
        Wh: mat(2, 2, () => rng.pick([-1, 0, 1, 1, -1])),
        b: [rng.pick([-1.5, -0.5, 0.5, 1.5, 0, -1]), rng.pick([-1.5, -0.5, 0.5, 1.5, 0, 1])],
        xs: seq(T, 1, () => rng.int(0, 1)),
        Wy: [sign(), sign()],
        by: rng.pick([-1.5, -0.5, 0.5, -1]),
        outputs: 'all',
        decimals: 3,
      };
    }
    case 'long': {
      const d = rng.pick([1, 2]);
      const T = rng.pick([3, 4]);
      const layout = rng.bool(0.5) ? 'keras' : 'textbook';
      const w = () => rng.pick([-2, -1, -0.5, 0, 0.5, 1, 1, 2]);
      const A = mat(2, d, w);
      const H = mat(2, 2, () => rng.pick([-1, -0.5, 0, 0.5, 1]));
      const out = rng.bool(0.5);
      return {
        layout,
        activation: 'relu',
        Wx: layout === 'keras' ? t(A) : A,
        Wh: layout === 'keras' ? t(H) : H,
        b: [rng.int(-2, 2), rng.int(-2, 2)],
        xs: seq(T, d, () => rng.int(-2, 3)),
        ...(rng.bool(0.5) ? { h0: rng.shuffle([rng.nonZeroInt(-1, 2), rng.int(-1, 2)]) } : {}),
        ...(out ? { Wy: [rng.nonZeroInt(-2, 2), rng.nonZeroInt(-2, 2)], by: rng.int(-2, 2) } : {}),
        outputs: 'last',
        decimals: 3,
      };
    }
  }
}

const valuesOf = (a: Answer): Fraction[] => (a.kind === 'scalar' ? [a.value.coef] : a.kind === 'vector' ? a.value.map((r) => r.coef) : []);

/** A float run of the network (cheap pre-filter for the generator; the exact solver decides). */
function simulate(p: RnnStepsParams, activation: Activation = p.activation): { hs: number[][]; ys: number[] } {
  const { A, H } = weights(p, false);
  const a = A.map((r) => r.map((v) => v.valueOf()));
  const hm = H.map((r) => r.map((v) => v.valueOf()));
  const b = p.b.map((v) => toQ(v).valueOf());
  const f = (z: number) => (activation === 'relu' ? Math.max(0, z) : activation === 'tanh' ? Math.tanh(z) : activation === 'step' ? (z >= 0 ? 1 : 0) : z);
  let h = (p.h0 ?? p.b.map(() => 0)).map((v) => toQ(v).valueOf());
  const hs: number[][] = [];
  for (const xe of p.xs) {
    const x = xe.map((v) => toQ(v).valueOf());
    const prev = h;
    h = a.map((row, i) => f(row.reduce((acc, w, j) => acc + w * x[j]!, b[i]!) + hm[i]!.reduce((acc, w, j) => acc + w * prev[j]!, 0)));
    hs.push(h);
  }
  const wy = (p.Wy ?? []).map((v) => toQ(v).valueOf());
  const by = toQ(p.by ?? 0).valueOf();
  const ys = p.Wy ? hs.map((ht) => wy.reduce((acc, w, j) => acc + w * ht[j]!, by)).map((z) => (activation === 'step' ? (z >= 0 ? 1 : 0) : z)) : [];
  return { hs, ys };
}

/** "Nice", in floats: small numbers, informative activations, states that change. */
function roughlyNice(p: RnnStepsParams, difficulty: Difficulty, rng: Rng): boolean {
  const u = p.b.length;
  const { A, H } = weights(p, false);
  if (u === 2 && isSymmetric(H)) return false; // the layout must matter
  // Every unit reads the input, and the recurrence is not trivial.
  if (A.some((r) => r.every((v) => v.n === 0n)) || H.every((r) => r.every((v) => v.n === 0n))) return false;
  const { hs, ys } = simulate(p);
  if ([...hs.flat(), ...ys].some((v) => Math.abs(v) > 20)) return false;
  const zero = (xs: number[]) => xs.every((v) => v === 0);
  if (zero(hs[hs.length - 1]!)) return false;
  // At most one all-zero state (a ReLU or threshold network may switch off once, not for good).
  if (hs.filter(zero).length > (p.activation === 'step' || p.activation === 'relu' ? 1 : 0)) return false;
  const same = (x: number[], y: number[]) => x.every((v, i) => Math.abs(v - y[i]!) < 1e-9);
  if (p.activation !== 'step' && hs.some((x, i) => i > 0 && same(x, hs[i - 1]!))) return false;
  if (p.activation === 'relu') {
    const clipped = simulate(p, 'identity').hs.some((x, i) => !same(x, hs[i]!));
    if (difficulty >= 2 && !clipped) return false;
    if (difficulty === 1 && !clipped && rng.bool(0.5)) return false;
  }
  if (p.activation === 'step') {
    if (new Set(hs.map((x) => x.join())).size < 3) return false;
    if (ys.every((v) => v === ys[0])) return false;
  }
  // tanh: keep every state in the informative range (not saturated, not ≈ 0).
  if (p.activation === 'tanh' && hs.flat().some((v) => Math.abs(v) > 0.95 || Math.abs(v) < 0.05)) return false;
  return true;
}

/** "Nice", exactly: small denominators, (tanh) answers robust to per-step rounding, mistakes to detect. */
function nice(p: RnnStepsParams): boolean {
  const sol = solveWith(p, undefined, false)!;
  if (p.activation !== 'tanh' && sol.parts.some((x) => valuesOf(x.answer).some((v) => v.d > 8n))) return false;
  if (p.activation === 'tanh') {
    const rounded = solveWith(p, 'round-each-step', false)!;
    for (const part of sol.parts) {
      const a = valuesOf(part.answer);
      const b = valuesOf(rounded.parts.find((x) => x.id === part.id)!.answer);
      if (a.some((v, i) => v.sub(b[i]!).abs().compare(q(1, 10 ** p.decimals)) > 0)) return false;
    }
  }
  return mistakes(p).length >= 2;
}

function generate(rng: Rng, o: { difficulty: Difficulty }): RnnStepsParams {
  const plan = pickPlan(rng.fork('plan'), o.difficulty);
  for (let attempt = 0; attempt < 400; attempt++) {
    const r = rng.fork(attempt);
    const c = candidate(r, plan);
    // Cheap float checks first; the schema and the exact solver only see plausible candidates.
    if (!roughlyNice(c, o.difficulty, r)) continue;
    const parsed = paramsSchema.safeParse(c);
    if (parsed.success && nice(parsed.data)) return parsed.data;
  }
  throw new GenerationError('rnn-steps: no valid instance in 400 attempts');
}

// ---------- statement ----------

function statement(p: RnnStepsParams): Statement {
  const u = p.b.length;
  const d = p.xs[0]!.length;
  const T = p.xs.length;
  const keras = p.layout === 'keras';
  const scalarNet = u === 1 && d === 1;
  const e = (v: Entry) => fmtExact(toQ(v));
  const vecE = (vs: readonly Entry[]) => (vs.length === 1 ? e(vs[0]!) : `(${vs.map(e).join(', ')})`);
  const phiText: Record<Activation, string> = {
    identity: 'φ is the identity (a linear RNN)',
    relu: 'φ = ReLU, ReLU(z) = max(0, z)',
    tanh: 'φ = tanh',
    step: 'φ is the hard threshold step(z) = 1 if z ≥ 0, else 0',
  };
  const h0Text = p.h0 ? `h_0 = ${vecE(p.h0)}` : 'h_0 = 0';
  let text: string;
  const blocks: Block[] = [];
  const realsM = (m: readonly (readonly Entry[])[]) => m.map((r) => r.map((v) => real(toQ(v))));
  const realsV = (v: readonly Entry[]) => v.map((x) => real(toQ(x)));
  const inputsInline = d === 1 && T <= 4;
  const inputsText = inputsInline ? p.xs.map((x, i) => `x_${i + 1} = ${e(x[0]!)}`).join(', ') : `x_1, …, x_${T} as in the table`;
  if (scalarNet) {
    text =
      `A recurrent network has one input and one hidden unit: h_t = φ(w_x·x_t + w_h·h_{t−1} + b) with w_x = ${e(p.Wx[0]![0]!)}, w_h = ${e(p.Wh[0]![0]!)}, b = ${e(p.b[0]!)}, ` +
      `${h0Text}, and ${phiText[p.activation]}. The input sequence is ${inputsText}.`;
  } else if (keras) {
    text =
      `A Keras SimpleRNN layer with ${u} units (return_sequences=True) reads a sequence of ${d}-dimensional inputs. It computes h_t = φ(x_t·W + h_{t−1}·U + b) with row vectors x_t, h_t, ` +
      `the kernel W (shape ${d}×${u}), the recurrent kernel U (${u}×${u}) and the bias b given below, ${h0Text}, and ${phiText[p.activation]}. The input sequence is ${inputsText}.`;
    blocks.push({ kind: 'matrix', name: 'W (kernel)', value: realsM(p.Wx) }, { kind: 'matrix', name: 'U (recurrent kernel)', value: realsM(p.Wh) }, { kind: 'vector', name: 'b', value: realsV(p.b) });
  } else {
    text =
      `A simple (Elman) recurrent layer has ${u} hidden unit${u > 1 ? 's' : ''} and ${d}-dimensional inputs. Its hidden state is updated by h_t = φ(W_xh·x_t + W_hh·h_{t−1} + b), ` +
      `with W_xh, W_hh and b given below, ${h0Text}, and ${phiText[p.activation]}. The input sequence is ${inputsText}.`;
    blocks.push({ kind: 'matrix', name: 'W_xh', value: realsM(p.Wx) }, { kind: 'matrix', name: 'W_hh', value: realsM(p.Wh) }, { kind: 'vector', name: 'b', value: realsV(p.b) });
  }
  if (p.h0 && !scalarNet) blocks.push({ kind: 'vector', name: 'h_0', value: realsV(p.h0) });
  if (!inputsInline) blocks.push({ kind: 'table', header: ['t', 'x_t'], rows: p.xs.map((x, i) => [String(i + 1), vecE(x)]) });
  const asks = p.xs.map((_, i) => `h_${i + 1}`);
  if (p.Wy) {
    const step = p.activation === 'step';
    const w = u === 1 ? `w_y = ${e(p.Wy[0]!)}` : `W_hy = (${p.Wy.map(e).join(', ')})`;
    const dot = u === 1 ? 'w_y·h_t' : 'W_hy·h_t';
    text += ` A single output unit computes y_t = ${step ? `step(${dot} + b_y)` : `${dot} + b_y`} with ${w} and b_y = ${e(p.by ?? 0)}.`;
    asks.push(p.outputs === 'all' ? `the output sequence (y_1, …, y_${T})` : `the output y_${T}`);
  }
  const letters = 'abcdefghij';
  text += ` Compute ${asks.map((a, i) => `(${letters[i]}) ${a}`).join(', ')}.`;
  text +=
    p.activation === 'tanh'
      ? ` Give each value rounded to ${p.decimals} decimals (carry at least ${p.decimals + 1} decimals from one step to the next).`
      : ' Give exact values.';
  const layoutText = scalarNet
    ? 'One input, one hidden unit: all weights are scalars.'
    : keras
      ? `Keras SimpleRNN layout (CONVENTIONS #14): the kernel W has shape (inputs, units) and multiplies the row vector x_t from the right (x_t·W); column j of W and of U feeds unit j.`
      : `Textbook layout: W_xh has shape (units, inputs) and multiplies the column vector x_t (W_xh·x_t); row i of W_xh and of W_hh feeds unit i.`;
  const extra = p.activation === 'step' ? ' Threshold units fire when their total input is ≥ 0 (an input of exactly 0 gives 1).' : '';
  return {
    text,
    blocks,
    convention: `${layoutText} The same weights are used at every time step; h_t is fed back unchanged (after the activation).${extra}`,
  };
}

// ---------- verification (a real tf.layers.simpleRNN) ----------

const HEAVISIDE = 'dlexamHeaviside';
const registered = new WeakSet<object>();

/** A tfjs activation for the threshold unit (1 where z ≥ 0), registered once per tfjs instance under a unique name. */
function registerHeaviside(tf: TF): void {
  if (registered.has(tf.serialization)) return;
  class Heaviside extends tf.serialization.Serializable {
    static className = HEAVISIDE;
    getConfig() {
      return {};
    }
    apply(x: import('@tensorflow/tfjs').Tensor) {
      return tf.tidy(() => tf.cast(tf.greaterEqual(x, 0), 'float32'));
    }
  }
  tf.serialization.registerClass(Heaviside as unknown as Parameters<typeof tf.serialization.registerClass>[0]);
  registered.add(tf.serialization);
}

const TF_ACTIVATION: Record<Activation, string> = { identity: 'linear', relu: 'relu', tanh: 'tanh', step: HEAVISIDE };

async function verify(p: RnnStepsParams, s: Solution, tf: TF): Promise<Check> {
  registerHeaviside(tf);
  const num = (v: Entry) => toQ(v).valueOf();
  const u = p.b.length;
  const d = p.xs[0]!.length;
  const T = p.xs.length;
  const tr = (m: number[][]) => m[0]!.map((_, j) => m.map((r) => r[j]!));
  const Wx = p.Wx.map((r) => r.map(num));
  const Wh = p.Wh.map((r) => r.map(num));
  // Keras layout for the layer: kernel (inputs, units), recurrent kernel (units, units).
  const kernel = p.layout === 'keras' ? Wx : tr(Wx);
  const recurrent = p.layout === 'keras' ? Wh : tr(Wh);
  const init = [tf.tensor2d(kernel, [d, u]), tf.tensor2d(recurrent, [u, u]), tf.tensor1d(p.b.map(num))];
  const activation = TF_ACTIVATION[p.activation] as 'linear';
  const rnn = tf.layers.simpleRNN({ units: u, activation, returnSequences: true, useBias: true, weights: init });
  // The given weights replace whatever the initialisers make: zeros, not a random orthogonal matrix (a QR in tf ops).
  rnn.setFastWeightInitDuringBuild(true);
  const x = tf.tensor3d([p.xs.map((r) => r.map(num))], [1, T, d]);
  const h0 = tf.tensor2d([(p.h0 ?? Array.from({ length: u }, () => 0)).map(num)], [1, u]);
  const out: import('@tensorflow/tfjs').Tensor[] = [];
  let dense: ReturnType<TF['layers']['dense']> | undefined;
  let denseInit: import('@tensorflow/tfjs').Tensor[] = [];
  const computed: Record<string, Numeric> = {};
  try {
    const seq = rnn.apply(x, { initialState: [h0] }) as import('@tensorflow/tfjs').Tensor;
    out.push(seq);
    const hs = (seq.arraySync() as number[][][])[0]!;
    hs.forEach((h, t) => (computed[`h${t + 1}`] = u === 1 ? h[0]! : h));
    if (p.Wy) {
      denseInit = [tf.tensor2d(p.Wy.map(num), [u, 1]), tf.tensor1d([num(p.by ?? 0)])];
      dense = tf.layers.dense({ units: 1, activation: (p.activation === 'step' ? HEAVISIDE : 'linear') as 'linear', weights: denseInit });
      dense.setFastWeightInitDuringBuild(true);
      const y = dense.apply(seq) as import('@tensorflow/tfjs').Tensor;
      out.push(y);
      const ys = (y.arraySync() as number[][][])[0]!.map((r) => r[0]!);
      if (p.outputs === 'all') computed['y'] = ys;
      else computed['yT'] = ys[T - 1]!;
    }
  } finally {
    tf.dispose([...init, ...denseInit, x, h0, ...out]);
    rnn.dispose();
    dense?.dispose();
  }
  return compareParts(
    s,
    computed,
    `tf.layers.simpleRNN (activation '${p.activation === 'step' ? 'step (custom, z ≥ 0)' : activation}', returnSequences, Keras-layout weights, initialState h_0)${p.Wy ? ' + tf.layers.dense output' : ''}`,
  );
}

export const rnnSteps: Family<RnnStepsParams> = {
  id: 'rnn-steps',
  title: 'Simple RNN forward steps',
  topic: 'rnn',
  description: 'Hidden states h_1 … h_T (and an output y) of a 1–2 unit simple RNN with identity, ReLU, tanh or threshold activation, textbook or Keras weight layout.',
  params: paramsSchema,
  answerKinds: ['scalar', 'vector'],
  generate,
  statement,
  solve,
  verify,
  mistakes,
};
