/**
 * One to three update steps of gradient descent, SGD with momentum (PyTorch, Keras or EMA form) or
 * Adam on a stated loss of one or two parameters, optionally with an L2 penalty λ‖w‖².
 *
 * Losses whose gradients stay rational at rational points:
 *   quadratic   L(w) = a(w − c)²
 *   separable   L(w₁, w₂) = a₁(w₁ − c₁)² + a₂(w₂ − c₂)²
 *   coupled     L(w₁, w₂) = a·w₁² + b·w₂² + c·w₁w₂          (convex: c² < 4ab)
 *   regression  L(w, b) = ½(w·x + b − y)²                   (one training example, as in the course notes)
 * The L2 penalty λΣw² adds 2λw to the gradient (CONVENTIONS.md #7; PyTorch weight_decay = λ adds λw).
 *
 * Momentum (CONVENTIONS.md #6), selected by `momentumForm`:
 *   pytorch  v ← βv + g,        w ← w − ηv   (torch.optim.SGD, dampening 0; tf.train.momentum is this form)
 *   keras    v ← βv − ηg,       w ← w + v    (same iterates as pytorch; velocity = −η × the pytorch one)
 *   ema      v ← βv + (1 − β)g, w ← w − ηv   (the "exponentially weighted average" form of some courses)
 *
 * Adam and exactness: the question says "take ε = 0". Step 1 is then w₀ − η·sign(g) (m̂₁ = g, v̂₁ = g²),
 * rational. In step 2, m̂₂ and v̂₂ are rational, so m̂₂/√v̂₂ = (m̂₂/(s·r))·√r (√v̂₂ = s√r) is a single surd
 * and w₂ = w₁ − η·m̂₂/√v̂₂ is rat + coef·√r — exact (Real), printed to `decimals` places with a tolerance.
 * A third step would need the gradient at an irrational w₂ and then √ of an element of Q(√r), a nested
 * radical: Adam questions stop at 2 steps. A mutant whose w₁ is already irrational (Adam without bias
 * correction) reports only the parts up to w₁.
 *
 * verify(): the real tf.train optimizers (sgd, momentum, adam with ε = 0 — tfjs 4.22 adds ε after the
 * bias-corrected √, and accepts 0) minimise the loss written in tf ops on a tf.variable, one
 * optimizer.minimize() per step; the gradient at the start comes from tf.grad; velocities and Adam
 * moments are read from the optimizer's own state (getWeights()), the Keras velocity as w_t − w_{t−1}.
 * tfjs momentum is the pytorch form (accumulation ← β·acc + g, w ← w − η·acc; momentum_optimizer.js);
 * the EMA form runs as tfjs momentum on the loss scaled by (1 − β), whose accumulation is then exactly
 * the EMA velocity (β·acc + (1 − β)g) and whose update is w − η·acc.
 */
import { z } from 'zod';
import type { Scalar, Tensor, Tensor1D } from '@tensorflow/tfjs';
import { scalar, vector, type Answer, type Numeric, type Part, type Solution } from '../core/answer.js';
import { GenerationError } from '../core/errors.js';
import { fmtDecimal, fmtQ, fmtReal, isRational, q, rationalPart, real, realValue, sqrtQ, ONE, ZERO, type Fraction, type Real } from '../core/exact.js';
import type { Rng } from '../core/rng.js';
import { compareParts, type Check, type TF } from '../verify/tensor.js';
import { mutantSolver, type Flaw } from './mutants.js';
import { isRationalText, rationalText } from './schemas.js';
import type { Difficulty, Family, Statement } from './types.js';

// ---------- params ----------

/** An exact rational: an integer, or a string "1/10", "-3", "0.9" (parsed exactly, never as a float). */
const rational = z
  .union([
    z.int().min(-999999).max(999999),
    rationalText,
  ])
  .transform(String);

const lossSchema = z.discriminatedUnion('kind', [
  /** L(w) = a(w − c)². */
  z.object({ kind: z.literal('quadratic'), a: rational, c: rational }).strict(),
  /** L(w₁, w₂) = a₁(w₁ − c₁)² + a₂(w₂ − c₂)². */
  z.object({ kind: z.literal('separable'), a: z.tuple([rational, rational]), c: z.tuple([rational, rational]) }).strict(),
  /** L(w₁, w₂) = a·w₁² + b·w₂² + c·w₁w₂. */
  z.object({ kind: z.literal('coupled'), a: rational, b: rational, c: rational }).strict(),
  /** L(w, b) = ½(w·x + b − y)²: a linear model on one training example (x, y). */
  z.object({ kind: z.literal('regression'), x: rational, y: rational }).strict(),
]);

export type OptimiserLoss = z.output<typeof lossSchema>;

