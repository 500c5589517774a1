/**
 * Output layers and their losses for one example:
 *   - 'softmax': softmax of K logits, categorical cross-entropy (one-hot target, optional label
 *     smoothing as in Keras / PyTorch / tf.losses) and its gradient ∂L/∂z = p − y;
 *   - 'sigmoid': one sigmoid output p = σ(z) with binary cross-entropy (∂L/∂z = p − y) or the
 *     textbook ½(p − y)² (∂L/∂z = (p − y)·p(1 − p));
 *   - 'mse': mean squared error (mean or sum over the n outputs, with or without ½) and ∂L/∂ŷ.
 *
 * Exactness: logits are stated as z_i = c + ln w_i (or their exponentials e^(z_i) = w_i), so the
 * softmax is rational; σ(ln u) = u/(1 + u). Probabilities and gradients are exact. Cross-entropy
 * losses are logarithms: printed to `decimals` places, the key holding the correctly rounded
 * decimal (40-digit arithmetic, see roundedLn()), the symbolic form (ln(8/5)) in the steps.
 *
 * verify(): tf.softmax, tf.losses.softmaxCrossEntropy (its own label smoothing),
 * tf.losses.sigmoidCrossEntropy, tf.losses.meanSquaredError (its own Reduction) and tf.grad of
 * each loss with respect to the logits / predictions, on float logits c + ln w_i.
 */
import { z } from 'zod';
import { scalar, vector, type Numeric, type Part, type Solution } from '../core/answer.js';
import { GenerationError } from '../core/errors.js';
import { fmtQ, q, sum, ONE, ZERO, type Fraction } from '../core/exact.js';
import { fmtFixed, lnSumText, lnText, roundedLn, type LogBase } from '../core/logs.js';
import type { Rng } from '../core/rng.js';
import { compareParts, type Check, type TF } from '../verify/tensor.js';
import { mutantSolver, type Flaw } from './mutants.js';
import { isRationalText, rationalText } from './schemas.js';
import type { Difficulty, Family, Statement } from './types.js';

// ---------- params ----------

const rational = rationalText;
const isRational = isRationalText;
const decimals = z.literal([2, 3, 4]).default(3);

const softmaxTask = z
  .object({
    task: z.literal('softmax'),
    /** Positive weights w_i: the logits are z_i = shift + ln w_i, so e^(z_i) ∝ w_i. */
    weights: z.array(rational).min(2).max(6),
    /** A common integer added to every logit (softmax is shift-invariant). */
    shift: z.int().min(-10).max(10).default(0),
    /** 'logits': print z_i ("2 + ln 3"); 'exps': print e^(z_i) = w_i (needs shift 0). */
    show: z.enum(['logits', 'exps']).default('logits'),
    /** The true class, 1-based as printed. */
    target: z.int().min(1).max(6),
    /** Label smoothing ε (Keras/PyTorch/tf.losses): y = (1 − ε)·one-hot + ε/K. */
    smoothing: rational.optional(),
    decimals,
  })
  .strict();

const sigmoidTask = z
  .object({
    task: z.literal('sigmoid'),
    /** The logit is z = ln u, so σ(z) = u/(1 + u). */
    lnOf: rational,
    /** 'logit': print "z = ln 3"; 'exp-neg': print "e^(−z) = 1/3". */
    show: z.enum(['logit', 'exp-neg']).default('logit'),
    /** Target: 0, 1, or a soft label in [0, 1]. */
    y: rational,
    /** 'bce': −[y ln p + (1 − y) ln(1 − p)]; 'half-squared': ½(p − y)². */
    loss: z.enum(['bce', 'half-squared']),
    decimals,
  })
  .strict();

const mseTask = z
  .object({
    task: z.literal('mse'),
    predictions: z.array(rational).min(1).max(6),
    targets: z.array(rational).min(1).max(6),
    /** Textbook ½ factor: L = ½·(mean or sum) of the squared errors. */
    half: z.boolean().default(false),
    /** 'mean' (Keras MeanSquaredError, PyTorch MSELoss default) or 'sum' (PyTorch reduction='sum'). */
    reduction: z.enum(['mean', 'sum']).default('mean'),
  })
  .strict();