const paramsSchema = z
  .object({
    optimizer: z.enum(['gd', 'momentum', 'adam']),
    /** Momentum only: which update form (see the file comment). */
    momentumForm: z.enum(['pytorch', 'keras', 'ema']).optional(),
    /** Momentum only: β. */
    beta: rational.optional(),
    /** Adam only: β₁, β₂ (defaults 9/10 and 999/1000). ε is always 0. */
    beta1: rational.optional(),
    beta2: rational.optional(),
    /** Learning rate η. */
    lr: rational,
    loss: lossSchema,
    /** Starting point: [w] for the quadratic loss, [w₁, w₂] or [w, b] otherwise. */
    w0: z.array(rational).min(1).max(2),
    /** L2 penalty λ: the objective is L + λΣw². */
    l2: rational.optional(),
    steps: z.int().min(1).max(3),
    /** Decimals for Adam's irrational second step. */
    decimals: z.literal([3, 4]).default(4),
  })
  .superRefine((p, ctx) => {
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    // Malformed numbers are reported on their own field; the rules below need them parsed.
    const texts = [p.beta, p.beta1, p.beta2, p.lr, p.l2, ...p.w0, ...lossNumbers(p.loss)];
    if (!texts.every((x) => x === undefined || isRationalText(x))) return;
    const inUnit = (x: string | undefined) => x === undefined || (Q(x).compare(ZERO) > 0 && Q(x).compare(ONE) < 0);

    if (p.optimizer === 'momentum') {
      if (p.momentumForm === undefined) issue(['momentumForm'], 'momentum needs "momentumForm": "pytorch", "keras" or "ema"');
      if (p.beta === undefined) issue(['beta'], 'momentum needs "beta" (β, e.g. "9/10")');
      else if (!inUnit(p.beta)) issue(['beta'], 'β must lie strictly between 0 and 1');
    } else {
      if (p.momentumForm !== undefined) issue(['momentumForm'], 'momentumForm is only for optimizer "momentum"');
      if (p.beta !== undefined) issue(['beta'], 'beta is only for optimizer "momentum" (Adam takes beta1, beta2)');
    }
    if (p.optimizer !== 'adam') {
      if (p.beta1 !== undefined) issue(['beta1'], 'beta1 is only for optimizer "adam"');
      if (p.beta2 !== undefined) issue(['beta2'], 'beta2 is only for optimizer "adam"');
    } else {
      if (!inUnit(p.beta1)) issue(['beta1'], 'β₁ must lie strictly between 0 and 1');
      if (!inUnit(p.beta2)) issue(['beta2'], 'β₂ must lie strictly between 0 and 1');
      if (p.steps > 2) issue(['steps'], 'Adam is asked for at most 2 steps: from step 3 on the exact answer is a nested radical');
    }
    if (Q(p.lr).compare(ZERO) <= 0) issue(['lr'], 'the learning rate must be positive');
    if (p.l2 !== undefined && Q(p.l2).compare(ZERO) <= 0) issue(['l2'], 'the L2 coefficient λ must be positive (leave it out for no penalty)');

    const L = p.loss;
    let lossOk = true;
    const lossIssue = (field: string, message: string) => {
      lossOk = false;
      issue(['loss', field], message);
    };
    if (L.kind === 'quadratic' && Q(L.a).compare(ZERO) <= 0) lossIssue('a', 'a must be positive (a bowl with a minimum)');
    if (L.kind === 'separable' && L.a.some((a) => Q(a).compare(ZERO) <= 0)) lossIssue('a', 'a₁ and a₂ must be positive');
    if (L.kind === 'coupled') {
      const [a, b, c] = [Q(L.a), Q(L.b), Q(L.c)];
      if (a.compare(ZERO) <= 0 || b.compare(ZERO) <= 0) lossIssue('a', 'a and b must be positive');
      else if (c.n === 0n) lossIssue('c', 'c = 0 is not coupled: use kind "separable"');
      else if (c.mul(c).compare(a.mul(b).mul(q(4))) >= 0) lossIssue('c', 'the loss must be convex: c² < 4ab');
    }
    if (L.kind === 'regression' && Q(L.x).n === 0n) lossIssue('x', 'x must not be 0 (w would get no gradient)');

    if (p.w0.length !== nParams(L)) {
      issue(['w0'], `loss "${L.kind}" has ${nParams(L)} parameter${nParams(L) === 1 ? '' : 's'}: give w0 with ${nParams(L)} entr${nParams(L) === 1 ? 'y' : 'ies'}`);
      return;
    }
    if (!lossOk || (p.l2 !== undefined && Q(p.l2).compare(ZERO) <= 0)) return;
    const g0 = objectiveGradient(p, p.w0.map(Q)).g;
    if (g0.every((g) => g.n === 0n)) issue(['w0'], 'the start is already a stationary point: every step would stay at w0');
    else if (p.optimizer === 'adam' && g0.some((g) => g.n === 0n))
      issue(['w0'], 'with ε = 0, Adam divides 0 by 0 where a gradient component is 0 at the start: pick another start');
  });

export type OptimiserStepsParams = z.output<typeof paramsSchema>;

function lossNumbers(L: OptimiserLoss): string[] {
  switch (L.kind) {
    case 'quadratic':
      return [L.a, L.c];
    case 'separable':
      return [...L.a, ...L.c];
    case 'coupled':
      return [L.a, L.b, L.c];
    case 'regression':
      return [L.x, L.y];
  }
}

const nParams = (L: OptimiserLoss): 1 | 2 => (L.kind === 'quadratic' ? 1 : 2);
const paramNames = (L: OptimiserLoss): string[] => (L.kind === 'quadratic' ? ['w'] : L.kind === 'regression' ? ['w', 'b'] : ['w₁', 'w₂']);
const adamBetas = (p: OptimiserStepsParams): [Fraction, Fraction] => [Q(p.beta1 ?? '9/10'), Q(p.beta2 ?? '999/1000')];

// ---------- exact helpers ----------

const Q = (s: string): Fraction => q(s);
/** "−3/4" with a real minus sign, for text. */
const fmt = (x: Fraction) => fmtQ(x).replace('-', '−');
/** A factor in a product: parenthesise negatives and fractions. */
const par = (x: Fraction) => (x.d === 1n && x.s >= 0n ? fmt(x) : `(${fmt(x)})`);
const fmtR = (x: Real) => fmtReal(x).replace(/-/g, '−');
/** "x − c" with the sign of c folded in: "1 − 3", "1 + 3", "1/2 − 0". */
const minus = (x: Fraction, c: Fraction) => (c.s < 0n && c.n !== 0n ? `${fmt(x)} + ${fmt(c.neg())}` : `${fmt(x)} − ${fmt(c)}`);
const SUB = '₀₁₂₃₄₅₆₇₈₉';
const sub = (t: number) => String(t).replace(/\d/g, (d) => SUB[Number(d)]!);
const SUP = '⁰¹²³⁴⁵⁶⁷⁸⁹';
const sup = (t: number) => String(t).replace(/\d/g, (d) => SUP[Number(d)]!);

/**
 * A given number as the question prints it: integers and short terminating decimals as decimals
 * ("0.1", "0.999", "−2"), anything else as a fraction ("1/3"). Always the exact value.
 */
function given(x: Fraction): string {
  if (x.d === 1n) return fmt(x);
  let d = x.d;
  let twos = 0;
  let fives = 0;
  while (d % 2n === 0n) {
    d /= 2n;
    twos++;
  }
  while (d % 5n === 0n) {
    d /= 5n;
    fives++;
  }
  const places = Math.max(twos, fives);
  if (d !== 1n || places > 4) return fmt(x);
  const scaled = (x.n * 10n ** BigInt(places)) / x.d;
  const digits = scaled.toString().padStart(places + 1, '0');
  return `${x.s < 0n ? '−' : ''}${digits.slice(0, -places)}.${digits.slice(-places)}`;
}
/** A given number as a factor in a worked product: "0.5", "(−2)", "(1/3)". */
const pg = (x: Fraction) => (x.s < 0n || given(x).includes('/') ? `(${given(x)})` : given(x));
/** A coefficient in front of a term: "", "2", "0.5", "(1/3)". */
const coefText = (x: Fraction) => (x.equals(ONE) ? '' : x.d === 1n || !given(x).includes('/') ? given(x) : `(${given(x)})`);