const paramsSchema = z.discriminatedUnion('task', [softmaxTask, sigmoidTask, mseTask]).superRefine((p, ctx) => {
  const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  const strings =
    p.task === 'softmax' ? [...p.weights, p.smoothing] : p.task === 'sigmoid' ? [p.lnOf, p.y] : [...p.predictions, ...p.targets];
  // Malformed numbers are reported on their own fields; the rules below need them parsed.
  if (!strings.every((x) => x === undefined || isRational(x))) return;
  if (p.task === 'softmax') {
    p.weights.forEach((w, i) => {
      if (q(w).compare(ZERO) <= 0) issue(['weights', i], 'weights must be positive (z_i = shift + ln w_i)');
    });
    if (p.target > p.weights.length) issue(['target'], `the target class must be between 1 and ${p.weights.length}`);
    if (p.show === 'exps' && p.shift !== 0) issue(['shift'], "with show 'exps' the printed e^(z_i) are the weights themselves: the shift must be 0");
    if (p.smoothing !== undefined) {
      const e = q(p.smoothing);
      if (e.compare(ZERO) <= 0 || e.compare(ONE) >= 0) issue(['smoothing'], 'label smoothing must satisfy 0 < ε < 1');
    }
  } else if (p.task === 'sigmoid') {
    if (q(p.lnOf).compare(ZERO) <= 0) issue(['lnOf'], 'lnOf must be positive (z = ln u)');
    const y = q(p.y);
    if (y.compare(ZERO) < 0 || y.compare(ONE) > 0) issue(['y'], 'the target y must lie in [0, 1]');
  } else {
    if (p.predictions.length !== p.targets.length) issue(['targets'], `give one target per prediction (${p.predictions.length})`);
    else if (p.predictions.every((x, i) => q(x).equals(q(p.targets[i]!)))) issue(['predictions'], 'every prediction equals its target: the loss and gradient are all zero');
  }
});

export type SoftmaxCrossEntropyParams = z.output<typeof paramsSchema>;
type SoftmaxP = Extract<SoftmaxCrossEntropyParams, { task: 'softmax' }>;
type SigmoidP = Extract<SoftmaxCrossEntropyParams, { task: 'sigmoid' }>;
type MseP = Extract<SoftmaxCrossEntropyParams, { task: 'mse' }>;

// ---------- exact helpers ----------

const fmt = (x: Fraction) => fmtQ(x).replace('-', '−');
const par = (x: Fraction) => (x.d === 1n && x.s >= 0n ? fmt(x) : `(${fmt(x)})`);
const vec = (xs: readonly Fraction[]) => `(${xs.map(fmt).join(', ')})`;
/** Right operand of a minus sign: parenthesised only when negative. */
const sub = (x: Fraction) => (x.s < 0n && x.n !== 0n ? `(${fmt(x)})` : fmt(x));
/** "ln 4", "ln(5/8)": ln applied to a positive rational. */
const lnOf = (x: Fraction) => (x.d === 1n ? `ln ${fmt(x)}` : `ln(${fmt(x)})`);

/** "ln 4", "ln(8/5)", "−ln 2" for ln x, x > 0 rational. */

/** "ln 3", "2 + ln 3", "2 − ln 2", "2": the printed logit c + ln w. */
function logitText(shift: number, w: Fraction): string {
  const c = shift === 0 ? '' : `${shift < 0 ? '−' : ''}${Math.abs(shift)}`;
  if (w.equals(ONE)) return c || '0';
  const ln = lnText(w);
  if (!c) return ln;
  return ln.startsWith('−') ? `${c} − ${ln.slice(1)}` : `${c} + ${ln}`;
}

/** "p_1, p_2" or "p_1, …, p_4". */
const pList = (k: number) => (k <= 3 ? Array.from({ length: k }, (_, i) => `p_${i + 1}`).join(', ') : `p_1, …, p_${k}`);


/** A rounded-logarithm answer part. */
function lossPart(terms: readonly { c: Fraction; x: Fraction }[], base: LogBase, d: number, label: string): Part {
  return { id: 'loss', label, answer: scalar(roundedLn(terms, d, base)), decimals: d, tolerance: { abs: 0.6 * 10 ** -d }, rounded: { exactText: lnSumText(terms, base) } };
}

// ---------- the solver, with switches for typical mistakes ----------

type FlawId =
  | 'no-normalise'
  | 'log10'
  | 'log2'
  | 'grad-sign'
  | 'grad-target-only'
  | 'used-predicted-class'
  | 'smoothing-ignored'
  | 'smoothing-k-minus-1'
  | 'exp-sign'
  | 'bce-extra-sigma-prime'
  | 'missing-sigma-prime'
  | 'half-confusion'
  | 'sum-vs-mean'
  | 'grad-no-2';

const FLAWS: Flaw<FlawId>[] = [
  { id: 'no-normalise', label: 'softmax not normalised', feedback: 'Softmax divides each e^(z_i) by Σ_j e^(z_j): the probabilities must sum to 1.' },
  { id: 'log10', label: 'used log₁₀', feedback: 'Cross-entropy uses the natural logarithm ln (base e).' },
  { id: 'log2', label: 'used log₂', feedback: 'Cross-entropy in ML frameworks uses the natural logarithm ln, not log₂ (bits).' },
  { id: 'grad-sign', label: 'gradient sign flipped (y − p)', feedback: 'For softmax/sigmoid with cross-entropy ∂L/∂z = p − y (prediction minus target), not y − p; for MSE ∂L/∂ŷ ∝ ŷ − y.' },
  { id: 'grad-target-only', label: 'gradient only for the true class', feedback: 'Every logit gets a gradient: ∂L/∂z_i = p_i − y_i, so the wrong classes get +p_i, not 0.' },
  { id: 'used-predicted-class', label: 'loss of the predicted class', feedback: 'The loss is −ln of the probability of the TRUE class, not of the class with the largest probability.' },
  { id: 'smoothing-ignored', label: 'label smoothing ignored', feedback: 'With label smoothing ε the target is y = (1 − ε)·one-hot + ε/K, not the one-hot vector.' },
  { id: 'smoothing-k-minus-1', label: 'smoothing spread over K − 1 classes', feedback: 'Keras, PyTorch and tf.losses use y = (1 − ε)·one-hot + ε/K: ε/K goes to every class, the true one included.' },
  { id: 'exp-sign', label: 'sign of the exponent', feedback: 'σ(z) = 1/(1 + e^(−z)): with z = ln u, e^(−z) = 1/u and σ(z) = u/(1 + u).' },
  { id: 'bce-extra-sigma-prime', label: "extra σ′ factor with cross-entropy", feedback: 'With binary cross-entropy the σ′ = p(1 − p) cancels: ∂L/∂z = p − y.' },
  { id: 'missing-sigma-prime', label: "forgot σ′ in the chain rule", feedback: 'For L = ½(p − y)² with p = σ(z): ∂L/∂z = (p − y)·σ′(z) = (p − y)·p(1 − p).' },
  { id: 'half-confusion', label: '½ factor wrong', feedback: 'Use the loss exactly as stated: the ½ (if any) scales both the loss and its gradient.' },
  { id: 'sum-vs-mean', label: 'mean vs sum reduction', feedback: 'The reduction is stated: "mean" divides the summed squared errors by n, "sum" does not.' },
  { id: 'grad-no-2', label: 'dropped the 2 from the square', feedback: 'd/dŷ (ŷ − y)² = 2(ŷ − y): without a ½ in the loss the 2 stays.' },
];