// ---------- gradients, with switches for typical mistakes ----------

type FlawId =
  | 'sign-error'
  | 'forgot-factor-2'
  | 'ignored-half'
  | 'l2-lambda-w'
  | 'l2-forgot'
  | 'no-momentum'
  | 'swapped-form'
  | 'adam-no-bias-correction'
  | 'adam-sign-step';

const FLAWS: Flaw<FlawId>[] = [
  { id: 'sign-error', label: 'stepped up the gradient (w + η·g)', feedback: 'Descent moves against the gradient: w ← w − η·(update). Adding it makes the loss grow.' },
  { id: 'forgot-factor-2', label: 'forgot the factor 2 of the square', feedback: 'd/dw (w − c)² = 2(w − c) and d/dw w² = 2w: the exponent comes down as a factor 2.' },
  { id: 'ignored-half', label: 'ignored the ½ of the squared error', feedback: 'The ½ in ½(ŷ − y)² cancels the 2 of the square: ∂L/∂w = (ŷ − y)·x and ∂L/∂b = ŷ − y.' },
  { id: 'l2-lambda-w', label: 'L2 gradient λw instead of 2λw', feedback: 'The penalty λΣw² has gradient 2λw. (PyTorch\'s weight_decay = λ adds λw — a different convention from the penalty stated here.)' },
  { id: 'l2-forgot', label: 'forgot the L2 penalty', feedback: 'The optimizer minimises the whole objective L + λΣw²: its gradient includes 2λw.' },
  { id: 'no-momentum', label: 'dropped the velocity of the previous step', feedback: 'The velocity carries over: v_t = β·v_{t−1} + …; from step 2 on the previous velocity adds to the new gradient.' },
  { id: 'swapped-form', label: 'mixed up the EMA and PyTorch momentum forms', feedback: 'PyTorch (and Keras, up to the factor −η) add the full gradient, v ← βv + g; the EMA form adds (1 − β)·g. Use the form the question states.' },
  { id: 'adam-no-bias-correction', label: 'Adam without bias correction', feedback: 'Adam divides by 1 − β₁ᵗ and 1 − β₂ᵗ: m̂_t = m_t/(1 − β₁ᵗ), v̂_t = v_t/(1 − β₂ᵗ). With ε = 0 the first step is exactly η·sign(g).' },
  { id: 'adam-sign-step', label: 'took every Adam step as η·sign(g)', feedback: 'Only the first step (ε = 0) has length exactly η: later m̂_t/√v̂_t mixes gradients of different sizes and is no longer ±1.' },
];

interface Gradient {
  g: Fraction[];
  /** One worked line per component: "2·2·(1 − 3) + 2·0.1·1 = −39/5" (none for a mutant). */
  text: string[];
}

/** ∇ of the objective (loss + optional L2 penalty) at a rational point. */
function objectiveGradient(p: OptimiserStepsParams, w: Fraction[], flaw?: FlawId): Gradient {
  const L = p.loss;
  // Mutants only need answers: they build no step text (`text` guards every string built for a step).
  const text = flaw === undefined;
  const two = flaw === 'forgot-factor-2' ? ONE : q(2);
  const twoText = flaw === 'forgot-factor-2' ? '' : '2·';
  let g: Fraction[];
  let lines: string[] = [];
  switch (L.kind) {
    case 'quadratic':
    case 'separable': {
      const as = L.kind === 'quadratic' ? [Q(L.a)] : L.a.map(Q);
      const cs = L.kind === 'quadratic' ? [Q(L.c)] : L.c.map(Q);
      g = w.map((wi, i) => two.mul(as[i]!).mul(wi.sub(cs[i]!)));
      if (text) lines = w.map((wi, i) => `${twoText}${pg(as[i]!)}·(${minus(wi, cs[i]!)})`);
      break;
    }
    case 'coupled': {
      const [a, b, c] = [Q(L.a), Q(L.b), Q(L.c)];
      const [w1, w2] = [w[0]!, w[1]!];
      g = [two.mul(a).mul(w1).add(c.mul(w2)), two.mul(b).mul(w2).add(c.mul(w1))];
      if (text) lines = [`${twoText}${pg(a)}·${par(w1)} + ${pg(c)}·${par(w2)}`, `${twoText}${pg(b)}·${par(w2)} + ${pg(c)}·${par(w1)}`];
      break;
    }
    case 'regression': {
      const [x, y] = [Q(L.x), Q(L.y)];
      const r = x.mul(w[0]!).add(w[1]!).sub(y);
      const k = flaw === 'ignored-half' ? q(2) : ONE;
      const kText = flaw === 'ignored-half' ? '2·' : '';
      g = [k.mul(r).mul(x), k.mul(r)];
      if (text) {
        const rText = `(${pg(x)}·${par(w[0]!)} + ${par(w[1]!)} − ${pg(y)})`;
        lines = [`${kText}${rText}·${pg(x)}`, `${kText}${rText}`];
      }
      break;
    }
  }
  if (p.l2 !== undefined && flaw !== 'l2-forgot') {
    const lambda = Q(p.l2);
    const k = flaw === 'l2-lambda-w' ? ONE : q(2);
    g = g.map((gi, i) => gi.add(k.mul(lambda).mul(w[i]!)));
    if (text) lines = lines.map((t, i) => `${t} + ${flaw === 'l2-lambda-w' ? '' : '2·'}${pg(lambda)}·${par(w[i]!)}`);
  }
  return { g, text: lines.map((t, i) => `${t} = ${fmt(g[i]!)}`) };
}