function solveSoftmax(p: SoftmaxP, flaw?: FlawId): Solution | undefined {
  const w = p.weights.map((x) => q(x));
  const k = w.length;
  const t = p.target - 1;
  const total = sum(w);
  if (flaw === 'no-normalise' && p.shift !== 0) return undefined; // e^(z_i) would be irrational
  const probs = flaw === 'no-normalise' ? w : w.map((x) => x.div(total));
  const eps = p.smoothing === undefined ? undefined : q(p.smoothing);
  const kq = q(k);
  let y = w.map((_, i) => (i === t ? ONE : ZERO));
  if (eps && flaw !== 'smoothing-ignored')
    y =
      flaw === 'smoothing-k-minus-1'
        ? y.map((v) => (v.equals(ONE) ? ONE.sub(eps) : eps.div(q(k - 1))))
        : y.map((v) => v.mul(ONE.sub(eps)).add(eps.div(kq)));
  let lossClass = t;
  if (flaw === 'used-predicted-class') {
    const max = probs.reduce((a, b) => (b.compare(a) > 0 ? b : a));
    const argmax = probs.findIndex((x) => x.equals(max));
    if (probs.filter((x) => x.equals(max)).length > 1 || argmax === t || eps) return undefined;
    lossClass = argmax;
    y = w.map((_, i) => (i === lossClass ? ONE : ZERO));
  }
  const base: LogBase = flaw === 'log10' ? '10' : flaw === 'log2' ? '2' : 'e';
  const terms = y.map((yi, i) => ({ c: yi.neg(), x: probs[i]! }));
  let grad = probs.map((pi, i) => pi.sub(y[i]!));
  if (flaw === 'grad-sign') grad = grad.map((g) => g.neg());
  if (flaw === 'grad-target-only') grad = grad.map((g, i) => (i === t ? g : ZERO));

  const steps: string[] = [];
  // Mutants only need answers: they build no step text (`text` guards every string built for a step).
  const text = flaw === undefined;
  if (text) {
    // Worked steps use the right numbers.
    const rp = w.map((x) => x.div(total));
    const ry = eps ? w.map((_, i) => (i === t ? ONE.sub(eps).add(eps.div(kq)) : eps.div(kq))) : w.map((_, i) => (i === t ? ONE : ZERO));
    steps.push(
      p.shift === 0
        ? `e^(z_i) = ${vec(w)}, Σ_j e^(z_j) = ${fmt(total)}.`
        : `e^(z_i) = e^${p.shift < 0 ? `(−${-p.shift})` : p.shift}·w_i with w = ${vec(w)}; the common factor e^${p.shift < 0 ? `(−${-p.shift})` : p.shift} cancels in softmax, Σ_j w_j = ${fmt(total)}.`,
    );
    steps.push(`p_i = softmax(z)_i = e^(z_i)/Σ_j e^(z_j) = ${vec(rp)}   (they sum to 1).`);
    if (eps) steps.push(`Label smoothing ε = ${fmt(eps)}, K = ${k}: y = (1 − ε)·one-hot(${p.target}) + ε/K = ${vec(ry)}.`);
    const rLoss = roundedLn(ry.map((yi, i) => ({ c: yi.neg(), x: rp[i]! })), p.decimals);
    if (eps) {
      const pieces = ry.map((yi, i) => `${fmt(yi)}·${lnOf(rp[i]!)}`).join(' + ');
      steps.push(`L = −Σ y_i ln p_i = −(${pieces}) ≈ ${fmtFixed(rLoss, p.decimals)}.`);
    } else steps.push(`L = −ln p_${p.target} = −${lnOf(rp[t]!)} = ${lnText(ONE.div(rp[t]!))} ≈ ${fmtFixed(rLoss, p.decimals)}.`);
    steps.push(`∂L/∂z_i = p_i − y_i = ${vec(rp.map((x, i) => x.sub(ry[i]!)))}.`);
  }

  return {
    parts: [
      { id: 'softmax', label: `softmax probabilities (${pList(k)})`, answer: vector(probs) },
      lossPart(terms, base, p.decimals, `cross-entropy loss L (${p.decimals} decimals)`),
      { id: 'grad', label: `∂L/∂z_i, i = 1…${k}`, answer: vector(grad) },
    ],
    steps,
  };
}