/** The symbolic gradient, as the first worked line. */
function gradientFormula(p: OptimiserStepsParams): string {
  const L = p.loss;
  const J = p.l2 === undefined ? 'L' : 'J';
  const pen = (v: string) => (p.l2 === undefined ? '' : ` + 2λ${v}`);
  switch (L.kind) {
    case 'quadratic':
      return `∂${J}/∂w = 2a(w − c)${pen('w')}.`;
    case 'separable':
      return `∂${J}/∂w₁ = 2a₁(w₁ − c₁)${pen('w₁')}, ∂${J}/∂w₂ = 2a₂(w₂ − c₂)${pen('w₂')}.`;
    case 'coupled':
      return `∂${J}/∂w₁ = 2a·w₁ + c·w₂${pen('w₁')}, ∂${J}/∂w₂ = 2b·w₂ + c·w₁${pen('w₂')}.`;
    case 'regression':
      return `With r = w·x + b − y (the error ŷ − y): ∂${J}/∂w = r·x${pen('w')}, ∂${J}/∂b = r${pen('b')}.`;
  }
}

// ---------- the solver ----------

function applies(p: OptimiserStepsParams, flaw: FlawId | undefined): boolean {
  switch (flaw) {
    case undefined:
    case 'sign-error':
      return true;
    case 'forgot-factor-2':
      return p.loss.kind !== 'regression';
    case 'ignored-half':
      return p.loss.kind === 'regression';
    case 'l2-lambda-w':
    case 'l2-forgot':
      return p.l2 !== undefined;
    case 'no-momentum':
    case 'swapped-form':
      return p.optimizer === 'momentum';
    case 'adam-no-bias-correction':
    case 'adam-sign-step':
      return p.optimizer === 'adam';
  }
}

const ADAM_TOL_UNITS = 0.6;

function solveWith(p: OptimiserStepsParams, flaw?: FlawId): Solution | undefined {
  if (!applies(p, flaw)) return undefined;
  const n = nParams(p.loss);
  const names = paramNames(p.loss);
  const theta = n === 1 ? 'w' : 'θ';
  const J = p.l2 === undefined ? 'L' : 'J';
  const eta = Q(p.lr);
  const sgn = flaw === 'sign-error' ? ONE : q(-1); // w_t = w_{t−1} + sgn·η·(update)
  const pack = (xs: readonly (Fraction | Real)[]): Answer => (n === 1 ? scalar(xs[0]!) : vector(xs));
  const show = (xs: readonly Fraction[]) => (n === 1 ? fmt(xs[0]!) : `(${xs.map(fmt).join(', ')})`);
  /** The same as a factor in a product. */
  const showP = (xs: readonly Fraction[]) => (n === 1 ? par(xs[0]!) : show(xs));
  const parts: Part[] = [];
  // Mutants only need answers: they build no step text (`text` guards every string built for a step).
  const text = flaw === undefined;
  const steps: string[] = text ? [gradientFormula(p)] : [];

  const gradAt = (w: Fraction[], t: number): Fraction[] => {
    const gr = objectiveGradient(p, w, flaw);
    if (text) {
      const at = `${theta}${sub(t - 1)} = ${show(w)}`;
      steps.push(n === 1 ? `At ${at}: ∇${J} = ${gr.text[0]!}.` : `At ${at}: ${gr.text.map((x, i) => `∂${J}/∂${names[i]!} = ${x}`).join('; ')}.`);
    }
    return gr.g;
  };

  let w: Fraction[] = p.w0.map(Q);
  const g0 = gradAt(w, 1);
  parts.push({ id: 'g0', label: `∇${J}(${theta}₀)${n === 1 ? ' = ∂' + J + '/∂w at w₀' : ` = (${names.map((x) => `∂${J}/∂${x}`).join(', ')}) at the start`}`, answer: pack(g0) });
  const wLabel = (t: number) => (n === 1 ? `w${sub(t)} (after step ${t})` : `${theta}${sub(t)} = (${names.join(', ')}) after step ${t}`);

  if (p.optimizer === 'gd') {
    for (let t = 1; t <= p.steps; t++) {
      const g = t === 1 ? g0 : gradAt(w, t);
      const next = w.map((wi, i) => wi.add(sgn.mul(eta).mul(g[i]!)));
      if (text) steps.push(`Step ${t}: ${theta}${sub(t)} = ${theta}${sub(t - 1)} − η·∇${J} = ${show(w)} − ${given(eta)}·${showP(g)} = ${show(next)}.`);
      w = next;
      parts.push({ id: `w${t}`, label: wLabel(t), answer: pack(w) });
    }
    return { parts, steps };
  }

  if (p.optimizer === 'momentum') {
    const beta = Q(p.beta!);
    const stated = p.momentumForm!;
    // The internal recursion is pytorch-like (v ← k·v + c·g, w ← w − η·v); Keras' velocity is w_t − w_{t−1}.
    const ema = (stated === 'ema') !== (flaw === 'swapped-form');
    const keep = flaw === 'no-momentum' ? ZERO : beta;
    const gain = ema ? ONE.sub(beta) : ONE;
    let v: Fraction[] = w.map(() => ZERO);
    let shown: Fraction[] = v;
    for (let t = 1; t <= p.steps; t++) {
      const g = t === 1 ? g0 : gradAt(w, t);
      const vNext = v.map((vi, i) => keep.mul(vi).add(gain.mul(g[i]!)));
      const next = w.map((wi, i) => wi.add(sgn.mul(eta).mul(vNext[i]!)));
      const reported = stated === 'keras' ? next.map((x, i) => x.sub(w[i]!)) : vNext;
      if (text) {
        if (stated === 'keras')
          steps.push(
            `Step ${t}: v${sub(t)} = β·v${sub(t - 1)} − η·∇${J} = ${given(beta)}·${showP(shown)} − ${given(eta)}·${showP(g)} = ${show(reported)}; ${theta}${sub(t)} = ${theta}${sub(t - 1)} + v${sub(t)} = ${show(next)}.`,
          );
        else
          steps.push(
            `Step ${t}: v${sub(t)} = β·v${sub(t - 1)} + ${ema ? '(1 − β)·' : ''}∇${J} = ${given(beta)}·${showP(v)} + ${ema ? `${given(ONE.sub(beta))}·${showP(g)}` : show(g)} = ${show(vNext)}; ${theta}${sub(t)} = ${theta}${sub(t - 1)} − η·v${sub(t)} = ${show(w)} − ${given(eta)}·${showP(vNext)} = ${show(next)}.`,
          );
      }
      shown = reported;
      v = vNext;
      w = next;
      parts.push({ id: `v${t}`, label: n === 1 ? `velocity v${sub(t)}` : `velocity v${sub(t)} (both components)`, answer: pack(reported) });
      parts.push({ id: `w${t}`, label: wLabel(t), answer: pack(w) });
    }
    return { parts, steps };
  }

  // Adam, ε = 0.
  const [b1, b2] = adamBetas(p);
  const correct = flaw !== 'adam-no-bias-correction';
  let m: Fraction[] = w.map(() => ZERO);
  let s: Fraction[] = w.map(() => ZERO);
  let wr: Real[] = w.map((x) => real(x));
  for (let t = 1; t <= p.steps; t++) {
    if (!wr.every(isRational)) {
      // Only a mutant gets here (its w₁ is a surd): the gradient at w₁ would leave single surds.
      if (!flaw) throw new Error('optimiser-steps: Adam iterate left the rationals');
      break;
    }
    w = wr.map(rationalPart);
    const g = t === 1 ? g0 : gradAt(w, t);
    const [mPrev, sPrev] = [m, s];
    m = m.map((mi, i) => b1.mul(mi).add(ONE.sub(b1).mul(g[i]!)));
    s = s.map((si, i) => b2.mul(si).add(ONE.sub(b2).mul(g[i]!).mul(g[i]!)));
    const c1 = correct ? ONE.sub(b1.pow(t)) : ONE;
    const c2 = correct ? ONE.sub(b2.pow(t)) : ONE;
    const mHat = m.map((x) => x.div(c1));
    const vHat = s.map((x) => x.div(c2));
    const mPart = { id: `m${t}`, label: n === 1 ? `first moment m${sub(t)}` : `first moment m${sub(t)} (both components)`, answer: pack(m) };
    const vPart = { id: `v${t}`, label: n === 1 ? `second moment v${sub(t)}` : `second moment v${sub(t)} (both components)`, answer: pack(s) };
    if (vHat.some((x) => x.n === 0n)) {
      // 0/0 with ε = 0: only a mutant whose gradient component vanishes (the schema rules it out).
      if (!flaw) throw new Error('optimiser-steps: Adam 0/0');
      parts.push(mPart, vPart);
      break;
    }
    const next: Real[] = w.map((wi, i) => {
      if (flaw === 'adam-sign-step') return real(wi.add(sgn.mul(eta).mul(q(mHat[i]!.s, 1n))));
      const root = sqrtQ(vHat[i]!); // s·√r
      const step = sgn.mul(eta).mul(mHat[i]!).div(root.coef).div(q(root.rad, 1n)); // ∓η·m̂/(s√r) = ∓(η·m̂/(s·r))·√r
      return root.rad === 1n ? real(wi.add(step)) : { coef: step, rad: root.rad, rat: wi };
    });
    const irrational = !next.every(isRational);
    if (text) {
      const dec = (x: Real) => fmtDecimal(realValue(x), p.decimals).replace('-', '−');
      const approx = (xs: Real[]) => (n === 1 ? dec(xs[0]!) : `(${xs.map(dec).join(', ')})`);
      const sqrtText = n === 1 ? (isRational(sqrtQ(vHat[0]!)) ? par(rationalPart(sqrtQ(vHat[0]!))) : `(${fmtR(sqrtQ(vHat[0]!))})`) : '';
      const showR = (xs: Real[]) => (n === 1 ? fmtR(xs[0]!) : `(${xs.map(fmtR).join(', ')})`);
      const sq = n === 1 ? `${par(g[0]!)}²` : `(${g.map((x) => `${par(x)}²`).join(', ')})`;
      steps.push(
        `Step ${t}: m${sub(t)} = β₁·m${sub(t - 1)} + (1 − β₁)·g${sub(t)} = ${given(b1)}·${showP(mPrev)} + ${given(ONE.sub(b1))}·${showP(g)} = ${show(m)}; ` +
          `v${sub(t)} = β₂·v${sub(t - 1)} + (1 − β₂)·g${sub(t)}² = ${given(b2)}·${showP(sPrev)} + ${given(ONE.sub(b2))}·${sq} = ${show(s)}.`,
      );
      steps.push(
        `m̂${sub(t)} = m${sub(t)}/(1 − β₁${sup(t)}) = ${show(mHat)}; v̂${sub(t)} = v${sub(t)}/(1 − β₂${sup(t)}) = ${show(vHat)}; √v̂${sub(t)} = ${n === 1 ? fmtR(sqrtQ(vHat[0]!)) : `(${vHat.map((x) => fmtR(sqrtQ(x))).join(', ')})`}.`,
      );
      steps.push(
        `${theta}${sub(t)} = ${theta}${sub(t - 1)} − η·m̂${sub(t)}/(√v̂${sub(t)} + ε) = ${show(w)} − ${given(eta)}·${n === 1 ? `${par(mHat[0]!)}/${sqrtText}` : 'm̂/√v̂'} = ${showR(next)}${irrational ? ` ≈ ${approx(next)}` : ''}.`,
      );
    }
    wr = next;
    parts.push(mPart, vPart);
    parts.push({
      id: `w${t}`,
      label: wLabel(t),
      answer: pack(wr),
      ...(irrational ? { decimals: p.decimals, tolerance: { abs: ADAM_TOL_UNITS * 10 ** -p.decimals } } : {}),
    });
  }
  return { parts, steps };
}

// ---------- generation ----------

const A = ['1', '2', '3', '1/2'];
const LR_GD = ['1/10', '1/4', '1/5', '1/2', '1/20'];
const LR_MOM = ['1/10', '1/5', '1/4', '1/2'];
const LR_ADAM = ['1/10', '1/2', '1/100', '1/5'];
/** Two Adam steps: η = 0.01 would make the second step indistinguishable from ±η at 4 decimals. */
const LR_ADAM2 = ['1/10', '1/2', '1/5', '1'];
const BETAS = ['9/10', '1/2'];
const L2S = ['1/10', '1/20', '1/4', '1/2'];