function solveSigmoid(p: SigmoidP, flaw?: FlawId): Solution | undefined {
  const u = q(p.lnOf);
  const y = q(p.y);
  const prob = flaw === 'exp-sign' ? ONE.div(ONE.add(u)) : u.div(ONE.add(u));
  const sp = prob.mul(ONE.sub(prob));
  const steps: string[] = [];
  // Mutants only need answers: they build no step text (`text` guards every string built for a step).
  const text = flaw === undefined;
  const rp = u.div(ONE.add(u));
  if (text) steps.push(`e^(−z) = ${fmt(ONE.div(u))} ⇒ p = σ(z) = 1/(1 + e^(−z)) = 1/(1 + ${fmt(ONE.div(u))}) = ${fmt(rp)}.`);
  const parts: Part[] = [{ id: 'p', label: 'p = σ(z)', answer: scalar(prob) }];
  if (p.loss === 'bce') {
    const base: LogBase = flaw === 'log10' ? '10' : flaw === 'log2' ? '2' : 'e';
    const lossTerms = [{ c: y.neg(), x: prob }, { c: y.sub(ONE), x: ONE.sub(prob) }];
    let grad = prob.sub(y);
    if (flaw === 'bce-extra-sigma-prime') grad = grad.mul(sp);
    if (flaw === 'grad-sign') grad = grad.neg();
    if (text) {
      const rLoss = roundedLn([{ c: y.neg(), x: rp }, { c: y.sub(ONE), x: ONE.sub(rp) }], p.decimals);
      const symbolic = y.equals(ONE) ? `−ln p = ${lnText(ONE.div(rp))}` : y.n === 0n ? `−ln(1 − p) = ${lnText(ONE.div(ONE.sub(rp)))}` : `−(${fmt(y)}·${lnOf(rp)} + ${fmt(ONE.sub(y))}·${lnOf(ONE.sub(rp))})`;
      steps.push(`L = −[y ln p + (1 − y) ln(1 − p)] with y = ${fmt(y)}: L = ${symbolic} ≈ ${fmtFixed(rLoss, p.decimals)}.`);
      steps.push(`∂L/∂z = p − y = ${fmt(rp)} − ${sub(y)} = ${fmt(rp.sub(y))}   (σ′ cancels against the 1/(p(1 − p)) of the loss).`);
    }
    parts.push(lossPart(lossTerms, base, p.decimals, `binary cross-entropy L (${p.decimals} decimals)`), { id: 'grad', label: '∂L/∂z', answer: scalar(grad) });
  } else {
    const half = flaw === 'half-confusion' ? ONE : q(1, 2);
    const e = prob.sub(y);
    const loss = half.mul(e.mul(e));
    let grad = half.mul(q(2)).mul(e);
    if (flaw !== 'missing-sigma-prime') grad = grad.mul(sp);
    if (flaw === 'grad-sign') grad = grad.neg();
    if (text) {
      const re = rp.sub(y);
      const rsp = rp.mul(ONE.sub(rp));
      steps.push(`L = ½(p − y)² = ½·${par(re)}² = ${fmt(q(1, 2).mul(re).mul(re))}.`);
      steps.push(`∂L/∂z = (p − y)·σ′(z) = (p − y)·p(1 − p) = ${par(re)}·${par(rsp)} = ${fmt(re.mul(rsp))}.`);
    }
    parts.push({ id: 'loss', label: 'loss L', answer: scalar(loss) }, { id: 'grad', label: '∂L/∂z', answer: scalar(grad) });
  }
  return { parts, steps };
}

function solveMse(p: MseP, flaw?: FlawId): Solution | undefined {
  const yhat = p.predictions.map((x) => q(x));
  const y = p.targets.map((x) => q(x));
  const n = yhat.length;
  const half = p.half !== (flaw === 'half-confusion');
  const mean = (p.reduction === 'mean') !== (flaw === 'sum-vs-mean');
  if (flaw === 'sum-vs-mean' && n === 1) return undefined;
  if (flaw === 'grad-no-2' && p.half) return undefined;
  const scale = (half ? q(1, 2) : ONE).div(mean ? q(n) : ONE);
  const err = yhat.map((v, i) => v.sub(y[i]!));
  const sq = sum(err.map((e) => e.mul(e)));
  const loss = scale.mul(sq);
  let grad = err.map((e) => scale.mul(q(flaw === 'grad-no-2' ? 1 : 2)).mul(e));
  if (flaw === 'grad-sign') grad = grad.map((g) => g.neg());

  const steps: string[] = [];
  // Mutants only need answers: they build no step text (`text` guards every string built for a step).
  const text = flaw === undefined;
  if (text) {
    const rscale = (p.half ? q(1, 2) : ONE).div(p.reduction === 'mean' ? q(n) : ONE);
    const factor = `${p.half ? '½·' : ''}${p.reduction === 'mean' ? `(1/${n})·` : ''}`;
    steps.push(
      `Errors ŷ_i − y_i = ${vec(err)}; squared: ${vec(err.map((e) => e.mul(e)))}, Σ = ${fmt(sq)}.`,
      `L = ${factor}Σ(ŷ_i − y_i)² = ${fmt(rscale.mul(sq))}.`,
      `∂L/∂ŷ_i = ${factor}2(ŷ_i − y_i) = ${par(rscale.mul(q(2)))}·(ŷ_i − y_i) = ${vec(err.map((e) => rscale.mul(q(2)).mul(e)))}.`,
    );
  }
  return {
    parts: [
      { id: 'loss', label: 'loss L', answer: scalar(loss) },
      { id: 'grad', label: n === 1 ? '∂L/∂ŷ' : `∂L/∂ŷ_i, i = 1…${n}`, answer: n === 1 ? scalar(grad[0]!) : vector(grad) },
    ],
    steps,
  };
}

function solveWith(p: SoftmaxCrossEntropyParams, flaw?: FlawId): Solution | undefined {
  switch (p.task) {
    case 'softmax':
      return solveSoftmax(p, flaw);
    case 'sigmoid':
      return solveSigmoid(p, flaw);
    case 'mse':
      return solveMse(p, flaw);
  }
}

// ---------- generation ----------

const NICE_SUMS = [4, 5, 6, 8, 10, 12, 15, 16, 20];

function niceWeights(rng: Rng, k: number, maxW: number): string[] {
  for (let i = 0; i < 60; i++) {
    const w = Array.from({ length: k }, () => rng.int(1, maxW));
    const s = w.reduce((a, b) => a + b, 0);
    if (NICE_SUMS.includes(s) && new Set(w).size > 1) return w.map(String);
  }
  return Array.from({ length: k }, (_, i) => String(i + 1));
}

const LN_U = ['2', '3', '4', '5', '9', '1/2', '1/3', '1/4', '3/2', '2/3', '1/9', '7', '1/7'];
const SOFT_Y = ['1/4', '3/4', '1/10', '9/10', '1/2', '4/5', '1/5'];
const MSE_VALUES = ['0', '1', '2', '3', '-1', '-2', '1/2', '3/2', '-1/2', '4', '5/2'];

function candidate(rng: Rng, difficulty: Difficulty): SoftmaxCrossEntropyParams {
  const task = rng.weighted<'softmax' | 'sigmoid' | 'mse'>([['softmax', 3], ['sigmoid', 2], ['mse', 1.5]]);
  if (task === 'softmax') {
    const k = difficulty === 1 ? rng.int(2, 3) : difficulty === 2 ? rng.int(3, 4) : rng.int(3, 5);
    let weights = niceWeights(rng, k, difficulty === 1 ? 6 : 9);
    const shift = difficulty === 1 ? 0 : rng.bool(difficulty === 3 ? 0.6 : 0.3) ? rng.pick([1, 2, 3, -1, -2]) : 0;
    // Difficulty 3: half-integer weights, so some logits read −ln 2, ln(3/2)…
    if (difficulty === 3 && rng.bool(0.4)) weights = weights.map((x) => fmtQ(q(x).div(q(2))));
    const show = shift === 0 && rng.bool(difficulty === 1 ? 0.5 : 0.3) ? 'exps' : 'logits';
    const smoothing = difficulty === 3 && rng.bool(0.5) ? rng.pick(['1/10', '1/5', '3/10']) : undefined;
    return { task, weights, shift, show, target: rng.int(1, k), ...(smoothing ? { smoothing } : {}), decimals: 3 };
  }
  if (task === 'sigmoid') {
    const loss = difficulty === 1 ? 'bce' : rng.pick(['bce', 'half-squared'] as const);
    const y = difficulty === 3 && rng.bool(0.6) ? rng.pick(SOFT_Y) : rng.pick(['0', '1']);
    return { task, lnOf: rng.pick(LN_U), show: rng.bool(0.5) ? 'logit' : 'exp-neg', y, loss, decimals: 3 };
  }
  const n = difficulty === 1 ? rng.int(2, 3) : rng.int(2, 4);
  const values = difficulty === 1 ? MSE_VALUES.filter((v) => !v.includes('/')) : MSE_VALUES;
  const predictions = Array.from({ length: n }, () => rng.pick(values));
  const targets = Array.from({ length: n }, () => rng.pick(values));
  const half = difficulty === 1 ? false : rng.bool(0.4);
  const reduction = difficulty === 1 ? 'mean' : rng.pick(['mean', 'sum'] as const);
  return { task, predictions, targets, half, reduction };
}

function generate(rng: Rng, o: { difficulty: Difficulty }): SoftmaxCrossEntropyParams {
  for (let attempt = 0; attempt < 100; attempt++) {
    const parsed = paramsSchema.safeParse(candidate(rng.fork(attempt), o.difficulty));
    if (!parsed.success) continue;
    const p = parsed.data;
    // MSE: at least two non-zero errors, so the gradient vector is not trivial.
    if (p.task === 'mse' && p.predictions.filter((x, i) => !q(x).equals(q(p.targets[i]!))).length < 2) continue;
    // Half-squared: p = y would give a zero gradient.
    if (p.task === 'sigmoid' && q(p.lnOf).div(ONE.add(q(p.lnOf))).equals(q(p.y))) continue;
    return p;
  }
  throw new GenerationError('softmax-cross-entropy: no valid instance in 100 attempts');
}