function pickLoss(rng: Rng, kinds: readonly OptimiserLoss['kind'][]): { loss: OptimiserLoss; w0: string[] } {
  const kind = rng.pick(kinds);
  const int = (lo: number, hi: number) => String(rng.int(lo, hi));
  switch (kind) {
    case 'quadratic': {
      const c = rng.int(-4, 4);
      let w = rng.int(-4, 5);
      if (w === c) w = c + rng.pick([-2, -1, 1, 2, 3]);
      return { loss: { kind, a: rng.pick(A), c: String(c) }, w0: [String(w)] };
    }
    case 'separable': {
      const c = [rng.int(-3, 3), rng.int(-3, 3)];
      const w = c.map((ci) => ci + rng.pick([-3, -2, -1, 1, 2, 3]));
      return { loss: { kind, a: [rng.pick(A), rng.pick(A)], c: [String(c[0]), String(c[1])] }, w0: w.map(String) };
    }
    case 'coupled': {
      const a = rng.pick(['1', '2', '3', '1/2']);
      const b = rng.pick(['1', '2', '3']);
      const c = rng.pick(['1', '-1', '2', '-2']);
      return { loss: { kind, a, b, c }, w0: [int(-3, 3), int(-3, 3)] };
    }
    case 'regression':
      return {
        loss: { kind, x: rng.pick(['1', '2', '3', '-1', '-2', '4']), y: int(-6, 8) },
        w0: [rng.pick(['0', '1', '-1', '2', '1/2', '-1/2']), rng.pick(['0', '1', '-1', '2'])],
      };
  }
}

function candidate(rng: Rng, difficulty: Difficulty): OptimiserStepsParams {
  const base = { decimals: 4 as const };
  if (difficulty === 1) {
    const { loss, w0 } = pickLoss(rng, ['quadratic', 'quadratic', 'separable']);
    return { ...base, optimizer: 'gd', lr: rng.pick(LR_GD), loss, w0, steps: loss.kind === 'quadratic' ? rng.int(1, 2) : 1 };
  }
  const optimizer = rng.weighted<OptimiserStepsParams['optimizer']>(
    difficulty === 2 ? [['gd', 1], ['momentum', 2], ['adam', 1.5]] : [['gd', 1], ['momentum', 2], ['adam', 2]],
  );
  const l2 = difficulty === 3 && rng.bool(optimizer === 'gd' ? 0.7 : 0.4) ? { l2: rng.pick(L2S) } : {};
  if (optimizer === 'gd') {
    const { loss, w0 } = pickLoss(rng, ['separable', 'coupled', 'coupled', 'regression', 'regression']);
    return { ...base, optimizer, lr: rng.pick(LR_GD), loss, w0, steps: difficulty === 2 ? 2 : rng.int(2, 3), ...l2 };
  }
  if (optimizer === 'momentum') {
    const two = difficulty === 3 && rng.bool(0.5);
    const { loss, w0 } = pickLoss(rng, two ? ['separable', 'coupled', 'regression'] : ['quadratic']);
    return {
      ...base,
      optimizer,
      momentumForm: rng.weighted<'pytorch' | 'keras' | 'ema'>([['pytorch', 2], ['keras', 1], ['ema', 1.5]]),
      beta: rng.pick(BETAS),
      lr: rng.pick(LR_MOM),
      loss,
      w0,
      steps: difficulty === 2 || two ? 2 : 3,
      ...l2,
    };
  }
  const { loss, w0 } = pickLoss(rng, difficulty === 2 ? ['quadratic', 'quadratic', 'separable'] : ['quadratic', 'separable', 'coupled', 'regression']);
  return { ...base, optimizer, beta1: '9/10', beta2: '999/1000', lr: rng.pick(difficulty === 2 ? LR_ADAM : LR_ADAM2), loss, w0, steps: difficulty === 2 ? 1 : 2, ...l2 };
}

const MAX_DEN: Record<Difficulty, bigint> = { 1: 100n, 2: 1000n, 3: 10000n };

/** Small exact answers, and every step actually moves (no step lands where the gradient is 0 before the end). */
function nice(p: OptimiserStepsParams, s: Solution, difficulty: Difficulty): boolean {
  for (const part of s.parts) {
    const values = part.answer.kind === 'scalar' ? [part.answer.value] : part.answer.kind === 'vector' ? part.answer.value : [];
    // Adam's moments carry (1 − β₂) = 0.001 factors: exact decimals with up to 8 places are fine there.
    const moment = p.optimizer === 'adam' && /^[mv]\d$/.test(part.id);
    for (const v of values) {
      if (Math.abs(realValue(v)) > 200) return false;
      if (!isRational(v)) {
        if (v.rad > 10n ** 9n) return false;
        continue;
      }
      const d = rationalPart(v).d;
      if (d > MAX_DEN[difficulty] && !(moment && d <= 10n ** 8n && 10n ** 8n % d === 0n)) return false;
    }
  }
  const ws = s.parts.filter((x) => /^w\d$/.test(x.id)).map((x) => x.answer);
  let prev: Answer = vector(p.w0.map(Q));
  for (const w of ws) {
    const a = w.kind === 'scalar' ? [w.value] : w.kind === 'vector' ? w.value : [];
    const b = prev.kind === 'scalar' ? [prev.value] : prev.kind === 'vector' ? prev.value : [];
    if (a.some((x, i) => Math.abs(realValue(x) - realValue(b[i]!)) < 1e-12)) return false;
    prev = w;
  }
  // Adam's second step must visibly differ from a second "η·sign(g)" step at the asked precision.
  if (p.optimizer === 'adam' && p.steps === 2) {
    const naive = solveWith(p, 'adam-sign-step')!.parts.find((x) => x.id === 'w2')!.answer;
    const right = s.parts.find((x) => x.id === 'w2')!.answer;
    const flat = (a: Answer) => (a.kind === 'scalar' ? [a.value] : a.kind === 'vector' ? a.value : []);
    const b = flat(naive);
    if (flat(right).some((x, i) => Math.abs(realValue(x) - realValue(b[i]!)) < 3 * 10 ** -p.decimals)) return false;
  }
  // Gradient components at the start all non-zero: each coordinate takes part.
  const g0 = s.parts[0]!.answer;
  return (g0.kind === 'scalar' ? [g0.value] : g0.kind === 'vector' ? g0.value : []).every((x) => realValue(x) !== 0);
}

function generate(rng: Rng, o: { difficulty: Difficulty }): OptimiserStepsParams {
  for (let attempt = 0; attempt < 200; attempt++) {
    const parsed = paramsSchema.safeParse(candidate(rng.fork(attempt), o.difficulty));
    if (!parsed.success) continue;
    const p = parsed.data;
    const s = solveWith(p)!;
    if (nice(p, s, o.difficulty)) return p;
  }
  throw new GenerationError('optimiser-steps: no nice instance in 200 attempts');
}