// ---------- statement ----------

function statement(p: SoftmaxCrossEntropyParams): Statement {
  if (p.task === 'softmax') {
    const w = p.weights.map((x) => q(x));
    const k = w.length;
    const exps = p.show === 'exps';
    const rows = w.map((wi, i) => [String(i + 1), exps ? fmt(wi) : logitText(p.shift, wi)]);
    const smooth = p.smoothing === undefined ? '' : ` The loss uses label smoothing with ε = ${fmt(q(p.smoothing))}.`;
    const given = exps ? `The exponentials e^(z_i) of its ${k} logits are given in the table` : `Its ${k} logits z_i are given in the table (ln is the natural logarithm)`;
    return {
      text:
        `A classifier with a softmax output layer is evaluated on one training example whose true class is class ${p.target}. ${given}.${smooth} ` +
        `Compute (a) the softmax probabilities ${pList(k)}, (b) the categorical cross-entropy loss L to ${p.decimals} decimal places, ` +
        `(c) the gradient of the loss with respect to the logits, ∂L/∂z_i for i = 1…${k}. Give the probabilities and gradients as exact fractions.`,
      blocks: [{ kind: 'table', header: ['class i', exps ? 'e^(z_i)' : 'z_i'], rows }],
      convention:
        `Cross-entropy with the natural logarithm, for this single example (no batch averaging); one-hot target${p.smoothing === undefined ? '' : ' smoothed as in Keras / PyTorch / tf.losses: y = (1 − ε)·one-hot + ε/K'}.`,
    };
  }
  if (p.task === 'sigmoid') {
    const u = q(p.lnOf);
    const z = p.show === 'logit' ? `its logit (pre-activation) is z = ${lnText(u)} (natural logarithm)` : `its logit (pre-activation) z satisfies e^(−z) = ${fmt(ONE.div(u))}`;
    const y = q(p.y);
    const target = y.n === 0n || y.equals(ONE) ? `The target label is y = ${fmt(y)}.` : `The target is the soft label y = ${fmt(y)}.`;
    const lossText =
      p.loss === 'bce'
        ? `the binary cross-entropy loss L = −[y ln p + (1 − y) ln(1 − p)] to ${p.decimals} decimal places`
        : 'the squared-error loss L = ½(p − y)² (exactly)';
    return {
      text: `A binary classifier outputs p = σ(z) with the logistic sigmoid σ(z) = 1/(1 + e^(−z)); for one example ${z}. ${target} Compute (a) p, (b) ${lossText}, (c) ∂L/∂z. Give p and ∂L/∂z as exact fractions.`,
      convention: p.loss === 'bce' ? 'Binary cross-entropy with the natural logarithm, single example (as Keras BinaryCrossentropy(from_logits=True) / PyTorch BCEWithLogitsLoss).' : 'Textbook squared error with the ½ factor, single output unit.',
    };
  }
  const n = p.predictions.length;
  const f = p.half ? '½·' : '';
  const formula = p.reduction === 'mean' ? `L = ${f}(1/n)·Σ_i (ŷ_i − y_i)²` : `L = ${f}Σ_i (ŷ_i − y_i)²`;
  return {
    text: `A regression network with ${n} outputs predicts ŷ for one example with target y (table). The loss is ${formula}${p.reduction === 'mean' ? ` with n = ${n}` : ''}. Compute (a) L, (b) the gradient ∂L/∂ŷ_i for every output. Give exact values.`,
    blocks: [{ kind: 'table', header: ['output i', 'prediction ŷ_i', 'target y_i'], rows: p.predictions.map((x, i) => [String(i + 1), fmt(q(x)), fmt(q(p.targets[i]!))]) }],
    convention:
      p.reduction === 'mean'
        ? `Mean over the n outputs${p.half ? ' with the textbook ½ factor' : ' (Keras MeanSquaredError, PyTorch MSELoss default)'}.`
        : `Sum over the outputs${p.half ? ' with the textbook ½ factor' : " (PyTorch MSELoss(reduction='sum'))"}.`,
  };
}

// ---------- verification (independent: tf losses and tf.grad on float logits) ----------

const floatOf = (s: string) => {
  const [a, b = '1'] = s.split('/');
  return Number(a) / Number(b);
};


async function verify(p: SoftmaxCrossEntropyParams, s: Solution, tf: TF): Promise<Check> {
  const computed: Record<string, Numeric> = {};
  let method: string;
  if (p.task === 'softmax') {
    const k = p.weights.length;
    const logits = p.weights.map((w) => p.shift + Math.log(floatOf(w)));
    const onehot = Array.from({ length: k }, (_, i) => (i === p.target - 1 ? 1 : 0));
    const eps = p.smoothing === undefined ? 0 : floatOf(p.smoothing);
    tf.tidy(() => {
      const zt = tf.tensor2d([logits]);
      const yt = tf.tensor2d([onehot]);
      const lossOf = (x: import('@tensorflow/tfjs').Tensor) => tf.losses.softmaxCrossEntropy(yt, x, undefined, eps);
      computed['softmax'] = Array.from(tf.softmax(zt).dataSync());
      computed['loss'] = lossOf(zt).dataSync()[0]!;
      computed['grad'] = Array.from(tf.grad(lossOf)(zt).dataSync());
    });
    method = `tf.softmax; tf.losses.softmaxCrossEntropy${eps ? ` (labelSmoothing ${eps})` : ''} and its tf.grad w.r.t. the logits z_i = c + ln w_i`;
  } else if (p.task === 'sigmoid') {
    const zf = Math.log(floatOf(p.lnOf));
    const y = floatOf(p.y);
    tf.tidy(() => {
      const zt = tf.tensor1d([zf]);
      const yt = tf.tensor1d([y]);
      const lossOf =
        p.loss === 'bce'
          ? (x: import('@tensorflow/tfjs').Tensor) => tf.losses.sigmoidCrossEntropy(yt, x)
          : (x: import('@tensorflow/tfjs').Tensor) => tf.mul(0.5, tf.losses.meanSquaredError(yt, tf.sigmoid(x)));
      computed['p'] = tf.sigmoid(zt).dataSync()[0]!;
      computed['loss'] = lossOf(zt).dataSync()[0]!;
      computed['grad'] = tf.grad(lossOf)(zt).dataSync()[0]!;
    });
    method = `tf.sigmoid; ${p.loss === 'bce' ? 'tf.losses.sigmoidCrossEntropy' : '½·tf.losses.meanSquaredError(y, tf.sigmoid(z))'} and its tf.grad w.r.t. z = ln u`;
  } else {
    const n = p.predictions.length;
    tf.tidy(() => {
      const yt = tf.tensor1d(p.targets.map(floatOf));
      const reduction = p.reduction === 'mean' ? tf.Reduction.MEAN : tf.Reduction.SUM;
      const lossOf = (x: import('@tensorflow/tfjs').Tensor) => tf.mul(p.half ? 0.5 : 1, tf.losses.meanSquaredError(yt, x, undefined, reduction));
      const yh = tf.tensor1d(p.predictions.map(floatOf));
      computed['loss'] = lossOf(yh).dataSync()[0]!;
      const g = Array.from(tf.grad(lossOf)(yh).dataSync());
      computed['grad'] = n === 1 ? g[0]! : g;
    });
    method = `tf.losses.meanSquaredError (Reduction.${p.reduction === 'mean' ? 'MEAN' : 'SUM'})${p.half ? ' × ½' : ''} and its tf.grad w.r.t. the predictions`;
  }
  return compareParts(s, computed, method);
}

export const softmaxCrossEntropy: Family<SoftmaxCrossEntropyParams> = {
  id: 'softmax-cross-entropy',
  title: 'Softmax, cross-entropy and MSE: loss and gradient',
  topic: 'backprop',
  description: 'Softmax probabilities, (label-smoothed) cross-entropy and ∂L/∂z = p − y; sigmoid with binary cross-entropy or ½(p − y)²; MSE (mean/sum, ½) and ∂L/∂ŷ.',
  params: paramsSchema,
  answerKinds: ['scalar', 'vector'],
  generate,
  statement,
  verify,
  ...mutantSolver(solveWith, FLAWS),
};