// ---------- statement ----------

function term(k: Fraction, body: string, first: boolean): string {
  const sign = k.s < 0n ? (first ? '−' : ' − ') : first ? '' : ' + ';
  return `${sign}${coefText(k.abs())}${body}`;
}

function lossText(L: OptimiserLoss): string {
  const sq = (v: string, c: Fraction) => (c.n === 0n ? `${v}²` : `(${v} ${c.s < 0n ? '+' : '−'} ${given(c.abs())})²`);
  switch (L.kind) {
    case 'quadratic':
      return `L(w) = ${term(Q(L.a), sq('w', Q(L.c)), true)}`;
    case 'separable':
      return `L(w₁, w₂) = ${term(Q(L.a[0]), sq('w₁', Q(L.c[0])), true)}${term(Q(L.a[1]), sq('w₂', Q(L.c[1])), false)}`;
    case 'coupled':
      return `L(w₁, w₂) = ${term(Q(L.a), 'w₁²', true)}${term(Q(L.b), 'w₂²', false)}${term(Q(L.c), 'w₁w₂', false)}`;
    case 'regression':
      return `L(w, b) = ½(ŷ − y)² = ½(w·x + b − y)²`;
  }
}

function statement(p: OptimiserStepsParams): Statement {
  const L = p.loss;
  const n = nParams(L);
  const names = paramNames(L);
  const theta = n === 1 ? 'w' : 'θ';
  const J = p.l2 === undefined ? 'L' : 'J';
  const eta = given(Q(p.lr));
  const start = n === 1 ? `w₀ = ${given(Q(p.w0[0]!))}` : `θ₀ = (${names.join(', ')}) = (${p.w0.map((x) => given(Q(x))).join(', ')})`;
  const zero = n === 1 ? '0' : '(0, 0)';
  const intro =
    L.kind === 'regression'
      ? `A linear model ŷ = w·x + b is trained on the single example (x, y) = (${given(Q(L.x))}, ${given(Q(L.y))}) with the squared-error loss ${lossText(L)}.`
      : `Consider the loss ${lossText(L)}.`;
  const penalty =
    p.l2 === undefined ? '' : ` The training objective adds an L2 penalty: J(${names.join(', ')}) = L(${names.join(', ')}) + λ(${names.map((x) => `${x}²`).join(' + ')}) with λ = ${given(Q(p.l2))}.`;
  const vec = n === 2 ? ` The update is applied to the vector θ = (${names.join(', ')}), component by component.` : '';
  let rule: string;
  let ask: string;
  const each = p.steps === 1 ? 'for the first step' : `for each of the first ${p.steps} steps`;
  const list = (sym: string) => Array.from({ length: p.steps }, (_, i) => `${sym}${sub(i + 1)}`).join(', ');
  switch (p.optimizer) {
    case 'gd':
      rule = `${J} is minimised by gradient descent with learning rate η = ${eta}: ${theta}_t = ${theta}_{t−1} − η·∇${J}(${theta}_{t−1}), starting from ${start}.`;
      ask = `Compute the gradient ∇${J}(${theta}₀) and ${p.steps === 1 ? `${theta}₁ after one step` : `${list(theta)} after each of the first ${p.steps} steps`}.`;
      break;
    case 'momentum': {
      const beta = given(Q(p.beta!));
      const form =
        p.momentumForm === 'pytorch'
          ? `v_t = β·v_{t−1} + ∇${J}(${theta}_{t−1}), ${theta}_t = ${theta}_{t−1} − η·v_t`
          : p.momentumForm === 'keras'
            ? `v_t = β·v_{t−1} − η·∇${J}(${theta}_{t−1}), ${theta}_t = ${theta}_{t−1} + v_t`
            : `v_t = β·v_{t−1} + (1 − β)·∇${J}(${theta}_{t−1}), ${theta}_t = ${theta}_{t−1} − η·v_t`;
      rule = `${J} is minimised by gradient descent with momentum, learning rate η = ${eta} and momentum β = ${beta}, using the update ${form}, starting from ${start} with v₀ = ${zero}.`;
      ask = `Compute the gradient ∇${J}(${theta}₀) and, ${each}, the velocity v_t and ${theta}_t (${list('v')}; ${list(theta)}).`;
      break;
    }
    case 'adam': {
      const [b1, b2] = adamBetas(p);
      rule =
        `${J} is minimised by Adam with η = ${eta}, β₁ = ${given(b1)}, β₂ = ${given(b2)} and ε = 0 (take ε = 0): with g_t = ∇${J}(${theta}_{t−1}), ` +
        `m_t = β₁·m_{t−1} + (1 − β₁)·g_t, v_t = β₂·v_{t−1} + (1 − β₂)·g_t², m̂_t = m_t/(1 − β₁ᵗ), v̂_t = v_t/(1 − β₂ᵗ), ` +
        `${theta}_t = ${theta}_{t−1} − η·m̂_t/(√v̂_t + ε), starting from ${start} with m₀ = v₀ = ${zero}.`;
      ask = `Compute the gradient ∇${J}(${theta}₀) and, ${each}, m_t, v_t and ${theta}_t (${list('m')}; ${list('v')}; ${list(theta)}).`;
      break;
    }
  }
  const exact =
    p.optimizer === 'adam' && p.steps === 2
      ? ` Give the gradient, m and v exactly (fractions or exact decimals) and ${theta}₂ to ${p.decimals} decimal places (keep full precision in intermediate results).`
      : ' Give exact values (fractions or exact decimals, not rounded).';
  return { text: `${intro}${penalty} ${rule}${vec} ${ask}${exact}`, convention: convention(p) };
}

function convention(p: OptimiserStepsParams): string {
  const out: string[] = [];
  if (p.optimizer === 'gd') out.push('Plain (full-batch) gradient descent: each step uses the exact gradient at the current point.');
  if (p.optimizer === 'momentum') {
    if (p.momentumForm === 'pytorch')
      out.push('Momentum in the PyTorch form (torch.optim.SGD with momentum=β, dampening 0, no Nesterov): v ← βv + g, w ← w − ηv. Keras writes v ← βv − ηg, w ← w + v: the same iterates, its velocity is −η times this one.');
    else if (p.momentumForm === 'keras')
      out.push('Momentum in the Keras form (keras.optimizers.SGD with momentum=β): v ← βv − ηg, w ← w + v. PyTorch writes v ← βv + g, w ← w − ηv: the same iterates, its velocity is −1/η times this one.');
    else
      out.push('Momentum in the exponentially-weighted-average form used in some courses: v ← βv + (1 − β)g, w ← w − ηv. PyTorch and Keras add the full gradient (v ← βv + g); the EMA form equals it with learning rate η(1 − β).');
  }
  if (p.optimizer === 'adam')
    out.push('Adam (Kingma & Ba) with bias correction, moments per coordinate, ε = 0. PyTorch and TensorFlow.js add ε after the bias-corrected √v̂ (Keras uses ε̂ on the uncorrected denominator); with ε = 0 all agree.');
  if (p.l2 !== undefined) out.push('L2 penalty λΣw² adds 2λw to the gradient (PyTorch weight_decay = λ would add λw).');
  return out.join(' ');
}

// ---------- verification ----------

/** A rational param as a float, parsed here (verify shares no arithmetic with the solver). */
function toFloat(s: string): number {
  const [a, b] = s.split('/');
  return Number(a) / (b === undefined ? 1 : Number(b));
}

async function verify(p: OptimiserStepsParams, s: Solution, tf: TF): Promise<Check> {
  const L = p.loss;
  const n = nParams(L);
  const w0 = p.w0.map(toFloat);
  const lr = toFloat(p.lr);
  const out = (xs: number[]): Numeric => (n === 1 ? xs[0]! : xs);

  const lossOf = (w: Tensor1D): Scalar => {
    let loss: Tensor;
    switch (L.kind) {
      case 'quadratic':
        loss = tf.sum(tf.mul(toFloat(L.a), tf.square(tf.sub(w, toFloat(L.c)))));
        break;
      case 'separable':
        loss = tf.sum(tf.mul(tf.tensor1d(L.a.map(toFloat)), tf.square(tf.sub(w, tf.tensor1d(L.c.map(toFloat))))));
        break;
      case 'coupled': {
        const [w1, w2] = tf.unstack(w) as [Scalar, Scalar];
        loss = tf.addN([tf.mul(toFloat(L.a), tf.square(w1)), tf.mul(toFloat(L.b), tf.square(w2)), tf.mul(toFloat(L.c), tf.mul(w1, w2))]);
        break;
      }
      case 'regression': {
        const [wv, bv] = tf.unstack(w) as [Scalar, Scalar];
        loss = tf.mul(0.5, tf.square(tf.sub(tf.add(tf.mul(toFloat(L.x), wv), bv), toFloat(L.y))));
        break;
      }
    }
    if (p.l2 !== undefined) loss = tf.add(loss, tf.mul(toFloat(p.l2), tf.sum(tf.square(w))));
    return loss as Scalar;
  };

  const computed: Record<string, Numeric> = {};
  computed['g0'] = out(tf.tidy(() => Array.from(tf.grad((w: Tensor) => lossOf(w as Tensor1D))(tf.tensor1d(w0)).dataSync())));

  const init = tf.tensor1d(w0);
  const w = tf.variable(init);
  init.dispose();
  const beta = p.beta === undefined ? 0 : toFloat(p.beta);
  // EMA form = tfjs (pytorch-form) momentum on the loss scaled by (1 − β).
  const scale = p.optimizer === 'momentum' && p.momentumForm === 'ema' ? 1 - beta : 1;
  const opt =
    p.optimizer === 'gd'
      ? tf.train.sgd(lr)
      : p.optimizer === 'momentum'
        ? tf.train.momentum(lr, beta)
        : tf.train.adam(lr, toFloat(p.beta1 ?? '9/10'), toFloat(p.beta2 ?? '999/1000'), 0);
  try {
    let prev = w0;
    for (let t = 1; t <= p.steps; t++) {
      opt.minimize(() => (scale === 1 ? lossOf(w) : tf.mul(lossOf(w), scale)) as Scalar);
      const cur = Array.from(w.dataSync());
      if (p.optimizer !== 'gd') {
        const state = await opt.getWeights(); // [iterations, …optimizer variables]
        state[0]!.tensor.dispose();
        if (p.optimizer === 'momentum') computed[`v${t}`] = out(p.momentumForm === 'keras' ? cur.map((x, i) => x - prev[i]!) : Array.from(state[1]!.tensor.dataSync()));
        else {
          computed[`m${t}`] = out(Array.from(state[1]!.tensor.dataSync()));
          computed[`v${t}`] = out(Array.from(state[2]!.tensor.dataSync()));
        }
      }
      computed[`w${t}`] = out(cur);
      prev = cur;
    }
  } finally {
    opt.dispose();
    // tfjs 4.22: MomentumOptimizer.dispose() forgets the −η scalar its SGD base class keeps.
    if (p.optimizer === 'momentum') tf.SGDOptimizer.prototype.dispose.call(opt);
    w.dispose();
  }
  const method =
    p.optimizer === 'gd'
      ? 'tf.train.sgd'
      : p.optimizer === 'momentum'
        ? `tf.train.momentum${p.momentumForm === 'ema' ? ' on the loss × (1 − β)' : ''}; velocity ${p.momentumForm === 'keras' ? 'w_t − w_{t−1}' : 'from getWeights()'}`
        : 'tf.train.adam with ε = 0; m, v from getWeights()';
  return compareParts(s, computed, `${method}; one minimize() per step on a tf.variable; gradient at the start by tf.grad`, { abs: 2e-5, rel: 1e-4 });
}

// ---------- the family ----------

export const optimiserSteps: Family<OptimiserStepsParams> = {
  id: 'optimiser-steps',
  title: 'Optimiser update steps (GD, momentum, Adam)',
  topic: 'optimisation',
  description: 'One to three steps of gradient descent, SGD with momentum (PyTorch/Keras/EMA form) or Adam (ε = 0) on a small quadratic loss, optionally with an L2 penalty.',
  params: paramsSchema,
  answerKinds: ['scalar', 'vector'],
  generate,
  statement,
  verify,
  ...mutantSolver(solveWith, FLAWS),
};
